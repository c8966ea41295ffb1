// Candidate moves bounded from cached contributions instead of node operations.
//
// A move of a DRBD instance onto target node x changes the instance's own nodes (the
// source side) and x. Without location or exclusion tags, the source side's new nodes do
// not depend on x as long as x has no entry in their peer maps, and x's new node depends
// only on x, on the role it takes (primary, or secondary of a given peer-map value), on
// the force flag and on what the node operations read from the instance (its shape). So
// the contribution of the source side (ScoreBase terms, see addContrib) is computed once
// per instance and move kind, that of a target once per node, role and shape, and a
// candidate's bound is their sum: one pass over the metrics instead of two or three
// node copies. Anything outside these conditions is answered FALLBACK and the caller
// applies the move as before.
import * as I from "./instance.js";
import type { Instance } from "./instance.js";
import * as N from "./node.js";
import type { Node } from "./node.js";
import {
  type Contrib, type ScoreBase, addContrib, addContribValues, newContrib, resetContrib, setContribMask,
} from "./score-bound.js";
import { ContribPool } from "./contrib-pool.js";
import { type BoundAcc } from "./bound-acc.js";
import type { IMove, Ndx } from "./types.js";
import { NMETRICS, nodeComponents } from "./metrics.js";
import { type Envelope, ENV_FLAT, classConst, envelopeOfEnds, pointEnvelope } from "./class-bounds.js";
import { INFEASIBLE_SIDE, NOT_COMPUTED, NO_BOUND, RANGE_INFEASIBLE, RANGE_UNKNOWN, TargetSides } from "./target-sides.js";
import type { MoveContext } from "./cluster.js";

/** What the last MoveContribs.bound found: a bound (recorded in the accumulator), an
 * impossible move (nothing recorded), or a move off the fast path (apply it). */
export const BOUNDED = 0;
export const INFEASIBLE = 1;
export const FALLBACK = 2;
type Outcome = typeof BOUNDED | typeof INFEASIBLE | typeof FALLBACK;

/** Per move kind of one instance: the source side's contribution, null if infeasible. */
export type SourceContribs = (Contrib | null | undefined)[];

// Target sides kept before the cache is emptied (≈ 170 bytes each).
const TARGET_BUDGET = 250_000;

// A peer-map key no node has: the source side's peer entry for any target without one.
const ABSENT_PEER = -7;

const K_REPLACE_SECONDARY = 0;
const K_REPLACE_AND_FAILOVER = 1;
const K_REPLACE_PRIMARY = 2;
const K_FAILOVER_AND_REPLACE = 3;
/** The move kinds bounded here, by their index in SourceContribs. */
export const FAST_KIND_NAMES: readonly IMove["kind"][] = [
  "ReplaceSecondary", "ReplaceAndFailover", "ReplacePrimary", "FailoverAndReplace",
];
export const FAST_KINDS: Readonly<Partial<Record<IMove["kind"], number>>> = {
  ReplaceSecondary: K_REPLACE_SECONDARY,
  ReplaceAndFailover: K_REPLACE_AND_FAILOVER,
  ReplacePrimary: K_REPLACE_PRIMARY,
  FailoverAndReplace: K_FAILOVER_AND_REPLACE,
};

/** What the node operations adding an instance read from it; null: off the fast path. */
function shapeKey(inst: Instance): string | null {
  if (inst.exclTags.length > 0 || inst.dsrdLocTags.length > 0 || inst.locationScore !== 0) return null;
  const u = inst.util;
  const sp = inst.disks.map((d) => d.spindles ?? "n").join(",");
  return `${inst.mem}|${inst.dsk}|${inst.vcpus}|${inst.runSt}|${inst.diskTemplate}|${inst.spindleUse}|${inst.forthcoming}|${inst.autoBalance}|${u.cpu}|${u.mem}|${u.dsk}|${u.net}|${sp}`;
}

