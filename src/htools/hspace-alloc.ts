// Capacity planning (Ganeti's iterateAlloc / tieredAlloc of Cluster.hs and the
// instance-shrinking helpers of Instance.hs): allocate one instance spec again and
// again until nothing fits, or shrink the spec along the most frequent failure and go on.
import { type AllocNodes, type AllocOptions, type N1Pred, SingleMemo, collapseSolution, tryAlloc } from "./alloc.js";
import { ProbeMemo } from "./alloc-probe.js";
import { redundant, stuckAfter } from "./capacity.js";
import { countedShape } from "./capacity-quick.js";
import * as C from "./container.js";
import type { Container } from "./container.js";
import * as I from "./instance.js";
import type { Instance } from "./instance.js";
import * as N from "./node.js";
import type { Node } from "./node.js";
import { type DiskTemplate, type FailMode, type Ndx, type Result, NO_SECONDARY, bad, ok } from "./types.js";

/** A resource spec (Ganeti's RSpec). */
export interface RSpec {
  readonly cpu: number;
  readonly mem: number;
  readonly dsk: number;
  readonly spn: number;
}

const UNIT_MEM = 64;
const UNIT_DSK = 256;
const UNIT_CPU = 1;
const UNIT_SPINDLE = 1;

/** Ganeti's instFromSpec: a running instance with one disk. */
export function instFromSpec(spec: RSpec, dt: DiskTemplate, su: number): Instance {
  return I.createInstance({
    name: "new", mem: spec.mem, dsk: spec.dsk, disks: [{ size: spec.dsk, spindles: spec.spn }], vcpus: spec.cpu,
    runSt: "running", tags: [], autoBalance: true, pNode: -1, sNode: -1, diskTemplate: dt, spindleUse: su, forthcoming: false,
  });
}

/** Ganeti's Instance.specOf. */
export function specOf(i: Instance): RSpec {
  const d = i.disks.length === 1 ? i.disks[0]! : null;
  return { cpu: i.vcpus, mem: i.mem, dsk: i.dsk, spn: d !== null && d.spindles !== null ? d.spindles : 0 };
}

export function sameSpec(a: RSpec, b: RSpec): boolean {
  return a.cpu === b.cpu && a.mem === b.mem && a.dsk === b.dsk && a.spn === b.spn;
}

/** Ganeti's shrinkByType: the instance one unit smaller along a failure mode. */
export function shrinkByType(inst: Instance, fm: FailMode): Result<Instance> {
  const r = I.copyInstance(inst);
  switch (fm) {
    case "FailMem": {
      const v = inst.mem - UNIT_MEM;
      if (v < UNIT_MEM) return bad("out of memory");
      r.mem = v;
      return ok(r);
    }
    case "FailDisk": {
      const disks = inst.disks.map((d) => ({ size: d.size - UNIT_DSK, spindles: d.spindles }));
      if (disks.some((d) => d.size < UNIT_DSK)) return bad("out of disk");
      r.dsk = inst.dsk - inst.disks.length * UNIT_DSK;
      r.disks = disks;
      return ok(r);
    }
    case "FailCPU": {
      const v = inst.vcpus - UNIT_CPU;
      if (v < UNIT_CPU) return bad("out of vcpus");
      r.vcpus = v;
      return ok(r);
    }
    case "FailSpindles": {
      if (inst.disks.length !== 1) return bad("Expected one disk");
      const d = inst.disks[0]!;
      if (d.spindles === null) return bad("No spindles, shouldn't have happened");
      const v = d.spindles - UNIT_SPINDLE;
      if (v < UNIT_SPINDLE) return bad("out of spindles");
      r.disks = [{ size: d.size, spindles: v }];
      return ok(r);
    }
    default:
      return bad(`Unhandled failure mode ${fm}`);
  }
}

/** Ganeti's AllocResult (the running cluster statistics are not kept: hspace never reads them). */
export interface AllocResult {
  readonly failures: readonly (readonly [FailMode, number])[];
  readonly nl: Container<Node>;
  readonly il: Container<Instance>;
  /** Allocated instances, newest first. */
  readonly ixes: readonly Instance[];
}

export interface IterCtx {
  readonly opts: AllocOptions;
  readonly targets: AllocNodes;
  readonly n1: N1Pred;
}

// Per instance shape, the single-node candidates' results (every round of one shape
// differs from the previous one on one node only).
const MEMOS = new WeakMap<Instance, SingleMemo[]>();
function memoFor(shape: Instance, force: boolean): SingleMemo {
  let ms = MEMOS.get(shape);
  if (ms === undefined) {
    ms = [new SingleMemo(shape, false), new SingleMemo(shape, true)];
    MEMOS.set(shape, ms);
  }
  return ms[force ? 1 : 0]!;
}

