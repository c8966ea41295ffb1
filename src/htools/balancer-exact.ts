// Exact cluster scores of one balancing step's candidates (the same doubles as
// Ganeti's compCV): like ExactScorer, but a metric is summed again only where the
// candidate changes its column, and only from the first changed row on.
import type { Container } from "./container.js";
import { METRICS, NMETRICS, compCVPatched, components, nodeComponents } from "./metrics.js";
import type { Node } from "./node.js";
import { nodeRows } from "./exact-scorer.js";

type Patches = readonly (readonly [number, Node])[];

/** What the balancer needs of an exact scorer. */
export interface CandidateScorer {
  score(patches: Patches): number;
  /** score() of each of up to LANES patch sets, into `out`. */
  scoreMany(list: readonly Patches[], out: Float64Array): void;
}

const MAX_PATCHES = 4;
/** Candidates scored side by side (independent sums overlap in the processor). */
export const LANES = 4;

/**
 * compCVPatched for one node container and many patch sets of a few nodes. Per metric,
 * Ganeti's computation is a function of the metric's column alone (in node order), so:
 * a metric whose column the candidate does not change has the unpatched column's value;
 * a metric whose patched column equals an earlier metric's (the base columns equal,
 * and so the patched values) has that metric's value; otherwise the column is patched
 * in place and the metric computed as detailedCV does (same operations in the same
 * order), its sum continued from the sum of the rows before the first patched one
 * (a prefix of the same additions). Values are compared with Object.is, so a value is
 * only reused where the computation would see the very same doubles.
 */
export class StepScorer implements CandidateScorer {
  private readonly rowOf: Int32Array;
  private readonly offRow: Uint8Array;
  private readonly cols: Float64Array[];
  private readonly lens: Int32Array;
  private maps: boolean;
  private readonly nOn: number;
  /** Per metric: an earlier metric of the same rows with an identical column, or -1. */
  private readonly dup: Int32Array;
  /** Per metric: the running sums of its column (prefix[r]: rows before r), when made. */
  private readonly prefix: (Float64Array | undefined)[];
  /** Per metric: the unpatched column's value (NaN-safe flag in `known`). */
  private readonly baseVal = new Float64Array(NMETRICS);
  private readonly known = new Uint8Array(NMETRICS);
  private readonly vals = new Float64Array(NMETRICS);
  private readonly newv = new Float64Array(NMETRICS * MAX_PATCHES);
  private readonly rows = new Int32Array(MAX_PATCHES);
  private readonly scratch: number[] = new Array<number>(NMETRICS).fill(0);

  constructor(private nl: Container<Node>) {
    const { rowOf, offRow, nOn, nOff, maps } = nodeRows(nl);
    this.rowOf = rowOf;
    this.offRow = offRow;
    this.maps = maps;
    this.nOn = nOn;
    this.lens = Int32Array.from(METRICS, (m) => (m.online ? nOn : nOff));
    this.cols = METRICS.map((m) => new Float64Array(m.online ? nOn : nOff));
    for (let i = 0; i < nl.length; i++) {
      const node = nl[i];
      if (node === undefined) continue;
      const c = components(node);
      const r = rowOf[i]!;
      for (let m = 0; m < NMETRICS; m++) if (METRICS[m]!.online !== node.offline) this.cols[m]![r] = c[m]!;
    }
    this.dup = new Int32Array(NMETRICS).fill(-1);
    this.findDups();
    this.prefix = new Array<Float64Array | undefined>(NMETRICS).fill(undefined);
  }

  private findDups(): void {
    this.dup.fill(-1);
    for (let m = 0; m < NMETRICS; m++) {
      if (METRICS[m]!.agg === "map") continue;
      for (let d = 0; d < m; d++) {
        if (METRICS[d]!.agg !== METRICS[m]!.agg || METRICS[d]!.online !== METRICS[m]!.online) continue;
        if (sameColumn(this.cols[d]!, this.cols[m]!)) {
          this.dup[m] = d;
          break;
        }
      }
    }
  }

