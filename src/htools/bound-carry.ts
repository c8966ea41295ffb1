// Carrying candidate bounds from one balancing step to the next (the balancer keeps
// one centre, so a candidate whose nodes did not change keeps its own numbers and only
// the global sums move). Pure arithmetic; every carried bound stays a lower bound.
import { METRICS, NMETRICS } from "./metrics.js";
import { type BaseSums, type Contrib, K_STDDEV, K_SUM_OFFLINE, K_SUM_ONLINE, KIND, WEIGHT } from "./score-bound.js";
import { type BoundAcc, accTotal } from "./bound-acc.js";

const ALL_METRICS = Int32Array.from(METRICS, (_m, i) => i);

/**
 * The metrics shiftBoundAcc must look at for candidates whose source did not change (in
 * increasing order): those whose global sums differ between the two bases.
 */
export function movedMetrics(prev: BaseSums, cur: BaseSums): Int32Array {
  const out: number[] = [];
  for (let m = 0; m < NMETRICS; m++) {
    const kind = KIND[m]!;
    if (kind === K_STDDEV) {
      // the same tests as shiftBoundAcc's (NaN differences count as moved)
      if (!(cur.q0[m]! - prev.q0[m]! === 0 && cur.p0[m]! - prev.p0[m]! === 0 && cur.d0[m]! - prev.d0[m]! === 0)) out.push(m);
    } else if (kind === K_SUM_ONLINE || kind === K_SUM_OFFLINE) {
      if (!(cur.s0[m]! - prev.s0[m]! === 0 && Math.abs(cur.a0[m]! - prev.a0[m]!) === 0)) out.push(m);
    }
  }
  return Int32Array.from(out);
}

/**
 * Carries an accumulator from base `prev` to base `cur` (compatibleBases) for
 * candidates whose target node did not change. Their own contribution is the same
 * numbers, plus `src` when the nodes they take the instance from changed (the same
 * change for every candidate of one kind: the accumulator must hold one kind only).
 * A candidate's bounded variance then moves by an amount linear in its centred sum,
 * so by at most the shift at one end of its range [dmin, dmax]; each square-root term
 * by at least the least change of sqrt(max(0, v)) over the variance range.
 */
export function shiftBoundAcc(
  acc: BoundAcc, prev: BaseSums, cur: BaseSums, src: Contrib | null, moved: Int32Array = ALL_METRICS,
): void {
  if (acc.total === Infinity || acc.total === -Infinity) return;
  let total = 0;
  let abs = acc.abs;
  const n = cur.nOn;
  const errOn = cur.errOnline;
  // without a source change, only the metrics whose global sums moved shift anything
  const list = src === null ? moved : ALL_METRICS;
  for (let j = 0; j < list.length; j++) {
    const m = list[j]!;
    const kind = KIND[m]!;
    const w = WEIGHT[m]!;
    if (kind === K_STDDEV) {
      const dlo = acc.dmin[m]!;
      const dhi = acc.dmax[m]!;
      if (dlo === Infinity) continue;
      const sdq = src === null ? 0 : src.dq[m]!;
      const sdd = src === null ? 0 : src.dd[m]!;
      const sdp = src === null ? 0 : src.dp[m]!;
      const sdqAbs = src === null ? 0 : src.dqAbs[m]!;
      const gQ = cur.q0[m]! - prev.q0[m]!;
      const gP = cur.p0[m]! - prev.p0[m]!;
      const gD = cur.d0[m]! - prev.d0[m]!;
      // nothing moved for this metric: every bound in it is the same numbers
      if (gQ === 0 && gP === 0 && gD === 0 && sdq === 0 && sdd === 0 && sdp === 0 && sdqAbs === 0) continue;
      const du = gD + sdd; // change of the candidate's centred sum
      const d0 = prev.d0[m]!;
      // at centred sum u (before): variance += (gQ + sdq - du (2u + du) / n) / n,
      // scale += gP + sdp + gQ + sdqAbs + du (2u + du) / n; lo = v - errOn scale / n
      const sq1 = (du * (2 * (d0 + dlo) + du)) / n;
      const sq2 = (du * (2 * (d0 + dhi) + du)) / n;
      const e1 = (gQ + sdq - sq1) / n - (errOn * (gP + sdp + gQ + sdqAbs + sq1)) / n;
      const e2 = (gQ + sdq - sq2) / n - (errOn * (gP + sdp + gQ + sdqAbs + sq2)) / n;
      const mag =
        (Math.abs(gQ) + Math.abs(sdq) + Math.abs(gP) + Math.abs(sdp) + Math.abs(sdqAbs) +
          (Math.abs(du) * (2 * (Math.abs(d0) + Math.abs(dlo) + Math.abs(dhi)) + Math.abs(du))) / n) / n;
      const pad = 1e-12 * mag;
      const elo = Math.min(e1, e2) - pad;
      const ehi = Math.max(e1, e2) + pad;
      const vmin = acc.vmin[m]!;
      const vmax = acc.vmax[m]!;
      let g: number;
      if (elo >= 0) {
        // sqrt(max(0, v + e)) - sqrt(max(0, v)) rises up to v = 0, then falls
        g = Math.min(sqrtPos(vmin + elo) - sqrtPos(vmin), sqrtPos(vmax + elo) - sqrtPos(vmax));
      } else {
        const v = Math.min(Math.max(-elo, vmin), vmax);
        g = sqrtPos(v + elo) - sqrtPos(v);
      }
      total += w * g;
      abs += w * (Math.abs(g) + Math.sqrt(Math.max(0, ehi)));
      acc.vmin[m] = vmin + elo;
      acc.vmax[m] = vmax + ehi;
      acc.dmin[m] = dlo + sdd - 1e-12 * (Math.abs(dlo) + Math.abs(sdd));
      acc.dmax[m] = dhi + sdd + 1e-12 * (Math.abs(dhi) + Math.abs(sdd));
    } else if (kind === K_SUM_ONLINE || kind === K_SUM_OFFLINE) {
      const err = kind === K_SUM_ONLINE ? errOn : cur.errOffline;
      const dS = cur.s0[m]! - prev.s0[m]! + (src === null ? 0 : src.ds[m]!);
      const dA = Math.abs(cur.a0[m]! - prev.a0[m]!) + (src === null ? 0 : Math.abs(src.da[m]!) + Math.abs(src.ds[m]!));
      if (dS === 0 && dA === 0) continue;
      total += w * (dS - err * dA - 1e-12 * Math.abs(dS));
      abs += w * (Math.abs(dS) + err * dA);
    }
  }
  acc.rest += total;
  for (let i = 0; i < acc.nTop; i++) acc.topV[i] = acc.topV[i]! + total;
  accTotal(acc);
  acc.abs = abs;
}

function sqrtPos(x: number): number {
  return x > 0 ? Math.sqrt(x) : 0;
}