function contribOf(base: ScoreBase, nodes: readonly (readonly [Ndx, Node])[], pool: ContribPool): Contrib | undefined {
  const c = pool.take();
  for (const [i, n] of nodes) {
    if (!addContrib(base, i, n, 1, c)) {
      pool.give(c);
      return undefined;
    }
  }
  setContribMask(c);
  return c;
}

/** A peer list's values by key (0 where it has no entry), up to its largest key. */
function denseOf(pm: N.PeerMap): Float64Array {
  let max = -1;
  for (const [key] of pm) if (key > max) max = key;
  const a = new Float64Array(max + 1);
  for (let j = pm.length - 1; j >= 0; j--) {
    const [key, v] = pm[j]!;
    if (key >= 0) a[key] = v; // from the end: the first entry's value stays
  }
  return a;
}

/**
 * N.peerMap.find (the first entry's value for key k, else 0), through a dense array by
 * key per long peer list: balancing looks up thousands of targets in the same few lists
 * per step (a refresh alternates between two: ReplaceAndFailover reads the primary's,
 * ReplacePrimary the secondary's), and the lists are immutable values. A peer map has
 * one entry per key (peerMap.add removes the old one), so its first is its only one.
 */
const peerIndex = new WeakMap<N.PeerMap, Float64Array>();
let memoList0: N.PeerMap | null = null;
let memoArr0: Float64Array | null = null;
let memoList1: N.PeerMap | null = null;
let memoArr1: Float64Array | null = null;
function peerFind(k: Ndx, pm: N.PeerMap): number {
  if (pm.length <= 8) return N.peerMap.find(k, pm);
  let a: Float64Array;
  if (pm === memoList0) a = memoArr0!;
  else if (pm === memoList1) {
    a = memoArr1!;
    memoList1 = memoList0;
    memoArr1 = memoArr0;
    memoList0 = pm;
    memoArr0 = a;
  } else {
    a = peerIndex.get(pm) ?? denseOf(pm);
    peerIndex.set(pm, a);
    memoList1 = memoList0;
    memoArr1 = memoArr0;
    memoList0 = pm;
    memoArr0 = a;
  }
  return k >= 0 && k < a.length ? a[k]! : 0;
}

/**
 * The caches of one run of balancing steps over bases with the same centre (a
 * contribution is the same numbers as long as its nodes and the centre are).
 */
export class MoveContribs {
  /** Contributions no longer used (source sides, ranges), reused. */
  private readonly pool = new ContribPool();
  /** Target sides by node index (for the node object there when computed). */
  private readonly sides = new TargetSides();
  /** Shape ids by instance (-1: off the fast path) and by shape key. */
  private readonly shapes = new WeakMap<Instance, number>();
  private readonly shapeIds = new Map<string, number>();
  /** What the last call of `bound` found. */
  outcome: Outcome = FALLBACK;

  constructor(private readonly force: boolean) {}

  /** The last instance asked about and its shape (consecutive calls are for one instance). */
  private lastInst: Instance | null = null;
  private lastShape = -1;

  private shape(inst: Instance): number {
    if (inst === this.lastInst) return this.lastShape;
    let id = this.shapes.get(inst);
    if (id === undefined) {
      const key = shapeKey(inst);
      if (key === null) id = -1;
      else {
        id = this.shapeIds.get(key);
        if (id === undefined) {
          id = this.shapeIds.size;
          this.shapeIds.set(key, id);
        }
      }
      this.shapes.set(inst, id);
    }
    this.lastInst = inst;
    this.lastShape = id;
    return id;
  }

  /**
   * Starts a balancing step. Targets' contributions are kept across steps (by node
   * index, for the node object there, so a changed node's go when it is next asked
   * about): a step scans few instances in full, and another instance of the same shape
   * finds most of them. Past a budget of live ones (every node times ≈ 70 shapes at
   * 1,000 nodes) they are dropped, which bounds the memory they hold.
   */
  beginStep(): void {
    if (this.sides.live > TARGET_BUDGET) this.sides.clear();
  }

