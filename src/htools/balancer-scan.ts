// One balancing step's pieces for the incremental balancer (balancer.ts): scanning an
// instance's candidates into per-kind bound accumulators, and carrying its bounds over
// a change of its own nodes.
import * as C from "./container.js";
import type { Container } from "./container.js";
import * as I from "./instance.js";
import type { Instance } from "./instance.js";
import type { Node } from "./node.js";
import { type Contrib, ScoreBase, addContrib, newContrib } from "./score-bound.js";
import { type BoundAcc, boundAccEmpty, boundAccValue, accForget, newBoundAcc, resetBoundAcc } from "./bound-acc.js";
import { shiftBoundAcc } from "./bound-carry.js";
import { type CandidateScorer, LANES } from "./balancer-exact.js";
import { BOUNDED, FALLBACK, FAST_KINDS, type MoveContribs, type SourceContribs } from "./move-contribs.js";
import { type IMove, type MirrorType, type Ndx, NO_SECONDARY } from "./types.js";
import {
  type AlgorithmOptions,
  type MoveResult,
  type Table,
  MoveContext,
  applyMoveIn,
  possibleMoves,
} from "./cluster.js";

export interface Found {
  readonly score: number;
  readonly res: MoveResult;
  readonly mv: IMove;
}

export const KIND_ID: Readonly<Record<IMove["kind"], number>> = {
  Failover: 0,
  FailoverToAny: 1,
  ReplacePrimary: 2,
  ReplaceSecondary: 3,
  ReplaceAndFailover: 4,
  FailoverAndReplace: 5,
};
export const NKINDS = 6;
const ALL_KINDS = (1 << NKINDS) - 1;
export const KIND_NAME: readonly IMove["kind"][] = (Object.keys(KIND_ID) as IMove["kind"][]).sort((a, b) => KIND_ID[a] - KIND_ID[b]);

/** One bound accumulator per move kind (a kind's candidates share their source nodes). */
export type KindAccs = (BoundAcc | undefined)[];

export function accFor(accs: KindAccs, kind: IMove["kind"]): BoundAcc {
  const k = KIND_ID[kind];
  return (accs[k] ??= newBoundAcc());
}

export function accsValue(accs: KindAccs): number {
  let lb = Infinity;
  for (const a of accs) if (a !== undefined && !boundAccEmpty(a)) lb = Math.min(lb, boundAccValue(a));
  return lb;
}

/** A candidate that may win, scored exactly once every bound is known (scanInstance). */
interface Pending {
  readonly lb: number;
  /** Its place in the scan order (ties of exact scores go to the first). */
  readonly ord: number;
  readonly mv: IMove;
  /** The applied move, when bounding needed it (else applied when scored). */
  readonly res: MoveResult | null;
}

/** Sort key of a pending candidate: a NaN bound bounds nothing, so it comes first. */
function pendKey(p: Pending): number {
  return p.lb === p.lb ? p.lb : -Infinity;
}

/**
 * Scans some candidates of one instance (the Failover move, then the moves onto each of
 * `targets`), feeding every candidate's bound to its kind's accumulator. With `exact`,
 * also returns the instance's best candidate whose score is below `ini.score`, when its
 * score is not above `bar` (the first in scan order of equal scores, as Ganeti keeps
 * the current best unless strictly better); null when there is none (otherwise, when
 * the best is above `bar`, some candidate above `bar` or null).
 *
 * Candidates whose bound is below `ini.score` and not above `bar` are scored exactly
 * after the scan, in increasing order of their bound, until a bound exceeds the best
 * score found: the first candidate (in scan order) with the least score has a bound
 * not above that score, so it is scored, and it is the one kept.
 */
