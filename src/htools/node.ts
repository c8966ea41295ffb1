// Nodes of the htools model: resources, N+1 bookkeeping and the primitive
// add/remove operations used by every algorithm (facts from Ganeti's HTools/Node.hs).
import * as I from "./instance.js";
import type { Instance } from "./instance.js";
import {
  BASE_UTIL,
  DEF_IPOLICY,
  DEF_RESERVED_DISK_RATIO,
  type DynUtil,
  type FailMode,
  type Gdx,
  type Idx,
  type IPolicy,
  type Ndx,
  type OpResult,
  ZERO_UTIL,
  addUtil,
  bad,
  ok,
  subUtil,
} from "./types.js";

/** Peer map: primary node → memory to reserve for its instances' failover,
 * kept sorted by value, largest first (as Ganeti's PeerMap). */
export type PeerMap = readonly (readonly [Ndx, number])[];

export const peerMap = {
  find(k: Ndx, pm: PeerMap): number {
    for (const [key, v] of pm) if (key === k) return v;
    return 0;
  },
  remove(k: Ndx, pm: PeerMap): PeerMap {
    const i = pm.findIndex(([key]) => key === k);
    return i < 0 ? pm : [...pm.slice(0, i), ...pm.slice(i + 1)];
  },
  /** Insert before the first entry whose value is not greater. */
  insert(k: Ndx, v: number, pm: PeerMap): PeerMap {
    let i = 0;
    while (i < pm.length && pm[i]![1] > v) i++;
    return [...pm.slice(0, i), [k, v] as const, ...pm.slice(i)];
  },
  add(k: Ndx, v: number, pm: PeerMap): PeerMap {
    return peerMap.insert(k, v, peerMap.remove(k, pm));
  },
  /** Build by accumulating (+) from the end of the list, as Ganeti does. */
  accum(data: readonly (readonly [Ndx, number])[]): PeerMap {
    let pm: PeerMap = [];
    for (let i = data.length - 1; i >= 0; i--) {
      const [k, v] = data[i]!;
      const old = pm.find(([key]) => key === k);
      pm = old === undefined ? peerMap.insert(k, v, pm) : peerMap.insert(k, old[1] + v, peerMap.remove(k, pm));
    }
    return pm;
  },
  max(pm: PeerMap): number {
    return pm.length > 0 ? pm[0]![1] : 0;
  },
  sum(pm: PeerMap): number {
    let s = 0;
    for (const [, v] of pm) s += v;
    return s;
  },
};

export interface Node {
  readonly name: string;
  readonly alias: string;
  readonly tMem: number;
  readonly nMem: number;
  readonly iMem: number;
  readonly fMem: number;
  readonly fMemForth: number;
  readonly xMem: number;
  readonly tDsk: number;
  readonly fDsk: number;
  readonly fDskForth: number;
  readonly tCpu: number;
  readonly tCpuSpeed: number;
  readonly nCpu: number;
  readonly uCpu: number;
  readonly uCpuForth: number;
  readonly tSpindles: number;
  readonly fSpindles: number;
  readonly fSpindlesForth: number;
  readonly pList: readonly Idx[];
  readonly pListForth: readonly Idx[];
  readonly sList: readonly Idx[];
  readonly sListForth: readonly Idx[];
  readonly idx: Ndx;
  readonly peers: PeerMap;
  readonly failN1: boolean;
  readonly failN1Forth: boolean;
  readonly rMem: number;
  readonly rMemForth: number;
  readonly pMem: number;
  readonly pMemForth: number;
  readonly pDsk: number;
  readonly pDskForth: number;
  readonly pRem: number;
  readonly pRemForth: number;
  readonly pCpu: number;
  readonly pCpuForth: number;
  readonly mDsk: number;
  readonly loDsk: number;
  readonly hiCpu: number;
  readonly hiSpindles: number;
  readonly instSpindles: number;
  readonly instSpindlesForth: number;
  readonly offline: boolean;
  readonly isMaster: boolean;
  readonly nTags: readonly string[];
  readonly utilPool: DynUtil;
  readonly utilLoad: DynUtil;
  readonly utilLoadForth: DynUtil;
  /** Exclusion tags of primary instances, with counts. */
  readonly pTags: ReadonlyMap<string, number>;
  readonly group: Gdx;
  readonly iPolicy: IPolicy;
  readonly exclStorage: boolean;
  readonly migTags: ReadonlySet<string>;
  readonly rmigTags: ReadonlySet<string>;
  readonly locationTags: ReadonlySet<string>;
  readonly locationScore: number;
  /** (location tag, exclusion tag) pairs of primary instances, key "loc\0excl". */
  readonly instanceMap: ReadonlyMap<string, number>;
}

