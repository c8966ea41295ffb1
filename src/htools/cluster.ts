// Cluster-level algorithms: applying moves, Ganeti's greedy balancing step with
// its tie-breaks (the incremental run of steps: balancer.ts), bad-item detection
// (outputs: cluster-output.ts).
import * as C from "./container.js";
import type { Container } from "./container.js";
import * as I from "./instance.js";
import type { Instance } from "./instance.js";
import { compCV, compCVPatched } from "./metrics.js";
import { ScoreBase } from "./score-bound.js";
import * as N from "./node.js";
import type { Node } from "./node.js";
import {
  type Gdx,
  type Idx,
  type IMove,
  type MirrorType,
  type Ndx,
  type OpResult,
  type Placement,
  NO_SECONDARY,
  ok,
} from "./types.js";

export interface Table {
  readonly nl: Container<Node>;
  readonly il: Container<Instance>;
  readonly score: number;
  /** Placements, newest first (as Ganeti's Table). */
  readonly plc: readonly Placement[];
}

export interface AlgorithmOptions {
  readonly diskMoves: boolean;
  readonly instanceMoves: boolean;
  readonly restrictedMigration: boolean;
  readonly ignoreSoftErrors: boolean;
  readonly evacMode: boolean;
  readonly minGain: number;
  readonly minGainLimit: number;
}

export const DEFAULT_ALGORITHM_OPTIONS: AlgorithmOptions = Object.freeze({
  diskMoves: true,
  instanceMoves: true,
  restrictedMigration: false,
  ignoreSoftErrors: false,
  evacMode: false,
  minGain: 1e-2,
  minGainLimit: 1e-1,
});

// ---- moves ------------------------------------------------------------------

/** Number of location tags shared by the instance's primary and secondary. */
export function setInstanceLocationScore(inst: Instance, p: Node, s: Node | null): Instance {
  let common = 0;
  if (s !== null) for (const t of p.locationTags) if (s.locationTags.has(t)) common++;
  const r = I.copyInstance(inst);
  r.locationScore = common;
  return r;
}

export interface MoveResult {
  /** Changed nodes, by index. */
  readonly nodes: readonly (readonly [Ndx, Node])[];
  readonly inst: Instance;
  readonly pri: Ndx;
  readonly sec: Ndx;
}

/** The instance moved to `p`/`s` with a new location score (one copy). */
function movedInstance(inst: Instance, locationScore: number, p: Ndx, s: Ndx): Instance {
  const r = I.copyInstance(inst);
  r.locationScore = locationScore;
  r.pNode = p;
  r.sNode = s;
  return r;
}

function commonLocations(p: Node, s: Node): number {
  let common = 0;
  for (const t of p.locationTags) if (s.locationTags.has(t)) common++;
  return common;
}

/**
 * What every move of one instance shares, whatever the target: its nodes, the nodes
 * with the instance removed, and the node operations that depend on the target only
 * through the instance's new location score (memoised by that score). Node operations
 * are pure, so reusing their results gives the same values as recomputing them.
 */
