// Ganeti's cluster score: a weighted sum of per-node statistics (standard
// deviations over online nodes, sums over online or offline nodes), with the
// same components, order and coefficients as Ganeti's Cluster/Metrics.hs.
import * as C from "./container.js";
import type { Container } from "./container.js";
import { printTable, fixed } from "./format.js";
import * as N from "./node.js";
import type { Node } from "./node.js";

type Agg = "stddev" | "sum" | "map";

interface Metric {
  readonly weight: number;
  readonly name: string;
  readonly agg: Agg;
  /** true: over online nodes; false: over offline nodes. */
  readonly online: boolean;
}

const RESERVED_MEM_RTOTAL_COEFF = 0.25;

export const METRICS: readonly Metric[] = [
  { weight: 0.5, name: "free_mem_cv", agg: "stddev", online: true },
  { weight: 0.5, name: "free_disk_cv", agg: "stddev", online: true },
  { weight: 1, name: "n1_cnt", agg: "sum", online: true },
  { weight: 1, name: "reserved_mem_cv", agg: "stddev", online: true },
  { weight: 4, name: "offline_all_cnt", agg: "sum", online: false },
  { weight: 16, name: "offline_pri_cnt", agg: "sum", online: false },
  { weight: 0.5, name: "vcpu_ratio_cv", agg: "stddev", online: true },
  { weight: 1, name: "cpu_load_cv", agg: "stddev", online: true },
  { weight: 1, name: "mem_load_cv", agg: "stddev", online: true },
  { weight: 1, name: "disk_load_cv", agg: "stddev", online: true },
  { weight: 1, name: "net_load_cv", agg: "stddev", online: true },
  { weight: 2, name: "pri_tags_score", agg: "sum", online: true },
  { weight: 0.5, name: "spindles_cv", agg: "stddev", online: true },
  { weight: 0.5, name: "free_mem_cv_forth", agg: "stddev", online: true },
  { weight: 0.5, name: "free_disk_cv_forth", agg: "stddev", online: true },
  { weight: 0.5, name: "vcpu_ratio_cv_forth", agg: "stddev", online: true },
  { weight: 0.5, name: "spindles_cv_forth", agg: "stddev", online: true },
  { weight: 1, name: "location_score", agg: "sum", online: true },
  { weight: 1, name: "location_exclusion_score", agg: "map", online: true },
  { weight: RESERVED_MEM_RTOTAL_COEFF, name: "reserved_mem_rtotal", agg: "sum", online: true },
];

export const NMETRICS = METRICS.length;
const MAP_INDEX = 18;

/** The per-node values of every metric (index MAP_INDEX is unused: see instanceMap). */
export function nodeComponents(n: Node, out: number[] = new Array<number>(NMETRICS)): number[] {
  const ipri = n.pList.length;
  const isec = n.sList.length;
  out[0] = n.pMem;
  out[1] = n.pDsk;
  out[2] = n.failN1 ? isec + ipri : 0;
  out[3] = n.pRem;
  out[4] = ipri + isec;
  out[5] = ipri;
  out[6] = N.pCpuEff(n);
  out[7] = n.utilLoad.cpu / n.utilPool.cpu;
  out[8] = n.utilLoad.mem / n.utilPool.mem;
  out[9] = n.utilLoad.dsk / n.utilPool.dsk;
  out[10] = n.utilLoad.net / n.utilPool.net;
  out[11] = N.conflictingPrimaries(n);
  out[12] = n.instSpindles / n.hiSpindles;
  out[13] = n.pMemForth;
  out[14] = n.pDskForth;
  out[15] = N.pCpuEffForth(n);
  out[16] = n.instSpindlesForth / n.hiSpindles;
  out[17] = n.locationScore;
  out[18] = 0;
  out[19] = n.pRem;
  return out;
}

// Nodes are immutable, so their metric components can be cached per object.
const CACHE = new WeakMap<Node, number[]>();
export function components(n: Node): number[] {
  let c = CACHE.get(n);
  if (c === undefined) {
    c = nodeComponents(n);
    CACHE.set(n, c);
  }
  return c;
}

