// What lets the balancer leave most instances untouched for many steps (balancer.ts):
// a drift that bounds how far any recorded candidate bound can fall per step, the nodes
// in the order they last changed, and classes of instances (same shape and move kinds)
// whose candidates onto a changed node are bounded at once from an envelope of their
// members' source contributions (class-bounds.ts).
import type { Container } from "./container.js";
import type { Instance } from "./instance.js";
import type { Node } from "./node.js";
import { type BaseSums, type Contrib, type ScoreBase, snapshotSums } from "./score-bound.js";
import { type BoundAcc, newBoundAcc } from "./bound-acc.js";
import { shiftBoundAcc } from "./bound-carry.js";
import {
  type Envelope,
  classSlopes,
  envelopesFlat,
  flatContains,
  envelopeAdd,
  envelopeUnion,
  memberPart,
  newEnvelope,
  unionRanges,
} from "./class-bounds.js";
import type { MoveContribs } from "./move-contribs.js";
import type { Ndx } from "./types.js";

/** Instances of one shape with the same fast move kinds: their sources' envelopes. */
interface Klass {
  /** A member, for its shape (what the target side reads of an instance). */
  readonly rep: Instance;
  /** Bit k: fast kind k (move-contribs.ts FAST_KIND_NAMES) is a candidate kind. */
  readonly mask: number;
  env: Envelope[];
  /** The step `cst` is for. */
  at: number;
  /**
   * A flat copy of the envelopes `cst` was computed from (envelopesFlat), so a member
   * can keep what its class bounds of a step were for (Balancer.coverLazy).
   */
  cstEnv: Float64Array | null;
  /** Whether a join may have widened the envelopes since `cstEnv` was copied. */
  widened: boolean;
  /** Per kind: the class part of the least linear bound onto the step's changed nodes. */
  readonly cst: Float64Array;
  /** Widenings of the envelopes so far (joins that moved an end, epochs). */
  gen: number;
  /**
   * classPartsSince's least class parts (4 per place) over the first places of the
   * recency order, built up to preLen at step preT and widening preG; preBad: the first
   * place with no bound (-1: none so far).
   */
  pre: Float64Array | null;
  preLen: number;
  preT: number;
  preG: number;
  preBad: number;
  /** envNow's copy of the envelopes, at widening flatGen. */
  flat: Float64Array | null;
  flatGen: number;
  /**
   * classPartsSince's class bounds by node (4 per node, each minus `off` at the step it
   * was computed, so that adding `off` now carries it by the drift), the step and the
   * widening they were computed at (-1: never).
   */
  nodeVal: Float64Array | null;
  nodeT: Int32Array | null;
  nodeG: Int32Array | null;
}

/** Per fast kind: a member's source side over the peer-map values (null: no such move). */
export type SourceRanges = readonly (Contrib | Envelope | null | undefined)[];

/**
 * The most changed nodes LazyState.classPartsSince takes class bounds onto. Its class
 * bounds onto a node are kept (carried by the drift) for up to PARTS_AGE steps, so the
 * limit no longer bounds their cost per step, and without one a lazy entry whose class
 * bound is below the best score is nearly always kept lazy by its class bounds taken anew
 * instead of being refreshed (1,000 nodes, steps 8,200-8,600: refreshes per step
 * 211 → 20 against a limit of 32, under which 72 % of them found no bound that could
 * win, most let through by the drift of class parts kept since the epoch began: the
 * drift, not the class bounds, was what was loose).
 */
export const PARTS_MAX = Infinity;

/**
 * How many steps classPartsSince keeps a class bound onto a node before it takes it anew
 * (a new epoch, every 128 steps by default, takes them anew anyway). The drift carries
 * them with little loss (about 1e-7 per step against an entry's own shift at 1,000
 * nodes): from step 8,000, steps 2,000-3,000, 128 instead of 32 took 26 % fewer class
 * bounds (1,970 → 1,456 per step) for 4 % more refreshes (33.8 → 35.1).
 */
export const PARTS_AGE = 128;

