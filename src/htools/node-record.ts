// The node record of the htools model (facts from Ganeti's HTools/Node.hs): its fields,
// the fixed-shape class behind it, and creation. Operations live in node.ts.
import {
  BASE_UTIL,
  DEF_IPOLICY,
  DEF_RESERVED_DISK_RATIO,
  type DynUtil,
  type Gdx,
  type Idx,
  type IPolicy,
  type Ndx,
  ZERO_UTIL,
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

/** Nodes as one fixed-shape class (cheap copies; fields are readonly through `Node`).
 * A fresh copy may be written to only before it is returned. */
class NodeRec {
  name: string;
  alias: string;
  tMem: number;
  nMem: number;
  iMem: number;
  fMem: number;
  fMemForth: number;
  xMem: number;
  tDsk: number;
  fDsk: number;
  fDskForth: number;
  tCpu: number;
  tCpuSpeed: number;
  nCpu: number;
  uCpu: number;
  uCpuForth: number;
  tSpindles: number;
  fSpindles: number;
  fSpindlesForth: number;
  pList: readonly Idx[];
  pListForth: readonly Idx[];
  sList: readonly Idx[];
  sListForth: readonly Idx[];
  idx: Ndx;
  peers: PeerMap;
  failN1: boolean;
  failN1Forth: boolean;
  rMem: number;
  rMemForth: number;
  pMem: number;
  pMemForth: number;
  pDsk: number;
  pDskForth: number;
  pRem: number;
  pRemForth: number;
  pCpu: number;
  pCpuForth: number;
  mDsk: number;
  loDsk: number;
  hiCpu: number;
  hiSpindles: number;
  instSpindles: number;
  instSpindlesForth: number;
  offline: boolean;
  isMaster: boolean;
  nTags: readonly string[];
  utilPool: DynUtil;
  utilLoad: DynUtil;
  utilLoadForth: DynUtil;
  pTags: ReadonlyMap<string, number>;
  group: Gdx;
  iPolicy: IPolicy;
  exclStorage: boolean;
  migTags: ReadonlySet<string>;
  rmigTags: ReadonlySet<string>;
  locationTags: ReadonlySet<string>;
  locationScore: number;
  instanceMap: ReadonlyMap<string, number>;
  constructor(n: Node) {
    this.name = n.name;
    this.alias = n.alias;
    this.tMem = n.tMem;
    this.nMem = n.nMem;
    this.iMem = n.iMem;
    this.fMem = n.fMem;
    this.fMemForth = n.fMemForth;
    this.xMem = n.xMem;
    this.tDsk = n.tDsk;
    this.fDsk = n.fDsk;
    this.fDskForth = n.fDskForth;
    this.tCpu = n.tCpu;
    this.tCpuSpeed = n.tCpuSpeed;
    this.nCpu = n.nCpu;
    this.uCpu = n.uCpu;
    this.uCpuForth = n.uCpuForth;
    this.tSpindles = n.tSpindles;
    this.fSpindles = n.fSpindles;
    this.fSpindlesForth = n.fSpindlesForth;
    this.pList = n.pList;
    this.pListForth = n.pListForth;
    this.sList = n.sList;
    this.sListForth = n.sListForth;
    this.idx = n.idx;
    this.peers = n.peers;
    this.failN1 = n.failN1;
    this.failN1Forth = n.failN1Forth;
    this.rMem = n.rMem;
    this.rMemForth = n.rMemForth;
    this.pMem = n.pMem;
    this.pMemForth = n.pMemForth;
    this.pDsk = n.pDsk;
    this.pDskForth = n.pDskForth;
    this.pRem = n.pRem;
    this.pRemForth = n.pRemForth;
    this.pCpu = n.pCpu;
    this.pCpuForth = n.pCpuForth;
    this.mDsk = n.mDsk;
    this.loDsk = n.loDsk;
    this.hiCpu = n.hiCpu;
    this.hiSpindles = n.hiSpindles;
    this.instSpindles = n.instSpindles;
    this.instSpindlesForth = n.instSpindlesForth;
    this.offline = n.offline;
    this.isMaster = n.isMaster;
    this.nTags = n.nTags;
    this.utilPool = n.utilPool;
    this.utilLoad = n.utilLoad;
    this.utilLoadForth = n.utilLoadForth;
    this.pTags = n.pTags;
    this.group = n.group;
    this.iPolicy = n.iPolicy;
    this.exclStorage = n.exclStorage;
    this.migTags = n.migTags;
    this.rmigTags = n.rmigTags;
    this.locationTags = n.locationTags;
    this.locationScore = n.locationScore;
    this.instanceMap = n.instanceMap;
  }
}

export type MutableNode = { -readonly [K in keyof Node]: Node[K] };

/** A mutable copy of `n`, to be filled in and returned as a new `Node`. */
export function copy(n: Node): MutableNode {
  return new NodeRec(n);
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
  return copy({
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
  });
}