/** One allocation of a trail: what tryAlloc gave at that state. */
interface TrailStep {
  /** Its failures, for a run that stops here. */
  readonly failures: readonly (readonly [FailMode, number])[];
  readonly placed: { readonly patches: readonly (readonly [Ndx, Node])[]; readonly inst: Instance } | null;
}

/**
 * The unchecked allocations of one shape from one state. With capacity checks,
 * iterateAlloc throws a huge step that broke N+1 redundancy away and goes again from the
 * same state in steps of 10: the same allocations (tryAlloc is deterministic), which are
 * replayed here instead of recomputed (at 1,000 nodes, the standard allocation's huge
 * step alone is ≈ 15,000 allocations).
 */
class Trail {
  readonly steps: TrailStep[] = [];
  /** States on the trail by node container (every placement makes a new one) → position. */
  readonly at = new WeakMap<Container<Node>, number>();
  constructor(readonly ctx: IterCtx, origin: Container<Node>, readonly originCount: number) {
    this.at.set(origin, 0);
  }
}
const TRAILS = new WeakMap<Instance, Trail>();

function trailFor(ctx: IterCtx, shape: Instance, nl: Container<Node>, count: number): Trail {
  const t = TRAILS.get(shape);
  const pos = t?.at.get(nl);
  // the node container names the state; the instance count is checked as well, and the
  // allocation's options and targets are the same ones
  if (t !== undefined && t.ctx === ctx && pos !== undefined && t.originCount + pos === count) return t;
  const fresh = new Trail(ctx, nl, count);
  TRAILS.set(shape, fresh);
  return fresh;
}

/** Ganeti's iterateAllocSmallStep (a loop: one allocation per round until failure or limit);
 * with `trail`, allocations already on it are replayed; with `watch`, the run stops once
 * a placement (`doomed`: the how-manieth) leaves a node that makes every later cluster of
 * the run fail the N+1 check (`stuckAfter`). */
function smallSteps(ctx: IterCtx, opts: AllocOptions, start: AllocResult, limit0: number | null, newinst: Instance, trail: Trail | null = null,
  watch: AllocOptions | null = null): Result<AllocResult & { readonly doomed?: number }> {
  let { nl } = start;
  // the instance list grows in place (a private copy: an O(size) copy and count per
  // round would make a long run quadratic); each round sees Ganeti's updated list
  const il: (Instance | undefined)[] = start.il.slice();
  let count = C.size(il);
  const ixes = [...start.ixes].reverse(); // oldest first while growing
  let limit = limit0;
  const stepOpts = newinst.diskTemplate === "drbd" ? { ...opts, capacity: false } : opts;
  const memo = memoFor(newinst, stepOpts.ignoreSoftErrors);
  let pos = trail === null ? -1 : trail.at.get(nl) ?? -1;
  const nodeCount = watch === null ? 0 : C.size(nl);
  let freeMem = 0;
  let freeDsk = 0;
  if (watch !== null) {
    for (const n of C.elems(nl)) {
      freeMem += N.availMem(n);
      freeDsk += n.fDsk;
    }
  }
  for (;;) {
    const newidx = count;
    let step = pos >= 0 ? trail!.steps[pos] : undefined;
    if (step === undefined) {
      const ni = I.copyInstance(newinst);
      ni.name = `new-${ixes.length}`;
      ni.alias = ni.name;
      ni.idx = newidx;
      const r = tryAlloc(stepOpts, nl, il, ni, ctx.targets, ctx.n1, memo);
      if (!r.ok) return r;
      const sol = r.value.solution;
      step = { failures: collapseSolution(r.value), placed: sol === null ? null : { patches: sol.patches, inst: sol.inst } };
      if (pos >= 0 && pos === trail!.steps.length) trail!.steps.push(step);
      else pos = -1;
    }
    const placed = step.placed;
    if (placed === null || limit === 0) return ok({ failures: step.failures, nl, il, ixes: ixes.slice().reverse() });
    if (watch !== null) {
      for (const [idx, n] of placed.patches) {
        const was = C.find(nl, idx);
        freeMem += N.availMem(n) - N.availMem(was);
        freeDsk += n.fDsk - was.fDsk;
      }
    }
    nl = C.addAll(nl, placed.patches);
    if (pos >= 0) trail!.at.set(nl, ++pos);
    if (il[newidx] === undefined) count++;
    il[newidx] = placed.inst;
    ixes.push(placed.inst);
    if (limit !== null) limit -= 1;
    // the placed nodes after every placement; every node after the 1st, 2nd, 4th, ... (a
    // node that lost copies elsewhere can be the one stuck); only once the cluster is
    // nearly full (a guess that saves the look on a run's long start, not a condition)
    const placedCount = ixes.length - start.ixes.length;
    const nearlyFull = freeMem < 2 * nodeCount * newinst.mem || freeDsk < 2 * nodeCount * newinst.dsk;
    if (watch !== null && nearlyFull &&
      stuckAfter(watch, nl, il, (placedCount & (placedCount - 1)) === 0 ? C.elems(nl) : placed.patches.map(([, n]) => n), newinst)) {
      return ok({ failures: [], nl, il, ixes: ixes.slice().reverse(), doomed: placedCount });
    }
  }
}

