// Ganeti's IAllocator framework for the built-in hail: the iallocator request (cluster
// data — cluster, node groups, nodes with their live memory and storage, instances — plus
// one allocate / relocate / node-evacuate / multi-allocate request) built from the
// configuration and the nodes' answers, then answered in-process by the pure htools code
// (the same parser and solver bin/hail runs), with Ganeti's result checks.
//
// Everything here but gatherLiveData is pure: configuration and live data in, JSON out.
import type { ConfigData, Disk, Instance, Node } from "../objects/types.js";
import type { NodeLiveInfo } from "../rpc/catalogue.js";
import type { RpcClient } from "../rpc/client.js";
import { nodeTarget } from "../config/store.js";
import {
  clusterIPolicy, fillGroupIPolicy, fillInstanceBe, fillNic, fillNodeNdParams, instanceDiskTemplate, instanceDisks,
  instanceSecondaryNodes,
} from "../objects/fill.js";
import type { AllocOptions } from "../htools/alloc.js";
import { parseRequest } from "../htools/iallocator-parse.js";
import { formatResponse, processRequest } from "../htools/iallocator.js";
import { OpExecError, ErrorCode } from "../errors.js";

/** Ganeti's IALLOCATOR_VERSION. */
export const IALLOCATOR_VERSION = 2;
const DRBD_META_SIZE = 128;
export type EvacMode = "primary-only" | "secondary-only" | "all";

/** What one node told us: node_info, and the memory its running instances use. */
export interface LiveNodeData {
  readonly info: NodeLiveInfo;
  readonly instances: Readonly<Record<string, { readonly memory: number }>>;
}
/** Node uuid → live data (nodes that are offline or not vm_capable have none). */
export type LiveData = ReadonlyMap<string, LiveNodeData>;

export interface RequestDisk {
  readonly size: number;
  readonly mode?: string;
  readonly spindles?: number | null;
}

/** A new instance to place (Ganeti's IAReqInstanceAlloc). */
export interface NewInstanceSpec {
  readonly name: string;
  readonly disk_template: string;
  readonly disks: readonly RequestDisk[];
  readonly memory: number;
  readonly vcpus: number;
  readonly spindle_use: number;
  readonly tags: readonly string[];
  readonly os: string;
  readonly nics: readonly Readonly<Record<string, unknown>>[];
  readonly hypervisor: string;
  readonly group_name?: string | null;
  readonly node_whitelist?: readonly string[] | null;
}

export type IARequest =
  | ({ readonly mode: "allocate" } & NewInstanceSpec)
  | { readonly mode: "relocate"; readonly instance: string; readonly relocateFrom: readonly string[] }
  | { readonly mode: "allocate-secondary"; readonly instance: string }
  | { readonly mode: "node-evacuate"; readonly instances: readonly string[]; readonly evacMode: EvacMode; readonly ignoreSoftErrors?: boolean }
  | { readonly mode: "multi-allocate"; readonly instances: readonly NewInstanceSpec[] }
  /** Ganeti's IAReqGroupChange: instances by name, target groups by UUID. */
  | { readonly mode: "change-group"; readonly instances: readonly string[]; readonly targetGroups: readonly string[] };

type Json = unknown;

/** Ganeti's ComputeDiskSize: what the disks need on a node, DRBD's metadata included. */
export function computeDiskSize(disks: readonly { readonly size: number; readonly dev_type: string }[]): number {
  let total = 0;
  for (const d of disks) {
    if (d.dev_type === "diskless" || d.dev_type === "blockdev") continue;
    total += d.size + (d.dev_type === "drbd" ? DRBD_META_SIZE : 0);
  }
  return total;
}

const REQUIRED_NODES = (template: string): number => (template === "drbd" ? 2 : 1);

/**
 * The storage whose space a template's disks take, as the node reports it. Ganeti reports
 * lvm-vg for plain and drbd and the file storage directory for file; here drbd's data and
 * metadata volumes are files in the file storage directory, so drbd reports that too.
 * sharedfile, diskless and the rest are not reported (Ganeti's STS_REPORT): zero.
 */
function storageFor(cfg: ConfigData, template: string, info: NodeLiveInfo): { total: number; free: number } {
  const dir = cfg.cluster.file_storage_dir ?? "/srv/ganeti/file-storage";
  const want = template === "file" || template === "drbd" ? { type: "file", name: dir } : template === "plain"
    ? { type: "lvm-vg", name: cfg.cluster.volume_group_name ?? "" } : null;
  if (want === null) return { total: 0, free: 0 };
  const s = info.storage.find((x) => x.type === want.type && x.name === want.name);
  return s === undefined ? { total: 0, free: 0 } : { total: s.storage_size, free: s.storage_free };
}

