// hroller's planning (facts from Ganeti's Program/Hroller.hs): which nodes can be
// rebooted together. Nodes are coloured in a graph whose edges join nodes that must not
// be down at once (primary and secondary of a DRBD instance, and — unless all instances
// are offline for the maintenance — primaries sharing a secondary); each colour class is
// then split so the non-redundant instances of its nodes fit elsewhere, and with
// --full-evacuation also so that redundant instances can be migrated away and their
// secondaries replaced. Pure: every step returns new containers.
import * as C from "./container.js";
import type { Container } from "./container.js";
import type { Group } from "./group.js";
import * as G from "./graph.js";
import * as I from "./instance.js";
import type { Instance } from "./instance.js";
import * as N from "./node.js";
import type { Node } from "./node.js";
import { type Idx, type Ndx, type Result, bad, ok } from "./types.js";

export interface Conf {
  readonly nl: Container<Node>;
  readonly il: Container<Instance>;
}

// ---- node graphs (Node.mkNodeGraph / mkRebootNodeGraph) ----------------------

function boundsOf(nodes: Container<Node>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < nodes.length; k++) {
    if (nodes[k] === undefined) continue;
    lo = Math.min(lo, k);
    hi = Math.max(hi, k);
  }
  return lo > hi ? null : [lo, hi];
}

function filterValid(nodes: Container<Node>, edges: readonly G.Edge[]): G.Edge[] {
  return edges.filter(([a, b]) => C.lookup(nodes, a) !== undefined && C.lookup(nodes, b) !== undefined);
}

/** Both directions between the primary and secondary of every redundant instance. */
function instanceEdges(il: Container<Instance>): G.Edge[] {
  const out: G.Edge[] = [];
  for (const i of C.elems(il)) if (I.hasSecondary(i)) out.push([i.pNode, i.sNode], [i.sNode, i.pNode]);
  return out;
}

/** Edges only between the nodes of redundant instances (offline maintenance). */
export function mkNodeGraph(nodes: Container<Node>, il: Container<Instance>): G.Graph | null {
  const b = boundsOf(nodes);
  if (b === null) return null;
  return G.buildGraph(b[0], b[1], filterValid(nodes, instanceEdges(il)));
}

/** All reboot exclusions: also the primaries of instances sharing a secondary (over all
 * nodes, even those outside `nodes`). */
export function mkRebootNodeGraph(all: Container<Node>, nodes: Container<Node>, il: Container<Instance>): G.Graph | null {
  const b = boundsOf(nodes);
  if (b === null) return null;
  const shared: G.Edge[] = [];
  for (const n of C.elems(all)) {
    const prims = n.sList.map((i) => C.find(il, i).pNode);
    for (const a of prims) for (const c of prims) shared.push([a, c]);
  }
  return G.buildGraph(b[0], b[1], filterValid(nodes, G.unionEdges(instanceEdges(il), shared)));
}

// ---- relocations ----------------------------------------------------------------

/** Moves a non-redundant instance to another node (soft limits ignored). */
function movePrimary(idx: Idx, to: Ndx, conf: Conf): Conf | null {
  const inst = C.find(conf.il, idx);
  const from = inst.pNode;
  const r = N.addPriEx(true, C.find(conf.nl, to), inst);
  if (!r.ok) return null;
  const old = N.removePri(C.find(conf.nl, from), inst);
  // Container.addTwo old_ndx old' new_ndx new': the first pair wins on equal keys
  return { nl: C.addAll(conf.nl, [[to, r.value], [from, old]]), il: C.add(conf.il, idx, I.setPri(inst, to)) };
}

function locateInstances(idxs: readonly Idx[], targets: readonly Ndx[], conf: Conf): Conf | null {
  let cf = conf;
  for (const idx of idxs) {
    let next: Conf | null = null;
    for (const t of targets) {
      next = movePrimary(idx, t, cf);
      if (next !== null) break;
    }
    if (next === null) return null;
    cf = next;
  }
  return cf;
}

/** Replaces an instance's secondary, as Ganeti's hroller does it — including its use of
 * the primary node's record (with the instance removed as a secondary) for the old
 * secondary's slot, which later steps and the printed moves then see. */
function replaceSecondary(idx: Idx, to: Ndx, conf: Conf): Conf | null {
  const inst = C.find(conf.il, idx);
  const oldS = inst.sNode;
  const pdx = inst.pNode;
  if (pdx === to) return null;
  const r = N.addSecEx(true, C.find(conf.nl, to), inst, pdx);
  if (!r.ok) return null;
  const oldSec = N.removeSec(C.find(conf.nl, pdx), inst);
  return { nl: C.addAll(conf.nl, [[to, r.value], [oldS, oldSec]]), il: C.add(conf.il, idx, I.setSec(inst, to)) };
}

function findSecondaries(idxs: readonly Idx[], targets: readonly Ndx[], conf: Conf): Conf | null {
  let cf = conf;
  for (const idx of idxs) {
    let next: Conf | null = null;
    for (const t of targets) {
      next = replaceSecondary(idx, t, cf);
      if (next !== null) break;
    }
    if (next === null) return null;
    cf = next;
  }
  return cf;
}

