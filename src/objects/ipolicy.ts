// Instance-policy checks, as Ganeti's cmdlib computes them (ComputeIPolicySpecViolation and
// the functions built on it in lib/cmdlib/common.py and instance_utils.py). Pure: a policy
// (already filled for the group) and the instance's specs in, Ganeti's violation texts out.
// Where Ganeti iterates a Python set (allowed and forbidden templates), the policy's own
// order is used, as Python's set order is not fixed from one run to the next.
import type { ConfigData, Disk, Instance, IPolicy, ISpec, MinMaxISpecs, NodeGroup } from "./types.js";
import { fillGroupIPolicy, fillInstanceBe, fillNodeNdParams } from "./fill.js";
import { instanceDisks, instanceNodes } from "./topology.js";
import { OpPrereqError, ErrorCode } from "../errors.js";

/** Ganeti's ISPEC_* names. */
export const ISPEC_MEM_SIZE = "memory-size";
export const ISPEC_CPU_COUNT = "cpu-count";
export const ISPEC_DISK_COUNT = "disk-count";
export const ISPEC_DISK_SIZE = "disk-size";
export const ISPEC_NIC_COUNT = "nic-count";
export const ISPEC_SPINDLE_USE = "spindle-use";

/** A value to check; null (and Ganeti's "auto") is not checked. */
export type SpecValue = number | null | "auto";

/** The arguments of Ganeti's ComputeIPolicySpecViolation. */
export interface InstanceSpecs {
  readonly memSize: SpecValue;
  readonly cpuCount: SpecValue;
  readonly diskCount: number;
  readonly nicCount: SpecValue;
  readonly diskSizes: readonly number[];
  readonly spindleUse: SpecValue;
  /** One disk template per disk. */
  readonly diskTypes: readonly string[];
}

/** utils.CommaJoin. */
export function commaJoin(items: Iterable<unknown>): string {
  return [...items].map((x) => String(x)).join(", ");
}

/**
 * Ganeti's CheckIpolicyVsDiskTemplates: a policy may only allow disk templates the cluster
 * has enabled (gnt-cluster modify and gnt-group add/modify check the policy they make).
 */
export function checkIpolicyVsDiskTemplates(ipolicy: IPolicy, enabledDiskTemplates: readonly string[]): void {
  const notEnabled = (ipolicy["disk-templates"] ?? []).filter((t) => !enabledDiskTemplates.includes(t));
  if (notEnabled.length > 0) {
    throw new OpPrereqError(`The following disk templates are allowed by the ipolicy, but not enabled on the cluster: ${commaJoin(notEnabled)}`,
      ErrorCode.inval);
  }
}

function normTemplate(t: string): string {
  return t === "drbd8" ? "drbd" : t;
}

/** _ComputeMinMaxSpec: null, or "name[/qualifier] value V is not in range [MIN, MAX]". */
export function computeMinMaxSpec(name: string, qualifier: string, ispecs: MinMaxISpecs, value: SpecValue): string | null {
  if (value === null || value === "auto") return null;
  const maxV = (ispecs.max as ISpec)[name] ?? value;
  const minV = (ispecs.min as ISpec)[name] ?? value;
  if (value > maxV || minV > value) {
    const fqn = qualifier !== "" ? `${name}/${qualifier}` : name;
    return `${fqn} value ${value} is not in range [${minV}, ${maxV}]`;
  }
  return null;
}

/**
 * ComputeIPolicySpecViolation: template violations first, then the range violations of
 * the min/max pair that the specs violate least.
 */
export function computeIPolicySpecViolation(ipolicy: IPolicy, s: InstanceSpecs): string[] {
  if (s.diskCount !== s.diskSizes.length || s.diskCount !== s.diskTypes.length) {
    throw new Error("ComputeIPolicySpecViolation: disk count, sizes and types disagree");
  }
  const tests: Array<[string, string, SpecValue]> = [
    [ISPEC_MEM_SIZE, "", s.memSize],
    [ISPEC_CPU_COUNT, "", s.cpuCount],
    [ISPEC_NIC_COUNT, "", s.nicCount],
    [ISPEC_SPINDLE_USE, "", s.spindleUse],
    ...s.diskSizes.map((d, idx): [string, string, SpecValue] => [ISPEC_DISK_SIZE, String(idx), d]),
  ];
  const allowed = [...new Set((ipolicy["disk-templates"] ?? []).map(normTemplate))];
  const ret: string[] = [];
  if (s.diskCount !== 0) {
    // Not a check that makes sense for diskless instances.
    tests.push([ISPEC_DISK_COUNT, "", s.diskCount]);
  } else if (!allowed.includes("diskless")) {
    ret.push(`Disk template diskless is not allowed (allowed templates ${commaJoin(allowed)})`);
  }
  const forbidden = [...new Set(s.diskTypes.map(normTemplate))].filter((t) => !allowed.includes(t));
  if (forbidden.length > 0) {
    ret.push(`Disk template ${commaJoin(forbidden)} is not allowed (allowed templates: ${commaJoin(allowed)})`);
  }
  let minErrs: string[] | null = null;
  for (const minmax of ipolicy.minmax ?? []) {
    const errs = tests.map(([name, q, v]) => computeMinMaxSpec(name, q, minmax, v)).filter((e): e is string => e !== null);
    if (minErrs === null || errs.length < minErrs.length) minErrs = errs;
  }
  return [...ret, ...(minErrs ?? [])];
}