export function scanInstance(
  opts: AlgorithmOptions,
  ctx: MoveContext,
  targets: readonly Ndx[],
  withFailover: boolean,
  useSecondary: boolean,
  base: ScoreBase,
  ini: Table,
  bar: number,
  accs: KindAccs,
  exact: CandidateScorer | null,
  fast: Fast | null = null,
  kindMask = ALL_KINDS,
  kindsAt: Uint8Array | null = null,
): Found | null {
  const target = ctx.inst;
  const opdx = target.pNode;
  const osdx = target.sNode;
  const mir = I.mirrorType(target);
  const top = ini.score;
  const pend: Pending[] = [];
  let ord = 0;
  // a move applied (off the fast path): its bound from the nodes it changes
  const applied = (mv: IMove, o: number): void => {
    const r = applyMoveIn(ctx, mv);
    if (!r.ok) return;
    const res = r.value;
    const lb = base.lowerBound(res.nodes, accFor(accs, mv.kind), mv.kind === "Failover" ? -1 : mv.node);
    if (exact === null || lb >= top || lb > bar) return;
    pend.push({ lb, ord: o, mv, res });
  };
  if (withFailover && mir === "internal" && useSecondary) applied({ kind: "Failover" }, ord++);
  const byTarget = movesByTarget(opts, mir, useSecondary, ctx.oldP.offline);
  // possibleMoves' kinds do not depend on the target: their ids once, the moves
  // themselves (cached per target) only where a candidate is kept or applied
  const km0 = kindsOf(opts, mir, useSecondary, ctx.oldP.offline);
  const nk = km0.length >> 1;
  const nl = ini.nl;
  for (const tdx of targets) {
    if (tdx === opdx || tdx === osdx) continue;
    let moves: IMove[] | undefined;
    // kindsAt: the kinds to try onto this target (within kindMask)
    const km = kindsAt === null ? kindMask : kindMask & kindsAt[tdx]!;
    for (let j = 0; j < nk; j++) {
      const kid = km0[2 * j]!;
      if ((km & (1 << kid)) === 0) continue;
      const o = ord++;
      const fk = km0[2 * j + 1]!;
      if (fast !== null && fk >= 0) {
        // no source side: no candidate of the kind anywhere (boundKind: infeasible), and
        // no accumulator made for it (a carry kept ≈ 66 empty ones per step otherwise)
        if (fast.src[fk] === null) continue;
        const lb = fast.mc.boundKind(base, ctx, fast.src, fk, tdx, nl[tdx]!, (accs[kid] ??= newBoundAcc()));
        const outcome = fast.mc.outcome;
        if (outcome !== FALLBACK) {
          if (outcome !== BOUNDED || exact === null || lb >= top || lb > bar) continue;
          moves ??= (byTarget[tdx] ??= possibleMoves(
            mir, useSecondary, opts.instanceMoves, opts.diskMoves, opts.restrictedMigration, ctx.oldP.offline, tdx,
          ));
          pend.push({ lb, ord: o, mv: moves[j]!, res: null });
          continue;
        }
      }
      moves ??= (byTarget[tdx] ??= possibleMoves(
        mir, useSecondary, opts.instanceMoves, opts.diskMoves, opts.restrictedMigration, ctx.oldP.offline, tdx,
      ));
      applied(moves[j]!, o);
    }
  }
  if (exact === null || pend.length === 0) return null;
  pend.sort((a, b) => pendKey(a) - pendKey(b) || a.ord - b.ord);
  let found: Found | null = null;
  let cur = top;
  let curOrd = -1;
  // up to LANES candidates that the loop below would score next (with the best score
  // so far) are scored together; then taken in order as if scored one by one (those
  // after a better score was found may go unused)
  const batch: Pending[] = [];
  const batchRes: MoveResult[] = [];
  const batchNodes: MoveResult["nodes"][] = [];
  const scores = new Float64Array(LANES);
  let i = 0;
  for (;;) {
    batch.length = 0;
    batchRes.length = 0;
    batchNodes.length = 0;
    for (let j = i; j < pend.length && batch.length < LANES; j++) {
      const p = pend[j]!;
      const key = pendKey(p);
      if (key > cur) break;
      if (found !== null && key === cur && p.ord > curOrd) continue;
      let res = p.res;
      if (res === null) {
        const r = applyMoveIn(ctx, p.mv);
        if (!r.ok) throw new Error(`htools: a move bounded as possible failed: ${r.error}`);
        res = r.value;
      }
      batch.push(p);
      batchRes.push(res);
      batchNodes.push(res.nodes);
    }
    if (batch.length === 0) break;
    if (batch.length === 1) scores[0] = exact.score(batchNodes[0]!);
    else exact.scoreMany(batchNodes, scores);
    exactCount += batch.length;
    let stop = false;
    for (; i < pend.length; i++) {
      const p = pend[i]!;
      const key = pendKey(p);
      if (key > cur) {
        stop = true; // every later bound too: none can reach the best score
        break;
      }
      if (found !== null && key === cur && p.ord > curOrd) continue; // at best a later tie
      const q = batch.indexOf(p);
      if (q < 0) break; // not scored yet: the next batch
      const score = scores[q]!;
      if (score < cur || (found !== null && score === cur && p.ord < curOrd)) {
        cur = score;
        curOrd = p.ord;
        found = { score, res: batchRes[q]!, mv: p.mv };
      }
    }
    if (stop || i >= pend.length) break;
  }
  return found;
}

