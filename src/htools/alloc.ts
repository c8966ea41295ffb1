// Allocation of one new instance (Ganeti's Cluster/AllocationSolution.hs,
// AllocatePrimitives.hs and the tryAlloc / genAllocNodes of Cluster.hs): every
// candidate node (or node pair) is tried, failures are counted by mode, and the
// lowest score wins; among equal scores the last candidate tried wins, as in Ganeti.
import * as C from "./container.js";
import type { Container } from "./container.js";
import type { Group } from "./group.js";
import { isAllocable } from "./group.js";
import * as I from "./instance.js";
import type { Instance } from "./instance.js";
import { SingleScorer } from "./alloc-score.js";
import { PairMemo, type PairPred, type PairResult, buildPair, classPairs, placedOnPair } from "./alloc-pairs.js";
import { compCVPatched, components, nodeComponents } from "./metrics.js";
import * as N from "./node.js";
import { copy as copyNode } from "./node-record.js";
import type { Node } from "./node.js";
import { ScoreBase } from "./score-bound.js";
import { type ClusterStats, clusterStatistics, scoreAfterTwo } from "./statistics.js";
import { type FailMode, type Ndx, type Result, NO_SECONDARY, bad, ok } from "./types.js";
import { type AllocElement, type AllocSolution, EMPTY_SOLUTION, FAIL_MODES, annotateSolution, countedSolution, failIndex } from "./alloc-solution.js";

export {
  type AllocElement, type AllocSolution, EMPTY_SOLUTION, FAIL_MODES, annotateSolution, collapseFailures, collapseSolution,
  countedSolution, describeSolution, failureCount,
} from "./alloc-solution.js";

/** Options of the allocation algorithms (the part of Ganeti's AlgorithmOptions they read). */
export interface AllocOptions {
  readonly ignoreSoftErrors: boolean;
  /** Global N+1 checks (`--no-capacity-checks` turns them off). */
  readonly capacity: boolean;
  readonly capacityIgnoreGroups: readonly number[];
  readonly restrictToNodes: readonly string[] | null;
  readonly acceptExisting: boolean;
}

export const DEFAULT_ALLOC_OPTIONS: AllocOptions = Object.freeze({
  ignoreSoftErrors: false,
  capacity: true,
  capacityIgnoreGroups: [],
  restrictToNodes: null,
  acceptExisting: false,
});

/** The node list with an allocation applied (Ganeti's extractNl; negative instance
 * indices in the used nodes' lists become the next free index of `il`). */
export function elementNodes(el: AllocElement, il: Container<Instance>): Container<Node> {
  const nl = C.addAll(el.base, el.patches);
  const newIndex = C.size(il);
  const fix = (xs: readonly number[]): readonly number[] => (xs.some((i) => i < 0) ? xs.map((i) => (i < 0 ? newIndex : i)) : xs);
  const updates: [Ndx, Node][] = [];
  for (const n of el.nodes) {
    const cur = C.find(nl, n.idx);
    const pl = fix(cur.pList);
    const sl = fix(cur.sList);
    if (pl !== cur.pList || sl !== cur.sList) {
      const r = copyNode(cur);
      r.pList = pl;
      r.sList = sl;
      updates.push([n.idx, r]);
    }
  }
  return updates.length > 0 ? C.addAll(nl, updates) : nl;
}

/** Ganeti's updateIl: the instance added at the next free index. */
export function elementInstances(el: AllocElement, il: Container<Instance>): Container<Instance> {
  return C.add(il, C.size(il), el.inst);
}


/** Ganeti's allocateOnSingle (score over the whole node list). */
export function allocateOnSingle(opts: AllocOptions, nl: Container<Node>, inst: Instance, pdx: Ndx): Result<AllocElement, FailMode> {
  const p = C.find(nl, pdx);
  const pol = I.instMatchesPolicy(inst, p.iPolicy, p.exclStorage);
  if (!pol.ok) return pol;
  const np = N.addPriEx(opts.ignoreSoftErrors, p, inst);
  if (!np.ok) return np;
  const patches: [Ndx, Node][] = [[pdx, np.value]];
  return ok({ base: nl, patches, inst: I.setBoth(inst, pdx, NO_SECONDARY), nodes: [np.value], score: compCVPatched(nl, patches) });
}

