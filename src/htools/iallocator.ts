// Answering iallocator requests (Ganeti's IAlloc.processRequest and the multi-group
// allocation of Cluster.hs): allocate, multi-allocate, relocate, change-group,
// node-evacuate, allocate-secondary; the answer is Ganeti's JSON text.
import {
  type AllocOptions, type AllocSolution, EMPTY_SOLUTION, annotateSolution, collapseFailures, elementInstances, elementNodes,
  genAllocNodes, tryAlloc,
} from "./alloc.js";
import { allocGlobalN1 } from "./capacity.js";
import { splitCluster } from "./cluster.js";
import * as C from "./container.js";
import type { Container } from "./container.js";
import { EvacAccumulator, type EvacSolution, availableGroupNodes, groupNodes, nodeEvacInstance, tryNodeEvac } from "./evacuate.js";
import type { Group } from "./group.js";
import { type DedSolution, findDedicatedAllocation, findDedicatedMG, isDedicated } from "./dedicated.js";
import { isAllocable } from "./group.js";
import * as I from "./instance.js";
import type { Instance } from "./instance.js";
import type { NewInstance, ParsedRequest } from "./iallocator-parse.js";
import * as N from "./node.js";
import type { Node } from "./node.js";
import { ALLOC_POLICIES, type Gdx, type Result, bad, ok } from "./types.js";

type JsonOut = null | boolean | number | string | readonly JsonOut[] | { readonly [k: string]: JsonOut };
type Answer = { info: string; result: JsonOut; nl: Container<Node>; il: Container<Instance> };

interface Ctx {
  readonly opts: AllocOptions;
  readonly gl: Container<Group>;
}

function hasRequiredNetworks(g: Group, nets: readonly (string | null)[]): boolean {
  return nets.every((n) => n === null || g.networks.includes(n));
}

function solutionDescription(g: Group, r: Result<AllocSolution>): string[] {
  if (!r.ok) return [`Group ${g.name}: error ${r.error}`];
  return r.value.log.map((l) => `Group ${g.name} (${g.allocPolicy}): ${l}`);
}

const polRank = (g: Group): number => ALLOC_POLICIES.indexOf(g.allocPolicy);

/** Ganeti's findBestAllocGroup. */
function findBestAllocGroup(
  ctx: Ctx, nl: Container<Node>, il: Container<Instance>, allowed: readonly Gdx[] | null, ni: NewInstance,
): Result<{ group: Group; sol: AllocSolution; msgs: string[] }> {
  const groups = splitCluster(nl, il).map((g) => ({ grp: C.find(ctx.gl, g.gdx), nl: g.nl }));
  const allowedGroups = allowed === null ? groups : groups.filter((g) => allowed.includes(g.grp.idx));
  const valid = allowedGroups.filter((g) => hasRequiredNetworks(g.grp, ni.networks));
  const filterMsgs = allowedGroups
    .filter((g) => !hasRequiredNetworks(g.grp, ni.networks))
    .map((g) => `group ${g.grp.name} is not connected to a network required by instance ${ni.inst.name}`);
  const sols = valid.map((g) => {
    const an = genAllocNodes(ctx.opts, ctx.gl, g.nl, ni.count, false);
    const r: Result<AllocSolution> = an.ok ? tryAlloc(ctx.opts, nl, il, ni.inst, an.value, allocGlobalN1(ctx.opts)) : an;
    return { grp: g.grp, r };
  });
  const msgs = [...filterMsgs, ...sols.flatMap((s) => solutionDescription(s.grp, s.r))];
  const good: { grp: Group; sol: AllocSolution }[] = [];
  for (const s of sols) if (s.r.ok && s.r.value.solution !== null && isAllocable(s.grp)) good.unshift({ grp: s.grp, sol: s.r.value });
  const sorted = good
    .map((g, k) => [g, k] as const)
    .sort((a, b) => polRank(a[0].grp) - polRank(b[0].grp) || a[0].sol.solution!.score - b[0].sol.solution!.score || a[1] - b[1])
    .map(([g]) => g);
  const best = sorted[0];
  if (best === undefined) {
    if (allowedGroups.length === 0) {
      return bad(`no groups for evacuation: allowed groups was ${allowed === null ? "Nothing" : `Just [${allowed.join(",")}]`}, all groups: [${groups.map((g) => g.grp.name).join(",")}]`);
    }
    return bad(msgs.join(", "));
  }
  return ok({ group: best.grp, sol: best.sol, msgs });
}

