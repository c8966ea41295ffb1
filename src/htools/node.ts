// Nodes of the htools model: resources, N+1 bookkeeping and the primitive
// add/remove operations used by every algorithm (facts from Ganeti's HTools/Node.hs).
// The record itself (fields, creation) is in node-record.ts.
import * as I from "./instance.js";
import type { Instance } from "./instance.js";
import {
  type DynUtil,
  type FailMode,
  type Idx,
  type IPolicy,
  type Ndx,
  type OpResult,
  addUtil,
  bad,
  ok,
  subUtil,
} from "./types.js";
import { MutableNode, Node, computePDsk, copy, peerMap } from "./node-record.js";
export { PeerMap, peerMap, Node, NodeInit, computePDsk, createNode } from "./node-record.js";

// ---- small setters ----------------------------------------------------------

export function setIdx(n: Node, idx: Ndx): Node {
  const r = copy(n);
  r.idx = idx;
  return r;
}
export function setAlias(n: Node, alias: string): Node {
  const r = copy(n);
  r.alias = alias;
  return r;
}
export function setOffline(n: Node, offline: boolean): Node {
  const r = copy(n);
  r.offline = offline;
  return r;
}
export function setMaster(n: Node, isMaster: boolean): Node {
  const r = copy(n);
  r.isMaster = isMaster;
  return r;
}
export function setNodeTags(n: Node, nTags: readonly string[]): Node {
  const r = copy(n);
  r.nTags = nTags;
  return r;
}
export function setCpuSpeed(n: Node, tCpuSpeed: number): Node {
  const r = copy(n);
  r.tCpuSpeed = tCpuSpeed;
  return r;
}
export function setMigrationTags(n: Node, migTags: ReadonlySet<string>, rmigTags: ReadonlySet<string>): Node {
  const r = copy(n);
  r.migTags = migTags;
  r.rmigTags = rmigTags;
  return r;
}
export function setLocationTags(n: Node, locationTags: ReadonlySet<string>): Node {
  const r = copy(n);
  r.locationTags = locationTags;
  return r;
}
export function setMdsk(n: Node, mDsk: number): Node {
  const r = copy(n);
  r.mDsk = mDsk;
  r.loDsk = Math.floor(mDsk * n.tDsk);
  return r;
}
export function setMcpu(n: Node, ratio: number): Node {
  const r = copy(n);
  r.hiCpu = Math.floor(ratio * n.tCpu);
  r.iPolicy = { ...n.iPolicy, vcpuRatio: ratio };
  return r;
}
export function setPolicy(n: Node, pol: IPolicy): Node {
  const r = copy(n);
  r.iPolicy = pol;
  r.hiCpu = Math.floor(pol.vcpuRatio * n.tCpu);
  r.hiSpindles = pol.spindleRatio * n.tSpindles;
  return r;
}

// ---- tag maps ---------------------------------------------------------------

export function addTags(m: ReadonlyMap<string, number>, keys: readonly string[]): ReadonlyMap<string, number> {
  if (keys.length === 0) return m;
  const r = new Map(m);
  for (const k of keys) r.set(k, (r.get(k) ?? 0) + 1);
  return r;
}
export function delTags(m: ReadonlyMap<string, number>, keys: readonly string[]): ReadonlyMap<string, number> {
  if (keys.length === 0) return m;
  const r = new Map(m);
  for (const k of keys) {
    const v = r.get(k);
    if (v === undefined) continue;
    if (v > 1) r.set(k, v - 1);
    else r.delete(k);
  }
  return r;
}
function rejectAddTags(m: ReadonlyMap<string, number>, keys: readonly string[]): boolean {
  return keys.some((k) => m.has(k));
}
/** Number of primary instances sharing an exclusion tag with another one. */
export function conflictingPrimaries(n: Node): number {
  let s = 0;
  for (const v of n.pTags.values()) s += v;
  return s - n.pTags.size;
}

// ---- derived values ---------------------------------------------------------