/** A running best-of-candidates with Ganeti's tie-break (later wins on equal scores),
 * plus, when a predicate filters solutions, every candidate kept for sorting. */
class Collector {
  failures: FailMode[] = [];
  allocs = 0;
  best: AllocElement | null = null;
  all: AllocElement[] | null;
  constructor(keepAll: boolean) {
    this.all = keepAll ? [] : null;
  }
  add(r: Result<AllocElement, FailMode>): void {
    if (!r.ok) {
      this.failures.push(r.error);
      return;
    }
    this.allocs++;
    if (this.all !== null) this.all.push(r.value);
    else if (this.best === null || !(this.best.score < r.value.score)) this.best = r.value;
  }
  /** Ganeti's collectionToSolution: sort by score (ties: later first), first good wins,
   * the rejected ones count as `mode` failures. */
  toSolution(mode: FailMode, good: ((el: AllocElement) => boolean) | null): AllocSolution {
    if (this.all === null || good === null) {
      const best = this.all === null ? this.best : bestOf(this.all);
      return { failures: this.failures, allocs: this.allocs, solution: best, log: [] };
    }
    const order = this.all.map((_, i) => i).sort((a, b) => this.all![a]!.score - this.all![b]!.score || b - a);
    let dropped = 0;
    let sol: AllocElement | null = null;
    for (const i of order) {
      const el = this.all[i]!;
      if (good(el)) {
        sol = el;
        break;
      }
      dropped++;
    }
    const failures = [...this.failures, ...new Array<FailMode>(dropped).fill(mode)];
    return { failures, allocs: this.allocs - dropped, solution: sol, log: [] };
  }
}

function bestOf(xs: readonly AllocElement[]): AllocElement | null {
  let best: AllocElement | null = null;
  for (const x of xs) if (best === null || !(best.score < x.score)) best = x;
  return best;
}

/** Allocation targets: single nodes, or primaries with their possible secondaries. */
export type AllocNodes = { readonly kind: "single"; readonly nodes: readonly Ndx[] } | { readonly kind: "pairs"; readonly pairs: readonly (readonly [Ndx, readonly Ndx[]])[] };

/** Ganeti's genAllocNodes. */
export function genAllocNodes(opts: AllocOptions, gl: Container<Group>, nl: Container<Node>, count: number, dropUnalloc: boolean): Result<AllocNodes> {
  let nodes = C.elems(nl).filter((n) => !n.offline);
  if (dropUnalloc) nodes = nodes.filter((n) => isAllocable(C.find(gl, n.group)));
  const restrict = opts.restrictToNodes;
  if (restrict !== null) nodes = nodes.filter((n) => restrict.includes(n.name));
  if (count === 1) return ok({ kind: "single", nodes: nodes.map((n) => n.idx) });
  if (count === 2) {
    const pairs: [Ndx, Ndx[]][] = [];
    for (const p of nodes) {
      const ss = nodes.filter((s) => s.idx !== p.idx && s.group === p.group).map((s) => s.idx);
      if (ss.length > 0) pairs.push([p.idx, ss]);
    }
    return ok({ kind: "pairs", pairs });
  }
  return bad("Unsupported number of nodes, only one or two  supported");
}

/** Predicate for solutions that keep the cluster globally N+1 redundant (supplied by
 * the capacity module, to keep the dependency one-way). */
export type N1Pred = (nl: Container<Node>, il: Container<Instance>) => (el: AllocElement) => boolean;

