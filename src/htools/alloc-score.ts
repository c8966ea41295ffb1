// Exact cluster scores of many single-node candidates over one node container
// (an allocation's candidates: each changes one online node), the same doubles as
// compCVPatched without its O(nodes) pass per candidate (the folds: exact-fold.ts).
import type { Container } from "./container.js";
import { nodeRows } from "./exact-scorer.js";
import { Fold, POOL } from "./exact-fold.js";
import { Grouper, OPEN, chainSums, prefixSums, resolveLinks } from "./alloc-chain.js";
import { METRICS, NMETRICS, compCVPatched, components } from "./metrics.js";
import type { Node } from "./node.js";

const MAX_MEAN_FOLDS = 64;

/** scoreMany's per-metric sums and values, and its candidates' components (grown as
 * needed, reused). */
let SCRATCH = new Float64Array(0);
let COMPS = new Float64Array(0);

/** Per class number: the scoreMany call that last saw it and its first candidate there. */
let CLS_STAMP = new Int32Array(0);
let CLS_REP = new Int32Array(0);
let CLS_CALL = 0;
function growClasses(cl: number): void {
  const n = Math.max(cl + 1, 2 * CLS_STAMP.length, 64);
  const st = new Int32Array(n);
  st.set(CLS_STAMP);
  const rp = new Int32Array(n);
  rp.set(CLS_REP);
  CLS_STAMP = st;
  CLS_REP = rp;
}

/** A group's chains walk CHAIN_BUDGET × the column's length plus CHAIN_CAP rows per
 * member (plain additions: a Fold costs about 20 rows per row to build), then each member
 * at most CHAIN_CAP rows while later members are ahead. */
const CHAIN_BUDGET = 8;
const CHAIN_CAP = 64;

/** scoreMany's per-metric work list: candidates (numbers into the call's list), their old
 * and new values and means, and per group member its row, sum and link. */
interface Work {
  cand: Int32Array;
  kx: Float64Array;
  ky: Float64Array;
  kz: Float64Array;
  gpos: Int32Array;
  res: Float64Array;
  link: Int32Array;
}
let WORK: Work = mkWork(0);
function mkWork(n: number): Work {
  return {
    cand: new Int32Array(n), kx: new Float64Array(n), ky: new Float64Array(n), kz: new Float64Array(n),
    gpos: new Int32Array(n), res: new Float64Array(n), link: new Int32Array(n),
  };
}
function work(n: number): Work {
  if (WORK.cand.length < n) WORK = mkWork(Math.max(n, 2 * WORK.cand.length));
  return WORK;
}
const GROUPS = new Grouper();