function tryMGAlloc(ctx: Ctx, nl: Container<Node>, il: Container<Instance>, ni: NewInstance): Result<AllocSolution> {
  const r = findBestAllocGroup(ctx, nl, il, null, ni);
  if (!r.ok) return r;
  return ok({ ...r.value.sol, log: [`Selected group: ${r.value.group.name}`, ...r.value.msgs] });
}

function tryGroupAlloc(ctx: Ctx, nl: Container<Node>, il: Container<Instance>, gname: string, ni: NewInstance): Result<AllocSolution> {
  const grp = C.elems(ctx.gl).find((g) => g.name === gname || g.uuid === gname);
  if (grp === undefined) return bad(`Unknown group '${gname}'`);
  if (!hasRequiredNetworks(grp, ni.networks)) {
    return bad(`The group ${grp.name} is not connected to a network required by instance ${ni.inst.name}`);
  }
  const gnl = C.filter(nl, (n) => n.group === grp.idx);
  const gil = C.filter(il, (i) => gnl[i.pNode] !== undefined);
  const an = genAllocNodes(ctx.opts, ctx.gl, gnl, ni.count, false);
  if (!an.ok) return an;
  const sol = tryAlloc(ctx.opts, gnl, gil, ni.inst, an.value, allocGlobalN1(ctx.opts));
  if (!sol.ok) return sol;
  return ok({ ...sol.value, log: solutionDescription(grp, sol) });
}

const describe = (as: AllocSolution): string => as.log.join(", ");

function formatAllocate(il: Container<Instance>, as: AllocSolution): Result<Answer> {
  const info = describe(as);
  if (as.solution === null) return bad(info);
  const el = as.solution;
  return ok({ info, result: el.nodes.map((n) => n.name), nl: C.addAll(el.base, el.patches), il: addInstance(il, el.inst) });
}

/** Container.add at the instance's own index (index -1, a new instance, goes first as in Ganeti). */
function addInstance(il: Container<Instance>, inst: Instance): Container<Instance> {
  return inst.idx >= 0 ? C.add(il, inst.idx, inst) : il;
}

function allocList(ctx: Ctx, nl0: Container<Node>, il0: Container<Instance>, reqs: readonly NewInstance[]): Result<Answer> {
  let nl = nl0;
  let il = il0;
  const res: [NewInstance, AllocSolution][] = [];
  for (const ni of reqs) {
    const ares = ni.group === null ? tryMGAlloc(ctx, nl, il, ni) : tryGroupAlloc(ctx, nl, il, ni.group, ni);
    if (!ares.ok) return ares;
    const sol = ares.value.solution;
    if (sol !== null) {
      nl = elementNodes(sol, il);
      il = elementInstances(sol, il);
    }
    res.push([ni, ares.value]);
  }
  const allocated = res.filter(([, a]) => a.solution !== null);
  const failed = res.filter(([, a]) => a.solution === null);
  const aars: JsonOut = allocated.map(([, a]) => [a.solution!.inst.name, a.solution!.nodes.map((n) => n.name)]);
  const fars: JsonOut = failed.map(([ni, a]) => [ni.inst.name, describe(a)]);
  const info = `${failed.length} instances failed to allocate and ${allocated.length} were allocated successfully`;
  return ok({ info, result: [aars, fars], nl, il });
}

function formatNodeEvac(ctx: Ctx, nl: Container<Node>, il: Container<Instance>, r: { nl: Container<Node>; il: Container<Instance>; sol: EvacSolution }): Answer {
  const iname = (i: number): string => C.find(il, i).name;
  const fes = r.sol.failed.map(([i, m]) => [iname(i), m]);
  const mes = r.sol.moved.map(([i, g, ns]) => [iname(i), C.find(ctx.gl, g).name, ns.map((n) => C.find(nl, n).name)]);
  const info = `${fes.length} instances failed to move and ${mes.length} were moved successfully`;
  return { info, result: [mes, fes, r.sol.opcodes as JsonOut], nl: r.nl, il: r.il };
}

/** Ganeti's tryChangeGroup. */
function tryChangeGroup(ctx: Ctx, nl0: Container<Node>, il0: Container<Instance>, gdxs: readonly Gdx[], idxs: readonly number[]) {
  const evacG = [...new Set(idxs.map((i) => C.find(nl0, C.find(il0, i).pNode).group))];
  const target = (gdxs.length === 0 ? C.elems(ctx.gl).map((g) => g.idx) : gdxs).filter((g) => !evacG.includes(g));
  const excl = new Set(C.elems(nl0).filter((n) => n.offline).map((n) => n.idx));
  const groups = groupNodes(nl0);
  const acc = new EvacAccumulator({ nl: nl0, il: il0 });
  const strict: AllocOptions = { ...ctx.opts, ignoreSoftErrors: false };
  for (const idx of idxs) {
    const inst = C.find(il0, idx);
    const ni: NewInstance = { inst, networks: [], count: inst.diskTemplate === "drbd" ? 2 : 1, group: null };
    const g = findBestAllocGroup(ctx, acc.st.nl, acc.st.il, target, ni);
    if (!g.ok) {
      acc.update(idx, g);
      continue;
    }
    const av = availableGroupNodes(groups, excl, g.value.group.idx);
    acc.update(idx, av.ok ? nodeEvacInstance(strict.ignoreSoftErrors, acc.st, "all", inst, g.value.group.idx, av.value) : av);
  }
  return { nl: acc.st.nl, il: acc.st.il, sol: acc.solution() };
}

