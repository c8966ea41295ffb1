// Ganeti's greedy balancing run step after step, incrementally (Balancer): each
// instance's candidate bounds are carried across steps and only the instances a move
// could have changed are scanned again; every step picks exactly the move a full scan
// (cluster.ts tryBalanceFull) would.
import * as C from "./container.js";
import type { Container } from "./container.js";
import * as I from "./instance.js";
import type { Instance } from "./instance.js";
import type { Node } from "./node.js";
import {
  type BoundAcc,
  type Contrib,
  ScoreBase,
  addContrib,
  boundAccEmpty,
  boundAccValue,
  compatibleBases,
  accForget,
  newBoundAcc,
  newContrib,
  movedMetrics,
  shiftBoundAcc,
} from "./score-bound.js";
import { ExactScorer } from "./exact-scorer.js";
import { BOUNDED, FALLBACK, MoveContribs, type SourceContribs } from "./move-contribs.js";
import {
  type Idx,
  type IMove,
  type Ndx,
  NO_SECONDARY,
} from "./types.js";
import {
  type AlgorithmOptions,
  type MoveResult,
  type Table,
  MoveContext,
  accepted,
  applyMoveIn,
  checkMove,
  doNextBalance,
  possibleMoves,
  roundInputs,
} from "./cluster.js";

interface Found {
  readonly score: number;
  readonly res: MoveResult;
  readonly mv: IMove;
}

const KIND_ID: Readonly<Record<IMove["kind"], number>> = {
  Failover: 0,
  FailoverToAny: 1,
  ReplacePrimary: 2,
  ReplaceSecondary: 3,
  ReplaceAndFailover: 4,
  FailoverAndReplace: 5,
};
const NKINDS = 6;
const KIND_NAME: readonly IMove["kind"][] = (Object.keys(KIND_ID) as IMove["kind"][]).sort((a, b) => KIND_ID[a] - KIND_ID[b]);

/** One bound accumulator per move kind (a kind's candidates share their source nodes). */
type KindAccs = (BoundAcc | undefined)[];

function accFor(accs: KindAccs, kind: IMove["kind"]): BoundAcc {
  const k = KIND_ID[kind];
  return (accs[k] ??= newBoundAcc());
}

function accsValue(accs: KindAccs): number {
  let lb = Infinity;
  for (const a of accs) if (a !== undefined && !boundAccEmpty(a)) lb = Math.min(lb, boundAccValue(a));
  return lb;
}

/**
 * Scans some candidates of one instance (the Failover move, then the moves onto each of
 * `targets`), feeding every candidate's bound to its kind's accumulator. With `exact`,
 * also returns the instance's best candidate whose score is below `ini.score` and not
 * above `bar` (the first of equal scores, as Ganeti keeps the current best unless
 * strictly better); null when there is none.
 */
function scanInstance(
  opts: AlgorithmOptions,
  ctx: MoveContext,
  targets: readonly Ndx[],
  withFailover: boolean,
  useSecondary: boolean,
  base: ScoreBase,
  ini: Table,
  bar: number,
  accs: KindAccs,
  exact: ExactScorer | null,
  fast: Fast | null = null,
): Found | null {
  const target = ctx.inst;
  const opdx = target.pNode;
  const osdx = target.sNode;
  const mir = I.mirrorType(target);
  let found: Found | null = null;
  let cur = ini.score;
  const tryOne = (mv: IMove): void => {
    if (fast !== null && mv.kind !== "Failover") {
      const lb = fast.mc.bound(base, ctx, fast.src, mv, mv.node, ini.nl[mv.node]!, accFor(accs, mv.kind));
      const outcome = fast.mc.outcome;
      if (outcome !== FALLBACK) {
        if (outcome !== BOUNDED || exact === null || lb >= cur || lb > bar) return;
        const r = applyMoveIn(ctx, mv);
        if (!r.ok) throw new Error(`htools: a move bounded as possible failed: ${r.error}`);
        const score = exact.score(r.value.nodes);
        exactCount++;
        if (cur > score) {
          cur = score;
          found = { score, res: r.value, mv };
        }
        return;
      }
    }
    const r = applyMoveIn(ctx, mv);
    if (!r.ok) return;
    const res = r.value;
    const lb = base.lowerBound(res.nodes, accFor(accs, mv.kind), mv.kind === "Failover" ? -1 : mv.node);
    if (exact === null || lb >= cur || lb > bar) return;
    const score = exact.score(res.nodes);
    exactCount++;
    if (cur > score) {
      cur = score;
      found = { score, res, mv };
    }
  };
  if (withFailover && mir === "internal" && useSecondary) tryOne({ kind: "Failover" });
  const primaryDrained = ctx.oldP.offline;
  for (const tdx of targets) {
    if (tdx === opdx || tdx === osdx) continue;
    const moves = possibleMoves(
      mir, useSecondary, opts.instanceMoves, opts.diskMoves, opts.restrictedMigration, primaryDrained, tdx,
    );
    for (const mv of moves) tryOne(mv);
  }
  return found;
}