export function pCpuEff(n: Node): number {
  return n.pCpu / n.tCpuSpeed;
}
export function pCpuEffForth(n: Node): number {
  return n.pCpuForth / n.tCpuSpeed;
}
export function recordedFreeMem(n: Node): number {
  return Math.trunc(n.tMem) - n.nMem - n.iMem;
}
export function missingMem(n: Node): number {
  return recordedFreeMem(n) - n.fMem;
}
export function unallocatedMem(n: Node): number {
  return recordedFreeMem(n) - Math.max(0, n.xMem);
}
export function availMem(n: Node): number {
  return Math.max(0, unallocatedMem(n) - n.rMem);
}
export function availDisk(n: Node): number {
  return n.fDsk < n.loDsk ? 0 : n.fDsk - n.loDsk;
}
export function availCpu(n: Node): number {
  return n.hiCpu >= n.uCpu ? n.hiCpu - n.uCpu : 0;
}
export function iDsk(n: Node): number {
  return Math.trunc(n.tDsk) - n.fDsk;
}
export function getPolicyHealth(n: Node): OpResult<null> {
  if (n.instSpindles > n.hiSpindles) return bad("FailDisk");
  if (n.pCpu > n.iPolicy.vcpuRatio) return bad("FailCPU");
  return ok(null);
}
export function checkMigration(src: Node, target: Node): OpResult<null> {
  for (const t of src.migTags) if (!target.rmigTags.has(t)) return bad("FailMig");
  return ok(null);
}

function dsrdLocScore(p: Node, inst: Instance): number {
  let common = 0;
  for (const t of inst.dsrdLocTags) if (p.locationTags.has(t)) common++;
  return inst.dsrdLocTags.length - common;
}
function exclusionPairs(p: Node, inst: Instance): string[] {
  if (inst.exclTags.length === 0 || p.locationTags.size === 0) return [];
  const out: string[] = [];
  for (const loc of [...p.locationTags].sort()) for (const e of inst.exclTags) out.push(`${loc}\u0000${e}`);
  return out;
}

function spindleUse(add: boolean, n: Node, cur: number, inst: Instance): number {
  if (n.exclStorage) return 0;
  if (!I.usesLocalStorage(inst)) return cur;
  return add ? cur + inst.spindleUse : cur - inst.spindleUse;
}
function newFreeSpindles(add: boolean, n: Node, cur: number, inst: Instance): number {
  if (!n.exclStorage) return 0;
  const s = I.getTotalSpindles(inst);
  if (s === null) return add ? -1 : cur;
  return add ? cur - s : cur + s;
}
function newPDsk(n: Node, freeSp: number, freeDsk: number): number {
  return n.exclStorage ? computePDsk(freeSp, n.tSpindles) : computePDsk(freeDsk, n.tDsk);
}
function withDskUtil(u: DynUtil, delta: number): DynUtil {
  return { cpu: u.cpu, mem: u.mem, dsk: u.dsk + delta, net: u.net };
}
function removeIdx(l: readonly Idx[], x: Idx): readonly Idx[] {
  const i = l.indexOf(x);
  return i < 0 ? l : [...l.slice(0, i), ...l.slice(i + 1)];
}

// ---- loading-time placement (no checks) -------------------------------------

// Every operation below builds exactly one new node: a copy of the old one with the
// changed fields written before it is returned. The "forth" fields (forthcoming
// instances included) never overlap with the others, so both are computed from `t`.

/** Records a primary instance on the node while loading a cluster. */
export function setPri(t: Node, inst: Instance): Node {
  const usesDisk = I.usesLocalStorage(inst);
  const online = I.notOffline(inst);
  const r = copy(t);
  if (!inst.forthcoming) {
    const uCpu = online ? t.uCpu + inst.vcpus : t.uCpu;
    r.pList = [inst.idx, ...t.pList];
    r.uCpu = uCpu;
    r.pCpu = uCpu / t.tCpu;
    r.utilLoad = addUtil(t.utilLoad, inst.util);
    r.instSpindles = spindleUse(true, t, t.instSpindles, inst);
    r.locationScore = t.locationScore + inst.locationScore + dsrdLocScore(t, inst);
    r.instanceMap = addTags(t.instanceMap, exclusionPairs(t, inst));
  }
  const fMemForth = I.usesMemory(inst) ? t.fMemForth : t.fMemForth - inst.mem;
  const uCpuForth = online ? t.uCpuForth + inst.vcpus : t.uCpuForth;
  r.pTags = addTags(t.pTags, inst.exclTags);
  r.pListForth = [inst.idx, ...t.pListForth];
  r.uCpuForth = uCpuForth;
  r.pCpuForth = uCpuForth / t.tCpu;
  r.utilLoadForth = addUtil(t.utilLoadForth, inst.util);
  r.fMemForth = fMemForth;
  r.pMemForth = fMemForth / t.tMem;
  r.instSpindlesForth = spindleUse(true, t, t.instSpindlesForth, inst);
  if (inst.forthcoming) addForthcomingDisk(r, t, inst, usesDisk);
  return r;
}

