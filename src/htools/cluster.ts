// Cluster-level algorithms: applying moves, Ganeti's greedy balancing step with
// its tie-breaks, bad-item detection and the textual outputs of hbal.
import * as C from "./container.js";
import type { Container } from "./container.js";
import { fixed, padL, padR, printTable } from "./format.js";
import * as I from "./instance.js";
import type { Instance } from "./instance.js";
import { ScoreBase, compCV, compCVPatched } from "./metrics.js";
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
  bad,
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
class MoveContext {
  readonly oldP: Node;
  private oldS_: Node | undefined;
  private intP_: Node | undefined;
  private intS_: Node | undefined;
  private readonly rsPri = new Map<number, OpResult<Node>>();
  private readonly farPri = new Map<number, OpResult<Node>>();
  private readonly rpTmp = new Map<number, OpResult<Node>>();
  constructor(readonly force: boolean, readonly nl: Container<Node>, readonly inst: Instance) {
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
    let r = this.rsPri.get(newInst.locationScore);
    if (r === undefined) {
      r = N.addPriEx(true, this.intP, newInst);
      this.rsPri.set(newInst.locationScore, r);
    }
    return r;
  }
  /** FailoverAndReplace: the old secondary as the new primary. */
  farPrimary(forceP: boolean, newInst: Instance): OpResult<Node> {
    let r = this.farPri.get(newInst.locationScore);
    if (r === undefined) {
      r = N.addPriEx(forceP, this.intS, newInst);
      this.farPri.set(newInst.locationScore, r);
    }
    return r;
  }
  /** ReplacePrimary: the old secondary after the intermediate failover and back. */
  rpSecondary(forceP: boolean, newInst: Instance): OpResult<Node> {
    let r = this.rpTmp.get(newInst.locationScore);
    if (r === undefined) {
      const tmpS = N.addPriEx(forceP, this.intS, newInst);
      r = tmpS.ok ? ok(N.removePri(tmpS.value, newInst)) : tmpS;
      this.rpTmp.set(newInst.locationScore, r);
    }
    return r;
  }
}

/** Applies one move to the instance (Ganeti's applyMoveEx). */
export function applyMove(force: boolean, nl: Container<Node>, inst: Instance, mv: IMove): OpResult<MoveResult> {
  return applyMoveIn(new MoveContext(force, nl, inst), mv);
}

function applyMoveIn(ctx: MoveContext, mv: IMove): OpResult<MoveResult> {
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
  const allNodes = C.elems(ini.nl);
  const offline = new Set(allNodes.filter((n) => n.offline).map((n) => n.idx));
  let insts = C.elems(ini.il);
  if (opts.evacMode) insts = insts.filter((i) => I.allNodes(i).some((n) => offline.has(n)));
  const reloc = insts.filter((i) => i.movable && i.autoBalance);
  const nodeIdx = allNodes.filter((n) => !n.offline).map((n) => n.idx);
  const fin = checkMove(opts, nodeIdx, ini, reloc);
  if (fin.score < ini.score && (ini.score > opts.minGainLimit || ini.score - fin.score >= opts.minGain)) return fin;
  return null;
}

/** Whether another balancing round is allowed (Ganeti's doNextBalance). */
export function doNextBalance(tbl: Table, maxRounds: number, minScore: number): boolean {
  return (maxRounds < 0 || tbl.plc.length < maxRounds) && tbl.score > minScore;
}

export function makeTable(nl: Container<Node>, il: Container<Instance>): Table {
  return { nl, il, score: compCV(nl), plc: [] };
}

