// Global N+1 redundancy (Ganeti's GlobalN1.hs): can every node be evacuated —
// DRBD instances failed over, shared-storage ones moved by a primary change, and
// the others re-created elsewhere in the group?
import { type AllocOptions, type N1Pred, elementInstances, elementNodes, singleSolution } from "./alloc.js";
import * as C from "./container.js";
import type { Container } from "./container.js";
import { applyMove } from "./cluster.js";
import { nodeEvacInstance } from "./evacuate.js";
import { QuickEvac } from "./capacity-quick.js";
import type { Instance } from "./instance.js";
import type { Node } from "./node.js";
import type { DiskTemplate, Ndx } from "./types.js";

/** Ganeti's diskTemplateMovable. */
const MOVABLE: ReadonlySet<DiskTemplate> = new Set<DiskTemplate>(["diskless", "sharedfile", "rbd", "ext", "gluster"]);

type State = { nl: Container<Node>; il: Container<Instance> };

const FORCED: AllocOptions = { ignoreSoftErrors: true, capacity: false, capacityIgnoreGroups: [], restrictToNodes: null, acceptExisting: false };

/** Ganeti's recreate: the best single-node allocation (later candidates win ties). */
function recreate(st: State, inst: Instance, targets: readonly Ndx[]): State | null {
  if (targets.length === 0) return null;
  const best = singleSolution(FORCED, st.nl, inst, targets, null).solution;
  if (best === null) return null;
  return { nl: elementNodes(best, st.il), il: elementInstances(best, st.il) };
}

/**
 * A node with only DRBD primaries: its answer depends on nothing but its instances and
 * the nodes at their primary and secondary indices (nodes and instances are immutable,
 * so the same objects give the same failovers). Kept per node object across the many
 * N+1 checks of an allocation run, where most nodes do not change between checks.
 */
interface DrbdEvac {
  readonly insts: readonly Instance[];
  readonly deps: readonly (readonly [Ndx, Node])[];
  readonly ok: boolean;
}
const DRBD_EVAC = new WeakMap<Node, DrbdEvac>();

function cachedDrbdEvac(nl: Container<Node>, il: Container<Instance>, n: Node, keys: readonly number[]): boolean | null {
  const e = DRBD_EVAC.get(n);
  if (e === undefined || e.insts.length !== keys.length) return null;
  for (let i = 0; i < keys.length; i++) if (il[keys[i]!] !== e.insts[i]) return null;
  for (const [idx, node] of e.deps) if (nl[idx] !== node) return null;
  return e.ok;
}

function rememberDrbdEvac(nl: Container<Node>, il: Container<Instance>, n: Node, keys: readonly number[], ok: boolean): void {
  const insts = keys.map((k) => C.find(il, k));
  const deps = new Map<Ndx, Node>();
  for (const i of insts) for (const idx of [i.pNode, i.sNode]) deps.set(idx, C.find(nl, idx));
  DRBD_EVAC.set(n, { insts, deps: [...deps], ok });
}

export function canEvacuateNode(nl: Container<Node>, il: Container<Instance>, n: Node): boolean {
  // instances are looked up by the keys of the node's list (an instance being placed
  // may carry index -1 while stored under the next free key, as in Ganeti)
  const keys = n.pList;
  const tmpl = (k: number): DiskTemplate => C.find(il, k).diskTemplate;
  const drbd = keys.filter((k) => tmpl(k) === "drbd");
  const other = keys.filter((k) => tmpl(k) !== "drbd");
  const shared = other.filter((k) => MOVABLE.has(tmpl(k)));
  const nonMove = other.filter((k) => !MOVABLE.has(tmpl(k)));
  // The failovers touch only the node and each instance's secondary: they run on those
  // nodes alone (a failover reads nothing else), the whole cluster built only if other
  // instances follow. An instance listed twice (inconsistent input) moves again from
  // where its first failover left it, as in Ganeti.
  const onlyDrbd = other.length === 0;
  if (onlyDrbd) {
    const known = cachedDrbdEvac(nl, il, n, drbd);
    if (known !== null) return known;
  }
  const touched = new Map<Ndx, Node>();
  const moved = new Map<number, Instance>();
  const pair: (Node | undefined)[] = [];
  const verdict = (ok: boolean): boolean => {
    if (onlyDrbd) rememberDrbdEvac(nl, il, n, drbd, ok);
    return ok;
  };
  for (const k of drbd) {
    const inst = moved.get(k) ?? C.find(il, k);
    pair.length = 0;
    pair[inst.pNode] = touched.get(inst.pNode) ?? C.find(nl, inst.pNode);
    pair[inst.sNode] = touched.get(inst.sNode) ?? C.find(nl, inst.sNode);
    const r = applyMove(true, pair, inst, { kind: "Failover" });
    if (!r.ok) return verdict(false);
    for (const [idx, node] of r.value.nodes) touched.set(idx, node);
    moved.set(k, r.value.inst);
  }
  if (onlyDrbd) return verdict(true);
  let st: State = { nl: C.addAll(nl, [...touched]), il: C.addAll(il, [...moved]) };
  const escape = C.elems(st.nl).filter((x) => x.group === n.group && x.idx !== n.idx).map((x) => x.idx);
  for (const k of shared) {
    const r = nodeEvacInstance(true, st, "primary-only", C.find(st.il, k), n.group, escape);
    if (!r.ok) return false;
    st = { nl: r.value.nl, il: r.value.il };
  }
  const recreateList = nonMove.map((k) => C.find(st.il, k));
  // Ganeti sorts by decreasing memory (stable)
  const sorted = recreateList.map((x, k) => [x, k] as const).sort((a, b) => b[0].mem - a[0].mem || a[1] - b[1]).map(([x]) => x);
  for (const i of sorted) {
    const r = recreate(st, i, escape);
    if (r === null) return false;
    st = r;
  }
  return true;
}