function addForthcomingDisk(r: MutableNode, t: Node, inst: Instance, usesDisk: boolean): void {
  const fDskForth = usesDisk ? t.fDskForth - inst.dsk : t.fDskForth;
  const fSpindlesForth = newFreeSpindles(true, t, t.fSpindlesForth, inst);
  r.fDskForth = fDskForth;
  r.fSpindlesForth = fSpindlesForth;
  r.pDskForth = newPDsk(t, fSpindlesForth, fDskForth);
}

/** Records a secondary instance on the node while loading a cluster. */
export function setSec(t: Node, inst: Instance): Node {
  const usesDisk = I.usesLocalStorage(inst);
  const r = copy(t);
  if (!inst.forthcoming) {
    r.sList = [inst.idx, ...t.sList];
    r.utilLoad = withDskUtil(t.utilLoad, inst.util.dsk);
    r.instSpindles = spindleUse(true, t, t.instSpindles, inst);
  }
  r.sListForth = [inst.idx, ...t.sListForth];
  r.utilLoadForth = withDskUtil(t.utilLoadForth, inst.util.dsk);
  r.instSpindlesForth = spindleUse(true, t, t.instSpindlesForth, inst);
  if (inst.forthcoming) addForthcomingDisk(r, t, inst, usesDisk);
  return r;
}

/** Computes the peer map (N+1 memory reservations) from the secondary instances. */
export function buildPeers(t: Node, instances: readonly Instance[]): Node {
  const data = t.sList.map((i) => {
    const inst = instances[i]!;
    const mem = I.usesSecMem(inst) && !inst.forthcoming ? inst.mem : 0;
    return [inst.pNode, mem] as const;
  });
  const peers = peerMap.accum(data);
  const rMem = peerMap.max(peers);
  const r = copy(t);
  r.peers = peers;
  r.rMem = rMem;
  r.pRem = rMem / t.tMem;
  return r;
}

/** Ganeti's updateMemStat: instance memory, unaccounted memory, N+1 status. */
export function updateMemStat(t: Node, instances: readonly Instance[]): Node {
  let iMem = 0;
  for (const i of t.pList) {
    const inst = instances[i]!;
    if (I.usesMemory(inst)) iMem += inst.mem;
  }
  const r = copy(t);
  r.iMem = iMem;
  r.xMem = missingMem(r);
  const um = unallocatedMem(r);
  // Ganeti 3.0.2 (the reference binaries) decides N+1 failure at load time on the free
  // memory the node reports, strictly below the reserved memory; later operations use
  // <= on the unallocated memory, as Ganeti does. (The two differ where the recorded
  // instances exceed the node: -I on a dedicated cluster's request, test/htools/ialloc-src.)
  r.failN1 = r.fMem < r.rMem;
  r.pMem = um / r.tMem;
  return r;
}

/** unallocatedMem of `t` with its instance memory replaced by `iMem`. */
function unallocatedMemWith(t: Node, iMem: number): number {
  return Math.trunc(t.tMem) - t.nMem - iMem - Math.max(0, t.xMem);
}

// ---- removal ----------------------------------------------------------------