function processRelocate(ctx: Ctx, nl: Container<Node>, il: Container<Instance>, idx: number, count: number, ex: readonly number[]): Result<Answer> {
  if (count !== 1) return bad(`Exchange ${count} nodes mode is not implemented`);
  const orig = C.find(il, idx);
  const mt = I.mirrorType(orig);
  if (mt === "none") return bad("Can't relocate non-mirrored instances");
  const [exp, ntype, mode] = mt === "internal" ? [orig.sNode, "secondary", "secondary-only" as const] : [orig.pNode, "primary", "primary-only" as const];
  if (ex.length !== 1 || ex[0] !== exp) {
    return bad(`Unsupported request: excluded nodes not equal to instance's ${ntype}(${exp} versus [${ex.join(",")}])`);
  }
  const r = tryNodeEvac(ctx.opts.ignoreSoftErrors, nl, il, mode, [idx]);
  const f = r.sol.failed.find(([i]) => i === idx);
  if (f !== undefined) return bad(f[1]);
  const m = r.sol.moved.find(([i]) => i === idx);
  if (m === undefined) return bad("Internal error: lost instance idx during move");
  const inst = C.find(r.il, idx);
  const nodes = mt === "internal" ? [inst.sNode] : [inst.pNode];
  return ok({ info: "success", result: nodes.map((n) => C.find(r.nl, n).name), nl: r.nl, il: r.il });
}

function allocateSecondary(ctx: Ctx, nl: Container<Node>, il: Container<Instance>, idx: number): Result<Answer> {
  const inst = C.find(il, idx);
  if (!(inst.sNode < 0)) return bad("Instance already has a secondary");
  const pidx = inst.pNode;
  const pnode = N.removePri(C.find(nl, pidx), inst);
  const nl2 = C.add(nl, pidx, pnode);
  const r0 = I.copyInstance(inst);
  r0.diskTemplate = "drbd";
  const sidxs = C.elems(nl2).filter((n) => n.group === pnode.group && n.idx !== pidx).map((n) => n.idx);
  const sol = tryAlloc(ctx.opts, nl2, il, r0, { kind: "pairs", pairs: [[pidx, sidxs]] }, allocGlobalN1(ctx.opts));
  if (!sol.ok) return sol;
  const info = describe(sol.value);
  const el = sol.value.solution;
  if (el === null) return bad(info);
  if (el.nodes.length !== 2) return bad(`Internal error (not a DRBD allocation); info was: ${info}`);
  return ok({ info, result: el.nodes[1]!.name, nl: C.addAll(el.base, el.patches), il: addInstance(il, el.inst) });
}

/** Ganeti's isAllocationRequest + isDedicated: allocations on exclusive-storage clusters. */
export function dedicatedRequest(pr: ParsedRequest): boolean {
  const rq = pr.request;
  if (rq.kind === "allocate") return isDedicated(pr.cdata, rq.req.group);
  if (rq.kind === "multi-allocate") {
    const gs = [...new Set(rq.reqs.map((r) => r.group).filter((g): g is string => g !== null))];
    return isDedicated(pr.cdata, gs.length === 1 ? gs[0]! : null);
  }
  return false;
}

function dedAnswer(nl: Container<Node>, il: Container<Instance>, sol: DedSolution, log: readonly string[]): Result<Answer> {
  const info = log.join(", ");
  if (sol.best === null) return bad(info);
  return ok({ info, result: sol.best.nodes.map((n) => n.name), nl: C.addAll(nl, sol.best.patches), il: addInstance(il, sol.best.inst) });
}