export interface NodeInit {
  readonly name: string;
  readonly tMem: number;
  readonly nMem: number;
  readonly fMem: number;
  readonly tDsk: number;
  readonly fDsk: number;
  readonly tCpu: number;
  readonly nCpu: number;
  readonly offline: boolean;
  readonly tSpindles: number;
  readonly fSpindles: number;
  readonly group: Gdx;
  readonly exclStorage: boolean;
}

const EMPTY_MAP: ReadonlyMap<string, number> = new Map();
const EMPTY_SET: ReadonlySet<string> = new Set();

export function computePDsk(free: number, total: number): number {
  return total === 0 ? 1 : free / total;
}

export function createNode(n: NodeInit): Node {
  const pdsk = n.exclStorage ? computePDsk(n.fSpindles, n.tSpindles) : computePDsk(n.fDsk, n.tDsk);
  return {
    name: n.name,
    alias: n.name,
    tMem: n.tMem,
    nMem: n.nMem,
    iMem: 0,
    xMem: 0,
    pMem: 0,
    fMem: n.fMem,
    fMemForth: n.fMem,
    tDsk: n.tDsk,
    fDsk: n.fDsk,
    fDskForth: n.fDsk,
    tCpu: n.tCpu,
    tCpuSpeed: 1,
    nCpu: n.nCpu,
    uCpu: n.nCpu,
    uCpuForth: n.nCpu,
    tSpindles: n.tSpindles,
    fSpindles: n.fSpindles,
    fSpindlesForth: n.fSpindles,
    pList: [],
    pListForth: [],
    sList: [],
    sListForth: [],
    failN1: true,
    failN1Forth: true,
    idx: -1,
    peers: [],
    rMem: 0,
    rMemForth: 0,
    pMemForth: n.fMem / n.tMem,
    pDsk: pdsk,
    pDskForth: pdsk,
    pRem: 0,
    pRemForth: 0,
    pCpu: n.nCpu / n.tCpu,
    pCpuForth: n.nCpu / n.tCpu,
    offline: n.offline,
    isMaster: false,
    nTags: [],
    mDsk: DEF_RESERVED_DISK_RATIO,
    loDsk: Math.floor(DEF_RESERVED_DISK_RATIO * n.tDsk),
    hiCpu: Math.floor(DEF_IPOLICY.vcpuRatio * n.tCpu),
    hiSpindles: DEF_IPOLICY.spindleRatio * n.tSpindles,
    instSpindles: 0,
    instSpindlesForth: 0,
    utilPool: BASE_UTIL,
    utilLoad: ZERO_UTIL,
    utilLoadForth: ZERO_UTIL,
    pTags: EMPTY_MAP,
    group: n.group,
    iPolicy: DEF_IPOLICY,
    exclStorage: n.exclStorage,
    migTags: EMPTY_SET,
    rmigTags: EMPTY_SET,
    locationTags: EMPTY_SET,
    locationScore: 0,
    instanceMap: EMPTY_MAP,
  };
}

// ---- small setters ----------------------------------------------------------

export function setIdx(n: Node, idx: Ndx): Node {
  return { ...n, idx };
}
export function setAlias(n: Node, alias: string): Node {
  return { ...n, alias };
}
export function setOffline(n: Node, offline: boolean): Node {
  return { ...n, offline };
}
export function setMaster(n: Node, isMaster: boolean): Node {
  return { ...n, isMaster };
}
export function setNodeTags(n: Node, nTags: readonly string[]): Node {
  return { ...n, nTags };
}
export function setCpuSpeed(n: Node, tCpuSpeed: number): Node {
  return { ...n, tCpuSpeed };
}
export function setMigrationTags(n: Node, migTags: ReadonlySet<string>, rmigTags: ReadonlySet<string>): Node {
  return { ...n, migTags, rmigTags };
}
export function setLocationTags(n: Node, locationTags: ReadonlySet<string>): Node {
  return { ...n, locationTags };
}
export function setMdsk(n: Node, mDsk: number): Node {
  return { ...n, mDsk, loDsk: Math.floor(mDsk * n.tDsk) };
}
export function setMcpu(n: Node, ratio: number): Node {
  return { ...n, hiCpu: Math.floor(ratio * n.tCpu), iPolicy: { ...n.iPolicy, vcpuRatio: ratio } };
}
export function setPolicy(n: Node, pol: IPolicy): Node {
  return {
    ...n,
    iPolicy: pol,
    hiCpu: Math.floor(pol.vcpuRatio * n.tCpu),
    hiSpindles: pol.spindleRatio * n.tSpindles,
  };
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
  return { ...u, dsk: u.dsk + delta };
}
function removeIdx(l: readonly Idx[], x: Idx): readonly Idx[] {
  const i = l.indexOf(x);
  return i < 0 ? l : [...l.slice(0, i), ...l.slice(i + 1)];
}

