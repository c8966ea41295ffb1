// Instances of the htools model (facts from Ganeti's HTools/Instance.hs).
import {
  BASE_UTIL,
  type DiskTemplate,
  type DynUtil,
  type FailMode,
  type Idx,
  type InstanceStatus,
  type IPolicy,
  type ISpec,
  type MinMaxISpecs,
  type MirrorType,
  type Ndx,
  type OpResult,
  bad,
  ok,
  templateMirrorType,
} from "./types.js";

export interface Disk {
  /** Size in MiB. */
  readonly size: number;
  readonly spindles: number | null;
}

export interface Instance {
  readonly name: string;
  readonly alias: string;
  readonly mem: number;
  readonly dsk: number;
  readonly disks: readonly Disk[];
  readonly vcpus: number;
  readonly runSt: InstanceStatus;
  readonly pNode: Ndx;
  readonly sNode: Ndx;
  readonly idx: Idx;
  readonly util: DynUtil;
  readonly movable: boolean;
  readonly autoBalance: boolean;
  readonly diskTemplate: DiskTemplate;
  readonly spindleUse: number;
  readonly allTags: readonly string[];
  readonly exclTags: readonly string[];
  /** Desired location tags (a sorted set). */
  readonly dsrdLocTags: readonly string[];
  readonly locationScore: number;
  readonly forthcoming: boolean;
}

/** Instances as one fixed-shape class (cheap copies; fields are readonly through `Instance`). */
class InstRec {
  name: string;
  alias: string;
  mem: number;
  dsk: number;
  disks: readonly Disk[];
  vcpus: number;
  runSt: InstanceStatus;
  pNode: Ndx;
  sNode: Ndx;
  idx: Idx;
  util: DynUtil;
  movable: boolean;
  autoBalance: boolean;
  diskTemplate: DiskTemplate;
  spindleUse: number;
  allTags: readonly string[];
  exclTags: readonly string[];
  dsrdLocTags: readonly string[];
  locationScore: number;
  forthcoming: boolean;
  constructor(i: Instance) {
    this.name = i.name;
    this.alias = i.alias;
    this.mem = i.mem;
    this.dsk = i.dsk;
    this.disks = i.disks;
    this.vcpus = i.vcpus;
    this.runSt = i.runSt;
    this.pNode = i.pNode;
    this.sNode = i.sNode;
    this.idx = i.idx;
    this.util = i.util;
    this.movable = i.movable;
    this.autoBalance = i.autoBalance;
    this.diskTemplate = i.diskTemplate;
    this.spindleUse = i.spindleUse;
    this.allTags = i.allTags;
    this.exclTags = i.exclTags;
    this.dsrdLocTags = i.dsrdLocTags;
    this.locationScore = i.locationScore;
    this.forthcoming = i.forthcoming;
  }
}

export type MutableInstance = { -readonly [K in keyof Instance]: Instance[K] };

/** A mutable copy of `i`, to be filled in and returned as a new `Instance` (no one else sees it before). */
export function copyInstance(i: Instance): MutableInstance {
  return new InstRec(i);
}

const MOVABLE_TEMPLATES: ReadonlySet<DiskTemplate> = new Set<DiskTemplate>([
  "drbd", "blockdev", "sharedfile", "gluster", "rbd", "ext",
]);

export interface InstanceInit {
  readonly name: string;
  readonly mem: number;
  readonly dsk: number;
  readonly disks: readonly Disk[];
  readonly vcpus: number;
  readonly runSt: InstanceStatus;
  readonly tags: readonly string[];
  readonly autoBalance: boolean;
  readonly pNode: Ndx;
  readonly sNode: Ndx;
  readonly diskTemplate: DiskTemplate;
  readonly spindleUse: number;
  readonly forthcoming: boolean;
}

export function createInstance(i: InstanceInit): Instance {
  return copyInstance({
    name: i.name,
    alias: i.name,
    mem: i.mem,
    dsk: i.dsk,
    disks: i.disks,
    vcpus: i.vcpus,
    runSt: i.runSt,
    pNode: i.pNode,
    sNode: i.sNode,
    idx: -1,
    util: BASE_UTIL,
    movable: MOVABLE_TEMPLATES.has(i.diskTemplate),
    autoBalance: i.autoBalance,
    diskTemplate: i.diskTemplate,
    spindleUse: i.spindleUse,
    allTags: i.tags,
    exclTags: [],
    dsrdLocTags: [],
    locationScore: 0,
    forthcoming: i.forthcoming,
  });
}