/**
 * scanInstance with `exact` for an instance whose accumulators bound every candidate
 * at this step: only the candidates whose bound is not above `bar` can score `bar` or
 * less, so only they are scanned (in scan order: the answer is the full scan's when
 * that is not above `bar`, else null or a candidate above `bar`, as scanInstance's).
 * A kind whose other targets (the accumulator's rest) could is scanned onto every
 * target. Undefined when the accumulators do not bound every candidate. `kinds`:
 * zeros, by node index (left zero).
 */
export function scanKnown(
  opts: AlgorithmOptions, ctx: MoveContext, accs: KindAccs, nodeIdx: readonly Ndx[], useSecondary: boolean,
  base: ScoreBase, ini: Table, bar: number, exact: CandidateScorer, fast: Fast | null, kinds: Uint8Array,
  scratch: KindAccs,
): Found | null | undefined {
  let failover = false;
  const touched: Ndx[] = [];
  for (let k = 0; k < NKINDS; k++) {
    const a = accs[k];
    if (a === undefined || boundAccEmpty(a)) continue;
    if (!(a.total > -Infinity)) return clear(kinds, touched);
    // boundAccValue's margin, for each recorded bound
    const m = 1e-9 * (a.abs + 1);
    if (k === KIND_ID.Failover) {
      failover = a.total - m <= bar;
      continue;
    }
    for (let j = 0; j < a.nTop && a.topV[j]! - m <= bar; j++) {
      const x = a.topT[j]!;
      if (x < 0) return clear(kinds, touched);
      if (kinds[x] === 0) touched.push(x);
      kinds[x] = kinds[x]! | (1 << k);
    }
  }
  touched.sort((x, y) => x - y);
  const scan = (targets: readonly Ndx[], b: number): Found | null => {
    for (const a of scratch) if (a !== undefined) resetBoundAcc(a);
    ctx.nl = ini.nl;
    return scanInstance(opts, ctx, targets, failover, useSecondary, base, ini, b, scratch, exact, fast, ALL_KINDS, kinds);
  };
  // the best recorded targets first: their best score is a bar for the others
  const f = scan(touched, bar);
  const bar2 = f !== null && f.score < bar ? f.score : bar;
  let every = 0;
  for (let k = 0; k < NKINDS; k++) {
    const a = accs[k];
    if (k === KIND_ID.Failover || a === undefined || boundAccEmpty(a)) continue;
    if (a.rest - 1e-9 * (a.abs + 1) <= bar2) every |= 1 << k;
  }
  if (every === 0) {
    clear(kinds, touched);
    return f;
  }
  for (const x of nodeIdx) kinds[x] = kinds[x]! | every;
  const g = scan(nodeIdx, bar2);
  clear(kinds, nodeIdx);
  clear(kinds, touched);
  // a kind scanned onto every target: the scan's accumulator bounds every candidate of
  // it at this step, and it replaces the entry's (whose `rest` keeps the least bound
  // of every candidate it ever saw, carried: one good target long gone kept the entry
  // among the candidates to scan, step after step)
  for (let k = 0; k < NKINDS; k++) {
    if ((every & (1 << k)) === 0) continue;
    const fresh = scratch[k];
    if (fresh === undefined || fresh.total === -Infinity) continue;
    scratch[k] = accs[k];
    accs[k] = fresh;
    renewedCount++;
  }
  return g;
}

