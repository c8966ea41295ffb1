// hail: Ganeti's iallocator plugin (JSON request file in, JSON answer on stdout),
// Ganeti 3.0's options; -t/--simulate replace the request's cluster data.
import { readFileSync, writeFileSync } from "node:fs";
import type { AllocOptions } from "../htools/alloc.js";
import { printNodes } from "../htools/cluster-output.js";
import * as C from "../htools/container.js";
import { dedicatedRequest, formatResponse, processRequest } from "../htools/iallocator.js";
import { type ParsedRequest, parseRequest } from "../htools/iallocator-parse.js";
import type { ClusterData } from "../htools/loader.js";
import { serializeCluster } from "../htools/text.js";
import { COMMON_SPECS as S, HELP_SPECS, type Out, commonOpts, emit, exitErr, has, last, loadExternalData, runMain } from "./common.js";
import type { OptSpec } from "./options.js";
import { showCluster, showRequest } from "./show-ialloc.js";

const X = {
  simulate: { long: "simulate", arg: "req", argName: "SPEC", help: "simulate an empty cluster, given as 'alloc_policy,num_nodes,disk,ram,cpu'" },
  save: { short: "S", long: "save", arg: "req", argName: "FILE", help: "Save cluster state at the end of the processing to FILE" },
  noCapacity: { long: "no-capacity-checks", arg: "none", help: "disable capacity checks (like global N+1 redundancy)" },
  restrict: { long: "restrict-allocation-to", arg: "req", argName: "NODE,...", help: "Restrict allocations to the given set of nodes" },
} satisfies Record<string, OptSpec>;

export const HAIL_SPECS: readonly OptSpec[] = [
  S.printNodes!, S.textData!, S.master!, S.luxi!, S.iallocSrc!, S.verbose!, X.save, S.mond!, S.mondData!, S.mondXen!,
  S.mondExit!, S.dynuFile!, S.ignoreDynu!, X.simulate, S.staticKvm!, X.noCapacity, S.ignoreSoft!, X.restrict, ...HELP_SPECS,
];

function saveData(io: Out, path: string | null, ext: string, msg: string, cd: ClusterData): void {
  if (path === null) return;
  const out = `${path}.${ext}`;
  writeFileSync(out, serializeCluster(cd));
  io.err.push(`The cluster state ${msg} has been written to file '${out}'\n`);
}

export function hailMain(argv: readonly string[], stdin: () => string): { code: number; out: string; err: string } {
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
    if (parsed.value.warnings.length > 0) {
      io.err.push("Warning: cluster has inconsistent data:\n" + parsed.value.warnings.map((w) => `  - ${w}\n`).join("") + "\n");
    }
    let pr: ParsedRequest = parsed.value;
    const simu = (p.values.get("simulate") ?? []).filter((x): x is string => x !== null).reverse();
    if (o.dataFile !== null || simu.length > 0) pr = { ...pr, cdata: loadExternalData(o, io, simu) };
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

export function run(argv: readonly string[] = process.argv.slice(2)): void {
  emit(hailMain(argv, () => readFileSync(0, "utf8")));
}
