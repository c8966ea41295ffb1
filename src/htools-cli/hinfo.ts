// hinfo: cluster information (Ganeti 3.0's options and output), text backend.
import * as C from "../htools/container.js";
import { computeBadItems, findSplitInstances, splitCluster } from "../htools/cluster.js";
import { printInsts, printNodes } from "../htools/cluster-output.js";
import { fixed, printTable } from "../htools/format.js";
import { commonSuffix } from "../htools/loader.js";
import { compCV, printStats } from "../htools/metrics.js";
import {
  COMMON_SPECS as S,
  HELP_SPECS,
  applyNodeStatus,
  commonOpts,
  emit,
  loadExternalData,
  runMain,
} from "./common.js";
import type { OptSpec } from "./options.js";
import { type Preloaded, preload } from "./luxi.js";
import { showIPolicy } from "./show.js";

export const HINFO_SPECS: readonly OptSpec[] = [
  S.printNodes!, S.printInsts!, S.textData!, S.master!, S.luxi!, S.iallocSrc!, S.verbose!, S.quiet!, S.offline!,
  S.ignoreDynu!, S.mond!, S.mondData!, S.staticKvm!, ...HELP_SPECS,
];

const plural = (n: number, one: string, many: string): string => (n === 1 ? one : many);

export function hinfoMain(argv: readonly string[], pre: Preloaded = {}): { code: number; out: string; err: string } {
  return runMain("hinfo", HINFO_SPECS, argv, (p, io) => {
    const o = commonOpts(p);
    const say = (s: string): void => void io.out.push(s + "\n");
    const cd = loadExternalData(o, io, [], pre);
    say(`Loaded cluster tags: ${cd.tags.join(",")}`);
    if (o.verbose > 2) say(`Loaded cluster ipolicy: ${showIPolicy(cd.ipolicy)}`);
    const nl = applyNodeStatus(o, cd.nodes);
    const il = cd.instances;
    if (C.size(il) === 0 && o.verbose > 1) say("Cluster is empty.");
    const ns = C.size(nl);
    const is = C.size(il);
    const gs = C.size(cd.groups);
    say(
      `Loaded ${ns} ${plural(ns, "node", "nodes")}, ${is} ${plural(is, "instance", "instances")}, ` +
        `${gs} ${plural(gs, "node group", "node groups")}`,
    );
    const csf = commonSuffix(nl, il);
    if (csf !== "" && o.verbose > 2) say(`Note: Stripping common suffix of '${csf}' from names`);
    const split = findSplitInstances(nl, il);
    if (split.length === 0) {
      if (o.verbose > 1) say("No split instances found");
    } else {
      say("Found instances belonging to multiple node groups:");
      for (const i of split) io.err.push(`  ${i.name}\n`);
    }
    const infos = splitCluster(nl, il).map((g) => {
      const badItems = computeBadItems(g.nl, g.il);
      return {
        name: C.find(cd.groups, g.gdx).name,
        nodes: C.size(g.nl),
        insts: C.size(g.il),
        badNodes: badItems.nodes.length,
        badInsts: badItems.instances.length,
        score: compCV(g.nl),
      };
    });
    if (o.verbose > 1) {
      const rows = infos.map((g) => [
        g.name, String(g.nodes), String(g.insts), String(g.badNodes), String(g.badInsts),
        g.badNodes === 0 ? "True" : "False", fixed(g.score, 8),
      ]);
      io.out.push(
        "Node group information:\n" +
          printTable("  ", ["Group", "Nodes", "Instances", "Bad_Nodes", "Bad_Instances", "N+1", "Score"], rows,
            [false, true, true, true, true, false, true]),
      );
    }
    say(`Cluster is N+1 ${infos.every((g) => g.badNodes === 0) ? "happy" : "unhappy"}`);
    if (o.showInsts) io.err.push(`\nInstances instance map:\n${printInsts(nl, il)}`);
    if (o.showNodes !== null) io.err.push(`\nCluster status:\n${printNodes(nl, o.showNodes)}\n`);
    io.out.push(`Cluster coefficients:\n${printStats("  ", nl)}`);
    say(`Cluster score: ${fixed(compCV(nl), 8)}`);
    return 0;
  });
}

export async function run(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  emit(hinfoMain(argv, await preload(HINFO_SPECS, argv)));
}
