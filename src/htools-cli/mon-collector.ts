// hpc-mon-collector: Ganeti's mon-collector, the data collectors of the monitoring
// daemon run once from the command line ("mon-collector drbd|diskstats|lv [options]"),
// each printing one data collector report as JSON. Parsing and the report format live
// in src/monitoring/; this file reads the inputs and keeps Ganeti's command line,
// messages and exit codes.
import { closeSync, openSync, readSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { basename } from "node:path";
import { tryRead } from "../htools/text.js";
import { drbdReportData, parseDrbdStatus, readPairing } from "../monitoring/drbd.js";
import { diskstatsReportData, parseDiskstats } from "../monitoring/diskstats.js";
import { LVS_ARGS, lvReportData, pairLvsWithInstances, parseLvs, readInstanceDisks } from "../monitoring/lv.js";
import { BUILTIN_VERSION, type DCCategory, DCKind, type Json, encodeReport, reportTimestamp } from "../monitoring/report.js";
import { type OptSpec, type Parsed, UsageError, parseArgs, usage } from "./options.js";
import { VERSION } from "./common.js";

/** How Ganeti completes an option's argument (its --help-completion vocabulary). */
type Completion = "none" | "file" | "integer";
type Spec = OptSpec & { readonly compl: Completion };

const OPT = {
  drbdStatus: { short: "s", long: "drbd-status", arg: "req", argName: "FILE", help: "the DRBD status FILE", compl: "file" },
  drbdPairing: {
    short: "p", long: "drbd-pairing", arg: "req", argName: "FILE", compl: "file",
    help: "the FILE containing pairings between instances and DRBD minors",
  },
  file: { short: "f", long: "file", arg: "req", argName: "FILE", help: "the input FILE", compl: "file" },
  address: {
    short: "a", long: "address", arg: "req", argName: "IP_ADDR", compl: "file",
    help: "the IP address of the Confd server to connect to",
  },
  port: { short: "p", long: "port", arg: "req", argName: "PORT", help: "Network port of the Confd server to connect to", compl: "integer" },
  instances: { short: "i", long: "instances", arg: "req", argName: "FILE", help: "the FILE containing serialized instances", compl: "file" },
  version: { short: "V", long: "version", arg: "none", help: "show the version of the program", compl: "none" },
  help: { short: "h", long: "help", arg: "none", help: "show help", compl: "none" },
  helpCompletion: { long: "help-completion", arg: "none", help: "show completion info", compl: "none" },
} as const satisfies Record<string, Spec>;

const GENERIC: readonly Spec[] = [OPT.version, OPT.help, OPT.helpCompletion];

class Exit extends Error {
  constructor(
    readonly text: string,
    readonly code: number,
  ) {
    super(text);
  }
}

/** Ganeti's exitErr. */
function exitErr(msg: string): never {
  throw new Exit(`Error: ${msg}\n`, 1);
}

interface Io {
  readonly prog: string;
  readonly out: string[];
  readonly err: string[];
}

/** What GHC says about a failed openFile. */
function ioError(path: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    ENOENT: "does not exist (No such file or directory)",
    ENOTDIR: "does not exist (Not a directory)",
    EACCES: "permission denied (Permission denied)",
    EPERM: "permission denied (Operation not permitted)",
    EISDIR: "inappropriate type (is a directory)",
  };
  return `${path}: openFile: ${why[code ?? ""] ?? (e as Error).message}`;
}

/** At most this much of an input is read: files like /dev/zero never end, and Ganeti's
 * lazily read input only ever shows the first 1600 characters of what it could not parse. */
const READ_LIMIT = 16 * 1024 * 1024;

