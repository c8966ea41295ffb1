// tryAlloc on node pairs (DRBD) without a predicate, in classes: Ganeti scores every
// primary/secondary pair with its incremental statistics (updateClusterStatistics for
// the primary, then the secondary, then compCVfromStats). That double depends only on
// the statistics and the four nodes' score components, so pairs whose nodes have the
// same components before and after give the same double; each such class of pairs is
// scored once, and only the winning pair's nodes are built. The answer (scores, counts,
// chosen pair with Ganeti's tie-breaks) is the pair-by-pair loop's.
import * as C from "./container.js";
import type { Container } from "./container.js";
import * as I from "./instance.js";
import type { Instance } from "./instance.js";
import { METRICS, components, nodeComponents } from "./metrics.js";
import * as N from "./node.js";
import type { Node } from "./node.js";
import { type ClusterStats, scoreAfterTwo, stdUpdate } from "./statistics.js";
import type { FailMode, Ndx } from "./types.js";

const NM = METRICS.length;
const KIND = Int8Array.from(METRICS, (m) => (m.agg === "sum" ? 0 : m.agg === "stddev" ? 1 : 2));
const ONLINE = METRICS.map((m) => m.online);
const WEIGHTS = Float64Array.from(METRICS, (m) => m.weight);

/** A peer key no node has (a secondary's result without the primary among its peers). */
const NO_PEER: Ndx = -2;

/** A node's outcome for one instance shape: a class of alike results, or a failure. */
interface Outcome {
  readonly fail: FailMode | null;
  readonly cls: number;
}

interface PriOutcome extends Outcome {
  /** The instance policy's verdict on the node (checked before the node operation). */
  readonly pol: FailMode | null;
}

/** A secondary's outcomes when the primary is one of its peers and that changes the
 * result (the reserved memory): per peer key. */
type PeerOutcomes = readonly (readonly [Ndx, Outcome])[];

function key(xs: ArrayLike<number>): string {
  let s = "";
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    s += (Object.is(x, -0) ? "-0" : String(x)) + ",";
  }
  return s;
}

/**
 * Node outcomes for one instance shape (instances alike but for name and index), kept
 * across allocations (nodes are immutable; successive allocations change two nodes).
 */
export class PairMemo {
  private readonly sec = new WeakMap<Node, Outcome>();
  private readonly peer = new WeakMap<Node, PeerOutcomes>();
  private readonly pri = new WeakMap<Node, PriOutcome>();
  private readonly sKeys = new Map<string, number>();
  private readonly pKeys = new Map<string, number>();
  /** Per class: the components before, then after (2 × NM). */
  readonly sComps: Float64Array[] = [];
  readonly pComps: Float64Array[] = [];
  constructor(readonly force: boolean) {}

  private classOf(keys: Map<string, number>, store: Float64Array[], before: Node, after: Node): number {
    const a = components(before);
    const b = nodeComponents(after);
    const k = key(a) + "|" + key(b);
    let c = keys.get(k);
    if (c === undefined) {
      c = store.length;
      keys.set(k, c);
      const x = new Float64Array(2 * NM);
      x.set(a);
      x.set(b, NM);
      store.push(x);
    }
    return c;
  }

  private secResult(ts: Node, inst: Instance, pdx: Ndx): Outcome | null {
    const r = N.addSec(ts, inst, pdx);
    if (!r.ok) return { fail: r.error, cls: -1 };
    if (r.value.instanceMap.size > 0) return null;
    return { fail: null, cls: this.classOf(this.sKeys, this.sComps, ts, r.value) };
  }

  /** The node as secondary of a primary that is not among its peers (null: unsupported). */
  secondary(ts: Node, inst: Instance): Outcome | null {
    let e = this.sec.get(ts);
    if (e === undefined) {
      const r = this.secResult(ts, inst, NO_PEER);
      if (r === null) return null;
      e = r;
      this.sec.set(ts, e);
    }
    return e;
  }

