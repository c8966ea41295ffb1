// Exact cluster scores of many single-node candidates over one node container
// (an allocation's candidates: each changes one online node), the same doubles as
// compCVPatched without its O(nodes) pass per candidate.
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
import type { Container } from "./container.js";
import { METRICS, NMETRICS, compCVPatched, components } from "./metrics.js";
import type { Node } from "./node.js";

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
class Pool {
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
const POOL = new Pool();

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

const MAX_MEAN_FOLDS = 64;

/** scoreMany's per-metric sums and values (grown as needed, reused). */
let SCRATCH = new Float64Array(0);

/**
 * Exact scores (compCVPatched's doubles) of candidates that each replace one online
 * node of `nl` by another online node without an exclusion-tag map, when no online
 * node of `nl` has one either (`applies`); other candidates go to compCVPatched.
 */
export class SingleScorer {
  private rowOf!: Int32Array;
  private offRow!: Uint8Array;
  private nOn!: number;
  private maps!: boolean;
  private cols!: (Float64Array | null | undefined)[];
  /** Per metric: the value of compCV's metric over the unchanged offline nodes. */
  private readonly offValue = new Float64Array(NMETRICS);
  private readonly first: (Fold | null)[] = new Array<Fold | null>(NMETRICS).fill(null);
  private readonly second: Map<number, Fold>[] = METRICS.map(() => new Map<number, Fold>());
  private readonly lastMean = new Float64Array(NMETRICS).fill(NaN);
  private readonly unchanged = new Float64Array(NMETRICS).fill(NaN);
  private readonly unchangedDone = new Uint8Array(NMETRICS);
  private readonly lastSecond: (Fold | undefined)[] = new Array<Fold | undefined>(NMETRICS);

  constructor(private readonly nl: Container<Node>) {
    const n = nl.length;
    if (this.fromLast()) return;
    this.rowOf = new Int32Array(n).fill(-1);
    this.offRow = new Uint8Array(n);
    let nOn = 0;
    let nOff = 0;
    let maps = false;
    for (let i = 0; i < n; i++) {
      const node = nl[i];
      if (node === undefined) continue;
      if (node.offline) {
        this.offRow[i] = 1;
        this.rowOf[i] = nOff++;
      } else {
        this.rowOf[i] = nOn++;
        if (node.instanceMap.size > 0) maps = true;
      }
    }
    this.nOn = nOn;
    this.maps = maps;
    this.cols = METRICS.map((m) => (m.online && m.agg !== "map" ? POOL.getF(nOn) : null));
    const off = METRICS.map((m) => (!m.online && m.agg !== "map" ? new Float64Array(nOff) : null));
    for (let i = 0; i < n; i++) {
      const node = nl[i];
      if (node === undefined) continue;
      const c = components(node);
      const cols = node.offline ? off : this.cols;
      const r = this.rowOf[i]!;
      for (let m = 0; m < NMETRICS; m++) {
        const col = cols[m];
        if (col !== null && col !== undefined) col[r] = c[m]!;
      }
    }
    // the offline metrics are sums (compCV's arithmetic; a standard deviation there
    // would be computed the same way)
    for (let m = 0; m < NMETRICS; m++) {
      const col = off[m];
      if (col === null || col === undefined) continue;
      let s = 0;
      for (let r = 0; r < col.length; r++) s += col[r]!;
      if (METRICS[m]!.agg === "sum") this.offValue[m] = s;
      else {
        const mean = s / col.length;
        let v = 0;
        for (let r = 0; r < col.length; r++) {
          const d = col[r]! - mean;
          v += d * d;
        }
        this.offValue[m] = Math.sqrt(v / col.length);
      }
    }
    this.keep();
  }

  /** The previous scorer's node list and columns (successive allocations differ in a
   * node or two: their columns are copied and those rows replaced). */
  private static last: {
    nl: Container<Node>; rowOf: Int32Array; offRow: Uint8Array; nOn: number; cols: (Float64Array | null)[]; offValue: Float64Array;
  } | null = null;

  private keep(): void {
    let l = SingleScorer.last;
    if (l === null || l.nOn !== this.nOn) {
      l = SingleScorer.last = {
        nl: this.nl, rowOf: this.rowOf, offRow: this.offRow, nOn: this.nOn,
        cols: this.cols.map((c) => (c === null || c === undefined ? null : new Float64Array(c.length))), offValue: new Float64Array(NMETRICS),
      };
    }
    if (this.maps) {
      SingleScorer.last = null;
      return;
    }
    l.nl = this.nl;
    l.rowOf = this.rowOf;
    l.offRow = this.offRow;
    for (let m = 0; m < NMETRICS; m++) {
      const c = this.cols[m];
      if (c !== null && c !== undefined) l.cols[m]!.set(c);
    }
    l.offValue.set(this.offValue);
  }