/** @internal shared with balancer.ts */
export class MoveContext {
  readonly oldP: Node;
  private oldS_: Node | undefined;
  private intP_: Node | undefined;
  private intS_: Node | undefined;
  // the memoised operations by location score: the last one in fields (without
  // location tags it is always 0), others in a map made when needed — a step makes
  // hundreds of contexts, and three maps each were a fifth of their garbage
  private rsKey = NaN;
  private rsVal: OpResult<Node> | undefined = undefined;
  private farKey = NaN;
  private farVal: OpResult<Node> | undefined = undefined;
  private rpKey = NaN;
  private rpVal: OpResult<Node> | undefined = undefined;
  private more: Map<number, OpResult<Node>> | null = null;
  constructor(readonly force: boolean, public nl: Container<Node>, readonly inst: Instance) {
    this.oldP = C.find(nl, inst.pNode);
  }
  get oldS(): Node {
    return (this.oldS_ ??= C.find(this.nl, this.inst.sNode));
  }
  get intP(): Node {
    return (this.intP_ ??= N.removePri(this.oldP, this.inst));
  }
  get intS(): Node {
    return (this.intS_ ??= N.removeSec(this.oldS, this.inst));
  }
  /** ReplaceSecondary: the primary with the re-scored instance put back. */
  rsPrimary(newInst: Instance): OpResult<Node> {
    const key = newInst.locationScore;
    if (key === this.rsKey) return this.rsVal!;
    let r = this.moreGet(3 * key);
    if (r === undefined) r = N.addPriEx(true, this.intP, newInst);
    if (this.rsKey === this.rsKey) this.moreSet(3 * this.rsKey, this.rsVal!);
    this.rsKey = key;
    this.rsVal = r;
    return r;
  }
  /** FailoverAndReplace: the old secondary as the new primary. */
  farPrimary(forceP: boolean, newInst: Instance): OpResult<Node> {
    const key = newInst.locationScore;
    if (key === this.farKey) return this.farVal!;
    let r = this.moreGet(3 * key + 1);
    if (r === undefined) r = N.addPriEx(forceP, this.intS, newInst);
    if (this.farKey === this.farKey) this.moreSet(3 * this.farKey + 1, this.farVal!);
    this.farKey = key;
    this.farVal = r;
    return r;
  }
  /** ReplacePrimary: the old secondary after the intermediate failover and back. */
  rpSecondary(forceP: boolean, newInst: Instance): OpResult<Node> {
    const key = newInst.locationScore;
    if (key === this.rpKey) return this.rpVal!;
    let r = this.moreGet(3 * key + 2);
    if (r === undefined) {
      const tmpS = N.addPriEx(forceP, this.intS, newInst);
      r = tmpS.ok ? ok(N.removePri(tmpS.value, newInst)) : tmpS;
    }
    if (this.rpKey === this.rpKey) this.moreSet(3 * this.rpKey + 2, this.rpVal!);
    this.rpKey = key;
    this.rpVal = r;
    return r;
  }
  /**
   * Takes `old`'s instance-less nodes where its instance and their node are this one's
   * (node operations are pure: the same values): carrying an entry over a change of
   * one of its nodes keeps the other's.
   */
  adoptFrom(old: MoveContext): void {
    if (old.inst !== this.inst) return;
    if (old.oldP === this.oldP && old.intP_ !== undefined) this.intP_ = old.intP_;
    if (this.inst.sNode !== NO_SECONDARY && old.oldS_ !== undefined && old.oldS_ === C.find(this.nl, this.inst.sNode)) {
      this.oldS_ = old.oldS_;
      if (old.intS_ !== undefined) this.intS_ = old.intS_;
    }
  }
  private moreGet(k: number): OpResult<Node> | undefined {
    return this.more === null ? undefined : this.more.get(k);
  }
  private moreSet(k: number, v: OpResult<Node>): void {
    (this.more ??= new Map()).set(k, v);
  }
  /**
   * Drops the memoised node operations, the nodes without the instance included
   * (recomputed when asked again): a context kept for many steps would otherwise keep
   * them alive into the old generation, and most are never asked for again (at 1,000
   * nodes from step 8,000, 17 % fewer bytes promoted per step). The last
   * ReplacePrimary secondary stays: the balancer's next carry of the entry reads it
   * (MoveContribs.peerSensitive), and making it again was two node copies per carry.
   */
  forget(): void {
    this.intP_ = this.intS_ = undefined;
    this.rsKey = this.farKey = NaN;
    this.rsVal = this.farVal = undefined;
    this.more = null;
  }
}

/** Applies one move to the instance (Ganeti's applyMoveEx). */
export function applyMove(force: boolean, nl: Container<Node>, inst: Instance, mv: IMove): OpResult<MoveResult> {
  return applyMoveIn(new MoveContext(force, nl, inst), mv);
}

