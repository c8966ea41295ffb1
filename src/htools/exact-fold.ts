// Exact left-to-right folds of a column with one value replaced, without refolding:
// the arithmetic under alloc-score.ts's exact scores of single-node candidates.
//
// compCV folds each metric column left to right (the sum, then after the mean the
// sum of squared deviations). A candidate replaces one value of the column: its fold
// equals the unchanged fold up to that row, then differs from it by some δ. While the
// unchanged running sum t stays in one binade [2^E, 2^(E+1)) (or its negative), its
// additions do not round to a tie, δ is a multiple of the binade's grid g and t + δ
// stays strictly inside the binade, every addition rounds the candidate's sum to the
// unchanged one plus the same δ: the candidate's value at the end of such a stretch is
// the unchanged one plus δ, found in one step. Elsewhere (binade changes, ties,
// zeros, non-finite values) the candidate's fold is stepped addition by addition, as
// in compCV. Per metric, the second pass depends on the candidate's mean: one
// unchanged fold is built per distinct mean (candidates alike in a metric share it).

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const HI = new Uint16Array(new Uint32Array([1]).buffer)[0] === 1 ? 1 : 0; // high word of a double (little-endian: 1)
const POW2 = new Float64Array(2200);
for (let e = -1100; e < 1100; e++) POW2[e + 1100] = Math.pow(2, e);
/** The binade exponent of a finite normal non-zero double. */
function exponentOf(x: number): number {
  F64[0] = x;
  return ((U32[HI]! >>> 20) & 0x7ff) - 1023;
}
/** The largest power of two dividing a finite normal non-zero double. */
function quantumOf(x: number): number {
  F64[0] = x;
  const hiw = U32[HI]!;
  const low = U32[1 - HI]!;
  const e = ((hiw >>> 20) & 0x7ff) - 1023;
  const tz = low !== 0 ? 31 - Math.clz32(low & -low) : 32 + 31 - Math.clz32(((hiw & 0xfffff) | 0x100000) & -((hiw & 0xfffff) | 0x100000));
  return POW2[e - 52 + tz + 1100]!;
}
const MIN_NORMAL = 2 ** -1022;
const MAX_SAFE = 2 ** 1000;

/** Reusable typed arrays by length (a scorer's folds live for one allocation). */
export class Pool {
  private readonly f64 = new Map<number, Float64Array[]>();
  private readonly i32 = new Map<number, Int32Array[]>();
  getF(n: number): Float64Array {
    return this.f64.get(n)?.pop() ?? new Float64Array(n);
  }
  getI(n: number): Int32Array {
    return this.i32.get(n)?.pop() ?? new Int32Array(n);
  }
  putF(xs: Float64Array): void {
    let l = this.f64.get(xs.length);
    if (l === undefined) this.f64.set(xs.length, (l = []));
    if (l.length < 256) l.push(xs);
  }
  putI(xs: Int32Array): void {
    let l = this.i32.get(xs.length);
    if (l === undefined) this.i32.set(xs.length, (l = []));
    if (l.length < 256) l.push(xs);
  }
}
export const POOL = new Pool();

/** The fold of one column (s[k]: the sum of its first k values, added left to right)
 * with what a candidate's fold needs to skip over stretches (see the file comment). */
export class Fold {
  readonly len: number;
  readonly s: Float64Array;
  /** Non-finite values or sums: candidates are stepped one addition at a time. */
  private readonly literal: boolean;
  /** Position k (1-based) holding a zero: the last position of its run of zeros; else -1. */
  private readonly zeroEnd: Int32Array;
  /** Position k of a regular stretch (one binade, no tie): the stretch's last position, else -1. */
  private readonly stEnd: Int32Array;
  /** Per position of a stretch: its binade (2 × exponent + 1 when negative). */
  private readonly bin: Int32Array;
  /** From position k to the stretch's end: the least and the largest sum. */
  private readonly minT: Float64Array;
  private readonly maxT: Float64Array;
  /** Position k of a run of regular positions (binades may change): the run's last
   * position, else -1; from k to the run's end, the largest lo - s, the least hi - s
   * (exact: both multiples of the grid, within the binade) and the largest grid. */
  private readonly runEnd: Int32Array;
  private readonly maxA: Float64Array;
  private readonly minB: Float64Array;
  private readonly maxG: Float64Array;
  /** Position k of a run of exact additions (no rounding): the run's last position,
   * else -1; from k to the run's end, the least quantum (the largest power of two
   * dividing every sum) and the largest magnitude of a sum. */
  private readonly exEnd: Int32Array;
  private readonly minQ: Float64Array;
  private readonly maxAbs: Float64Array;
  /** No negative value: Grids apply. */
  private readonly nonneg: boolean;
  private readonly grids = new Map<number, Grid>();
  private lastGrid: Grid | null = null;
  private readonly asks = new Map<number, number>();

