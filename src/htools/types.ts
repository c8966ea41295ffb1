// Basic types of the htools cluster model (Ganeti's HTools/Types.hs, as facts).
// Everything here is plain immutable data; failures travel as values.

export type Ndx = number;
export type Idx = number;
export type Gdx = number;

/** Index used for "no secondary node". */
export const NO_SECONDARY: Ndx = -1;

export const DISK_TEMPLATES = [
  "diskless",
  "file",
  "sharedfile",
  "plain",
  "blockdev",
  "drbd",
  "rbd",
  "ext",
  "gluster",
] as const;
export type DiskTemplate = (typeof DISK_TEMPLATES)[number];

/** Haskell constructor names, used by Ganeti's `show` of policies. */
export const DISK_TEMPLATE_CONS: Readonly<Record<DiskTemplate, string>> = {
  diskless: "DTDiskless",
  file: "DTFile",
  sharedfile: "DTSharedFile",
  plain: "DTPlain",
  blockdev: "DTBlock",
  drbd: "DTDrbd8",
  rbd: "DTRbd",
  ext: "DTExt",
  gluster: "DTGluster",
};

export type MirrorType = "none" | "internal" | "external";

export function templateMirrorType(dt: DiskTemplate): MirrorType {
  switch (dt) {
    case "file":
    case "plain":
      return "none";
    case "drbd":
      return "internal";
    default:
      return "external";
  }
}

export const INSTANCE_STATUSES = [
  "ADMIN_down",
  "ADMIN_offline",
  "ERROR_down",
  "ERROR_up",
  "ERROR_nodedown",
  "ERROR_nodeoffline",
  "running",
  "USER_down",
  "ERROR_wrongnode",
] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

export const ALLOC_POLICIES = ["preferred", "last_resort", "unallocable"] as const;
export type AllocPolicy = (typeof ALLOC_POLICIES)[number];

/** Dynamic utilisation (cpu, mem, disk, net weights). */
export interface DynUtil {
  readonly cpu: number;
  readonly mem: number;
  readonly dsk: number;
  readonly net: number;
}
export const ZERO_UTIL: DynUtil = Object.freeze({ cpu: 0, mem: 0, dsk: 0, net: 0 });
export const BASE_UTIL: DynUtil = Object.freeze({ cpu: 1, mem: 1, dsk: 1, net: 1 });
export function addUtil(a: DynUtil, b: DynUtil): DynUtil {
  return { cpu: a.cpu + b.cpu, mem: a.mem + b.mem, dsk: a.dsk + b.dsk, net: a.net + b.net };
}
export function subUtil(a: DynUtil, b: DynUtil): DynUtil {
  return { cpu: a.cpu - b.cpu, mem: a.mem - b.mem, dsk: a.dsk - b.dsk, net: a.net - b.net };
}

export interface ISpec {
  readonly memorySize: number;
  readonly cpuCount: number;
  readonly diskSize: number;
  readonly diskCount: number;
  readonly nicCount: number;
  readonly spindleUse: number;
}
export interface MinMaxISpecs {
  readonly min: ISpec;
  readonly max: ISpec;
}
export interface IPolicy {
  readonly minMaxISpecs: readonly MinMaxISpecs[];
  readonly stdSpec: ISpec;
  readonly diskTemplates: readonly DiskTemplate[];
  readonly vcpuRatio: number;
  readonly spindleRatio: number;
}

export const DEF_MIN_ISPEC: ISpec = Object.freeze({
  memorySize: 128, cpuCount: 1, diskCount: 1, diskSize: 1024, nicCount: 1, spindleUse: 1,
});
export const DEF_STD_ISPEC: ISpec = DEF_MIN_ISPEC;
export const DEF_MAX_ISPEC: ISpec = Object.freeze({
  memorySize: 32768, cpuCount: 8, diskCount: 16, diskSize: 1024 * 1024, nicCount: 8, spindleUse: 12,
});
export const DEF_IPOLICY: IPolicy = Object.freeze({
  minMaxISpecs: [{ min: DEF_MIN_ISPEC, max: DEF_MAX_ISPEC }],
  stdSpec: DEF_STD_ISPEC,
  diskTemplates: [...DISK_TEMPLATES],
  vcpuRatio: 4.0,
  spindleRatio: 32.0,
});

export const DEF_RESERVED_DISK_RATIO = 0;

/** Why a placement failed (Ganeti's FailMode). */
export type FailMode =
  | "FailMem"
  | "FailDisk"
  | "FailCPU"
  | "FailN1"
  | "FailTags"
  | "FailMig"
  | "FailDiskCount"
  | "FailSpindles"
  | "FailInternal";

/** A value or a failure, never an exception. */
export type Result<T, E = string> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: E };
export type OpResult<T> = Result<T, FailMode>;

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}
export function bad<E>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}

/** Ganeti's instance moves (IMove). */
export type IMove =
  | { readonly kind: "Failover" }
  | { readonly kind: "FailoverToAny"; readonly node: Ndx }
  | { readonly kind: "ReplacePrimary"; readonly node: Ndx }
  | { readonly kind: "ReplaceSecondary"; readonly node: Ndx }
  | { readonly kind: "ReplaceAndFailover"; readonly node: Ndx }
  | { readonly kind: "FailoverAndReplace"; readonly node: Ndx };

/** One step of a solution: instance, new primary, new secondary, move, score after. */
export interface Placement {
  readonly inst: Idx;
  readonly pnode: Ndx;
  readonly snode: Ndx;
  readonly move: IMove;
  readonly score: number;
}
