// Shared plumbing of the htools programs: the options they have in common, data
// loading from the text and iallocator-request backends (the only I/O), and Ganeti's error/exit conventions.
import { readFileSync, writeFileSync } from "node:fs";
import * as C from "../htools/container.js";
import { type ClusterData, commonSuffix, prepareCluster, setNodeStatus } from "../htools/loader.js";
import { quietOnClosedStdout } from "../util/stdio.js";
import { parseData, parseUtilisationFile, serializeCluster, tryRead } from "../htools/text.js";
import type { DynUtil } from "../htools/types.js";
import { type ReportSource, applyMonD, collectorsFor, fileSource, parseMonDData } from "../htools/mond.js";
import { parseSimu } from "../htools/simu.js";
import { parseRequest } from "../htools/iallocator-parse.js";
import type { Container } from "../htools/container.js";
import type { Node } from "../htools/node.js";
import type { AlgorithmOptions } from "../htools/cluster.js";
import { type OptSpec, type Parsed, UsageError, parseArgs, usage } from "./options.js";
import type { Preloaded } from "./luxi.js";

export const VERSION = "3.0.2-ts";

export class ExitError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/** Ganeti's exitErr: "Error: msg" on stderr, exit 1. */
export function exitErr(msg: string): never {
  throw new ExitError(`Error: ${msg}`, 1);
}

/** A bad option value (Ganeti: "Error while parsing command line arguments:", exit 1). */
export class OptionValueError extends Error {}

/** An option's number read as Ganeti's tryRead does (name as in Ganeti's messages). */
export function readOpt(p: Parsed, s: OptSpec, name: string, integral: boolean): number | undefined {
  const v = last(p, s);
  if (v === undefined || v === null) return undefined;
  const r = tryRead(name, v, integral);
  if (!r.ok) throw new OptionValueError(r.error);
  return r.value;
}

export interface Out {
  out: string[];
  err: string[];
}

export const COMMON_SPECS: Record<string, OptSpec> = {
  help: { short: "h", long: "help", arg: "none", help: "show help" },
  version: { short: "V", long: "version", arg: "none", help: "show the version of the program" },
  helpCompletion: { long: "help-completion", arg: "none", help: "show completion info" },
  textData: { short: "t", long: "text-data", arg: "req", argName: "FILE", help: "the cluster data FILE" },
  master: { short: "m", long: "master", arg: "req", argName: "ADDRESS", help: "collect data via RAPI at the given ADDRESS" },
  luxi: { short: "L", long: "luxi", arg: "opt", argName: "SOCKET", help: "collect data via Luxi" },
  iallocSrc: { short: "I", long: "ialloc-src", arg: "req", argName: "FILE", help: "iallocator request as data source" },
  verbose: { short: "v", long: "verbose", arg: "none", help: "increase the verbosity level" },
  quiet: { short: "q", long: "quiet", arg: "none", help: "decrease the verbosity level" },
  offline: { short: "O", long: "offline", arg: "req", argName: "NODE", help: "set node as offline" },
  printNodes: { short: "p", long: "print-nodes", arg: "opt", argName: "FIELDS", help: "print the final node list" },
  printInsts: { long: "print-instances", arg: "none", help: "print the final instance map" },
  ignoreDynu: { long: "ignore-dynu", arg: "none", help: "ignore any dynamic utilisation information" },
  dynuFile: { short: "U", long: "dynu-file", arg: "req", argName: "FILE", help: "import dynamic utilisation data" },
  staticKvm: { long: "static-kvm-node-memory", arg: "req", argName: "N", help: "static node memory for KVM" },
  mond: { long: "mond", arg: "opt", argName: "yes|no", help: "query the monitoring daemons" },
  mondData: { long: "mond-data", arg: "req", argName: "FILE", help: "monitoring data file" },
  mondXen: { long: "mond-xen", arg: "none", help: "also consider xen-specific collectors" },
  mondExit: { long: "exit-on-missing-mond-data", arg: "none", help: "exit if monitoring data is missing" },
  evacMode: { short: "E", long: "evac-mode", arg: "none", help: "only move instances away from offline and drained nodes" },
  restrictedMigration: { long: "restricted-migration", arg: "none", help: "disallow replace-primary moves" },
  minScore: { short: "e", long: "min-score", arg: "req", argName: "EPSILON", help: "minimum score to aim for" },
  maxCpu: { long: "max-cpu", arg: "req", argName: "RATIO", help: "maximum virtual-to-physical cpu ratio" },
  minDisk: { long: "min-disk", arg: "req", argName: "RATIO", help: "minimum free disk space for nodes" },
  minGain: { short: "g", long: "min-gain", arg: "req", argName: "DELTA", help: "minimum gain to aim for in a balancing step" },
  minGainLim: { long: "min-gain-limit", arg: "req", argName: "SCORE", help: "minimum cluster score for which we start checking the min-gain" },
  diskMoves: { long: "no-disk-moves", arg: "none", help: "disallow disk moves" },
  instMoves: { long: "no-instance-moves", arg: "none", help: "disallow instance (primary node) moves" },
  selInst: { long: "select-instances", arg: "req", argName: "INSTS", help: "only select given instances for any moves" },
  exInst: { long: "exclude-instances", arg: "req", argName: "INSTS", help: "exclude given instances from any moves" },
  exTags: { long: "exclusion-tags", arg: "req", argName: "TAG,...", help: "exclusion tags" },
  ignoreSoft: { long: "ignore-soft-errors", arg: "none", help: "ignore soft errors in balancing moves" },
  maxLength: { short: "l", long: "max-length", arg: "req", argName: "N", help: "cap the solution at this many balancing or allocation rounds" },
  group: { short: "G", long: "group", arg: "req", argName: "ID", help: "the target node group (name or UUID)" },
  machineReadable: { long: "machine-readable", arg: "opt", argName: "CHOICE", help: "enable machine readable output" },
};