// ---- loading-time placement (no checks) -------------------------------------

/** Records a primary instance on the node while loading a cluster. */
export function setPri(t: Node, inst: Instance): Node {
  const usesDisk = I.usesLocalStorage(inst);
  const online = I.notOffline(inst);
  const forth = (n: Node): Node => {
    const fMemForth = I.usesMemory(inst) ? n.fMemForth : n.fMemForth - inst.mem;
    const uCpuForth = online ? t.uCpuForth + inst.vcpus : t.uCpuForth;
    return {
      ...n,
      pTags: addTags(n.pTags, inst.exclTags),
      pListForth: [inst.idx, ...n.pListForth],
      uCpuForth,
      pCpuForth: uCpuForth / n.tCpu,
      utilLoadForth: addUtil(n.utilLoadForth, inst.util),
      fMemForth,
      pMemForth: fMemForth / n.tMem,
      instSpindlesForth: spindleUse(true, n, n.instSpindlesForth, inst),
    };
  };
  if (!inst.forthcoming) {
    const uCpu = online ? t.uCpu + inst.vcpus : t.uCpu;
    return forth({
      ...t,
      pList: [inst.idx, ...t.pList],
      uCpu,
      pCpu: uCpu / t.tCpu,
      utilLoad: addUtil(t.utilLoad, inst.util),
      instSpindles: spindleUse(true, t, t.instSpindles, inst),
      locationScore: t.locationScore + inst.locationScore + dsrdLocScore(t, inst),
      instanceMap: addTags(t.instanceMap, exclusionPairs(t, inst)),
    });
  }
  const n = forth(t);
  const fDskForth = usesDisk ? n.fDskForth - inst.dsk : n.fDskForth;
  const fSpindlesForth = newFreeSpindles(true, n, n.fSpindlesForth, inst);
  return { ...n, fDskForth, fSpindlesForth, pDskForth: newPDsk(n, fSpindlesForth, fDskForth) };
}

/** Records a secondary instance on the node while loading a cluster. */
export function setSec(t: Node, inst: Instance): Node {
  const usesDisk = I.usesLocalStorage(inst);
  const forth = (n: Node): Node => ({
    ...n,
    sListForth: [inst.idx, ...n.sListForth],
    utilLoadForth: withDskUtil(n.utilLoadForth, inst.util.dsk),
    instSpindlesForth: spindleUse(true, n, n.instSpindlesForth, inst),
  });
  if (!inst.forthcoming) {
    return forth({
      ...t,
      sList: [inst.idx, ...t.sList],
      utilLoad: withDskUtil(t.utilLoad, inst.util.dsk),
      instSpindles: spindleUse(true, t, t.instSpindles, inst),
    });
  }
  const n = forth(t);
  const fDskForth = usesDisk ? n.fDskForth - inst.dsk : n.fDskForth;
  const fSpindlesForth = newFreeSpindles(true, n, n.fSpindlesForth, inst);
  return { ...n, fDskForth, fSpindlesForth, pDskForth: newPDsk(n, fSpindlesForth, fDskForth) };
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
  return { ...t, peers, rMem, pRem: rMem / t.tMem };
}

/** Ganeti's updateMemStat: instance memory, unaccounted memory, N+1 status. */
export function updateMemStat(t: Node, instances: readonly Instance[]): Node {
  let iMem = 0;
  for (const i of t.pList) {
    const inst = instances[i]!;
    if (I.usesMemory(inst)) iMem += inst.mem;
  }
  const n2 = { ...t, iMem };
  const n3 = { ...n2, xMem: missingMem(n2) };
  const um = unallocatedMem(n3);
  // Ganeti 3.0.2 (the reference binaries) decides N+1 failure at load time with a
  // strict comparison (free < reserved); later operations use <=, as Ganeti does.
  return { ...n3, failN1: um < n3.rMem, pMem: um / n3.tMem };
}

// ---- removal ----------------------------------------------------------------