/** Ganeti's tryAlloc; `n1` is used when capacity checks are on. */
export function tryAlloc(
  opts: AllocOptions, nl: Container<Node>, il: Container<Instance>, inst: Instance, targets: AllocNodes, n1: N1Pred | null,
  memo: SingleMemo | null = null,
): Result<AllocSolution> {
  const pred = opts.capacity && n1 !== null ? n1(nl, il) : null;
  if (targets.kind === "pairs") {
    if (targets.pairs.length === 0) return bad("Not enough online nodes");
    const stats = clusterStatistics(C.elems(nl));
    // classes pay off on many pairs, or with outcomes kept across allocations
    if (memo !== null || pairCount(targets.pairs) >= CLASS_PAIRS_MIN) {
      const force = opts.ignoreSoftErrors;
      const pm = memo !== null && memo.force === force ? memo.pairs() : new PairMemo(force);
      const pp: PairPred | null = pred === null ? null : (pdx, sdx, score) => {
        const b = buildPair(force, stats, nl, inst, pdx, sdx);
        if (b === null || !Object.is(b.score, score)) throw new Error(`htools: pair classes out of step on nodes ${pdx}/${sdx}`);
        return pred({ base: nl, patches: [[pdx, b.np], [sdx, b.ns]], inst: b.inst, nodes: [b.np, b.ns], score });
      };
      const r = classPairs(pm, stats, nl, inst, targets.pairs, pp);
      if (r !== null) return ok(annotateSolution(pairsSolution(force, stats, nl, inst, r)));
    }
    const failures: FailMode[] = [];
    let allocs = 0;
    let best: AllocElement | null = null;
    for (const [pdx, ss] of targets.pairs) {
      const col = new Collector(pred !== null);
      pairCandidates(opts, stats, nl, inst, pdx, ss, col);
      const sol = col.toSolution("FailN1", pred);
      failures.push(...sol.failures);
      allocs += sol.allocs;
      if (sol.solution !== null && (best === null || !(best.score < sol.solution.score))) best = sol.solution;
    }
    return ok(annotateSolution({ failures, allocs, solution: best, log: [] }));
  }
  if (targets.nodes.length === 0) return bad("No online nodes");
  return ok(annotateSolution(singleSolution(opts, nl, inst, targets.nodes, pred, memo)));
}

/** One candidate of allocateOnSingle: the primary with the instance added, or why not. */
export function singleNode(force: boolean, nl: Container<Node>, inst: Instance, pdx: Ndx, pc: PolicyCache | null = null): Result<Node, FailMode> {
  const p = C.find(nl, pdx);
  const pol = pc !== null ? pc.check(p) : I.instMatchesPolicy(inst, p.iPolicy, p.exclStorage);
  if (!pol.ok) return pol;
  return N.addPriEx(force, p, inst);
}

/**
 * allocateOnSingle's node results for one instance shape, kept across allocations:
 * nodes are immutable, and an instance that differs from `shape` only by its name and
 * index gives the same outcome and the same score components on every node (the index
 * only enters the node's instance list, whose length is what the score reads).
 */
export class SingleMemo {
  private readonly cache = new WeakMap<Node, MemoEntry>();
  /** Candidates alike (the same score components before and after, the same offline
   * state) have the same lower bound: one class number each. */
  private readonly classes = new Map<string, number>();
  constructor(readonly shape: Instance, readonly force: boolean) {}
  get(nl: Container<Node>, inst: Instance, pdx: Ndx): MemoEntry {
    const p = C.find(nl, pdx);
    if (AT.memo !== this) {
      AT.memo = this;
      AT.node.length = 0;
      AT.entry.length = 0;
    }
    if (AT.node[pdx] === p) return AT.entry[pdx]!;
    let e = this.cache.get(p);
    if (e === undefined) {
      const r = singleNode(this.force, nl, inst, pdx);
      let cls = -1;
      if (r.ok) {
        const key = `${p.offline ? 1 : 0}${r.value.offline ? 1 : 0}|${components(p).join(",")}|${nodeComponents(r.value).join(",")}`;
        cls = this.classes.get(key) ?? this.classes.size;
        if (cls === this.classes.size) this.classes.set(key, cls);
      }
      e = { r, cls };
      this.cache.set(p, e);
    }
    AT.node[pdx] = p;
    AT.entry[pdx] = e;
    return e;
  }
  private pairMemo: PairMemo | null = null;
  /** The same shape's node outcomes on pairs. */
  pairs(): PairMemo {
    return (this.pairMemo ??= new PairMemo(this.force));
  }
  get classCount(): number {
    return this.classes.size;
  }
}