/** The instance spec dictionary of ComputeIPolicyInstanceSpecViolation (ISPEC_* keys). */
export interface InstanceSpecDict {
  readonly [ISPEC_MEM_SIZE]?: SpecValue;
  readonly [ISPEC_CPU_COUNT]?: SpecValue;
  readonly [ISPEC_DISK_COUNT]?: number;
  readonly [ISPEC_DISK_SIZE]?: readonly number[];
  readonly [ISPEC_NIC_COUNT]?: number;
  readonly [ISPEC_SPINDLE_USE]?: SpecValue;
}

/** ComputeIPolicyInstanceSpecViolation: what an instance about to be made would violate. */
export function computeIPolicyInstanceSpecViolation(ipolicy: IPolicy, spec: InstanceSpecDict, diskTypes: readonly string[]): string[] {
  return computeIPolicySpecViolation(ipolicy, {
    memSize: spec[ISPEC_MEM_SIZE] ?? null, cpuCount: spec[ISPEC_CPU_COUNT] ?? null,
    diskCount: spec[ISPEC_DISK_COUNT] ?? 0, diskSizes: spec[ISPEC_DISK_SIZE] ?? [],
    nicCount: spec[ISPEC_NIC_COUNT] ?? 0, spindleUse: spec[ISPEC_SPINDLE_USE] ?? null, diskTypes,
  });
}

/** ComputeIPolicyDiskSizesViolation: only disk sizes, count and templates are checked. */
export function computeIPolicyDiskSizesViolation(ipolicy: IPolicy, diskSizes: readonly number[], disks: readonly Disk[]): string[] {
  if (diskSizes.length !== disks.length) return [ISPEC_DISK_COUNT];
  return computeIPolicySpecViolation(ipolicy, {
    memSize: null, cpuCount: null, diskCount: diskSizes.length, nicCount: null, diskSizes, spindleUse: null,
    diskTypes: disks.map((d) => d.dev_type),
  });
}

function toSpec(v: unknown): SpecValue {
  return typeof v === "number" ? v : v === "auto" ? "auto" : null;
}

/** ComputeIPolicyInstanceViolation: what an existing instance violates under `ipolicy`. */
export function computeIPolicyInstanceViolation(ipolicy: IPolicy, inst: Instance, cfg: ConfigData): string[] {
  const ret: string[] = [];
  const be = fillInstanceBe(cfg.cluster, inst);
  const disks = instanceDisks(cfg, inst);
  const exclusive = instanceNodes(cfg, inst).some((u) => {
    const n = cfg.nodes[u];
    return n !== undefined && fillNodeNdParams(cfg, n)["exclusive_storage"] === true;
  });
  let spindleUse: SpecValue;
  if (exclusive) {
    // With exclusive storage the disks' actual spindles count.
    if (disks.some((d) => typeof d.spindles !== "number")) {
      ret.push(`Number of spindles not configured for disks of instance ${inst.name} while exclusive storage is enabled, ` +
        "try running gnt-cluster repair-disk-sizes");
      spindleUse = null;
    } else {
      spindleUse = disks.reduce((a, d) => a + Number(d.spindles), 0);
    }
  } else {
    spindleUse = toSpec(be["spindle_use"]);
  }
  return [...ret, ...computeIPolicySpecViolation(ipolicy, {
    memSize: toSpec(be["maxmem"]), cpuCount: toSpec(be["vcpus"]), diskCount: disks.length, nicCount: inst.nics.length,
    diskSizes: disks.map((d) => d.size), spindleUse, diskTypes: disks.map((d) => d.dev_type),
  })];
}

/** _ComputeIPolicyNodeViolation: nothing when the instance stays in its group. */
export function computeIPolicyNodeViolation(ipolicy: IPolicy, inst: Instance, currentGroup: string, targetGroup: string,
  cfg: ConfigData): string[] {
  return currentGroup === targetGroup ? [] : computeIPolicyInstanceViolation(ipolicy, inst, cfg);
}

/** The names of the instances violating `ipolicy` (_ComputeViolatingInstances). */
export function computeViolatingInstances(ipolicy: IPolicy, instances: readonly Instance[], cfg: ConfigData): Set<string> {
  return new Set(instances.filter((i) => computeIPolicyInstanceViolation(ipolicy, i, cfg).length > 0).map((i) => i.name));
}

/** ComputeNewInstanceViolations: the instances that violate the new policy but not the old one. */
export function computeNewInstanceViolations(oldPolicy: IPolicy, newPolicy: IPolicy, instances: readonly Instance[],
  cfg: ConfigData): string[] {
  const before = computeViolatingInstances(oldPolicy, instances, cfg);
  return [...computeViolatingInstances(newPolicy, instances, cfg)].filter((n) => !before.has(n));
}