  /**
   * Makes this the scorer of `nl`, a container that differs from this one's only at the
   * nodes `changed` (the balancer's last move): their rows written into the columns,
   * the metrics they change computed anew when asked. False (nothing changed) when a
   * node left its row or exclusion-tag maps are involved: the caller makes a new one.
   * A step's scorer was ≈ 20,000 components and 20 columns made anew from every node.
   */
  advance(nl: Container<Node>, changed: readonly number[]): boolean {
    if (this.maps || nl.length !== this.nl.length) return false;
    for (const i of changed) {
      const node = nl[i];
      if (node === undefined || this.rowOf[i]! < 0 || node.offline !== (this.offRow[i] === 1)) return false;
      if (!node.offline && node.instanceMap.size > 0) return false;
    }
    this.nl = nl;
    let dirty = false;
    for (const i of changed) {
      const node = nl[i]!;
      const c = nodeComponents(node, this.scratch);
      const r = this.rowOf[i]!;
      for (let m = 0; m < NMETRICS; m++) {
        if (METRICS[m]!.online === node.offline) continue;
        const col = this.cols[m]!;
        if (Object.is(col[r], c[m])) continue;
        col[r] = c[m]!;
        this.known[m] = 0;
        this.prefix[m] = undefined;
        dirty = true;
      }
    }
    if (dirty) this.findDups();
    return true;
  }

  /** Whether the column layout applies to these patches (else compCVPatched). */
  private fits(patches: Patches): boolean {
    if (this.maps || this.nOn === 0 || patches.length > MAX_PATCHES) return false;
    for (let k = 0; k < patches.length; k++) {
      const [i, node] = patches[k]!;
      if (this.rowOf[i] === undefined || this.rowOf[i]! < 0 || node.offline !== (this.offRow[i] === 1)) return false;
      if (!node.offline && node.instanceMap.size > 0) return false;
      for (let j = 0; j < k; j++) if (patches[j]![0] === i) return false;
    }
    return true;
  }

  score(patches: Patches): number {
    if (!this.fits(patches)) return compCVPatched(this.nl, patches);
    const np = patches.length;
    const newv = this.newv;
    const rows = this.rows;
    for (let k = 0; k < np; k++) {
      const [i, node] = patches[k]!;
      rows[k] = this.rowOf[i]!;
      const y = nodeComponents(node, this.scratch);
      for (let m = 0; m < NMETRICS; m++) newv[k * NMETRICS + m] = y[m]!;
    }
    const vals = this.vals;
    let total = 0;
    for (let m = 0; m < NMETRICS; m++) {
      const metric = METRICS[m]!;
      let value: number;
      if (metric.agg === "map") {
        value = 0;
      } else {
        const col = this.cols[m]!;
        // the patches on this metric's rows (online or offline nodes), and the first changed row
        let first = -1;
        for (let k = 0; k < np; k++) {
          if (patches[k]![1].offline === metric.online) continue;
          if (Object.is(newv[k * NMETRICS + m], col[rows[k]!])) continue;
          if (first < 0 || rows[k]! < first) first = rows[k]!;
        }
        const d = this.dup[m]!;
        if (first < 0) value = this.base(m);
        else if (d >= 0 && this.sameNew(patches, m, d)) value = vals[d]!;
        else value = this.patched(m, patches, first);
      }
      vals[m] = value;
      total += metric.weight * value;
    }
    return total;
  }

  // scoreMany's state: per lane its patches' rows and values, each metric's value, and
  // the patched columns
  private readonly lRows = new Int32Array(LANES * MAX_PATCHES);
  private readonly lNew = new Float64Array(LANES * MAX_PATCHES * NMETRICS);
  private readonly lVals = new Float64Array(LANES * NMETRICS);
  private readonly lFirst = new Int32Array(LANES);
  private lBufs: Float64Array[] = [];