export const HELP_SPECS = [COMMON_SPECS.help!, COMMON_SPECS.version!, COMMON_SPECS.helpCompletion!];

export interface CommonOpts {
  readonly verbose: number;
  readonly dataFile: string | null;
  readonly master: string;
  readonly luxi: boolean;
  readonly iallocSrc: string | null;
  readonly offline: readonly string[];
  readonly showNodes: readonly string[] | null;
  readonly showInsts: boolean;
  readonly ignoreDynu: boolean;
  /** -U: the dynamic utilisation file. */
  readonly dynuFile: string | null;
  /** --mond[=yes|no]: take CPU load from the monitoring daemons. */
  readonly mond: boolean;
  /** --mond-data: their reports from a file instead. */
  readonly mondFile: string | null;
  readonly mondXen: boolean;
  readonly mondExit: boolean;
  readonly mcpu: number | undefined;
  readonly mdsk: number;
  readonly exTags: readonly string[] | null;
  readonly selInsts: readonly string[];
  readonly exInsts: readonly string[];
}

export function all(p: Parsed, s: OptSpec): readonly (string | null)[] {
  return p.values.get(s.long) ?? [];
}
export function has(p: Parsed, s: OptSpec): boolean {
  return p.values.has(s.long);
}
export function last(p: Parsed, s: OptSpec): string | null | undefined {
  const v = all(p, s);
  return v.length === 0 ? undefined : v[v.length - 1];
}

/** Ganeti's names of the numeric options in its "cannot parse" messages. */
const NUM_OPT_NAMES: Readonly<Record<string, string>> = {
  "max-cpu": "parsing max-cpu",
  "min-disk": "min free disk space",
  "min-gain": "min gain",
  "min-gain-limit": "min gain limit",
  "min-score": "min score",
  "max-length": "max solution length",
  "spindle-use": "parsing spindle-use",
  "static-kvm-node-memory": "static node memory",
};

/** A numeric option, read as Ganeti's tryRead does (bad values: Ganeti's message, exit 1). */
function numOpt(p: Parsed, s: OptSpec, integral: boolean): number | undefined {
  return readOpt(p, s, NUM_OPT_NAMES[s.long] ?? s.long, integral);
}
export { numOpt };

const S = COMMON_SPECS as Required<typeof COMMON_SPECS>;

/** --mond's yes/no (Ganeti's parseYesNo, yes when given without a value). */
function mondFlag(p: Parsed): boolean {
  const v = last(p, S.mond!);
  if (v === undefined) return false;
  if (v === null || v === "yes") return true;
  if (v === "no") return false;
  throw new OptionValueError(`Invalid choice '${v}', pass one of 'yes' or 'no'`);
}