  constructor(readonly a: Float64Array) {
    const n = a.length;
    const m = n + 2;
    this.len = n;
    const s = POOL.getF(n + 1);
    const bin = POOL.getI(m);
    const stEnd = POOL.getI(m);
    const zeroEnd = POOL.getI(m);
    const runEnd = POOL.getI(m);
    const minT = POOL.getF(m);
    const maxT = POOL.getF(m);
    const maxA = POOL.getF(m);
    const minB = POOL.getF(m);
    const maxG = POOL.getF(m);
    const exEnd = POOL.getI(m);
    const minQ = POOL.getF(m);
    const maxAbs = POOL.getF(m);
    let literal = false;
    let nonneg = true;
    s[0] = 0;
    for (let k = 1; k <= n; k++) {
      const x = s[k - 1]!;
      const y = a[k - 1]!;
      const t = x + y;
      s[k] = t;
      if (!(y >= 0)) nonneg = false;
      bin[k] = -1;
      exEnd[k] = 0;
      if (!Number.isFinite(t) || !Number.isFinite(y)) {
        literal = true;
        continue;
      }
      const at = Math.abs(t);
      if (at >= MAX_SAFE) continue;
      // the rounding error of x + y (Knuth's TwoSum, exact)
      const bb = t - x;
      const r = x - (t - bb) + (y - bb);
      if (r === 0 && (at === 0 || at >= MIN_NORMAL)) {
        exEnd[k] = 1;
        minQ[k] = at === 0 ? Infinity : quantumOf(at);
      }
      if (at < MIN_NORMAL) continue;
      const e = exponentOf(at);
      if (Math.abs(r) === POW2[e - 53 + 1100]!) continue; // a tie (half the grid 2^(e-52))
      bin[k] = 2 * (e + 1100) + (t > 0 ? 0 : 1);
    }
    zeroEnd[n + 1] = -1;
    exEnd[n + 1] = -1;
    for (let k = n; k >= 1; k--) {
      zeroEnd[k] = a[k - 1] === 0 ? (k < n && a[k] === 0 ? zeroEnd[k + 1]! : k) : -1;
      if (exEnd[k] === 1) {
        const at = Math.abs(s[k]!);
        if (k < n && exEnd[k + 1]! >= 1) {
          exEnd[k] = exEnd[k + 1]!;
          minQ[k] = Math.min(minQ[k]!, minQ[k + 1]!);
          maxAbs[k] = Math.max(at, maxAbs[k + 1]!);
        } else {
          exEnd[k] = k;
          maxAbs[k] = at;
        }
      } else exEnd[k] = -1;
      const b = bin[k]!;
      if (b < 0) {
        stEnd[k] = -1;
        runEnd[k] = -1;
        continue;
      }
      const t = s[k]!;
      const e = (b >> 1) - 1100;
      const neg = (b & 1) === 1;
      const lo = neg ? -POW2[e + 1 + 1100]! : POW2[e + 1100]!;
      const hi = neg ? -POW2[e + 1100]! : POW2[e + 1 + 1100]!;
      const g = POW2[e - 52 + 1100]!;
      const A = lo - t;
      const B = hi - t;
      if (k < n && bin[k + 1] === b) {
        stEnd[k] = stEnd[k + 1]!;
        minT[k] = Math.min(t, minT[k + 1]!);
        maxT[k] = Math.max(t, maxT[k + 1]!);
      } else {
        stEnd[k] = k;
        minT[k] = t;
        maxT[k] = t;
      }
      if (k < n && bin[k + 1]! >= 0) {
        runEnd[k] = runEnd[k + 1]!;
        maxA[k] = Math.max(A, maxA[k + 1]!);
        minB[k] = Math.min(B, minB[k + 1]!);
        maxG[k] = Math.max(g, maxG[k + 1]!);
      } else {
        runEnd[k] = k;
        maxA[k] = A;
        minB[k] = B;
        maxG[k] = g;
      }
    }
    this.s = s;
    this.literal = literal;
    this.nonneg = nonneg && !literal;
    this.bin = bin;
    this.stEnd = stEnd;
    this.zeroEnd = zeroEnd;
    this.runEnd = runEnd;
    this.minT = minT;
    this.maxT = maxT;
    this.maxA = maxA;
    this.minB = minB;
    this.maxG = maxG;
    this.exEnd = exEnd;
    this.minQ = minQ;
    this.maxAbs = maxAbs;
  }

