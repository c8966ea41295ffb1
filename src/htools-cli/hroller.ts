// hroller: rolling-maintenance planner (Ganeti 3.0's options and output).
import * as C from "../htools/container.js";
import { showGraph } from "../htools/graph.js";
import { coloringStats, planReboots, rebootGraph } from "../htools/hroller.js";
import {
  COMMON_SPECS as S,
  HELP_SPECS,
  applyNodeStatus,
  commonOpts,
  emit,
  exitErr,
  has,
  last,
  loadExternalData,
  runMain,
  saveClusterData,
} from "./common.js";
import type { OptSpec } from "./options.js";
import { type Preloaded, preload } from "./luxi.js";

const X = {
  offlineMaintenance: { long: "offline-maintenance", arg: "none", help: "Schedule offline maintenance, i.e., pretend that all instance are offline." },
  noHeaders: { long: "no-headers", arg: "none", help: "do not show a header line" },
  nodeTags: { long: "node-tags", arg: "req", argName: "TAG,...", help: "Restrict to nodes with the given tags" },
  save: { short: "S", long: "save", arg: "req", argName: "FILE", help: "Save cluster state at the end of the processing to FILE" },
  printMoves: { long: "print-moves", arg: "none", help: "print the moves of the instances" },
  fullEvacuation: { long: "full-evacuation", arg: "none", help: "fully evacuate the nodes to be rebooted" },
  skipNonRedundant: { long: "skip-non-redundant", arg: "none", help: "Skip nodes that host a non-redundant instance" },
  ignoreNonRedundant: { long: "ignore-non-redundant", arg: "none", help: "Pretend that there are no non-redundant instances in the cluster" },
  force: { short: "f", long: "force", arg: "none", help: "force the execution of this program, even if warnings would otherwise prevent it" },
  oneStepOnly: { long: "one-step-only", arg: "none", help: "Only do the first step" },
} satisfies Record<string, OptSpec>;

export const HROLLER_SPECS: readonly OptSpec[] = [
  S.luxi!, S.master!, S.textData!, S.iallocSrc!, S.offline!, X.offlineMaintenance, S.verbose!, S.quiet!, X.noHeaders,
  X.nodeTags, X.save, S.group!, X.printMoves, X.fullEvacuation, X.skipNonRedundant, X.ignoreNonRedundant, X.force,
  X.oneStepOnly, S.staticKvm!, ...HELP_SPECS,
];

/** Haskell's `show` of a list of strings. */
function showList(xs: readonly string[]): string {
  return `[${xs.map((x) => JSON.stringify(x)).join(",")}]`;
}

export function hrollerMain(argv: readonly string[], pre: Preloaded = {}): { code: number; out: string; err: string } {
  return runMain("hroller", HROLLER_SPECS, argv, (p, io) => {
    const o = commonOpts(p);
    const say = (s: string): void => void io.out.push(s + "\n");
    const cd = loadExternalData(o, io, [], pre);
    const masters = C.elems(cd.nodes).filter((n) => n.isMaster).map((n) => n.name);
    if (masters.length === 0) {
      const msg = "No master node found (maybe not supported by backend).";
      if (has(p, X.force)) io.err.push(`Warning: ${msg}\n`);
      else exitErr(msg);
    } else if (masters.length > 1) exitErr(`Found more than one master node: ${showList(masters)}`);
    const nlf = applyNodeStatus(o, cd.nodes);
    saveClusterData(io, last(p, X.save), "original", "before hroller run", cd);
    const gname = last(p, S.group!);
    let group = null;
    if (gname !== undefined && gname !== null) {
      group = C.elems(cd.groups).find((g) => g.uuid === gname || g.name === gname) ?? null;
      if (group === null) exitErr("Cannot find target group.");
    }
    const tags = last(p, X.nodeTags);
    const ho = {
      offlineMaintenance: has(p, X.offlineMaintenance),
      skipNonRedundant: has(p, X.skipNonRedundant),
      ignoreNonRedundant: has(p, X.ignoreNonRedundant),
      fullEvacuation: has(p, X.fullEvacuation),
      nodeTags: tags === undefined || tags === null ? null : tags.split(","),
      group,
    };
    const g = rebootGraph(nlf, cd.instances, ho);
    if (g === null) exitErr("Cannot create node graph");
    if (o.verbose > 2) say(`Node Graph: ${showGraph(g.graph)}`);
    const plan = planReboots(nlf, cd.instances, ho, g.nodes, g.graph);
    if (!plan.ok) exitErr(plan.error);
    const r = plan.value;
    if (o.verbose > 1) say(coloringStats(r.colorings));
    const printMoves = has(p, X.printMoves);
    const showBoth = (g: (typeof r.groups)[number], oneStep: boolean): void => {
      if (oneStep) for (const n of g.nodes) say(n);
      else say(g.nodes.join(","));
      if (printMoves) for (const m of g.moves) say(m.snode === null ? `  ${m.inst} ${m.pnode}` : `  ${m.inst} ${m.pnode} ${m.snode}`);
    };
    const noHeaders = has(p, X.noHeaders);
    if (has(p, X.oneStepOnly)) {
      if (!noHeaders) say("'First Reboot Group'");
      const first = r.groups[0];
      if (first !== undefined) showBoth(first, true);
    } else {
      if (!noHeaders) say("'Node Reboot Groups'");
      for (const g of r.groups) showBoth(g, false);
    }
    return 0;
  });
}

export async function run(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  emit(hrollerMain(argv, await preload(HROLLER_SPECS, argv)));
}