let renewedCount = 0;
/** Accumulators scanKnown replaced by its scan's so far (for measurements and tests). */
export function accsRenewed(): number {
  return renewedCount;
}

/** Sets `kinds` back to zeros at `xs`. */
function clear(kinds: Uint8Array, xs: readonly Ndx[]): undefined {
  for (const x of xs) kinds[x] = 0;
  return undefined;
}

/**
 * possibleMoves' answers by target, per combination of its other arguments: they are
 * the same readonly moves every time, and a step asks for thousands.
 */
const movesCache = new Map<number, IMove[][]>();

function movesByTarget(opts: AlgorithmOptions, mir: MirrorType, useSecondary: boolean, drained: boolean): IMove[][] {
  const code =
    (mir === "none" ? 0 : mir === "external" ? 1 : 2) * 16 + (useSecondary ? 8 : 0) + (opts.instanceMoves ? 4 : 0) +
    (opts.diskMoves ? 2 : 0) + (opts.restrictedMigration ? 1 : 0) + (drained ? 64 : 0);
  let m = movesCache.get(code);
  if (m === undefined) {
    m = [];
    movesCache.set(code, m);
  }
  return m;
}

/** Per combination of possibleMoves' arguments but the target: its kinds (KIND_ID, FAST_KINDS or -1), in pairs. */
const kindsCache = new Map<number, Int8Array>();

function kindsOf(opts: AlgorithmOptions, mir: MirrorType, useSecondary: boolean, drained: boolean): Int8Array {
  const code =
    (mir === "none" ? 0 : mir === "external" ? 1 : 2) * 16 + (useSecondary ? 8 : 0) + (opts.instanceMoves ? 4 : 0) +
    (opts.diskMoves ? 2 : 0) + (opts.restrictedMigration ? 1 : 0) + (drained ? 64 : 0);
  let k = kindsCache.get(code);
  if (k === undefined) {
    const moves = possibleMoves(mir, useSecondary, opts.instanceMoves, opts.diskMoves, opts.restrictedMigration, drained, 0);
    k = new Int8Array(2 * moves.length);
    moves.forEach((mv, j) => {
      k![2 * j] = KIND_ID[mv.kind];
      k![2 * j + 1] = FAST_KINDS[mv.kind] ?? -1;
    });
    kindsCache.set(code, k);
  }
  return k;
}

let exactCount = 0;
/** Counts exact scores computed elsewhere (balancer.ts seeds). */
export function countExact(n: number): void {
  exactCount += n;
}
/** Exact scores computed by the incremental balancer so far (for measurements). */
export function exactScoresComputed(): number {
  return exactCount;
}

/** Candidates bounded from cached contributions (move-contribs.ts). */
export interface Fast {
  readonly mc: MoveContribs;
  readonly src: SourceContribs;
}

/**
 * Materialises a context's secondary, so that it keeps describing its own step (its
 * primary is taken when it is made; the nodes without the instance follow from both).
 */
export function pinContext(ctx: MoveContext): MoveContext {
  if (ctx.inst.sNode !== NO_SECONDARY) void ctx.oldS;
  return ctx;
}

