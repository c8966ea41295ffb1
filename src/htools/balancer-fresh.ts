// A fresh start's scans bounded per class (Balancer.step): when the balancer starts
// afresh, every instance is scanned onto every online node (≈ 4,000 bounds each at
// 1,000 nodes, 4–13 s per fresh start). Every member of a class (same shape and move
// kinds) has its candidates onto a target bounded below by the class's part for that
// target plus its own part (class-bounds.ts), so a member is bounded one by one only
// onto the targets whose class part is among the least few of the kind or could reach
// the best score; the others go into the accumulator's `rest` as the least class
// bound among them. Pure over its inputs (no I/O).
import type { Container } from "./container.js";
import type { Node } from "./node.js";
import type { ScoreBase } from "./score-bound.js";
import { type BoundAcc, accTotal, newBoundAcc } from "./bound-acc.js";
import { unionRanges } from "./class-bounds.js";
import { FAST_KIND_NAMES, type MoveContribs } from "./move-contribs.js";
import type { Ndx } from "./types.js";
import { KIND_ID } from "./balancer-scan.js";
import type { CachedInst, LazyEntries } from "./balancer-lazy.js";

/**
 * Targets of each kind bounded one by one at least (Balancer's default freshCut): the
 * accumulators keep the 6 best (bound-acc.ts TOPS), and a `rest` from the next exact
 * bounds stays as tight as a full scan's while the class parts rank the targets as the
 * exact bounds do.
 */
export const FRESH_CUT = 8;

/** BoundAcc index (KIND_ID) of each fast kind. */
const KID: readonly number[] = FAST_KIND_NAMES.map((k) => KIND_ID[k]);

/** One class's targets per fast kind, in increasing class part. */
interface ClassTargets {
  readonly order: (Int32Array | null)[];
  readonly parts: (Float64Array | null)[];
  /** The ranges and absolute terms of every candidate onto any target (classConst). */
  readonly ranges: (BoundAcc | null)[];
  readonly abs: number[];
}

export class FreshScan {
  private readonly byClass = new Map<number, ClassTargets>();
  /** By instance index: the class joined before the scan (-1: scanned in full). */
  private readonly clsOf = new Map<number, number>();
  /** Per fast kind, the least class bound onto a target left out (plan → finish). */
  private readonly next = new Float64Array(4);
  private kindsAt: Uint8Array;

  constructor(
    private readonly le: LazyEntries, private readonly mc: MoveContribs, private readonly base: ScoreBase,
    private readonly nl: Container<Node>, private readonly nodeIdx: readonly Ndx[], private readonly cut = FRESH_CUT,
  ) {
    this.kindsAt = new Uint8Array(nl.length);
  }

  /** Joins an entry's class before any scan (every entry first: the class envelopes are then final). */
  join(c: CachedInst, useSecondary: boolean): void {
    this.clsOf.set(c.idx, this.le.joinEarly(c, this.base, useSecondary));
  }

  /**
   * The targets to bound entry `c` onto one by one (increasing node index), marked by
   * kind in the returned kinds array (scanInstance's kindsAt), or null: scan it onto every
   * target. `bar`: the best score so far (a candidate that could reach it is bounded).
   */
  plan(c: CachedInst, bar: number): { targets: Ndx[]; kindsAt: Uint8Array } | null {
    const cls = this.clsOf.get(c.idx);
    if (cls === undefined || cls < 0) return null;
    const ct = this.classTargets(cls);
    const lin = this.le.slots.lin;
    const kindsAt = this.kindsAt;
    const targets: Ndx[] = [];
    for (let k = 0; k < 4; k++) {
      this.next[k] = Infinity;
      const order = ct.order[k];
      const parts = ct.parts[k];
      if ((c.mask & (1 << k)) === 0 || order === null || order === undefined || parts === null || parts === undefined) continue;
      const own = lin[4 * c.idx + k]!;
      const n = order.length;
      // the class part of the cut-th target, or what could reach the bar
      const cut = Math.max(n > this.cut ? parts[this.cut - 1]! : Infinity, bar - own);
      const bit = 1 << KID[k]!;
      let j = 0;
      for (; j < n && !(parts[j]! > cut); j++) {
        const x = order[j]!;
        if (kindsAt[x] === 0) targets.push(x);
        kindsAt[x] = kindsAt[x]! | bit;
      }
      if (j < n) this.next[k] = parts[j]! + own;
    }
    targets.sort((a, b) => a - b);
    return { targets, kindsAt };
  }

  /**
   * After the scan of `plan`'s targets: each kind's accumulator also bounds the targets
   * left out (its `rest`, with their ranges and absolute terms); the kinds array cleared.
   */
  finish(c: CachedInst, targets: readonly Ndx[]): void {
    for (const x of targets) this.kindsAt[x] = 0;
    const ct = this.byClass.get(this.clsOf.get(c.idx)!)!;
    for (let k = 0; k < 4; k++) {
      const b = this.next[k]!;
      const r = ct.ranges[k];
      if (b === Infinity || r === null || r === undefined) continue;
      const acc = (c.accs[KID[k]!] ??= newBoundAcc());
      if (b < acc.rest) acc.rest = b;
      unionRanges(acc, r);
      if (ct.abs[k]! > acc.abs) acc.abs = ct.abs[k]!;
      accTotal(acc);
    }
  }

  private classTargets(cls: number): ClassTargets {
    const known = this.byClass.get(cls);
    if (known !== undefined) return known;
    const n = this.nodeIdx.length;
    const ct: ClassTargets = { order: [null, null, null, null], parts: [null, null, null, null], ranges: [], abs: [0, 0, 0, 0] };
    for (let k = 0; k < 4; k++) {
      const vals = new Float64Array(n);
      const ranges = newBoundAcc();
      const absOut = { abs: 0 };
      this.le.lazy.targetConsts(cls, k, this.mc, this.base, this.nl, this.nodeIdx, vals, ranges, absOut);
      // a part that is not a number bounds nothing: such a target is always bounded
      for (let j = 0; j < n; j++) if (!(vals[j]! === vals[j]!)) vals[j] = -Infinity;
      const idx = Int32Array.from({ length: n }, (_, j) => j);
      idx.sort((a, b) => {
        const x = vals[a]!;
        const y = vals[b]!;
        return x < y ? -1 : x > y ? 1 : a - b;
      });
      const order = new Int32Array(n);
      const parts = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        order[j] = this.nodeIdx[idx[j]!]!;
        parts[j] = vals[idx[j]!]!;
      }
      ct.order[k] = order;
      ct.parts[k] = parts;
      ct.ranges[k] = ranges;
      ct.abs[k] = absOut.abs;
    }
    this.byClass.set(cls, ct);
    return ct;
  }
}