export function commonOpts(p: Parsed): CommonOpts {
  let verbose = 1;
  const order: string[] = [];
  for (const [k, vs] of p.values) if (k === "verbose" || k === "quiet") for (const _ of vs) order.push(k);
  verbose += all(p, S.verbose!).length - all(p, S.quiet!).length;
  void order;
  const pn = p.values.get("print-nodes");
  let showNodes: string[] | null = null;
  if (pn !== undefined) {
    const v = pn[pn.length - 1];
    showNodes = v === null || v === undefined ? [] : v.split(",");
  }
  const split = (x: string | null | undefined): string[] => (x === null || x === undefined ? [] : x.split(","));
  return {
    verbose,
    dataFile: last(p, S.textData!) ?? null,
    master: last(p, S.master!) ?? "",
    luxi: has(p, S.luxi!),
    iallocSrc: last(p, S.iallocSrc!) ?? null,
    offline: all(p, S.offline!).filter((x): x is string => x !== null),
    showNodes,
    showInsts: has(p, S.printInsts!),
    ignoreDynu: has(p, S.ignoreDynu!),
    dynuFile: last(p, S.dynuFile!) ?? null,
    mond: mondFlag(p),
    mondFile: last(p, S.mondData!) ?? null,
    mondXen: has(p, S.mondXen!),
    mondExit: has(p, S.mondExit!),
    mcpu: numOpt(p, S.maxCpu!, false),
    mdsk: numOpt(p, S.minDisk!, false) ?? 0,
    exTags: has(p, S.exTags!) ? split(last(p, S.exTags!)) : null,
    selInsts: split(last(p, S.selInst!)),
    exInsts: split(last(p, S.exInst!)),
  };
}

/** GHC's words for a failed openFile. */
export function openFileError(path: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const why =
    code === "ENOENT" ? "does not exist (No such file or directory)"
    : code === "EACCES" ? "permission denied (Permission denied)"
    : code === "EISDIR" ? "inappropriate type (is a directory)"
    : String((e as Error).message);
  return `${path}: openFile: ${why}`;
}

/** -U: the utilisation file's lines (Ganeti reads it before any backend; a file it cannot
 * open ends the program with GHC's uncaught-exception message). */
function readUtilisation(o: CommonOpts, prog: string): (readonly [string, DynUtil])[] {
  if (o.dynuFile === null) return [];
  let text: string;
  try {
    text = readFileSync(o.dynuFile, "utf8");
  } catch (e) {
    throw new ExitError(`${prog}: ${openFileError(o.dynuFile, e)}`, 1);
  }
  const r = parseUtilisationFile(text);
  if (!r.ok) exitErr(`can't parse utilisation data: ${r.error}`);
  return r.value;
}

/** The program name for GHC-style uncaught error messages. */
let progName = "htools";

/** Reads and prepares the cluster data (Ganeti's loadExternalData) for the text backend. */
export function loadExternalData(o: CommonOpts, io: Out, simu: readonly string[] = [], pre: Preloaded = {}): ClusterData {
  const setCount = [o.master !== "", o.luxi, o.dataFile !== null].filter((x) => x).length;
  if (setCount > 1) exitErr("Only one of the rapi, luxi, and data files options should be given.");
  const util = readUtilisation(o, progName);
  const done = (raw: ClusterData): ClusterData => finishLoad(o, io, raw, util, pre);
  if (o.master !== "") {
    if (pre.rapi === undefined) exitErr("failed to load data, aborting: the RAPI data was not fetched");
    if (!pre.rapi.ok) exitErr(`failed to load data, aborting: ${pre.rapi.error}`);
    return done(pre.rapi.value);
  }
  if (o.master === "" && o.luxi) {
    if (pre.luxi === undefined) exitErr("failed to load data, aborting: the luxi data was not fetched");
    if (!pre.luxi.ok) exitErr(`failed to load data, aborting: ${pre.luxi.error}`);
    return done(pre.luxi.value);
  }
  if (o.master === "" && !o.luxi && simu.length > 0) {
    const sim = parseSimu(simu);
    if (!sim.ok) exitErr(`failed to load data, aborting: ${sim.error}`);
    return done(sim.value);
  }
  if (o.dataFile === null) {
    if (o.iallocSrc !== null) return done(readIAllocSrc(o.iallocSrc, io));
    exitErr("failed to load data, aborting: No backend selected! Exiting.");
  }
  let text: string;
  try {
    text = readFileSync(o.dataFile, "utf8");
  } catch (e) {
    exitErr(`failed to load data, aborting: ${openFileError(o.dataFile, e)}`);
  }
  const parsed = parseData(text);
  if (!parsed.ok) exitErr(`failed to load data, aborting: ${parsed.error}`);
  return done(parsed.value);
}

/** -I FILE: the cluster of an iallocator request (Ganeti's IAlloc.loadData: the request is
 * read as hail reads it, "-" for stdin; its own warnings are shown at once, a request that
 * does not parse ends the program as in hail). */