  /** The columns from the previous scorer's when only online nodes without
   * exclusion-tag maps differ (the rows, the offline values and `maps` unchanged). */
  private fromLast(): boolean {
    const l = SingleScorer.last;
    const nl = this.nl;
    if (l === null || l.nl.length !== nl.length) return false;
    const changed: number[] = [];
    for (let i = 0; i < nl.length; i++) {
      const a = nl[i];
      const b = l.nl[i];
      if (a === b) continue;
      if (a === undefined || b === undefined || a.offline || b.offline || a.instanceMap.size > 0 || b.instanceMap.size > 0) return false;
      changed.push(i);
    }
    this.rowOf = l.rowOf;
    this.offRow = l.offRow;
    this.nOn = l.nOn;
    this.maps = false;
    for (const i of changed) {
      const comps = components(nl[i]!);
      const r = l.rowOf[i]!;
      for (let m = 0; m < NMETRICS; m++) {
        const col = l.cols[m];
        if (col !== null && col !== undefined) col[r] = comps[m]!;
      }
    }
    l.nl = nl;
    this.cols = l.cols.map((c) => {
      if (c === null) return null;
      const x = POOL.getF(c.length);
      x.set(c);
      return x;
    });
    this.offValue.set(l.offValue);
    return true;
  }

  /** Returns the scorer's arrays to the pool (the scorer is unusable afterwards). */
  dispose(): void {
    for (let m = 0; m < NMETRICS; m++) {
      this.first[m]?.dispose();
      this.first[m] = null;
      for (const g of this.second[m]!.values()) {
        POOL.putF(g.a);
        g.dispose();
      }
      this.second[m]!.clear();
      this.lastSecond[m] = undefined;
      const c = this.cols[m];
      if (c !== null && c !== undefined) POOL.putF(c);
      this.cols[m] = null;
    }
  }

  /** Whether `score` computes this candidate itself (else it calls compCVPatched). */
  applies(i: number, node: Node): boolean {
    return !this.maps && this.nOn > 0 && !node.offline && node.instanceMap.size === 0 && (this.rowOf[i] ?? -1) >= 0 && this.offRow[i] === 0;
  }

  private firstFold(m: number): Fold {
    let f = this.first[m];
    if (f === null || f === undefined) {
      f = new Fold(this.cols[m]!);
      this.first[m] = f;
    }
    return f;
  }

  private secondFold(m: number, mean: number): Fold {
    const last = this.lastSecond[m];
    if (last !== undefined && this.lastMean[m] === mean) return last;
    const f = this.secondFoldSlow(m, mean);
    this.lastMean[m] = mean;
    this.lastSecond[m] = f;
    return f;
  }

  private secondFoldSlow(m: number, mean: number): Fold {
    const cache = this.second[m]!;
    let f = cache.get(mean);
    if (f === undefined) {
      const col = this.cols[m]!;
      const q = POOL.getF(col.length);
      for (let r = 0; r < col.length; r++) {
        const d = col[r]! - mean;
        q[r] = d * d;
      }
      f = new Fold(q);
      if (cache.size >= MAX_MEAN_FOLDS) {
        for (const g of cache.values()) {
          POOL.putF(g.a);
          g.dispose();
        }
        cache.clear();
        this.lastSecond[m] = undefined;
      }
      cache.set(mean, f);
    }
    return f;
  }

  /** A metric's value over the unchanged online column (compCV's arithmetic). */
  private unchangedValue(m: number): number {
    let v = this.unchanged[m]!;
    if (Number.isNaN(v) && !this.unchangedDone[m]) {
      const col = this.cols[m]!;
      let s = 0;
      for (let r = 0; r < col.length; r++) s += col[r]!;
      if (METRICS[m]!.agg === "sum") v = s;
      else {
        const mean = s / col.length;
        let q = 0;
        for (let r = 0; r < col.length; r++) {
          const d = col[r]! - mean;
          q += d * d;
        }
        v = Math.sqrt(q / col.length);
      }
      this.unchanged[m] = v;
      this.unchangedDone[m] = 1;
    }
    return v;
  }

  /** Per metric: an earlier metric whose online column is the same doubles (its
   * folds give the same results), else -1; computed on first use. */
  private aliasOf: Int32Array | null = null;

  private aliases(): Int32Array {
    if (this.aliasOf !== null) return this.aliasOf;
    const al = new Int32Array(NMETRICS).fill(-1);
    for (let m = 0; m < NMETRICS; m++) {
      const a = this.cols[m];
      if (a === null || a === undefined) continue;
      for (let m2 = 0; m2 < m && al[m] === -1; m2++) {
        const b = this.cols[m2];
        if (b === null || b === undefined || al[m2] !== -1) continue;
        let same = true;
        for (let r = 0; r < a.length && same; r++) same = Object.is(a[r], b[r]);
        if (same) al[m] = m2;
      }
    }
    this.aliasOf = al;
    return al;
  }