/** Ganeti's redundant: every node (of the groups not ignored) can be evacuated. */
export function redundant(opts: AllocOptions, nl: Container<Node>, il: Container<Instance>): boolean {
  return redundantVia(opts, QuickEvac.of(nl, il), C.elems(nl), () => ({ nl, il }));
}

/**
 * Every node evacuable? The answer is the same in any order (each node's answer is a pure
 * function of the cluster), so the nodes in `first` go first (most often the one that
 * fails), then every counted verdict, and only then Ganeti's procedure for the nodes the
 * counts leave open, on the cluster `full` builds (once). `failed` learns the node that
 * made the answer no.
 */
function redundantVia(opts: AllocOptions, quick: QuickEvac, nodes: readonly Node[], full: () => State,
  replaced: ReadonlyMap<Ndx, Node> | null = null, first: readonly Node[] = [], failed: { idx: Ndx | null } = { idx: null }): boolean {
  const skip = (n: Node): boolean => !checkedByN1(opts, n);
  const open: Node[] = [];
  const decide = (n: Node): boolean => {
    if (skip(n)) return true;
    const v = quick.verdict(n);
    if (v === null) open.push(n);
    else if (!v) failed.idx = n.idx;
    return v !== false;
  };
  for (const n of first) if (!decide(n)) return false;
  for (const base of nodes) {
    const n = replaced?.get(base.idx) ?? base;
    if (first.includes(n)) continue;
    if (!decide(n)) return false;
  }
  if (open.length === 0) return true;
  const st = full();
  for (const n of open) {
    // the built cluster's node: its lists name the placed instance by its stored key
    if (!canEvacuateNode(st.nl, st.il, C.find(st.nl, n.idx))) {
      failed.idx = n.idx;
      return false;
    }
  }
  return true;
}

/** Whether redundant() asks about this node. */
function checkedByN1(opts: AllocOptions, n: Node): boolean {
  return !((opts.acceptExisting && n.offline) || opts.capacityIgnoreGroups.includes(n.group));
}

/**
 * For an unchecked run of allocations of `shape`: true once the cluster `nl`/`il` has a node
 * (among `nodes`) that no further placement of `shape` can make evacuable
 * (QuickEvac.stuckFor): every later cluster of the run is then not redundant.
 */
export function stuckAfter(opts: AllocOptions, nl: Container<Node>, il: Container<Instance>, nodes: readonly Node[], shape: Instance): boolean {
  const q = QuickEvac.of(nl, il);
  return nodes.some((n) => checkedByN1(opts, n) && q.stuckFor(n, shape));
}

/** Ganeti's redundantGrp. */
export function redundantGrp(opts: AllocOptions, nl: Container<Node>, il: Container<Instance>, gdx: number): boolean {
  return redundant(opts, C.filter(nl, (n) => n.group === gdx), il);
}

/**
 * Ganeti's allocGlobalN1: the allocation keeps the cluster redundant. The candidates of
 * one allocation differ from the cluster in a node or two: their counted verdicts derive
 * from the cluster's, and the cluster with the candidate is only built when a node needs
 * Ganeti's procedure.
 */
export function allocGlobalN1(opts: AllocOptions): N1Pred {
  return (nl, il) => {
    const base = QuickEvac.of(nl, il);
    const nodes = C.elems(nl);
    const placedKey = C.size(il);
    // Most candidates fail, and mostly on their own node or on the node the last one failed on.
    const failed: { idx: Ndx | null } = { idx: null };
    return (el) => {
      const view = base.patched(el.nodes, el.inst, placedKey);
      const replaced = new Map(el.nodes.map((n) => [n.idx, n] as const));
      const first = [...el.nodes];
      const last = failed.idx;
      if (last !== null && !replaced.has(last)) first.push(C.find(nl, last));
      return redundantVia(opts, view, nodes, () => ({ nl: elementNodes({ ...el, base: nl }, il), il: elementInstances(el, il) }),
        replaced, first, failed);
    };
  };
}