export function removePri(t: Node, inst: Instance): Node {
  const usesDisk = I.usesLocalStorage(inst);
  const online = I.notOffline(inst);
  const forth = (n: Node): Node => {
    const fMemForth = n.fMemForth + inst.mem;
    const fDskForth = usesDisk ? n.fDskForth + inst.dsk : n.fDskForth;
    const fSpindlesForth = newFreeSpindles(false, n, n.fSpindlesForth, inst);
    const uCpuForth = online ? n.uCpuForth - inst.vcpus : n.uCpuForth;
    return {
      ...n,
      pTags: delTags(t.pTags, inst.exclTags),
      pListForth: removeIdx(n.pListForth, inst.idx),
      fMemForth,
      fDskForth,
      pMemForth: fMemForth / n.tMem,
      pDskForth: newPDsk(n, fSpindlesForth, fDskForth),
      uCpuForth,
      pCpuForth: uCpuForth / n.tCpu,
      utilLoadForth: subUtil(n.utilLoadForth, inst.util),
      instSpindlesForth: spindleUse(false, n, n.instSpindlesForth, inst),
      fSpindlesForth,
    };
  };
  if (inst.forthcoming) return forth(t);
  const iMem = I.usesMemory(inst) ? t.iMem - inst.mem : t.iMem;
  const freeMem = unallocatedMem({ ...t, iMem });
  const fDsk = usesDisk ? t.fDsk + inst.dsk : t.fDsk;
  const fSpindles = newFreeSpindles(false, t, t.fSpindles, inst);
  const uCpu = online ? t.uCpu - inst.vcpus : t.uCpu;
  return forth({
    ...t,
    pList: removeIdx(t.pList, inst.idx),
    iMem,
    fDsk,
    failN1: freeMem <= t.rMem,
    pMem: freeMem / t.tMem,
    pDsk: newPDsk(t, fSpindles, fDsk),
    uCpu,
    pCpu: uCpu / t.tCpu,
    utilLoad: subUtil(t.utilLoad, inst.util),
    instSpindles: spindleUse(false, t, t.instSpindles, inst),
    fSpindles,
    locationScore: t.locationScore - inst.locationScore - dsrdLocScore(t, inst),
    instanceMap: delTags(t.instanceMap, exclusionPairs(t, inst)),
  });
}

export function removeSec(t: Node, inst: Instance): Node {
  const usesDisk = I.usesLocalStorage(inst);
  const forth = (n: Node): Node => {
    const fDskForth = usesDisk ? n.fDskForth + inst.dsk : n.fDskForth;
    const fSpindlesForth = newFreeSpindles(false, n, n.fSpindlesForth, inst);
    return {
      ...n,
      sListForth: removeIdx(n.sListForth, inst.idx),
      fDskForth,
      pDskForth: newPDsk(n, fSpindlesForth, fDskForth),
      utilLoadForth: withDskUtil(n.utilLoadForth, -inst.util.dsk),
      instSpindlesForth: spindleUse(false, n, n.instSpindlesForth, inst),
      fSpindlesForth,
    };
  };
  if (inst.forthcoming) return forth(t);
  const fDsk = usesDisk ? t.fDsk + inst.dsk : t.fDsk;
  const fSpindles = newFreeSpindles(false, t, t.fSpindles, inst);
  const oldPeem = peerMap.find(inst.pNode, t.peers);
  const newPeem = I.usesSecMem(inst) ? oldPeem - inst.mem : oldPeem;
  const peers = newPeem > 0 ? peerMap.add(inst.pNode, newPeem, t.peers) : peerMap.remove(inst.pNode, t.peers);
  const rMem = oldPeem < t.rMem ? t.rMem : peerMap.max(peers);
  return forth({
    ...t,
    sList: removeIdx(t.sList, inst.idx),
    fDsk,
    peers,
    failN1: unallocatedMem(t) <= rMem,
    rMem,
    pDsk: newPDsk(t, fSpindles, fDsk),
    pRem: rMem / t.tMem,
    utilLoad: withDskUtil(t.utilLoad, -inst.util.dsk),
    instSpindles: spindleUse(false, t, t.instSpindles, inst),
    fSpindles,
  });
}

