// Lower bounds on the score of candidate moves (ScoreBase), and candidates' own parts of
// them (Contrib); what a set of bounds saw: bound-acc.ts; carrying them: bound-carry.ts.
// Pure: plain numbers in and out; every bound stays below Ganeti's exact score.
import type { Container } from "./container.js";
import { METRICS, NMETRICS, components, nodeComponents } from "./metrics.js";
import type { Node } from "./node.js";
import { accInsert, vecOf, widenAcc, type BoundAcc } from "./bound-acc.js";

const HALF_ULP = Number.EPSILON / 2;
export const K_STDDEV = 0;
export const K_SUM_ONLINE = 1;
export const K_SUM_OFFLINE = 2;
export const K_MAP = 3;
/** Each metric's kind (K_STDDEV, K_SUM_ONLINE, K_SUM_OFFLINE, K_MAP) and weight. */
export const KIND = Int8Array.from(METRICS, (m) =>
  m.agg === "map" ? K_MAP : m.agg === "stddev" ? K_STDDEV : m.online ? K_SUM_ONLINE : K_SUM_OFFLINE,
);
export const WEIGHT = Float64Array.from(METRICS, (m) => m.weight);
/**
 * Per metric: an earlier standard deviation of the same weight whose node values it
 * repeats when nothing is forthcoming (the `_forth` metrics: free_mem_cv_forth is
 * free_mem_cv's values, and so on), or -1.
 */
const DUP = Int32Array.from(METRICS, (m) => {
  if (m.agg !== "stddev" || !m.name.endsWith("_forth")) return -1;
  const d = METRICS.findIndex((x) => x.name === m.name.slice(0, -"_forth".length));
  return d >= 0 && METRICS[d]!.agg === "stddev" && METRICS[d]!.weight === m.weight && METRICS[d]!.online === m.online ? d : -1;
});
const DUP_MASK = DUP.reduce((acc, d, m) => (d >= 0 ? acc | (1 << m) : acc), 0);

/** The global sums of a ScoreBase that carrying bounds reads (kept per step by the balancer). */
export interface BaseSums {
  readonly nOn: number;
  readonly nOff: number;
  readonly q0: Float64Array;
  readonly d0: Float64Array;
  readonly p0: Float64Array;
  readonly s0: Float64Array;
  readonly a0: Float64Array;
  readonly errOnline: number;
  readonly errOffline: number;
}

/** A copy of a base's sums (the base itself holds every node's components). */
export function snapshotSums(b: BaseSums): BaseSums {
  return {
    nOn: b.nOn, nOff: b.nOff, q0: b.q0.slice(), d0: b.d0.slice(), p0: b.p0.slice(), s0: b.s0.slice(), a0: b.a0.slice(),
    errOnline: b.errOnline, errOffline: b.errOffline,
  };
}

/**
 * The per-metric statistics of one node list (Ganeti's Statistics: sums, and for the
 * standard deviations the centred sums of squares), used to score a candidate move
 * from the few nodes it changes.
 *
 * `lowerBound` never exceeds the exact score (`compCVPatched`, Ganeti's full
 * two-pass computation): its rounding errors are bounded from above and subtracted.
 * Balancing rejects a candidate when the bound is not below the best score so far, and
 * computes the exact score otherwise, so every decision is taken on Ganeti's numbers.
 */
export class ScoreBase implements BaseSums {
  private readonly comps: (number[] | undefined)[];
  private readonly offline: boolean[];
  readonly nOn: number;
  readonly nOff: number;
  readonly center = new Float64Array(NMETRICS);
  readonly q0 = new Float64Array(NMETRICS);
  readonly d0 = new Float64Array(NMETRICS);
  readonly p0 = new Float64Array(NMETRICS);
  readonly s0 = new Float64Array(NMETRICS);
  readonly a0 = new Float64Array(NMETRICS);
  private readonly dq = new Float64Array(NMETRICS);
  private readonly dd = new Float64Array(NMETRICS);
  private readonly dp = new Float64Array(NMETRICS);
  private readonly dqAbs = new Float64Array(NMETRICS);
  private readonly ds = new Float64Array(NMETRICS);
  private readonly da = new Float64Array(NMETRICS);
  private readonly scratch: number[] = new Array<number>(NMETRICS).fill(0);
  /** Bit m: metric m's sums and centre are its DUP's, the same doubles. */
  private readonly sameSums: number;
  /** boundFromContribs' terms, bounded variances and centred-sum changes by metric. */
  private readonly tTerm = new Float64Array(NMETRICS);
  private readonly tLo = new Float64Array(NMETRICS);
  private readonly tDd = new Float64Array(NMETRICS);