interface MemoEntry {
  readonly r: Result<Node, FailMode>;
  readonly cls: number;
}

/** For the memo asked last: the last node looked up at each index and its entry (most
 * nodes stay the same objects from one allocation to the next: no WeakMap lookup for
 * them). One memo at a time, so that memos of past shapes keep no nodes alive. */
const AT: { memo: SingleMemo | null; readonly node: (Node | undefined)[]; readonly entry: (MemoEntry | undefined)[] } = {
  memo: null, node: [], entry: [],
};

/** The instance policy check of one tryAlloc, by policy object and exclusive storage. */
export class PolicyCache {
  private readonly byPol = new Map<unknown, [Result<null, FailMode> | undefined, Result<null, FailMode> | undefined]>();
  constructor(private readonly inst: Instance) {}
  check(p: Node): Result<null, FailMode> {
    let e = this.byPol.get(p.iPolicy);
    if (e === undefined) {
      e = [undefined, undefined];
      this.byPol.set(p.iPolicy, e);
    }
    const k = p.exclStorage ? 1 : 0;
    return (e[k] ??= I.instMatchesPolicy(this.inst, p.iPolicy, p.exclStorage));
  }
}

/** Candidates that get an exact score without a bound first (a bound costs about as much). */
const BOUND_MIN = 8;

/**
 * tryAlloc on single nodes (Ganeti: every candidate scored by compCV, the best one
 * kept, later candidates winning ties; with a predicate, the candidates sorted by
 * score, ties later first, and the first good one kept). Here a rigorous lower bound
 * (ScoreBase) is computed for every candidate and the exact score (SingleScorer,
 * compCV's doubles) only where that bound does not exclude it; the decisions are
 * Ganeti's, taken on the same doubles.
 */
export function singleSolution(
  opts: AllocOptions, nl: Container<Node>, inst: Instance, nodes: readonly Ndx[],
  pred: ((el: AllocElement) => boolean) | null, memo: SingleMemo | null = null,
): AllocSolution {
  const force = opts.ignoreSoftErrors;
  const useMemo = memo !== null && memo.force === force;
  // failures counted by mode (their order is irrelevant), the array built once
  const failCounts = new Int32Array(FAIL_MODES.length);
  let failOther: FailMode[] | null = null;
  const sc = (SCRATCH[depth] ??= { idx: [], node: [], cls: [], exact: new Float64Array(0), done: new Uint8Array(0), bound: new Float64Array(0) });
  depth++;
  try {
    const cIdx = sc.idx;
    const cNode = sc.node;
    const cCls = sc.cls;
    let n = 0;
    const pc = useMemo ? null : new PolicyCache(inst);
    for (let k = 0; k < nodes.length; k++) {
      const pdx = nodes[k]!;
      let r: Result<Node, FailMode>;
      let cls = -1;
      if (useMemo) {
        const e = memo.get(nl, inst, pdx);
        r = e.r;
        cls = e.cls;
      } else r = singleNode(force, nl, inst, pdx, pc);
      if (!r.ok) {
        const fk = failIndex(r.error);
        if (fk >= 0) failCounts[fk]!++;
        else (failOther ??= []).push(r.error);
      } else {
        cIdx[n] = pdx;
        cNode[n] = r.value;
        cCls[n] = cls;
        n++;
      }
    }
    let nFail = failOther === null ? 0 : failOther.length;
    for (let k = 0; k < failCounts.length; k++) nFail += failCounts[k]!;
    const failures = new Array<FailMode>(nFail);
    let at = 0;
    for (let k = 0; k < failCounts.length; k++) {
      const mode = FAIL_MODES[k]!;
      for (let c = failCounts[k]!; c > 0; c--) failures[at++] = mode;
    }
    if (failOther !== null) for (const f of failOther) failures[at++] = f;
    if (n === 0) return { failures, allocs: 0, solution: null, log: [] };
    // The folds pay off over many alike candidates; a few are scored directly.
    const scorer = useMemo || n >= SCORER_MIN ? new SingleScorer(nl) : null;
    try {
      return chooseSingle(opts, nl, inst, pred, useMemo, failures, n, sc, cIdx, cNode, useMemo ? cCls : null, scorer);
    } finally {
      scorer?.dispose();
    }
  } finally {
    depth--;
  }
}