export function removePri(t: Node, inst: Instance): Node {
  const usesDisk = I.usesLocalStorage(inst);
  const online = I.notOffline(inst);
  const r = copy(t);
  if (!inst.forthcoming) {
    const iMem = I.usesMemory(inst) ? t.iMem - inst.mem : t.iMem;
    const freeMem = unallocatedMemWith(t, iMem);
    const fDsk = usesDisk ? t.fDsk + inst.dsk : t.fDsk;
    const fSpindles = newFreeSpindles(false, t, t.fSpindles, inst);
    const uCpu = online ? t.uCpu - inst.vcpus : t.uCpu;
    r.pList = removeIdx(t.pList, inst.idx);
    r.iMem = iMem;
    r.fDsk = fDsk;
    r.failN1 = freeMem <= t.rMem;
    r.pMem = freeMem / t.tMem;
    r.pDsk = newPDsk(t, fSpindles, fDsk);
    r.uCpu = uCpu;
    r.pCpu = uCpu / t.tCpu;
    r.utilLoad = subUtil(t.utilLoad, inst.util);
    r.instSpindles = spindleUse(false, t, t.instSpindles, inst);
    r.fSpindles = fSpindles;
    r.locationScore = t.locationScore - inst.locationScore - dsrdLocScore(t, inst);
    r.instanceMap = delTags(t.instanceMap, exclusionPairs(t, inst));
  }
  const fMemForth = t.fMemForth + inst.mem;
  const fDskForth = usesDisk ? t.fDskForth + inst.dsk : t.fDskForth;
  const fSpindlesForth = newFreeSpindles(false, t, t.fSpindlesForth, inst);
  const uCpuForth = online ? t.uCpuForth - inst.vcpus : t.uCpuForth;
  r.pTags = delTags(t.pTags, inst.exclTags);
  r.pListForth = removeIdx(t.pListForth, inst.idx);
  r.fMemForth = fMemForth;
  r.fDskForth = fDskForth;
  r.pMemForth = fMemForth / t.tMem;
  r.pDskForth = newPDsk(t, fSpindlesForth, fDskForth);
  r.uCpuForth = uCpuForth;
  r.pCpuForth = uCpuForth / t.tCpu;
  r.utilLoadForth = subUtil(t.utilLoadForth, inst.util);
  r.instSpindlesForth = spindleUse(false, t, t.instSpindlesForth, inst);
  r.fSpindlesForth = fSpindlesForth;
  return r;
}

export function removeSec(t: Node, inst: Instance): Node {
  const usesDisk = I.usesLocalStorage(inst);
  const r = copy(t);
  if (!inst.forthcoming) {
    const fDsk = usesDisk ? t.fDsk + inst.dsk : t.fDsk;
    const fSpindles = newFreeSpindles(false, t, t.fSpindles, inst);
    const oldPeem = peerMap.find(inst.pNode, t.peers);
    const newPeem = I.usesSecMem(inst) ? oldPeem - inst.mem : oldPeem;
    const peers = newPeem > 0 ? peerMap.add(inst.pNode, newPeem, t.peers) : peerMap.remove(inst.pNode, t.peers);
    const rMem = oldPeem < t.rMem ? t.rMem : peerMap.max(peers);
    r.sList = removeIdx(t.sList, inst.idx);
    r.fDsk = fDsk;
    r.peers = peers;
    r.failN1 = unallocatedMem(t) <= rMem;
    r.rMem = rMem;
    r.pDsk = newPDsk(t, fSpindles, fDsk);
    r.pRem = rMem / t.tMem;
    r.utilLoad = withDskUtil(t.utilLoad, -inst.util.dsk);
    r.instSpindles = spindleUse(false, t, t.instSpindles, inst);
    r.fSpindles = fSpindles;
  }
  const fDskForth = usesDisk ? t.fDskForth + inst.dsk : t.fDskForth;
  const fSpindlesForth = newFreeSpindles(false, t, t.fSpindlesForth, inst);
  r.sListForth = removeIdx(t.sListForth, inst.idx);
  r.fDskForth = fDskForth;
  r.pDskForth = newPDsk(t, fSpindlesForth, fDskForth);
  r.utilLoadForth = withDskUtil(t.utilLoadForth, -inst.util.dsk);
  r.instSpindlesForth = spindleUse(false, t, t.instSpindlesForth, inst);
  r.fSpindlesForth = fSpindlesForth;
  return r;
}

// ---- checked addition -------------------------------------------------------

