// Instance evacuation and relocation (Ganeti's Cluster/Evacuate.hs and the
// tryChangeGroup / iMoveToJob parts of Cluster.hs and Cluster/Utils.hs): used by
// hail (node-evacuate, change-group, relocate) and by the global N+1 check.
import * as C from "./container.js";
import type { Container } from "./container.js";
import { applyMove } from "./cluster.js";
import * as I from "./instance.js";
import type { Instance } from "./instance.js";
import { compCVNodes } from "./metrics.js";
import type { Node } from "./node.js";
import { type DiskTemplate, type Gdx, type IMove, type Idx, type Ndx, type Result, NO_SECONDARY, bad, ok } from "./types.js";

export type EvacMode = "primary-only" | "secondary-only" | "all";

/** An opcode as hail returns it (JSON object, keys in Ganeti's order). */
export type OpCode = Readonly<Record<string, string | number | boolean | readonly never[]>>;

export interface EvacSolution {
  readonly moved: readonly (readonly [Idx, Gdx, readonly Ndx[]])[];
  readonly failed: readonly (readonly [Idx, string])[];
  readonly opcodes: readonly (readonly OpCode[])[];
}

type State = { readonly nl: Container<Node>; readonly il: Container<Instance> };
/** The opcodes are computed on demand (Ganeti never builds them for its N+1 checks). */
type EvacResult = Result<{ nl: Container<Node>; il: Container<Instance>; ops: () => OpCode[] }>;

/** Ganeti's iMoveToJob: the opcodes equivalent to a move. */
export function moveToJob(nl: Container<Node>, il: Container<Instance>, idx: Idx, mv: IMove): OpCode[] {
  const inst = C.find(il, idx);
  const iname = inst.name;
  const opF = (target: Ndx | null): OpCode => {
    const tn: Record<string, string> = target === null ? {} : { target_node: C.find(nl, target).name };
    return inst.forthcoming
      ? { OP_ID: "OP_INSTANCE_FAILOVER", instance_name: iname, shutdown_timeout: 120, ignore_consistency: false, ...tn, ignore_ipolicy: false, cleanup: false }
      : { OP_ID: "OP_INSTANCE_MIGRATE", instance_name: iname, ...tn, allow_runtime_changes: false, ignore_ipolicy: false, cleanup: false, allow_failover: true, ignore_hvversions: true };
  };
  const opR = (n: Ndx): OpCode => ({
    OP_ID: "OP_INSTANCE_REPLACE_DISKS", instance_name: iname, early_release: false, ignore_ipolicy: false,
    mode: "replace_new_secondary", disks: [], remote_node: C.find(nl, n).name,
  });
  switch (mv.kind) {
    case "Failover":
      return [opF(null)];
    case "FailoverToAny":
      return [opF(mv.node)];
    case "ReplacePrimary":
      return [opF(null), opR(mv.node), opF(null)];
    case "ReplaceSecondary":
      return [opR(mv.node)];
    case "ReplaceAndFailover":
      return [opR(mv.node), opF(null)];
    case "FailoverAndReplace":
      return [opF(null), opR(mv.node)];
  }
}

/** The score of one group's nodes (Ganeti: compCVNodes of that group after computeGroups). */
function groupScore(nl: Container<Node>, gdx: Gdx): number {
  return compCVNodes(C.elems(nl).filter((n) => n.group === gdx));
}

function failModeMsg(nl: Container<Node>, ndx: Ndx, fm: string): string {
  return ` Node ${C.find(nl, ndx).name} failed: ${fm};`;
}