/** Runs balancing steps until no further gain; calls `onStep` after each one. */
export function balance(
  opts: AlgorithmOptions,
  ini: Table,
  maxRounds: number,
  minScore: number,
  onStep?: (before: Table, after: Table) => void,
): Table {
  let tbl = ini;
  while (doNextBalance(tbl, maxRounds, minScore)) {
    const next = tryBalance(opts, tbl);
    if (next === null) break;
    onStep?.(tbl, next);
    tbl = next;
  }
  return tbl;
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

// ---- output -------------------------------------------------------------------

function nodeAlias(nl: Container<Node>, i: Ndx): string {
  return C.find(nl, i).alias;
}

function computeMoves(inst: Instance, inam: string, mv: IMove, c: string, d: string): [string, string[]] {
  const morf = I.isRunning(inst) ? "migrate" : "failover";
  const mig = `${morf} -f ${inam}`;
  const rep = (n: string): string => `replace-disks -n ${n} ${inam}`;
  switch (mv.kind) {
    case "Failover":
      return ["f", [mig]];
    case "FailoverToAny":
      return [`fa:${c}`, [`${morf} -f -n ${c} ${inam}`]];
    case "FailoverAndReplace":
      return [`f r:${d}`, [mig, rep(d)]];
    case "ReplaceSecondary":
      return [`r:${d}`, [rep(d)]];
    case "ReplaceAndFailover":
      return [`r:${c} f`, [rep(c), mig]];
    case "ReplacePrimary":
      return [`f r:${c} f`, [mig, rep(c), mig]];
  }
}

/** The solution line hbal prints for one step, and the gnt-instance commands of the move. */
export function printSolutionLine(
  nl: Container<Node>,
  il: Container<Instance>,
  nmlen: number,
  imlen: number,
  plc: Placement,
  pos: number,
): [string, string[]] {
  const pmlen = 2 * nmlen + 1;
  const inst = C.find(il, plc.inst);
  const inam = inst.alias;
  const npri = nodeAlias(nl, plc.pnode);
  const nsec = plc.snode === NO_SECONDARY ? "" : nodeAlias(nl, plc.snode);
  const opri = nodeAlias(nl, inst.pNode);
  const ostr = inst.sNode === NO_SECONDARY ? opri : `${opri}:${nodeAlias(nl, inst.sNode)}`;
  const nstr = plc.snode === NO_SECONDARY ? npri : `${npri}:${nsec}`;
  const [moves, cmds] = computeMoves(inst, inam, plc.move, npri, nsec);
  const line =
    `  ${padL(String(pos), 3)}. ${padR(inam, imlen)} ${padR(ostr, pmlen)} => ${padR(nstr, pmlen)} ` +
    `${padL(fixed(plc.score, 8), 12)} a=${moves}`;
  return [line, cmds];
}

export interface MoveJob {
  readonly nodes: readonly Ndx[];
  readonly inst: Idx;
  readonly move: IMove;
  readonly cmds: readonly string[];
}

export function involvedNodes(il: Container<Instance>, plc: Placement): Ndx[] {
  const inst = C.find(il, plc.inst);
  const out: Ndx[] = [];
  for (const n of [plc.pnode, plc.snode, ...I.allNodes(inst)]) if (n >= 0 && !out.includes(n)) out.push(n);
  return out;
}

/** Groups moves (newest first, as hbal accumulates them) into job sets touching disjoint nodes. */
export function splitJobs(moves: readonly MoveJob[]): MoveJob[][] {
  let sets: MoveJob[][] = [];
  let buf: Ndx[] = [];
  for (const m of moves) {
    if (sets.length === 0) {
      sets = [[m]];
      buf = [...m.nodes];
    } else if (!m.nodes.some((n) => buf.includes(n))) {
      sets = [[m, ...sets[0]!], ...sets.slice(1)];
      buf = [...m.nodes, ...buf];
    } else {
      sets = [[m], ...sets];
      buf = [...m.nodes];
    }
  }
  return sets;
}

export function formatCmds(jobsets: readonly (readonly MoveJob[])[]): string {
  const lines: string[] = [];
  jobsets.forEach((js, k) => {
    const jsn = k + 1;
    js.forEach((job, j) => {
      const sn = j + 1;
      if (sn === 1) lines.push("", `echo jobset ${jsn}, ${js.length} jobs`);
      lines.push(`  echo job ${jsn}/${sn}`, "  check", ...job.cmds.map((c) => "  gnt-instance " + c));
    });
  });
  return lines.map((l) => l + "\n").join("");
}

// ---- node and instance tables ---------------------------------------------------

export const DEFAULT_NODE_FIELDS: readonly string[] = [
  "status", "name", "tmem", "nmem", "imem", "xmem", "fmem", "umem", "rmem", "tdsk", "fdsk",
  "tcpu", "ucpu", "pcnt", "scnt", "pfmem", "pfdsk", "rcpu", "cload", "mload", "dload", "nload",
];

const UNKNOWN_FIELD = "<unknown field>";

function showList(l: readonly number[]): string {
  return `[${l.join(",")}]`;
}

export function showNodeField(n: Node, field: string): string {
  const d = (x: number, w: number): string => padL(String(Math.trunc(x)), w);
  const div = (a: number, b: number): number => Math.floor(a / b);
  switch (field) {
    case "idx": return d(n.idx, 4);
    case "name": return n.alias;
    case "fqdn": return n.name;
    case "status": return n.offline ? "-" : n.failN1 ? "*" : " ";
    case "tmem": return padL(fixed(n.tMem, 0), 5);
    case "nmem": return d(n.nMem, 5);
    case "xmem": return d(n.xMem, 5);
    case "fmem": return d(n.fMem, 5);
    case "umem": return d(N.unallocatedMem(n), 5);
    case "imem": return d(n.iMem, 5);
    case "rmem": return d(n.rMem, 5);
    case "amem": return d(N.availMem(n), 5);
    case "tdsk": return padL(fixed(n.tDsk / 1024, 0), 5);
    case "fdsk": return d(div(n.fDsk, 1024), 5);
    case "tcpu": return padL(fixed(n.tCpu, 0), 4);
    case "ucpu": return d(n.uCpu, 4);
    case "pcnt": return d(n.pList.length, 3);
    case "scnt": return d(n.sList.length, 3);
    case "plist": return showList(n.pList);
    case "slist": return showList(n.sList);
    case "pfmem": return padL(fixed(n.pMem, 4), 6);
    case "pfdsk": return padL(fixed(n.pDsk, 4), 6);
    case "rcpu": return padL(fixed(n.pCpu, 2), 5);
    case "cload": return padL(fixed(n.utilLoad.cpu, 3), 5);
    case "mload": return padL(fixed(n.utilLoad.mem, 3), 5);
    case "dload": return padL(fixed(n.utilLoad.dsk, 3), 5);
    case "nload": return padL(fixed(n.utilLoad.net, 3), 5);
    case "ptags": return [...n.pTags.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join(",");
    case "peermap": return `[${n.peers.map(([k, v]) => `(${k},${v})`).join(",")}]`;
    case "spindle_count": return String(n.tSpindles);
    case "hi_spindles": return showDoubleLocal(n.hiSpindles);
    case "inst_spindles": return showDoubleLocal(n.instSpindles);
    default: return UNKNOWN_FIELD;
  }
}

function showDoubleLocal(x: number): string {
  const s = String(x);
  return Number.isInteger(x) ? s + ".0" : s;
}

const NODE_HEADERS: Readonly<Record<string, readonly [string, boolean]>> = {
  idx: ["Index", true], name: ["Name", false], fqdn: ["Name", false], status: ["F", false],
  tmem: ["t_mem", true], nmem: ["n_mem", true], xmem: ["x_mem", true], fmem: ["f_mem", true],
  umem: ["u_mem", true], amem: ["a_mem", true], imem: ["i_mem", true], rmem: ["r_mem", true],
  tdsk: ["t_dsk", true], fdsk: ["f_dsk", true], tcpu: ["pcpu", true], ucpu: ["vcpu", true],
  pcnt: ["pcnt", true], scnt: ["scnt", true], plist: ["primaries", true], slist: ["secondaries", true],
  pfmem: ["p_fmem", true], pfdsk: ["p_fdsk", true], rcpu: ["r_cpu", true], cload: ["lCpu", true],
  mload: ["lMem", true], dload: ["lDsk", true], nload: ["lNet", true], ptags: ["PrimaryTags", false],
  peermap: ["PeerMap", false], spindle_count: ["NodeSpindles", true], hi_spindles: ["MaxSpindles", true],
  inst_spindles: ["InstSpindles", true],
};

/** Ganeti's printNodes: fields [] = defaults, ["+", ...] = defaults plus more. */
export function printNodes(nl: Container<Node>, fs: readonly string[]): string {
  const fields = fs.length === 0 ? DEFAULT_NODE_FIELDS : fs[0] === "+" ? [...DEFAULT_NODE_FIELDS, ...fs.slice(1)] : fs;
  const nodes = C.elems(nl);
  const hdr = fields.map((f) => NODE_HEADERS[f] ?? ([UNKNOWN_FIELD, false] as const));
  return printTable(
    "",
    hdr.map((h) => h[0]),
    nodes.map((n) => fields.map((f) => showNodeField(n, f))),
    hdr.map((h) => h[1]),
  );
}

/** Ganeti's printInsts. */
export function printInsts(nl: Container<Node>, il: Container<Instance>): string {
  const rows = C.elems(il).map((i) => [
    I.isRunning(i) ? "R" : " ",
    i.name,
    C.find(nl, i.pNode).name,
    i.sNode === NO_SECONDARY ? "" : C.find(nl, i.sNode).name,
    i.autoBalance ? "Y" : "N",
    padL(String(i.vcpus), 3),
    padL(String(i.mem), 5),
    padL(String(Math.floor(i.dsk / 1024)), 5),
    padL(fixed(i.util.cpu, 3), 5),
    padL(fixed(i.util.mem, 3), 5),
    padL(fixed(i.util.dsk, 3), 5),
    padL(fixed(i.util.net, 3), 5),
  ]);
  return printTable(
    "",
    ["F", "Name", "Pri_node", "Sec_node", "Auto_bal", "vcpu", "mem", "dsk", "lCpu", "lMem", "lDsk", "lNet"],
    rows,
    [false, false, false, false, false, true, true, true, true, true, true, true],
  );
}

/** Free memory and disk totals (the part of Ganeti's totalResources hbal -v -v -v -v prints). */
export function totalFree(nl: Container<Node>): { mem: number; disk: number } {
  let mem = 0;
  let disk = 0;
  for (const n of C.elems(nl)) {
    mem += N.unallocatedMem(n);
    disk += n.fDsk;
  }
  return { mem, disk };
}