  /** score(idx[k], nodes[k]) into out[k] for every k of `ks`, the same doubles,
   * computed metric by metric (one fold at a time over all the candidates); a metric
   * whose column and candidate values are an earlier metric's reuses its results. */
  scoreMany(ks: readonly number[], idx: readonly number[], nodes: readonly Node[], out: Float64Array): void {
    const mine: number[] = [];
    for (const k of ks) {
      if (this.applies(idx[k]!, nodes[k]!)) mine.push(k);
      else out[k] = compCVPatched(this.nl, [[idx[k]!, nodes[k]!]]);
    }
    const c = mine.length;
    if (c === 0) return;
    const pos = new Int32Array(c);
    const comps: number[][] = new Array<number[]>(c);
    const total = new Float64Array(c);
    for (let j = 0; j < c; j++) {
      const k = mine[j]!;
      pos[j] = this.rowOf[idx[k]!]! + 1;
      comps[j] = components(nodes[k]!);
    }
    const len = this.nOn;
    const al = this.aliases();
    // per metric computed: the first pass's sums and the metric's values (NaN where unchanged)
    const sums: (Float64Array | null)[] = new Array<Float64Array | null>(NMETRICS).fill(null);
    const vals: (Float64Array | null)[] = new Array<Float64Array | null>(NMETRICS).fill(null);
    if (SCRATCH.length < 2 * NMETRICS * c) SCRATCH = new Float64Array(2 * NMETRICS * c);
    const scratch = SCRATCH;
    for (let m = 0; m < NMETRICS; m++) {
      const metric = METRICS[m]!;
      const w = metric.weight;
      if (metric.agg === "map") {
        for (let j = 0; j < c; j++) total[j] = total[j]! + w * 0;
        continue;
      }
      if (!metric.online) {
        const v = this.offValue[m]!;
        for (let j = 0; j < c; j++) total[j] = total[j]! + w * v;
        continue;
      }
      const col = this.cols[m]!;
      const sum = metric.agg === "sum";
      // an earlier metric with the same column and the same candidate values
      let src = al[m]!;
      if (src >= 0) {
        if (sums[src] === null) src = -1;
        else for (let j = 0; j < c && src >= 0; j++) if (!Object.is(comps[j]![m], comps[j]![src])) src = -1;
      }
      const ms = scratch.subarray(2 * m * c, (2 * m + 1) * c);
      const mv = scratch.subarray((2 * m + 1) * c, (2 * m + 2) * c);
      sums[m] = ms;
      vals[m] = mv;
      const srcS = src >= 0 ? sums[src]! : null;
      const srcV = src >= 0 && METRICS[src]!.agg === metric.agg ? vals[src]! : null;
      for (let j = 0; j < c; j++) {
        const y = comps[j]![m]!;
        const p = pos[j]!;
        if (Object.is(y, col[p - 1])) {
          ms[j] = NaN;
          mv[j] = NaN;
          total[j] = total[j]! + w * this.unchangedValue(m);
          continue;
        }
        let value: number;
        if (srcV !== null) {
          ms[j] = srcS![j]!;
          value = srcV[j]!;
        } else {
          const s = srcS !== null ? srcS[j]! : this.firstFold(m).replaced(p, y);
          ms[j] = s;
          if (sum) value = s;
          else {
            const mean = s / len;
            const d = y - mean;
            value = Math.sqrt(this.secondFold(m, mean).replaced(p, d * d) / len);
          }
        }
        mv[j] = value;
        total[j] = total[j]! + w * value;
      }
    }
    for (let j = 0; j < c; j++) out[mine[j]!] = total[j]!;
  }

  /** compCVPatched(nl, [[i, node]]), the same double. */
  score(i: number, node: Node, comps: readonly number[] = components(node)): number {
    if (!this.applies(i, node)) return compCVPatched(this.nl, [[i, node]]);
    const pos = this.rowOf[i]! + 1;
    const len = this.nOn;
    let total = 0;
    for (let m = 0; m < NMETRICS; m++) {
      const metric = METRICS[m]!;
      let value: number;
      if (metric.agg === "map") value = 0;
      else if (!metric.online) value = this.offValue[m]!;
      else {
        const y = comps[m]!;
        const col = this.cols[m]!;
        if (Object.is(y, col[pos - 1])) {
          total += metric.weight * this.unchangedValue(m);
          continue;
        }
        const s = this.firstFold(m).replaced(pos, y);
        if (metric.agg === "sum") value = s;
        else {
          const mean = s / len;
          const d = y - mean;
          value = Math.sqrt(this.secondFold(m, mean).replaced(pos, d * d) / len);
        }
      }
      total += metric.weight * value;
    }
    return total;
  }
}
