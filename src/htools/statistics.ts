// Ganeti's incremental cluster statistics (Utils/Statistics.hs and the
// compClusterStatistics / updateClusterStatistics / compCVfromStats of
// Cluster/Metrics.hs), used to score allocations on node pairs. The arithmetic is
// Ganeti's, operation for operation, so scores are the same doubles.
import { METRICS, nodeComponents } from "./metrics.js";
import type { Node } from "./node.js";

const NM = METRICS.length;
const KIND_SUM = 0;
const KIND_STD = 1;
const KIND_MAP = 2;
const KIND = Int8Array.from(METRICS, (m) => (m.agg === "sum" ? KIND_SUM : m.agg === "stddev" ? KIND_STD : KIND_MAP));
const ONLINE = METRICS.map((m) => m.online);
const WEIGHTS = Float64Array.from(METRICS, (m) => m.weight);

/** One statistics vector: sums (sum metrics), count/sum/variance (std-dev metrics), a
 * tag map for the exclusion metric. Immutable once built. */
export interface ClusterStats {
  readonly n: Float64Array;
  readonly s: Float64Array;
  readonly v: Float64Array;
  /** The merged (location, exclusion tag) map; zero entries are kept, as in Ganeti. */
  readonly map: ReadonlyMap<string, number>;
  /** No online node: Ganeti then has no metrics at all (score 0). */
  readonly empty: boolean;
}

/** Ganeti's compClusterStatistics over a list of nodes (online and offline). */
export function clusterStatistics(nodes: readonly Node[]): ClusterStats {
  const n = new Float64Array(NM);
  const s = new Float64Array(NM);
  const v = new Float64Array(NM);
  const map = new Map<string, number>();
  const onl: number[][] = [];
  const off: number[][] = [];
  for (const x of nodes) {
    const c = nodeComponents(x);
    if (x.offline) off.push(c);
    else {
      onl.push(c);
      for (const [k, val] of x.instanceMap) map.set(k, (map.get(k) ?? 0) + val);
    }
  }
  for (let m = 0; m < NM; m++) {
    const rows = ONLINE[m] ? onl : off;
    if (KIND[m] === KIND_SUM) {
      let sum = 0;
      for (const r of rows) sum += r[m]!;
      s[m] = sum;
    } else if (KIND[m] === KIND_STD) {
      let nt = 0;
      let st = 0;
      for (const r of rows) {
        nt += 1;
        st += r[m]!;
      }
      const mean = st / nt;
      let nvar = 0;
      for (const r of rows) {
        const d = r[m]! - mean;
        nvar += d * d;
      }
      n[m] = nt;
      s[m] = st;
      v[m] = nvar / nt;
    }
  }
  return { n, s, v, map, empty: onl.length === 0 };
}

const scratchOld: number[] = new Array<number>(NM).fill(0);
const scratchNew: number[] = new Array<number>(NM).fill(0);

/** A standard-deviation metric's sum and variance after one node's component went from
 * `x` to `y` (Ganeti's incremental update; the same operations wherever it is done). */
export function stdUpdate(n: Float64Array, s: Float64Array, v: Float64Array, m: number, x: number, y: number): void {
  const nn = n[m]!;
  const ss = s[m]!;
  const ds = y - x;
  const dss = y * y - x * x;
  const dnnvar = nn * dss - 2 * ss * ds - ds * ds;
  s[m] = ss + ds;
  v[m] = Math.max(0, v[m]! + dnnvar / (nn * nn));
}

function applyUpdate(n: Float64Array, s: Float64Array, v: Float64Array, map: Map<string, number> | null, old: Node, neu: Node): void {
  const x = nodeComponents(old, scratchOld);
  const y = nodeComponents(neu, scratchNew);
  const online = !old.offline;
  for (let m = 0; m < NM; m++) {
    if (ONLINE[m] !== online) continue;
    const k = KIND[m];
    if (k === KIND_SUM) {
      s[m] = s[m]! + (y[m]! - x[m]!);
    } else if (k === KIND_STD) {
      stdUpdate(n, s, v, m, x[m]!, y[m]!);
    } else if (map !== null) {
      for (const [key, val] of old.instanceMap) map.set(key, (map.get(key) ?? 0) - val);
      for (const [key, val] of neu.instanceMap) map.set(key, (map.get(key) ?? 0) + val);
    }
  }
}

function needsMap(a: Node, b: Node): boolean {
  return !a.offline && (a.instanceMap.size > 0 || b.instanceMap.size > 0);
}

/** Ganeti's updateClusterStatistics applied for each (old, new) node pair in turn. */
export function updateStatistics(st: ClusterStats, changes: readonly (readonly [Node, Node])[]): ClusterStats {
  const n = st.n;
  const s = Float64Array.from(st.s);
  const v = Float64Array.from(st.v);
  let map: Map<string, number> | null = null;
  for (const [a, b] of changes) if (needsMap(a, b)) map ??= new Map(st.map);
  for (const [a, b] of changes) applyUpdate(n, s, v, needsMap(a, b) ? map : null, a, b);
  return { n, s, v, map: map ?? st.map, empty: st.empty };
}

function mapValue(m: ReadonlyMap<string, number>): number {
  let sum = 0;
  for (const x of m.values()) sum += x;
  return sum - m.size;
}

/** Ganeti's compCVfromStats. */
export function scoreFromStats(st: ClusterStats): number {
  if (st.empty) return 0;
  let total = 0;
  for (let m = 0; m < NM; m++) {
    const k = KIND[m];
    const val = k === KIND_SUM ? st.s[m]! : k === KIND_STD ? Math.sqrt(st.v[m]!) : mapValue(st.map);
    total += WEIGHTS[m]! * val;
  }
  return total;
}

// Reused buffers for the hot path (one pair update, score only).
const bufS = new Float64Array(NM);
const bufV = new Float64Array(NM);

/** The score after two node updates, without building a new statistics value
 * (same arithmetic as updateStatistics + scoreFromStats). */
export function scoreAfterTwo(st: ClusterStats, a0: Node, a1: Node, b0: Node, b1: Node): number {
  if (st.empty) return 0;
  bufS.set(st.s);
  bufV.set(st.v);
  let map: Map<string, number> | null = null;
  if (needsMap(a0, a1) || needsMap(b0, b1)) map = new Map(st.map);
  applyUpdate(st.n, bufS, bufV, needsMap(a0, a1) ? map : null, a0, a1);
  applyUpdate(st.n, bufS, bufV, needsMap(b0, b1) ? map : null, b0, b1);
  let total = 0;
  const mp = map ?? st.map;
  for (let m = 0; m < NM; m++) {
    const k = KIND[m];
    const val = k === KIND_SUM ? bufS[m]! : k === KIND_STD ? Math.sqrt(bufV[m]!) : mapValue(mp);
    total += WEIGHTS[m]! * val;
  }
  return total;
}
