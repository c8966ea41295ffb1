// Exact cluster scores of one balancing step's candidates (the same doubles as
// Ganeti's compCV): like ExactScorer, but a metric is summed again only where the
// candidate changes its column, and only from the first changed row on.
import type { Container } from "./container.js";
import { METRICS, NMETRICS, compCVPatched, components, nodeComponents } from "./metrics.js";
import type { Node } from "./node.js";
import { nodeRows } from "./exact-scorer.js";

/** What the balancer needs of an exact scorer. */
export interface CandidateScorer {
  score(patches: readonly (readonly [number, Node])[]): number;
}

const MAX_PATCHES = 4;

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
  private readonly maps: boolean;
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

  constructor(private readonly nl: Container<Node>) {
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
    this.prefix = new Array<Float64Array | undefined>(NMETRICS).fill(undefined);
  }

  score(patches: readonly (readonly [number, Node])[]): number {
    if (this.maps || this.nOn === 0 || patches.length > MAX_PATCHES) return compCVPatched(this.nl, patches);
    const np = patches.length;
    for (let k = 0; k < np; k++) {
      const [i, node] = patches[k]!;
      if (this.rowOf[i] === undefined || this.rowOf[i]! < 0 || node.offline !== (this.offRow[i] === 1)) {
        return compCVPatched(this.nl, patches);
      }
      if (!node.offline && node.instanceMap.size > 0) return compCVPatched(this.nl, patches);
      for (let j = 0; j < k; j++) if (patches[j]![0] === i) return compCVPatched(this.nl, patches);
    }
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