/** Ganeti's runDedicatedAllocation. */
function processDedicated(opts: AllocOptions, pr: ParsedRequest): Result<Answer> {
  const { groups: gl, nodes: nl, instances: il } = pr.cdata;
  const rq = pr.request;
  const groupIdx = (gn: string): Result<number> => {
    const g = C.elems(gl).find((x) => x.name === gn || x.uuid === gn);
    return g === undefined ? bad(`Unknown group '${gn}'`) : ok(g.idx);
  };
  if (rq.kind === "allocate") {
    const o2 = { ...opts, restrictToNodes: opts.restrictToNodes ?? rq.restrictTo };
    const ni = rq.req;
    if (ni.group !== null) {
      const gdx = groupIdx(ni.group);
      if (!gdx.ok) return gdx;
      const r = findDedicatedAllocation(o2, gl, nl, gdx.value, ni.inst, ni.networks, ni.count);
      if (!r.ok) return r;
      return dedAnswer(C.filter(nl, (n) => n.group === gdx.value), il, r.value.sol, r.value.msgs);
    }
    const r = findDedicatedMG(o2, gl, nl, il, ni.inst, ni.networks, ni.count);
    if (!r.ok) return r;
    const gdx = r.value.best === null ? -1 : r.value.best.nodes[0]!.group;
    return dedAnswer(C.filter(nl, (n) => n.group === gdx), il, r.value, r.value.log);
  }
  if (rq.kind !== "multi-allocate") return bad("Dedicated Allocation only for proper allocation requests");
  let cnl = nl;
  let cil = il;
  const res: [NewInstance, DedSolution][] = [];
  for (const ni of rq.reqs) {
    let sol: DedSolution;
    if (ni.group === null) {
      const r = findDedicatedMG(opts, gl, cnl, cil, ni.inst, ni.networks, ni.count);
      if (!r.ok) return r;
      sol = r.value;
    } else {
      const gdx = groupIdx(ni.group);
      if (!gdx.ok) return gdx;
      const r = findDedicatedAllocation(opts, gl, nl, gdx.value, ni.inst, ni.networks, ni.count);
      if (!r.ok) return r;
      sol = r.value.sol;
    }
    const b = sol.best;
    if (b !== null) {
      const el = { base: cnl, patches: b.patches, inst: b.inst, nodes: b.nodes, score: 0 };
      cnl = elementNodes(el, cil);
      cil = elementInstances(el, cil);
    }
    res.push([ni, sol]);
  }
  const allocated = res.filter(([, a]) => a.best !== null);
  const failed = res.filter(([, a]) => a.best === null);
  const aars: JsonOut = allocated.map(([, a]) => [a.best!.inst.name, a.best!.nodes.map((n) => n.name)]);
  const fars: JsonOut = failed.map(([ni, a]) => [ni.inst.name, a.log.join(", ")]);
  return ok({ info: `${failed.length} instances failed to allocate and ${allocated.length} were allocated successfully`, result: [aars, fars], nl: cnl, il: cil });
}

/** Ganeti's processRequest (or runDedicatedAllocation): the answer and the cluster after it. */
export function processRequest(opts: AllocOptions, pr: ParsedRequest): Result<Answer> {
  if (dedicatedRequest(pr)) return processDedicated(opts, pr);
  const { groups: gl, nodes: nl, instances: il } = pr.cdata;
  const ctx: Ctx = { opts, gl };
  const rq = pr.request;
  switch (rq.kind) {
    case "allocate": {
      const c2: Ctx = { ...ctx, opts: { ...opts, restrictToNodes: opts.restrictToNodes ?? rq.restrictTo } };
      const r = rq.req.group === null ? tryMGAlloc(c2, nl, il, rq.req) : tryGroupAlloc(c2, nl, il, rq.req.group, rq.req);
      return r.ok ? formatAllocate(il, r.value) : r;
    }
    case "relocate":
      return processRelocate(ctx, nl, il, rq.idx, rq.count, rq.exNodes);
    case "change-group":
      return ok(formatNodeEvac(ctx, nl, il, tryChangeGroup(ctx, nl, il, rq.gdxs, rq.idxs)));
    case "node-evacuate":
      return ok(formatNodeEvac(ctx, nl, il, tryNodeEvac(opts.ignoreSoftErrors, nl, il, rq.mode, rq.idxs)));
    case "multi-allocate":
      return allocList(ctx, nl, il, rq.reqs);
    case "allocate-secondary":
      return allocateSecondary(ctx, nl, il, rq.idx);
  }
}

/** Ganeti's formatIAllocResult: the JSON response text. */
export function formatResponse(r: Result<Answer>): string {
  const body = r.ok
    ? { success: true, info: `Request successful: ${r.value.info}`, result: r.value.result }
    : { success: false, info: `Request failed: ${r.error}`, result: [] };
  return encodeJson(body);
}

/** Text.JSON's encodeStrict: compact; non-ASCII and control characters as \uXXXX. */
export function encodeJson(v: JsonOut): string {
  return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export { EMPTY_SOLUTION, annotateSolution, collapseFailures };