/** CalculateGroupIPolicy for a group uuid. */
export function groupIPolicy(cfg: ConfigData, groupUuid: string): IPolicy {
  return fillGroupIPolicy(cfg.cluster, cfg.nodegroups[groupUuid]);
}

/** Instances with a node in the group (the instances cluster modify checks per group). */
export function groupInstances(cfg: ConfigData, group: NodeGroup): Instance[] {
  const uuid = group.uuid ?? "";
  return Object.values(cfg.instances).filter((i) => instanceNodes(cfg, i).some((n) => cfg.nodes[n]?.group === uuid));
}

/**
 * Python's repr() of a value from config.data: what Ganeti prints when it formats a whole
 * config object with %s. Dictionaries come with their keys sorted, as Ganeti's
 * configuration reaches the logical units through JSON written with sorted keys. Numbers
 * that Ganeti keeps as floats are named by `floats`.
 */
export function pyReprValue(v: unknown, key = "", floats: ReadonlySet<string> = PY_FLOAT_KEYS): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return floats.has(key) && Number.isInteger(v) ? `${v}.0` : String(v);
  if (typeof v === "string") return pyReprString(v);
  if (Array.isArray(v)) return `[${v.map((x) => pyReprValue(x, key, floats)).join(", ")}]`;
  if (typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${pyReprString(k)}: ${pyReprValue(x, k, floats)}`).join(", ")}}`;
  }
  return String(v);
}

function pyReprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\t/g, "\\t").replace(/\r/g, "\\r");
  return `${quote}${quote === "'" ? body.replace(/'/g, "\\'") : body}${quote}`;
}

/** Keys whose values Ganeti holds as Python floats. */
const PY_FLOAT_KEYS: ReadonlySet<string> = new Set(["ctime", "mtime", "vcpu-ratio", "spindle-ratio", "cpu_speed"]);

/** Ganeti's NodeGroup slot order (NodeGroup.__slots__, then TaggableObject's "tags"). */
const GROUP_SLOTS = ["name", "ndparams", "diskparams", "ipolicy", "serial_no", "hv_state_static", "disk_state_static",
  "alloc_policy", "networks", "ctime", "mtime", "uuid", "tags"] as const;

/** str() of a Ganeti NodeGroup: repr(ToDict()), the slots that are set, members left out. */
export function pyReprNodeGroup(group: NodeGroup): string {
  const g = group as Readonly<Record<string, unknown>>;
  const parts = GROUP_SLOTS.filter((k) => g[k] !== undefined && g[k] !== null).map((k) => `'${k}': ${pyReprValue(g[k], k)}`);
  return `{${parts.join(", ")}}`;
}

/** Ganeti's IPOLICY_ALL_KEYS. */
const IPOLICY_ALL_KEYS: ReadonlySet<string> = new Set(["minmax", "std", "disk-templates", "vcpu-ratio", "spindle-ratio"]);
const IPOLICY_FLOAT_PARAMETERS: ReadonlySet<string> = new Set(["vcpu-ratio", "spindle-ratio"]);

function isUnset(v: unknown): boolean {
  return v === null || v === undefined || v === "" || v === false || v === 0 || v === "default" ||
    (Array.isArray(v) && (v.length === 0 || (v.length === 1 && v[0] === "default"))) ||
    (typeof v === "object" && !Array.isArray(v) && Object.keys(v as object).length === 0);
}

/**
 * GetUpdatedIPolicy: the policy after an update. A group's policy may drop keys (back to
 * the cluster's); the cluster's may not. "std" merges key by key, the rest replace.
 */
export function getUpdatedIPolicy(old: IPolicy, update: Readonly<Record<string, unknown>>, groupPolicy: boolean): IPolicy {
  const out: Record<string, unknown> = structuredClone({ ...old });
  for (const [key, value] of Object.entries(update)) {
    if (!IPOLICY_ALL_KEYS.has(key)) throw new OpPrereqError(`Invalid key in new ipolicy: ${key}`, ErrorCode.inval);
    if (isUnset(value)) {
      if (!groupPolicy) throw new OpPrereqError(`Can't unset ipolicy attribute '${key}' on the cluster'`, ErrorCode.inval);
      delete out[key];
    } else if (IPOLICY_FLOAT_PARAMETERS.has(key)) {
      const n = typeof value === "number" ? value : Number(value);
      if (!Number.isFinite(n)) throw new OpPrereqError(`Invalid value for attribute '${key}': '${String(value)}'`, ErrorCode.inval);
      out[key] = n;
    } else if (key === "std") {
      if (groupPolicy) throw new OpPrereqError(`${key} cannot appear in group instance specs`, ErrorCode.inval);
      out[key] = { ...((old.std ?? {}) as ISpec), ...(value as ISpec) };
    } else {
      out[key] = structuredClone(value);
    }
  }
  return out as IPolicy;
}