// ---- checked addition -------------------------------------------------------

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
  const forth = (n: Node): Node => ({
    ...n,
    pTags: addTags(t.pTags, inst.exclTags),
    pListForth: [inst.idx, ...t.pListForth],
    fMemForth: memForth,
    fDskForth: dskForth,
    pMemForth: memForth / t.tMem,
    pDskForth: newPDsk(t, freeSpForth, dskForth),
    uCpuForth,
    pCpuForth,
    utilLoadForth: addUtil(t.utilLoadForth, inst.util),
    instSpindlesForth: instSpForth,
    fSpindlesForth: freeSpForth,
  });
  const forthViolation = (): FailMode | null => {
    if (memForth <= 0) return "FailMem";
    if (usesDisk && dskForth <= 0) return "FailDisk";
    if (usesDisk && dskForth < t.loDsk) return "FailDisk";
    if (usesDisk && t.exclStorage && freeSpForth < 0) return "FailSpindles";
    if (usesDisk && instSpForth > t.hiSpindles) return "FailDisk";
    if (lCpu >= 0 && lCpu < pCpuForth) return "FailCPU";
    return null;
  };
  if (inst.forthcoming) {
    if (strict) {
      const v = forthViolation();
      if (v !== null) return bad(v);
    }
    return ok(forth(t));
  }
  const iMem = I.usesMemory(inst) ? t.iMem + inst.mem : t.iMem;
  const freeMem = unallocatedMem({ ...t, iMem });
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
    const v = forthViolation();
    if (v !== null) return bad(v);
  }
  return ok(
    forth({
      ...t,
      pList: [inst.idx, ...t.pList],
      iMem,
      fDsk,
      failN1,
      pMem: freeMem / t.tMem,
      pDsk: newPDsk(t, fSpindles, fDsk),
      uCpu,
      pCpu,
      utilLoad: addUtil(t.utilLoad, inst.util),
      instSpindles: instSp,
      fSpindles,
      locationScore: t.locationScore + inst.locationScore + dsrdLocScore(t, inst),
      instanceMap: addTags(t.instanceMap, exclusionPairs(t, inst)),
    }),
  );
}

export function addPri(t: Node, inst: Instance): OpResult<Node> {
  return addPriEx(false, t, inst);
}

/** Adds a secondary instance whose primary is `pdx`. */
export function addSecExEx(ignoreDisks: boolean, force: boolean, t: Node, inst: Instance, pdx: Ndx): OpResult<Node> {
  const strict = !force;
  const secMem = I.usesSecMem(inst) ? inst.mem : 0;
  const newPeem = peerMap.find(pdx, t.peers) + secMem;
  const oldMemForth = t.fMemForth;
  const dskForth = t.fDskForth - inst.dsk;
  const freeSpForth = newFreeSpindles(true, t, t.fSpindlesForth, inst);
  const instSpForth = spindleUse(true, t, t.instSpindlesForth, inst);
  const forth = (n: Node): Node => ({
    ...n,
    sListForth: [inst.idx, ...t.sListForth],
    fDskForth: dskForth,
    pDskForth: newPDsk(t, freeSpForth, dskForth),
    utilLoadForth: withDskUtil(t.utilLoadForth, inst.util.dsk),
    instSpindlesForth: instSpForth,
    fSpindlesForth: freeSpForth,
  });
  const forthViolation = (): FailMode | null => {
    if (!I.hasSecondary(inst)) return "FailDisk";
    if (dskForth <= 0) return "FailDisk";
    if (dskForth < t.loDsk) return "FailDisk";
    if (t.exclStorage && freeSpForth < 0) return "FailSpindles";
    if (instSpForth > t.hiSpindles) return "FailDisk";
    if (secMem >= oldMemForth) return "FailMem";
    return null;
  };
  if (inst.forthcoming) {
    if (strict) {
      const v = forthViolation();
      if (v !== null) return bad(v);
    }
    return ok(forth(t));
  }
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
    const v = forthViolation();
    if (v !== null) return bad(v);
  }
  return ok(
    forth({
      ...t,
      sList: [inst.idx, ...t.sList],
      fDsk,
      peers: peerMap.add(pdx, newPeem, t.peers),
      failN1,
      rMem,
      pDsk: newPDsk(t, fSpindles, fDsk),
      pRem: rMem / t.tMem,
      utilLoad: withDskUtil(t.utilLoad, inst.util.dsk),
      instSpindles: instSp,
      fSpindles,
    }),
  );
}

export function addSecEx(force: boolean, t: Node, inst: Instance, pdx: Ndx): OpResult<Node> {
  return addSecExEx(false, force, t, inst, pdx);
}
export function addSec(t: Node, inst: Instance, pdx: Ndx): OpResult<Node> {
  return addSecExEx(false, false, t, inst, pdx);
}