function readIAllocSrc(path: string, io: Out): ClusterData {
  let body: string;
  try {
    body = readFileSync(path === "-" ? 0 : path, "utf8");
  } catch (e) {
    exitErr(`failed to load data, aborting: ${openFileError(path, e)}`);
  }
  const parsed = parseRequest(body);
  if (!parsed.ok) exitErr(parsed.error);
  showFixWarnings(io, parsed.value.warnings);
  return parsed.value.cdata;
}

/** Ganeti's maybeShowWarnings: what loading had to fix in the data, if anything. */
export function showFixWarnings(io: Out, msgs: readonly string[]): void {
  if (msgs.length > 0) io.err.push("Warning: cluster has inconsistent data:\n" + msgs.map((w) => `  - ${w}\n`).join("") + "\n");
}

/** mergeData, the monitoring daemons' data (--mond), updateMissing, with Ganeti's
 * warnings (the common tail of loadExternalData). */
export function finishLoad(o: CommonOpts, io: Out, raw: ClusterData, util: readonly (readonly [string, DynUtil])[] = [], pre: Preloaded = {}): ClusterData {
  const prep = prepareCluster(raw, {
    util,
    ignoreDynu: o.ignoreDynu,
    exTags: (o.exTags ?? []).map((t) => t + ":"),
    selInsts: o.selInsts,
    exInsts: o.exInsts,
  });
  if (!prep.ok) exitErr(`failed to load data, aborting: ${prep.error}`);
  let data = prep.value.data;
  if (o.mond) {
    const r = withMonD(o, io, data, pre);
    data = r.data;
    if (o.mondExit && !r.complete) exitErr("Not all required data available");
  }
  if (o.verbose !== 0) showFixWarnings(io, prep.value.warnings);
  return data;
}

/** Ganeti's queryAllMonDDCs: reports from --mond-data, or as fetched from the daemons
 * before the program body ran; its warnings go to stderr as they arise. */
export function withMonD(o: CommonOpts, io: Out, data: ClusterData, pre: Preloaded): { data: ClusterData; complete: boolean } {
  let source: ReportSource;
  if (o.mondFile !== null) {
    let text: string;
    try {
      text = readFileSync(o.mondFile, "utf8");
    } catch (e) {
      throw new ExitError(`${progName}: ${openFileError(o.mondFile, e)}`, 1);
    }
    const m = parseMonDData(text);
    if (!m.ok) exitErr(`can't parse MonD data: ${m.error}`);
    source = fileSource(m.value);
  } else {
    const answers = pre.mond;
    for (const w of answers?.warnings ?? []) io.err.push(w + "\n");
    source = (dc, node) => answers?.reports.get(node.name)?.get(dc) ?? null;
  }
  const r = applyMonD(data, collectorsFor(o.ignoreDynu, o.mondXen), source);
  for (const w of r.warnings) io.err.push(w + "\n");
  return r;
}

export function applyNodeStatus(o: CommonOpts, nl: Container<Node>): Container<Node> {
  const r = setNodeStatus(nl, { offline: o.offline, mcpu: o.mcpu, mdsk: o.mdsk });
  if (!r.ok) exitErr(r.error);
  return r.value;
}

export function stripSuffixNote(nl: Container<Node>, il: Parameters<typeof commonSuffix>[1]): string {
  return commonSuffix(nl, il);
}

export function size<T>(c: Container<T>): number {
  return C.size(c);
}

