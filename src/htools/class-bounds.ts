// Bounds shared by a class of instances (same shape and move kinds): the candidates of
// every member onto one target at once, from an envelope of the members' source
// contributions; and a drift that bounds how far any recorded bound can fall per step.
// Pure arithmetic over ScoreBase terms; every bound stays below Ganeti's exact score.
import { NMETRICS } from "./metrics.js";
import {
  type BaseSums, type Contrib, K_MAP, K_STDDEV, K_SUM_ONLINE, KIND, WEIGHT, newContrib,
} from "./score-bound.js";
import type { ContribPool } from "./contrib-pool.js";
import { type BoundAcc } from "./bound-acc.js";

/**
 * Per metric, the range of each field of a set of contributions (Contrib): whatever
 * member is taken, its value lies between the min and the max.
 */
export interface Envelope {
  readonly lo: Contrib;
  readonly hi: Contrib;
  /** Whether some contribution was added. */
  any: boolean;
}

/** An envelope without members (its contributions from `pool` when given). */
export function newEnvelope(pool?: ContribPool): Envelope {
  const lo = pool?.take(Infinity) ?? newContrib(Infinity);
  return { lo, hi: pool?.take(-Infinity) ?? newContrib(-Infinity), any: false };
}

const FIELDS = ["dq", "dqAbs", "dd", "dp", "ds", "da"] as const;

/** Widens `env` to cover `c`; whether it changed. */
export function envelopeAdd(env: Envelope, c: Contrib): boolean {
  return widen(env, c, c);
}

/**
 * How far past a new member an envelope that had members is widened, as a share of its
 * new width: a class whose envelopes widen takes its class bounds anew (LazyState), and
 * without a margin the members that join one after another widened them at nearly every
 * step. Any wider envelope holds its members too, so its bounds hold for them.
 */
const WIDEN_PAD = 0.5;

/** Widens `env` to cover every value between `a` and `b` (field by field); whether it changed. */
function widen(env: Envelope, a: Contrib, b: Contrib): boolean {
  const first = !env.any;
  let wider = first;
  env.any = true;
  for (const f of FIELDS) {
    const lo = env.lo[f];
    const hi = env.hi[f];
    const va = a[f];
    const vb = b[f];
    for (let m = 0; m < NMETRICS; m++) {
      const x = va[m]!;
      const y = vb[m]!;
      const l = lo[m]!;
      const h = hi[m]!;
      if (x < l) {
        lo[m] = first ? x : x - WIDEN_PAD * ((h > y ? h : y) - x);
        wider = true;
      }
      if (y > h) {
        hi[m] = first ? y : y + WIDEN_PAD * (y - (l < x ? l : x));
        wider = true;
      }
    }
  }
  return wider;
}

function sqrtPos(x: number): number {
  return x > 0 ? Math.sqrt(x) : 0;
}

/** Widens `into`'s variance and centred-sum ranges to cover `acc`'s. */
export function unionRanges(into: BoundAcc, acc: BoundAcc): void {
  for (let m = 0; m < NMETRICS; m++) {
    if (acc.vmin[m]! < into.vmin[m]!) into.vmin[m] = acc.vmin[m]!;
    if (acc.vmax[m]! > into.vmax[m]!) into.vmax[m] = acc.vmax[m]!;
    if (acc.dmin[m]! < into.dmin[m]!) into.dmin[m] = acc.dmin[m]!;
    if (acc.dmax[m]! > into.dmax[m]!) into.dmax[m] = acc.dmax[m]!;
  }
}

/**
 * An envelope holding one contribution, as a view of it (both ends are `c`): for
 * reading only (classConst), never to be widened.
 */
export function pointEnvelope(c: Contrib): Envelope {
  return { lo: c, hi: c, any: true };
}

/**
 * The envelope of a set of changed nodes where one of them takes any components
 * between two ends, metric by metric (`a`, `b`: the set's contributions at the ends;
 * `ya`, `yb`: that node's components there). The fields are monotone in its component
 * except the squares and absolute values, whose least value is 0 where their argument
 * changes sign between the ends.
 */
