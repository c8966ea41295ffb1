// Loading and writing config.data in Ganeti's JSON layout (2.16 and 3.0: disks live in a
// top-level uuid map and instances list disk uuids). Parsing checks the shape and keeps
// every key, known or not, so serialize(parse(x)) gives back x.

import { ConfigurationError } from "../errors.js";
import { checkShape, checkUuidMap, isPlainObject, type Shape } from "./shape.js";
import type { ConfigData } from "./types.js";

/** Ganeti encodes versions as major * 1000000 + minor * 10000 + revision. */
export function buildVersion(major: number, minor: number, revision: number): number {
  return major * 1000000 + minor * 10000 + revision;
}
export function splitVersion(v: number): [number, number, number] {
  return [Math.floor(v / 1000000), Math.floor((v % 1000000) / 10000), v % 10000];
}

/** Layouts we read: the same JSON layout as far as these fields go. */
const SUPPORTED_MINORS: readonly (readonly [number, number])[] = [[2, 16], [3, 0]];

const TOP: Shape = {
  version: "number", cluster: "object", nodes: "object", nodegroups: "object",
  instances: "object", "networks?": "object", "disks?": "object", "filters?": "object",
  serial_no: "number", "ctime?": "number", "mtime?": "number",
};
const CLUSTER: Shape = {
  serial_no: "number", cluster_name: "string", master_node: "string", master_ip: "string",
  master_netdev: "string", "master_netmask?": "number", "mac_prefix?": "string",
  enabled_hypervisors: "array", "enabled_disk_templates?": "array", hvparams: "object",
  beparams: "object", nicparams: "object", "ndparams?": "object", "diskparams?": "object",
  "ipolicy?": "object", "os_hvp?": "object", "osparams?": "object",
  candidate_pool_size: "number", "tags?": "array", "uuid?": "string",
};
const NODE: Shape = {
  uuid: "string", name: "string", primary_ip: "string", secondary_ip: "string",
  serial_no: "number", master_candidate: "boolean", offline: "boolean", drained: "boolean",
  group: "string", master_capable: "boolean", vm_capable: "boolean", "ndparams?": "object",
  "powered?": "boolean", "tags?": "array",
};
const GROUP: Shape = {
  uuid: "string", name: "string", serial_no: "number", "alloc_policy?": "string",
  "ndparams?": "object", "diskparams?": "object", "ipolicy?": "object", "networks?": "object",
  "tags?": "array",
};
const INSTANCE: Shape = {
  uuid: "string", name: "string", primary_node: "string", os: "string", hypervisor: "string",
  hvparams: "object", beparams: "object", osparams: "object", admin_state: "string",
  nics: "array", disks: "array", serial_no: "number", "tags?": "array",
  "disk_template?": "string",
};
const DISK: Shape = {
  dev_type: "string", logical_id: "array", size: "number", "params?": "object",
  "children?": "array", "nodes?": "array", "iv_name?": "string", "mode?": "string",
};
const NIC: Shape = { "mac?": "string", "nicparams?": "object", "ip?": "string|null", "network?": "string|null" };
const NETWORK: Shape = {
  uuid: "string", name: "string", serial_no: "number", network: "string",
  reservations: "string", ext_reservations: "string",
};
const FILTER: Shape = { uuid: "string", watermark: "number", priority: "number", predicates: "array" };

function checkVersion(version: number): void {
  const [major, minor] = splitVersion(version);
  if (!SUPPORTED_MINORS.some(([a, b]) => a === major && b === minor)) {
    throw new ConfigurationError(
      `Unsupported configuration version ${major}.${minor} (${version}); this program reads ` +
      `Ganeti 2.16 and 3.0 configurations, upgrade older ones with Ganeti's cfgupgrade first`);
  }
}

function checkDisk(d: unknown, path: string): void {
  const disk = checkShape(d, DISK, path);
  const children = disk["children"];
  if (Array.isArray(children)) children.forEach((c, i) => checkDisk(c, `${path}.children[${i}]`));
}

/** Checks `json` (already JSON-decoded) and returns it as a ConfigData. */
export function parseConfigData(json: unknown): ConfigData {
  const top = checkShape(json, TOP, "config");
  checkVersion(top["version"] as number);
  checkShape(top["cluster"], CLUSTER, "config.cluster");
  checkUuidMap(top["nodes"], NODE, "config.nodes");
  checkUuidMap(top["nodegroups"], GROUP, "config.nodegroups");
  const instances = checkUuidMap(top["instances"], INSTANCE, "config.instances");
  for (const [uuid, inst] of Object.entries(instances)) {
    (inst["nics"] as unknown[]).forEach((n, i) => checkShape(n, NIC, `config.instances[${uuid}].nics[${i}]`));
    (inst["disks"] as unknown[]).forEach((d, i) => {
      if (typeof d !== "string") {
        throw new ConfigurationError(
          `config.instances[${uuid}].disks[${i}]: expected a disk uuid (2.14+ layout), got ${isPlainObject(d) ? "an embedded disk" : typeof d}`);
      }
    });
  }
  if (top["networks"] !== undefined) checkUuidMap(top["networks"], NETWORK, "config.networks");
  if (top["filters"] !== undefined) checkUuidMap(top["filters"], FILTER, "config.filters");
  if (top["disks"] !== undefined) {
    if (!isPlainObject(top["disks"])) throw new ConfigurationError("config.disks: expected an object keyed by uuid");
    for (const [uuid, d] of Object.entries(top["disks"])) checkDisk(d, `config.disks[${uuid}]`);
  }
  // 2.16 files always carry these maps; tolerate their absence but do not invent them,
  // so the round trip stays exact. Callers see empty maps through this view.
  return top as unknown as ConfigData;
}

/** Parses config.data text. */
export function parseConfigText(text: string): ConfigData {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigurationError(`Cannot parse configuration: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseConfigData(json);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = value[k];
      if (v === undefined) continue;
      // a key named __proto__ (possible in JSON) must stay a key, not become the prototype
      if (k === "__proto__") Object.defineProperty(out, k, { value: sortKeys(v), enumerable: true, writable: true, configurable: true });
      else out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/**
 * Writes config.data as Ganeti does: one JSON document, keys sorted (as Ganeti's
 * Haskell writer emits them), ending in a newline. Undefined values are dropped.
 */
export function serializeConfigData(cfg: ConfigData): string {
  return JSON.stringify(sortKeys(cfg)) + "\n";
}

/** Referential problems (dangling uuids); empty when the config is consistent. */
export function findDanglingReferences(cfg: ConfigData): string[] {
  const problems: string[] = [];
  const disks = cfg.disks ?? {};
  if (cfg.nodes[cfg.cluster.master_node] === undefined) {
    problems.push(`cluster master node '${cfg.cluster.master_node}' is not a node`);
  }
  for (const node of Object.values(cfg.nodes)) {
    if (cfg.nodegroups[node.group] === undefined) problems.push(`node ${node.name}: unknown group '${node.group}'`);
  }
  for (const inst of Object.values(cfg.instances)) {
    if (cfg.nodes[inst.primary_node] === undefined) {
      problems.push(`instance ${inst.name}: unknown primary node '${inst.primary_node}'`);
    }
    for (const d of inst.disks) {
      if (disks[d] === undefined) problems.push(`instance ${inst.name}: unknown disk '${d}'`);
    }
  }
  return problems;
}
