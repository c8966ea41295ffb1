// Exact cluster scores of many single-node candidates over one node container
// (an allocation's candidates: each changes one online node), the same doubles as
// compCVPatched without its O(nodes) pass per candidate (the folds: exact-fold.ts).
import type { Container } from "./container.js";
import { nodeRows } from "./exact-scorer.js";
import { Fold, POOL } from "./exact-fold.js";
import { METRICS, NMETRICS, compCVPatched, components } from "./metrics.js";
import type { Node } from "./node.js";

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