export function applyMoveIn(ctx: MoveContext, mv: IMove): OpResult<MoveResult> {
  const { force, nl, inst, oldP } = ctx;
  const oldPdx = inst.pNode;
  const oldSdx = inst.sNode;
  switch (mv.kind) {
    case "Failover": {
      const oldS = ctx.oldS;
      const mig = N.checkMigration(oldP, oldS);
      if (!mig.ok) return mig;
      const newP = N.addPriEx(oldP.offline || force, ctx.intS, inst);
      if (!newP.ok) return newP;
      const newS = N.addSecExEx(oldP.offline, oldP.offline || force, ctx.intP, inst, oldSdx);
      if (!newS.ok) return newS;
      return ok({
        nodes: [[oldPdx, newS.value], [oldSdx, newP.value]],
        inst: I.setBoth(inst, oldSdx, oldPdx),
        pri: oldSdx,
        sec: oldPdx,
      });
    }
    case "FailoverToAny": {
      const newPdx = mv.node;
      const newPnode = C.find(nl, newPdx);
      const mig = N.checkMigration(oldP, newPnode);
      if (!mig.ok) return mig;
      const np = N.addPriEx(oldP.offline || force, newPnode, inst);
      if (!np.ok) return np;
      return ok({
        nodes: [[oldPdx, ctx.intP], [newPdx, np.value]],
        inst: I.setPri(inst, newPdx),
        pri: newPdx,
        sec: oldSdx,
      });
    }
    case "ReplacePrimary": {
      const newPdx = mv.node;
      const oldS = ctx.oldS;
      const tgt = C.find(nl, newPdx);
      const newInst = movedInstance(inst, commonLocations(tgt, ctx.intS), newPdx, oldSdx);
      const forceP = oldP.offline || force;
      let mig = N.checkMigration(oldP, oldS);
      if (!mig.ok) return mig;
      mig = N.checkMigration(oldS, tgt);
      if (!mig.ok) return mig;
      const tmpS2 = ctx.rpSecondary(forceP, newInst);
      if (!tmpS2.ok) return tmpS2;
      const newP = N.addPriEx(forceP, tgt, newInst);
      if (!newP.ok) return newP;
      const newS = N.addSecEx(forceP, tmpS2.value, newInst, newPdx);
      if (!newS.ok) return newS;
      return ok({
        nodes: [[oldPdx, ctx.intP], [oldSdx, newS.value], [newPdx, newP.value]],
        inst: newInst,
        pri: newPdx,
        sec: oldSdx,
      });
    }
    case "ReplaceSecondary": {
      const newSdx = mv.node;
      const oldS = ctx.oldS;
      const tgt = C.find(nl, newSdx);
      const forceS = oldS.offline || force;
      const newInst = movedInstance(inst, commonLocations(oldP, tgt), oldPdx, newSdx);
      const newS = N.addSecEx(forceS, tgt, newInst, oldPdx);
      if (!newS.ok) return newS;
      const pnode3 = ctx.rsPrimary(newInst);
      if (!pnode3.ok) return pnode3;
      return ok({
        nodes: [[newSdx, newS.value], [oldSdx, ctx.intS], [oldPdx, pnode3.value]],
        inst: newInst,
        pri: oldPdx,
        sec: newSdx,
      });
    }
    case "ReplaceAndFailover": {
      const newPdx = mv.node;
      const oldS = ctx.oldS;
      const tgt = C.find(nl, newPdx);
      const intP = ctx.intP;
      const newInst = movedInstance(inst, commonLocations(tgt, intP), newPdx, oldPdx);
      const forceS = oldS.offline || force;
      const mig = N.checkMigration(oldP, tgt);
      if (!mig.ok) return mig;
      const newP = N.addPriEx(force, tgt, newInst);
      if (!newP.ok) return newP;
      const newS = N.addSecEx(forceS, intP, newInst, newPdx);
      if (!newS.ok) return newS;
      return ok({
        nodes: [[oldPdx, newS.value], [oldSdx, ctx.intS], [newPdx, newP.value]],
        inst: newInst,
        pri: newPdx,
        sec: oldPdx,
      });
    }
    case "FailoverAndReplace": {
      const newSdx = mv.node;
      const oldS = ctx.oldS;
      const tgt = C.find(nl, newSdx);
      const intS = ctx.intS;
      const forceP = oldP.offline || force;
      const newInst = movedInstance(inst, commonLocations(intS, tgt), oldSdx, newSdx);
      const mig = N.checkMigration(oldP, oldS);
      if (!mig.ok) return mig;
      const newP = ctx.farPrimary(forceP, newInst);
      if (!newP.ok) return newP;
      const newS = N.addSecEx(forceP, tgt, newInst, oldSdx);
      if (!newS.ok) return newS;
      return ok({
        nodes: [[oldSdx, newP.value], [oldPdx, ctx.intP], [newSdx, newS.value]],
        inst: newInst,
        pri: oldSdx,
        sec: newSdx,
      });
    }
  }
}