  /**
   * `center` (per metric, optional) replaces the mean as the point the squares are
   * centred on: balancing keeps one centre across steps so that a candidate's own
   * contribution stays the same numbers from one step to the next. `from`: a base of an
   * earlier node list, whose components are taken for the nodes that are the same
   * objects in `nl` (the same numbers: a balancing step changes 2-4 of 1,000 nodes).
   */
  constructor(
    nl: Container<Node>, center?: Float64Array, from?: { readonly base: ScoreBase; readonly nl: Container<Node> },
  ) {
    this.comps = [];
    this.offline = [];
    let nOn = 0;
    let nOff = 0;
    for (let i = 0; i < nl.length; i++) {
      const n = nl[i];
      if (n === undefined) {
        this.comps.push(undefined);
        this.offline.push(false);
        continue;
      }
      this.comps.push(from !== undefined && from.nl[i] === n ? from.base.comps[i] : components(n));
      this.offline.push(n.offline);
      if (n.offline) nOff++;
      else nOn++;
    }
    this.nOn = nOn;
    this.nOff = nOff;
    this.errOn_ = 16 * (nOn + 16) * HALF_ULP;
    this.errOff_ = 16 * (nOff + 16) * HALF_ULP;
    for (let m = 0; m < NMETRICS; m++) {
      const metric = METRICS[m]!;
      let s = 0;
      let a = 0;
      let p = 0;
      for (let i = 0; i < this.comps.length; i++) {
        const c = this.comps[i];
        if (c === undefined || this.offline[i] === metric.online) continue;
        const x = c[m]!;
        s += x;
        a += Math.abs(x);
        p += x * x;
      }
      this.s0[m] = s;
      this.a0[m] = a;
      this.p0[m] = p;
      if (metric.agg === "stddev" && nOn > 0) {
        const c0 = center !== undefined ? center[m]! : s / nOn;
        let q = 0;
        let d = 0;
        for (let i = 0; i < this.comps.length; i++) {
          const c = this.comps[i];
          if (c === undefined || this.offline[i]) continue;
          const x = c[m]! - c0;
          q += x * x;
          d += x;
        }
        this.center[m] = c0;
        this.q0[m] = q;
        this.d0[m] = d;
      }
    }
    let same = 0;
    for (let m = 0; m < NMETRICS; m++) {
      const d = DUP[m]!;
      if (d < 0) continue;
      if (Object.is(this.center[m], this.center[d]) && Object.is(this.q0[m], this.q0[d]) &&
        Object.is(this.d0[m], this.d0[d]) && Object.is(this.p0[m], this.p0[d]) && Object.is(this.s0[m], this.s0[d]) &&
        Object.is(this.a0[m], this.a0[d])) same |= 1 << m;
    }
    this.sameSums = same;
  }

  /** A value never above `compCVPatched(nl, patches)` (-Infinity when no bound is known). */
  lowerBound(patches: readonly (readonly [number, Node])[], acc?: BoundAcc, target = -1): number {
    if (this.nOn === 0) {
      if (acc !== undefined) acc.rest = acc.total = -Infinity;
      return -Infinity;
    }
    const { dq, dd, dp, dqAbs, ds, da } = this;
    dq.fill(0);
    dd.fill(0);
    dp.fill(0);
    dqAbs.fill(0);
    ds.fill(0);
    da.fill(0);
    for (let k = 0; k < patches.length; k++) {
      const patch = patches[k]!;
      const i = patch[0];
      const node = patch[1];
      const old = this.comps[i];
      if (old === undefined || node.offline !== this.offline[i] || dupIndex(patches, k, i)) {
        if (acc !== undefined) acc.rest = acc.total = -Infinity;
        return -Infinity;
      }
      const y = nodeComponents(node, this.scratch);
      const off = node.offline;
      for (let m = 0; m < NMETRICS; m++) {
        const kind = KIND[m]!;
        if (kind === K_STDDEV) {
          if (off) continue;
          const xv = old[m]!;
          const yv = y[m]!;
          const c = this.center[m]!;
          const xc = xv - c;
          const yc = yv - c;
          dq[m]! += yc * yc - xc * xc;
          dqAbs[m]! += yc * yc + xc * xc;
          dd[m]! += yc - xc;
          dp[m]! += yv * yv;
        } else if (kind === (off ? K_SUM_OFFLINE : K_SUM_ONLINE)) {
          const xv = old[m]!;
          const yv = y[m]!;
          ds[m]! += yv - xv;
          da[m]! += Math.abs(yv) + Math.abs(xv);
        }
      }
    }
    return this.finish(acc, target);
  }