export function hasLocationTags(nl: Container<Node>): boolean {
  for (const n of C.elems(nl)) if (n.locationTags.size > 0) return true;
  return false;
}

/**
 * `xs` in increasing order, in place (insertion sort: these lists are a few nodes, and
 * Array.prototype.sort makes a work copy of each).
 */
function sortSmall(xs: Ndx[]): Ndx[] {
  for (let i = 1; i < xs.length; i++) {
    const x = xs[i]!;
    let j = i - 1;
    while (j >= 0 && xs[j]! > x) {
      xs[j + 1] = xs[j]!;
      j--;
    }
    xs[j + 1] = x;
  }
  return xs;
}

/** a - b, field by field, into `d` (returned). */
function contribDiff(a: Contrib, b: Contrib, d: Contrib): Contrib {
  for (let m = 0; m < a.dq.length; m++) {
    d.dq[m] = a.dq[m]! - b.dq[m]!;
    d.dqAbs[m] = a.dqAbs[m]! - b.dqAbs[m]!;
    d.dd[m] = a.dd[m]! - b.dd[m]!;
    d.dp[m] = a.dp[m]! - b.dp[m]!;
    d.ds[m] = a.ds[m]! - b.ds[m]!;
    d.da[m] = a.da[m]! - b.da[m]!;
  }
  return d;
}

const diffScratch = newContrib();

/** The kinds whose source side does not depend on the target's peer-map entries. */
const PEERLESS = (1 << KIND_ID.ReplaceSecondary) | (1 << KIND_ID.FailoverAndReplace);

/** What carrySource reads and replaces of an instance's cached entry. */
export interface CarryEntry {
  src?: SourceContribs;
  accs: KindAccs;
  ctx: MoveContext;
}

/**
 * Carries an instance's bounds over a change of the nodes it would leave (its primary
 * or secondary changed, the instance itself did not move). For each kind, the source
 * nodes' contribution changed by the same amount for every target of that kind: the
 * difference of the cached source sides before and after (fast path), else of one
 * candidate onto an unchanged reference target applied before and after. Targets
 * whose peer-map entry on the instance's nodes is not zero (for the
 * kinds that read it), the changed nodes and the Failover move are bounded anew.
 * False when this cannot be done (the caller scans the instance in full). `mc`: the
 * fast path for the instance (null: off it).
 */