  /**
   * score() of each patch set in `list` (at most LANES), into `out`: the metrics that
   * must be summed again are summed for up to LANES candidates in one pass, each in its
   * own running sum with detailedCV's additions in detailedCV's order (the same doubles
   * as score(); the sums being independent, the processor overlaps them).
   */
  scoreMany(list: readonly Patches[], out: Float64Array): void {
    const n = list.length;
    if (n > LANES) throw new RangeError("htools: too many candidates at once");
    const lanes: number[] = [];
    for (let l = 0; l < n; l++) {
      const patches = list[l]!;
      if (!this.fits(patches)) {
        out[l] = compCVPatched(this.nl, patches);
        continue;
      }
      lanes.push(l);
      for (let k = 0; k < patches.length; k++) {
        const [i, node] = patches[k]!;
        this.lRows[l * MAX_PATCHES + k] = this.rowOf[i]!;
        const y = nodeComponents(node, this.scratch);
        const o = (l * MAX_PATCHES + k) * NMETRICS;
        for (let m = 0; m < NMETRICS; m++) this.lNew[o + m] = y[m]!;
      }
    }
    if (lanes.length === 0) return;
    const vals = this.lVals;
    const todo: number[] = [];
    for (let m = 0; m < NMETRICS; m++) {
      const metric = METRICS[m]!;
      if (metric.agg === "map") {
        for (const l of lanes) vals[l * NMETRICS + m] = 0;
        continue;
      }
      const col = this.cols[m]!;
      todo.length = 0;
      for (const l of lanes) {
        const patches = list[l]!;
        let first = -1;
        let same = true;
        const d = this.dup[m]!;
        for (let k = 0; k < patches.length; k++) {
          if (patches[k]![1].offline === metric.online) continue;
          const o = (l * MAX_PATCHES + k) * NMETRICS;
          const r = this.lRows[l * MAX_PATCHES + k]!;
          if (d >= 0 && !Object.is(this.lNew[o + m], this.lNew[o + d])) same = false;
          if (Object.is(this.lNew[o + m], col[r])) continue;
          if (first < 0 || r < first) first = r;
        }
        if (first < 0) vals[l * NMETRICS + m] = this.base(m);
        else if (d >= 0 && same) vals[l * NMETRICS + m] = vals[l * NMETRICS + d]!;
        else {
          this.lFirst[l] = first;
          todo.push(l);
        }
      }
      for (let j = 0; j < todo.length; j += LANES) this.laneMetric(m, list, todo, j, Math.min(LANES, todo.length - j));
    }
    for (const l of lanes) {
      let total = 0;
      for (let m = 0; m < NMETRICS; m++) total += METRICS[m]!.weight * vals[l * NMETRICS + m]!;
      out[l] = total;
    }
  }

  /** Metric m for lanes todo[j..j+cnt) (cnt <= LANES), each over its own patched copy. */
  private laneMetric(m: number, list: readonly Patches[], todo: readonly number[], j: number, cnt: number): void {
    const col = this.cols[m]!;
    const len = this.lens[m]!;
    const online = METRICS[m]!.online;
    while (this.lBufs.length < LANES) this.lBufs.push(new Float64Array(0));
    let from = len;
    for (let q = 0; q < cnt; q++) {
      const l = todo[j + q]!;
      let b = this.lBufs[q]!;
      if (b.length !== col.length) b = this.lBufs[q] = new Float64Array(col.length);
      b.set(col);
      const patches = list[l]!;
      for (let k = 0; k < patches.length; k++) {
        if (patches[k]![1].offline === online) continue;
        b[this.lRows[l * MAX_PATCHES + k]!] = this.lNew[(l * MAX_PATCHES + k) * NMETRICS + m]!;
      }
      if (this.lFirst[l]! < from) from = this.lFirst[l]!;
    }
    // unused lanes repeat lane 0 (their results are dropped)
    const b0 = this.lBufs[0]!;
    const b1 = cnt > 1 ? this.lBufs[1]! : b0;
    const b2 = cnt > 2 ? this.lBufs[2]! : b0;
    const b3 = cnt > 3 ? this.lBufs[3]! : b0;
    // the rows before `from` are every lane's unpatched ones: their running sum is shared
    const pre = (this.prefix[m] ??= prefixSums(col, len, [], this.rows, online, this.scratch));
    let s0 = pre[from]!;
    let s1 = s0;
    let s2 = s0;
    let s3 = s0;
    for (let r = from; r < len; r++) {
      s0 += b0[r]!;
      s1 += b1[r]!;
      s2 += b2[r]!;
      s3 += b3[r]!;
    }
    const sums = [s0, s1, s2, s3];
    if (METRICS[m]!.agg !== "sum") {
      const m0 = s0 / len;
      const m1 = s1 / len;
      const m2 = s2 / len;
      const m3 = s3 / len;
      let v0 = 0;
      let v1 = 0;
      let v2 = 0;
      let v3 = 0;
      for (let r = 0; r < len; r++) {
        const x0 = b0[r]! - m0;
        const x1 = b1[r]! - m1;
        const x2 = b2[r]! - m2;
        const x3 = b3[r]! - m3;
        v0 += x0 * x0;
        v1 += x1 * x1;
        v2 += x2 * x2;
        v3 += x3 * x3;
      }
      sums[0] = Math.sqrt(v0 / len);
      sums[1] = Math.sqrt(v1 / len);
      sums[2] = Math.sqrt(v2 / len);
      sums[3] = Math.sqrt(v3 / len);
    }
    for (let q = 0; q < cnt; q++) this.lVals[todo[j + q]! * NMETRICS + m] = sums[q]!;
  }

