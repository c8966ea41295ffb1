// What a set of candidates' lower bounds saw (BoundAcc): the best bounds by target, the
// least of the others, and per metric the ranges that carrying them across steps needs
// (score-bound.ts computes the bounds; bound-carry.ts carries them). Pure.
import { NMETRICS } from "./metrics.js";

export function widenAcc(acc: BoundAcc, m: number, lo: number, d: number): void {
  if (lo < acc.vmin[m]!) acc.vmin[m] = lo;
  if (lo > acc.vmax[m]!) acc.vmax[m] = lo;
  if (d < acc.dmin[m]!) acc.dmin[m] = d;
  if (d > acc.dmax[m]!) acc.dmax[m] = d;
}

export interface BoundAcc {
  /** min(rest, topV[0]): the smallest bound before the final margin. */
  total: number;
  abs: number;
  /** The best bounds by target (up to TOPS, increasing), and the least of all others. */
  readonly topT: Int32Array;
  readonly topV: Float64Array;
  nTop: number;
  rest: number;
  readonly vmin: number[];
  readonly vmax: number[];
  readonly dmin: number[];
  readonly dmax: number[];
}

const TOPS = 6;

export function newBoundAcc(): BoundAcc {
  return {
    total: Infinity, abs: 0, topT: new Int32Array(TOPS), topV: new Float64Array(TOPS), nTop: 0, rest: Infinity,
    vmin: vecOf(Infinity), vmax: vecOf(-Infinity), dmin: vecOf(Infinity), dmax: vecOf(-Infinity),
  };
}

/** Makes `acc` as newBoundAcc returns it (its arrays reused). */
export function resetBoundAcc(acc: BoundAcc): void {
  acc.total = Infinity;
  acc.abs = 0;
  acc.nTop = 0;
  acc.rest = Infinity;
  // one loop: Array.prototype.fill on these double arrays costs several times as much
  const { vmin, vmax, dmin, dmax } = acc;
  for (let m = 0; m < NMETRICS; m++) {
    vmin[m] = Infinity;
    vmax[m] = -Infinity;
    dmin[m] = Infinity;
    dmax[m] = -Infinity;
  }
}

// Per-metric vectors are plain double arrays: a small Float64Array has an ArrayBuffer
// of its own outside the heap, which costs far more to make and collect, and
// balancing makes thousands per step.
const ZEROS: number[] = (() => {
  const a: number[] = [];
  for (let m = 0; m < NMETRICS; m++) a.push(0.5); // doubles from the start (no Smi array)
  return a.fill(0);
})();

const INFS: number[] = ZEROS.map(() => Infinity);
const NEG_INFS: number[] = ZEROS.map(() => -Infinity);

/** A per-metric vector of `fill` (copies of a template: cheaper than filling). */
export function vecOf(fill: number): number[] {
  if (fill === 0) return ZEROS.slice();
  if (fill === Infinity) return INFS.slice();
  if (fill === -Infinity) return NEG_INFS.slice();
  return ZEROS.slice().fill(fill);
}

/** Sets `total` from the tops and the rest (after they changed). */
export function accTotal(acc: BoundAcc): void {
  acc.total = acc.nTop > 0 ? Math.min(acc.rest, acc.topV[0]!) : acc.rest;
}

/** Records one candidate's bound (one candidate per target and accumulator). */
export function accInsert(acc: BoundAcc, target: number, v: number): void {
  const { topT, topV } = acc;
  let n = acc.nTop;
  if (n === TOPS) {
    if (!(v < topV[n - 1]!)) {
      if (v < acc.rest) acc.rest = v;
      accTotal(acc);
      return;
    }
    if (topV[n - 1]! < acc.rest) acc.rest = topV[n - 1]!;
    n--;
  }
  let i = n;
  while (i > 0 && topV[i - 1]! > v) {
    topV[i] = topV[i - 1]!;
    topT[i] = topT[i - 1]!;
    i--;
  }
  topV[i] = v;
  topT[i] = target;
  acc.nTop = n + 1;
  accTotal(acc);
}

/**
 * Forgets the recorded bounds of candidates onto `targets` (about to be bounded anew):
 * kept among the best, they would hold the instance's bound down.
 */
export function accForget(acc: BoundAcc, targets: { has(x: number): boolean }): void {
  const { topT, topV } = acc;
  let j = 0;
  for (let i = 0; i < acc.nTop; i++) {
    if (targets.has(topT[i]!)) continue;
    topT[j] = topT[i]!;
    topV[j] = topV[i]!;
    j++;
  }
  acc.nTop = j;
  accTotal(acc);
}

/** Whether the accumulator saw no candidate. */
export function boundAccEmpty(acc: BoundAcc): boolean {
  return acc.total === Infinity;
}

/** The lower bound of every candidate the accumulator covers. */
export function boundAccValue(acc: BoundAcc): number {
  // The carried shifts add a few roundings per step: a margin far above them.
  return acc.total - 1e-9 * (acc.abs + 1);
}