export function carrySource(
  opts: AlgorithmOptions, goodRefs: Ndx[],
  c: CarryEntry, v: Instance, ini: Table, prev: ScoreBase, base: ScoreBase,
  nodeIdx: readonly Ndx[], changed: ReadonlySet<Ndx>, rot: number, useSecondary: boolean,
  mc: MoveContribs | null,
): boolean {
  const oldCtx = c.ctx;
  oldCtx.nl = ini.nl; // the reference targets did not change
  const newCtx = new MoveContext(opts.ignoreSoftErrors, ini.nl, v);
  newCtx.adoptFrom(oldCtx);
  const hasSec = v.sNode !== NO_SECONDARY;
  // ReplaceSecondary and FailoverAndReplace read no peer-map entry of the instance's
  // nodes for the target: their candidates onto unchanged targets all carry
  const addPeers = (n: Node, into: Set<Ndx>): void => {
    for (const [key] of n.peers) into.add(key);
  };
  // every peer of the instance's nodes (made when needed: reference targets and the
  // kinds without their own set)
  let special_: Set<Ndx> | null = null;
  const special = (): Set<Ndx> => {
    if (special_ !== null) return special_;
    const sp = new Set<Ndx>(changed);
    addPeers(oldCtx.oldP, sp);
    addPeers(newCtx.oldP, sp);
    if (hasSec) {
      addPeers(oldCtx.oldS, sp);
      addPeers(newCtx.oldS, sp);
    }
    return (special_ = sp);
  };
  const accs = c.accs;
  const newAccs: KindAccs = new Array<BoundAcc | undefined>(NKINDS);
  // the new source sides: the change of each kind's, and the targets bounded anew
  const srcNew = mc !== null ? mc.sources(base, newCtx) : undefined;
  // ReplaceAndFailover reads the target's entry in the primary's peer map (without the
  // instance: intP), ReplacePrimary in the secondary's (move-contribs.ts bound,
  // node.ts): targets with an entry there before or after are bounded anew, the
  // others carry; with both source sides known (the change is their difference), only
  // the entries that can change the source side (MoveContribs.peerSensitive); other
  // kinds take every peer of the instance's nodes
  const sensitive = (fk: number, old: Node, cur: Node): Set<Ndx> => {
    const out = new Set<Ndx>(changed);
    const so = c.src?.[fk];
    const sn = srcNew?.[fk];
    if (sn === null) return out; // no candidate of the kind now (MoveContribs.bound)
    if (mc !== null && so !== undefined && so !== null && sn !== undefined && sn !== null &&
      mc.peerSensitive(oldCtx, fk, out) && mc.peerSensitive(newCtx, fk, out)) return out;
    out.clear();
    for (const x of changed) out.add(x);
    addPeers(old, out);
    addPeers(cur, out);
    return out;
  };
  // (the primary's peer map is the same without the instance: removePri keeps it)
  const specRAF = sensitive(FAST_KINDS.ReplaceAndFailover!, oldCtx.oldP, newCtx.oldP);
  const specRP = hasSec ? sensitive(FAST_KINDS.ReplacePrimary!, oldCtx.oldS, newCtx.oldS) : new Set<Ndx>(changed);
  const specOf = (k: number): ReadonlySet<Ndx> =>
    (PEERLESS & (1 << k)) !== 0 ? changed
    : k === KIND_ID.ReplaceAndFailover ? specRAF
    : k === KIND_ID.ReplacePrimary ? specRP
    : special();
  // reference targets: unchanged, not the instance's nodes, no peer entry; the last
  // ones that served first, then spread over the nodes
  let refs_: Ndx[] | null = null;
  const refsOf = (): Ndx[] => {
    if (refs_ !== null) return refs_;
    const refs: Ndx[] = [];
    const sp = special();
    const usable = (t: Ndx): boolean => t !== v.pNode && t !== v.sNode && !sp.has(t) && !refs.includes(t);
    for (const t of goodRefs) if (t >= 0 && usable(t)) refs.push(t);
    const nn = nodeIdx.length;
    const stride = Math.floor(nn / 7) + 1;
    for (let j = 0; j < nn && refs.length < 8 + goodRefs.length; j++) {
      const t = nodeIdx[(rot * 13 + j * stride + Math.floor(j / 7)) % nn]!;
      if (usable(t)) refs.push(t);
    }
    return (refs_ = refs);
  };
  for (let k = 0; k < NKINDS; k++) {
    const acc = accs[k];
    if (acc === undefined || boundAccEmpty(acc)) continue;
    if (k === KIND_ID.Failover) continue; // bounded anew below
    if (acc.total === -Infinity) return false;
    const kind = KIND_NAME[k]!;
    let src: Contrib | null = null;
    // with both source sides known (fast path), their difference is the change
    const fk = FAST_KINDS[kind];
    const so = fk !== undefined && c.src !== undefined ? c.src[fk] : undefined;
    const sn = fk !== undefined && srcNew !== undefined ? srcNew[fk] : undefined;
    if (so !== undefined && so !== null && sn === null) continue; // no candidate of this kind now
    if (so !== undefined && so !== null && sn !== undefined && sn !== null) src = contribDiff(sn, so, diffScratch); // read by shiftBoundAcc only
    const refs = src === null ? refsOf() : [];
    for (let j = 0; src === null && j < refs.length; j++) {
      const t = refs[j]!;
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
      goodRefs[k] = t;
    }
    if (src === null) return false;
    shiftBoundAcc(acc, prev, base, src);
    accForget(acc, specOf(k));
    newAccs[k] = acc;
  }
  // the Failover move is bounded anew: its accumulator is reused (fewer allocations)
  const fo = accs[KIND_ID.Failover];
  if (fo !== undefined) {
    resetBoundAcc(fo);
    newAccs[KIND_ID.Failover] = fo;
  }
  // A kind that had no feasible candidate may have some now: scan in full (with a
  // source side now, on the fast path: that kind onto every target).
  let fresh = 0;
  for (let k = 0; k < NKINDS; k++) {
    if (k === KIND_ID.Failover || newAccs[k] !== undefined) continue;
    // fast path with no source side for the kind now: no candidate of it anywhere
    const fk = FAST_KINDS[KIND_NAME[k]!];
    if (fk !== undefined && srcNew !== undefined && srcNew[fk] === null) continue;
    if (fk !== undefined && srcNew !== undefined && srcNew[fk] !== undefined && mc !== null) {
      fresh |= 1 << k;
      continue;
    }
    // possibleMoves' kinds do not depend on the target (kindsOf: cached)
    const kind = KIND_NAME[k]!;
    const km = kindsOf(opts, I.mirrorType(v), useSecondary, newCtx.oldP.offline);
    let possible = false;
    for (let j = 0; j < km.length; j += 2) if (km[j] === k) possible = true;
    if (!possible) continue;
    for (const t of refsOf()) {
      if (applyMoveIn(newCtx, { kind, node: t } as IMove).ok) return false;
    }
  }
  // the accumulators of kinds left without bounds are reused empty (as a new one): a
  // carry otherwise makes one for each kind it finds infeasible
  for (let k = 0; k < NKINDS; k++) {
    const a = accs[k];
    if (newAccs[k] === undefined && a !== undefined) {
      resetBoundAcc(a);
      newAccs[k] = a;
    }
  }
  const fast: Fast | null = mc !== null && srcNew !== undefined ? { mc, src: srcNew } : null;
  // nodeIdx's order (increasing indices of the online nodes), without a pass over it
  const isOnline = (t: Ndx): boolean => {
    const n = ini.nl[t];
    return n !== undefined && !n.offline;
  };
  const targets: Ndx[] = [];
  for (const t of changed) if (isOnline(t)) targets.push(t);
  sortSmall(targets);
  scanInstance(opts, newCtx, targets, true, useSecondary, base, ini, -Infinity, newAccs, null, fast);
  const peered = (spec: ReadonlySet<Ndx>): Ndx[] => {
    const out: Ndx[] = [];
    for (const t of spec) if (!changed.has(t) && isOnline(t)) out.push(t);
    return sortSmall(out);
  };
  const RAF = 1 << KIND_ID.ReplaceAndFailover;
  const RP = 1 << KIND_ID.ReplacePrimary;
  scanInstance(opts, newCtx, peered(specRAF), false, useSecondary, base, ini, -Infinity, newAccs, null, fast, RAF & ~fresh);
  scanInstance(opts, newCtx, peered(specRP), false, useSecondary, base, ini, -Infinity, newAccs, null, fast, RP & ~fresh);
  // the remaining kinds that read peer entries (FailoverToAny: shared storage only)
  if (I.mirrorType(v) !== "internal") {
    const rest = ALL_KINDS & ~PEERLESS & ~RAF & ~RP & ~fresh;
    scanInstance(opts, newCtx, peered(special()), false, useSecondary, base, ini, -Infinity, newAccs, null, fast, rest);
  }
  if (fresh !== 0) {
    const others = nodeIdx.filter((t) => !changed.has(t));
    scanInstance(opts, newCtx, others, false, useSecondary, base, ini, -Infinity, newAccs, null, fast, fresh);
  }
  c.accs = newAccs;
  c.ctx = pinContext(newCtx);
  c.src = srcNew;
  mc?.dropContext(oldCtx);
  return true;
}