  /**
   * lowerBound of a candidate whose changed nodes contribute `a` (addContrib: the nodes
   * it takes the instance from) plus target node x becoming the node of entry `e` of
   * `sides` (target-sides.ts: its metric values; the contribution addContrib would
   * give is derived here, with the same operations). The same bound as lowerBound on
   * those nodes up to the order of a few additions, which the error terms cover many
   * times over.
   */
  boundFromSides(a: Contrib, sides: TargetSideValues, e: number, x: number, acc: BoundAcc | undefined): number {
    if (this.nOn === 0) {
      if (acc !== undefined) acc.rest = acc.total = -Infinity;
      return -Infinity;
    }
    const mask = (a.mask ?? ALL_MASK) | sides.mask[e]!;
    // a metric whose inputs are all its DUP's (nothing forthcoming) has its DUP's
    // term: the same operations on the same doubles
    const same = this.sameSums & a.same & sides.same[e]!;
    const ys = sides.ys;
    const xs = sides.xs;
    const yo = e * NMETRICS;
    const center = this.center;
    const { tTerm, tLo, tDd } = this;
    // the metrics neither side changes: their terms summed once per mask (the same
    // terms as finish's, added in another order: the margin covers it many times)
    const ms = this.maskSplit(mask);
    let total = ms.term;
    let abs = ms.abs;
    if (acc !== undefined) {
      const los = ms.lo;
      const std = ms.std;
      for (let j = 0; j < std.length; j++) widenAcc(acc, std[j]!, los[j]!, 0);
    }
    // finish's arithmetic on the sums a + b, without writing them out (the same doubles)
    // 1/n multiplied instead of divisions by n: a few more roundings, far inside the
    // error terms (errOn is thousands of half-ulps)
    const invN = 1 / this.nOn;
    const errOn = this.errOn_;
    const errOff = this.errOff_;
    const list = ms.changed;
    // in increasing order: a DUP (an earlier metric) has its terms before its copies
    for (let j = 0; j < list.length; j++) {
      const m = list[j]!;
      const kind = KIND[m]!;
      let term: number;
      if (kind === K_STDDEV) {
        let lo: number;
        let ddm: number;
        const dm = DUP[m]!;
        if ((same & (1 << m)) !== 0 && (mask & (1 << dm)) !== 0) {
          term = tTerm[dm]!;
          lo = tLo[dm]!;
          ddm = tDd[dm]!;
        } else {
          // the target's contribution as addContrib adds it to a zero one (0 + x)
          const yv = ys[yo + m]!;
          const c = center[m]!;
          const xc = xs[yo + m]! - c;
          const yc = yv - c;
          ddm = a.dd[m]! + (0 + (yc - xc));
          const q = this.q0[m]! + (a.dq[m]! + (0 + (yc * yc - xc * xc)));
          const d = this.d0[m]! + ddm;
          const d2n = d * d * invN;
          const v = (q - d2n) * invN;
          const scale = this.p0[m]! + (a.dp[m]! + (0 + yv * yv)) + this.q0[m]! +
            (a.dqAbs[m]! + (0 + (yc * yc + xc * xc))) + d2n;
          lo = v - errOn * scale * invN;
          term = WEIGHT[m]! * (lo > 0 ? Math.sqrt(lo) : 0);
          tTerm[m] = term;
          tLo[m] = lo;
          tDd[m] = ddm;
        }
        if (acc !== undefined) widenAcc(acc, m, lo, ddm);
      } else {
        // an online target adds to the online sums only
        const online = kind === K_SUM_ONLINE;
        const yv = ys[yo + m]!;
        const xv = xs[yo + m]!;
        const dsm = a.ds[m]! + (online ? 0 + (yv - xv) : 0);
        const s = this.s0[m]! + dsm;
        const dam = a.da[m]! + (online ? 0 + (Math.abs(yv) + Math.abs(xv)) : 0);
        const lo = s - (online ? errOn : errOff) * (this.a0[m]! + dam + Math.abs(dsm));
        term = WEIGHT[m]! * lo;
      }
      total += term;
      abs += Math.abs(term);
    }
    if (acc !== undefined) {
      accInsert(acc, x, total);
      if (abs > acc.abs) acc.abs = abs;
    }
    return total - 1e-12 * abs;
  }