/** The margin for the additions of offsets to a key (rounding: far below it). */
export function offsetMargin(key: number, off: number): number {
  return 1e-9 * (1 + Math.abs(key) + Math.abs(off));
}

/**
 * The balancer's state across steps that keep one centre. Step numbers start at 1.
 * `off` is the sum over steps of the drift bound (each step's least change of any
 * recorded candidate bound, usually negative): a bound recorded at step s, minus
 * offs[s], plus off, stays a lower bound while the candidate's nodes do not change.
 * `ranges` holds the variance and centred-sum ranges of every candidate so recorded
 * (kept current by shifting it every step), which is what makes the drift rigorous.
 */
export class LazyState {
  t = 0;
  off = 0;
  readonly offs: number[] = [0];
  private readonly sums: (BaseSums | undefined)[] = [];
  readonly lastChanged: Int32Array;
  private readonly ranges: BoundAcc = newBoundAcc();
  private readonly classes: Klass[] = [];
  private readonly classIds = new Map<number, number>();
  /** Class bounds computed so far, joins that widened a class (for measurements). */
  classEvals = 0;
  widenings = 0;

  /** `partsMax`: classPartsSince's limit (PARTS_MAX; tests take less). */
  constructor(nodes: number, readonly partsMax = PARTS_MAX) {
    this.lastChanged = new Int32Array(nodes).fill(-1);
    this.recent = new Int32Array(nodes);
    this.inRecent = new Uint8Array(nodes);
    this.ranges.rest = 0;
    this.ranges.total = 0;
  }

  /** Starts step t+1 over `base` (its predecessor: `prev`, metrics moved: `moved`). */
  advance(prev: BaseSums | null, base: ScoreBase, moved: Int32Array | null, changed: readonly Ndx[]): void {
    const t = ++this.t;
    if (prev !== null && moved !== null) {
      const r = this.ranges;
      r.rest = 0;
      r.total = 0;
      shiftBoundAcc(r, prev, base, null, moved);
      this.off += r.rest;
    }
    this.offs[t] = this.off;
    this.sums[t] = snapshotSums(base);
    for (const x of changed) this.lastChanged[x] = t;
    if (changed.length > 0) this.toFront(changed);
  }

  /**
   * Nodes by their last change, latest first (the nodes never changed are not in it):
   * the nodes changed after a step are the first of them.
   */
  private readonly recent: Int32Array;
  private nRecent = 0;

  private readonly inRecent: Uint8Array;

  private toFront(changed: readonly Ndx[]): void {
    const r = this.recent;
    let fresh = 0;
    for (const x of changed) {
      if (this.inRecent[x] === 0) {
        this.inRecent[x] = 1;
        fresh++;
      }
    }
    const n = this.nRecent + fresh;
    // from the back, the others keep their order behind the changed nodes (in place:
    // the write index never falls behind the read index)
    let w = n - 1;
    for (let j = this.nRecent - 1; j >= 0; j--) {
      const x = r[j]!;
      if (!changed.includes(x)) r[w--] = x;
    }
    for (let j = 0; j < changed.length; j++) r[j] = changed[j]!;
    this.nRecent = n;
  }