function groupData(cfg: ConfigData): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const g of Object.values(cfg.nodegroups)) {
    out[g.uuid] = {
      name: g.name, alloc_policy: g.alloc_policy, networks: Object.keys(g.networks ?? {}),
      ipolicy: fillGroupIPolicy(cfg.cluster, g), tags: [...g.tags],
    };
  }
  return out;
}

/** Ganeti's _ComputeInstanceMemory: primaries' memory, and free memory as if every up instance had its maximum. */
function instanceMemory(cfg: ConfigData, node: Node, live: LiveNodeData): { pMem: number; pUpMem: number; free: number } {
  let pMem = 0;
  let pUpMem = 0;
  let free = live.info.memory_free;
  for (const inst of Object.values(cfg.instances)) {
    if (inst.primary_node !== node.uuid) continue;
    const maxmem = Number(fillInstanceBe(cfg.cluster, inst)["maxmem"]);
    pMem += maxmem;
    const used = live.instances[inst.name]?.memory ?? 0;
    if (inst.admin_state === "up" && inst.forthcoming !== true) {
      free -= Math.max(0, maxmem - used);
      pUpMem += maxmem;
    }
  }
  return { pMem, pUpMem, free };
}

function nodeData(cfg: ConfigData, live: LiveData, template: string): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const n of Object.values(cfg.nodes)) {
    const basic: Record<string, Json> = {
      tags: [...n.tags], primary_ip: n.primary_ip, secondary_ip: n.secondary_ip, offline: n.offline, drained: n.drained,
      master_candidate: n.master_candidate, group: n.group, master_capable: n.master_capable, vm_capable: n.vm_capable,
      ndparams: fillNodeNdParams(cfg, n),
    };
    const l = live.get(n.uuid);
    if (n.offline || !n.vm_capable || l === undefined) {
      out[n.name] = basic;
      continue;
    }
    const mem = instanceMemory(cfg, n, l);
    const disk = storageFor(cfg, template, l.info);
    out[n.name] = {
      total_memory: l.info.memory_total, reserved_memory: l.info.memory_dom0, free_memory: mem.free,
      total_disk: disk.total, free_disk: disk.free, total_spindles: 0, free_spindles: 0,
      total_cpus: l.info.cpu_total, reserved_cpus: l.info.cpu_dom0, i_pri_memory: mem.pMem, i_pri_up_memory: mem.pUpMem,
      ...basic,
    };
  }
  return out;
}

function nodeName(cfg: ConfigData, uuid: string): string {
  return cfg.nodes[uuid]?.name ?? uuid;
}

function instanceData(cfg: ConfigData): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const inst of Object.values(cfg.instances)) {
    const be = fillInstanceBe(cfg.cluster, inst);
    const nics = inst.nics.map((nic) => {
      const f = fillNic(cfg.cluster, nic);
      return { mac: nic.mac, ip: nic.ip ?? null, mode: f["mode"], link: f["link"], ...(f["mode"] === "bridged" ? { bridge: f["link"] } : {}) };
    });
    const disks = instanceDisks(cfg, inst).map((d: Disk) => ({ dev_type: d.dev_type, size: d.size, mode: d.mode ?? "rw", spindles: d.spindles ?? null }));
    out[inst.name] = {
      tags: [...inst.tags], admin_state: inst.admin_state, vcpus: be["vcpus"], memory: be["maxmem"], spindle_use: be["spindle_use"],
      os: inst.os, nodes: [nodeName(cfg, inst.primary_node), ...instanceSecondaryNodes(cfg, inst).map((u) => nodeName(cfg, u))],
      nics, disks, disk_template: instanceDiskTemplate(cfg, inst), disks_active: inst.disks_active ?? false,
      hypervisor: inst.hypervisor, disk_space_total: computeDiskSize(disks),
    };
  }
  return out;
}

/** A network given by name (as in an opcode) is sent by uuid, as Ganeti's NIC objects carry it. */
function allocRequest(cfg: ConfigData, s: NewInstanceSpec): Record<string, Json> {
  const disks = s.disks.map((d) => ({ ...d, dev_type: s.disk_template }));
  const nets = Object.values(cfg.networks ?? {});
  const nics = s.nics.map((nic) => {
    const net = nic["network"];
    const found = typeof net === "string" ? nets.find((x) => x.name === net || x.uuid === net) : undefined;
    return { ...nic, network: found?.uuid ?? (typeof net === "string" ? net : null) };
  });
  return {
    name: s.name, disk_template: s.disk_template, group_name: s.group_name ?? null, tags: [...s.tags], os: s.os, vcpus: s.vcpus,
    memory: s.memory, spindle_use: s.spindle_use, disks, disk_space_total: computeDiskSize(disks), nics,
    required_nodes: REQUIRED_NODES(s.disk_template), hypervisor: s.hypervisor,
  };
}

