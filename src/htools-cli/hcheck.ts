// hcheck: cluster health check (Ganeti 3.0's options and output), text backend.
import * as C from "../htools/container.js";
import { canEvacuateNode } from "../htools/capacity.js";
import { computeBadItems, makeTable, splitCluster } from "../htools/cluster.js";
import { balance } from "../htools/balancer.js";
import type { Container } from "../htools/container.js";
import { fixed } from "../htools/format.js";
import type { Instance } from "../htools/instance.js";
import { compCV, optimalCVScore } from "../htools/metrics.js";
import { conflictingPrimaries, type Node } from "../htools/node.js";
import {
  COMMON_SPECS as S,
  HELP_SPECS,
  type Out,
  applyNodeStatus,
  commonOpts,
  emit,
  has,
  loadExternalData,
  runMain,
  balancingOptions,
} from "./common.js";
import type { OptSpec } from "./options.js";
import { type Preloaded, preload } from "./luxi.js";

const X = {
  noSimulation: { long: "no-simulation", arg: "none", help: "do not perform rebalancing simulation" },
  noCapacity: { long: "no-capacity-checks", arg: "none", help: "disable capacity checks (global N+1 redundancy)" },
} satisfies Record<string, OptSpec>;

export const HCHECK_SPECS: readonly OptSpec[] = [
  S.textData!, S.diskMoves!, S.dynuFile!, S.ignoreDynu!, S.evacMode!, S.exInst!, S.exTags!, S.iallocSrc!,
  S.instMoves!, S.luxi!, S.machineReadable!, S.maxCpu!, S.maxLength!, S.minDisk!, S.minGain!, S.minGainLim!,
  S.minScore!, S.ignoreSoft!, X.noSimulation, S.offline!, S.quiet!, S.master!, S.selInst!, X.noCapacity,
  S.verbose!, ...HELP_SPECS,
];

function ensureQuoted(v: string): string {
  return /^[A-Za-z0-9.]*$/.test(v) ? v : `'${v}'`;
}

export function hcheckMain(argv: readonly string[], pre: Preloaded = {}): { code: number; out: string; err: string } {
  return runMain("hcheck", HCHECK_SPECS, argv, (p, io) => {
    const o = commonOpts(p);
    const capacity = !has(p, X.noCapacity);
    const mr = p.values.get("machine-readable");
    const machine = mr !== undefined && !["no", "false"].includes((mr[mr.length - 1] ?? "yes").toLowerCase());
    const noSim = has(p, X.noSimulation);
    const { algo, minScore, maxLength } = balancingOptions(p, false);
    const cd = loadExternalData(o, io, [], pre);
    const nlf = applyNodeStatus(o, cd.nodes);
    const groups = splitCluster(nlf, cd.instances);
    const keys = (k: [string, string][]): void => {
      for (const [a, b] of k) io.out.push(`HCHECK_${a.toUpperCase()}=${ensureQuoted(b)}\n`);
    };
    if (machine) keys(C.elems(cd.groups).map((g) => [`GROUP_UUID_${g.idx}`, g.uuid]));
    const common: [string, string][] = [
      ["N1_FAIL", "Nodes not N+1 happy"],
      ["CONFLICT_TAGS", "Nodes with conflicting instances"],
      ["OFFLINE_PRI", "Instances having the primary node offline"],
      ["OFFLINE_SEC", "Instances having a secondary node offline"],
      ...(capacity ? ([["GN1_FAIL", "Nodes not directly evacuateable"]] as [string, string][]) : []),
    ];
    const groupData = [...common, ["SCORE", "Group score"]] as [string, string][];
    const clusterData = [...common, ["NEED_REBALANCE", "Cluster is not healthy"]] as [string, string][];
    const perGroup = (gdx: number, nl: Container<Node>, il: Container<Instance>) => {
      const nodes = C.elems(nl);
      const off = nodes.filter((n) => n.offline);
      const stats = [
        computeBadItems(nl, il).nodes.length,
        nodes.filter((n) => conflictingPrimaries(n) > 0).length,
        off.reduce((s, n) => s + n.pList.length, 0),
        off.length,
        ...(capacity ? [nodes.filter((n) => !canEvacuateNode(nl, il, n)).length] : []),
      ];
      return { grp: C.find(cd.groups, gdx), score: compCV(nl), stats };
    };
    const printStats = (level: string, phase: string, descrs: [string, string][], values: string[], title: string): void => {
      const pairs = descrs.slice(0, values.length);
      if (machine) keys(pairs.map(([k], i) => [`${phase}_${level}_${k}`, values[i]!]));
      else if (o.verbose >= 1) {
        io.out.push(`\n${title}`);
        pairs.forEach(([, d], i) => io.out.push(`    ${d}: ${values[i]}\n`));
      }
    };
    const report = (phase: "INIT" | "FINAL", gs: ReturnType<typeof perGroup>[], need: boolean): number[] => {
      const descr = phase === "INIT" ? "initially" : "after rebalancing";
      for (const g of gs) {
        const values = [...g.stats.map(String), fixed(g.score, 8)];
        printStats(`GROUP_${machine ? g.grp.idx : g.grp.name}`, phase, groupData, values,
          `Statistics for group ${g.grp.name} ${descr}\n`);
      }
      // Ganeti sums with `map sum . transpose`: no groups, no sums (the flag then pairs
      // with the first key)
      const sums = gs.length === 0 ? [] : common.map((_, k) => gs.reduce((s, g) => s + g.stats[k]!, 0));
      const values = [...sums.map(String), machine ? (need ? "1" : "0") : need ? "True" : "False"];
      printStats("CLUSTER", phase, clusterData, values, `Cluster statistics ${descr}\n`);
      return sums;
    };
    const initial = groups.map((g) => perGroup(g.gdx, g.nl, g.il));
    const sumsOf = (gs: ReturnType<typeof perGroup>[]): number[] =>
      common.map((_, k) => gs.reduce((s, g) => s + g.stats[k]!, 0));
    const need = sumsOf(initial).reduce((a, b) => a + b, 0) > 0;
    if (o.verbose >= 1 && !machine) {
      io.out.push(
        (noSim ? "Running in no-simulation mode." : need ? "Cluster needs rebalancing." : "No need to rebalance cluster, no problems found.") + "\n",
      );
    }
    report("INIT", initial, need);
    const simulate = !noSim && need;
    if (simulate || machine) {
      const reb = simulate
        ? groups.map((g) => {
            const ini = makeTable(g.nl, g.il);
            const minCv = minScore + optimalCVScore(g.nl);
            if (ini.score < minCv) return g;
            const fin = balance(algo, ini, maxLength, minCv);
            return { gdx: g.gdx, nl: fin.nl, il: fin.il };
          })
        : groups;
      report("FINAL", reb.map((g) => perGroup(g.gdx, g.nl, g.il)), need);
    }
    if (machine) keys([["OK", "1"]]);
    void (io as Out);
    return noSim || !need ? 0 : 1;
  });
}

export async function run(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  emit(hcheckMain(argv, await preload(HCHECK_SPECS, argv)));
}