  /** How many nodes changed after step `at` (the first places of the recency order). */
  private recentSince(at: number): number {
    const r = this.recent;
    const last = this.lastChanged;
    let lo = 0;
    let hi = this.nRecent;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (last[r[mid]!]! > at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  sumsAt(s: number): BaseSums {
    return this.sums[s]!;
  }

  /** Records candidates whose bounds will be carried by the drift. */
  record(acc: BoundAcc): void {
    unionRanges(this.ranges, acc);
  }

  /** changedSince's answer (its storage reused: ≈ 200 calls per step). */
  private readonly since: Ndx[] = [];

  /**
   * The nodes changed after step `at` (each once, the latest changed first), among
   * `online` when given; valid until the next call. From the recency order, so its cost
   * is the answer's length: walking the log of changes since `at` cost as many entries
   * as steps since then (3 per step), and entries lazy for thousands of steps ask.
   */
  changedSince(at: number, online: ReadonlySet<Ndx> | null): readonly Ndx[] {
    const len = this.recentSince(at);
    const r = this.recent;
    const out = this.since;
    let n = 0;
    for (let j = 0; j < len; j++) {
      const x = r[j]!;
      if (online !== null && !online.has(x)) continue;
      // written in place (length = 0 would give the storage up)
      if (n < out.length) out[n] = x;
      else out.push(x);
      n++;
    }
    out.length = n;
    return out;
  }

  /** changedSinceByIndex's scratch. */
  private sortScratch = new Int32Array(0);

  /**
   * changedSince in increasing node order, valid until the next call: bounding targets in
   * that order reads the cached target sides and the base's node values nearer to address
   * order than the recency order does.
   */
  changedSinceByIndex(at: number, online: ReadonlySet<Ndx> | null): readonly Ndx[] {
    const out = this.changedSince(at, online) as Ndx[];
    const n = out.length;
    if (n < 2) return out;
    if (this.sortScratch.length < n) this.sortScratch = new Int32Array(Math.max(n, 2 * this.sortScratch.length));
    const s = this.sortScratch.subarray(0, n);
    for (let j = 0; j < n; j++) s[j] = out[j]!;
    s.sort();
    for (let j = 0; j < n; j++) out[j] = s[j]!;
    return out;
  }

  /** Slopes of the linear class bounds (class-bounds.ts classSlopes), per epoch. */
  private slopes: Float64Array = new Float64Array(0);

  /** The slopes of the last epochs before this one, and the step each began. */
  private readonly pastSlopes: { at: number; slopes: Float64Array }[] = [];

  /** The slopes of the epoch step `s` is in (null: not kept, or none). */
  slopesAt(s: number): Float64Array | null {
    if (s >= this.epochAt) return this.slopes.length > 0 ? this.slopes : null;
    const past = this.pastSlopes;
    for (let j = past.length - 1; j >= 0; j--) {
      if (past[j]!.at <= s) return past[j]!.slopes.length > 0 ? past[j]!.slopes : null;
    }
    return null;
  }

  /** Starts an epoch of class bounds: new slopes; every class's envelopes empty (members join again). */
  newEpoch(base: BaseSums): void {
    this.pastSlopes.push({ at: this.epochAt, slopes: this.slopes });
    if (this.pastSlopes.length > 4) this.pastSlopes.shift();
    this.slopes = classSlopes(base);
    for (const k of this.classes) {
      k.env = [newEnvelope(), newEnvelope(), newEnvelope(), newEnvelope()];
      k.at = -1;
      k.cstEnv = null;
      k.gen++;
    }
    this.epochAt = this.t;
  }

  /**
   * Puts a member's source sides into the class of its shape id and kind mask; returns
   * the class and writes the member's parts of the linear bounds (per kind) to `parts`
   * from index `at`.
   */
  join(
    shape: number, mask: number, rep: Instance, ranges: SourceRanges, base: BaseSums, parts: Float64Array, at: number,
  ): number {
    if (this.slopes.length === 0) this.slopes = classSlopes(base);
    const key = shape * 16 + mask;
    let id = this.classIds.get(key);
    if (id === undefined) {
      id = this.classes.length;
      this.classIds.set(key, id);
      this.classes.push({
        rep, mask, env: [newEnvelope(), newEnvelope(), newEnvelope(), newEnvelope()], at: -1, cst: new Float64Array(4),
        cstEnv: null,
        widened: false,
        gen: 0,
        pre: null,
        preLen: 0,
        preT: -1,
        preG: -1,
        preBad: -1,
        flat: null,
        flatGen: -1,
        nodeVal: null,
        nodeT: null,
        nodeG: null,
      });
    }
    const k = this.classes[id]!;
    this.lastRanges = ranges;
    // a source inside the envelopes leaves them the same numbers (cstEnv stays a copy)
    if (!k.widened && k.cstEnv !== null) {
      for (let j = 0; j < 4 && !k.widened; j++) {
        if ((mask & (1 << j)) !== 0 && !flatContains(k.cstEnv, j, ranges[j]!)) k.widened = true;
      }
    }
    let wider = false;
    for (let j = 0; j < 4; j++) {
      if ((mask & (1 << j)) === 0) continue;
      const r = ranges[j]!;
      if ("lo" in r) {
        if (envelopeUnion(k.env[j]!, r)) wider = true;
        parts[at + j] = memberPart(base, r.lo, this.slopes);
      } else {
        if (envelopeAdd(k.env[j]!, r)) wider = true;
        parts[at + j] = memberPart(base, r, this.slopes);
      }
    }
    if (wider) {
      k.gen++;
      this.widenings++;
    }
    return id;
  }

  /** A flat copy of class `id`'s envelopes as they are (envelopesFlat; shared until they widen). */
  envNow(id: number): Float64Array {
    const k = this.classes[id]!;
    if (k.flat === null || k.flatGen !== k.gen) {
      k.flat = envelopesFlat(k.env);
      k.flatGen = k.gen;
    }
    return k.flat;
  }

  /** The source sides of the last join. */
  lastRanges: SourceRanges = [];
  /** The step the current epoch of class bounds began. */
  epochAt = 0;

  /** The envelopes class `id`'s bounds at this step were last computed from (null: none yet this epoch). */
  cstEnvOf(id: number): Float64Array | null {
    return this.classes[id]!.cstEnv;
  }

  /**
   * Per kind (into `out`), the class part of a lower bound at this step on every
   * candidate of every member of class `id` onto every node of `online` changed after
   * step `since`, from the class's envelopes as they are (envNow; Infinity: no
   * candidate); false when some such node has no bound. A class bound onto a node is
   * kept for up to PARTS_AGE steps (carried by the drift, as pnK's parts are) while
   * neither the node nor the class's envelopes change; the least parts over the first
   * places of the recency order are kept until the step ends or the envelopes widen, so
   * a member costs a binary search once its class has gone that far back. Recorded for
   * the drift, as classConsts.
   */
  classPartsSince(
    id: number, mc: MoveContribs, base: ScoreBase, nl: Container<Node>, since: number, online: ReadonlySet<Ndx>,
    out: Float64Array,
  ): boolean {
    const k = this.classes[id]!;
    const len = this.recentSince(since);
    // far back, the class bounds of every member would be taken onto most nodes at
    // every step: the member is better brought up to date once (its refresh)
    if (len > this.partsMax) return false;
    const pre = (k.pre ??= new Float64Array(4 * this.recent.length));
    if (k.preT !== this.t || k.preG !== k.gen) {
      k.preT = this.t;
      k.preG = k.gen;
      k.preLen = 0;
      k.preBad = -1;
    }
    this.makeNodeParts(k);
    const val = k.nodeVal!;
    const valT = k.nodeT!;
    const valG = k.nodeG!;
    const t = this.t;
    const off = this.off;
    // pre holds the least parts minus `off` at their steps (the drift added at the end)
    for (let q = k.preLen; q < len && k.preBad < 0; q++) {
      const x = this.recent[q]!;
      const o = 4 * q;
      const vo = 4 * x;
      const at = valT[x]!;
      // taken anew when the node or the envelopes changed since, or the drift since
      // would have grown too loose
      if (at < 0 || valG[x] !== k.gen || this.lastChanged[x]! > at || t - at >= PARTS_AGE) {
        for (let j = 0; j < 4; j++) {
          let b = Infinity;
          const env = k.env[j]!;
          if ((k.mask & (1 << j)) !== 0 && env.any && online.has(x)) {
            b = this.partOnto(k, j, x, mc, base, nl, this.ranges, null);
          }
          val[vo + j] = b - off;
        }
        valT[x] = t;
        valG[x] = k.gen;
      }
      for (let j = 0; j < 4; j++) {
        const b = val[vo + j]!;
        if (b === -Infinity) k.preBad = q;
        const before = q > 0 ? pre[o - 4 + j]! : Infinity;
        pre[o + j] = b < before ? b : before;
      }
      k.preLen = q + 1;
    }
    if (k.preBad >= 0 && k.preBad < len) return false;
    if (len === 0) out.fill(Infinity);
    else {
      for (let j = 0; j < 4; j++) {
        const b = pre[4 * (len - 1) + j]!;
        out[j] = b === Infinity ? Infinity : b + off;
      }
    }
    return true;
  }

  /**
   * Per target of `targets` (into `out`), the class part of a lower bound at this step on
   * every candidate of fast kind `k` of every member of class `id` onto it, from the
   * class's envelopes as they are (Infinity: no candidate; -Infinity: none known). The
   * candidates' ranges are widened into `ranges` and their absolute terms into `absOut`
   * (classConst), for the accumulators whose `rest` such a part becomes (FreshScan).
   */
  targetConsts(
    id: number, k: number, mc: MoveContribs, base: ScoreBase, nl: Container<Node>, targets: readonly Ndx[],
    out: Float64Array, ranges: BoundAcc, absOut: { abs: number },
  ): void {
    const kl = this.classes[id]!;
    const env = kl.env[k]!;
    if ((kl.mask & (1 << k)) === 0 || !env.any) {
      out.fill(Infinity, 0, targets.length);
      return;
    }
    for (let j = 0; j < targets.length; j++) out[j] = this.partOnto(kl, k, targets[j]!, mc, base, nl, ranges, absOut);
  }

  /**
   * Class `kl`'s part for fast kind `j` onto node x at this step, from its envelopes as
   * they are (classConst; Infinity: no member can move there with this kind, -Infinity:
   * none known), the candidates' ranges widened into `ranges`, their absolute terms into
   * `absOut`.
   */
  private partOnto(
    kl: Klass, j: number, x: Ndx, mc: MoveContribs, base: ScoreBase, nl: Container<Node>, ranges: BoundAcc,
    absOut: { abs: number } | null,
  ): number {
    const b = mc.classPart(base, x, nl[x]!, j, kl.rep, kl.env[j]!, this.slopes, ranges, absOut);
    if (b !== Infinity && b !== -Infinity) this.classEvals++;
    return b;
  }

  /** Makes class `k`'s per-node parts (Klass.nodeVal) when first needed. */
  private makeNodeParts(k: Klass): void {
    if (k.nodeVal !== null) return;
    const nodes = this.lastChanged.length;
    k.nodeVal = new Float64Array(4 * nodes);
    k.nodeT = new Int32Array(nodes).fill(-1);
    k.nodeG = new Int32Array(nodes).fill(-1);
  }

  /**
   * Per kind, the class part of a lower bound on every candidate of every member of
   * class `id` onto `targets` (online nodes changed at this step) at this step (a
   * member's bound is this plus its part; Infinity: no candidate), recorded for the
   * drift. Each part is also kept as classPartsSince keeps its own (the same parts of
   * the same envelopes): a class reclassed at this step takes them from there.
   */
  classConsts(id: number, mc: MoveContribs, base: ScoreBase, nl: Container<Node>, targets: readonly Ndx[]): Float64Array {
    const k = this.classes[id]!;
    if (k.at === this.t) return k.cst;
    const cst = k.cst;
    cst.fill(Infinity);
    if (k.cstEnv === null || k.widened) k.cstEnv = envelopesFlat(k.env);
    k.widened = false;
    this.makeNodeParts(k);
    const val = k.nodeVal!;
    const valT = k.nodeT!;
    const valG = k.nodeG!;
    const off = this.off;
    for (const x of targets) {
      for (let j = 0; j < 4; j++) {
        let b = Infinity;
        if ((k.mask & (1 << j)) !== 0 && k.env[j]!.any) {
          b = this.partOnto(k, j, x, mc, base, nl, this.ranges, null);
          if (b < cst[j]!) cst[j] = b;
        }
        val[4 * x + j] = b - off;
      }
      valT[x] = this.t;
      valG[x] = k.gen;
    }
    k.at = this.t;
    return cst;
  }
}