  /**
   * Takes back source sides that nothing refers to any more (an entry's, replaced): a
   * balancing step replaces ≈ 130 of them, each kept for many steps, and new ones would
   * pile up as old-generation garbage.
   */
  recycle(src: SourceContribs): void {
    for (const c of src) if (c !== null && c !== undefined) this.pool.give(c);
  }

  /**
   * Takes back the envelopes of an entry's source ranges (sourceRanges), replaced: its
   * source sides in them are its `src`'s, taken back by `recycle`.
   */
  releaseRanges(ranges: readonly (Contrib | Envelope | null | undefined)[]): void {
    for (const r of ranges) if (r !== null && r !== undefined && "lo" in r) this.releaseEnvelope(r);
  }

  /** Takes back an envelope's ends (one when it is a point: pointEnvelope). */
  private releaseEnvelope(e: Envelope): void {
    this.pool.give(e.lo);
    if (e.hi !== e.lo) this.pool.give(e.hi);
  }

  /** Whether candidates of this instance can be bounded here at all. */
  applies(inst: Instance): boolean {
    return I.mirrorType(inst) === "internal" && this.shape(inst) >= 0;
  }

  /** The source side of every fast move kind of the instance in `ctx` (its nodes unchanged). */
  sources(base: ScoreBase, ctx: MoveContext): SourceContribs {
    const inst = ctx.inst;
    const pool = this.pool;
    const p = inst.pNode;
    const s = inst.sNode;
    const out: SourceContribs = new Array<Contrib | null | undefined>(4);
    const oldP = ctx.oldP;
    const oldS = ctx.oldS;
    const forceP = oldP.offline || this.force;
    const forceS = oldS.offline || this.force;
    const pairMig = N.checkMigration(oldP, oldS).ok;
    // ReplaceSecondary: the old secondary without the instance, the primary re-added
    {
      const rs = ctx.rsPrimary(inst);
      out[K_REPLACE_SECONDARY] = rs.ok ? contribOf(base, [[s, ctx.intS], [p, rs.value]], pool) : null;
    }
    // ReplaceAndFailover: the old primary becomes the secondary of the target
    {
      const np = N.addSecEx(forceS, ctx.intP, inst, ABSENT_PEER);
      out[K_REPLACE_AND_FAILOVER] = np.ok ? contribOf(base, [[p, np.value], [s, ctx.intS]], pool) : null;
    }
    // ReplacePrimary: the secondary stays, its peer becomes the target
    if (!pairMig) out[K_REPLACE_PRIMARY] = null;
    else {
      const tmp = ctx.rpSecondary(forceP, inst);
      const ns = tmp.ok ? N.addSecEx(forceP, tmp.value, inst, ABSENT_PEER) : tmp;
      out[K_REPLACE_PRIMARY] = ns.ok ? contribOf(base, [[p, ctx.intP], [s, ns.value]], pool) : null;
    }
    // FailoverAndReplace: the old secondary becomes the primary
    if (!pairMig) out[K_FAILOVER_AND_REPLACE] = null;
    else {
      const np = ctx.farPrimary(forceP, inst);
      out[K_FAILOVER_AND_REPLACE] = np.ok ? contribOf(base, [[s, np.value], [p, ctx.intP]], pool) : null;
    }
    return out;
  }

  /** The shape id of an instance on the fast path (-1: off it). */
  shapeOf(inst: Instance): number {
    return this.shape(inst);
  }

  /**
   * The target side of fast kind `k` onto `x` for every instance of `inst`'s shape
   * whose nodes are online and have no peer-map entry with x (either way): the same
   * contribution bound() uses for each of them, from the pool (classTargetRange gives
   * it back once copied).
   */
  private classTarget(base: ScoreBase, x: Ndx, xNode: Node, k: number, inst: Instance): Contrib | null | undefined {
    const primary = k === K_REPLACE_AND_FAILOVER || k === K_REPLACE_PRIMARY;
    const code = this.targetCode(base, x, xNode, primary, this.force, ABSENT_PEER, inst);
    if (code === NO_BOUND) return undefined;
    if (code === INFEASIBLE_SIDE) return null;
    const c = this.pool.take();
    addContribValues(base, x, this.sides.values(code), xNode.offline, 1, c);
    setContribMask(c);
    return c;
  }