  /** Returns the arrays to the pool (the fold is unusable afterwards). */
  dispose(): void {
    POOL.putF(this.s);
    POOL.putI(this.bin);
    POOL.putI(this.stEnd);
    POOL.putI(this.zeroEnd);
    POOL.putI(this.runEnd);
    POOL.putF(this.minT);
    POOL.putF(this.maxT);
    POOL.putF(this.maxA);
    POOL.putF(this.minB);
    POOL.putF(this.maxG);
    POOL.putI(this.exEnd);
    POOL.putF(this.minQ);
    POOL.putF(this.maxAbs);
    for (const g of this.grids.values()) g.dispose();
    this.grids.clear();
    this.asks.clear();
    this.lastGrid = null;
  }

  /** The Grid of binade e, built once asked for GRID_ASKS times (a binade few
   * candidates' sums pass through is cheaper to step through). */
  private grid(e: number): Grid | null {
    const g = this.grids.get(e);
    if (g !== undefined) return g;
    const n = (this.asks.get(e) ?? 0) + 1;
    this.asks.set(e, n);
    if (n < GRID_ASKS) return null;
    const ng = new Grid(this.a, e);
    this.grids.set(e, ng);
    return ng;
  }

  /** The fold with the value at position `pos` (1-based) replaced by `b`: the same
   * double as adding the changed column left to right. */
  replaced(pos: number, b: number): number {
    const { a, s, len } = this;
    let sp = s[pos - 1]! + b;
    let k = pos;
    if (this.literal) {
      for (let j = k; j < len; j++) sp += a[j]!;
      return sp;
    }
    while (k < len) {
      const sk = s[k]!;
      // merged with the unchanged fold: the rest is the same additions
      if (sp === sk && (sp !== 0 || Object.is(sp, sk))) return s[len]!;
      const j = k + 1;
      const ze = this.zeroEnd[j]!;
      if (ze >= 0 && !Object.is(sp, -0)) {
        k = ze; // x + 0 = x (x not -0)
        continue;
      }
      const xe = this.exEnd[j]!;
      const re = this.runEnd[j]!;
      if (xe >= 0 || re >= 0) {
        const d = sp - sk;
        const bb = d - sp;
        if (sp - (d - bb) + (-sk - bb) === 0) {
          // d is exact: the candidate's sum is the unchanged one plus d
          if (xe >= 0) {
            // additions without rounding: t + d is a double (t and d multiples of the
            // lesser quantum, below 2^53 of it), so the candidate's additions do not round
            const ad = Math.abs(d);
            const q = Math.min(this.minQ[j]!, ad < MIN_NORMAL ? 0 : quantumOf(ad)) * 2 ** 52;
            if (ad < q && this.maxAbs[j]! < q) {
              const v = s[xe]! + d;
              if (v !== 0) {
                sp = v;
                k = xe;
                continue;
              }
            }
          }
          if (re >= 0) {
            // every position to the run's end: t + d inside t's binade, d on its grid
            // (the comparisons round monotonically and the limits are doubles: a pass is exact)
            if (d > this.maxA[j]! && d < this.minB[j]! && Number.isInteger(d / this.maxG[j]!)) {
              sp = s[re]! + d; // the candidate's exact sum there, a double
              k = re;
              continue;
            }
          }
        }
      }
      if (this.nonneg && sp >= MIN_NORMAL && sp < MAX_SAFE && len - k >= GRID_MIN) {
        // the candidate's own binade: jump to the last position before it leaves it
        const e = exponentOf(sp);
        let gd = this.lastGrid;
        if (gd === null || gd.e !== e) gd = this.lastGrid = this.grid(e);
        const ge = gd === null ? -1 : gd.run[j]!;
        if (ge >= 0 && gd !== null) {
          const g = POW2[e - 52 + 1100]!;
          const u = sp / g; // an integer in [2^52, 2^53)
          const p = gd.p;
          const lim = p[k]! + (2 ** 53 - u);
          if (p[j]! < lim) {
            let lo = j;
            let hi = ge;
            if (p[hi]! < lim) lo = hi;
            while (lo < hi) {
              const mid = (lo + hi + 1) >> 1;
              if (p[mid]! < lim) lo = mid;
              else hi = mid - 1;
            }
            sp = (u + (p[lo]! - p[k]!)) * g;
            k = lo;
            continue;
          }
        }
      }
      if (re >= 0) {
        // the unchanged sum's binade stretch
        const d = sp - sk;
        const bb = d - sp;
        if (sp - (d - bb) + (-sk - bb) === 0) {
          const se = this.stEnd[j]!;
          const b2 = this.bin[j]!;
          const e = (b2 >> 1) - 1100;
          const neg = (b2 & 1) === 1;
          const lo = neg ? -POW2[e + 1 + 1100]! : POW2[e + 1100]!;
          const hi = neg ? -POW2[e + 1100]! : POW2[e + 1 + 1100]!;
          if (d + this.minT[j]! > lo && d + this.maxT[j]! < hi && Number.isInteger(d / POW2[e - 52 + 1100]!)) {
            sp = s[se]! + d;
            k = se;
            continue;
          }
        }
      }
      sp += a[j - 1]!;
      k = j;
    }
    return sp;
  }
}

