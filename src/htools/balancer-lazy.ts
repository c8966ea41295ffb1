// The incremental balancer's lazy entries (balancer.ts Balancer): an entry's bounds
// brought up to date, kept lazy under its class's bounds over a change of its own nodes
// or of its targets, and its place in its class.
import { type ScoreBase } from "./score-bound.js";
import { boundAccEmpty, boundAccValue, accForget, accTotal } from "./bound-acc.js";
import { movedMetrics, shiftBoundAcc } from "./bound-carry.js";
import { FAST_KINDS, type MoveContribs, type SourceContribs } from "./move-contribs.js";
import { type Idx, type Ndx, NO_SECONDARY } from "./types.js";
import { type AlgorithmOptions, type Table, type MoveContext, possibleMoves } from "./cluster.js";
import { type Fast, type KindAccs, scanInstance } from "./balancer-scan.js";
import { type LazyState, type SourceRanges, offsetMargin } from "./lazy-bounds.js";
import { flatContains, memberPart } from "./class-bounds.js";
import { LazySlots, NOLD } from "./balancer-slots.js";

/** A balancer's cached entry for one instance. */
export interface CachedInst {
  /** The instance's index: its lazy state is at this index of the Balancer's arrays. */
  readonly idx: Idx;
  /** The source contributions of the context's instance (computed when first needed). */
  src?: SourceContribs;
  accs: KindAccs;
  /** The context of the last scan: the instance and its nodes as they were then. */
  ctx: MoveContext;
  /** Lazy entries: the class's kinds. */
  mask: number;
  /**
   * MoveContribs.sourceRanges of `rangesOf` (the entry's `src` when they were taken):
   * they depend only on the source sides, which stay while `src` does (a change of
   * the instance's nodes replaces it), and each epoch joins every entry again.
   */
  ranges?: SourceRanges;
  rangesOf?: SourceContribs;
}

/** What the balancer counts (Balancer.stats). */
export interface BalancerStats {
  full: number;
  partial: number;
  source: number;
  steps: number;
  refresh: number;
  byKey: number;
  byClass: number;
  classEvals: number;
  covered: number;
  moved: number;
  reclassed: number;
  classCovered: number;
  widenings: number;
  known: number;
  seeded: number;
  epochCovered: number;
  ownShifted: number;
  /** Targets bounded one by one by refreshes and by coverLazy (what ageing costs). */
  refreshTargets: number;
  /** Fresh starts the balancer chose because that work outgrew a full scan's (Balancer). */
  rebuilds: number;
  /** Instances a fresh start bounded one by one only where their class's bounds could not rule out (FreshScan). */
  freshPlanned: number;
}

/**
 * The lazy state of a balancer's entries across the steps that keep one centre (the
 * balancer makes a new one with a new centre): per entry, in LazySlots, the step its
 * bounds are at, its key, its class and its class bounds onto the nodes changed since.
 */
export class LazyEntries {
  slots: LazySlots;
  /** By instance index: the class envelopes the class parts in pnK were taken from (coverLazy). */
  readonly envAt: (Float64Array | undefined)[] = [];
  /** By instance index and slot (NOLD per entry): the envelopes pnO's parts were taken from (as envAt for pnK). */
  private readonly envO: (Float64Array | undefined)[] = [];
  /** Whether the cluster has location tags (no fast path, no lazy entry). */
  locTags: boolean | null = null;
  private readonly partsScratch = new Float64Array(4);
  /** possibleMoves' kinds of a DRBD instance (FAST_KINDS), by useSecondary. */
  private readonly kindsBy: ((number | undefined)[] | undefined)[] = [];

  private fastKinds(useSecondary: boolean): (number | undefined)[] {
    const j = useSecondary ? 1 : 0;
    const o = this.opts;
    return (this.kindsBy[j] ??= possibleMoves(
      "internal", useSecondary, o.instanceMoves, o.diskMoves, o.restrictedMigration, false, 0,
    ).map((mv) => FAST_KINDS[mv.kind]));
  }

