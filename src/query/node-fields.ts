// Node fields (Ganeti's NODE_FIELDS): configuration, role, instance counts, and live
// figures from the node_info RPC (memory, storage, CPUs), which are "offline" for offline
// nodes, "unavail" for nodes that cannot host VMs and "nodata" when the RPC gave nothing.

import { fillNodeNdParams, nodeRole, primaryInstances, secondaryInstances } from "../objects/fill.js";
import type { Node } from "../objects/types.js";
import { field, niceSort, timestampFields } from "./common.js";
import { Abnormal, FS_NODATA, FS_OFFLINE, FS_UNAVAIL, type FieldDef, type FieldKind, type NodeLive, type QueryContext } from "./types.js";

type NodeField = FieldDef<QueryContext, Node>;

function liveField(name: string, title: string, kind: FieldKind, doc: string, pick: (l: NodeLive) => unknown): NodeField {
  return field(name, title, kind, "live", doc, (ctx: QueryContext, node: Node) => {
    if (node.offline) return FS_OFFLINE;
    if (!node.vm_capable) return FS_UNAVAIL;
    const live = ctx.live?.[node.uuid];
    if (live === undefined) return FS_NODATA;
    const v = pick(live);
    if (v === undefined || v === null) return FS_UNAVAIL;
    if (kind === "text") return v;
    const n = typeof v === "number" ? Math.trunc(v) : Number.parseInt(String(v), 10);
    return Number.isFinite(n) ? n : FS_UNAVAIL;
  });
}

/** Node parameters with Ganeti's titles and kinds (NDS_PARAMETER_TITLES/TYPES). */
const ND_PARAMS: readonly [string, string, FieldKind][] = [
  ["cpu_speed", "ndp/cpu_speed", "float"],
  ["exclusive_storage", "ExclusiveStorage", "bool"],
  ["oob_program", "OutOfBandProgram", "other"],
  ["ovs", "OpenvSwitch", "bool"],
  ["ovs_link", "OpenvSwitchLink", "other"],
  ["ovs_name", "OpenvSwitchName", "other"],
  ["spindle_count", "SpindleCount", "number"],
  ["ssh_port", "ndp/ssh_port", "number"],
];

export function ndParamFields<Item>(needs: "groups" | "config", fill: (ctx: QueryContext, item: Item) => Record<string, unknown> | Abnormal): FieldDef<QueryContext, Item>[] {
  return ND_PARAMS.map(([p, title, kind]) => field(`ndp/${p}`, title, kind, needs, `The "${p}" node parameter`,
    (ctx: QueryContext, item: Item) => {
      const nd = fill(ctx, item);
      return nd instanceof Abnormal ? nd : nd[p] ?? FS_UNAVAIL;
    }));
}

function groupOf(ctx: QueryContext, node: Node) {
  return ctx.cfg.nodegroups[node.group];
}

function instanceNames(ctx: QueryContext, uuids: readonly string[]): string[] {
  return niceSort(uuids.map((u) => ctx.cfg.instances[u]?.name ?? u));
}

const firstStorage = (l: NodeLive) => l.storage?.[0];