/** The template whose storage the nodes report (Ganeti: the request's, the instance's, else the first enabled). */
function requestTemplate(cfg: ConfigData, req: IARequest): string {
  if (req.mode === "allocate") return req.disk_template;
  if (req.mode === "allocate-secondary") return "drbd";
  if (req.mode === "relocate") {
    const inst = cfg.instances[req.instance];
    if (inst !== undefined) return instanceDiskTemplate(cfg, inst);
  }
  return cfg.cluster.enabled_disk_templates?.[0] ?? "diskless";
}

/** Ganeti's IAllocator._BuildInputData: the request as the allocator receives it. */
export function buildIAllocatorInput(cfg: ConfigData, live: LiveData, req: IARequest): Record<string, Json> {
  let request: Record<string, Json>;
  switch (req.mode) {
    case "allocate":
      request = allocRequest(cfg, req);
      if (req.node_whitelist !== undefined && req.node_whitelist !== null) request["restrict-to-nodes"] = [...req.node_whitelist];
      break;
    case "relocate": {
      const inst = cfg.instances[req.instance];
      if (inst === undefined) throw new OpExecError(`Unknown instance '${req.instance}' passed to IAllocator`, ErrorCode.fault);
      const disks = instanceDisks(cfg, inst).map((d) => ({ size: d.size, dev_type: d.dev_type }));
      request = { name: inst.name, disk_space_total: computeDiskSize(disks), required_nodes: 1, relocate_from: req.relocateFrom.map((u) => nodeName(cfg, u)) };
      break;
    }
    case "allocate-secondary": {
      const inst = cfg.instances[req.instance];
      if (inst === undefined) throw new OpExecError(`Unknown instance '${req.instance}' passed to IAllocator`, ErrorCode.fault);
      request = { name: inst.name };
      break;
    }
    case "node-evacuate":
      request = { instances: [...req.instances], evac_mode: req.evacMode };
      break;
    case "multi-allocate":
      request = { instances: req.instances.map((s) => allocRequest(cfg, s)) };
      break;
    case "change-group":
      request = { instances: [...req.instances], target_groups: [...req.targetGroups] };
      break;
  }
  const c = cfg.cluster;
  return {
    version: IALLOCATOR_VERSION, cluster_name: c.cluster_name, cluster_tags: [...c.tags], enabled_hypervisors: [...c.enabled_hypervisors],
    ipolicy: clusterIPolicy(c), nodegroups: groupData(cfg), nodes: nodeData(cfg, live, requestTemplate(cfg, req)),
    instances: instanceData(cfg), request: { ...request, type: req.mode },
  };
}

/** The allocator's answer, as Ganeti's IAllocator keeps it (success, info, result). */
export interface IAllocatorAnswer {
  readonly success: boolean;
  readonly info: string;
  readonly result: Json;
}

/** hail's command-line parameters from the cluster's default_iallocator_params and the request's extras. */
function allocOptions(params: Readonly<Record<string, unknown>>): AllocOptions {
  const restrict = params["restrict-allocation-to"];
  return {
    ignoreSoftErrors: "ignore-soft-errors" in params, capacity: !("no-capacity-checks" in params), capacityIgnoreGroups: [],
    restrictToNodes: typeof restrict === "string" ? restrict.split(",") : null, acceptExisting: false,
  };
}

/** Runs hail on the request text in-process (Ganeti runs the script on the master). */
export function runHail(inText: string, params: Readonly<Record<string, unknown>> = {}): IAllocatorAnswer {
  const r = processRequest(allocOptions(params), parseForHail(inText));
  return r.ok
    ? { success: true, info: `Request successful: ${r.value.info}`, result: r.value.result }
    : { success: false, info: `Request failed: ${r.error}`, result: [] };
}

/** Ganeti's IAReq*.ValidateResult: the result's shape for the request type. */
export function validateResult(req: IARequest, ans: IAllocatorAnswer): void {
  if (!ans.success) return;
  const r = ans.result;
  const bad = (): never => {
    throw new OpExecError(`iallocator returned an invalid result, expected ${req.mode} result, got ${JSON.stringify(r)}`);
  };
  if (req.mode === "allocate") {
    if (!Array.isArray(r)) bad();
    const want = REQUIRED_NODES(req.disk_template);
    if ((r as unknown[]).length !== want) {
      throw new OpExecError(`iallocator returned invalid number of nodes (${(r as unknown[]).length}), required ${want}`);
    }
  } else if (req.mode === "relocate") {
    if (!Array.isArray(r)) bad();
  } else if (req.mode === "allocate-secondary") {
    if (typeof r !== "string") bad();
  } else if (!Array.isArray(r) || r.length !== (req.mode === "node-evacuate" || req.mode === "change-group" ? 3 : 2)) bad();
}