/** singleSolution's candidate lists and chooseSingle's arrays, reused (one set per
 * nesting depth: an N+1 check inside an allocation re-creates instances through
 * singleSolution); only the first n entries of a call are its own. */
interface Scratch {
  readonly idx: Ndx[];
  readonly node: Node[];
  readonly cls: number[];
  exact: Float64Array;
  done: Uint8Array;
  bound: Float64Array;
}
const SCRATCH: Scratch[] = [];
let depth = 0;

const SCORER_MIN = 64;

function chooseSingle(
  opts: AllocOptions, nl: Container<Node>, inst: Instance, pred: ((el: AllocElement) => boolean) | null, useMemo: boolean,
  failures: FailMode[], n: number, sc: Scratch, cIdx: readonly Ndx[], cNode: readonly Node[], cCls: readonly number[] | null,
  scorer: SingleScorer | null,
): AllocSolution {
  const force = opts.ignoreSoftErrors;
  if (sc.exact.length < n) {
    const size = Math.max(n, 2 * sc.exact.length);
    sc.exact = new Float64Array(size);
    sc.done = new Uint8Array(size);
    sc.bound = new Float64Array(size);
  }
  const exact = sc.exact.fill(NaN, 0, n);
  const done = sc.done.fill(0, 0, n);
  const score = (k: number): number => {
    if (done[k] === 0) {
      exact[k] = scorer !== null ? scorer.score(cIdx[k]!, cNode[k]!) : compCVPatched(nl, [[cIdx[k]!, cNode[k]!]]);
      done[k] = 1;
    }
    return exact[k]!;
  };
  const element = (k: number): AllocElement => {
    const pdx = cIdx[k]!;
    let np = cNode[k]!;
    if (useMemo) {
      const r = singleNode(force, nl, inst, pdx); // the node with this instance's index
      if (!r.ok) throw new Error(`htools: allocation memo out of step on node ${np.name}`);
      np = r.value;
    }
    return { base: nl, patches: [[pdx, np]], inst: I.setBoth(inst, pdx, NO_SECONDARY), nodes: [np], score: exact[k]! };
  };
  const bound = sc.bound.fill(-Infinity, 0, n);
  if (n >= BOUND_MIN) {
    const base = new ScoreBase(nl);
    const patch: [Ndx, Node][] = [[0, cNode[0]!]];
    // alike candidates (one class) have the same bound: computed once
    const byCls = new Map<number, number>();
    for (let k = 0; k < n; k++) {
      const cls = cCls === null ? -1 : cCls[k]!;
      let b = cls >= 0 ? byCls.get(cls) : undefined;
      if (b === undefined) {
        patch[0] = [cIdx[k]!, cNode[k]!];
        b = base.lowerBound(patch);
        if (cls >= 0) byCls.set(cls, b);
      }
      bound[k] = b;
    }
  }
  if (pred === null) {
    // the least bound's exact score; only candidates whose bound is not above it can win
    let kmin = 0;
    for (let k = 1; k < n; k++) if (bound[k]! < bound[kmin]!) kmin = k;
    if (scorer !== null && done[kmin] === 0) {
      scorer.scoreMany([kmin], cIdx, cNode, exact, cCls);
      done[kmin] = 1;
    }
    const e = score(kmin);
    if (scorer !== null) {
      // the candidates that can win, scored together (one fold at a time)
      const todo: number[] = [];
      for (let k = 0; k < n; k++) if (!(bound[k]! > e) && done[k] === 0) todo.push(k);
      scorer.scoreMany(todo, cIdx, cNode, exact, cCls);
      for (const k of todo) done[k] = 1;
    }
    let best = -1;
    for (let k = 0; k < n; k++) {
      if (bound[k]! > e) continue;
      const s = score(k);
      if (best < 0 || !(exact[best]! < s)) best = k;
    }
    return { failures, allocs: n, solution: element(best), log: [] };
  }
  // Candidates in Ganeti's sorted order (score, then later first), each scored exactly
  // only once every candidate whose bound is not above its score has been.
  const order = Array.from({ length: n }, (_, k) => k).sort((a, b) => bound[a]! - bound[b]! || a - b);
  const heap = new MinHeap((a, b) => exact[a]! < exact[b]! || (exact[a] === exact[b] && a > b));
  let next = 0;
  let dropped = 0;
  const batch: number[] = [];
  for (;;) {
    if (heap.size === 0 && next < n) {
      const k = order[next++]!;
      if (Number.isNaN(score(k))) return collectorSolution(n, failures, element, score, pred);
      heap.push(k);
    }
    // The candidates the loop below can push (bound not above the best exact score so
    // far) are scored together first, one fold at a time (a single score costs nearly a
    // fold over every node); the loop then pushes exactly the ones it did before.
    if (scorer !== null && heap.size > 0) {
      const limit = exact[heap.peek()]!;
      batch.length = 0;
      for (let j = next; j < n && !(bound[order[j]!]! > limit); j++) if (done[order[j]!] === 0) batch.push(order[j]!);
      if (batch.length > 1) {
        scorer.scoreMany(batch, cIdx, cNode, exact, cCls);
        for (const k of batch) done[k] = 1;
      }
    }
    while (next < n && (heap.size === 0 || !(bound[order[next]!]! > exact[heap.peek()]!))) {
      const k = order[next++]!;
      if (Number.isNaN(score(k))) return collectorSolution(n, failures, element, score, pred);
      heap.push(k);
    }
    if (heap.size === 0) break;
    const k = heap.pop();
    const el = element(k);
    if (pred(el)) {
      return { failures: [...failures, ...new Array<FailMode>(dropped).fill("FailN1")], allocs: n - dropped, solution: el, log: [] };
    }
    dropped++;
  }
  return { failures: [...failures, ...new Array<FailMode>(dropped).fill("FailN1")], allocs: 0, solution: null, log: [] };
}

