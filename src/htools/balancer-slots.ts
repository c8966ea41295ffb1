// The balancer's per-instance lazy state (balancer.ts Balancer).

/** Earlier epochs whose class parts an entry keeps apart (LazySlots.pnO). */
export const NOLD = 3;

/**
 * The lazy state of the cached entries, by instance index, in flat arrays: the step
 * loop reads it for every instance, and typed arrays keep that loop out of the heap.
 * `at`: for lazy entries (>= 0) the step whose base the entry's bounds are at (they
 * are not carried every step); -1: carried every step. For lazy entries: `kn`, the
 * least bound of the entry's accumulators minus the offset then (LazyState), `keyT`
 * the target that gives it (-1: none in particular); `pn` the least class or own
 * bound, minus the offset then, of the candidates onto nodes changed since; `cls` the
 * instance's class; `lin` (4 per entry) per kind the entry's part of its class bounds.
 */
export class LazySlots {
  at: Int32Array;
  kn: Float64Array;
  keyT: Int32Array;
  pn: Float64Array;
  cls: Int32Array;
  lin: Float64Array;
  /** The step an instance was last seen (Balancer.step's cleanup). */
  seen: Int32Array;
  /** The primary and secondary of the instance an entry was scanned for. */
  pNode: Int32Array;
  sNode: Int32Array;
  /**
   * Lazy entries: the candidates onto nodes changed after step `since` (<= at) and
   * not bounded in the accumulators since are covered by `pn` only; `pnK` (4 per
   * entry) per kind the least class part of those steps minus the offset then, so that
   * a new source side inside the class's envelopes is covered by pnK + its own part
   * (carrying over a change of the instance's nodes without bounding those targets).
   */
  since: Int32Array;
  pnK: Float64Array;
  /** The step an entry's class bounds were last taken anew (Balancer.reclass). */
  rc: Int32Array;
  /**
   * The step pnK was last started from (settle: empty; reclass: class parts of that
   * step): it holds class parts of the current epoch only if that is not before it.
   */
  pkT: Int32Array;
  /**
   * Class parts (as pnK, 4 per slot, NOLD slots per entry) of earlier epochs: when an
   * epoch ends, pnK's parts (that epoch's slopes) move to a free slot and pnK starts
   * again, so that a change of the instance's nodes is still covered (their own parts
   * with each epoch's slopes). `poT` (per slot): the pkT they were started from (-1:
   * free); `poBad`: more epochs than slots (the slots are unusable).
   */
  pnO: Float64Array;
  poT: Int32Array;
  poBad: Uint8Array;
  constructor(n: number) {
    this.at = new Int32Array(n).fill(-1);
    this.kn = new Float64Array(n).fill(Infinity);
    this.keyT = new Int32Array(n).fill(-1);
    this.pn = new Float64Array(n).fill(Infinity);
    this.cls = new Int32Array(n).fill(-1);
    this.lin = new Float64Array(4 * n);
    this.seen = new Int32Array(n).fill(-1);
    this.pNode = new Int32Array(n);
    this.sNode = new Int32Array(n);
    this.since = new Int32Array(n).fill(-1);
    this.pnK = new Float64Array(4 * n).fill(Infinity);
    this.rc = new Int32Array(n).fill(-1);
    this.pkT = new Int32Array(n).fill(-1);
    this.pnO = new Float64Array(4 * NOLD * n).fill(Infinity);
    this.poT = new Int32Array(NOLD * n).fill(-1);
    this.poBad = new Uint8Array(n);
  }

  /** A copy with room for instance indices below n. */
  grown(n: number): LazySlots {
    const S = new LazySlots(n);
    S.at.set(this.at);
    S.kn.set(this.kn);
    S.keyT.set(this.keyT);
    S.pn.set(this.pn);
    S.cls.set(this.cls);
    S.lin.set(this.lin);
    S.seen.set(this.seen);
    S.pNode.set(this.pNode);
    S.sNode.set(this.sNode);
    S.since.set(this.since);
    S.pnK.set(this.pnK);
    S.rc.set(this.rc);
    S.pkT.set(this.pkT);
    S.pnO.set(this.pnO);
    S.poT.set(this.poT);
    S.poBad.set(this.poBad);
    return S;
  }
}