/** Applies a move to whole containers (Ganeti's Moves.move, always forced). */
export function move(
  nl: Container<Node>,
  il: Container<Instance>,
  idx: Idx,
  mv: IMove,
): OpResult<{ nl: Container<Node>; il: Container<Instance> }> {
  const r = applyMove(true, nl, C.find(il, idx), mv);
  if (!r.ok) return r;
  return ok({ nl: C.addAll(nl, r.value.nodes), il: C.add(il, idx, r.value.inst) });
}

// ---- balancing --------------------------------------------------------------

/** The moves Ganeti considers for one instance and one target node. */
export function possibleMoves(
  mir: MirrorType,
  useSecondary: boolean,
  instMoves: boolean,
  diskMoves: boolean,
  restrictedMigration: boolean,
  primaryDrained: boolean,
  tdx: Ndx,
): IMove[] {
  if (mir === "none") return [];
  if (mir === "external") return instMoves ? [{ kind: "FailoverToAny", node: tdx }] : [];
  if (!diskMoves) return [];
  if (!instMoves) return [{ kind: "ReplaceSecondary", node: tdx }];
  if (restrictedMigration && !primaryDrained) return [{ kind: "ReplaceSecondary", node: tdx }];
  if (useSecondary && !restrictedMigration) {
    return [
      { kind: "ReplaceSecondary", node: tdx },
      { kind: "ReplaceAndFailover", node: tdx },
      { kind: "ReplacePrimary", node: tdx },
      { kind: "FailoverAndReplace", node: tdx },
    ];
  }
  if (useSecondary) {
    return [
      { kind: "ReplaceSecondary", node: tdx },
      { kind: "ReplaceAndFailover", node: tdx },
      { kind: "FailoverAndReplace", node: tdx },
    ];
  }
  return [
    { kind: "ReplaceSecondary", node: tdx },
    { kind: "ReplaceAndFailover", node: tdx },
  ];
}

/** Best candidate for one instance: keeps the current best unless strictly better. */
interface Candidate {
  readonly score: number;
  readonly build: () => Table;
}

/**
 * Scores one candidate. `bar` is the best score of the instances before this one: a
 * candidate not strictly below it can never win the round, so it may be skipped even
 * when it would beat this instance's own best (which then cannot win either).
 */
function trySingleStep(
  base: ScoreBase, ctx: MoveContext, ini: Table, bar: number, cur: Candidate, mv: IMove,
): Candidate {
  const r = applyMoveIn(ctx, mv);
  if (!r.ok) return cur;
  const res = r.value;
  // exact >= bound >= threshold means "cannot win": no need for the exact score.
  if (base.lowerBound(res.nodes) >= Math.min(cur.score, bar)) return cur;
  const score = compCVPatched(ini.nl, res.nodes);
  if (!(cur.score > score)) return cur;
  const target = ctx.inst;
  return {
    score,
    build: () => ({
      nl: C.addAll(ini.nl, res.nodes),
      il: C.add(ini.il, target.idx, res.inst),
      score,
      plc: [{ inst: target.idx, pnode: res.pri, snode: res.sec, move: mv, score }, ...ini.plc],
    }),
  };
}

function checkInstanceMove(
  opts: AlgorithmOptions,
  nodesIdx: readonly Ndx[],
  base: ScoreBase,
  ini: Table,
  target: Instance,
  start: Candidate,
  bar: number,
): Candidate {
  const ctx = new MoveContext(opts.ignoreSoftErrors, ini.nl, target);
  const opdx = target.pNode;
  const osdx = target.sNode;
  const mir = I.mirrorType(target);
  const useSecondary = nodesIdx.includes(osdx) && opts.instanceMoves;
  let best =
    mir === "internal" && useSecondary ? trySingleStep(base, ctx, ini, bar, start, { kind: "Failover" }) : start;
  const primaryDrained = ctx.oldP.offline;
  for (const tdx of nodesIdx) {
    if (tdx === opdx || tdx === osdx) continue;
    const moves = possibleMoves(
      mir, useSecondary, opts.instanceMoves, opts.diskMoves, opts.restrictedMigration, primaryDrained, tdx,
    );
    for (const mv of moves) best = trySingleStep(base, ctx, ini, bar, best, mv);
  }
  return best;
}

