// Turning raw backend data into a consistent cluster (Ganeti's Loader.hs facts):
// placing instances on nodes, peer maps, policies, tags, aliases, memory checks.
import * as C from "./container.js";
import type { Container } from "./container.js";
import type { Group } from "./group.js";
import * as I from "./instance.js";
import type { Instance } from "./instance.js";
import * as N from "./node.js";
import type { Node } from "./node.js";
import { instanceGroup, setInstanceLocationScore } from "./cluster.js";
import { type DynUtil, type IPolicy, type Result, NO_SECONDARY, ZERO_UTIL, bad, ok } from "./types.js";

export interface ClusterData {
  readonly groups: Container<Group>;
  readonly nodes: Container<Node>;
  readonly instances: Container<Instance>;
  readonly tags: readonly string[];
  readonly ipolicy: IPolicy;
}

export const TAG_PREFIX = {
  exTags: "htools:iextags:",
  standby: "htools:standby:",
  migration: "htools:migration:",
  allowMigration: "htools:allowmigration:",
  location: "htools:nlocation:",
  desiredLocation: "htools:desiredlocation:",
} as const;

function chompPrefixes(prefix: string, tags: readonly string[]): string[] {
  return tags.filter((t) => t.startsWith(prefix)).map((t) => t.slice(prefix.length));
}

function getTags(prefix: string, ctags: readonly string[], ntags: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const p of chompPrefixes(prefix, ctags)) for (const t of ntags) if (t.startsWith(p + ":")) out.add(t);
  return out;
}

function splitAtColons(s: string): [string, string] | null {
  const i = s.indexOf("::");
  if (i < 0) return null;
  const rest = s.slice(i + 2);
  if (rest.includes("::")) return null;
  return [s.slice(0, i), rest];
}

export function getMigRestrictions(ctags: readonly string[], ntags: readonly string[]): Set<string> {
  return getTags(TAG_PREFIX.migration, ctags, ntags);
}
export function getRecvMigRestrictions(ctags: readonly string[], ntags: readonly string[]): Set<string> {
  const migs = chompPrefixes(TAG_PREFIX.allowMigration, ctags)
    .map(splitAtColons)
    .filter((x): x is [string, string] => x !== null);
  const out = new Set<string>();
  for (const tag of getMigRestrictions(ctags, ntags)) {
    out.add(tag);
    for (const [from, to] of migs) if (to === tag) out.add(from);
  }
  return out;
}
export function getLocations(ctags: readonly string[], ntags: readonly string[]): Set<string> {
  return getTags(TAG_PREFIX.location, ctags, ntags);
}

/** The longest ".domain" suffix common to all names (Ganeti's longestDomain). */
export function longestDomain(names: readonly string[]): string {
  if (names.length === 0) return "";
  const [x, ...xs] = names as [string, ...string[]];
  let best = "";
  // Ganeti folds from the right over the dot-suffixes of the first name, so the
  // longest suffix shared by all names wins.
  for (let i = x.length - 1; i >= 0; i--) {
    if (x[i] !== ".") continue;
    const suffix = x.slice(i);
    if (xs.every((n) => n.endsWith(suffix))) best = suffix;
  }
  return best;
}

export function commonSuffix(nl: Container<Node>, il: Container<Instance>): string {
  return longestDomain([...C.elems(nl).map((n) => n.name), ...C.elems(il).map((i) => i.name)]);
}

function aliasOf(dom: string, name: string): string {
  return name.slice(0, name.length - dom.length);
}

/** Ganeti's name lookup: exact, or a unique "prefix." match. */
export function lookupName(names: readonly string[], q: string): { good: boolean; name: string } {
  if (names.includes(q)) return { good: true, name: q };
  const cands = names.filter((n) => n.startsWith(q + "."));
  if (cands.length === 1) return { good: true, name: cands[0]! };
  return { good: false, name: q };
}

function showStrList(xs: readonly string[]): string {
  return `[${xs.map((x) => JSON.stringify(x)).join(",")}]`;
}

/** Ganeti's Loader.assignIndices: the items numbered in order, and their names' indices. */
export function assignIndices<T>(items: ReadonlyArray<readonly [string, T]>, setIdx: (x: T, i: number) => T):
  { assoc: Map<string, number>; container: Container<T> } {
  const assoc = new Map<string, number>();
  const container: T[] = [];
  items.forEach(([k, v], i) => {
    assoc.set(k, i);
    container.push(setIdx(v, i));
  });
  return { assoc, container };
}

export interface MergeOptions {
  readonly util?: readonly (readonly [string, DynUtil])[];
  readonly exTags?: readonly string[];
  readonly selInsts?: readonly string[];
  readonly exInsts?: readonly string[];
}