/** Single scores taken through scoreMany before the Folds are built. */
const SCORE_WALKS = 8;
const ONE_K = [0];
const ONE_IDX = [0];
const ONE_NODE: Node[] = [];
const ONE_OUT = new Float64Array(1);

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
  private readonly prefixes: (Float64Array | null)[] = new Array<Float64Array | null>(NMETRICS).fill(null);
  private readonly sq: Map<number, { readonly q: Float64Array; readonly s: Float64Array }>[] = METRICS.map(() => new Map());

  constructor(private readonly nl: Container<Node>) {
    const n = nl.length;
    if (this.fromLast()) return;
    const { rowOf, offRow, nOn, nOff, maps } = nodeRows(nl);
    this.rowOf = rowOf;
    this.offRow = offRow;
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
    /** The aliases of these columns, once a scorer has computed them. */
    aliasOf: Int32Array | null;
  } | null = null;

  private keep(): void {
    let l = SingleScorer.last;
    if (l === null || l.nOn !== this.nOn) {
      l = SingleScorer.last = {
        nl: this.nl, rowOf: this.rowOf, offRow: this.offRow, nOn: this.nOn,
        cols: this.cols.map((c) => (c === null || c === undefined ? null : new Float64Array(c.length))), offValue: new Float64Array(NMETRICS),
        aliasOf: null,
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
    l.aliasOf = null;
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
    // aliases stay aliases where the changed rows agree too (one that does not: all anew)
    const al = l.aliasOf;
    if (al !== null) {
      for (let m = 0; m < NMETRICS && l.aliasOf !== null; m++) {
        const src = al[m]!;
        if (src < 0) continue;
        const a = l.cols[m]!;
        const b = l.cols[src]!;
        for (const i of changed) if (!Object.is(a[l.rowOf[i]!], b[l.rowOf[i]!])) l.aliasOf = null;
      }
      this.aliasOf = l.aliasOf;
    }
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
      const p = this.prefixes[m];
      if (p !== null && p !== undefined) POOL.putF(p);
      this.prefixes[m] = null;
      this.dropSquares(m);
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
  private walks = 0;

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
    const l = SingleScorer.last;
    if (l !== null && l.nl === this.nl) l.aliasOf = al;
    return al;
  }

  /** score(idx[k], nodes[k]) into out[k] for every k of `ks`, the same doubles,
   * computed metric by metric over all the candidates: candidates alike in a metric
   * (the same old and new value) share their folds where they provably agree
   * (alloc-chain.ts), the others use the Folds; a metric whose column and candidate
   * values are an earlier metric's reuses its results. `cls`: per candidate, a class
   * number of candidates with the same components (-1: none), or null. */
  scoreMany(ks: readonly number[], idx: readonly number[], nodes: readonly Node[], out: Float64Array, cls: readonly number[] | null = null): void {
    const mine: number[] = [];
    for (const k of ks) {
      if (this.applies(idx[k]!, nodes[k]!)) mine.push(k);
      else out[k] = compCVPatched(this.nl, [[idx[k]!, nodes[k]!]]);
    }
    const c = mine.length;
    if (c === 0) return;
    // the chains walk rows forward: candidates in row order
    const rowOf = this.rowOf;
    for (let j = 1; j < c; j++) {
      if (rowOf[idx[mine[j]!]!]! < rowOf[idx[mine[j - 1]!]!]!) {
        mine.sort((a, b) => rowOf[idx[a]!]! - rowOf[idx[b]!]!);
        break;
      }
    }
    const pos = new Int32Array(c);
    const total = new Float64Array(c);
    // the candidates' components metric by metric (cv[m * c + j]): read once, in order
    if (COMPS.length < NMETRICS * c) COMPS = new Float64Array(NMETRICS * c);
    const cv = COMPS;
    // alike candidates (one class: the same components) are read once
    const stamp = ++CLS_CALL;
    for (let j = 0; j < c; j++) {
      const k = mine[j]!;
      pos[j] = rowOf[idx[k]!]! + 1;
      const cl = cls === null ? -1 : cls[k]!;
      if (cl >= 0) {
        if (cl >= CLS_STAMP.length) growClasses(cl);
        if (CLS_STAMP[cl] === stamp) {
          const r = CLS_REP[cl]!;
          for (let m = 0; m < NMETRICS; m++) cv[m * c + j] = cv[m * c + r]!;
          continue;
        }
        CLS_STAMP[cl] = stamp;
        CLS_REP[cl] = j;
      }
      const cj = components(nodes[k]!);
      for (let m = 0; m < NMETRICS; m++) cv[m * c + j] = cj[m]!;
    }
    const len = this.nOn;
    const al = this.aliases();
    // per metric computed: the first pass's sums and the metric's values (NaN where unchanged)
    const sums: (Float64Array | null)[] = new Array<Float64Array | null>(NMETRICS).fill(null);
    const vals: (Float64Array | null)[] = new Array<Float64Array | null>(NMETRICS).fill(null);
    if (SCRATCH.length < 2 * NMETRICS * c) SCRATCH = new Float64Array(2 * NMETRICS * c);
    const scratch = SCRATCH;
    const wk = work(c);
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
        else for (let j = 0; j < c && src >= 0; j++) if (!Object.is(cv[m * c + j], cv[src * c + j])) src = -1;
      }
      const ms = scratch.subarray(2 * m * c, (2 * m + 1) * c);
      const mv = scratch.subarray((2 * m + 1) * c, (2 * m + 2) * c);
      sums[m] = ms;
      vals[m] = mv;
      const srcS = src >= 0 ? sums[src]! : null;
      const srcV = src >= 0 && METRICS[src]!.agg === metric.agg ? vals[src]! : null;
      // the candidates that change the metric and need their own fold(s)
      // (each candidate's total gets exactly one addition per metric, in metric order)
      let nc = 0;
      for (let j = 0; j < c; j++) {
        const y = cv[m * c + j]!;
        const x = col[pos[j]! - 1]!;
        if (Object.is(y, x)) {
          ms[j] = NaN;
          mv[j] = NaN;
          total[j] = total[j]! + w * this.unchangedValue(m);
          continue;
        }
        if (srcV !== null) {
          ms[j] = srcS![j]!;
          mv[j] = srcV[j]!;
          total[j] = total[j]! + w * mv[j]!;
          continue;
        }
        if (srcS !== null) ms[j] = srcS[j]!;
        wk.cand[nc] = j;
        wk.kx[nc] = x;
        wk.ky[nc] = y;
        nc++;
      }
      if (nc === 0) continue;
      if (srcS === null) this.firstSums(m, nc, pos, ms);
      if (sum) for (let t = 0; t < nc; t++) mv[wk.cand[t]!] = ms[wk.cand[t]!]!;
      else this.secondValues(m, nc, pos, ms, mv);
      for (let t = 0; t < nc; t++) {
        const j = wk.cand[t]!;
        total[j] = total[j]! + w * mv[j]!;
      }
    }
    for (let j = 0; j < c; j++) out[mine[j]!] = total[j]!;
  }

  /** Prefix sums of metric m's column (compCV's additions), built on first use. */
  private prefix(m: number): Float64Array {
    let p = this.prefixes[m];
    if (p === null || p === undefined) {
      const col = this.cols[m]!;
      p = POOL.getF(col.length + 1);
      prefixSums(col, p);
      this.prefixes[m] = p;
    }
    return p;
  }

  /** Metric m's column of squared deviations from `mean` (compCV's second pass) and its
   * prefix sums. */
  private squares(m: number, mean: number): { readonly q: Float64Array; readonly s: Float64Array } {
    const cache = this.sq[m]!;
    let e = cache.get(mean);
    if (e === undefined) {
      const col = this.cols[m]!;
      const q = POOL.getF(col.length);
      for (let r = 0; r < col.length; r++) {
        const d = col[r]! - mean;
        q[r] = d * d;
      }
      const s = POOL.getF(col.length + 1);
      prefixSums(q, s);
      if (cache.size >= MAX_MEAN_FOLDS) this.dropSquares(m);
      e = { q, s };
      cache.set(mean, e);
    }
    return e;
  }

  private dropSquares(m: number): void {
    const cache = this.sq[m]!;
    for (const e of cache.values()) {
      POOL.putF(e.q);
      POOL.putF(e.s);
    }
    cache.clear();
  }

  /** The first pass's sums of the work list's candidates (rows pos, new values ky) into ms. */
  private firstSums(m: number, nc: number, pos: Int32Array, ms: Float64Array): void {
    const wk = work(0);
    const g = GROUPS.group(nc, wk.kx, wk.ky, null);
    if (g < 0) {
      for (let t = 0; t < nc; t++) ms[wk.cand[t]!] = this.firstFold(m).replaced(pos[wk.cand[t]!]!, wk.ky[t]!);
      return;
    }
    const a = this.cols[m]!;
    const s = this.prefix(m);
    const ord = GROUPS.order;
    for (let q = 0; q < g; q++) {
      const i0 = GROUPS.start[q]!;
      const i1 = GROUPS.start[q + 1]!;
      const y = wk.ky[ord[i0]!]!;
      for (let i = i0; i < i1; i++) wk.gpos[i] = pos[wk.cand[ord[i]!]!]!;
      if (chainSums(a, s, wk.gpos, i0, i1, y, wk.res, wk.link, CHAIN_BUDGET * a.length + CHAIN_CAP * (i1 - i0), CHAIN_CAP) > 0) {
        for (let i = i0; i < i1; i++) if (wk.link[i] === OPEN) wk.res[i] = this.firstFold(m).replaced(wk.gpos[i]!, y);
      }
      resolveLinks(i0, i1, wk.res, wk.link);
      for (let i = i0; i < i1; i++) ms[wk.cand[ord[i]!]!] = wk.res[i]!;
    }
  }

  /** The standard deviations of the work list's candidates from their first-pass sums. */
  private secondValues(m: number, nc: number, pos: Int32Array, ms: Float64Array, mv: Float64Array): void {
    const wk = work(0);
    const len = this.nOn;
    for (let t = 0; t < nc; t++) wk.kz[t] = ms[wk.cand[t]!]! / len;
    const g = GROUPS.group(nc, wk.kx, wk.ky, wk.kz);
    if (g < 0) {
      for (let t = 0; t < nc; t++) {
        const mean = wk.kz[t]!;
        const d = wk.ky[t]! - mean;
        mv[wk.cand[t]!] = Math.sqrt(this.secondFold(m, mean).replaced(pos[wk.cand[t]!]!, d * d) / len);
      }
      return;
    }
    const ord = GROUPS.order;
    for (let q = 0; q < g; q++) {
      const i0 = GROUPS.start[q]!;
      const i1 = GROUPS.start[q + 1]!;
      const mean = wk.kz[ord[i0]!]!;
      const d = wk.ky[ord[i0]!]! - mean;
      const y = d * d;
      const sq = this.squares(m, mean);
      for (let i = i0; i < i1; i++) wk.gpos[i] = pos[wk.cand[ord[i]!]!]!;
      if (chainSums(sq.q, sq.s, wk.gpos, i0, i1, y, wk.res, wk.link, CHAIN_BUDGET * len + CHAIN_CAP * (i1 - i0), CHAIN_CAP) > 0) {
        for (let i = i0; i < i1; i++) if (wk.link[i] === OPEN) wk.res[i] = this.secondFold(m, mean).replaced(wk.gpos[i]!, y);
      }
      resolveLinks(i0, i1, wk.res, wk.link);
      for (let i = i0; i < i1; i++) mv[wk.cand[ord[i]!]!] = Math.sqrt(wk.res[i]! / len);
    }
  }

  /** compCVPatched(nl, [[i, node]]), the same double. */
  score(i: number, node: Node): number {
    if (!this.applies(i, node)) return compCVPatched(this.nl, [[i, node]]);
    // a scorer asked for few single scores walks the columns (building the Folds costs
    // about 20 walks)
    if (this.walks < SCORE_WALKS) {
      this.walks++;
      ONE_IDX[0] = i;
      ONE_NODE[0] = node;
      this.scoreMany(ONE_K, ONE_IDX, ONE_NODE, ONE_OUT);
      return ONE_OUT[0]!;
    }
    const comps = components(node);
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