/**
 * A column's additions onto a running sum in one binade [2^E, 2^(E+1)) (grid
 * G = 2^(E-52)), for columns without negative values: a sum v there, a multiple of G,
 * plus a value x rounds to v + round(x / G)·G whenever x / G is not half-way between two
 * integers and the result stays below 2^(E+1). P[k]: the sum of round(x / G) over the
 * first k values (integers, exact below 2^53); run[k]: the last position of the
 * positions without such a tie from k on (-1: a tie, or sums too large).
 */
class Grid {
  readonly p: Float64Array;
  readonly run: Int32Array;
  constructor(a: Float64Array, readonly e: number) {
    const n = a.length;
    const g = POW2[e - 52 + 1100]!;
    const p = POOL.getF(n + 1);
    const run = POOL.getI(n + 2);
    p[0] = 0;
    for (let k = 1; k <= n; k++) {
      const x = a[k - 1]!;
      const f = x / g;
      const fl = Math.floor(f);
      const fr = f - fl;
      const c = fr < 0.5 ? fl : fl + 1;
      const pk = p[k - 1]! + c;
      p[k] = pk;
      // exact quotient, no tie, exact integer sums
      run[k] = (x === 0 || (f >= MIN_NORMAL && f < MAX_SAFE)) && fr !== 0.5 && pk < 2 ** 53 ? 0 : -1;
    }
    run[n + 1] = -1;
    for (let k = n; k >= 1; k--) if (run[k] === 0) run[k] = k < n && run[k + 1]! >= 0 ? run[k + 1]! : k;
    this.p = p;
    this.run = run;
  }
  dispose(): void {
    POOL.putF(this.p);
    POOL.putI(this.run);
  }
}

/** Shortest remaining length for which a Grid is built. */
const GRID_MIN = 24;
const GRID_ASKS = 1;