export function isRunning(i: Instance): boolean {
  return i.runSt === "running" || i.runSt === "ERROR_up";
}
export function isOffline(i: Instance): boolean {
  return i.runSt === "ADMIN_offline";
}
export function notOffline(i: Instance): boolean {
  return !isOffline(i);
}
/** Whether the secondary must reserve memory for a failover of this instance. */
export function usesSecMem(i: Instance): boolean {
  return notOffline(i) && i.autoBalance;
}
export function usesLocalStorage(i: Instance): boolean {
  return i.diskTemplate === "drbd" || i.diskTemplate === "plain";
}
export function hasSecondary(i: Instance): boolean {
  return i.diskTemplate === "drbd";
}
export function mirrorType(i: Instance): MirrorType {
  return templateMirrorType(i.diskTemplate);
}
export function allNodes(i: Instance): Ndx[] {
  return i.diskTemplate === "drbd" ? [i.pNode, i.sNode] : [i.pNode];
}
/** Whether the instance's memory counts as used on its primary. */
export function usesMemory(i: Instance): boolean {
  if (i.forthcoming) return false;
  switch (i.runSt) {
    case "ADMIN_down":
    case "ADMIN_offline":
    case "ERROR_down":
    case "USER_down":
      return false;
    default:
      return true;
  }
}
export function getTotalSpindles(i: Instance): number | null {
  let sum = 0;
  for (const d of i.disks) {
    if (d.spindles === null) return null;
    sum += d.spindles;
  }
  return sum;
}

export function setIdx(i: Instance, idx: Idx): Instance {
  const r = copyInstance(i);
  r.idx = idx;
  return r;
}
export function setAlias(i: Instance, alias: string): Instance {
  const r = copyInstance(i);
  r.alias = alias;
  return r;
}
export function setPri(i: Instance, p: Ndx): Instance {
  const r = copyInstance(i);
  r.pNode = p;
  return r;
}
export function setSec(i: Instance, s: Ndx): Instance {
  const r = copyInstance(i);
  r.sNode = s;
  return r;
}
export function setBoth(i: Instance, p: Ndx, s: Ndx): Instance {
  const r = copyInstance(i);
  r.pNode = p;
  r.sNode = s;
  return r;
}
export function setMovable(i: Instance, movable: boolean): Instance {
  const r = copyInstance(i);
  r.movable = movable;
  return r;
}

// ---- instance policy checks -------------------------------------------------

type Ordering = -1 | 0 | 1;
function cmp(a: number, b: number): Ordering {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareISpec(which: Ordering, i: Instance, spec: ISpec, exclStor: boolean): OpResult<null> {
  if (which === cmp(i.mem, spec.memorySize)) return bad("FailMem");
  if (i.disks.some((d) => which === cmp(d.size, spec.diskSize))) return bad("FailDisk");
  if (which === cmp(i.vcpus, spec.cpuCount)) return bad("FailCPU");
  if (exclStor) {
    const sp = getTotalSpindles(i);
    if (sp === null || which === cmp(sp, spec.spindleUse)) return bad("FailSpindles");
  } else if (which === cmp(i.spindleUse, spec.spindleUse)) {
    return bad("FailSpindles");
  }
  if (i.diskTemplate !== "diskless" && which === cmp(i.disks.length, spec.diskCount)) {
    return bad("FailDiskCount");
  }
  return ok(null);
}

/** The instance is not above the given spec. */
export function instBelowISpec(i: Instance, spec: ISpec, exclStor: boolean): OpResult<null> {
  return compareISpec(1, i, spec, exclStor);
}
/** The instance is not below the given spec. */
export function instAboveISpec(i: Instance, spec: ISpec, exclStor: boolean): OpResult<null> {
  return compareISpec(-1, i, spec, exclStor);
}

function matchesMinMax(i: Instance, mm: MinMaxISpecs, exclStor: boolean): OpResult<null> {
  const a = instAboveISpec(i, mm.min, exclStor);
  if (!a.ok) return a;
  return instBelowISpec(i, mm.max, exclStor);
}

/** Ganeti's instMatchesPolicy: some min/max pair fits and the template is allowed. */
export function instMatchesPolicy(i: Instance, pol: IPolicy, exclStor: boolean): OpResult<null> {
  if (pol.minMaxISpecs.length > 0) {
    // Like Ganeti's right fold: the last failure reported is that of the first pair.
    let res: OpResult<null> = bad<FailMode>("FailInternal");
    for (let k = pol.minMaxISpecs.length - 1; k >= 0; k--) {
      if (res.ok) break;
      res = matchesMinMax(i, pol.minMaxISpecs[k]!, exclStor);
    }
    if (!res.ok) return res;
  }
  return pol.diskTemplates.includes(i.diskTemplate) ? ok(null) : bad("FailDisk");
}
