// Ganeti's greedy balancing run step after step, incrementally (Balancer): each
// instance's candidate bounds are carried across steps (most of them lazily, under
// class bounds) and only the instances that could win are scanned again; every step
// picks exactly the move a full scan (cluster.ts tryBalanceFull) would.
import * as C from "./container.js";
import * as I from "./instance.js";
import type { Instance } from "./instance.js";
import { ScoreBase, compatibleBases } from "./score-bound.js";
import { type BoundAcc, accForget } from "./bound-acc.js";
import { movedMetrics, shiftBoundAcc } from "./bound-carry.js";
import { StepScorer } from "./balancer-exact.js";
import { MoveContribs } from "./move-contribs.js";
import type { Ndx } from "./types.js";
import {
  type AlgorithmOptions,
  type Table,
  MoveContext,
  accepted,
  checkMove,
  doNextBalance,
  roundInputs,
} from "./cluster.js";
import {
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
import { LazyState, PARTS_MAX, offsetMargin } from "./lazy-bounds.js";
import { MinHeap } from "./min-heap.js";
import { type BalancerStats, type CachedInst, LazyEntries } from "./balancer-lazy.js";
import { FRESH_CUT, FreshScan } from "./balancer-fresh.js";
import { type Seed, bestSeeds, seedScore } from "./balancer-seeds.js";

export { exactScoresComputed } from "./balancer-scan.js";

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
  /** The entries' lazy state (made anew with the centre). */
  private le: LazyEntries | null = null;
  /**
   * The last step's roundInputs, and each relocatable instance's index: after a move
   * of the balancer's own, only the moved instance's record changed.
   */
  private inputs: { reloc: Instance[]; idx: Int32Array; pos: Int32Array; nodeIdx: Ndx[]; pass: Int32Array } | null = null;
  private movedIdx = -1;
  private locTags: boolean | null = null;
  /** Contributions cached across the steps that keep one centre. */
  private mc: MoveContribs;
  /** Per kind, the last reference target that served in carrySource. */
  private readonly goodRefs: Ndx[] = new Array<Ndx>(NKINDS).fill(-1);
  /**
   * Work done so far: full scans, carried bounds (every step), carried through a source
   * change, steps, lazy entries brought up to date (of them: with their own key not above
   * the best score; with a class bound below their key), class bounds, lazy entries kept
   * lazy over a change of their nodes (coverLazy), moved instances carried, lazy entries
   * kept lazy by class bounds taken anew (reclass: in the heap; in coverLazy), joins
   * that widened a class's envelopes, entries scanned only where their bounds could win
   * (scanKnown), steps whose first bar was a candidate of the step before (seeds),
   * entries kept lazy over a change of their nodes with class parts of an earlier epoch;
   * the later counters are described in BalancerStats.
   */
  readonly stats: BalancerStats = {
    full: 0, partial: 0, source: 0, steps: 0, refresh: 0, byKey: 0, byClass: 0, classEvals: 0, covered: 0, moved: 0,
    reclassed: 0, classCovered: 0, widenings: 0, known: 0, seeded: 0, epochCovered: 0, ownShifted: 0,
    refreshTargets: 0, rebuilds: 0, freshPlanned: 0,
  };
  /** scanKnown's scratch: kinds by target, accumulators. */
  private kindsAt = new Uint8Array(0);
  private readonly scanAccs: KindAccs = new Array<BoundAcc | undefined>(NKINDS);
  /**
   * The last step's best candidates of instances other than the winner's: scored anew
   * (exactly) at the next step, the least is a bar before any instance is scanned.
   * After a move the next best is usually one of them, and with the current score as
   * the only bar ≈ 120 lazy entries per step were brought up to date (at 1,000 nodes)
   * whose bounds the winner's score was below.
   */
  private seeds: Seed[] = [];
  /** The step's online nodes (made anew when roundInputs is), and its scan order. */
  private online: ReadonlySet<Ndx> | null = null;
  private readonly heap = new MinHeap();
  /** The scorer of the last step that made one, and the node container it is for. */
  private scorer: { s: StepScorer; nl: Table["nl"] } | null = null;
  /** The last step's starting nodes (its scorer's, when it made one). */
  private prevNl: Table["nl"] | null = null;
  /**
   * At the last fresh start (new caches): refreshTargets then, and the targets it bounded
   * (instances × nodes), which the refreshes since are measured against (rebuildFactor).
   */
  private freshMark = 0;
  private freshCost = Infinity;

  /**
   * `minNodes`: below this many online nodes every step is a full scan (tryBalanceFull):
   * with 2-3 of a handful of nodes changed per step, most instances need a full scan
   * anyway and carrying bounds costs more than it saves. Both give the same moves.
   * `epoch`: every this many steps the class bounds start anew (slopes from the current
   * variances; envelopes of the current members only). `partsMax`: the most changed
   * nodes class parts are taken onto for one entry (LazyState.classPartsSince).
   * `rebuildFactor`: the entries start afresh (as at the first step; the centre and the
   * contributions cached per node and centre stay) once the targets bounded by refreshes
   * since the last fresh start exceed this many times the targets that start bounded.
   * Entries age: a refresh bounds every node changed since the entry was last brought up
   * to date, late in a converged 1,000-node run ≈ 130 of them against ≈ 20 after a fresh
   * start, and one full scan of every instance then costs less than the refreshes it
   * saves. Infinity: never. `freshCut`: at a fresh start, each kind of an
   * instance is bounded one by one onto at least this many targets, those its class
   * ranks first (FreshScan; the others only where they could reach the best score).
   */
  constructor(
    readonly opts: AlgorithmOptions, readonly minNodes = 16, readonly epoch = 128, readonly partsMax = PARTS_MAX,
    readonly rebuildFactor = REBUILD_FACTOR, readonly freshCut = FRESH_CUT,
  ) {
    this.mc = new MoveContribs(opts.ignoreSoftErrors);
  }

  /** An instance's cached state, for diagnostics (bench/htools/balance-lockstep.ts). */
  describe(i: number): Record<string, unknown> {
    const c = this.ents[i];
    if (c === undefined || this.le === null) return { cached: false };
    return { cached: true, mask: c.mask, ...this.le.describe(i) };
  }

  /** roundInputs, with the instances' indices (in the order of `reloc`). */
  private roundInputs(
    ini: Table,
  ): { reloc: Instance[]; idx: Int32Array; nodeIdx: Ndx[]; pass: Int32Array; same: boolean } {
    const inp = this.inputs;
    const mi = this.movedIdx;
    if (inp !== null && this.last === ini && !this.opts.evacMode && mi >= 0 && mi < inp.pos.length) {
      // the moved instance keeps its flags (movable, autoBalance), so its place
      const v = ini.il[mi];
      const j = inp.pos[mi]!;
      if (v !== undefined && j >= 0 && v.movable && v.autoBalance) {
        inp.reloc[j] = v;
        return { reloc: inp.reloc, idx: inp.idx, nodeIdx: inp.nodeIdx, pass: inp.pass, same: true };
      }
    }
    const { reloc, nodeIdx } = roundInputs(this.opts, ini);
    const idx = Int32Array.from(reloc, (v) => v.idx);
    const pos = new Int32Array(ini.il.length).fill(-1);
    for (let j = 0; j < idx.length; j++) if (idx[j]! < pos.length) pos[idx[j]!] = j;
    // the step's pass reads only instances with a move (a move keeps the disk template):
    // at 1,000 nodes 6,343 of 16,000 have none, and reading each record cost a cache miss
    const pass = Int32Array.from(reloc.keys()).filter((j) => I.mirrorType(reloc[j]!) !== "none");
    this.inputs = { reloc, idx, pos, nodeIdx, pass };
    return { reloc, idx, nodeIdx, pass, same: false };
  }

  /**
   * Carries an entry over a change of its own nodes (or its own move): its bounds
   * shifted by the change of its source sides (carrySource), then lazy again
   * (coverLazy, settle). False when it has to be scanned in full. Kept out of the step's
   * pass over every entry, which stays small this way.
   */
  private carryEntry(
    c: CachedInst, v: Instance, ini: Table, prev: ScoreBase, base: ScoreBase, nodeIdx: readonly Ndx[],
    changed: ReadonlySet<Ndx>, rot: number, useSecondary: boolean, movedHere: boolean,
  ): boolean {
    const le = this.le!;
    const S = le.slots;
    const i = c.idx;
    const t = le.lazy.t;
    const at = S.at[i]!;
    // a lazy entry's targets changed since its step are covered by its class
    // bounds when it can stay lazy in its class (coverLazy), else bounded below
    if (at >= 0 && at < t - 1) le.catchUp(c, prev, changed);
    const since = at >= 0 ? S.since[i]! : -1;
    const oldSrc = c.src;
    if (this.locTags || !carrySource(
      this.opts, this.goodRefs, c, v, ini, prev, base, nodeIdx, changed, rot, useSecondary,
      this.mc.applies(v) ? this.mc : null,
    )) return false;
    if (oldSrc !== undefined && oldSrc !== c.src) this.mc.recycle(oldSrc); // replaced: nothing refers to it
    this.entInst[i] = v; // carrySource's new context is v's
    S.pNode[i] = v.pNode;
    S.sNode[i] = v.sNode;
    this.stats.source++;
    if (movedHere) this.stats.moved++;
    if (since >= 0 && since < t - 1) le.coverLazy(c, ini, base, this.online!, since, useSecondary);
    else le.settle(c, base, t, useSecondary);
    return true;
  }

  step(ini: Table): Table | null {
    const opts = this.opts;
    const { reloc, idx: relocIdx, nodeIdx, pass, same } = this.roundInputs(ini);
    if (nodeIdx.length < this.minNodes) {
      this.last = null;
      this.stats.steps++;
      const fin = checkMove(opts, nodeIdx, ini, reloc.slice());
      return accepted(opts, ini, fin) ? fin : null;
    }
    const nodesKey = same ? this.lastNodes : nodeIdx.join(",");
    const prev = this.lastBase;
    let base: ScoreBase | null = null;
    const aged = this.stats.refreshTargets - this.freshMark > this.rebuildFactor * this.freshCost;
    // a fresh start the balancer chose (aged) keeps the centre, so the contributions
    // cached per node and centre (MoveContribs: target sides and class target ranges)
    // stay: at 1,000 nodes they are ≈ 280,000 node operations to take anew
    let sameCentre: ScoreBase | null = null;
    if (this.last === ini && prev !== null && this.lastNodes === nodesKey) {
      const b = new ScoreBase(ini.nl, prev.center, this.prevNl !== null ? { base: prev, nl: this.prevNl } : undefined);
      if (compatibleBases(prev, b)) {
        if (aged) sameCentre = b;
        else base = b;
      }
    }
    const carry = base !== null;
    if (base === null) {
      if (aged && this.last === ini) this.stats.rebuilds++;
      this.freshMark = this.stats.refreshTargets;
      this.freshCost = reloc.length * nodeIdx.length;
      this.ents = [];
      this.entInst = [];
      this.nEnts = 0;
      if (sameCentre === null) this.mc = new MoveContribs(opts.ignoreSoftErrors);
      base = sameCentre ?? new ScoreBase(ini.nl);
      this.le = new LazyEntries(opts, this.mc, new LazyState(ini.nl.length, this.partsMax), ini.il.length, this.stats);
    }
    const le = this.le!;
    const lazy = le.lazy;
    this.locTags ??= hasLocationTags(ini.nl);
    le.locTags = this.locTags;
    this.mc.beginStep();
    const changed = new Set<Ndx>(carry ? this.changed : []);
    const moved = carry ? movedMetrics(prev!, base) : null;
    lazy.advance(carry ? prev : null, base, moved, carry ? this.changed : []);
    const t = lazy.t;
    const xTargets = nodeIdx.filter((x) => changed.has(x));
    if (!same || this.online === null) this.online = new Set(nodeIdx);
    const online = this.online;
    const useSecondaryOf = (v: Instance): boolean => online.has(v.sNode) && opts.instanceMoves;
    if (t % this.epoch === 0) le.newEpoch(base, this.ents);

    const dirty: Instance[] = [];
    const heap = this.heap;
    heap.clear();
    const off = lazy.off;
    if (le.slots.at.length < ini.il.length) le.slots = le.slots.grown(ini.il.length);
    const S = le.slots;
    const { at: sAt, kn: sKn, keyT: sKeyT, pn: sPn, cls: sCls, lin: sLin, seen: sSeen, pNode: sP, sNode: sS } = S;
    const sPnK = S.pnK;
    const envAt = le.envAt;
    const ents = this.ents;
    const entInst = this.entInst;
    // lastChanged[x] === t: x is one of `changed` (LazyState.advance)
    const lastChanged = lazy.lastChanged;
    let bestScore = ini.score;
    let winner: { inst: Instance; found: Found } | null = null;
    let scorer: StepScorer | null = null;
    // the last step's scorer, its columns patched at the nodes its move changed
    const stepScorer = (): StepScorer => {
      if (scorer !== null) return scorer;
      const old = this.scorer;
      scorer = carry && old !== null && old.nl === this.prevNl && old.s.advance(ini.nl, this.changed)
        ? old.s
        : new StepScorer(ini.nl);
      this.scorer = { s: scorer, nl: ini.nl };
      return scorer;
    };
    // candidates kept for the next step's bar (seeds): instance index, move, score
    const kept: Seed[] = [];
    // a seed's score is one of this step's candidates' (the same checks as the scan's,
    // the same doubles): an instance with a candidate of that score exists, so every
    // instance scanned below with it as the bar still finds the least score, and the
    // first instance with it wins as before
    let seeded = false;
    if (this.seeds.length > 0) {
      const sc = stepScorer();
      const pos = this.inputs!.pos;
      for (const sd of this.seeds) {
        const j = sd.idx < pos.length ? pos[sd.idx]! : -1;
        if (j < 0) continue;
        const v = reloc[j]!;
        const score = seedScore(opts, v, sd.mv, ini, online, useSecondaryOf(v), sc);
        if (score === null) continue;
        kept.push({ idx: v.idx, mv: sd.mv, score });
        if (score < bestScore) {
          bestScore = score;
          seeded = true;
        }
      }
    }
    // an entry whose bound is above the bar (the seeded one) is never scanned: not
    // pushed at all
    let nSeen = 0;
    let rot = 0;
    // after the balancer's own move (same, carry) only the moved instance's record
    // changed: every other entry is still for its instance's record, so the two are not
    // compared (late in a converged 1,000-node run the comparison waited on a cache miss
    // per entry, ≈ 6 % of the run) and the record is read only where it is used
    const mIdx = this.movedIdx;
    const recordsKept = same && carry;
    for (let q = 0; q < pass.length; q++) {
      const j = pass[q]!;
      const i = relocIdx[j]!;
      const c = ents[i];
      const kept = recordsKept && c !== undefined && i !== mIdx;
      const v = kept ? entInst[i]! : reloc[j]!;
      // the instance the last move moved is carried like a change of its nodes: a
      // candidate onto an unchanged target without peer entries on its old or new
      // nodes changes by the difference of the source sides (carrySource)
      const movedHere = carry && i === mIdx && c !== undefined && entInst[i] !== v;
      if (c === undefined || (!kept && entInst[i] !== v && !movedHere)) {
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
        if (!this.carryEntry(c, v, ini, prev!, base, nodeIdx, changed, rot++, useSecondaryOf(v), movedHere)) {
          dirty.push(v);
          continue;
        }
      } else if (at >= 0) {
        if (xTargets.length > 0) {
          const cst = lazy.classConsts(sCls[i]!, this.mc, base, ini.nl, xTargets);
          // parts of another epoch's slopes are not mixed into pnK
          if (S.pkT[i]! < lazy.epochAt) le.rollEpoch(i);
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
        if (kt >= 0 && lastChanged[kt]! > at) le.setKey(c);
        const k = Math.min(sKn[i]!, sPn[i]!);
        const lb = k + off - offsetMargin(k, off);
        if (lb <= bestScore) heap.push(lb, i);
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
          scanInstance(opts, c.ctx, xTargets, false, useSecondaryOf(v), base, ini, -Infinity, c.accs, null, le.fastFor(c, base));
        }
      }
      let lb = accsValue(c.accs);
      // a covered entry (coverLazy): its targets changed since `since` are under pn
      const pk = sPn[i]!;
      if (pk !== Infinity) lb = Math.min(lb, pk + off - offsetMargin(pk, off));
      if (lb <= bestScore) heap.push(lb, i);
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

    const newEntry = (v: Instance): CachedInst => ({
      idx: v.idx, accs: new Array<BoundAcc | undefined>(NKINDS), ctx: new MoveContext(opts.ignoreSoftErrors, ini.nl, v), mask: 0,
    });
    // a fresh start: every entry joins its class first, then is bounded one by one only
    // onto the targets its class's bounds cannot rule out (FreshScan)
    let fresh: FreshScan | null = null;
    const made: (CachedInst | undefined)[] = [];
    if (!carry && dirty.length >= FRESH_MIN) {
      fresh = new FreshScan(le, this.mc, base, ini.nl, nodeIdx, this.freshCut);
      for (const d of dirty) {
        const e = newEntry(d);
        made[d.idx] = e;
        fresh.join(e, useSecondaryOf(d));
      }
    }
    const scanFull = (v: Instance): void => {
      const entry = made[v.idx] ?? newEntry(v);
      made[v.idx] = undefined;
      const { ctx, accs } = entry;
      this.stats.full++;
      const sc = stepScorer();
      S.at[v.idx] = -1;
      S.kn[v.idx] = Infinity;
      S.keyT[v.idx] = -1;
      S.pn[v.idx] = Infinity;
      const fast = le.fastFor(entry, base);
      const plan = fresh !== null && fast !== null ? fresh.plan(entry, bestScore) : null;
      const f = scanInstance(
        opts, ctx, plan === null ? nodeIdx : plan.targets, true, useSecondaryOf(v), base, ini, bestScore, accs, sc, fast,
        undefined, plan === null ? null : plan.kindsAt,
      );
      if (plan !== null) {
        fresh!.finish(entry, plan.targets);
        this.stats.freshPlanned++;
      }
      entry.ctx = pinContext(ctx);
      if (ents[v.idx] === undefined) this.nEnts++;
      ents[v.idx] = entry;
      entInst[v.idx] = v;
      S.pNode[v.idx] = v.pNode;
      S.sNode[v.idx] = v.sNode;
      // an entry the fresh start put in its class keeps it (FreshScan.join)
      le.settle(entry, base, t, useSecondaryOf(v), plan !== null);
      consider(v, f);
    };
    const consider = (v: Instance, f: Found | null): void => {
      if (f === null) return;
      if (f.score < ini.score) kept.push({ idx: v.idx, mv: f.mv, score: f.score });
      // a seeded bar is a candidate's score: the first instance reaching it wins
      if (f.score < bestScore || (f.score === bestScore && (winner === null ? seeded : v.idx < winner.inst.idx))) {
        bestScore = f.score;
        winner = { inst: v, found: f };
      }
    };
    // an entry up to date at this step: only its candidates whose bound could win
    const scanCached = (v: Instance, c: CachedInst): boolean => {
      const sc = stepScorer();
      if (this.kindsAt.length < ini.nl.length) this.kindsAt = new Uint8Array(ini.nl.length);
      const f = scanKnown(
        opts, c.ctx, c.accs, nodeIdx, useSecondaryOf(v), base, ini, bestScore, sc, le.fastFor(c, base),
        this.kindsAt, this.scanAccs,
      );
      if (f === undefined) return false;
      this.stats.known++;
      // scanKnown may have replaced accumulators with fresh ones: a lazy entry's key
      // and the drift's ranges follow
      if (S.at[v.idx]! >= 0) {
        for (const a of c.accs) if (a !== undefined) lazy.record(a);
        le.setKey(c);
      }
      consider(v, f);
      return true;
    };
    // the lowest bound first (a good bar for the rest), then the instances scanned in
    // full anyway, then every other instance whose bound is not above the best score,
    // lowest first; a lazy entry is brought up to date before it is scanned
    let dirtyDone = false;
    while (heap.size > 0 && heap.peek() <= bestScore) {
      // a pushed entry's instance is entInst's (the pass above checked or set it)
      const i = heap.pop();
      const v = entInst[i]!;
      const c = ents[i]!;
      const at = S.at[i]!;
      if (at >= 0 && (at < t || S.since[i]! < at)) {
        const kn = S.kn[i]!;
        const own = kn + lazy.off - offsetMargin(kn, lazy.off);
        // the drift adds up over the steps since its class bounds were taken: taken
        // anew at this step (once), they often keep the entry lazy (no refresh)
        const pk = S.pn[i]!;
        if (pk + lazy.off - offsetMargin(pk, lazy.off) < own && S.rc[i] !== t) {
          S.rc[i] = t;
          const lb = le.reclass(i, ini, base, online);
          if (lb !== -Infinity) {
            this.stats.reclassed++;
            const key = Math.min(own, lb);
            if (key <= bestScore) heap.push(key, i);
            continue;
          }
        }
        if (own <= bestScore) this.stats.byKey++;
        if (S.pn[i]! < kn) this.stats.byClass++;
        // its own key first, when that is what reached the best score: carried to this
        // step with the accumulators' own ranges it often stays above it (no refresh)
        if (own <= bestScore && at < t) {
          le.shiftOwn(c, base);
          const k2 = Math.min(S.kn[i]!, S.pn[i]!);
          if (k2 === Infinity || k2 + lazy.off - offsetMargin(k2, lazy.off) > bestScore) continue;
        }
        le.refresh(c, ini, base, online, useSecondaryOf(v));
        const lb = accsValue(c.accs);
        if (lb <= bestScore) heap.push(lb, i);
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
    if (seeded) this.stats.seeded++;
    if (winner === null && seeded) throw new Error("htools: no instance reached the seeded bar");
    this.seeds = bestSeeds(kept, winner === null ? -1 : (winner as { inst: Instance }).inst.idx);
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
    this.prevNl = ini.nl;
    this.lastBase = base;
    this.lastNodes = nodesKey;
    this.changed = found.res.nodes.map(([i]) => i);
    this.movedIdx = inst.idx;
    return fin;
  }
}

/** Instances scanned at a fresh start from which they are bounded per class first (FreshScan). */
const FRESH_MIN = 64;

/**
 * Balancer's default rebuildFactor. A fresh start bounded per class (FreshScan) costs
 * ≈ 3 s at 1,000 nodes instead of 7-13 s, so it pays to start afresh 4 times as often:
 * a converged 1,000-node run took 489 s of CPU with 0.25 against 544 s with 1 (both at
 * once), and 511 s against 517 s with 0.1; since a chosen fresh start keeps its caches
 * (session 16), 432.5 s against 451.0 s with 0.1.
 */
export const REBUILD_FACTOR = 0.25;

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