  /** movedMetrics from the sums of step `at` to `to`, by `at`, while `to` is the same base. */
  private readonly movedMemo = new Map<number, Int32Array>();
  private movedTo: ScoreBase | null = null;

  private movedSince(at: number, to: ScoreBase): Int32Array {
    if (this.movedTo !== to) {
      this.movedMemo.clear();
      this.movedTo = to;
    }
    let m = this.movedMemo.get(at);
    if (m === undefined) {
      m = movedMetrics(this.lazy.sumsAt(at), to);
      this.movedMemo.set(at, m);
    }
    return m;
  }

  /** Reused sets of nodes (refresh, catchUp). */
  private readonly marks = new NodeMarks();

  constructor(
    readonly opts: AlgorithmOptions, readonly mc: MoveContribs, readonly lazy: LazyState, instances: number,
    readonly stats: BalancerStats,
  ) {
    this.slots = new LazySlots(instances);
  }

  /** An entry's lazy state as plain data (Balancer.describe). */
  describe(i: Idx): Record<string, unknown> {
    const S = this.slots;
    const four = (a: Float64Array): number[] => Array.from(a.subarray(4 * i, 4 * i + 4));
    return {
      t: this.lazy.t, off: this.lazy.off, epochAt: this.lazy.epochAt, at: S.at[i], since: S.since[i], kn: S.kn[i],
      pn: S.pn[i], pnK: four(S.pnK), lin: four(S.lin), cls: S.cls[i], pkT: S.pkT[i],
      poT: Array.from(S.poT.subarray(NOLD * i, NOLD * i + NOLD)), poBad: S.poBad[i],
    };
  }

  /** The fast path for the instance of a cached entry, or null. */
  fastFor(c: CachedInst, base: ScoreBase): Fast | null {
    if (this.locTags === true || !this.mc.applies(c.ctx.inst)) return null;
    c.src ??= this.mc.sources(base, c.ctx);
    return { mc: this.mc, src: c.src };
  }

  /**
   * Brings a lazy entry's bounds to the previous step's base (`prev`) before its
   * source change is carried, forgetting the targets to bound anew (`changed` and
   * every node changed since the entry's step).
   */
  catchUp(c: CachedInst, prev: ScoreBase, changed: ReadonlySet<Ndx>): void {
    const pending = this.marks.of(this.lazy.changedSince(this.slots.at[c.idx]!, null));
    for (const x of changed) pending.add(x);
    this.carryAccs(c, prev, pending);
    this.slots.at[c.idx] = -1;
  }

  /**
   * A lazy entry's accumulators shifted from the base of its step to `to` (candidates
   * whose nodes did not change keep their own numbers), the bounds onto `forget` dropped.
   */
  private carryAccs(c: CachedInst, to: ScoreBase, forget: NodeMarks): void {
    const at = this.slots.at[c.idx]!;
    const from = this.lazy.sumsAt(at);
    const moved = this.movedSince(at, to);
    for (const a of c.accs) {
      if (a === undefined) continue;
      shiftBoundAcc(a, from, to, null, moved);
      accForget(a, forget);
    }
  }