let exactCount = 0;
/** Exact scores computed by the incremental balancer so far (for measurements). */
export function exactScoresComputed(): number {
  return exactCount;
}

/** Candidates bounded from cached contributions (move-contribs.ts). */
interface Fast {
  readonly mc: MoveContribs;
  readonly src: SourceContribs;
}

interface CachedInst {
  /** The source contributions of the context's instance (computed when first needed). */
  src?: SourceContribs;
  accs: KindAccs;
  /** The context of the last scan: the instance and its nodes as they were then. */
  ctx: MoveContext;
}

/** Materialises a context's source nodes, so that it keeps describing its own step. */
function pinContext(ctx: MoveContext): MoveContext {
  if (ctx.inst.sNode !== NO_SECONDARY) {
    void ctx.oldS;
    void ctx.intS;
  }
  void ctx.intP;
  return ctx;
}

function hasLocationTags(nl: Container<Node>): boolean {
  for (const n of C.elems(nl)) if (n.locationTags.size > 0) return true;
  return false;
}

/**
 * Ganeti's greedy balancing, step after step, with the same result as scanning every
 * candidate of every instance at each step (tryBalanceFull) but without doing so.
 *
 * Each instance keeps, per move kind, a lower bound on the score of its candidates
 * (BoundAcc). After a move, a candidate whose nodes did not change keeps its own
 * numbers, so its instance's bound is carried over (shiftBoundAcc); only its candidates
 * onto the 2-3 changed nodes are bounded anew. When the nodes an instance leaves
 * changed, every candidate of a kind changes by the same amount, found from one
 * candidate of that kind before and after (targets whose peer-map entry could matter
 * are bounded anew). Instances are then scanned exactly in increasing order of their
 * bound while it is not above the best score found: every instance that could reach the
 * best score is scanned, and the winner is the first instance (by index) with the best
 * score, and its first candidate with it — Ganeti's choice.
 */
export class Balancer {
  private last: Table | null = null;
  private lastBase: ScoreBase | null = null;
  private lastNodes = "";
  private changed: readonly Ndx[] = [];
  private readonly cache = new Map<Idx, CachedInst>();
  private locTags: boolean | null = null;
  /** Contributions cached across the steps that keep one centre. */
  private mc: MoveContribs;
  /** Per kind, the last reference target that served in carrySource. */
  private readonly goodRefs: Ndx[] = new Array<Ndx>(NKINDS).fill(-1);
  /** Work done so far: full scans, carried bounds, carried through a source change, steps. */
  readonly stats = { full: 0, partial: 0, source: 0, steps: 0 };

  /**
   * `minNodes`: below this many online nodes every step is a full scan (tryBalanceFull):
   * with 2-3 of a handful of nodes changed per step, most instances need a full scan
   * anyway and carrying bounds costs more than it saves. Both give the same moves.
   */
  constructor(readonly opts: AlgorithmOptions, readonly minNodes = 16) {
    this.mc = new MoveContribs(opts.ignoreSoftErrors);
  }

  /** The fast path for the instance of a cached entry, or null. */
  private fastFor(c: CachedInst, base: ScoreBase): Fast | null {
    if (this.locTags === true || !this.mc.applies(c.ctx.inst)) return null;
    c.src ??= this.mc.sources(base, c.ctx);
    return { mc: this.mc, src: c.src };
  }