/** One balancing round over the given victims (Ganeti's checkMove). */
export function checkMove(
  opts: AlgorithmOptions,
  nodesIdx: readonly Ndx[],
  ini: Table,
  victims: readonly Instance[],
): Table {
  const start: Candidate = { score: ini.score, build: () => ini };
  const base = new ScoreBase(ini.nl);
  let best = start;
  let improved = false;
  for (const v of victims) {
    const c = checkInstanceMove(opts, nodesIdx, base, ini, v, start, best.score);
    if (best.score > c.score) {
      best = c;
      improved = true;
    }
  }
  return improved ? best.build() : ini;
}

/** One balancing step, or null when no move improves the score enough (Ganeti's tryBalance). */
export function tryBalance(opts: AlgorithmOptions, ini: Table): Table | null {
  return tryBalanceFull(opts, ini);
}

/** The victims and target nodes of one balancing round (Ganeti's tryBalance). */
export function roundInputs(opts: AlgorithmOptions, ini: Table): { reloc: Instance[]; nodeIdx: Ndx[] } {
  const allNodes = C.elems(ini.nl);
  const offline = new Set(allNodes.filter((n) => n.offline).map((n) => n.idx));
  let insts = C.elems(ini.il);
  if (opts.evacMode) insts = insts.filter((i) => I.allNodes(i).some((n) => offline.has(n)));
  const reloc = insts.filter((i) => i.movable && i.autoBalance);
  const nodeIdx = allNodes.filter((n) => !n.offline).map((n) => n.idx);
  return { reloc, nodeIdx };
}

export function accepted(opts: AlgorithmOptions, ini: Table, fin: Table): boolean {
  return fin.score < ini.score && (ini.score > opts.minGainLimit || ini.score - fin.score >= opts.minGain);
}

/** Ganeti's tryBalance with the candidates of every instance scanned (the reference). */
export function tryBalanceFull(opts: AlgorithmOptions, ini: Table): Table | null {
  const { reloc, nodeIdx } = roundInputs(opts, ini);
  const fin = checkMove(opts, nodeIdx, ini, reloc);
  return accepted(opts, ini, fin) ? fin : null;
}

export function doNextBalance(tbl: Table, maxRounds: number, minScore: number): boolean {
  return (maxRounds < 0 || tbl.plc.length < maxRounds) && tbl.score > minScore;
}

export function makeTable(nl: Container<Node>, il: Container<Instance>): Table {
  return { nl, il, score: compCV(nl), plc: [] };
}

// ---- groups, bad items --------------------------------------------------------

/** Nodes failing N+1 and the instances on them (Ganeti's computeBadItems). */
export function computeBadItems(nl: Container<Node>, il: Container<Instance>): { nodes: Node[]; instances: Instance[] } {
  const badNodes = C.elems(nl).filter((n) => !n.offline && n.failN1);
  const ids = new Set<number>();
  for (const n of badNodes) for (const i of [...n.sList, ...n.pList]) ids.add(i);
  return { nodes: badNodes, instances: [...ids].sort((a, b) => a - b).map((i) => C.find(il, i)) };
}

export function instanceGroup(nl: Container<Node>, inst: Instance): { ok: true; value: Gdx } | { ok: false; error: string } {
  const p = C.find(nl, inst.pNode);
  const s = inst.sNode === NO_SECONDARY ? p : C.find(nl, inst.sNode);
  if (p.group !== s.group) {
    return { ok: false, error: `Instance placed accross two node groups, primary ${p.group}, secondary ${s.group}` };
  }
  return { ok: true, value: p.group };
}

export function findSplitInstances(nl: Container<Node>, il: Container<Instance>): Instance[] {
  return C.elems(il).filter((i) => !instanceGroup(nl, i).ok);
}

/** Splits the cluster by node group, in group order of first appearance sorted by index. */
export function splitCluster(
  nl: Container<Node>,
  il: Container<Instance>,
): { gdx: Gdx; nl: Container<Node>; il: Container<Instance> }[] {
  const groups = new Map<Gdx, Node[]>();
  for (const n of C.elems(nl)) {
    const g = groups.get(n.group);
    if (g === undefined) groups.set(n.group, [n]);
    else g.push(n);
  }
  const gdxs = [...groups.keys()].sort((a, b) => a - b);
  return gdxs.map((gdx) => {
    const members = new Set(groups.get(gdx)!.map((n) => n.idx));
    return {
      gdx,
      nl: C.filter(nl, (n) => members.has(n.idx)),
      il: C.filter(il, (i) => members.has(i.pNode)),
    };
  });
}