/** The plain Collector path (every candidate scored), for scores that do not order (NaN). */
function collectorSolution(
  n: number, failures: readonly FailMode[], element: (k: number) => AllocElement, score: (k: number) => number,
  pred: (el: AllocElement) => boolean,
): AllocSolution {
  const col = new Collector(true);
  col.failures = [...failures];
  for (let k = 0; k < n; k++) {
    score(k);
    col.add(ok(element(k)));
  }
  return col.toSolution("FailN1", pred);
}

/** A binary min-heap of candidate numbers under `less`. */
class MinHeap {
  private readonly xs: number[] = [];
  constructor(private readonly less: (a: number, b: number) => boolean) {}
  get size(): number {
    return this.xs.length;
  }
  peek(): number {
    return this.xs[0]!;
  }
  push(x: number): void {
    const xs = this.xs;
    let i = xs.length;
    xs.push(x);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(xs[i]!, xs[p]!)) break;
      [xs[i], xs[p]] = [xs[p]!, xs[i]!];
      i = p;
    }
  }
  pop(): number {
    const xs = this.xs;
    const top = xs[0]!;
    const last = xs.pop()!;
    if (xs.length > 0) {
      xs[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < xs.length && this.less(xs[l]!, xs[m]!)) m = l;
        if (r < xs.length && this.less(xs[r]!, xs[m]!)) m = r;
        if (m === i) break;
        [xs[i], xs[m]] = [xs[m]!, xs[i]!];
        i = m;
      }
    }
    return top;
  }
}