  /**
   * Settles an entry carried over a change of its own nodes whose targets changed
   * after step `since` are not in its accumulators: when it stays lazy in the same class,
   * that class's envelopes unchanged since `since` and its new source sides inside
   * them, every class bound of those steps holds for the new source sides too (the
   * drift is over the sums only), so pnK plus the new own parts cover those targets
   * and `since` stays; else they are bounded now.
   */
  coverLazy(
    c: CachedInst, ini: Table, base: ScoreBase, online: ReadonlySet<Ndx>, since: number, useSecondary: boolean,
  ): void {
    const S = this.slots;
    const lazy = this.lazy;
    const o = 4 * c.idx;
    if (S.pkT[c.idx]! < lazy.epochAt) this.rollEpoch(c.idx);
    const oldCls = S.cls[c.idx]!;
    const oldMask = c.mask;
    const k0 = S.pnK[o]!;
    const k1 = S.pnK[o + 1]!;
    const k2 = S.pnK[o + 2]!;
    const k3 = S.pnK[o + 3]!;
    const t = lazy.t;
    const env = this.envAt[c.idx];
    const pkT = S.pkT[c.idx]!;
    // earlier epochs' parts (pnO), kept before settle clears them
    const bad = S.poBad[c.idx] === 1;
    const oldT: number[] = [];
    const oldEnv: (Float64Array | undefined)[] = [];
    const oldK: number[] = [];
    for (let s = 0; s < NOLD; s++) {
      const j = c.idx * NOLD + s;
      if (S.poT[j] === -1) continue;
      oldT.push(S.poT[j]!);
      oldEnv.push(this.envO[j]);
      for (let k = 0; k < 4; k++) oldK.push(S.pnO[4 * j + k]!);
    }
    this.settle(c, base, t, useSecondary);
    // pnO's parts take the new source sides' own parts with their epoch's slopes
    let oldOk = !bad;
    const oldSlopes: Float64Array[] = [];
    for (let s = 0; s < oldT.length && oldOk; s++) {
      const sl = lazy.slopesAt(oldT[s]!);
      const e = oldEnv[s];
      if (sl === null || e === undefined || !inside(e, c.mask, lazy.lastRanges)) oldOk = false;
      else oldSlopes.push(sl);
    }
    if (S.at[c.idx] === t && S.cls[c.idx] === oldCls && c.mask === oldMask && lazy.epochAt <= pkT &&
      (env === undefined || inside(env, c.mask, lazy.lastRanges)) && oldOk) {
      S.since[c.idx] = since;
      S.pkT[c.idx] = pkT;
      this.envAt[c.idx] = env;
      S.pnK[o] = k0;
      S.pnK[o + 1] = k1;
      S.pnK[o + 2] = k2;
      S.pnK[o + 3] = k3;
      let b = Infinity;
      for (let k = 0; k < 4; k++) {
        const x = S.pnK[o + k]! + S.lin[o + k]!;
        if (x < b) b = x;
      }
      const ranges = lazy.lastRanges;
      for (let s = 0; s < oldT.length; s++) {
        const j = c.idx * NOLD + s;
        S.poT[j] = oldT[s]!;
        this.envO[j] = oldEnv[s];
        for (let k = 0; k < 4; k++) {
          const part = oldK[4 * s + k]!;
          S.pnO[4 * j + k] = part;
          const r = ranges[k];
          if ((c.mask & (1 << k)) === 0 || r === undefined || r === null) continue;
          const x = part + memberPart(base, "lo" in r ? r.lo : r, oldSlopes[s]!);
          if (x < b) b = x;
        }
      }
      if (oldT.length > 0) this.stats.epochCovered++;
      S.pn[c.idx] = b;
      this.stats.covered++;
      return;
    }
    // lazy again: the targets changed since `since` covered by its class's bounds
    // onto them at this step (shared by the class's members), else bounded for it
    if (S.at[c.idx] === t && since < t) {
      S.since[c.idx] = since;
      if (this.reclass(c.idx, ini, base, online) !== -Infinity) {
        this.stats.classCovered++;
        return;
      }
      S.since[c.idx] = t;
    }
    this.boundTargets(c, ini, base, this.pendingSince(since, online), useSecondary);
    this.settle(c, base, t, useSecondary);
  }