  /** The peers for which the node's secondary outcome differs from `secondary`'s (the
   * new reserved memory, max(rMem, peer memory + instance memory), is another). */
  peers(ts: Node, inst: Instance): PeerOutcomes | null {
    let e = this.peer.get(ts);
    if (e === undefined) {
      const secMem = I.usesSecMem(inst) ? inst.mem : 0;
      const base = Math.max(ts.rMem, N.peerMap.find(NO_PEER, ts.peers) + secMem);
      const out: [Ndx, Outcome][] = [];
      // the outcome depends on the peer's memory only: one node operation per value
      // (peer keys are unique: the entry is what peerMap.find returns)
      let byValue: Map<number, Outcome> | null = null;
      for (const [k, v] of ts.peers) {
        if (Object.is(Math.max(ts.rMem, v + secMem), base)) continue;
        byValue ??= new Map<number, Outcome>();
        let r = byValue.get(v);
        if (r === undefined) {
          const x = this.secResult(ts, inst, k);
          if (x === null) return null;
          r = x;
          byValue.set(v, r);
        }
        out.push([k, r]);
      }
      e = out;
      this.peer.set(ts, e);
    }
    return e;
  }

  primary(tp: Node, inst: Instance): PriOutcome | null {
    let e = this.pri.get(tp);
    if (e === undefined) {
      const pol = I.instMatchesPolicy(inst, tp.iPolicy, tp.exclStorage);
      if (!pol.ok) e = { pol: pol.error, fail: null, cls: -1 };
      else {
        const r = N.addPriEx(this.force, tp, inst);
        if (!r.ok) e = { pol: null, fail: r.error, cls: -1 };
        else if (r.value.instanceMap.size > 0) return null;
        else e = { pol: null, fail: null, cls: this.classOf(this.pKeys, this.pComps, tp, r.value) };
      }
      this.pri.set(tp, e);
    }
    return e;
  }
}

/** The pairs of genAllocNodes as groups: every primary's secondaries are the other
 * primaries of its group, in order (else null: the pair-by-pair loop is used). */
interface Layout {
  readonly lists: readonly Int32Array[];
  /** Per pairs entry: its list and the primary's position in it. */
  readonly listOf: Int32Array;
  readonly posOf: Int32Array;
}

const LAYOUTS = new WeakMap<object, Layout | null>();

function layoutOf(pairs: readonly (readonly [Ndx, readonly Ndx[]])[], nl: Container<Node>): Layout | null {
  let l = LAYOUTS.get(pairs);
  if (l !== undefined) return l;
  l = buildLayout(pairs, nl);
  LAYOUTS.set(pairs, l);
  return l;
}

function buildLayout(pairs: readonly (readonly [Ndx, readonly Ndx[]])[], nl: Container<Node>): Layout | null {
  const byGroup = new Map<number, number[]>();
  const listOf = new Int32Array(pairs.length);
  const posOf = new Int32Array(pairs.length);
  const gids: number[] = [];
  for (let i = 0; i < pairs.length; i++) {
    const g = C.find(nl, pairs[i]![0]).group;
    let xs = byGroup.get(g);
    if (xs === undefined) {
      xs = [];
      byGroup.set(g, xs);
      gids.push(g);
    }
    posOf[i] = xs.length;
    xs.push(pairs[i]![0]);
  }
  for (let i = 0; i < pairs.length; i++) {
    const [pdx, ss] = pairs[i]!;
    const g = C.find(nl, pdx).group;
    const xs = byGroup.get(g)!;
    listOf[i] = gids.indexOf(g);
    if (ss.length !== xs.length - 1) return null;
    let j = 0;
    for (const x of xs) {
      if (x === pdx) continue;
      if (ss[j++] !== x) return null;
    }
  }
  return { lists: gids.map((g) => Int32Array.from(byGroup.get(g)!)), listOf, posOf };
}