function priForthViolation(
  t: Node, usesDisk: boolean, memForth: number, dskForth: number,
  freeSpForth: number, instSpForth: number, pCpuForth: number,
): FailMode | null {
  const lCpu = t.iPolicy.vcpuRatio;
  if (memForth <= 0) return "FailMem";
  if (usesDisk && dskForth <= 0) return "FailDisk";
  if (usesDisk && dskForth < t.loDsk) return "FailDisk";
  if (usesDisk && t.exclStorage && freeSpForth < 0) return "FailSpindles";
  if (usesDisk && instSpForth > t.hiSpindles) return "FailDisk";
  if (lCpu >= 0 && lCpu < pCpuForth) return "FailCPU";
  return null;
}

/** Adds a primary instance; with force, soft limits (N+1, cpu ratio, tags, ...) are ignored. */
export function addPriEx(force: boolean, t: Node, inst: Instance): OpResult<Node> {
  const strict = !force;
  const usesDisk = I.usesLocalStorage(inst);
  const online = I.notOffline(inst);
  const lCpu = t.iPolicy.vcpuRatio;
  const memForth = t.fMemForth - inst.mem;
  const dskForth = usesDisk ? t.fDskForth - inst.dsk : t.fDskForth;
  const freeSpForth = newFreeSpindles(true, t, t.fSpindlesForth, inst);
  const instSpForth = spindleUse(true, t, t.instSpindlesForth, inst);
  const uCpuForth = online ? t.uCpuForth + inst.vcpus : t.uCpuForth;
  const pCpuForth = uCpuForth / t.tCpu;
  let r: MutableNode;
  if (inst.forthcoming) {
    if (strict) {
      const v = priForthViolation(t, usesDisk, memForth, dskForth, freeSpForth, instSpForth, pCpuForth);
      if (v !== null) return bad(v);
    }
    r = copy(t);
  } else {
    const iMem = I.usesMemory(inst) ? t.iMem + inst.mem : t.iMem;
    const freeMem = unallocatedMemWith(t, iMem);
    const failN1 = freeMem <= t.rMem;
    const fDsk = usesDisk ? t.fDsk - inst.dsk : t.fDsk;
    const fSpindles = newFreeSpindles(true, t, t.fSpindles, inst);
    const instSp = spindleUse(true, t, t.instSpindles, inst);
    const uCpu = online ? t.uCpu + inst.vcpus : t.uCpu;
    const pCpu = uCpu / t.tCpu;
    if (freeMem <= 0) return bad("FailMem");
    if (usesDisk && fDsk <= 0) return bad("FailDisk");
    if (strict && usesDisk && fDsk < t.loDsk) return bad("FailDisk");
    if (usesDisk && t.exclStorage && fSpindles < 0) return bad("FailSpindles");
    if (strict && usesDisk && instSp > t.hiSpindles) return bad("FailDisk");
    if (strict && failN1 && !t.failN1) return bad("FailMem");
    if (strict && lCpu >= 0 && lCpu < pCpu) return bad("FailCPU");
    if (strict && rejectAddTags(t.pTags, inst.exclTags)) return bad("FailTags");
    if (strict) {
      const v = priForthViolation(t, usesDisk, memForth, dskForth, freeSpForth, instSpForth, pCpuForth);
      if (v !== null) return bad(v);
    }
    r = copy(t);
    r.pList = [inst.idx, ...t.pList];
    r.iMem = iMem;
    r.fDsk = fDsk;
    r.failN1 = failN1;
    r.pMem = freeMem / t.tMem;
    r.pDsk = newPDsk(t, fSpindles, fDsk);
    r.uCpu = uCpu;
    r.pCpu = pCpu;
    r.utilLoad = addUtil(t.utilLoad, inst.util);
    r.instSpindles = instSp;
    r.fSpindles = fSpindles;
    r.locationScore = t.locationScore + inst.locationScore + dsrdLocScore(t, inst);
    r.instanceMap = addTags(t.instanceMap, exclusionPairs(t, inst));
  }
  r.pTags = addTags(t.pTags, inst.exclTags);
  r.pListForth = [inst.idx, ...t.pListForth];
  r.fMemForth = memForth;
  r.fDskForth = dskForth;
  r.pMemForth = memForth / t.tMem;
  r.pDskForth = newPDsk(t, freeSpForth, dskForth);
  r.uCpuForth = uCpuForth;
  r.pCpuForth = pCpuForth;
  r.utilLoadForth = addUtil(t.utilLoadForth, inst.util);
  r.instSpindlesForth = instSpForth;
  r.fSpindlesForth = freeSpForth;
  return ok(r);
}