  step(ini: Table): Table | null {
    const opts = this.opts;
    const { reloc, nodeIdx } = roundInputs(opts, ini);
    if (nodeIdx.length < this.minNodes) {
      this.last = null;
      this.stats.steps++;
      const fin = checkMove(opts, nodeIdx, ini, reloc);
      return accepted(opts, ini, fin) ? fin : null;
    }
    const nodesKey = nodeIdx.join(",");
    const prev = this.lastBase;
    let base: ScoreBase | null = null;
    if (this.last === ini && prev !== null && this.lastNodes === nodesKey) {
      const b = new ScoreBase(ini.nl, prev.center);
      if (compatibleBases(prev, b)) base = b;
    }
    const carry = base !== null;
    if (base === null) {
      this.cache.clear();
      this.mc = new MoveContribs(opts.ignoreSoftErrors);
      base = new ScoreBase(ini.nl);
    }
    this.locTags ??= hasLocationTags(ini.nl);
    this.mc.beginStep();
    const changed = new Set<Ndx>(carry ? this.changed : []);
    const moved = carry ? movedMetrics(prev!, base) : null;
    const xTargets = nodeIdx.filter((t) => changed.has(t));
    const online = new Set(nodeIdx);
    const useSecondaryOf = (v: Instance): boolean => online.has(v.sNode) && opts.instanceMoves;

    const dirty: Instance[] = [];
    const clean: { inst: Instance; lb: number }[] = [];
    const seen = new Set<Idx>();
    let rot = 0;
    for (const v of reloc) {
      seen.add(v.idx);
      const c = this.cache.get(v.idx);
      if (c === undefined || c.ctx.inst !== v) {
        dirty.push(v);
        continue;
      }
      if (changed.has(v.pNode) || changed.has(v.sNode)) {
        if (this.locTags || !this.carrySource(c, v, ini, prev!, base, nodeIdx, changed, rot++, useSecondaryOf)) {
          dirty.push(v);
          continue;
        }
        this.stats.source++;
      } else {
        for (const a of c.accs) {
          if (a === undefined) continue;
          shiftBoundAcc(a, prev!, base, null, moved!);
          accForget(a, changed);
        }
        if (xTargets.length > 0) {
          c.ctx.nl = ini.nl;
          this.stats.partial++;
          scanInstance(opts, c.ctx, xTargets, false, useSecondaryOf(v), base, ini, -Infinity, c.accs, null, this.fastFor(c, base!));
        }
      }
      const lb = accsValue(c.accs);
      if (lb !== Infinity) clean.push({ inst: v, lb });
    }
    if (this.cache.size > seen.size) {
      for (const k of [...this.cache.keys()]) if (!seen.has(k)) this.cache.delete(k);
    }

    let bestScore = ini.score;
    let winner: { inst: Instance; found: Found } | null = null;
    let scorer: ExactScorer | null = null;
    const scanFull = (v: Instance): void => {
      const ctx = new MoveContext(opts.ignoreSoftErrors, ini.nl, v);
      const accs: KindAccs = new Array<BoundAcc | undefined>(NKINDS);
      this.stats.full++;
      scorer ??= new ExactScorer(ini.nl);
      const entry: CachedInst = { accs, ctx };
      const fast = this.fastFor(entry, base);
      const f = scanInstance(opts, ctx, nodeIdx, true, useSecondaryOf(v), base, ini, bestScore, accs, scorer, fast);
      entry.ctx = pinContext(ctx);
      this.cache.set(v.idx, entry);
      if (f === null) return;
      if (f.score < bestScore || (f.score === bestScore && winner !== null && v.idx < winner.inst.idx)) {
        bestScore = f.score;
        winner = { inst: v, found: f };
      }
    };
    // the lowest bound first (a good bar for the rest), then the instances scanned in
    // full anyway, then every other instance whose bound is not above the best score,
    // lowest first
    let first = -1;
    for (let j = 0; j < clean.length; j++) if (first < 0 || clean[j]!.lb < clean[first]!.lb) first = j;
    if (first >= 0 && clean[first]!.lb <= bestScore) scanFull(clean[first]!.inst);
    for (const v of dirty) scanFull(v);
    const rest = clean.filter((c, j) => j !== first && c.lb <= bestScore).sort((a, b) => a.lb - b.lb);
    for (let k = 0; k < rest.length && rest[k]!.lb <= bestScore; k++) scanFull(rest[k]!.inst);

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
    return fin;
  }

