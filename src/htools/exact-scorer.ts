// Exact cluster scores of many candidate moves over one node container, column by
// column (the same doubles as Ganeti's compCV, far fewer allocations).
import type { Container } from "./container.js";
import { METRICS, NMETRICS, compCVPatched, components, nodeComponents } from "./metrics.js";
import type { Node } from "./node.js";

/** Where each node's components go in a column layout: online and offline rows in node order. */
export interface NodeRows {
  /** Row of node i among the online or the offline nodes (-1: no node i). */
  readonly rowOf: Int32Array;
  /** 1 where node i is offline. */
  readonly offRow: Uint8Array;
  readonly nOn: number;
  readonly nOff: number;
  /** Whether some online node has an exclusion-tag map. */
  readonly maps: boolean;
}

export function nodeRows(nl: Container<Node>): NodeRows {
  const n = nl.length;
  const rowOf = new Int32Array(n).fill(-1);
  const offRow = new Uint8Array(n);
  let nOn = 0;
  let nOff = 0;
  let maps = false;
  for (let i = 0; i < n; i++) {
    const node = nl[i];
    if (node === undefined) continue;
    if (node.offline) {
      offRow[i] = 1;
      rowOf[i] = nOff++;
    } else {
      rowOf[i] = nOn++;
      if (node.instanceMap.size > 0) maps = true;
    }
  }
  return { rowOf, offRow, nOn, nOff, maps };
}

/**
 * compCVPatched for one node container and many patch sets: the components of the
 * online and offline nodes are kept metric by metric, in node order; a candidate's
 * nodes are written in place, every metric is recomputed as detailedCV does (same
 * values, same order of operations, so the same doubles), and the rows are restored.
 * Falls back to compCVPatched where that layout does not apply (exclusion-tag maps,
 * a patch changing a node's offline state or naming an absent node).
 */
export class ExactScorer {
  private readonly rowOf: Int32Array;
  private readonly offRow: Uint8Array;
  private readonly on: Float64Array[];
  private readonly off: Float64Array[];
  private readonly nOn: number;
  private readonly nOff: number;
  private readonly maps: boolean;
  private readonly scratch: number[] = new Array<number>(NMETRICS).fill(0);
  private readonly saved = new Float64Array(NMETRICS * 4);

  constructor(private readonly nl: Container<Node>) {
    const n = nl.length;
    const { rowOf, offRow, nOn, nOff, maps } = nodeRows(nl);
    this.rowOf = rowOf;
    this.offRow = offRow;
    this.nOn = nOn;
    this.nOff = nOff;
    this.maps = maps;
    this.on = METRICS.map(() => new Float64Array(nOn));
    this.off = METRICS.map(() => new Float64Array(nOff));
    for (let i = 0; i < n; i++) {
      const node = nl[i];
      if (node === undefined) continue;
      const c = components(node);
      const cols = node.offline ? this.off : this.on;
      const r = this.rowOf[i]!;
      for (let m = 0; m < NMETRICS; m++) cols[m]![r] = c[m]!;
    }
  }

  score(patches: readonly (readonly [number, Node])[]): number {
    if (this.maps || this.nOn === 0 || patches.length > 4) return compCVPatched(this.nl, patches);
    for (let k = 0; k < patches.length; k++) {
      const [i, node] = patches[k]!;
      if (this.rowOf[i] === undefined || this.rowOf[i]! < 0 || node.offline !== (this.offRow[i] === 1)) {
        return compCVPatched(this.nl, patches);
      }
      if (!node.offline && node.instanceMap.size > 0) return compCVPatched(this.nl, patches);
      for (let j = 0; j < k; j++) if (patches[j]![0] === i) return compCVPatched(this.nl, patches);
    }
    // write the patched rows (later patches of one index win, as in compCVPatched)
    const saved = this.saved;
    for (let k = 0; k < patches.length; k++) {
      const [i, node] = patches[k]!;
      const cols = node.offline ? this.off : this.on;
      const r = this.rowOf[i]!;
      const y = nodeComponents(node, this.scratch);
      for (let m = 0; m < NMETRICS; m++) {
        saved[k * NMETRICS + m] = cols[m]![r]!;
        cols[m]![r] = y[m]!;
      }
    }
    let total = 0;
    for (let m = 0; m < NMETRICS; m++) {
      const metric = METRICS[m]!;
      let value: number;
      if (metric.agg === "map") {
        value = 0;
      } else {
        const col = metric.online ? this.on[m]! : this.off[m]!;
        const len = metric.online ? this.nOn : this.nOff;
        let s = 0;
        for (let r = 0; r < len; r++) s += col[r]!;
        if (metric.agg === "sum") {
          value = s;
        } else {
          const mean = s / len;
          let v = 0;
          for (let r = 0; r < len; r++) {
            const d = col[r]! - mean;
            v += d * d;
          }
          value = Math.sqrt(v / len);
        }
      }
      total += metric.weight * value;
    }
    for (let k = patches.length - 1; k >= 0; k--) {
      const [i, node] = patches[k]!;
      const cols = node.offline ? this.off : this.on;
      const r = this.rowOf[i]!;
      for (let m = 0; m < NMETRICS; m++) cols[m]![r] = saved[k * NMETRICS + m]!;
    }
    return total;
  }
}
