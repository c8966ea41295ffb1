// Allocation on dedicated clusters (Ganeti's HTools/Dedicated.hs): when every node of
// the allocatable groups uses exclusive storage, candidates are ranked by the
// "lost allocations" metric (how many minimal instances each node can no longer
// hold, then the free disk left) instead of the cluster score.
import { type AllocOptions, genAllocNodes } from "./alloc.js";
import { splitCluster } from "./cluster.js";
import * as C from "./container.js";
import type { Container } from "./container.js";
import type { Group } from "./group.js";
import * as I from "./instance.js";
import type { Instance } from "./instance.js";
import type { ClusterData } from "./loader.js";
import * as N from "./node.js";
import type { Node } from "./node.js";
import { ALLOC_POLICIES, type FailMode, type IPolicy, type Ndx, NO_SECONDARY, type Result, bad, ok } from "./types.js";

/** Ganeti's isDedicated: `group` null means every allocatable group. */
export function isDedicated(cd: ClusterData, group: string | null): boolean {
  const groups = new Set(C.elems(cd.groups).filter((g) => (group === null ? g.allocPolicy !== "unallocable" : g.name === group)).map((g) => g.idx));
  return C.elems(cd.nodes).every((n) => n.exclStorage || !groups.has(n.group));
}

type Metric = readonly [readonly number[], number];

function less(a: Metric, b: Metric): boolean {
  const [la, da] = a;
  const [lb, db] = b;
  for (let k = 0; k < Math.min(la.length, lb.length); k++) if (la[k] !== lb[k]) return la[k]! < lb[k]!;
  if (la.length !== lb.length) return la.length < lb.length;
  return da < db;
}

const showMetric = ([l, d]: Metric): string => `([${l.join(",")}],${d})`;

function testInstances(pol: IPolicy): Instance[] {
  const mins = pol.minMaxISpecs.map((m) => m.min).map((s, k) => [s, k] as const).sort((a, b) => b[0].diskSize - a[0].diskSize || a[1] - b[1]).map(([s]) => s);
  return mins.map((s) => I.createInstance({
    name: "minimalspecinstance", mem: s.memorySize, dsk: s.diskSize, disks: [], vcpus: s.cpuCount, runSt: "running", tags: [],
    autoBalance: false, pNode: NO_SECONDARY, sNode: NO_SECONDARY, diskTemplate: "plain", spindleUse: s.spindleUse, forthcoming: false,
  }));
}

/** How many of each test instance still fit on the node (Ganeti's allocationVector). */
function allocationVector(insts: readonly Instance[], node: Node): number[] {
  return insts.map((inst) => {
    let n = 1;
    let cur = N.addPri(node, inst);
    while (cur.ok) {
      n++;
      cur = N.addPri(cur.value, inst);
    }
    return n;
  });
}

interface Elem {
  readonly patches: readonly (readonly [Ndx, Node])[];
  readonly inst: Instance;
  readonly nodes: readonly Node[];
  readonly metric: Metric;
}

function onSingle(opts: AllocOptions, nl: Container<Node>, inst: Instance, pdx: Ndx): Result<Elem, FailMode> {
  const p = C.find(nl, pdx);
  const pol = I.instMatchesPolicy(inst, p.iPolicy, p.exclStorage);
  if (!pol.ok) return pol;
  const tests = testInstances(p.iPolicy);
  const before = allocationVector(tests, p);
  const np = N.addPriEx(opts.ignoreSoftErrors, p, inst);
  if (!np.ok) return np;
  const after = allocationVector(tests, np.value);
  return ok({ patches: [[pdx, np.value]], inst: I.setBoth(inst, pdx, NO_SECONDARY), nodes: [np.value], metric: [before.map((b, k) => b - after[k]!), np.value.fDsk] });
}

function onPair(opts: AllocOptions, nl: Container<Node>, inst: Instance, pdx: Ndx, sdx: Ndx): Result<Elem, FailMode> {
  const p = C.find(nl, pdx);
  const s = C.find(nl, sdx);
  const pol = I.instMatchesPolicy(inst, p.iPolicy, p.exclStorage);
  if (!pol.ok) return pol;
  const tests = testInstances(p.iPolicy);
  const inst2 = I.setBoth(inst, pdx, sdx);
  const before = allocationVector(tests, p);
  const np = N.addPriEx(opts.ignoreSoftErrors, p, inst2);
  if (!np.ok) return np;
  const lp = before.map((b, k) => b - allocationVector(tests, np.value)[k]!);
  const ns = N.addSec(s, inst2, pdx);
  if (!ns.ok) return ns;
  const bs = allocationVector(tests, s);
  const as = allocationVector(tests, ns.value);
  const ls = bs.map((b, k) => b - as[k]!);
  return ok({
    patches: [[pdx, np.value], [sdx, ns.value]], inst: inst2, nodes: [np.value, ns.value],
    metric: [lp.map((x, k) => x + ls[k]!), np.value.fDsk + ns.value.fDsk],
  });
}

