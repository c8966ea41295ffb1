// Ganeti's greedy balancing run step after step, incrementally (Balancer): each
// instance's candidate bounds are carried across steps (most of them lazily, under
// class bounds) and only the instances that could win are scanned again; every step
// picks exactly the move a full scan (cluster.ts tryBalanceFull) would.
import * as C from "./container.js";
import * as I from "./instance.js";
import type { Instance } from "./instance.js";
import {
  type BoundAcc,
  ScoreBase,
  boundAccEmpty,
  boundAccValue,
  compatibleBases,
  accForget,
} from "./score-bound.js";
import { movedMetrics, shiftBoundAcc } from "./bound-carry.js";
import { StepScorer } from "./balancer-exact.js";
import { FAST_KINDS, MoveContribs, type SourceContribs } from "./move-contribs.js";
import { type Idx, type Ndx, NO_SECONDARY } from "./types.js";
import {
  type AlgorithmOptions,
  type Table,
  MoveContext,
  accepted,
  checkMove,
  doNextBalance,
  possibleMoves,
  roundInputs,
} from "./cluster.js";
import {
  type Fast,
  type Found,
  type KindAccs,
  NKINDS,
  accsValue,
  carrySource,
  hasLocationTags,
  pinContext,
  scanInstance,
  scanKnown,
} from "./balancer-scan.js";
import { LazyState, type SourceRanges, offsetMargin } from "./lazy-bounds.js";
import { flatContains } from "./class-bounds.js";
import { MinHeap } from "./min-heap.js";
import { LazySlots } from "./balancer-slots.js";

export { exactScoresComputed } from "./balancer-scan.js";

interface CachedInst {
  /** The instance's index: its lazy state is at this index of the Balancer's arrays. */
  readonly idx: Idx;
  /** The source contributions of the context's instance (computed when first needed). */
  src?: SourceContribs;
  accs: KindAccs;
  /** The context of the last scan: the instance and its nodes as they were then. */
  ctx: MoveContext;
  /** Lazy entries: the class's kinds. */
  mask: number;
}

/**
 * Ganeti's greedy balancing, step after step, with the same result as scanning every
 * candidate of every instance at each step (tryBalanceFull) but without doing so.
 *
 * Each instance keeps, per move kind, a lower bound on the score of its candidates
 * (BoundAcc). After a move, a candidate whose nodes did not change keeps its own
 * numbers, so its bound only moves with the global sums. Most instances (DRBD, fast
 * path: see settle) are lazy: their bounds stay at the step they were last brought up
 * to date, and their key is that bound plus the drift since (LazyState: a bound on
 * how far any recorded candidate can fall per step), or less: the candidates onto the
 * nodes changed since are bounded per class of instances (same shape and move kinds)
 * by a linear class bound (class-bounds.ts: a class part per target, plus the
 * member's own part, one addition per member and step). A lazy instance is brought up
 * to date (shifted, the changed targets bounded anew) only when its key reaches the
 * best score. When the nodes an instance leaves changed, every candidate of a kind
 * changes by the same amount (the difference of its source sides; targets whose
 * peer-map entry could matter are bounded anew). Instances are then scanned exactly
 * in increasing order of their bound while it is not above the best score found: every
 * instance that could reach the best score is scanned, and the winner is the first
 * instance (by index) with the best score, and its first candidate with it — Ganeti's
 * choice.
 */