/** The value of every metric for a list of nodes (Ganeti's compDetailedCV). */
export function detailedCV(nodes: readonly Node[]): number[] {
  const online: number[][] = [];
  const offline: number[][] = [];
  let maps: ReadonlyMap<string, number>[] | null = null;
  for (const n of nodes) {
    if (n.offline) offline.push(components(n));
    else {
      online.push(components(n));
      if (n.instanceMap.size > 0) (maps ??= []).push(n.instanceMap);
    }
  }
  // Ganeti transposes the online nodes' rows: with no online node there are no
  // metrics at all (score 0, offline counts included)
  if (online.length === 0) return [];
  const res: number[] = new Array<number>(NMETRICS);
  for (let m = 0; m < NMETRICS; m++) {
    const metric = METRICS[m]!;
    const rows = metric.online ? online : offline;
    if (metric.agg === "map") {
      if (maps === null) {
        res[m] = 0;
        continue;
      }
      const merged = new Map<string, number>();
      for (const mp of maps) for (const [k, v] of mp) merged.set(k, (merged.get(k) ?? 0) + v);
      let s = 0;
      for (const v of merged.values()) s += v;
      res[m] = s - merged.size;
    } else if (metric.agg === "sum") {
      let s = 0;
      for (let r = 0; r < rows.length; r++) s += rows[r]![m]!;
      res[m] = s;
    } else {
      let s = 0;
      for (let r = 0; r < rows.length; r++) s += rows[r]![m]!;
      const mean = s / rows.length;
      let v = 0;
      for (let r = 0; r < rows.length; r++) {
        const d = rows[r]![m]! - mean;
        v += d * d;
      }
      res[m] = Math.sqrt(v / rows.length);
    }
  }
  return res;
}

function weighted(values: readonly number[]): number {
  let s = 0;
  for (let m = 0; m < values.length; m++) s += METRICS[m]!.weight * values[m]!;
  return s;
}

/** Ganeti's compCVNodes. */
export function compCVNodes(nodes: readonly Node[]): number {
  return weighted(detailedCV(nodes));
}

/** Ganeti's compCV: the score of a node container. */
export function compCV(nl: Container<Node>): number {
  return compCVNodes(C.elems(nl));
}

/** Score of `nl` with some nodes replaced, without building the new container. */
export function compCVPatched(nl: Container<Node>, patches: readonly (readonly [number, Node])[]): number {
  const nodes: Node[] = [];
  for (let i = 0; i < nl.length; i++) {
    let n = nl[i];
    for (let k = 0; k < patches.length; k++) if (patches[k]![0] === i) n = patches[k]![1];
    if (n !== undefined) nodes.push(n);
  }
  return compCVNodes(nodes);
}

/** The lowest score reachable given the N+1 memory reservations (Ganeti's optimalCVScore). */
export function optimalCVScore(nl: Container<Node>): number {
  const nodes = C.elems(nl);
  if (nodes.length <= 1) return 0;
  let totalMem = 0;
  let maxMem = -Infinity;
  let drbd = 0;
  for (const n of nodes) {
    totalMem += n.tMem;
    maxMem = Math.max(maxMem, n.tMem);
    drbd += N.peerMap.sum(n.peers);
  }
  const lessOne = totalMem - maxMem;
  if (!(lessOne > 0)) return 0;
  return RESERVED_MEM_RTOTAL_COEFF * (drbd / lessOne - drbd / totalMem);
}

/** The table of metrics (Ganeti's printStats). */
export function printStats(prefix: string, nl: Container<Node>): string {
  const values = detailedCV(C.elems(nl));
  const rows = METRICS.slice(0, values.length).map((m, i) => [m.name, fixed(values[i]!, 8), `x${fixed(m.weight, 2)}`]);
  return printTable(prefix, ["Field", "Value", "Weight"], rows, [false, true, true]);
}