export const NODE_FIELDS: readonly NodeField[] = [
  field("pip", "PrimaryIP", "text", "config", "Primary IP address", (_c, n: Node) => n.primary_ip),
  field("sip", "SecondaryIP", "text", "config", "Secondary IP address", (_c, n: Node) => n.secondary_ip),
  field("tags", "Tags", "other", "config", "Tags", (_c, n: Node) => [...n.tags]),
  field("master", "IsMaster", "bool", "config", "Whether node is master", (c: QueryContext, n: Node) => n.uuid === c.cfg.cluster.master_node),
  field("group", "Group", "text", "groups", "Node group", (c: QueryContext, n: Node) => groupOf(c, n)?.name ?? FS_UNAVAIL),
  field("group.uuid", "GroupUUID", "text", "config", "UUID of node group", (_c, n: Node) => n.group),
  field("powered", "Powered", "bool", "oob", "Whether node is thought to be powered on",
    (c: QueryContext, n: Node) => (c.oobSupport?.[n.uuid] === true ? n.powered : FS_UNAVAIL)),
  field("ndparams", "NodeParameters", "other", "groups", "Merged node parameters",
    (c: QueryContext, n: Node) => (groupOf(c, n) === undefined ? FS_UNAVAIL : fillNodeNdParams(c.cfg, n))),
  field("custom_ndparams", "CustomNodeParameters", "other", "groups", "Custom node parameters",
    (c: QueryContext, n: Node) => (groupOf(c, n) === undefined ? FS_UNAVAIL : { ...n.ndparams })),
  field("hv_state", "HypervisorState", "other", "config", "Hypervisor state", (_c, n: Node) => n["hv_state"] ?? FS_UNAVAIL),
  field("disk_state", "DiskState", "other", "config", "Disk state", (_c, n: Node) => n["disk_state"] ?? FS_UNAVAIL),
  ...ndParamFields<Node>("groups", (c, n) => (groupOf(c, n) === undefined ? FS_UNAVAIL : fillNodeNdParams(c.cfg, n))),
  field("role", "Role", "text", "config",
    "Node role; \"M\" for master, \"C\" for master candidate, \"R\" for regular, \"D\" for drained, \"O\" for offline",
    (c: QueryContext, n: Node) => nodeRole(c.cfg, n)),
  field("pinst_cnt", "Pinst", "number", "instances", "Number of instances with this node as primary",
    (c: QueryContext, n: Node) => primaryInstances(c.cfg, n.uuid).length),
  field("pinst_list", "PriInstances", "other", "instances", "List of instances with this node as primary",
    (c: QueryContext, n: Node) => instanceNames(c, primaryInstances(c.cfg, n.uuid))),
  field("sinst_cnt", "Sinst", "number", "instances", "Number of instances with this node as secondary",
    (c: QueryContext, n: Node) => secondaryInstances(c.cfg, n.uuid).length),
  field("sinst_list", "SecInstances", "other", "instances", "List of instances with this node as secondary",
    (c: QueryContext, n: Node) => instanceNames(c, secondaryInstances(c.cfg, n.uuid))),
  field("drained", "Drained", "bool", "config", "Whether node is drained", (_c, n: Node) => n.drained),
  field("master_candidate", "MasterC", "bool", "config", "Whether node is a master candidate", (_c, n: Node) => n.master_candidate),
  field("master_capable", "MasterCapable", "bool", "config", "Whether node can become a master candidate", (_c, n: Node) => n.master_capable),
  field("name", "Node", "text", "config", "Node name", (_c, n: Node) => n.name),
  field("offline", "Offline", "bool", "config", "Whether node is marked offline", (_c, n: Node) => n.offline),
  field("serial_no", "SerialNo", "number", "config", "Node object serial number, incremented on each modification", (_c, n: Node) => n.serial_no),
  field("uuid", "UUID", "text", "config", "Node UUID", (_c, n: Node) => n.uuid),
  field("vm_capable", "VMCapable", "bool", "config", "Whether node can host instances", (_c, n: Node) => n.vm_capable),
  liveField("bootid", "BootID", "text", "Random UUID renewed for each system reboot, can be used for detecting reboots by tracking changes", (l) => l.bootid),
  liveField("cnodes", "CNodes", "number", "Number of NUMA domains on node (if exported by hypervisor)", (l) => l.cpu_nodes),
  liveField("cnos", "CNOs", "number", "Number of logical processors used by the node OS (dom0 for Xen)", (l) => l.cpu_dom0),
  liveField("csockets", "CSockets", "number", "Number of physical CPU sockets (if exported by hypervisor)", (l) => l.cpu_sockets),
  liveField("ctotal", "CTotal", "number", "Number of logical processors", (l) => l.cpu_total),
  liveField("dfree", "DFree", "unit", "Available storage space in storage unit", (l) => firstStorage(l)?.storage_free),
  liveField("dtotal", "DTotal", "unit", "Total storage space in storage unit used for instance disk allocation", (l) => firstStorage(l)?.storage_size),
  liveField("spfree", "SpFree", "number", "Available spindles in volume group (exclusive storage only)", (l) => l.spindles_free),
  liveField("sptotal", "SpTotal", "number", "Total spindles in volume group (exclusive storage only)", (l) => l.spindles_total),
  liveField("mfree", "MFree", "unit", "Memory available for instance allocations", (l) => l.memory_free),
  liveField("mnode", "MNode", "unit", "Amount of memory used by node (dom0 for Xen)", (l) => l.memory_dom0),
  liveField("mtotal", "MTotal", "unit", "Total amount of memory of physical machine", (l) => l.memory_total),
  ...timestampFields<QueryContext, Node>("config"),
];

/** `gnt-node list` without -o. */
export const NODE_DEFAULT_FIELDS: readonly string[] = ["name", "dtotal", "dfree", "mtotal", "mnode", "mfree", "pinst_cnt", "sinst_cnt"];