  /** lowerBound's error factors (errOnline, errOffline), set with nOn and nOff. */
  private readonly errOn_: number;
  private readonly errOff_: number;

  /** Per metric mask: the unchanged metrics' summed terms and stddev metrics, the changed ones. */
  private readonly splits = new Map<number, MaskSplit>();
  private lastSplit: MaskSplit | null = null;

  private maskSplit(mask: number): MaskSplit {
    const last = this.lastSplit;
    if (last !== null && last.mask === mask) return last;
    let sp = this.splits.get(mask);
    if (sp === undefined) {
      const unchanged = this.unchangedTerms();
      let term = 0;
      let abs = 0;
      const std: number[] = [];
      const lo: number[] = [];
      const changed: number[] = [];
      for (let m = 0; m < NMETRICS; m++) {
        const kind = KIND[m]!;
        if (kind === K_MAP) continue;
        if ((mask & (1 << m)) !== 0) {
          changed.push(m);
          continue;
        }
        const t = unchanged.term[m]!;
        term += t;
        abs += Math.abs(t);
        if (kind === K_STDDEV) {
          std.push(m);
          lo.push(unchanged.lo[m]!);
        }
      }
      sp = { mask, term, abs, std: Int32Array.from(std), lo: Float64Array.from(lo), changed: Int32Array.from(changed) };
      this.splits.set(mask, sp);
    }
    this.lastSplit = sp;
    return sp;
  }

  /**
   * The bound from the accumulated changes (dq, dd, dp, dqAbs, ds, da) of one candidate.
   * Metrics outside `mask` have no change: their terms are the base's (the same doubles).
   */
  private finish(acc: BoundAcc | undefined, target: number, mask = ALL_MASK): number {
    const { dq, dd, dp, dqAbs, ds, da } = this;
    const unchanged = this.unchangedTerms();
    let total = 0;
    let abs = 0;
    const n = this.nOn;
    const errOn = (16 * (n + 16) * HALF_ULP);
    const errOff = (16 * (this.nOff + 16) * HALF_ULP);
    for (let m = 0; m < NMETRICS; m++) {
      const kind = KIND[m]!;
      let term: number;
      if (kind === K_MAP) {
        term = 0; // Σ (count - 1) over the merged map is never negative
      } else if ((mask & (1 << m)) === 0) {
        term = unchanged.term[m]!;
        if (acc !== undefined && kind === K_STDDEV) {
          const lo = unchanged.lo[m]!;
          widenAcc(acc, m, lo, 0);
        }
      } else if (kind === K_STDDEV) {
        const q = this.q0[m]! + dq[m]!;
        const d = this.d0[m]! + dd[m]!;
        const v = (q - (d * d) / n) / n;
        const scale = this.p0[m]! + dp[m]! + this.q0[m]! + dqAbs[m]! + (d * d) / n;
        const lo = v - (errOn * scale) / n;
        term = WEIGHT[m]! * (lo > 0 ? Math.sqrt(lo) : 0);
        if (acc !== undefined) widenAcc(acc, m, lo, dd[m]!);
      } else {
        const s = this.s0[m]! + ds[m]!;
        const lo = s - (kind === K_SUM_ONLINE ? errOn : errOff) * (this.a0[m]! + da[m]! + Math.abs(ds[m]!));
        term = WEIGHT[m]! * lo;
      }
      total += term;
      abs += Math.abs(term);
    }
    if (acc !== undefined) {
      accInsert(acc, target, total);
      if (abs > acc.abs) acc.abs = abs;
    }
    return total - 1e-12 * abs;
  }