export interface PairResult {
  readonly failCounts: ReadonlyMap<FailMode, number>;
  readonly allocs: number;
  /** The winning pair, its score (the pair loop's double). */
  readonly best: { readonly pdx: Ndx; readonly sdx: Ndx; readonly score: number } | null;
}

/** One group list's secondary outcomes: per position a local class (success or
 * failure), and per local class its positions in order. */
interface GroupView {
  readonly nodes: Int32Array;
  readonly loc: Int32Array;
  /** Per local class: the global class (success, else -1), the failure, the positions. */
  readonly gcls: number[];
  readonly fail: (FailMode | null)[];
  readonly members: number[][];
  /** Per peer key: the positions (in this list) whose outcome with that primary differs. */
  readonly byPeer: Map<Ndx, [number, Outcome][]>;
}

function groupView(memo: PairMemo, nl: Container<Node>, inst: Instance, nodes: Int32Array): GroupView | null {
  const loc = new Int32Array(nodes.length);
  const gcls: number[] = [];
  const fail: (FailMode | null)[] = [];
  const members: number[][] = [];
  const byKey = new Map<string | number, number>();
  const byPeer = new Map<Ndx, [number, Outcome][]>();
  for (let q = 0; q < nodes.length; q++) {
    const ts = C.find(nl, nodes[q]!);
    if (ts.offline || ts.instanceMap.size > 0) return null;
    const o = memo.secondary(ts, inst);
    const ps = memo.peers(ts, inst);
    if (o === null || ps === null) return null;
    const k: string | number = o.fail !== null ? o.fail : o.cls;
    let c = byKey.get(k);
    if (c === undefined) {
      c = members.length;
      byKey.set(k, c);
      gcls.push(o.fail !== null ? -1 : o.cls);
      fail.push(o.fail);
      members.push([]);
    }
    loc[q] = c;
    members[c]!.push(q);
    for (const [pk, po] of ps) {
      let xs = byPeer.get(pk);
      if (xs === undefined) {
        xs = [];
        byPeer.set(pk, xs);
      }
      xs.push([q, po]);
    }
  }
  return { nodes, loc, gcls, fail, members, byPeer };
}

/** Pair scores by (primary class, secondary class) for one statistics value: the
 * primary's update applied once per primary class, then the secondary's, with
 * updateClusterStatistics' and compCVfromStats' arithmetic (statistics.ts). */
class PairTable {
  private readonly afterP = new Map<number, Float64Array>();
  private readonly scores = new Map<number, number>();
  private readonly mapValue: number;
  private readonly s = new Float64Array(NM);
  private readonly v = new Float64Array(NM);
  constructor(private readonly memo: PairMemo, private readonly st: ClusterStats) {
    let sum = 0;
    for (const x of st.map.values()) sum += x;
    this.mapValue = sum - st.map.size;
  }

  private primaryState(pc: number): Float64Array {
    let a = this.afterP.get(pc);
    if (a === undefined) {
      a = new Float64Array(2 * NM);
      const s = a.subarray(0, NM);
      const v = a.subarray(NM);
      s.set(this.st.s);
      v.set(this.st.v);
      update(this.st.n, s, v, this.memo.pComps[pc]!);
      this.afterP.set(pc, a);
    }
    return a;
  }

  score(pc: number, sc: number): number {
    const key = pc * 1048576 + sc;
    let r = this.scores.get(key);
    if (r === undefined) {
      const a = this.primaryState(pc);
      const s = this.s;
      const v = this.v;
      s.set(a.subarray(0, NM));
      v.set(a.subarray(NM));
      update(this.st.n, s, v, this.memo.sComps[sc]!);
      let total = 0;
      for (let m = 0; m < NM; m++) {
        const k = KIND[m];
        const val = k === 0 ? s[m]! : k === 1 ? Math.sqrt(v[m]!) : this.mapValue;
        total += WEIGHTS[m]! * val;
      }
      r = total;
      this.scores.set(key, r);
    }
    return r;
  }
}