  /**
   * The class part (classConst) of kind k onto x for a class of `inst`'s shape whose
   * members' source sides lie in `env`: Infinity when no member can move there with
   * this kind, -Infinity when none is known. The target side is taken over every
   * peer-map value x may hold for the member's node (a secondary's reserved memory, N+1
   * flag and their ratios grow with it; nothing else reads it), kept per node, slot and
   * centre (classTargetRange).
   */
  classPart(
    base: ScoreBase, x: Ndx, xNode: Node, k: number, inst: Instance, env: Envelope, slopes: Float64Array,
    ranges: BoundAcc | null, absOut: { abs: number } | null,
  ): number {
    const code = this.classTargetRange(base, x, xNode, k, inst);
    if (code === RANGE_INFEASIBLE) return Infinity;
    if (code === RANGE_UNKNOWN) return -Infinity;
    return classConst(base, env, this.sides.rangeArena, code * ENV_FLAT, slopes, ranges, absOut);
  }

  /** The code (target-sides.ts) of classPart's target range. */
  private classTargetRange(base: ScoreBase, x: Ndx, xNode: Node, k: number, inst: Instance): number {
    const primary = k === K_REPLACE_AND_FAILOVER || k === K_REPLACE_PRIMARY;
    const slot = this.shape(inst) * 4 + (primary ? 2 : 0) + (this.force ? 1 : 0);
    const sides = this.sides;
    sides.at(x, xNode);
    const cached = sides.range(x, slot);
    if (cached !== undefined) return cached;
    const c0 = this.classTarget(base, x, xNode, k, inst);
    if (c0 === null || c0 === undefined) return sides.setRange(x, slot, c0);
    if (primary || xNode.peers.length === 0) {
      const code = sides.setRange(x, slot, pointEnvelope(c0));
      this.pool.give(c0);
      return code;
    }
    const lo = N.addSecEx(true, xNode, inst, ABSENT_PEER);
    const hi = N.addSecEx(true, xNode, inst, xNode.peers[0]![0]);
    const chi = hi.ok ? contribOf(base, [[x, hi.value]], this.pool) : undefined;
    const env = lo.ok && hi.ok && chi !== undefined
      ? envelopeOfEnds(base.center, c0, chi, nodeComponents(lo.value), nodeComponents(hi.value), this.pool)
      : undefined;
    const code = sides.setRange(x, slot, env);
    // copied into the range arena
    this.pool.give(c0);
    if (chi !== undefined) this.pool.give(chi);
    if (env !== undefined) this.releaseEnvelope(env);
    return code;
  }

  /**
   * The source sides of `sources` over every peer-map value the instance's node that
   * becomes a secondary (ReplaceAndFailover: the primary; ReplacePrimary: the
   * secondary) may hold for the target: per kind, null if infeasible, undefined if
   * unknown.
   */
  sourceRanges(base: ScoreBase, ctx: MoveContext, src: SourceContribs): (Contrib | Envelope | null | undefined)[] {
    const inst = ctx.inst;
    const p = inst.pNode;
    const s = inst.sNode;
    const out: (Contrib | Envelope | null | undefined)[] = src.slice();
    // the same node lists, in the same order, as sources()
    const widen = (k: number, node: Node, nodes: (y: Node) => (readonly [Ndx, Node])[]): void => {
      const c0 = src[k];
      if (c0 === null || c0 === undefined || node.peers.length === 0) return;
      const lo = N.addSecEx(true, node, inst, ABSENT_PEER);
      const hi = N.addSecEx(true, node, inst, node.peers[0]![0]);
      const chi = hi.ok ? contribOf(base, nodes(hi.value), this.pool) : undefined;
      out[k] = lo.ok && hi.ok && chi !== undefined
        ? envelopeOfEnds(base.center, c0, chi, nodeComponents(lo.value), nodeComponents(hi.value), this.pool)
        : undefined;
      if (chi !== undefined) this.pool.give(chi);
    };
    widen(K_REPLACE_AND_FAILOVER, ctx.intP, (y) => [[p, y], [s, ctx.intS]]);
    if (src[K_REPLACE_PRIMARY] !== null && src[K_REPLACE_PRIMARY] !== undefined) {
      const tmp = ctx.rpSecondary(ctx.oldP.offline || this.force, inst);
      if (tmp.ok) widen(K_REPLACE_PRIMARY, tmp.value, (y) => [[p, ctx.intP], [s, y]]);
      else out[K_REPLACE_PRIMARY] = undefined;
    }
    return out;
  }