  /** Whether every patch on metric m's rows gives it the same value as metric d. */
  private sameNew(patches: readonly (readonly [number, Node])[], m: number, d: number): boolean {
    const online = METRICS[m]!.online;
    for (let k = 0; k < patches.length; k++) {
      if (patches[k]![1].offline === online) continue;
      if (!Object.is(this.newv[k * NMETRICS + m], this.newv[k * NMETRICS + d])) return false;
    }
    return true;
  }

  /** Metric m of the unpatched columns. */
  private base(m: number): number {
    if (this.known[m] === 0) {
      this.baseVal[m] = this.metricFrom(m, 0, 0);
      this.known[m] = 1;
    }
    return this.baseVal[m]!;
  }

  /** Metric m with the patches written into its column (restored after). */
  private patched(m: number, patches: readonly (readonly [number, Node])[], first: number): number {
    const col = this.cols[m]!;
    const online = METRICS[m]!.online;
    const np = patches.length;
    const saved = this.scratch;
    for (let k = 0; k < np; k++) {
      if (patches[k]![1].offline === online) continue;
      const r = this.rows[k]!;
      saved[k] = col[r]!;
      col[r] = this.newv[k * NMETRICS + m]!;
    }
    const pre = (this.prefix[m] ??= prefixSums(col, this.lens[m]!, patches, this.rows, online, saved));
    const value = this.metricFrom(m, first, pre[first]!);
    for (let k = np - 1; k >= 0; k--) {
      if (patches[k]![1].offline === online) continue;
      col[this.rows[k]!] = saved[k]!;
    }
    return value;
  }

  /**
   * detailedCV's value of metric m over its column, the running sum being `s0` after
   * the rows before `from` (0 and 0: the whole computation).
   */
  private metricFrom(m: number, from: number, s0: number): number {
    const metric = METRICS[m]!;
    const col = this.cols[m]!;
    const len = this.lens[m]!;
    let s = s0;
    for (let r = from; r < len; r++) s += col[r]!;
    if (metric.agg === "sum") return s;
    const mean = s / len;
    let v = 0;
    for (let r = 0; r < len; r++) {
      const x = col[r]! - mean;
      v += x * x;
    }
    return Math.sqrt(v / len);
  }
}

/**
 * The running sums of a column as it is without the patches (the column holds them
 * now: their rows take the `saved` values): out[r] is the sum of rows 0..r-1, added in
 * order from 0, as detailedCV adds them.
 */
function prefixSums(
  col: Float64Array, len: number, patches: readonly (readonly [number, Node])[], rows: Int32Array,
  online: boolean, saved: readonly number[],
): Float64Array {
  const orig = col.slice(0, len);
  for (let k = 0; k < patches.length; k++) if (patches[k]![1].offline !== online) orig[rows[k]!] = saved[k]!;
  const out = new Float64Array(len + 1);
  let s = 0;
  for (let r = 0; r < len; r++) {
    out[r] = s;
    s += orig[r]!;
  }
  out[len] = s;
  return out;
}

function sameColumn(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let r = 0; r < a.length; r++) if (!Object.is(a[r], b[r])) return false;
  return true;
}