  /**
   * Carries an instance's bounds over a change of the nodes it would leave (its primary
   * or secondary changed, the instance itself did not move). For each kind, one
   * candidate onto an unchanged reference target is applied before and after: its
   * source nodes' contribution changed by the same amount for every target of that
   * kind. Targets whose peer-map entry on the instance's nodes is not zero (for the
   * kinds that read it), the changed nodes and the Failover move are bounded anew.
   * False when this cannot be done (the caller scans the instance in full).
   */
  private carrySource(
    c: CachedInst, v: Instance, ini: Table, prev: ScoreBase, base: ScoreBase,
    nodeIdx: readonly Ndx[], changed: ReadonlySet<Ndx>, rot: number, useSecondaryOf: (v: Instance) => boolean,
  ): boolean {
    const opts = this.opts;
    const oldCtx = c.ctx;
    oldCtx.nl = ini.nl; // the reference targets did not change
    const newCtx = new MoveContext(opts.ignoreSoftErrors, ini.nl, v);
    const hasSec = v.sNode !== NO_SECONDARY;
    const special = new Set<Ndx>(changed);
    const addPeers = (n: Node): void => {
      for (const [key] of n.peers) special.add(key);
    };
    addPeers(oldCtx.oldP);
    addPeers(newCtx.oldP);
    if (hasSec) {
      addPeers(oldCtx.oldS);
      addPeers(newCtx.oldS);
    }
    const useSecondary = useSecondaryOf(v);
    const accs = c.accs;
    const newAccs: KindAccs = new Array<BoundAcc | undefined>(NKINDS);
    // reference targets: unchanged, not the instance's nodes, no peer entry; the last
    // ones that served first, then spread over the nodes
    const refs: Ndx[] = [];
    const usable = (t: Ndx): boolean => t !== v.pNode && t !== v.sNode && !special.has(t) && !refs.includes(t);
    for (const t of this.goodRefs) if (t >= 0 && usable(t)) refs.push(t);
    const nn = nodeIdx.length;
    const stride = Math.floor(nn / 7) + 1;
    for (let j = 0; j < nn && refs.length < 8 + this.goodRefs.length; j++) {
      const t = nodeIdx[(rot * 13 + j * stride + Math.floor(j / 7)) % nn]!;
      if (usable(t)) refs.push(t);
    }
    for (let k = 0; k < NKINDS; k++) {
      const acc = accs[k];
      if (acc === undefined || boundAccEmpty(acc)) continue;
      if (k === KIND_ID.Failover) continue; // bounded anew below
      if (acc.total === -Infinity) return false;
      const kind = KIND_NAME[k]!;
      let src: Contrib | null = null;
      for (const t of refs) {
        const mv = { kind, node: t } as IMove;
        const ro = applyMoveIn(oldCtx, mv);
        const rn = applyMoveIn(newCtx, mv);
        if (!ro.ok || !rn.ok) continue;
        const d = newContrib();
        let good = true;
        for (const [i, node] of rn.value.nodes) if (i !== t) good &&= addContrib(base, i, node, 1, d);
        for (const [i, node] of ro.value.nodes) if (i !== t) good &&= addContrib(prev, i, node, -1, d);
        if (!good) return false;
        src = d;
        this.goodRefs[k] = t;
        break;
      }
      if (src === null) return false;
      shiftBoundAcc(acc, prev, base, src);
      accForget(acc, special);
      newAccs[k] = acc;
    }
    // A kind that had no feasible candidate may have some now: scan in full.
    for (let k = 0; k < NKINDS; k++) {
      if (k === KIND_ID.Failover || newAccs[k] !== undefined) continue;
      for (const t of refs) {
        const kind = KIND_NAME[k]!;
        const moves = possibleMoves(
          I.mirrorType(v), useSecondary, opts.instanceMoves, opts.diskMoves, opts.restrictedMigration,
          newCtx.oldP.offline, t,
        );
        if (moves.some((m) => m.kind === kind) && applyMoveIn(newCtx, { kind, node: t } as IMove).ok) return false;
      }
    }
    const targets = nodeIdx.filter((t) => special.has(t));
    scanInstance(opts, newCtx, targets, true, useSecondary, base, ini, -Infinity, newAccs, null);
    c.accs = newAccs;
    c.ctx = pinContext(newCtx);
    c.src = undefined;
    return true;
  }
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

