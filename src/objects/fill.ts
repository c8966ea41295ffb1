// Parameter filling (Ganeti's objects.Cluster.Fill*): the effective value of a parameter
// is the most specific one set, looked up instance/node → group → OS → cluster. Objects
// store only what was set at their own level; these functions compute the merged view
// and never modify their inputs.

import { DISK_TEMPLATES, HVC_GLOBALS, IPOLICY_DEFAULTS, PP_DEFAULT } from "./param-defaults.js";
import type {
  Cluster, ConfigData, DiskParams, Instance, IPolicy, Nic, Node, NodeGroup, ParamDict,
} from "./types.js";

export * from "./topology.js";
export * from "./names.js";

/** defaults overlaid by custom, minus skipKeys (Ganeti's FillDict). */
export function fillDict(defaults: ParamDict, custom: ParamDict, skipKeys?: Iterable<string>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...structuredClone(defaults), ...custom };
  if (skipKeys !== undefined) for (const k of skipKeys) delete out[k];
  return out;
}

/** Cluster hvparams for `hv`, overlaid by the OS's os_hvp (GetHVDefaults). */
export function hvDefaults(cluster: Cluster, hv: string, osName?: string, skipKeys?: Iterable<string>): Record<string, unknown> {
  const skip = skipKeys === undefined ? undefined : [...skipKeys];
  let out = fillDict({}, cluster.hvparams[hv] ?? {}, skip);
  if (osName !== undefined) out = fillDict(out, cluster.os_hvp?.[osName]?.[hv] ?? {}, skip);
  return out;
}

/** SimpleFillHV: `params` over the OS and cluster defaults; skipGlobals drops HVC_GLOBALS. */
export function fillHvParams(cluster: Cluster, hv: string, osName: string | undefined,
  params: ParamDict, skipGlobals = false): Record<string, unknown> {
  const skip = skipGlobals ? [...HVC_GLOBALS] : undefined;
  return fillDict(hvDefaults(cluster, hv, osName, skip), params, skip);
}

export function fillInstanceHv(cluster: Cluster, inst: Instance, skipGlobals = false): Record<string, unknown> {
  return fillHvParams(cluster, inst.hypervisor, inst.os, inst.hvparams, skipGlobals);
}

export function fillBeParams(cluster: Cluster, params: ParamDict): Record<string, unknown> {
  return fillDict(cluster.beparams[PP_DEFAULT] ?? {}, params);
}

export function fillInstanceBe(cluster: Cluster, inst: Instance): Record<string, unknown> {
  return fillBeParams(cluster, inst.beparams);
}

export function fillNicParams(cluster: Cluster, params: ParamDict): Record<string, unknown> {
  return fillDict(cluster.nicparams[PP_DEFAULT] ?? {}, params);
}

export function fillNic(cluster: Cluster, nic: Nic): Record<string, unknown> {
  return fillNicParams(cluster, nic.nicparams);
}

/** "debian+minimal" → "debian" (OS.GetName): variants inherit the base OS's osparams. */
export function osBaseName(osName: string): string {
  const i = osName.indexOf("+");
  return i < 0 ? osName : osName.slice(0, i);
}

/** Public OS parameters: cluster (base OS, then variant), then the instance's own. */
export function fillOsParams(cluster: Cluster, osName: string, params: ParamDict): Record<string, unknown> {
  const osparams = cluster.osparams ?? {};
  const base = fillDict(osparams[osBaseName(osName)] ?? {}, osparams[osName] ?? {});
  return fillDict(base, params);
}

export function fillInstanceOs(cluster: Cluster, inst: Instance): Record<string, unknown> {
  return fillOsParams(cluster, inst.os, inst.osparams);
}

/** Group ndparams over the cluster's (FillNDGroup). */
export function fillGroupNdParams(cluster: Cluster, group: NodeGroup | undefined): Record<string, unknown> {
  return fillDict(cluster.ndparams, group?.ndparams ?? {});
}

/** Node ndparams over its group's over the cluster's (FillND). */
export function fillNodeNdParams(cfg: ConfigData, node: Node): Record<string, unknown> {
  const group = cfg.nodegroups[node.group];
  return fillDict(fillGroupNdParams(cfg.cluster, group), node.ndparams ?? {});
}

/** The node's out-of-band helper program, or null where it has none (Ganeti's SupportsOob). */
export function nodeOobProgram(cfg: ConfigData, node: Node): string | null {
  const p = fillNodeNdParams(cfg, node)["oob_program"];
  return typeof p === "string" && p !== "" ? p : null;
}

/** Per-template disk parameters for every template (FillDiskParams). */
export function fillDiskParams(defaults: DiskParams, custom: DiskParams): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const dt of DISK_TEMPLATES) out[dt] = fillDict(defaults[dt] ?? {}, custom[dt] ?? {});
  return out;
}

export function fillGroupDiskParams(cluster: Cluster, group: NodeGroup | undefined): Record<string, Record<string, unknown>> {
  return fillDiskParams(cluster.diskparams ?? {}, group?.diskparams ?? {});
}

/**
 * FillIPolicy: keys the custom policy lacks come from the defaults; "std" merges key
 * by key, while "minmax" and "disk-templates" replace the default wholesale.
 */
export function fillIPolicy(defaults: IPolicy, custom: IPolicy): IPolicy {
  const out: Record<string, unknown> = structuredClone({ ...custom });
  for (const [key, value] of Object.entries(defaults)) {
    if (out[key] === undefined) out[key] = structuredClone(value);
    else if (key === "std") out[key] = fillDict(value as ParamDict, out[key] as ParamDict);
  }
  return out as IPolicy;
}

/** The cluster's policy, with Ganeti's defaults for anything a config lacks. */
export function clusterIPolicy(cluster: Cluster): IPolicy {
  return fillIPolicy(IPOLICY_DEFAULTS, cluster.ipolicy ?? {});
}

export function fillGroupIPolicy(cluster: Cluster, group: NodeGroup | undefined): IPolicy {
  return fillIPolicy(clusterIPolicy(cluster), group?.ipolicy ?? {});
}