  /**
   * The code (target-sides.ts) of x's side when it takes `inst` as its primary or as the
   * secondary of `peer`, computed and kept on first use (NO_BOUND is not kept).
   */
  private targetCode(
    base: ScoreBase, x: Ndx, node: Node, primary: boolean, force: boolean, peer: Ndx, inst: Instance,
  ): number {
    const sides = this.sides;
    sides.at(x, node);
    const pv = primary ? 0 : sides.peerValue(x, node, peer);
    const slot = this.shape(inst) * 4 + (primary ? 2 : 0) + (force ? 1 : 0);
    const code = sides.get(x, slot, pv);
    if (code !== NOT_COMPUTED) return code;
    // an offline target is off the fast path (balancing never moves onto one)
    if (node.offline) return NO_BOUND;
    const r = primary ? N.addPriEx(force, node, inst) : N.addSecEx(force, node, inst, peer);
    if (!r.ok) {
      sides.putInfeasible(x, slot, pv);
      return INFEASIBLE_SIDE;
    }
    // addContrib's conditions for a bound; the node is online (above)
    if (base.compsAt(x) === undefined || base.offlineAt(x)) return NO_BOUND;
    const y = nodeComponents(r.value, this.yScratch);
    const c = resetContrib(this.scratch);
    addContribValues(base, x, y, false, 1, c);
    setContribMask(c);
    return sides.store(x, slot, pv, y, base.compsAt(x)!, c.mask!, c.same);
  }

  /** targetCode's scratch. */
  private readonly scratch = newContrib();
  private readonly yScratch: number[] = new Array<number>(NMETRICS).fill(0);

  /**
   * The bound of moving the instance of `ctx` onto `x` with fast kind `k` (FAST_KINDS),
   * recorded in `acc` (`outcome` says whether there was one). `src`: this.sources of the
   * same context and base centre.
   */
  boundKind(base: ScoreBase, ctx: MoveContext, src: SourceContribs, k: number, x: Ndx, xNode: Node, acc: BoundAcc): number {
    this.outcome = FALLBACK;
    let sc = src[k];
    if (sc === undefined) return NaN;
    if (sc === null) return this.infeasible();
    const inst = ctx.inst;
    const p = inst.pNode;
    const s = inst.sNode;
    const oldP = ctx.oldP;
    let tc: number;
    switch (k) {
      case K_REPLACE_SECONDARY:
        tc = this.targetCode(base, x, xNode, false, ctx.oldS.offline || this.force, p, inst);
        break;
      case K_REPLACE_AND_FAILOVER:
        if (oldP.migTags.size > 0 && !N.checkMigration(oldP, xNode).ok) return this.infeasible();
        // intP's peer map is oldP's (removePri keeps it): no node copy for the lookup
        if (peerFind(x, ctx.oldP.peers) !== 0) sc = this.peeredSource(base, ctx, k, x);
        tc = this.targetCode(base, x, xNode, true, this.force, p, inst);
        break;
      case K_REPLACE_PRIMARY:
        if (ctx.oldS.migTags.size > 0 && !N.checkMigration(ctx.oldS, xNode).ok) return this.infeasible();
        if (peerFind(x, ctx.oldS.peers) !== 0) sc = this.peeredSource(base, ctx, k, x);
        tc = this.targetCode(base, x, xNode, true, oldP.offline || this.force, p, inst);
        break;
      default:
        tc = this.targetCode(base, x, xNode, false, oldP.offline || this.force, s, inst);
    }
    if (tc === NO_BOUND || sc === undefined) return NaN;
    if (tc === INFEASIBLE_SIDE || sc === null) return this.infeasible();
    this.outcome = BOUNDED;
    return base.boundFromSides(sc, this.sides.arenaOf(tc), this.sides.arenaIndex(tc), x, acc);
  }