  private unchanged_: { readonly term: Float64Array; readonly lo: Float64Array } | null = null;
  /** Each metric's term (and bounded variance) for a candidate that does not change it. */
  private unchangedTerms(): { readonly term: Float64Array; readonly lo: Float64Array } {
    if (this.unchanged_ !== null) return this.unchanged_;
    const term = new Float64Array(NMETRICS);
    const los = new Float64Array(NMETRICS);
    const n = this.nOn;
    const errOn = (16 * (n + 16) * HALF_ULP);
    const errOff = (16 * (this.nOff + 16) * HALF_ULP);
    // finish's arithmetic with every change zero (x + 0 is x)
    for (let m = 0; m < NMETRICS; m++) {
      const kind = KIND[m]!;
      if (kind === K_MAP) continue;
      if (kind === K_STDDEV) {
        const q = this.q0[m]! + 0;
        const d = this.d0[m]! + 0;
        const v = (q - (d * d) / n) / n;
        const scale = this.p0[m]! + 0 + this.q0[m]! + 0 + (d * d) / n;
        const lo = v - (errOn * scale) / n;
        los[m] = lo;
        term[m] = WEIGHT[m]! * (lo > 0 ? Math.sqrt(lo) : 0);
      } else {
        const s = this.s0[m]! + 0;
        const lo = s - (kind === K_SUM_ONLINE ? errOn : errOff) * (this.a0[m]! + 0 + Math.abs(0));
        term[m] = WEIGHT[m]! * lo;
      }
    }
    this.unchanged_ = { term, lo: los };
    return this.unchanged_;
  }

  compsAt(i: number): readonly number[] | undefined {
    return this.comps[i];
  }
  offlineAt(i: number): boolean {
    return this.offline[i] ?? false;
  }

  /** The error factor of the online metrics' bounds (see lowerBound). */
  get errOnline(): number {
    return 16 * (this.nOn + 16) * HALF_ULP;
  }
  get errOffline(): number {
    return 16 * (this.nOff + 16) * HALF_ULP;
  }
}

/** ScoreBase.maskSplit's answer for one mask of changed metrics. */
interface MaskSplit {
  readonly mask: number;
  /** The unchanged metrics' terms summed, and their absolute values. */
  readonly term: number;
  readonly abs: number;
  /** The unchanged standard deviations and their bounded variances. */
  readonly std: Int32Array;
  readonly lo: Float64Array;
  /** The changed metrics (not the map), in increasing order. */
  readonly changed: Int32Array;
}

function dupIndex(patches: readonly (readonly [number, Node])[], k: number, i: number): boolean {
  for (let j = 0; j < k; j++) if (patches[j]![0] === i) return true;
  return false;
}

/**
 * What `ScoreBase.lowerBound` saw over a set of candidates (one instance's moves):
 * the smallest bound before its final rounding margin (`total`), the largest sum of
 * absolute terms (`abs`), and per standard-deviation metric the range of the bounded
 * variance (`vmin`..`vmax`) and of the candidate's change of the centred sum
 * (`dmin`..`dmax`). `shiftBoundAcc` carries these to the next balancing step.
 */
/** Records one candidate's bounded variance and change of the centred sum in the ranges of `acc`. */
/**
 * A candidate's own contribution from some of the nodes it changes, per metric, in
 * ScoreBase.lowerBound's terms: for the standard deviations the change of the centred
 * squares (dq), their magnitude (dqAbs), of the centred sum (dd) and the new squares
 * (dp); for the sums the change (ds) and its magnitude (da).
 */
export interface Contrib {
  readonly dq: number[];
  readonly dqAbs: number[];
  readonly dd: number[];
  readonly dp: number[];
  readonly ds: number[];
  readonly da: number[];
  /** Bit m set: some change for metric m (unset: all six are zero); absent: unknown. */
  mask?: number;
  /** Bit m set: metric m's six values are its DUP's (the same doubles); 0 when unknown. */
  same: number;
}