export interface DedSolution {
  readonly failures: readonly FailMode[];
  readonly allocs: number;
  readonly best: Elem | null;
  readonly log: readonly string[];
}

function describe(s: Omit<DedSolution, "log">): string {
  const counts = new Map<FailMode, number>();
  for (const f of s.failures) counts.set(f, (counts.get(f) ?? 0) + 1);
  const order: FailMode[] = ["FailMem", "FailDisk", "FailCPU", "FailN1", "FailTags", "FailMig", "FailDiskCount", "FailSpindles", "FailInternal"];
  const reasons = order.filter((k) => counts.has(k)).map((k) => `${k}: ${counts.get(k)}`).join(", ");
  if (s.best === null) return `No valid allocation solutions, failure reasons: ${s.failures.length === 0 ? "unknown reasons" : reasons}`;
  return `score: ${showMetric(s.best.metric)}, successes ${s.allocs}, failures ${s.failures.length} (${reasons}) for node(s) ${s.best.nodes.map((n) => n.name).join("/")}`;
}

/** Ganeti's Dedicated.findAllocation (on the group's nodes only). */
export function findDedicatedAllocation(opts: AllocOptions, gl: Container<Group>, mgnl: Container<Node>, gdx: number, inst: Instance, networks: readonly (string | null)[], count: number): Result<{ sol: DedSolution; msgs: string[] }> {
  const nl = C.filter(mgnl, (n) => n.group === gdx);
  const grp = C.find(gl, gdx);
  if (!networks.every((n) => n === null || grp.networks.includes(n))) {
    return bad(`The group ${grp.name} is not connected to a network required by instance ${inst.name}`);
  }
  const an = genAllocNodes(opts, gl, nl, count, false);
  if (!an.ok) return an;
  const failures: FailMode[] = [];
  let allocs = 0;
  let best: Elem | null = null;
  const add = (r: Result<Elem, FailMode>): void => {
    if (!r.ok) failures.push(r.error);
    else {
      allocs++;
      if (best === null || !less(best.metric, r.value.metric)) best = r.value;
    }
  };
  if (an.value.kind === "pairs") {
    if (an.value.pairs.length === 0) return bad("Not enough online nodes");
    for (const [p, ss] of an.value.pairs) for (const s of ss) add(onPair(opts, nl, inst, p, s));
  } else {
    if (an.value.nodes.length === 0) return bad("No online nodes");
    for (const p of an.value.nodes) add(onSingle(opts, nl, inst, p));
  }
  const base = { failures, allocs, best };
  const sol: DedSolution = { ...base, log: [describe(base)] };
  return ok({ sol, msgs: sol.log.map((l) => `Group ${grp.name} (${grp.allocPolicy}): ${l}`) });
}

/** Ganeti's findMGAllocation. */
export function findDedicatedMG(opts: AllocOptions, gl: Container<Group>, nl: Container<Node>, il: Container<Instance>, inst: Instance, networks: readonly (string | null)[], count: number): Result<DedSolution> {
  const sols = splitCluster(nl, il).map((g) => ({ grp: C.find(gl, g.gdx), r: findDedicatedAllocation(opts, gl, g.nl, g.gdx, inst, networks, count) }));
  const msgs = sols.flatMap((s) => (s.r.ok ? s.r.value.msgs : [`Group ${s.grp.name}: error ${s.r.error}`]));
  const good: { grp: Group; sol: DedSolution }[] = [];
  for (const s of sols) if (s.r.ok && s.r.value.sol.best !== null && s.grp.allocPolicy !== "unallocable") good.unshift({ grp: s.grp, sol: s.r.value.sol });
  const rank = (g: Group): number => ALLOC_POLICIES.indexOf(g.allocPolicy);
  const sorted = good.map((g, k) => [g, k] as const).sort((a, b) => {
    const pr = rank(a[0].grp) - rank(b[0].grp);
    if (pr !== 0) return pr;
    if (less(a[0].sol.best!.metric, b[0].sol.best!.metric)) return -1;
    if (less(b[0].sol.best!.metric, a[0].sol.best!.metric)) return 1;
    return a[1] - b[1];
  });
  const first = sorted[0];
  if (first === undefined) return bad(msgs.join(", "));
  return ok({ ...first[0].sol, log: [`Selected group: ${first[0].grp.name}`, ...msgs] });
}

export type { Elem as DedElem };