/** statistics.ts's applyUpdate for an online node without exclusion tags, from its
 * components before (xy[0, NM)) and after (xy[NM, 2NM)). */
function update(n: Float64Array, s: Float64Array, v: Float64Array, xy: Float64Array): void {
  for (let m = 0; m < NM; m++) {
    if (!ONLINE[m]) continue;
    const k = KIND[m];
    const x = xy[m]!;
    const y = xy[NM + m]!;
    if (k === 0) s[m] = s[m]! + (y - x);
    else if (k === 1) stdUpdate(n, s, v, m, x, y);
  }
}

/**
 * The pair loop's outcome (failure counts, successes, the best pair with Ganeti's
 * tie-breaks: lowest score, the later pair on equal scores) computed per class of
 * alike pairs; null when a case it does not model occurs (exclusion tags, location
 * tags on a primary, NaN scores): the caller then runs the pair loop.
 */
export function classPairs(
  memo: PairMemo, stats: ClusterStats, nl: Container<Node>, inst: Instance, pairs: readonly (readonly [Ndx, readonly Ndx[]])[],
  pred: PairPred | null = null,
): PairResult | null {
  if (stats.empty || stats.map.size > 0) return null;
  const lay = layoutOf(pairs, nl);
  if (lay === null) return null;
  const tmpl = I.copyInstance(inst);
  tmpl.locationScore = 0;
  const views: GroupView[] = [];
  for (const nodes of lay.lists) {
    const v = groupView(memo, nl, tmpl, nodes);
    if (v === null) return null;
    views.push(v);
  }
  const fails = new Map<FailMode, number>();
  const addFail = (f: FailMode, k: number): void => {
    if (k > 0) fails.set(f, (fails.get(f) ?? 0) + k);
  };
  let allocs = 0;
  let best: { pdx: Ndx; sdx: Ndx; score: number } | null = null;
  const table = new PairTable(memo, stats);
  const NONE: [number, Outcome][] = [];
  const out = new Map<number, number>();
  for (let i = 0; i < pairs.length; i++) {
    const [pdx, ss] = pairs[i]!;
    const view = views[lay.listOf[i]!]!;
    const tp = C.find(nl, pdx);
    if (tp.locationTags.size > 0) return null;
    const po = memo.primary(tp, tmpl);
    if (po === null) return null;
    if (po.pol !== null || po.fail !== null) {
      addFail((po.pol ?? po.fail)!, ss.length);
      continue;
    }
    // per local class, the members taken out: the primary itself, the peers that differ
    const pp = lay.posOf[i]!;
    const moved = view.byPeer.get(pdx) ?? NONE;
    out.clear();
    out.set(view.loc[pp]!, 1);
    for (const [q] of moved) out.set(view.loc[q]!, (out.get(view.loc[q]!) ?? 0) + 1);
    let bScore = NaN;
    let bPos = -1;
    let nan = false;
    // with a predicate: this primary's scored classes (collectionToSolution's order later)
    const groups: Cand[] | null = pred === null ? null : [];
    const consider = (score: number, pos: number): void => {
      if (Number.isNaN(score)) nan = true;
      else if (bPos < 0 || score < bScore || (score === bScore && pos > bPos)) {
        bScore = score;
        bPos = pos;
      }
    };
    for (let c = 0; c < view.members.length; c++) {
      const mem = view.members[c]!;
      const taken = out.get(c) ?? 0;
      const k = mem.length - taken;
      if (k <= 0) continue;
      const f = view.fail[c]!;
      if (f !== null) {
        addFail(f, k);
        continue;
      }
      allocs += k;
      let j = mem.length - 1;
      if (taken > 0) while (mem[j] === pp || moved.some(([q]) => q === mem[j])) j--;
      const sc = table.score(po.cls, view.gcls[c]!);
      consider(sc, mem[j]!);
      if (groups !== null) groups.push({ score: sc, mem, taken: taken > 0 });
    }
    for (const [q, o] of moved) {
      if (o.fail !== null) addFail(o.fail, 1);
      else {
        allocs++;
        const sc = table.score(po.cls, o.cls);
        consider(sc, q);
        if (groups !== null) groups.push({ score: sc, mem: [q], taken: false });
      }
    }
    if (nan) return null;
    if (groups !== null && pred !== null) {
      const r = firstGood(groups, pp, moved, pdx, view.nodes, pred);
      if (r.dropped > 0) addFail("FailN1", r.dropped);
      allocs -= r.dropped;
      if (r.pos >= 0 && (best === null || !(best.score < r.score))) best = { pdx, sdx: view.nodes[r.pos]!, score: r.score };
      continue;
    }
    if (bPos >= 0 && (best === null || !(best.score < bScore))) best = { pdx, sdx: view.nodes[bPos]!, score: bScore };
  }
  return { failCounts: fails, allocs, best };
}