export class Balancer {
  private last: Table | null = null;
  private lastBase: ScoreBase | null = null;
  private lastNodes = "";
  private changed: readonly Ndx[] = [];
  /** Cached entries by instance index, and the instance each was scanned for. */
  private ents: (CachedInst | undefined)[] = [];
  private entInst: (Instance | undefined)[] = [];
  private nEnts = 0;
  private slots = new LazySlots(0);
  /** By instance index: the class envelopes of the first class bounds in pnK (coverLazy). */
  private envAt: (Float64Array | undefined)[] = [];
  /**
   * The last step's roundInputs, and each relocatable instance's index: after a move
   * of the balancer's own, only the moved instance's record changed.
   */
  private inputs: { reloc: Instance[]; idx: Int32Array; pos: Int32Array; nodeIdx: Ndx[] } | null = null;
  private movedIdx = -1;
  private locTags: boolean | null = null;
  /** Contributions cached across the steps that keep one centre. */
  private mc: MoveContribs;
  /** Per kind, the last reference target that served in carrySource. */
  private readonly goodRefs: Ndx[] = new Array<Ndx>(NKINDS).fill(-1);
  private lazy: LazyState | null = null;
  /**
   * Work done so far: full scans, carried bounds (every step), carried through a source
   * change, steps, lazy entries brought up to date (of them: with their own key not above
   * the best score; with a class bound below their key), class bounds, lazy entries kept
   * lazy over a change of their nodes (coverLazy), moved instances carried, lazy entries
   * kept lazy by class bounds taken anew (reclass: in the heap; in coverLazy), joins
   * that widened a class's envelopes, entries scanned only where their bounds could win
   * (scanKnown).
   */
  readonly stats = { full: 0, partial: 0, source: 0, steps: 0, refresh: 0, byKey: 0, byClass: 0, classEvals: 0, covered: 0, moved: 0, reclassed: 0, classCovered: 0, widenings: 0, known: 0 };
  /** scanKnown's scratch: kinds by target, accumulators. */
  private kindsAt = new Uint8Array(0);
  private readonly scanAccs: KindAccs = new Array<BoundAcc | undefined>(NKINDS);

  /**
   * `minNodes`: below this many online nodes every step is a full scan (tryBalanceFull):
   * with 2-3 of a handful of nodes changed per step, most instances need a full scan
   * anyway and carrying bounds costs more than it saves. Both give the same moves.
   * `epoch`: every this many steps the class bounds start anew (slopes from the current
   * variances; envelopes of the current members only).
   */
  constructor(readonly opts: AlgorithmOptions, readonly minNodes = 16, readonly epoch = 128) {
    this.mc = new MoveContribs(opts.ignoreSoftErrors);
  }

  /** The fast path for the instance of a cached entry, or null. */
  private fastFor(c: CachedInst, base: ScoreBase): Fast | null {
    if (this.locTags === true || !this.mc.applies(c.ctx.inst)) return null;
    c.src ??= this.mc.sources(base, c.ctx);
    return { mc: this.mc, src: c.src };
  }

  /** roundInputs, with the instances' indices (in the order of `reloc`). */
  private roundInputs(ini: Table): { reloc: Instance[]; idx: Int32Array; nodeIdx: Ndx[]; same: boolean } {
    const inp = this.inputs;
    const mi = this.movedIdx;
    if (inp !== null && this.last === ini && !this.opts.evacMode && mi >= 0 && mi < inp.pos.length) {
      // the moved instance keeps its flags (movable, autoBalance), so its place
      const v = ini.il[mi];
      const j = inp.pos[mi]!;
      if (v !== undefined && j >= 0 && v.movable && v.autoBalance) {
        inp.reloc[j] = v;
        return { reloc: inp.reloc, idx: inp.idx, nodeIdx: inp.nodeIdx, same: true };
      }
    }
    const { reloc, nodeIdx } = roundInputs(this.opts, ini);
    const idx = Int32Array.from(reloc, (v) => v.idx);
    const pos = new Int32Array(ini.il.length).fill(-1);
    for (let j = 0; j < idx.length; j++) if (idx[j]! < pos.length) pos[idx[j]!] = j;
    this.inputs = { reloc, idx, pos, nodeIdx };
    return { reloc, idx, nodeIdx, same: false };
  }