function guessBigstepSize(nl: Container<Node>, inst: Instance): number {
  let avail = 0;
  for (const n of C.elems(nl)) avail += N.availMem(n);
  const guess = Math.floor(avail / inst.mem) - C.size(nl);
  return guess < 20 ? 20 : guess;
}

/** Ganeti's iterateAlloc: with capacity checks, big unchecked steps kept only while the
 * cluster stays globally N+1 redundant, then smaller ones. */
export function iterateAlloc(ctx: IterCtx, start: AllocResult, limit: number | null, newinst: Instance): Result<AllocResult> {
  let huge = true;
  let cur = start;
  let lim = limit;
  for (;;) {
    if (!ctx.opts.capacity) return smallSteps(ctx, ctx.opts, cur, lim, newinst);
    const big = huge ? guessBigstepSize(cur.nl, newinst) : 10;
    const stepLimit = lim === null ? big : Math.min(big, lim);
    const newlimit = lim === null ? null : Math.max(0, lim - big);
    // A run that reaches a cluster whose N+1 failure no further placement can undo ends
    // there: the cluster at its end would not be redundant either.
    const watch = countedShape(newinst) ? ctx.opts : null; // never stuck for DRBD and the like
    const r = smallSteps(ctx, { ...ctx.opts, capacity: false }, cur, stepLimit, newinst, trailFor(ctx, newinst, cur.nl, C.size(cur.il)), watch);
    if (!r.ok) return r;
    const doomed = r.value.doomed;
    if (doomed === undefined && redundant(ctx.opts, r.value.nl, r.value.il)) {
      if (newlimit === 0 || r.value.ixes.length === cur.ixes.length) return r;
      cur = r.value;
      lim = newlimit;
      continue;
    }
    // the run of 10 from the same cluster would replay the same placements and stop at the
    // same one (the same checks on the same clusters)
    if (huge && !(doomed !== undefined && doomed <= (lim === null ? 10 : Math.min(10, lim)))) {
      huge = false;
      continue;
    }
    return smallSteps(ctx, ctx.opts, cur, lim, newinst);
  }
}

/** Ganeti's sufficesShrinking: the first shrunk instance (the unshrunk one included)
 * that can be allocated, shrinking only while `fm` is among the failures. */
function sufficesShrinking(memo: ProbeMemo, st: AllocResult, inst: Instance, fm: FailMode): Instance | null {
  let cur: Result<Instance> = ok(inst);
  // Only whether a candidate fits (and keeps the cluster N+1 redundant) matters, not
  // which one tryAlloc would choose.
  while (cur.ok) {
    const p = memo.probe(st.nl, st.il, cur.value);
    if (p === "fits") return cur.value;
    if (!p.has(fm)) return null;
    cur = shrinkByType(cur.value, fm);
  }
  return null;
}

interface Frame {
  readonly r: AllocResult;
  readonly inst: Instance;
  readonly newlimit: number | null;
  readonly sortedErrs: readonly FailMode[];
}