export function envelopeOfEnds(
  center: Float64Array, a: Contrib, b: Contrib, ya: readonly number[], yb: readonly number[], pool?: ContribPool,
): Envelope {
  const e = newEnvelope(pool);
  envelopeAdd(e, a);
  envelopeAdd(e, b);
  for (let m = 0; m < NMETRICS; m++) {
    const kind = KIND[m]!;
    if (kind === K_MAP) continue;
    const ra = ya[m]!;
    const rb = yb[m]!;
    if (ra <= 0 !== rb <= 0) {
      const big = Math.max(Math.abs(ra), Math.abs(rb));
      if (kind === K_STDDEV) e.lo.dp[m] = e.lo.dp[m]! - big * big;
      else e.lo.da[m] = e.lo.da[m]! - big;
    }
    if (kind !== K_STDDEV) continue;
    const c = center[m]!;
    const u = ya[m]! - c;
    const v = yb[m]! - c;
    if (u <= 0 === v <= 0) continue;
    const sq = Math.max(u * u, v * v);
    e.lo.dq[m] = e.lo.dq[m]! - sq;
    e.lo.dqAbs[m] = e.lo.dqAbs[m]! - sq;
  }
  return e;
}

/**
 * Slopes for the linear class bounds: per standard-deviation metric, a slope sigma with
 * sqrt(v) >= sqrt(l1) + sigma (v - l1) for l1 <= v <= l2 whenever l2 <= 1 / (4 sigma^2)
 * (the chord's slope is 1 / (sqrt(l1) + sqrt(l2)) >= sigma). Taken from the base's
 * variances with a little room for the candidates' changes (SLOPE_ROOM); 0 where a
 * variance is 0.
 */
export function classSlopes(base: BaseSums): Float64Array {
  const out = new Float64Array(NMETRICS);
  const n = base.nOn;
  const room = 1 + Math.max(SLOPE_ROOM, 1 / n);
  for (let m = 0; m < NMETRICS; m++) {
    if (KIND[m] !== K_STDDEV || n === 0) continue;
    const d = base.d0[m]!;
    const v = (base.q0[m]! - (d * d) / n) / n;
    if (v > 0) out[m] = 1 / (2 * Math.sqrt(v * room));
  }
  return out;
}

/**
 * The least room above the base's variance classSlopes leaves (1 / n when larger). A
 * member's class bound is short of its own by about (1 - 1 / sqrt(1 + room)) / 2 of the
 * spread of the class's own parts (sigma against the square root's slope near the
 * variance), and on a flat landscape that shortfall is what lets lazy entries through:
 * at 1,000 nodes from step 14,000, room 0.05 gave 529 refreshes per step, 0.001 gave 87.
 * Where a candidate's variance passes 1 / (4 sigma^2) the metric's least term is used
 * instead, so any room keeps the bounds valid (one move changes a variance by a share of
 * the order of 1 / n).
 */
export const SLOPE_ROOM = 0.001;

/**
 * A member's own part of the linear class bound of one kind (see classConst): from the
 * least values its source side can take (`lo`, its envelope's low end).
 */
export function memberPart(base: BaseSums, lo: Contrib, slopes: Float64Array): number {
  const n = base.nOn;
  let s = 0;
  let abs = 0;
  for (let m = 0; m < NMETRICS; m++) {
    const kind = KIND[m]!;
    if (kind === K_MAP) continue;
    const x = kind === K_STDDEV ? (WEIGHT[m]! * slopes[m]! * lo.dq[m]!) / n : WEIGHT[m]! * lo.ds[m]!;
    s += x;
    abs += Math.abs(x);
  }
  return s - 1e-9 * (1 + abs);
}