export const CLASS_PAIRS_MIN = 20000;

export function pairCount(pairs: readonly (readonly [Ndx, readonly Ndx[]])[]): number {
  let k = 0;
  for (const [, ss] of pairs) k += ss.length;
  return k;
}

/** The pair loop's solution from classPairs' counts and winner. */
function pairsSolution(force: boolean, stats: ClusterStats, nl: Container<Node>, inst: Instance, r: PairResult): AllocSolution {
  const counts = new Int32Array(FAIL_MODES.length);
  for (const [mode, k] of r.failCounts) {
    const i = failIndex(mode);
    if (i < 0) throw new Error(`htools: unexpected failure mode ${mode}`);
    counts[i]! += k;
  }
  if (r.best === null) return countedSolution(counts, r.allocs, null, []);
  const { pdx, sdx, score } = r.best;
  const b = buildPair(force, stats, nl, inst, pdx, sdx);
  if (b === null || !Object.is(b.score, score)) throw new Error(`htools: pair classes out of step on nodes ${pdx}/${sdx}`);
  const solution: AllocElement = { base: nl, patches: [[pdx, b.np], [sdx, b.ns]], inst: b.inst, nodes: [b.np, b.ns], score };
  return countedSolution(counts, r.allocs, solution, []);
}

/** One primary's pairs: the instance placed on (pdx, sdx), or why not (the primary's
 * result shared by secondaries that give the instance the same location score). */
export function pairPlacer(opts: AllocOptions, nl: Container<Node>, inst: Instance, pdx: Ndx):
  (sdx: Ndx) => Result<{ tp: Node; ts: Node; inst: Instance; np: Node; ns: Node }, FailMode> {
  const tp = C.find(nl, pdx);
  const pol = I.instMatchesPolicy(inst, tp.iPolicy, tp.exclStorage);
  const priByLoc = new Map<number, ReturnType<typeof N.addPriEx>>();
  return (sdx) => {
    if (!pol.ok) return pol;
    const ts = C.find(nl, sdx);
    const newInst: Instance = placedOnPair(inst, tp, ts, pdx, sdx);
    const common = newInst.locationScore;
    let np = priByLoc.get(common);
    if (np === undefined) {
      np = N.addPriEx(opts.ignoreSoftErrors, tp, newInst);
      priByLoc.set(common, np);
    }
    if (!np.ok) return np;
    const ns = N.addSec(ts, newInst, pdx);
    if (!ns.ok) return ns;
    return ok({ tp, ts, inst: newInst, np: np.value, ns: ns.value });
  };
}

/** allocateOnPair for one primary and all its secondaries. */
function pairCandidates(
  opts: AllocOptions, stats: ReturnType<typeof clusterStatistics>, nl: Container<Node>, inst: Instance,
  pdx: Ndx, ss: readonly Ndx[], col: Collector,
): void {
  const place = pairPlacer(opts, nl, inst, pdx);
  for (const sdx of ss) {
    const r = place(sdx);
    if (!r.ok) {
      col.add(r);
      continue;
    }
    const { tp, ts, np, ns } = r.value;
    const score = scoreAfterTwo(stats, tp, np, ts, ns);
    col.add(ok({ base: nl, patches: [[pdx, np], [sdx, ns]], inst: r.value.inst, nodes: [np, ns], score }));
  }
}