/** Ganeti's mergeData: links instances to nodes and computes derived data. */
export function mergeData(cd: ClusterData, opts: MergeOptions = {}): Result<ClusterData> {
  const { groups: gl, nodes: nl, tags: ctags } = cd;
  let il = cd.instances;
  if (opts.util !== undefined && opts.util.length > 0) {
    const byName = new Map(C.elems(il).map((i) => [i.name, i.idx]));
    const upd: [number, Instance][] = [];
    for (const [name, u] of opts.util) {
      const k = byName.get(name);
      if (k !== undefined) upd.push([k, { ...C.find(il, k), util: u }]);
    }
    il = C.addAll(il, upd);
  }
  const allExTags = [...(opts.exTags ?? []), ...chompPrefixes(TAG_PREFIX.exTags, ctags).filter((t) => t !== "")];
  const dsrdLoc = chompPrefixes(TAG_PREFIX.desiredLocation, ctags).filter((t) => t !== "");
  const instNames = C.elems(il).map((i) => i.name);
  const selLkp = (opts.selInsts ?? []).map((q) => lookupName(instNames, q));
  const exLkp = (opts.exInsts ?? []).map((q) => lookupName(instNames, q));
  const unknown = [...selLkp, ...exLkp].filter((l) => !l.good);
  if (unknown.length > 0) return bad(`Unknown instance(s): ${showStrList(unknown.map((l) => l.name))}`);
  const selNames = selLkp.map((l) => l.name);
  const exNames = exLkp.map((l) => l.name);
  const suffix = longestDomain([...C.elems(nl).map((n) => n.name), ...instNames]);
  const il4 = C.map(il, (inst) => {
    let i = inst;
    if (exNames.includes(i.name) || !(selNames.length === 0 || selNames.includes(i.name))) i = I.setMovable(i, false);
    const dl = [...new Set(i.allTags.filter((t) => dsrdLoc.some((p) => t.startsWith(p))))].sort();
    const r = I.copyInstance(i);
    r.dsrdLocTags = dl;
    r.exclTags = i.allTags.filter((t) => allExTags.some((p) => t.startsWith(p)));
    i = r;
    return I.setAlias(i, aliasOf(suffix, i.name));
  });
  const nl2 = C.map(nl, (n) => N.setLocationTags(n, getLocations(ctags, n.nTags)));
  const il5 = C.map(il4, (i) =>
    setInstanceLocationScore(i, C.find(nl2, i.pNode), i.sNode === NO_SECONDARY ? null : (C.lookup(nl2, i.sNode) ?? null)),
  );
  const nl3 = nl2.slice();
  for (const inst of C.elems(il5)) {
    nl3[inst.pNode] = N.setPri(C.find(nl3, inst.pNode), inst);
    if (inst.sNode !== NO_SECONDARY) nl3[inst.sNode] = N.setSec(C.find(nl3, inst.sNode), inst);
  }
  const il4list = il4;
  const nl4 = C.map(nl3, (n) =>
    {
    const p = N.buildPeers(n, il4list as Instance[]);
    return N.setPolicy(N.setAlias(p, aliasOf(suffix, p.name)), C.find(gl, n.group).iPolicy);
  },
  );
  const il6 = C.map(il5, (i) => (instanceGroup(nl3, i).ok ? i : I.setMovable(i, false)));
  const nl5 = C.map(nl4, (n) =>
    N.setMigrationTags(n, getMigRestrictions(ctags, n.nTags), getRecvMigRestrictions(ctags, n.nTags)),
  );
  return ok({ ...cd, nodes: nl5, instances: il6 });
}

/** Ganeti's clearDynU (--ignore-dynu). */
export function clearDynU(cd: ClusterData): ClusterData {
  return { ...cd, instances: C.map(cd.instances, (i) => {
    const r = I.copyInstance(i);
    r.util = ZERO_UTIL;
    return r;
  }) };
}

/** Ganeti's updateMissing: memory statistics and the "missing resources" warnings. */
export function updateMissing(nl: Container<Node>, il: Container<Instance>): { warnings: string[]; nodes: Container<Node> } {
  const warnings: string[] = [];
  const ilist = il as Instance[];
  const nodes = C.map(nl, (node) => {
    const newn = N.updateMemStat(node, ilist);
    const deltaMem = newn.xMem;
    let idsk = 0;
    for (const i of [...node.pList, ...node.sList]) idsk += C.find(il, i).dsk;
    const deltaDsk = Math.trunc(node.tDsk) - node.fDsk - idsk;
    if (deltaMem > 512 || deltaDsk > 1024) {
      warnings.unshift(`node ${node.name} is missing ${deltaMem} MB ram and ${Math.floor(deltaDsk / 1024)} GB disk`);
    }
    return newn;
  });
  return { warnings, nodes };
}

export interface NodeStatusOptions {
  readonly offline?: readonly string[];
  readonly mcpu?: number;
  readonly mdsk?: number;
}

/** Ganeti's setNodeStatus: -O offline nodes, --max-cpu, --min-disk. */
export function setNodeStatus(nl: Container<Node>, opts: NodeStatusOptions): Result<Container<Node>> {
  const names = C.elems(nl).map((n) => n.name);
  const lkp = (opts.offline ?? []).map((q) => lookupName(names, q));
  const wrong = lkp.filter((l) => !l.good);
  if (wrong.length > 0) return bad(`wrong node name(s) set as offline: ${wrong.map((l) => l.name).join(", ")}\n`);
  const off = new Set(lkp.map((l) => l.name));
  return ok(
    C.map(nl, (n) => {
      let m = n;
      if (opts.mcpu !== undefined) m = N.setMcpu(m, opts.mcpu);
      m = N.setMdsk(m, opts.mdsk ?? 0);
      if (off.has(m.name)) m = N.setOffline(m, true);
      return m;
    }),
  );
}

/** Full load pipeline of the text backend: merge, then memory statistics. */
export function prepareCluster(
  cd: ClusterData,
  opts: MergeOptions & { readonly ignoreDynu?: boolean } = {},
): Result<{ data: ClusterData; warnings: string[] }> {
  const base = opts.ignoreDynu === true ? clearDynU(cd) : cd;
  const merged = mergeData(base, opts.ignoreDynu === true ? { ...opts, util: [] } : opts);
  if (!merged.ok) return merged;
  const um = updateMissing(merged.value.nodes, merged.value.instances);
  return ok({ data: { ...merged.value, nodes: um.nodes }, warnings: um.warnings });
}
