// hail: Ganeti's iallocator plugin (JSON request file in, JSON answer on stdout),
// Ganeti 3.0's options; -t/--simulate replace the request's cluster data.
import { readFileSync, writeFileSync } from "node:fs";
import type { AllocOptions } from "../htools/alloc.js";
import { printNodes } from "../htools/cluster-output.js";
import * as C from "../htools/container.js";
import { dedicatedRequest, formatResponse, processRequest } from "../htools/iallocator.js";
import { type ParsedRequest, parseRequest } from "../htools/iallocator-parse.js";
import type { ClusterData } from "../htools/loader.js";
import { parseData, serializeCluster } from "../htools/text.js";
import type { Container } from "../htools/container.js";
import type { Node } from "../htools/node.js";
import { COMMON_SPECS as S, HELP_SPECS, type Out, commonOpts, emit, exitErr, has, last, loadExternalData, runMain, showFixWarnings, withMonD } from "./common.js";
import { type OptSpec, parseArgs } from "./options.js";
import type { Preloaded } from "./luxi.js";
import { queryMonDs } from "./mond.js";
import { collectorsFor } from "../htools/mond.js";
import { showCluster, showRequest } from "./show-ialloc.js";

const X = {
  simulate: { long: "simulate", arg: "req", argName: "SPEC", help: "simulate an empty cluster, given as 'alloc_policy,num_nodes,disk,ram,cpu'" },
  save: { short: "S", long: "save", arg: "req", argName: "FILE", help: "Save cluster state at the end of the processing to FILE" },
  noCapacity: { long: "no-capacity-checks", arg: "none", help: "disable capacity checks (like global N+1 redundancy)" },
  restrict: { long: "restrict-allocation-to", arg: "req", argName: "NODE,...", help: "Restrict allocations to the given set of nodes" },
} satisfies Record<string, OptSpec>;

/** Ganeti 3.0.2's hail options (no other backend than the request, -t or --simulate;
 * no -U or --mond-data: the daemons are asked themselves with --mond). */
export const HAIL_SPECS: readonly OptSpec[] = [
  S.printNodes!, X.save, S.textData!, X.simulate, S.verbose!, S.ignoreDynu!, S.ignoreSoft!, X.noCapacity, X.restrict,
  S.mond!, S.mondXen!, S.staticKvm!, ...HELP_SPECS,
];

function saveData(io: Out, path: string | null, ext: string, msg: string, cd: ClusterData): void {
  if (path === null) return;
  const out = `${path}.${ext}`;
  writeFileSync(out, serializeCluster(cd));
  io.err.push(`The cluster state ${msg} has been written to file '${out}'\n`);
}

export function hailMain(argv: readonly string[], stdin: () => string, pre: Preloaded = {}): { code: number; out: string; err: string } {
  return runMain("hail", HAIL_SPECS, argv, (p, io) => {
    const o = commonOpts(p);
    const restrict = last(p, X.restrict);
    const opts: AllocOptions = {
      ignoreSoftErrors: has(p, S.ignoreSoft!), capacity: !has(p, X.noCapacity), capacityIgnoreGroups: [],
      restrictToNodes: restrict === undefined || restrict === null ? null : restrict.split(","), acceptExisting: false,
    };
    if (p.args.length === 0) exitErr("This program needs an input file.");
    if (p.args.length > 1) exitErr("Only one argument is accepted (the input file)");
    const file = p.args[0]!;
    let body: string;
    try {
      body = file === "-" ? stdin() : readFileSync(file, "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      exitErr(`${file}: openFile: ${code === "ENOENT" ? "does not exist (No such file or directory)" : String((e as Error).message)}`);
    }
    const parsed = parseRequest(body);
    if (!parsed.ok) exitErr(parsed.error);
    showFixWarnings(io, parsed.value.warnings);
    let pr: ParsedRequest = parsed.value;
    const simu = (p.values.get("simulate") ?? []).filter((x): x is string => x !== null).reverse();
    if (o.dataFile !== null || simu.length > 0) pr = { ...pr, cdata: loadExternalData(o, io, simu, pre) };
    // the request's own cluster data takes the daemons' CPU load too (completeness is not checked)
    else if (o.mond) pr = { ...pr, cdata: withMonD(o, io, pr.cdata, pre).data };
    if (o.verbose > 1) io.err.push(`Received request: ${showRequest(pr)}\n`);
    if (o.verbose > 2) io.err.push(`Received cluster data: ${showCluster(pr.cdata)}\n`);
    if (o.verbose > 1 && dedicatedRequest(pr)) io.err.push("Allocation on a dedicated cluster; using lost-allocations metrics.\n");
    if (o.showNodes !== null) io.err.push(`\nInitial cluster status:\n${printNodes(pr.cdata.nodes, o.showNodes)}\n`);
    const saveTo = last(p, X.save) ?? null;
    saveData(io, saveTo, "pre-ialloc", "before iallocator run", pr.cdata);
    const r = processRequest(opts, pr);
    io.out.push(formatResponse(r) + "\n");
    const fin = r.ok ? { nl: r.value.nl, il: r.value.il } : { nl: pr.cdata.nodes, il: pr.cdata.instances };
    if (o.showNodes !== null) io.err.push(`\nFinal cluster status:\n${printNodes(fin.nl, o.showNodes)}\n`);
    saveData(io, saveTo, "post-ialloc", "after iallocator run", { ...pr.cdata, nodes: fin.nl, instances: fin.il });
    void C;
    return 0;
  }, true);
}

/** With --mond, the request's nodes' monitoring daemons are asked first (the request is
 * read once, here, and handed on). */
export async function run(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  let stdinText: string | null = null;
  const stdin = (): string => (stdinText ??= readFileSync(0, "utf8"));
  emit(hailMain(argv, stdin, await preloadMonD(argv, stdin)));
}

async function preloadMonD(argv: readonly string[], stdin: () => string): Promise<Preloaded> {
  let p;
  try {
    p = parseArgs(HAIL_SPECS, argv);
  } catch {
    return {};
  }
  const o = p.values;
  const mond = o.get("mond");
  const v = mond?.[mond.length - 1];
  if (mond === undefined || (v !== null && v !== "yes") || o.has("simulate") || p.args.length !== 1) return {};
  if (o.has("help") || o.has("version") || o.has("help-completion")) return {};
  const collectors = collectorsFor(o.has("ignore-dynu"), o.has("mond-xen"));
  let body: string;
  try {
    body = p.args[0] === "-" ? stdin() : readFileSync(p.args[0]!, "utf8");
  } catch {
    return {};
  }
  // the nodes are the -t file's when given (they replace the request's cluster)
  const tf = o.get("text-data");
  let nodes: Container<Node> | null = null;
  if (tf !== undefined) {
    try {
      const d = parseData(readFileSync(tf[tf.length - 1]!, "utf8"));
      if (d.ok) nodes = d.value.nodes;
    } catch {
      return {};
    }
  } else {
    const req = parseRequest(body);
    if (req.ok) nodes = req.value.cdata.nodes;
  }
  if (nodes === null || collectors.length === 0) return {};
  return { mond: await queryMonDs(C.elems(nodes).map((n) => n.name), collectors) };
}