  /**
   * A lazy entry's class bounds onto every node changed after `since`, taken at this
   * step: the drift added to class bounds kept over many steps (pn) outgrows the
   * landscape's spread, while bounds taken now are nearly as tight as the entry's own
   * (at 1,000 nodes, steps 202-301: 249 refreshes per step became 3, or 154 with
   * classPartsSince's limit of 32 nodes, which later pays: steps 702-1001, 7,600 class
   * bounds per step without it, 325 with). pn and pnK replaced (the same
   * targets), envAt is the copy of the envelopes they were taken from, pkT this step.
   * Returns the key they give (-Infinity: no bound, nothing changed).
   */
  reclass(i: Idx, ini: Table, base: ScoreBase, online: ReadonlySet<Ndx>): number {
    const S = this.slots;
    const lazy = this.lazy;
    const since = S.since[i]!;
    if (since >= lazy.t || S.pn[i] === -Infinity) return -Infinity;
    const parts = this.partsScratch;
    // every part from the envelopes as they are now, so that envAt can be their copy
    const cls = S.cls[i]!;
    if (!lazy.classPartsSince(cls, this.mc, base, ini.nl, since, online, parts)) return -Infinity;
    this.envAt[i] = lazy.envNow(cls);
    S.pkT[i] = lazy.t;
    this.clearOld(i);
    const off = lazy.off;
    const o = 4 * i;
    let b = Infinity;
    for (let k = 0; k < 4; k++) {
      const x = parts[k]! + S.lin[o + k]!;
      if (x < b) b = x;
      S.pnK[o + k] = parts[k]! - off;
    }
    S.pn[i] = b - off;
    const pk = S.pn[i]!;
    return pk + off - offsetMargin(pk, off);
  }

  /**
   * Carries a lazy entry's accumulators to this step with their own ranges (the drift
   * bounds every recorded candidate's fall at once, so an entry's own key falls faster
   * than its candidates: at 1,000 nodes, steps 9,000-13,000 of a converged run, a third
   * to two thirds of the refreshes were of entries whose own key had reached the best
   * score). The targets changed since its step are forgotten; `since` and its class
   * cover stay (they cover those targets), so the entry stays lazy with since < at.
   */
  shiftOwn(c: CachedInst, base: ScoreBase): void {
    const lazy = this.lazy;
    this.carryAccs(c, base, this.marks.of(lazy.changedSince(this.slots.at[c.idx]!, null)));
    for (const a of c.accs) if (a !== undefined) lazy.record(a);
    this.slots.at[c.idx] = lazy.t;
    this.stats.ownShifted++;
    this.setKey(c);
  }

  /**
   * The online nodes changed after step `since`, in node order (valid until the next
   * call), counted in refreshTargets: the targets an entry's refresh or cover bounds anew.
   */
  private pendingSince(since: number, online: ReadonlySet<Ndx>): readonly Ndx[] {
    const pending = this.lazy.changedSinceByIndex(since, online);
    this.stats.refreshTargets += pending.length;
    return pending;
  }

  /** An entry's candidates onto `targets` bounded into its accumulators at this step. */
  private boundTargets(c: CachedInst, ini: Table, base: ScoreBase, targets: readonly Ndx[], useSecondary: boolean): void {
    if (targets.length === 0) return;
    c.ctx.nl = ini.nl;
    scanInstance(this.opts, c.ctx, targets, false, useSecondary, base, ini, -Infinity, c.accs, null, this.fastFor(c, base));
  }

  /** Brings a lazy entry up to this step: its bounds shifted, changed targets bounded anew. */
  refresh(c: CachedInst, ini: Table, base: ScoreBase, online: ReadonlySet<Ndx>, useSecondary: boolean): void {
    const lazy = this.lazy;
    const pending = this.pendingSince(this.slots.since[c.idx]!, online);
    // its class and its own parts stay (same source sides, joined in this epoch)
    // unless its join of this epoch failed (newEpoch)
    const keep = this.slots.pn[c.idx] !== -Infinity;
    this.carryAccs(c, base, this.marks.of(pending));
    this.boundTargets(c, ini, base, pending, useSecondary);
    this.stats.refresh++;
    this.settle(c, base, lazy.t, useSecondary, keep);
  }

  /**
   * After an entry's bounds were brought to step t: makes it lazy when its candidates
   * can be bounded by class (fast path, both nodes online, no migration tags, every
   * kind's source known), else it is carried every step. `keepClass`: the entry is in
   * its class with its current source sides, joined in this epoch (a refresh of a lazy
   * entry; a fresh start's joinEarly), so its class and parts stay unless its kinds changed.
   */
  settle(c: CachedInst, base: ScoreBase, t: number, useSecondary: boolean, keepClass = false): void {
    this.makeLazy(c, base, t, useSecondary, keepClass);
    // the context is kept for many steps: its memoised node operations are not
    c.ctx.forget();
  }