/** Ganeti's evacOneNodeOnly: one node change (secondary for DRBD, primary otherwise). */
function evacOneNodeOnly(force: boolean, st: State, inst: Instance, gdx: Gdx, avail: readonly Ndx[]): EvacResult {
  const mt = I.mirrorType(inst);
  if (mt === "none") return bad("Can't relocate/evacuate non-mirrored instances");
  const mk = (n: Ndx): IMove => (mt === "internal" ? { kind: "ReplaceSecondary", node: n } : { kind: "FailoverToAny", node: n });
  let fail = "";
  let best: { nl: Container<Node>; inst: Instance; cv: number; ndx: Ndx } | null = null;
  for (const ndx of avail) {
    const r = applyMove(force, st.nl, inst, mk(ndx));
    if (!r.ok) {
      if (best === null) fail += failModeMsg(st.nl, ndx, r.error);
      continue;
    }
    const nl2 = C.addAll(st.nl, r.value.nodes);
    const cv = groupScore(nl2, gdx);
    if (best === null || !(best.cv < cv)) best = { nl: nl2, inst: r.value.inst, cv, ndx };
  }
  if (best === null) return bad(`Can't find any good node: ${fail}`);
  const il2 = C.add(st.il, inst.idx, best.inst);
  const mv = mk(best.ndx);
  const bnl = best.nl;
  return ok({ nl: bnl, il: il2, ops: () => moveToJob(bnl, il2, inst.idx, mv) });
}

/** Ganeti's evacDrbdAllInner: a DRBD instance moved to a new (primary, secondary) pair. */
function evacDrbdAllInner(force: boolean, st: State, inst: Instance, gdx: Gdx, tp: Ndx, ts: Ndx): Result<{ nl: Container<Node>; il: Container<Instance>; ops: () => OpCode[]; cv: number }> {
  let nl = st.nl;
  let cur = inst;
  const moves: IMove[] = [];
  const step = (mv: IMove, what: string): string | null => {
    const r = applyMove(force, nl, cur, mv);
    if (!r.ok) return `${what}: ${r.error}`;
    nl = C.addAll(nl, r.value.nodes);
    cur = r.value.inst;
    moves.push(mv);
    return null;
  };
  if (C.find(st.nl, inst.pNode).offline) {
    const e = step({ kind: "Failover" }, "Failing over to the secondary");
    if (e !== null) return bad(e);
  }
  const e1 = step({ kind: "ReplaceSecondary", node: tp }, "Changing secondary to new primary");
  if (e1 !== null) return bad(e1);
  const e2 = step({ kind: "Failover" }, "Failing over to new primary");
  if (e2 !== null) return bad(e2);
  const e3 = step({ kind: "ReplaceSecondary", node: ts }, "Changing secondary to final secondary");
  if (e3 !== null) return bad(e3);
  const il = C.add(st.il, inst.idx, cur);
  const fnl = nl;
  const ops = (): OpCode[] => moves.flatMap((mv) => moveToJob(fnl, il, inst.idx, mv));
  return ok({ nl, il, ops, cv: groupScore(nl, gdx) });
}

function noChangeSecondary(mode: EvacMode, dt: DiskTemplate): string | null {
  return mode === "secondary-only" ? `Instances with disk template '${dt}' can't execute change secondary` : null;
}

