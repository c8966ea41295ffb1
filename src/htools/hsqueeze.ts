// hsqueeze's planning (facts from Ganeti's Program/Hsqueeze.hs): which nodes can be
// powered off (standby) while every node keeps room for a target instance, or which
// standby nodes must be powered on so that every node has room for a minimal one.
// Sizes are multiples of the cluster's standard instance spec. Every candidate set is
// judged after a full rebalancing (Ganeti's greedy, with no minimum gain). Pure.
import { type MoveJob } from "./cluster-output.js";
import { computeMoves, involvedNodes } from "./cluster-output.js";
import { type AlgorithmOptions, type Table, DEFAULT_ALGORITHM_OPTIONS, makeTable } from "./cluster.js";
import { Balancer } from "./balancer.js";
import * as C from "./container.js";
import type { Container } from "./container.js";
import * as I from "./instance.js";
import type { Instance } from "./instance.js";
import { TAG_PREFIX } from "./loader.js";
import * as N from "./node.js";
import type { Node } from "./node.js";
import type { ISpec, Ndx } from "./types.js";

export interface Conf {
  readonly nl: Container<Node>;
  readonly il: Container<Instance>;
}

export const STANDBY_AUTO = "htools:standby:auto";

const SQUEEZE_ALGO: AlgorithmOptions = { ...DEFAULT_ALGORITHM_OPTIONS, minGain: 0, minGainLimit: 0 };

/** The instance using `f` times the spec (rounded down), as hsqueeze's probe. */
export function instanceFromSpecAndFactor(name: string, f: number, spec: ISpec): Instance {
  return I.createInstance({
    name,
    mem: Math.floor(f * spec.memorySize),
    dsk: 0,
    disks: [],
    vcpus: Math.floor(f * spec.cpuCount),
    runSt: "running",
    tags: [],
    autoBalance: false,
    pNode: -1,
    sNode: -1,
    diskTemplate: "ext",
    spindleUse: Math.floor(f * spec.spindleUse),
    forthcoming: false,
  });
}

function onlyExternal(conf: Conf, n: Node): boolean {
  return !n.pList.some((i) => I.usesLocalStorage(C.find(conf.il, i)));
}

function allInstancesOnOnlineNodes(conf: Conf): boolean {
  return C.elems(conf.il).every((i) => !C.find(conf.nl, i.pNode).offline);
}

/** Whether every node (offline ones too) could take the instance as a primary. */
export function allNodesCapacityFor(inst: Instance, conf: Conf): boolean {
  return C.elems(conf.nl).every((n) => N.addPri(n, inst).ok);
}

/** The moves between two tables one balancing step apart (Ganeti's Cluster.getMoves). */
function stepMoves(ini: Table, fin: Table): MoveJob[] {
  const added = fin.plc.slice(0, fin.plc.length - ini.plc.length).reverse();
  return added.map((plc) => {
    const inst = C.find(ini.il, plc.inst);
    const np = C.lookup(fin.nl, plc.pnode)?.alias ?? "";
    const ns = C.lookup(fin.nl, plc.snode)?.alias ?? "";
    return { nodes: involvedNodes(ini.il, plc), inst: plc.inst, move: plc.move, cmds: computeMoves(inst, inst.name, plc.move, np, ns)[1] };
  });
}

/** Balances until no step improves the score; the moves come newest first. */
export function balanceFully(conf: Conf): { conf: Conf; moves: MoveJob[] } {
  let tbl = makeTable(conf.nl, conf.il);
  const moves: MoveJob[] = [];
  const balancer = new Balancer(SQUEEZE_ALGO);
  for (;;) {
    const next = balancer.step(tbl);
    if (next === null) break;
    moves.push(...stepMoves(tbl, next));
    tbl = next;
  }
  return { conf: { nl: tbl.nl, il: tbl.il }, moves: moves.reverse() };
}

/** Marks the nodes offline (or online) and rebalances. */
export function onlineOfflineNodes(offline: boolean, ndxs: readonly Ndx[], conf: Conf): { conf: Conf; moves: MoveJob[] } {
  let nl = conf.nl;
  for (const k of ndxs) nl = C.add(nl, k, N.setOffline(C.find(nl, k), offline));
  return balanceFully({ nl, il: conf.il });
}

function canOnlineOffline(offline: boolean, inst: Instance, conf: Conf, nds: readonly Node[]): boolean {
  const c = onlineOfflineNodes(offline, nds.map((n) => n.idx), conf).conf;
  return allInstancesOnOnlineNodes(c) && allNodesCapacityFor(inst, c);
}

/** Greedily offlines candidates, starting from the last one. */
export function greedyOfflineNodes(inst: Instance, conf: Conf, nds: readonly Node[]): Node[] {
  let acc: Node[] = [];
  for (let k = nds.length - 1; k >= 0; k--) {
    const cand = [nds[k]!, ...acc];
    if (canOnlineOffline(true, inst, conf, cand)) acc = cand;
  }
  return acc;
}

/** The shortest prefix of the candidates whose onlining gives enough room, if any. */
export function tryOnline(inst: Instance, conf: Conf, nds: readonly Node[]): Node[] | null {
  for (let k = 0; k <= nds.length; k++) {
    const pre = nds.slice(0, k);
    if (canOnlineOffline(false, inst, conf, pre)) return pre;
  }
  return null;
}

export type SqueezePlan =
  | { readonly kind: "online"; readonly nodes: readonly Node[]; readonly enough: boolean; readonly conf: Conf; readonly moves: readonly MoveJob[] }
  | { readonly kind: "none" }
  | { readonly kind: "offline"; readonly nodes: readonly Node[]; readonly conf: Conf; readonly moves: readonly MoveJob[] };

export interface SqueezeCandidates {
  readonly offline: readonly Node[];
  readonly online: readonly Node[];
}

export function squeezeCandidates(conf: Conf): SqueezeCandidates {
  const nodes = C.elems(conf.nl);
  const offline = nodes
    .filter((n) => !n.offline && !n.isMaster && n.sList.length === 0 && onlyExternal(conf, n))
    .map((n, k) => ({ n, k }))
    .sort((a, b) => b.n.pList.length - a.n.pList.length || a.k - b.k)
    .map((x) => x.n);
  const online = nodes.filter((n) => n.offline && n.nTags.some((t) => t.startsWith(TAG_PREFIX.standby)));
  return { offline, online };
}

export function planSqueeze(conf: Conf, std: ISpec, targetFactor: number, minFactor: number): SqueezePlan {
  const cands = squeezeCandidates(conf);
  const minInst = instanceFromSpecAndFactor("targetInstance", minFactor, std);
  if (!allNodesCapacityFor(minInst, conf)) {
    const toOnline = tryOnline(minInst, conf, cands.online);
    const nodes = toOnline ?? cands.online;
    const r = onlineOfflineNodes(false, nodes.map((n) => n.idx), conf);
    return { kind: "online", nodes, enough: toOnline !== null, conf: r.conf, moves: r.moves };
  }
  const target = instanceFromSpecAndFactor("targetInstance", targetFactor, std);
  const toOffline = greedyOfflineNodes(target, conf, cands.offline);
  if (toOffline.length === 0) return { kind: "none" };
  const r = onlineOfflineNodes(true, toOffline.map((n) => n.idx), conf);
  return { kind: "offline", nodes: toOffline, conf: r.conf, moves: r.moves };
}