  private makeLazy(c: CachedInst, base: ScoreBase, t: number, useSecondary: boolean, keepClass: boolean): void {
    const S = this.slots;
    S.at[c.idx] = -1;
    S.pn[c.idx] = Infinity;
    S.since[c.idx] = t;
    S.pkT[c.idx] = t;
    S.pnK.fill(Infinity, 4 * c.idx, 4 * c.idx + 4);
    this.envAt[c.idx] = undefined;
    this.clearOld(c.idx);
    const mask = this.lazyMask(c, base, useSecondary);
    if (mask < 0) return;
    // an entry in its class with the same kinds keeps its parts: a join would compute
    // the same ones (its source ranges: node operations) again
    if (!(keepClass && mask === c.mask) && !this.join(c, base, mask)) return;
    c.mask = mask;
    S.at[c.idx] = t;
    const lazy = this.lazy;
    for (const a of c.accs) if (a !== undefined) lazy.record(a);
    this.setKey(c);
  }

  /**
   * The fast kinds (bits) of the class an entry can be lazy in: its candidates bounded
   * by class (fast path, both nodes online, no migration tags, every kind's source
   * known, no accumulator without a bound); -1 when it cannot be.
   */
  private lazyMask(c: CachedInst, base: ScoreBase, useSecondary: boolean): number {
    const v = c.ctx.inst;
    if (this.locTags === true || !this.mc.applies(v) || v.sNode === NO_SECONDARY) return -1;
    const p = c.ctx.oldP;
    const s = c.ctx.oldS;
    if (p.offline || s.offline || p.migTags.size > 0 || s.migTags.size > 0 || !useSecondary) return -1;
    for (const a of c.accs) if (a !== undefined && a.total === -Infinity) return -1;
    const src = (c.src ??= this.mc.sources(base, c.ctx));
    let mask = 0;
    for (const k of this.fastKinds(useSecondary)) {
      if (k === undefined || src[k] === undefined) return -1;
      if (src[k] !== null) mask |= 1 << k;
    }
    return mask;
  }

  /**
   * Puts an entry about to be scanned in full into its class, before its scan (a
   * fresh start's scans bounded per class, FreshScan): its class, or -1 when it
   * cannot be lazy. Its class parts (lin) are then known, and settle keeps them.
   */
  joinEarly(c: CachedInst, base: ScoreBase, useSecondary: boolean): number {
    const mask = this.lazyMask(c, base, useSecondary);
    if (mask < 0 || !this.join(c, base, mask)) return -1;
    c.mask = mask;
    return this.slots.cls[c.idx]!;
  }

  /**
   * pnK holds class parts of an earlier epoch (its pkT is before this epoch): they
   * move to a free slot of pnO (none free: the slots become unusable), pnK starts
   * again now. Done before parts of this epoch are added to pnK.
   */
  rollEpoch(i: Idx): void {
    const S = this.slots;
    const o = 4 * i;
    if (S.pnK[o] !== Infinity || S.pnK[o + 1] !== Infinity || S.pnK[o + 2] !== Infinity || S.pnK[o + 3] !== Infinity) {
      let free = -1;
      for (let s = 0; s < NOLD && free < 0; s++) if (S.poT[i * NOLD + s] === -1) free = i * NOLD + s;
      if (free >= 0 && this.envAt[i] !== undefined) {
        S.pnO.set(S.pnK.subarray(o, o + 4), 4 * free);
        S.poT[free] = S.pkT[i]!;
        this.envO[free] = this.envAt[i];
      } else S.poBad[i] = 1;
    }
    S.pnK.fill(Infinity, o, o + 4);
    this.envAt[i] = undefined;
    S.pkT[i] = this.lazy.t;
  }

  /** pnO emptied (pnK covers every node changed since `since` again). */
  private clearOld(i: Idx): void {
    const S = this.slots;
    S.poBad[i] = 0;
    for (let s = 0; s < NOLD; s++) {
      const j = i * NOLD + s;
      if (S.poT[j] === -1) continue;
      S.poT[j] = -1;
      S.pnO.fill(Infinity, 4 * j, 4 * j + 4);
      this.envO[j] = undefined;
    }
  }