/** Whether the pair (primary, secondary) with that score passes (the N+1 predicate). */
export type PairPred = (pdx: Ndx, sdx: Ndx, score: number) => boolean;

/** A class of one primary's candidates: one score, the class's positions (less the
 * primary and its differing peers when `taken`). */
interface Cand {
  readonly score: number;
  readonly mem: readonly number[];
  readonly taken: boolean;
}

/** collectionToSolution for one primary: candidates by score, equal scores the later
 * first, the first that passes wins; the ones before it are dropped (FailN1). */
function firstGood(
  groups: Cand[], pp: number, moved: readonly (readonly [number, Outcome])[], pdx: Ndx, nodes: Int32Array, pred: PairPred,
): { pos: number; score: number; dropped: number } {
  groups.sort((a, b) => a.score - b.score);
  let dropped = 0;
  for (let gi = 0; gi < groups.length; ) {
    const score = groups[gi]!.score;
    let gj = gi;
    const pos: number[] = [];
    for (; gj < groups.length && groups[gj]!.score === score; gj++) {
      const g = groups[gj]!;
      for (const q of g.mem) if (!g.taken || (q !== pp && !moved.some(([m]) => m === q))) pos.push(q);
    }
    pos.sort((a, b) => b - a);
    for (const q of pos) {
      if (pred(pdx, nodes[q]!, score)) return { pos: q, score, dropped };
      dropped++;
    }
    gi = gj;
  }
  return { pos: -1, score: NaN, dropped };
}

/** The new instance as placed on the pair (pdx, sdx): its nodes, and as location score the
 * number of location tags the two nodes share. */
export function placedOnPair(inst: Instance, tp: Node, ts: Node, pdx: Ndx, sdx: Ndx): I.MutableInstance {
  let common = 0;
  for (const t of tp.locationTags) if (ts.locationTags.has(t)) common++;
  const ni = I.copyInstance(inst);
  ni.locationScore = common;
  ni.pNode = pdx;
  ni.sNode = sdx;
  return ni;
}

/** The pair (pdx, sdx) as the pair loop builds it: the instance placed, both nodes, the score. */
export function buildPair(
  force: boolean, stats: ClusterStats, nl: Container<Node>, inst: Instance, pdx: Ndx, sdx: Ndx,
): { inst: Instance; np: Node; ns: Node; score: number } | null {
  const tp = C.find(nl, pdx);
  const ts = C.find(nl, sdx);
  const ni = placedOnPair(inst, tp, ts, pdx, sdx);
  const np = N.addPriEx(force, tp, ni);
  if (!np.ok) return null;
  const ns = N.addSec(ts, ni, pdx);
  if (!ns.ok) return null;
  return { inst: ni, np: np.value, ns: ns.value, score: scoreAfterTwo(stats, tp, np.value, ts, ns.value) };
}