function readText(path: string): string {
  const fd = openSync(path, "r");
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    while (total < READ_LIMIT) {
      const buf = Buffer.alloc(Math.min(1 << 20, READ_LIMIT - total));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
    }
    return Buffer.concat(chunks).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** readFile wrapped as Ganeti's collectors wrap it ("reading from file: ..."). */
function readInput(path: string): string {
  try {
    return readText(path);
  } catch (e) {
    return exitErr(`reading from file: ${ioError(path, e)}`);
  }
}

function lastValue(p: Parsed, s: OptSpec): string | undefined {
  const v = p.values.get(s.long);
  return v === undefined ? undefined : (v[v.length - 1] ?? undefined);
}

function noArgs(args: readonly string[]): void {
  if (args.length > 0) exitErr(`This program takes exactly zero arguments, got '${args.join(" ")}'`);
}

function nowUsecs(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}

function report(io: Io, name: string, category: DCCategory, kind: DCKind, data: Json): void {
  io.out.push(
    encodeReport({ name, version: BUILTIN_VERSION, formatVersion: 1, timestamp: reportTimestamp(nowUsecs()), category, kind, data }) + "\n",
  );
}

function drbdMain(io: Io, p: Parsed): void {
  noArgs(p.args);
  const statusFile = lastValue(p, OPT.drbdStatus) ?? "/proc/drbd";
  const contents = readInput(statusFile);
  const pairingFile = lastValue(p, OPT.drbdPairing);
  let pairing: ReturnType<typeof readPairing>;
  if (pairingFile === undefined) {
    pairing = { ok: false, error: "ganeti-ts has no Confd to ask; give the pairing with --drbd-pairing" };
  } else {
    let text: string;
    try {
      text = readText(pairingFile);
    } catch (e) {
      throw new Exit(`${io.prog}: ${ioError(pairingFile, e)}\n`, 1);
    }
    pairing = readPairing(text);
  }
  if (!pairing.ok) io.err.push(`Can't get pairing info: ${pairing.error}\n`);
  const st = parseDrbdStatus(contents, pairing.ok ? pairing.value : []);
  if (!st.ok) exitErr(st.error);
  report(io, "drbd", "storage", DCKind.Status, drbdReportData(st.value));
}

function diskstatsMain(io: Io, p: Parsed): void {
  noArgs(p.args);
  const ds = parseDiskstats(readInput(lastValue(p, OPT.file) ?? "/proc/diskstats"));
  if (!ds.ok) exitErr(ds.error);
  report(io, "diskstats", "storage", DCKind.Perf, diskstatsReportData(ds.value));
}

function lvMain(io: Io, p: Parsed): void {
  noArgs(p.args);
  const file = lastValue(p, OPT.file);
  let out: string;
  if (file !== undefined) out = readInput(file);
  else {
    try {
      out = execFileSync("lvs", LVS_ARGS, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stderr?: string; status?: number };
      if (err.code === "ENOENT") exitErr("running command: lvs: readCreateProcess: posix_spawnp: does not exist (No such file or directory)");
      exitErr(`running command: callProcess: lvs ${LVS_ARGS.join(" ")} (exit ${err.status ?? 1}): failed${err.stderr ? `: ${err.stderr.trim()}` : ""}`);
    }
  }
  const lvs = parseLvs(out);
  if (!lvs.ok) exitErr(lvs.error);
  const instFile = lastValue(p, OPT.instances);
  if (instFile === undefined) {
    exitErr("Unable to obtain the list of instances: ganeti-ts has no Confd to ask; give the instances with --instances");
  }
  const insts = readInstanceDisks(readInput(instFile));
  if (!insts.ok) exitErr(`Unable to obtain the list of instances: Not a list of instances: ${insts.error}`);
  report(io, "lv", "storage", DCKind.Perf, lvReportData(pairLvsWithInstances(lvs.value, insts.value)));
}

interface Personality {
  readonly name: string;
  readonly desc: string;
  readonly specs: readonly Spec[];
  readonly main: (io: Io, p: Parsed) => void;
}

/** In Ganeti's order (the completion lists them so; the help sorts them). */
const PERSONALITIES: readonly Personality[] = [
  { name: "drbd", desc: "gathers and displays DRBD statistics in JSON format", specs: [OPT.drbdStatus, OPT.drbdPairing], main: drbdMain },
  { name: "diskstats", desc: "gathers and displays the disk usage statistics in JSON format", specs: [OPT.file], main: diskstatsMain },
  {
    name: "lv", desc: "gathers and displays info about logical volumes",
    specs: [OPT.file, OPT.address, OPT.port, OPT.instances], main: lvMain,
  },
];

/** Greedy word wrap to `width` columns (Ganeti's Utils.wrap). */
function wrap(width: number, text: string): string[] {
  const lines: string[] = [];
  let cur = "";
  for (const w of text.split(/\s+/).filter((x) => x !== "")) {
    if (cur === "") cur = w;
    else if (cur.length + 1 + w.length <= width) cur += " " + w;
    else {
      lines.push(cur);
      cur = w;
    }
  }
  if (cur !== "") lines.push(cur);
  return lines;
}

function commandUsage(prog: string): string {
  const mlen = Math.min(20, Math.max(...PERSONALITIES.map((x) => x.name.length)));
  const rows = [...PERSONALITIES]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((x) => wrap(79 - 3 - mlen, x.desc).map((d, i) => ` ${(i === 0 ? x.name : "").padEnd(mlen)} ${i === 0 ? "-" : " "} ${d}`));
  return [
    `Usage: ${prog} {command} [options...] [argument...]`,
    `${prog} <command> --help to see details, or man ${prog}`,
    "",
    "Commands:",
    ...rows,
  ].join("\n") + "\n";
}

/** The version text; Ganeti adds an empty line after it when given before the command. */
function versionText(prog: string, topLevel: boolean): string {
  return `${prog} ${VERSION}\ncompiled with node ${process.versions.node}\nrunning on ${process.platform} ${process.arch}\n${topLevel ? "\n" : ""}`;
}

function completion(specs: readonly Spec[]): string {
  const opts = specs.map((s) => [...(s.short !== undefined ? [`-${s.short}`] : []), `--${s.long}`].join(",") + ` ${s.compl}\n`);
  return opts.join("") + "file 0 0\n";
}

export function monCollectorMain(prog: string, argv: readonly string[]): { code: number; out: string; err: string } {
  const io: Io = { prog, out: [], err: [] };
  const finish = (code: number): { code: number; out: string; err: string } => ({ code, out: io.out.join(""), err: io.err.join("") });
  const [cmd, ...rest] = argv;
  if (cmd === "--version") {
    io.out.push(versionText(prog, true));
    return finish(0);
  }
  if (cmd === "--help") {
    io.out.push(commandUsage(prog));
    return finish(0);
  }
  if (cmd === "--help-completion") {
    io.out.push(`choices=${PERSONALITIES.map((x) => x.name).join(",")} 1 1\n`);
    return finish(0);
  }
  const pers = PERSONALITIES.find((x) => x.name === cmd);
  if (pers === undefined) {
    io.out.push(commandUsage(prog));
    return finish(1);
  }
  const specs = [...pers.specs, ...GENERIC];
  const help = usage(prog, VERSION, specs);
  try {
    let p: Parsed;
    try {
      p = parseArgs(specs, rest);
    } catch (e) {
      if (e instanceof UsageError) throw new Exit(`Command line error: ${e.message}\n\n${help}`, 2);
      throw e;
    }
    const port = lastValue(p, OPT.port);
    if (port !== undefined) {
      const r = tryRead("reading port", port, true);
      if (!r.ok) throw new Exit(`Error while parsing command line arguments:\n${r.error}\n`, 1);
    }
    if (p.values.has("help")) io.out.push(help);
    else if (p.values.has("version")) io.out.push(versionText(prog, false));
    else if (p.values.has("help-completion")) io.out.push(completion(specs));
    else pers.main(io, p);
    return finish(0);
  } catch (e) {
    if (e instanceof Exit) {
      io.err.push(e.text);
      return finish(e.code);
    }
    io.err.push(`Error: internal error: ${(e as Error).message}\n`);
    return finish(1);
  }
}

export function run(argv: readonly string[] = process.argv.slice(2)): void {
  const prog = basename(process.argv[1] ?? "mon-collector");
  const r = monCollectorMain(prog, argv);
  process.stdout.write(r.out);
  process.stderr.write(r.err);
  process.exitCode = r.code;
}