/** Ganeti's tieredAlloc, with its recursion turned into an explicit stack. */
export function tieredAlloc(ctx: IterCtx, start: AllocResult, limit: number | null, inst0: Instance): Result<AllocResult> {
  const stack: Frame[] = [];
  const memo = new ProbeMemo(ctx.opts, ctx.targets, ctx.n1);
  let pending: { st: AllocResult; inst: Instance; limit: number | null } | null = { st: start, inst: inst0, limit };
  let ret: Result<AllocResult> = ok(start);
  for (;;) {
    if (pending !== null) {
      const st: AllocResult = pending.st;
      const inst: Instance = pending.inst;
      const lim: number | null = pending.limit;
      pending = null;
      const r = iterateAlloc(ctx, st, lim, inst);
      if (!r.ok) ret = r;
      else {
        const cnt = r.value.ixes.length;
        const stop = lim !== null && lim <= cnt;
        if (stop) ret = r;
        else {
          const newlimit: number | null = lim === null ? null : lim - cnt;
          const sortedErrs = r.value.failures
            .map((x, k) => [x, k] as const)
            .sort((a, b) => a[0][1] - b[0][1] || a[1] - b[1])
            .map(([x]) => x[0]);
          stack.push({ r: r.value, inst, newlimit, sortedErrs });
          const shrunk = shrinkByType(inst, sortedErrs[sortedErrs.length - 1]!);
          if (shrunk.ok) {
            pending = { st: r.value, inst: shrunk.value, limit: newlimit };
            continue;
          }
          ret = r;
        }
      }
    }
    const frame = stack.pop();
    if (frame === undefined) return ret;
    if (ret.ok && ret.value.ixes.length > frame.r.ixes.length) continue;
    let next: Instance | null = null;
    for (let k = frame.sortedErrs.length - 1; k >= 0 && next === null; k--) {
      next = sufficesShrinking(memo, frame.r, frame.inst, frame.sortedErrs[k]!);
    }
    if (next !== null) pending = { st: frame.r, inst: next, limit: frame.newlimit };
    else ret = ok(frame.r);
  }
}

// ---- cluster statistics (Ganeti's CStats) ---------------------------------------

export interface CStats {
  fmem: number; fdsk: number; fspn: number; amem: number; adsk: number; acpu: number;
  mmem: number; mdsk: number; mcpu: number; imem: number; idsk: number; ispn: number; icpu: number;
  tmem: number; tdsk: number; tspn: number; tcpu: number; vcpu: number; ncpu: number;
  xmem: number; nmem: number; score: number; ninst: number;
}

/** Ganeti's totalResources (the score is filled in by the caller: compCV). */
export function totalResources(nl: Container<Node>): CStats {
  const cs: CStats = {
    fmem: 0, fdsk: 0, fspn: 0, amem: 0, adsk: 0, acpu: 0, mmem: 0, mdsk: 0, mcpu: 0, imem: 0, idsk: 0, ispn: 0,
    icpu: 0, tmem: 0, tdsk: 0, tspn: 0, tcpu: 0, vcpu: 0, ncpu: 0, xmem: 0, nmem: 0, score: 0, ninst: 0,
  };
  for (const n of C.elems(nl)) {
    const amem = N.availMem(n);
    const adsk = N.availDisk(n);
    const acpu = N.availCpu(n);
    cs.fmem += N.unallocatedMem(n);
    cs.fdsk += n.fDsk;
    cs.fspn += n.fSpindles;
    cs.amem += amem;
    cs.adsk += adsk;
    cs.acpu += acpu;
    cs.mmem = Math.max(cs.mmem, amem);
    cs.mdsk = Math.max(cs.mdsk, adsk);
    cs.mcpu = Math.max(cs.mcpu, acpu);
    cs.imem += n.iMem;
    cs.idsk += Math.trunc(n.tDsk) - n.fDsk;
    cs.ispn += n.tSpindles - n.fSpindles;
    cs.icpu += n.uCpu;
    cs.tmem += n.tMem;
    cs.tdsk += n.tDsk;
    cs.tspn += n.tSpindles;
    cs.tcpu += n.tCpu;
    cs.vcpu += n.hiCpu;
    cs.ncpu += n.uCpu / n.iPolicy.vcpuRatio;
    cs.xmem += n.xMem;
    cs.nmem += n.nMem;
    cs.ninst += n.pList.length;
  }
  return cs;
}

export interface AllocInfo {
  readonly vcpus: number;
  readonly ncpus: number;
  readonly mem: number;
  readonly dsk: number;
  readonly spn: number;
}

/** Ganeti's computeAllocationDelta: (used initially, allocated, unavailable). */
export function computeAllocationDelta(ini: CStats, fin: CStats): [AllocInfo, AllocInfo, AllocInfo] {
  return [
    { vcpus: ini.icpu, ncpus: ini.ncpu, mem: ini.imem, dsk: ini.idsk, spn: ini.ispn },
    { vcpus: fin.icpu - ini.icpu, ncpus: fin.ncpu - ini.ncpu, mem: fin.imem - ini.imem, dsk: fin.idsk - ini.idsk, spn: fin.ispn - ini.ispn },
    {
      vcpus: fin.vcpu - fin.icpu, ncpus: fin.tcpu - fin.ncpu, mem: Math.trunc(fin.tmem) - fin.imem,
      dsk: Math.trunc(fin.tdsk) - fin.idsk, spn: Math.trunc(fin.tspn) - fin.ispn,
    },
  ];
}

/** Ganeti's requiredNodes. */
export function requiredNodes(dt: DiskTemplate): number {
  return dt === "drbd" ? 2 : 1;
}

export { NO_SECONDARY };