/** Runs a program body with Ganeti's conventions: stdout/stderr buffers, exit codes. */
export function runMain(
  prog: string,
  specs: readonly OptSpec[],
  argv: readonly string[],
  body: (p: Parsed, io: Out) => number,
  takesArgs = false,
): { code: number; out: string; err: string } {
  const io: Out = { out: [], err: [] };
  progName = prog;
  const finish = (code: number): { code: number; out: string; err: string } => ({
    code,
    out: io.out.join(""),
    err: io.err.join(""),
  });
  let p: Parsed;
  try {
    p = parseArgs(specs, argv);
  } catch (e) {
    if (e instanceof UsageError) {
      // Ganeti's parseOptsInner: the error, a blank line, the whole usage
      io.err.push(`Command line error: ${e.message}\n\n${usage(prog, VERSION, specs)}`);
      return finish(2);
    }
    throw e;
  }
  if (p.values.has("help")) {
    io.out.push(usage(prog, VERSION, specs));
    return finish(0);
  }
  if (p.values.has("version")) {
    io.out.push(`${prog} ${VERSION}\ncompiled with node ${process.versions.node}\nrunning on ${process.platform} ${process.arch}\n\n`);
    return finish(0);
  }
  if (p.values.has("help-completion")) {
    for (const s of specs) {
      io.out.push(`--${s.long} ${s.arg === "none" ? "none" : "string"}\n`);
      if (s.short !== undefined) io.out.push(`-${s.short} ${s.arg === "none" ? "none" : "string"}\n`);
    }
    return finish(0);
  }
  try {
    if (!takesArgs && p.args.length > 0) exitErr("This program doesn't take any arguments.");
    return finish(body(p, io));
  } catch (e) {
    if (e instanceof ExitError) {
      io.err.push(e.message + "\n");
      return finish(e.code);
    }
    if (e instanceof UsageError) {
      io.err.push(`Error: ${e.message}\n`);
      return finish(2);
    }
    if (e instanceof OptionValueError) {
      io.err.push(`Error while parsing command line arguments:\n${e.message}\n`);
      return finish(1);
    }
    io.err.push(`Error: internal error: ${(e as Error).message}\n`);
    return finish(1);
  }
}

/** Writes the buffered output, hbal-style (stdout and stderr interleaving is not kept). */
export function emit(r: { code: number; out: string; err: string }): void {
  quietOnClosedStdout();
  process.stdout.write(r.out);
  process.stderr.write(r.err);
  process.exitCode = r.code;
}

/** The balancing options hbal and hcheck share (Ganeti's algorithm options, score/length limits). */
export function balancingOptions(p: Parsed, restrictedMigration: boolean): { algo: AlgorithmOptions; minScore: number; maxLength: number } {
  const S = COMMON_SPECS;
  return {
    algo: {
      diskMoves: !has(p, S.diskMoves!),
      instanceMoves: !has(p, S.instMoves!),
      restrictedMigration,
      ignoreSoftErrors: has(p, S.ignoreSoft!),
      evacMode: has(p, S.evacMode!),
      minGain: numOpt(p, S.minGain!, false) ?? 1e-2,
      minGainLimit: numOpt(p, S.minGainLim!, false) ?? 1e-1,
    },
    minScore: numOpt(p, S.minScore!, false) ?? 1e-9,
    maxLength: numOpt(p, S.maxLength!, true) ?? -1,
  };
}

/** Ganeti's maybeSaveData: writes PATH.EXT in the text format and says so on stderr. */
export function saveClusterData(io: Out, path: string | null | undefined, ext: string, msg: string, cd: ClusterData): void {
  if (path === undefined || path === null) return;
  const out = `${path}.${ext}`;
  try {
    writeFileSync(out, serializeCluster(cd));
  } catch (e) {
    exitErr(`${out}: ${(e as Error).message}`);
  }
  io.err.push(`The cluster state ${msg} has been written to file '${out}'\n`);
}

export const SH_TEMPLATE =
  "#!/bin/sh\n\n# Auto-generated script for executing cluster rebalancing\n\n" +
  "# To stop, touch the file /tmp/stop-htools\n\nset -e\n\ncheck() {\n" +
  "  if [ -f /tmp/stop-htools ]; then\n    echo 'Stop requested, exiting'\n    exit 0\n  fi\n}\n\n";

export const PRINT_COMMANDS_SPEC: OptSpec = {
  short: "C", long: "print-commands", arg: "opt", argName: "FILE",
  help: "print the ganeti command list for reaching the solution, if an argument is passed then write the commands to a file named as such",
};

/** Ganeti's maybeSaveCommands: `-C` prints the commands, `-CFILE` writes a shell script. */
export function maybeSaveCommands(io: Out, p: Parsed, msg: string, cmds: string): void {
  if (!has(p, PRINT_COMMANDS_SPEC)) return;
  const dest = last(p, PRINT_COMMANDS_SPEC) ?? "-";
  if (dest === "-" || dest === null) {
    io.out.push(`\n${msg}\n`);
    const ls = cmds.split("\n");
    if (ls[ls.length - 1] === "") ls.pop();
    io.out.push(ls.filter((l) => l !== "  check").map((l) => `  ${l}\n`).join(""));
    return;
  }
  try {
    writeFileSync(dest, SH_TEMPLATE + cmds);
  } catch (e) {
    exitErr(`${dest}: ${(e as Error).message}`);
  }
  io.out.push(`The commands have been written to file '${dest}'\n`);
}