/** The non-redundant instances whose primary is the node. */
export function nonRedundant(conf: Conf, ndx: Ndx): Idx[] {
  return C.find(conf.nl, ndx).pList.filter((i) => !I.hasSecondary(C.find(conf.il, i)));
}

function secondaries(conf: Conf, ndx: Ndx): Idx[] {
  return [...C.find(conf.nl, ndx).sList];
}

type Relocate = (idxs: readonly Idx[], targets: readonly Ndx[], conf: Conf) => Conf | null;
type Getter = (conf: Conf, ndx: Ndx) => Idx[];

/** Greedily takes the nodes (in order) whose instances can be relocated to the other
 * nodes of their group that are not taken themselves. */
function greedyClearNodes(get: Getter, relocate: Relocate, ndxs: readonly Ndx[], targets: readonly Ndx[], conf: Conf): { grp: Ndx[]; conf: Conf } {
  const grp: Ndx[] = [];
  let tg = [...targets];
  let cf = conf;
  for (const ndx of ndxs) {
    const others = tg.slice();
    const at = others.indexOf(ndx);
    if (at >= 0) others.splice(at, 1);
    const g = C.find(cf.nl, ndx).group;
    const sameGroup = others.filter((t) => C.find(cf.nl, t).group === g);
    const next = relocate(get(cf, ndx), sameGroup, cf);
    if (next === null) continue;
    grp.push(ndx);
    tg = others;
    cf = next;
  }
  return { grp, conf: cf };
}

export interface RebootGroup {
  readonly nodes: readonly Ndx[];
  readonly conf: Conf;
}

/** Splits nodes into groups that can be cleared together, each from the same start. */
function partitionNodes(get: Getter, relocate: Relocate, ndxs: readonly Ndx[], targets: readonly Ndx[], conf: Conf): RebootGroup[] | null {
  const out: RebootGroup[] = [];
  let rest = [...ndxs];
  while (rest.length > 0) {
    const r = greedyClearNodes(get, relocate, rest, targets, conf);
    if (r.grp.length === 0) return null;
    out.push({ nodes: r.grp, conf: r.conf });
    // Data.List.(\\): remove one occurrence of each taken node
    for (const n of r.grp) {
      const k = rest.indexOf(n);
      if (k >= 0) rest.splice(k, 1);
    }
    rest = [...rest];
  }
  return out;
}

export function partitionNonRedundant(ndxs: readonly Ndx[], targets: readonly Ndx[], conf: Conf): RebootGroup[] | null {
  return partitionNodes(nonRedundant, locateInstances, ndxs, targets, conf);
}

export function partitionSecondaries(ndxs: readonly Ndx[], targets: readonly Ndx[], conf: Conf): RebootGroup[] | null {
  return partitionNodes(secondaries, findSecondaries, ndxs, targets, conf);
}

/** Migrates every redundant primary of the nodes to its secondary (Hroller's migrate). */
export function migrateOffNodes(g: RebootGroup): RebootGroup | null {
  const idxs: Idx[] = [];
  for (const n of g.nodes) for (const i of C.find(g.conf.nl, n).pList) if (I.hasSecondary(C.find(g.conf.il, i))) idxs.push(i);
  let cf = g.conf;
  for (const idx of idxs) {
    const inst = C.find(cf.il, idx);
    const pdx = inst.pNode;
    const sdx = inst.sNode;
    const p1 = N.removePri(C.find(cf.nl, pdx), inst);
    const s1 = N.removeSec(C.find(cf.nl, sdx), inst);
    const s2 = N.addPriEx(true, s1, inst);
    if (!s2.ok) return null;
    const p2 = N.addSecEx(true, p1, inst, sdx);
    if (!p2.ok) return null;
    cf = { nl: C.addAll(cf.nl, [[sdx, s2.value], [pdx, p2.value]]), il: C.add(cf.il, idx, I.setBoth(inst, sdx, pdx)) };
  }
  return { nodes: g.nodes, conf: cf };
}

// ---- the plan -----------------------------------------------------------------------

export interface HrollerOptions {
  readonly offlineMaintenance: boolean;
  readonly skipNonRedundant: boolean;
  readonly ignoreNonRedundant: boolean;
  readonly fullEvacuation: boolean;
  readonly nodeTags: readonly string[] | null;
  readonly group: Group | null;
}

export interface Move {
  readonly inst: string;
  readonly pnode: string;
  readonly snode: string | null;
}

export interface HrollerPlan {
  readonly graph: G.Graph;
  /** Colourings by algorithm, in Ganeti's order (LF, Dsatur, Dcolor). */
  readonly colorings: readonly (readonly [string, G.ColorVertMap])[];
  /** Reboot groups in output order, with the moves of each. */
  readonly groups: readonly { readonly nodes: readonly string[]; readonly moves: readonly Move[] }[];
}

export type HrollerError =
  | "Not enough capacity to move non-redundant instances"
  | "Failed to migrate instances off nodes"
  | "Not enough capacity to move secondaries";