export function addPri(t: Node, inst: Instance): OpResult<Node> {
  return addPriEx(false, t, inst);
}

function secForthViolation(
  t: Node, inst: Instance, secMem: number, dskForth: number, freeSpForth: number, instSpForth: number,
): FailMode | null {
  if (!I.hasSecondary(inst)) return "FailDisk";
  if (dskForth <= 0) return "FailDisk";
  if (dskForth < t.loDsk) return "FailDisk";
  if (t.exclStorage && freeSpForth < 0) return "FailSpindles";
  if (instSpForth > t.hiSpindles) return "FailDisk";
  if (secMem >= t.fMemForth) return "FailMem";
  return null;
}

/** Adds a secondary instance whose primary is `pdx`. */
export function addSecExEx(ignoreDisks: boolean, force: boolean, t: Node, inst: Instance, pdx: Ndx): OpResult<Node> {
  const strict = !force;
  const secMem = I.usesSecMem(inst) ? inst.mem : 0;
  const dskForth = t.fDskForth - inst.dsk;
  const freeSpForth = newFreeSpindles(true, t, t.fSpindlesForth, inst);
  const instSpForth = spindleUse(true, t, t.instSpindlesForth, inst);
  let r: MutableNode;
  if (inst.forthcoming) {
    if (strict) {
      const v = secForthViolation(t, inst, secMem, dskForth, freeSpForth, instSpForth);
      if (v !== null) return bad(v);
    }
    r = copy(t);
  } else {
    const newPeem = peerMap.find(pdx, t.peers) + secMem;
    const oldMem = unallocatedMem(t);
    const fDsk = t.fDsk - inst.dsk;
    const fSpindles = newFreeSpindles(true, t, t.fSpindles, inst);
    const instSp = spindleUse(true, t, t.instSpindles, inst);
    const rMem = Math.max(t.rMem, newPeem);
    const failN1 = oldMem <= rMem;
    if (!I.hasSecondary(inst)) return bad("FailDisk");
    if (!ignoreDisks && fDsk <= 0) return bad("FailDisk");
    if (strict && fDsk < t.loDsk) return bad("FailDisk");
    if (t.exclStorage && fSpindles < 0) return bad("FailSpindles");
    if (strict && instSp > t.hiSpindles) return bad("FailDisk");
    if (strict && secMem >= oldMem) return bad("FailMem");
    if (strict && failN1 && !t.failN1) return bad("FailMem");
    if (strict) {
      const v = secForthViolation(t, inst, secMem, dskForth, freeSpForth, instSpForth);
      if (v !== null) return bad(v);
    }
    r = copy(t);
    r.sList = [inst.idx, ...t.sList];
    r.fDsk = fDsk;
    r.peers = peerMap.add(pdx, newPeem, t.peers);
    r.failN1 = failN1;
    r.rMem = rMem;
    r.pDsk = newPDsk(t, fSpindles, fDsk);
    r.pRem = rMem / t.tMem;
    r.utilLoad = withDskUtil(t.utilLoad, inst.util.dsk);
    r.instSpindles = instSp;
    r.fSpindles = fSpindles;
  }
  r.sListForth = [inst.idx, ...t.sListForth];
  r.fDskForth = dskForth;
  r.pDskForth = newPDsk(t, freeSpForth, dskForth);
  r.utilLoadForth = withDskUtil(t.utilLoadForth, inst.util.dsk);
  r.instSpindlesForth = instSpForth;
  r.fSpindlesForth = freeSpForth;
  return ok(r);
}

export function addSecEx(force: boolean, t: Node, inst: Instance, pdx: Ndx): OpResult<Node> {
  return addSecExEx(false, force, t, inst, pdx);
}
export function addSec(t: Node, inst: Instance, pdx: Ndx): OpResult<Node> {
  return addSecExEx(false, false, t, inst, pdx);
}