/** Asks every online vm_capable node for its memory and storage (Ganeti's node_info and all_instances_info calls). */
export async function gatherLiveData(rpc: RpcClient, cfg: ConfigData): Promise<LiveData> {
  const nodes = Object.values(cfg.nodes).filter((n) => n.vm_capable !== false && !n.offline);
  const dirs = [cfg.cluster.file_storage_dir ?? "/srv/ganeti/file-storage"];
  const [info, insts] = await Promise.all([
    rpc.callMany(nodes.map(nodeTarget), "node_info", { storage_dirs: dirs }, 15),
    rpc.callMany(nodes.map(nodeTarget), "all_instances_info", { hypervisors: [...cfg.cluster.enabled_hypervisors] }, 15),
  ]);
  const out = new Map<string, LiveNodeData>();
  for (const n of nodes) {
    const i = info.get(n.name);
    if (i === undefined) throw new OpExecError(`Can't get data for node ${n.name}: no answer`);
    const payload = i.raise(`Can't get data for node ${n.name}`);
    const ii = insts.get(n.name);
    if (ii === undefined) throw new OpExecError(`Can't get node instance info from node ${n.name}: no answer`);
    out.set(n.uuid, { info: payload, instances: ii.raise(`Can't get node instance info from node ${n.name}`) });
  }
  return out;
}

/** Python's json.dumps (Ganeti's serializer.DumpJson): ", " and ": " separators, ASCII only. */
export function pyJsonDumps(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (typeof v === "number" || typeof v === "boolean") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(pyJsonDumps).join(", ")}]`;
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${pyJsonDumps(k)}: ${pyJsonDumps(x)}`).join(", ")}}`;
}

/** The request text the allocator reads (OP_TEST_ALLOCATOR's direction "in"). */
export async function iallocatorInputText(rpc: RpcClient, cfg: ConfigData, req: IARequest): Promise<string> {
  return `${pyJsonDumps(buildIAllocatorInput(cfg, await gatherLiveData(rpc, cfg), req))}\n`;
}

/** hail's answer text to a request text, unvalidated (OP_TEST_ALLOCATOR's direction "out"). */
export function hailOutputText(inText: string, params: Readonly<Record<string, unknown>> = {}): string {
  return formatResponse(processRequest(allocOptions(params), parseForHail(inText)));
}

/** hail's parse of a request; a request it can't read fails as Ganeti reports hail's exit. */
function parseForHail(inText: string): Parameters<typeof processRequest>[1] {
  const parsed = parseRequest(inText);
  if (!parsed.ok) {
    throw new OpExecError(`Failure while running the iallocator script: iallocator module 'hail' failed: exited with exit code 1, ` +
      `output 'Error: ${parsed.error}'`);
  }
  return parsed.value;
}

/** Builds the request, runs hail on it and checks the result's shape. */
export async function runIAllocatorRequest(rpc: RpcClient, cfg: ConfigData, req: IARequest): Promise<IAllocatorAnswer> {
  const live = await gatherLiveData(rpc, cfg);
  const input = buildIAllocatorInput(cfg, live, req);
  const params: Record<string, unknown> = { ...(cfg.cluster.default_iallocator_params ?? {}) };
  if (req.mode === "node-evacuate" && req.ignoreSoftErrors === true) params["ignore-soft-errors"] = null;
  const ans = runHail(JSON.stringify(input), params);
  validateResult(req, ans);
  return ans;
}

/** The instance's data for an allocate request of its own (recreate-disks -I). */
export function instanceAllocSpec(cfg: ConfigData, inst: Instance): NewInstanceSpec {
  const be = fillInstanceBe(cfg.cluster, inst);
  return {
    name: inst.name, disk_template: instanceDiskTemplate(cfg, inst),
    disks: instanceDisks(cfg, inst).map((d) => ({ size: d.size, mode: d.mode ?? "rw", spindles: d.spindles ?? null })),
    memory: Number(be["maxmem"]), vcpus: Number(be["vcpus"]), spindle_use: Number(be["spindle_use"]), tags: [...inst.tags], os: inst.os,
    nics: [{}], hypervisor: inst.hypervisor, group_name: null, node_whitelist: null,
  };
}