/** Moved instances between two configurations (a primary/secondary swap is not a move). */
function getMoves(ini: Conf, fin: Conf): Move[] {
  const out: Move[] = [];
  for (const inst of C.elems(ini.il)) {
    const i2 = C.find(fin.il, inst.idx);
    const hasSec = I.hasSecondary(inst);
    if (!(inst.pNode !== i2.pNode || (hasSec && inst.sNode !== i2.sNode))) continue;
    if (i2.pNode === inst.sNode && i2.sNode === inst.pNode) continue;
    out.push({
      inst: i2.name,
      pnode: C.find(fin.nl, i2.pNode).name,
      snode: hasSec ? C.find(fin.nl, i2.sNode).name : null,
    });
  }
  return out;
}

/** Ganeti's getStats line: algorithms from fewest to most colours, TIE or LOOSE. */
export function coloringStats(colorings: readonly (readonly [string, G.ColorVertMap])[]): string {
  const bySize = colorings.map((c, k) => ({ c, k })).sort((a, b) => b.c[1].length - a.c[1].length || a.k - b.k).map((x) => x.c);
  const stat = ([algo, cmap]: readonly [string, G.ColorVertMap]): string =>
    `${algo}: ${cmap.length} (${cmap.map(([, vs]) => vs.length).join(",")})`;
  let old = 0;
  let str = "";
  for (let k = bySize.length - 1; k >= 0; k--) {
    const el = bySize[k]!;
    const size = el[1].length;
    if (old === 0) str = stat(el);
    else str += (old === size ? " TIE " : " LOOSE ") + stat(el);
    old = size;
  }
  return str;
}

/** The nodes hroller plans for (online, and matching the options) and their graph. */
export function rebootGraph(nlf: Container<Node>, ilf: Container<Instance>, o: HrollerOptions): { nodes: Container<Node>; graph: G.Graph } | null {
  const conf0: Conf = { nl: nlf, il: ilf };
  const nodes = C.filter(nlf, (n) =>
    !n.offline &&
    (!o.skipNonRedundant || nonRedundant(conf0, n.idx).length === 0) &&
    (o.nodeTags === null || n.nTags.some((t) => o.nodeTags!.includes(t))) &&
    (o.group === null || n.group === o.group.idx),
  );
  const graph = o.offlineMaintenance ? mkNodeGraph(nodes, ilf) : mkRebootNodeGraph(nlf, nodes, ilf);
  return graph === null ? null : { nodes, graph };
}

export function planReboots(
  nlf: Container<Node>,
  ilf: Container<Instance>,
  o: HrollerOptions,
  nodes: Container<Node>,
  graph: G.Graph,
): Result<HrollerPlan, HrollerError> {
  const conf0: Conf = { nl: nlf, il: ilf };
  const colorings: (readonly [string, G.ColorVertMap])[] = [
    ["LF", G.colorVertMap(G.colorLF(graph))],
    ["Dsatur", G.colorVertMap(G.colorDsatur(graph))],
    ["Dcolor", G.colorVertMap(G.colorDcolor(graph))],
  ];
  let smallest = colorings[0]![1];
  for (const [, c] of colorings) if (c.length < smallest.length) smallest = c;
  const colorClasses = smallest.map(([, vs]) => vs);
  const allNdx = C.elems(nlf).filter((n) => !n.offline).map((n) => n.idx);
  let groups: RebootGroup[] = [];
  if (o.ignoreNonRedundant) groups = colorClasses.map((vs) => ({ nodes: vs, conf: conf0 }));
  else {
    for (const vs of colorClasses) {
      const p = partitionNonRedundant(vs, allNdx, conf0);
      if (p === null) return bad("Not enough capacity to move non-redundant instances");
      groups.push(...p);
    }
  }
  if (o.fullEvacuation) {
    const migrated: RebootGroup[] = [];
    for (const g of groups) {
      const m = migrateOffNodes(g);
      if (m === null) return bad("Failed to migrate instances off nodes");
      migrated.push(m);
    }
    const split: RebootGroup[] = [];
    for (const g of migrated) {
      const p = partitionSecondaries(g.nodes, allNdx, g.conf);
      if (p === null) return bad("Not enough capacity to move secondaries");
      split.push(...p);
    }
    groups = split;
  }
  // keep only the nodes asked for, biggest groups first (stable), master last
  const withNodes = groups
    .map((g) => ({ nodes: g.nodes.filter((n) => C.lookup(nodes, n) !== undefined).map((n) => C.find(nodes, n)), conf: g.conf }))
    .map((g, k) => ({ ...g, k }))
    .sort((a, b) => b.nodes.length - a.nodes.length || a.k - b.k);
  const split = withNodes.map((g) => ({ rest: g.nodes.filter((n) => !n.isMaster), masters: g.nodes.filter((n) => n.isMaster), conf: g.conf }));
  const ordered = [...split.filter((g) => g.masters.length === 0), ...split.filter((g) => g.masters.length > 0)];
  return ok({
    graph,
    colorings,
    groups: ordered.map((g) => ({ nodes: [...g.rest, ...g.masters].map((n) => n.name), moves: getMoves(conf0, g.conf) })),
  });
}