  step(ini: Table): Table | null {
    const opts = this.opts;
    const { reloc, idx: relocIdx, nodeIdx, same } = this.roundInputs(ini);
    if (nodeIdx.length < this.minNodes) {
      this.last = null;
      this.stats.steps++;
      const fin = checkMove(opts, nodeIdx, ini, reloc.slice());
      return accepted(opts, ini, fin) ? fin : null;
    }
    const nodesKey = same ? this.lastNodes : nodeIdx.join(",");
    const prev = this.lastBase;
    let base: ScoreBase | null = null;
    if (this.last === ini && prev !== null && this.lastNodes === nodesKey) {
      const b = new ScoreBase(ini.nl, prev.center);
      if (compatibleBases(prev, b)) base = b;
    }
    const carry = base !== null;
    if (base === null) {
      this.ents = [];
      this.entInst = [];
      this.nEnts = 0;
      this.slots = new LazySlots(ini.il.length);
      this.envAt = [];
      this.mc = new MoveContribs(opts.ignoreSoftErrors);
      base = new ScoreBase(ini.nl);
      this.lazy = new LazyState(ini.nl.length);
    }
    const lazy = this.lazy!;
    this.locTags ??= hasLocationTags(ini.nl);
    this.mc.beginStep();
    const changed = new Set<Ndx>(carry ? this.changed : []);
    const moved = carry ? movedMetrics(prev!, base) : null;
    lazy.advance(carry ? prev : null, base, moved, carry ? this.changed : []);
    const t = lazy.t;
    const xTargets = nodeIdx.filter((x) => changed.has(x));
    const online = new Set(nodeIdx);
    const useSecondaryOf = (v: Instance): boolean => online.has(v.sNode) && opts.instanceMoves;
    if (t % this.epoch === 0) this.newEpoch(base);

    const dirty: Instance[] = [];
    const heap = new MinHeap<Instance>();
    const off = lazy.off;
    if (this.slots.at.length < ini.il.length) this.slots = this.slots.grown(ini.il.length);
    const S = this.slots;
    const { at: sAt, kn: sKn, keyT: sKeyT, pn: sPn, cls: sCls, lin: sLin, seen: sSeen, pNode: sP, sNode: sS } = S;
    const { since: sSince, pnK: sPnK } = S;
    const envAt = this.envAt;
    const ents = this.ents;
    const entInst = this.entInst;
    // lastChanged[x] === t: x is one of `changed` (LazyState.advance)
    const lastChanged = lazy.lastChanged;
    let nSeen = 0;
    let rot = 0;
    // the instances' records are only read where their entry does not answer
    for (let j = 0; j < reloc.length; j++) {
      const v = reloc[j]!;
      const i = relocIdx[j]!;
      const c = ents[i];
      // the instance the last move moved is carried like a change of its nodes: a
      // candidate onto an unchanged target without peer entries on its old or new
      // nodes changes by the difference of the source sides (carrySource)
      const movedHere = carry && i === this.movedIdx && c !== undefined && entInst[i] !== v;
      if (c === undefined || (entInst[i] !== v && !movedHere)) {
        if (I.mirrorType(v) === "none") continue; // no move at all (never cached)
        sSeen[i] = t;
        nSeen++;
        dirty.push(v);
        continue;
      }
      sSeen[i] = t;
      nSeen++;
      const at = sAt[i]!;
      const sn = sS[i]!;
      if (movedHere || lastChanged[sP[i]!] === t || (sn >= 0 && lastChanged[sn] === t)) {
        // a lazy entry's targets changed since its step are covered by its class
        // bounds when it can stay lazy in its class (coverLazy), else bounded below
        if (at >= 0 && at < t - 1) this.catchUp(c, prev!, changed);
        const since = at >= 0 ? sSince[i]! : -1;
        if (this.locTags || !carrySource(
          opts, this.goodRefs, c, v, ini, prev!, base, nodeIdx, changed, rot++, useSecondaryOf(v),
          this.mc.applies(v) ? this.mc : null,
        )) {
          dirty.push(v);
          continue;
        }
        entInst[i] = v; // carrySource's new context is v's
        sP[i] = v.pNode;
        sS[i] = v.sNode;
        this.stats.source++;
        if (movedHere) this.stats.moved++;
        if (since >= 0 && since < t - 1) this.coverLazy(c, ini, base, online, since, useSecondaryOf(v));
        else this.settle(c, base, t, useSecondaryOf(v));
      } else if (at >= 0) {
        if (xTargets.length > 0) {
          const cst = lazy.classConsts(sCls[i]!, this.mc, base, ini.nl, xTargets);
          const o = 4 * i;
          let b = Infinity;
          for (let k = 0; k < 4; k++) {
            const x = cst[k]! + sLin[o + k]!;
            if (x < b) b = x;
            if (cst[k]! - off < sPnK[o + k]!) sPnK[o + k] = cst[k]! - off;
          }
          // the first (narrowest) envelopes pnK holds class bounds for
          envAt[i] ??= lazy.cstEnvOf(sCls[i]!)!;
          if (b - off < sPn[i]!) sPn[i] = b - off;
        }
        const kt = sKeyT[i]!;
        if (kt >= 0 && lastChanged[kt]! > at) this.setKey(c);
        const k = Math.min(sKn[i]!, sPn[i]!);
        const lb = k + off - offsetMargin(k, off);
        if (lb <= ini.score) heap.push(lb, v);
        continue;
      } else {
        for (const a of c.accs) {
          if (a === undefined) continue;
          shiftBoundAcc(a, prev!, base, null, moved!);
          accForget(a, changed);
        }
        if (xTargets.length > 0) {
          c.ctx.nl = ini.nl;
          this.stats.partial++;
          scanInstance(opts, c.ctx, xTargets, false, useSecondaryOf(v), base, ini, -Infinity, c.accs, null, this.fastFor(c, base));
        }
      }
      let lb = accsValue(c.accs);
      // a covered entry (coverLazy): its targets changed since `since` are under pn
      const pk = sPn[i]!;
      if (pk !== Infinity) lb = Math.min(lb, pk + off - offsetMargin(pk, off));
      if (lb <= ini.score) heap.push(lb, v);
    }
    if (this.nEnts > nSeen) {
      for (let j = 0; j < ents.length; j++) {
        if (ents[j] !== undefined && sSeen[j] !== t) {
          ents[j] = undefined;
          entInst[j] = undefined;
          this.nEnts--;
        }
      }
    }

    let bestScore = ini.score;
    let winner: { inst: Instance; found: Found } | null = null;
    let scorer: StepScorer | null = null;
    const scanFull = (v: Instance): void => {
      const ctx = new MoveContext(opts.ignoreSoftErrors, ini.nl, v);
      const accs: KindAccs = new Array<BoundAcc | undefined>(NKINDS);
      this.stats.full++;
      scorer ??= new StepScorer(ini.nl);
      const entry: CachedInst = { idx: v.idx, accs, ctx, mask: 0 };
      S.at[v.idx] = -1;
      S.kn[v.idx] = Infinity;
      S.keyT[v.idx] = -1;
      S.pn[v.idx] = Infinity;
      const fast = this.fastFor(entry, base);
      const f = scanInstance(opts, ctx, nodeIdx, true, useSecondaryOf(v), base, ini, bestScore, accs, scorer, fast);
      entry.ctx = pinContext(ctx);
      if (ents[v.idx] === undefined) this.nEnts++;
      ents[v.idx] = entry;
      entInst[v.idx] = v;
      S.pNode[v.idx] = v.pNode;
      S.sNode[v.idx] = v.sNode;
      this.settle(entry, base, t, useSecondaryOf(v));
      consider(v, f);
    };
    const consider = (v: Instance, f: Found | null): void => {
      if (f === null) return;
      if (f.score < bestScore || (f.score === bestScore && winner !== null && v.idx < winner.inst.idx)) {
        bestScore = f.score;
        winner = { inst: v, found: f };
      }
    };
    // an entry up to date at this step: only its candidates whose bound could win
    const scanCached = (v: Instance, c: CachedInst): boolean => {
      scorer ??= new StepScorer(ini.nl);
      if (this.kindsAt.length < ini.nl.length) this.kindsAt = new Uint8Array(ini.nl.length);
      const f = scanKnown(
        opts, c.ctx, c.accs, nodeIdx, useSecondaryOf(v), base, ini, bestScore, scorer, this.fastFor(c, base),
        this.kindsAt, this.scanAccs,
      );
      if (f === undefined) return false;
      this.stats.known++;
      consider(v, f);
      return true;
    };
    // the lowest bound first (a good bar for the rest), then the instances scanned in
    // full anyway, then every other instance whose bound is not above the best score,
    // lowest first; a lazy entry is brought up to date before it is scanned
    let dirtyDone = false;
    while (heap.size > 0 && heap.peek() <= bestScore) {
      const v = heap.pop()!;
      const c = ents[v.idx]!;
      const at = S.at[v.idx]!;
      if (at >= 0 && (at < t || S.since[v.idx]! < at)) {
        const kn = S.kn[v.idx]!;
        const own = kn + lazy.off - offsetMargin(kn, lazy.off);
        // the drift adds up over the steps since its class bounds were taken: taken
        // anew at this step (once), they often keep the entry lazy (no refresh)
        const pk = S.pn[v.idx]!;
        if (pk + lazy.off - offsetMargin(pk, lazy.off) < own && S.rc[v.idx] !== t) {
          S.rc[v.idx] = t;
          const lb = this.reclass(v.idx, ini, base, online);
          if (lb !== -Infinity) {
            this.stats.reclassed++;
            const key = Math.min(own, lb);
            if (key <= bestScore) heap.push(key, v);
            continue;
          }
        }
        if (own <= bestScore) this.stats.byKey++;
        if (S.pn[v.idx]! < kn) this.stats.byClass++;
        this.refresh(c, ini, base, online, useSecondaryOf(v));
        const lb = accsValue(c.accs);
        if (lb <= bestScore) heap.push(lb, v);
        continue;
      }
      if (!scanCached(v, c)) scanFull(v);
      if (!dirtyDone) {
        dirtyDone = true;
        for (const d of dirty) scanFull(d);
      }
    }
    if (!dirtyDone) for (const d of dirty) scanFull(d);
    this.stats.classEvals = lazy.classEvals;
    this.stats.widenings = lazy.widenings;

    this.last = null;
    this.stats.steps++;
    if (winner === null) return null;
    const { inst, found } = winner as { inst: Instance; found: Found };
    const fin: Table = {
      nl: C.addAll(ini.nl, found.res.nodes),
      il: C.add(ini.il, inst.idx, found.res.inst),
      score: found.score,
      plc: [{ inst: inst.idx, pnode: found.res.pri, snode: found.res.sec, move: found.mv, score: found.score }, ...ini.plc],
    };
    if (!accepted(opts, ini, fin)) return null;
    this.last = fin;
    this.lastBase = base;
    this.lastNodes = nodesKey;
    this.changed = found.res.nodes.map(([i]) => i);
    this.movedIdx = inst.idx;
    return fin;
  }