/** Sets `c.mask` from its values (see Contrib.mask). */
export function setContribMask(c: Contrib): void {
  let mask = 0;
  for (let m = 0; m < NMETRICS; m++) {
    if (c.dq[m] !== 0 || c.dqAbs[m] !== 0 || c.dd[m] !== 0 || c.dp[m] !== 0 || c.ds[m] !== 0 || c.da[m] !== 0) mask |= 1 << m;
  }
  c.mask = mask;
  let same = 0;
  for (let m = 0; m < NMETRICS; m++) {
    const d = DUP[m]!;
    if (d < 0) continue;
    if (Object.is(c.dq[m], c.dq[d]) && Object.is(c.dqAbs[m], c.dqAbs[d]) && Object.is(c.dd[m], c.dd[d]) &&
      Object.is(c.dp[m], c.dp[d]) && Object.is(c.ds[m], c.ds[d]) && Object.is(c.da[m], c.da[d])) same |= 1 << m;
  }
  c.same = same & DUP_MASK;
}
const ALL_MASK = (1 << NMETRICS) - 1;

/** A contribution of `fill` everywhere (its mask unknown). */
export function newContrib(fill = 0): Contrib {
  return {
    dq: vecOf(fill), dqAbs: vecOf(fill), dd: vecOf(fill), dp: vecOf(fill), ds: vecOf(fill), da: vecOf(fill),
    mask: undefined,
    same: 0,
  };
}

/** `c` as newContrib(fill) makes it, its arrays reused. */
export function resetContrib(c: Contrib, fill = 0): Contrib {
  // one loop: Array.prototype.fill on these double arrays cost ≈ 7 times as much
  const { dq, dqAbs, dd, dp, ds, da } = c;
  for (let m = 0; m < NMETRICS; m++) {
    dq[m] = fill;
    dqAbs[m] = fill;
    dd[m] = fill;
    dp[m] = fill;
    ds[m] = fill;
    da[m] = fill;
  }
  c.mask = undefined;
  c.same = 0;
  return c;
}

/**
 * Adds `sign` times the contribution of node `i` becoming `node` (against `base`) to
 * `out`, as lowerBound accumulates it; false when lowerBound would give no bound.
 */
export function addContrib(base: ScoreBase, i: number, node: Node, sign: number, out: Contrib): boolean {
  const old = base.compsAt(i);
  if (old === undefined || node.offline !== base.offlineAt(i)) return false;
  addContribValues(base, i, nodeComponents(node, contribScratch), node.offline, sign, out);
  return true;
}

/**
 * addContrib for node `i` becoming a node whose metric values are `y` (nodeComponents),
 * offline or not as `off` (the base's node there must have the same state).
 */
export function addContribValues(
  base: ScoreBase, i: number, y: ArrayLike<number>, off: boolean, sign: number, out: Contrib,
): void {
  const old = base.compsAt(i)!;
  for (let m = 0; m < NMETRICS; m++) {
    const kind = KIND[m]!;
    if (kind === K_STDDEV) {
      if (off) continue;
      const c = base.center[m]!;
      const xc = old[m]! - c;
      const yc = y[m]! - c;
      out.dq[m]! += sign * (yc * yc - xc * xc);
      out.dqAbs[m]! += sign * (yc * yc + xc * xc);
      out.dd[m]! += sign * (yc - xc);
      out.dp[m]! += sign * (y[m]! * y[m]!);
    } else if (kind === (off ? K_SUM_OFFLINE : K_SUM_ONLINE)) {
      out.ds[m]! += sign * (y[m]! - old[m]!);
      out.da[m]! += sign * (Math.abs(y[m]!) + Math.abs(old[m]!));
    }
  }
}
const contribScratch: number[] = new Array<number>(NMETRICS).fill(0);

/** What boundFromSides reads of a target-sides arena (target-sides.ts TargetSides). */
export interface TargetSideValues {
  readonly ys: Float64Array;
  /**
   * The target node's components before the move (ScoreBase's for it), at the same
   * places as ys: read with them, where the base's per-node arrays were a cache miss
   * per bound.
   */
  readonly xs: Float64Array;
  readonly mask: Int32Array;
  readonly same: Int32Array;
}

/** Whether two bases can carry bounds from one to the other (same centre and nodes). */
export function compatibleBases(prev: ScoreBase, cur: ScoreBase): boolean {
  if (prev.nOn !== cur.nOn || prev.nOff !== cur.nOff || cur.nOn === 0) return false;
  for (let m = 0; m < NMETRICS; m++) if (prev.center[m] !== cur.center[m]) return false;
  return true;
}