/** Ganeti's nodeEvacInstance. */
export function nodeEvacInstance(force: boolean, st: State, mode: EvacMode, inst: Instance, gdx: Gdx, avail: readonly Ndx[]): EvacResult {
  const dt = inst.diskTemplate;
  if (dt === "plain") return bad("Instances of type plain cannot be relocated");
  if (dt === "file") return bad("Instances of type file cannot be relocated");
  if (dt !== "drbd") {
    const e = noChangeSecondary(mode, dt);
    return e !== null ? bad(e) : evacOneNodeOnly(force, st, inst, gdx, avail);
  }
  if (mode === "primary-only") {
    const r = applyMove(force, st.nl, inst, { kind: "Failover" });
    if (!r.ok) return bad(r.error);
    const nl = C.addAll(st.nl, r.value.nodes);
    const il = C.add(st.il, inst.idx, r.value.inst);
    return ok({ nl, il, ops: () => moveToJob(nl, il, inst.idx, { kind: "Failover" }) });
  }
  if (mode === "secondary-only") return evacOneNodeOnly(force, st, inst, gdx, avail);
  let acc: Result<{ nl: Container<Node>; il: Container<Instance>; ops: () => OpCode[]; cv: number }> = bad("no nodes available");
  for (const p of avail) {
    for (const s of avail) {
      if (p === s) continue;
      const r = evacDrbdAllInner(force, st, inst, gdx, p, s);
      if (!r.ok) {
        if (!acc.ok) acc = bad(`Allocation failed: ${r.error}`);
      } else if (!acc.ok || !(acc.value.cv < r.value.cv)) acc = r;
    }
  }
  if (!acc.ok) return bad(`Can't find any good nodes for relocation: ${acc.error}`);
  return ok({ nl: acc.value.nl, il: acc.value.il, ops: acc.value.ops });
}

/** Node indices of each group, in group order (Ganeti's splitCluster, nodes only). */
export function groupNodes(nl: Container<Node>): Map<Gdx, Ndx[]> {
  const m = new Map<Gdx, Ndx[]>();
  for (const n of C.elems(nl)) {
    const l = m.get(n.group);
    if (l === undefined) m.set(n.group, [n.idx]);
    else l.push(n.idx);
  }
  return m;
}

function availableGroupNodes(groups: Map<Gdx, Ndx[]>, excl: ReadonlySet<Ndx>, gdx: Gdx): Result<Ndx[]> {
  const l = groups.get(gdx);
  if (l === undefined) return bad(`Can't find group with index ${gdx}`);
  return ok(l.filter((n) => !excl.has(n)));
}

/** Accumulates per-instance results (Ganeti's updateEvacSolution), in request order. */
export class EvacAccumulator {
  moved: [Idx, Gdx, Ndx[]][] = [];
  failed: [Idx, string][] = [];
  opcodes: OpCode[][] = [];
  constructor(public st: State) {}
  update(idx: Idx, r: EvacResult): void {
    if (!r.ok) {
      this.failed.push([idx, r.error]);
      return;
    }
    this.st = { nl: r.value.nl, il: r.value.il };
    const inst = C.find(r.value.il, idx);
    this.moved.push([idx, C.find(r.value.nl, inst.pNode).group, I.allNodes(inst)]);
    this.opcodes.push(r.value.ops());
  }
  solution(): EvacSolution {
    return { moved: this.moved, failed: this.failed, opcodes: this.opcodes };
  }
}

/** Ganeti's tryNodeEvac. */
export function tryNodeEvac(force: boolean, nl: Container<Node>, il: Container<Instance>, mode: EvacMode, idxs: readonly Idx[]): { nl: Container<Node>; il: Container<Instance>; sol: EvacSolution } {
  const evac = new Set<Ndx>();
  for (const idx of idxs) {
    const i = C.find(il, idx);
    const withSec = i.diskTemplate === "drbd";
    if (mode !== "secondary-only") evac.add(i.pNode);
    if (mode !== "primary-only" && withSec) evac.add(i.sNode);
  }
  evac.delete(NO_SECONDARY);
  for (const n of C.elems(nl)) if (n.offline) evac.add(n.idx);
  const groups = groupNodes(nl);
  const acc = new EvacAccumulator({ nl, il });
  for (const idx of idxs) {
    const inst = C.find(il, idx);
    const gdx = C.find(acc.st.nl, inst.pNode).group;
    const excl = new Set(evac);
    excl.add(inst.pNode);
    const avail = availableGroupNodes(groups, excl, gdx);
    acc.update(idx, avail.ok ? nodeEvacInstance(force, acc.st, mode, inst, gdx, avail.value) : avail);
  }
  return { nl: acc.st.nl, il: acc.st.il, sol: acc.solution() };
}

export { availableGroupNodes };