/**
 * The class part of the linear class bound: for every member whose source side lies
 * in `env` (with low end `lo`) and every target side in `tgt` (an envelope, flat at
 * `to`: writeEnvelopeFlat), the exact score of the candidate is at least classConst +
 * memberPart(lo). Per standard deviation, the
 * member's bounded variance is at least alpha + lo.dq / n (the other terms at their
 * worst over the envelopes) and lies in [l1, l2]; below the chord, the square root is
 * at least sqrt(l1) + sigma (alpha + lo.dq / n - l1). Sums are linear already. Where the
 * chord condition fails, the metric's least term over the envelopes is used and the
 * member's part for it taken back at its largest. With `ranges`, the candidates'
 * ranges of bounded variance and centred-sum change are widened into it (the drift);
 * with `absOut`, its `abs` is raised to at least the sum of the candidates' absolute
 * terms (what a BoundAcc's `abs` records of the candidates it covers).
 */
export function classConst(
  base: BaseSums, env: Envelope, tgt: Float64Array, to: number, slopes: Float64Array, ranges: BoundAcc | null,
  absOut: { abs: number } | null = null,
): number {
  const n = base.nOn;
  if (n === 0) return -Infinity;
  // 1/n multiplied instead of divisions by n: a few more roundings, far inside the
  // margins below
  const invN = 1 / n;
  const errOn = base.errOnline;
  const errOff = base.errOffline;
  const { lo, hi } = env;
  // the target's envelope, flat (envelopesFlat's layout: field f's low ends at
  // to + 2 f NMETRICS, its high ends NMETRICS further)
  const t = tgt;
  const NM = NMETRICS;
  let total = 0;
  let abs = 0;
  let mag = 0;
  for (let m = 0; m < NMETRICS; m++) {
    const kind = KIND[m]!;
    if (kind === K_MAP) continue;
    const w = WEIGHT[m]!;
    let cm: number;
    let tLo: number;
    let tHi: number;
    if (kind === K_STDDEV) {
      const q0 = base.q0[m]!;
      const d0 = base.d0[m]!;
      const p0 = base.p0[m]!;
      const qLo = q0 + (lo.dq[m]! + t[to + m]!);
      const qHi = q0 + (hi.dq[m]! + t[to + NM + m]!);
      const ddLo = lo.dd[m]! + t[to + 4 * NM + m]!;
      const ddHi = hi.dd[m]! + t[to + 5 * NM + m]!;
      const dLo = d0 + ddLo;
      const dHi = d0 + ddHi;
      const sqLo = dLo * dLo;
      const sqHi = dHi * dHi;
      const d2Hi = sqLo > sqHi ? sqLo : sqHi;
      const d2Lo = dLo <= 0 && dHi >= 0 ? 0 : sqLo < sqHi ? sqLo : sqHi;
      const d2HiN = d2Hi * invN;
      const d2LoN = d2Lo * invN;
      const scaleHi = p0 + (hi.dp[m]! + t[to + 7 * NM + m]!) + q0 + (hi.dqAbs[m]! + t[to + 3 * NM + m]!) + d2HiN;
      const l1 = (qLo - d2HiN) * invN - errOn * scaleHi * invN;
      const scaleLo = p0 + (lo.dp[m]! + t[to + 6 * NM + m]!) + q0 + (lo.dqAbs[m]! + t[to + 2 * NM + m]!) + d2LoN;
      const l2 = (qHi - d2LoN) * invN - errOn * scaleLo * invN;
      const r1 = sqrtPos(l1);
      tLo = w * r1;
      tHi = w * sqrtPos(l2);
      if (ranges !== null) {
        if (l1 < ranges.vmin[m]!) ranges.vmin[m] = l1;
        if (l2 > ranges.vmax[m]!) ranges.vmax[m] = l2;
        if (ddLo < ranges.dmin[m]!) ranges.dmin[m] = ddLo;
        if (ddHi > ranges.dmax[m]!) ranges.dmax[m] = ddHi;
      }
      const sg = slopes[m]!;
      if (sg > 0 && l1 > 0 && l2 * 4 * sg * sg <= 1 - 1e-9) {
        const alpha = (q0 + t[to + m]! - d2HiN) * invN - errOn * scaleHi * invN;
        cm = w * (r1 + sg * (alpha - l1));
        mag += w * (r1 + sg * (Math.abs(alpha) + l1));
      } else {
        const part = w * sg * hi.dq[m]! * invN;
        cm = tLo - part;
        mag += Math.abs(tLo) + Math.abs(part);
      }
    } else {
      const err = kind === K_SUM_ONLINE ? errOn : errOff;
      const dsLo = lo.ds[m]! + t[to + 8 * NM + m]!;
      const dsHi = hi.ds[m]! + t[to + 9 * NM + m]!;
      const aLo = Math.abs(dsLo);
      const aHi = Math.abs(dsHi);
      const absHi = aLo > aHi ? aLo : aHi;
      const absLo = dsLo <= 0 && dsHi >= 0 ? 0 : aLo < aHi ? aLo : aHi;
      const s0 = base.s0[m]!;
      const a0 = base.a0[m]!;
      tLo = w * (s0 + dsLo - err * (a0 + (hi.da[m]! + t[to + 11 * NM + m]!) + absHi));
      tHi = w * (s0 + dsHi - err * (a0 + (lo.da[m]! + t[to + 10 * NM + m]!) + absLo));
      cm = w * (s0 + t[to + 8 * NM + m]! - err * (a0 + (hi.da[m]! + t[to + 11 * NM + m]!) + absHi));
      mag += Math.abs(cm) + Math.abs(w * lo.ds[m]!) + Math.abs(w * hi.ds[m]!);
    }
    total += cm;
    const x = Math.abs(tLo);
    const y = Math.abs(tHi);
    abs += x > y ? x : y;
  }
  if (absOut !== null && abs > absOut.abs) absOut.abs = abs;
  return total - 1e-12 * abs - 1e-9 * (1 + mag);
}