  /**
   * Adds to `into` the targets whose source side of kind `fk` (ReplaceAndFailover or
   * ReplacePrimary) may differ from the one `sources` computed for a target without a
   * peer-map entry. The node that becomes the secondary reads the target's entry only
   * through max(its reserved memory, entry + the instance's memory) (node.ts
   * addSecExEx: reserved memory, N+1 flag and their ratio; the checks read the same):
   * where that sum is not above the reserved memory, the node, hence the contribution,
   * is the same as without an entry. False: unknown (the caller takes every peer).
   */
  peerSensitive(ctx: MoveContext, fk: number, into: Set<Ndx>): boolean {
    const inst = ctx.inst;
    if (inst.forthcoming) return true; // the entry is not read at all
    let node: Node;
    if (fk === K_REPLACE_AND_FAILOVER) node = ctx.oldP; // intP's peers and reserved memory
    else if (fk === K_REPLACE_PRIMARY) {
      const tmp = ctx.rpSecondary(ctx.oldP.offline || this.force, inst);
      if (!tmp.ok) return true; // no candidate of the kind
      node = tmp.value;
    } else return false;
    const secMem = I.usesSecMem(inst) ? inst.mem : 0;
    for (const [key] of node.peers) {
      if (!(N.peerMap.find(key, node.peers) + secMem <= node.rMem)) into.add(key);
    }
    return true;
  }

  /** Per context, the source sides of ReplaceAndFailover / ReplacePrimary by peer-map value. */
  private peered = new WeakMap<MoveContext, Map<number, Contrib | null | undefined>>();

  /** Takes back what was kept for `ctx` (replaced: nothing will ask about it again). */
  dropContext(ctx: MoveContext): void {
    const m = this.peered.get(ctx);
    if (m === undefined) return;
    for (const c of m.values()) if (c !== null && c !== undefined) this.pool.give(c);
    this.peered.delete(ctx);
  }

  /**
   * The source side of kind k (ReplaceAndFailover or ReplacePrimary) when the node that
   * becomes the secondary has a peer-map entry for x: as sources() computes it, with
   * that entry (the same for every target with the same value).
   */
  private peeredSource(base: ScoreBase, ctx: MoveContext, k: number, x: Ndx): Contrib | null | undefined {
    const inst = ctx.inst;
    const p = inst.pNode;
    const s = inst.sNode;
    const node = k === K_REPLACE_AND_FAILOVER ? ctx.oldP : ctx.oldS; // (intP's peer map is oldP's)
    const key = N.peerMap.find(x, node.peers) * 4 + k;
    let m = this.peered.get(ctx);
    if (m === undefined) {
      m = new Map();
      this.peered.set(ctx, m);
    }
    if (m.has(key)) return m.get(key);
    let c: Contrib | null | undefined;
    if (k === K_REPLACE_AND_FAILOVER) {
      const np = N.addSecEx(ctx.oldS.offline || this.force, ctx.intP, inst, x);
      c = np.ok ? contribOf(base, [[p, np.value], [s, ctx.intS]], this.pool) : null;
    } else {
      const forceP = ctx.oldP.offline || this.force;
      const tmp = ctx.rpSecondary(forceP, inst);
      const ns = tmp.ok ? N.addSecEx(forceP, tmp.value, inst, x) : tmp;
      c = ns.ok ? contribOf(base, [[p, ctx.intP], [s, ns.value]], this.pool) : null;
    }
    m.set(key, c);
    return c;
  }

  private infeasible(): number {
    this.outcome = INFEASIBLE;
    return NaN;
  }
}