  /**
   * Brings a lazy entry's bounds to the previous step's base (`prev`) before its
   * source change is carried; returns the targets to bound anew (`changed` and every
   * node changed since the entry's step).
   */
  private catchUp(c: CachedInst, prev: ScoreBase, changed: ReadonlySet<Ndx>): ReadonlySet<Ndx> {
    const lazy = this.lazy!;
    const at = this.slots.at[c.idx]!;
    const from = lazy.sumsAt(at);
    const moved = movedMetrics(from, prev);
    const pending = new Set<Ndx>(lazy.changedSince(at, null));
    for (const x of changed) pending.add(x);
    for (const a of c.accs) {
      if (a === undefined) continue;
      shiftBoundAcc(a, from, prev, null, moved);
      accForget(a, pending);
    }
    this.slots.at[c.idx] = -1;
    return pending;
  }

  /**
   * Settles an entry carried over a change of its own nodes whose targets changed
   * after step `since` are not in its accumulators: when it stays lazy in the same class,
   * that class's envelopes unchanged since `since` and its new source sides inside
   * them, every class bound of those steps holds for the new source sides too (the
   * drift is over the sums only), so pnK plus the new own parts cover those targets
   * and `since` stays; else they are bounded now.
   */
  private coverLazy(
    c: CachedInst, ini: Table, base: ScoreBase, online: ReadonlySet<Ndx>, since: number, useSecondary: boolean,
  ): void {
    const S = this.slots;
    const lazy = this.lazy!;
    const o = 4 * c.idx;
    const oldCls = S.cls[c.idx]!;
    const oldMask = c.mask;
    const k0 = S.pnK[o]!;
    const k1 = S.pnK[o + 1]!;
    const k2 = S.pnK[o + 2]!;
    const k3 = S.pnK[o + 3]!;
    const t = lazy.t;
    const env = this.envAt[c.idx];
    const pkT = S.pkT[c.idx]!;
    this.settle(c, base, t, useSecondary);
    if (S.at[c.idx] === t && S.cls[c.idx] === oldCls && c.mask === oldMask && lazy.epochAt <= pkT &&
      (env === undefined || inside(env, c.mask, lazy.lastRanges))) {
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
    const pending = lazy.changedSince(since, online);
    if (pending.length > 0) {
      c.ctx.nl = ini.nl;
      scanInstance(this.opts, c.ctx, pending, false, useSecondary, base, ini, -Infinity, c.accs, null, this.fastFor(c, base));
    }
    this.settle(c, base, t, useSecondary);
  }

  /**
   * A lazy entry's class bounds onto every node changed after `since`, taken at this
   * step: the drift added to class bounds kept over many steps (pn) outgrows the
   * landscape's spread, while bounds taken now are nearly as tight as the entry's own
   * (at 1,000 nodes, 249 refreshes per step became 3). pn and pnK replaced (the same
   * targets), envAt is the copy of the envelopes they were taken from, pkT this step.
   * Returns the key they give (-Infinity: no bound, nothing changed).
   */
  private reclass(i: Idx, ini: Table, base: ScoreBase, online: ReadonlySet<Ndx>): number {
    const S = this.slots;
    const lazy = this.lazy!;
    const since = S.since[i]!;
    if (since >= lazy.t || S.pn[i] === -Infinity) return -Infinity;
    const pending = lazy.changedSince(since, online);
    const parts = this.partsScratch;
    // every part from the envelopes as they are now, so that envAt can be their copy
    const cls = S.cls[i]!;
    if (!lazy.classPartsOver(cls, this.mc, base, ini.nl, pending, parts)) return -Infinity;
    this.envAt[i] = lazy.envNow(cls);
    S.pkT[i] = lazy.t;
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
  private readonly partsScratch = new Float64Array(4);

  /** Brings a lazy entry up to this step: its bounds shifted, changed targets bounded anew. */
  private refresh(c: CachedInst, ini: Table, base: ScoreBase, online: ReadonlySet<Ndx>, useSecondary: boolean): void {
    const lazy = this.lazy!;
    const at = this.slots.at[c.idx]!;
    const from = lazy.sumsAt(at);
    const moved = movedMetrics(from, base);
    const pending = lazy.changedSince(this.slots.since[c.idx]!, online);
    const pendingSet = new Set<Ndx>(pending);
    for (const a of c.accs) {
      if (a === undefined) continue;
      shiftBoundAcc(a, from, base, null, moved);
      accForget(a, pendingSet);
    }
    if (pending.length > 0) {
      c.ctx.nl = ini.nl;
      scanInstance(this.opts, c.ctx, pending, false, useSecondary, base, ini, -Infinity, c.accs, null, this.fastFor(c, base));
    }
    this.stats.refresh++;
    this.settle(c, base, lazy.t, useSecondary);
  }

  /**
   * After an entry's bounds were brought to step t: makes it lazy when its candidates
   * can be bounded by class (fast path, both nodes online, no migration tags, every
   * kind's source known), else it is carried every step.
   */
  private settle(c: CachedInst, base: ScoreBase, t: number, useSecondary: boolean): void {
    const S = this.slots;
    S.at[c.idx] = -1;
    S.pn[c.idx] = Infinity;
    S.since[c.idx] = t;
    S.pkT[c.idx] = t;
    S.pnK.fill(Infinity, 4 * c.idx, 4 * c.idx + 4);
    this.envAt[c.idx] = undefined;
    const v = c.ctx.inst;
    if (this.locTags === true || !this.mc.applies(v) || v.sNode === NO_SECONDARY) return;
    const p = c.ctx.oldP;
    const s = c.ctx.oldS;
    if (p.offline || s.offline || p.migTags.size > 0 || s.migTags.size > 0 || !useSecondary) return;
    for (const a of c.accs) if (a !== undefined && a.total === -Infinity) return;
    const src = (c.src ??= this.mc.sources(base, c.ctx));
    const o = this.opts;
    let mask = 0;
    for (const mv of possibleMoves("internal", useSecondary, o.instanceMoves, o.diskMoves, o.restrictedMigration, false, 0)) {
      const k = FAST_KINDS[mv.kind];
      if (k === undefined || src[k] === undefined) return;
      if (src[k] !== null) mask |= 1 << k;
    }
    if (!this.join(c, base, mask)) return;
    c.mask = mask;
    S.at[c.idx] = t;
    const lazy = this.lazy!;
    for (const a of c.accs) if (a !== undefined) lazy.record(a);
    this.setKey(c);
  }

  /** Puts a lazy entry in its class (false: its source sides are not known). */
  private join(c: CachedInst, base: ScoreBase, mask: number): boolean {
    const ranges = this.mc.sourceRanges(base, c.ctx, c.src!);
    for (let k = 0; k < 4; k++) if ((mask & (1 << k)) !== 0 && (ranges[k] === undefined || ranges[k] === null)) return false;
    const S = this.slots;
    S.lin.fill(Infinity, 4 * c.idx, 4 * c.idx + 4);
    S.cls[c.idx] = this.lazy!.join(this.mc.shapeOf(c.ctx.inst), mask, c.ctx.inst, ranges, base, S.lin, 4 * c.idx);
    return true;
  }

  /** A lazy entry's key, its recorded bounds onto nodes changed since forgotten. */
  private setKey(c: CachedInst): void {
    const lazy = this.lazy!;
    const last = lazy.lastChanged;
    const at = this.slots.at[c.idx]!;
    let k = Infinity;
    let kt: Ndx = -1;
    for (const a of c.accs) {
      if (a === undefined) continue;
      let stale = false;
      for (let j = 0; j < a.nTop; j++) if (a.topT[j]! >= 0 && last[a.topT[j]!]! > at) stale = true;
      if (stale) {
        const drop = new Set<Ndx>();
        for (let j = 0; j < a.nTop; j++) if (a.topT[j]! >= 0 && last[a.topT[j]!]! > at) drop.add(a.topT[j]!);
        accForget(a, drop);
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
  private newEpoch(base: ScoreBase): void {
    this.lazy!.newEpoch(base);
    const S = this.slots;
    for (const c of this.ents) {
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

/** Whether another balancing round is allowed (Ganeti's doNextBalance). */
/** Runs balancing steps until no further gain; calls `onStep` after each one. */
export function balance(
  opts: AlgorithmOptions,
  ini: Table,
  maxRounds: number,
  minScore: number,
  onStep?: (before: Table, after: Table) => void,
): Table {
  let tbl = ini;
  const balancer = new Balancer(opts);
  while (doNextBalance(tbl, maxRounds, minScore)) {
    const next = balancer.step(tbl);
    if (next === null) break;
    onStep?.(tbl, next);
    tbl = next;
  }
  return tbl;
}