  /** Puts a lazy entry in its class (false: its source sides are not known). */
  private join(c: CachedInst, base: ScoreBase, mask: number): boolean {
    let ranges = c.ranges;
    if (ranges === undefined || c.rangesOf !== c.src) {
      // nothing else refers to the old ones (LazyState.lastRanges is the last join's)
      if (ranges !== undefined) this.mc.releaseRanges(ranges);
      ranges = this.mc.sourceRanges(base, c.ctx, c.src!);
      c.ranges = ranges;
      c.rangesOf = c.src;
    }
    for (let k = 0; k < 4; k++) if ((mask & (1 << k)) !== 0 && (ranges[k] === undefined || ranges[k] === null)) return false;
    const S = this.slots;
    S.lin.fill(Infinity, 4 * c.idx, 4 * c.idx + 4);
    S.cls[c.idx] = this.lazy.join(this.mc.shapeOf(c.ctx.inst), mask, c.ctx.inst, ranges, base, S.lin, 4 * c.idx);
    return true;
  }

  /** A lazy entry's key, its recorded bounds onto nodes changed since forgotten. */
  setKey(c: CachedInst): void {
    const lazy = this.lazy;
    const last = lazy.lastChanged;
    const at = this.slots.at[c.idx]!;
    let k = Infinity;
    let kt: Ndx = -1;
    for (const a of c.accs) {
      if (a === undefined) continue;
      let stale = false;
      for (let j = 0; j < a.nTop; j++) if (a.topT[j]! >= 0 && last[a.topT[j]!]! > at) stale = true;
      if (stale) {
        // accForget of those targets, in place
        let n = 0;
        for (let j = 0; j < a.nTop; j++) {
          const x = a.topT[j]!;
          if (x >= 0 && last[x]! > at) continue;
          a.topT[n] = x;
          a.topV[n] = a.topV[j]!;
          n++;
        }
        a.nTop = n;
        accTotal(a);
      }
      if (boundAccEmpty(a)) continue;
      const val = boundAccValue(a);
      if (val < k) {
        k = val;
        kt = a.nTop > 0 && a.topV[0]! < a.rest ? a.topT[0]! : -1;
      }
    }
    this.slots.kn[c.idx] = k - lazy.offs[at]!;
    this.slots.keyT[c.idx] = kt;
  }

  /**
   * A new epoch of class bounds (slopes from this base): the classes' envelopes rebuilt
   * from their lazy members' current sources (a member that left or changed no longer
   * widens them).
   */
  newEpoch(base: ScoreBase, ents: readonly (CachedInst | undefined)[]): void {
    this.lazy.newEpoch(base);
    const S = this.slots;
    for (const c of ents) {
      if (c !== undefined && S.at[c.idx]! >= 0 && !this.join(c, base, c.mask)) S.pn[c.idx] = -Infinity;
    }
  }
}

/** Whether the source sides of every kind in `mask` lie inside `env`. */
function inside(env: Float64Array, mask: number, ranges: SourceRanges): boolean {
  for (let k = 0; k < 4; k++) {
    if ((mask & (1 << k)) === 0) continue;
    const r = ranges[k];
    if (r === undefined || r === null || !flatContains(env, k, r)) return false;
  }
  return true;
}

/** A set of node indices made anew by `of` (stamps: no allocation per set). */
class NodeMarks {
  private stamp = new Int32Array(0);
  private cur = 0;

  /** The set of `xs` (replaces the previous one). */
  of(xs: readonly Ndx[]): NodeMarks {
    this.cur++;
    for (const x of xs) this.add(x);
    return this;
  }

  add(x: Ndx): void {
    if (x >= this.stamp.length) {
      const s = new Int32Array(Math.max(2 * this.stamp.length, x + 1));
      s.set(this.stamp);
      this.stamp = s;
    }
    this.stamp[x] = this.cur;
  }

  has(x: Ndx): boolean {
    return x >= 0 && x < this.stamp.length && this.stamp[x] === this.cur;
  }
}