/** Widens `into` to cover `e`; whether it changed. */
export function envelopeUnion(into: Envelope, e: Envelope): boolean {
  if (!e.any) return false;
  return widen(into, e.lo, e.hi);
}

/** Envelopes (one per kind) in one array: kind, field (FIELDS), low then high end, metric. */
export function envelopesFlat(envs: readonly Envelope[]): Float64Array {
  const out = new Float64Array(envs.length * ENV_FLAT);
  for (let j = 0; j < envs.length; j++) writeEnvelopeFlat(envs[j]!, out, j * ENV_FLAT);
  return out;
}

/** The doubles of one envelope in envelopesFlat's layout: per field (FIELDS), its low ends, then its high ends. */
export const ENV_FLAT = FIELDS.length * 2 * NMETRICS;

/** Writes `e` into `out` at `o` in envelopesFlat's layout. */
export function writeEnvelopeFlat(e: Envelope, out: Float64Array, o: number): void {
  for (const f of FIELDS) {
    // an envelope without members contains nothing: its ends stay crossed
    const lo = e.any ? e.lo[f] : null;
    const hi = e.any ? e.hi[f] : null;
    for (let m = 0; m < NMETRICS; m++) out[o + m] = lo === null ? Infinity : lo[m]!;
    o += NMETRICS;
    for (let m = 0; m < NMETRICS; m++) out[o + m] = hi === null ? -Infinity : hi[m]!;
    o += NMETRICS;
  }
}

/** Whether every field of `c` (a contribution or an envelope) lies within kind `k`'s envelope of `flat` (envelopesFlat). */
export function flatContains(flat: Float64Array, k: number, c: Contrib | Envelope): boolean {
  const lo = "lo" in c ? c.lo : c;
  const hi = "lo" in c ? c.hi : c;
  let o = k * ENV_FLAT;
  for (const f of FIELDS) {
    const cl = lo[f];
    const ch = hi[f];
    for (let m = 0; m < NMETRICS; m++) if (!(cl[m]! >= flat[o + m]!)) return false;
    o += NMETRICS;
    for (let m = 0; m < NMETRICS; m++) if (!(ch[m]! <= flat[o + m]!)) return false;
    o += NMETRICS;
  }
  return true;
}
