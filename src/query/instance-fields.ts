// Instance fields (Ganeti's INSTANCE_FIELDS) that the configuration answers, plus the
// live state ones (oper_state, oper_ram, oper_vcpus, status) from hypervisor data.
// Indexed fields (disk.size/N, nic.mac/N) exist for Ganeti's maxima: 16 disks, 8 NICs.

import { fillInstanceBe, fillInstanceHv, fillInstanceOs, fillNic, instanceDisks, instanceDiskTemplate, instanceSecondaryNodes } from "../objects/fill.js";
import type { Instance, Nic } from "../objects/types.js";
import { field, ordinal, timestampFields } from "./common.js";
import { FS_NODATA, FS_UNAVAIL, type FieldDef, type FieldKind, type QueryContext } from "./types.js";

type InstField = FieldDef<QueryContext, Instance>;
const MAX_DISKS = 16;
const MAX_NICS = 8;

const nodeName = (c: QueryContext, uuid: string) => c.cfg.nodes[uuid]?.name ?? uuid;
const groupOfNode = (c: QueryContext, uuid: string) => c.cfg.nodegroups[c.cfg.nodes[uuid]?.group ?? ""];

/** Ganeti's status word for an instance (_GetInstStatus). */
export function instanceStatus(c: QueryContext, i: Instance): string {
  const pnode = c.cfg.nodes[i.primary_node];
  if (pnode?.offline === true) return "ERROR_nodeoffline";
  if (c.badNodes?.includes(i.primary_node) === true) return "ERROR_nodedown";
  const live = c.instanceLive?.[i.uuid];
  if (live === undefined) {
    if (i.admin_state === "up") return "ERROR_down";
    if (i.admin_state === "down") return i.admin_state_source === "user" ? "USER_down" : "ADMIN_down";
    return "ADMIN_offline";
  }
  if (live.node !== undefined && live.node !== i.primary_node) return "ERROR_wrongnode";
  if (live.state === "shutdown") {
    const hv = fillInstanceHv(c.cfg.cluster, i, true);
    const userdown = c.cfg.cluster.enabled_user_shutdown === true && (i.hypervisor !== "kvm" || hv["user_shutdown"] === true);
    if (i.admin_state === "up") return userdown ? "USER_down" : "ERROR_down";
    return "ADMIN_down";
  }
  return i.admin_state === "up" ? "running" : "ERROR_up";
}

function liveValue(pick: "memory" | "vcpus") {
  return (c: QueryContext, i: Instance) => {
    if (c.badNodes?.includes(i.primary_node) === true || c.cfg.nodes[i.primary_node]?.offline === true) return FS_NODATA;
    const live = c.instanceLive?.[i.uuid];
    // Not running: unavailable (Ganeti 3.0's Query/Instance.hs, rsUnavail), which RAPI
    // clients such as htools' -m read as "use the configured memory"
    if (live === undefined) return FS_UNAVAIL;
    return live[pick] ?? FS_UNAVAIL;
  };
}

const nicParam = (c: QueryContext, n: Nic, p: string) => fillNic(c.cfg.cluster, n)[p];
const nicBridge = (c: QueryContext, n: Nic) => (nicParam(c, n, "mode") === "bridged" ? nicParam(c, n, "link") : null);
const NIC_ATTRS: readonly [string, string, string, string, (c: QueryContext, n: Nic) => unknown][] = [
  ["ip", "NicIP", "nic.ips", "IP address", (_c, n) => n.ip ?? null],
  ["mac", "NicMAC", "nic.macs", "MAC address", (_c, n) => n.mac],
  ["name", "NicName", "nic.names", "Name address", (_c, n) => n.name ?? null],
  ["uuid", "NicUUID", "nic.uuids", "UUID address", (_c, n) => n.uuid ?? null],
  ["mode", "NicMode", "nic.modes", "Mode", (c, n) => nicParam(c, n, "mode")],
  ["link", "NicLink", "nic.links", "Link", (c, n) => nicParam(c, n, "link")],
  ["bridge", "NicBridge", "nic.bridges", "Bridge", nicBridge],
  ["vlan", "NicVLAN", "nic.vlans", "VLAN", (c, n) => nicParam(c, n, "vlan")],
  ["network", "NicNetwork", "nic.networks", "Network", (_c, n) => n.network ?? null],
];

function nicFields(): InstField[] {
  const out: InstField[] = [
    field("nic.count", "NICs", "number", "config", "Number of network interfaces", (_c, i: Instance) => i.nics.length),
  ];
  for (const [, , list, , get] of NIC_ATTRS) {
    const what = list === "nic.networks" ? "interface's network" : `network interface's ${list.slice(4, -1).replace("mac", "MAC address").replace("ip", "IP address").replace("uuid", "UUID").replace("vlan", "VLAN")}`;
    out.push(field(list, `NIC_${list.slice(4).replace("macs", "MACs").replace("ips", "IPs").replace("names", "Names").replace("uuids", "UUIDs").replace("vlans", "VLANs")}`,
      "other", "config", `List containing each ${what}`, (c: QueryContext, i: Instance) => i.nics.map((n) => get(c, n))));
  }
  out.push(field("nic.networks.names", "NIC_networks_names", "other", "config", "List containing each interface's network",
    (c: QueryContext, i: Instance) => i.nics.map((n) => (n.network ? c.cfg.networks[n.network]?.name ?? null : null))));
  for (let idx = 0; idx < MAX_NICS; idx++) {
    for (const [attr, title, , doc, get] of NIC_ATTRS) {
      out.push(field(`nic.${attr}/${idx}`, `${title}/${idx}`, "text", "config", `${doc} of ${ordinal(idx + 1)} network interface`,
        (c: QueryContext, i: Instance) => { const n = i.nics[idx]; return n === undefined ? FS_UNAVAIL : get(c, n); }));
    }
  }
  return out;
}

function diskFields(): InstField[] {
  const out: InstField[] = [
    field("disk.count", "Disks", "number", "config", "Number of disks", (_c, i: Instance) => i.disks.length),
    field("disk.sizes", "Disk_sizes", "other", "config", "List of disk sizes", (c: QueryContext, i: Instance) => instanceDisks(c.cfg, i).map((d) => d.size)),
    field("disk.spindles", "Disk_spindles", "other", "config", "List of disk spindles", (c: QueryContext, i: Instance) => instanceDisks(c.cfg, i).map((d) => d.spindles ?? null)),
    field("disk.names", "Disk_names", "other", "config", "List of disk names", (c: QueryContext, i: Instance) => instanceDisks(c.cfg, i).map((d) => d.name ?? null)),
    field("disk.uuids", "Disk_UUIDs", "other", "config", "List of disk UUIDs", (c: QueryContext, i: Instance) => instanceDisks(c.cfg, i).map((d) => d.uuid ?? null)),
  ];
  const attrs: readonly [string, string, FieldKind, string, (d: ReturnType<typeof instanceDisks>[number]) => unknown][] = [
    ["size", "Disk", "unit", "Disk size", (d) => d.size],
    ["spindles", "DiskSpindles", "number", "Spindles", (d) => d.spindles ?? FS_UNAVAIL],
    ["name", "DiskName", "text", "Name", (d) => d.name ?? null],
    ["uuid", "DiskUUID", "text", "UUID", (d) => d.uuid ?? null],
  ];
  for (let idx = 0; idx < MAX_DISKS; idx++) {
    for (const [attr, title, kind, doc, get] of attrs) {
      out.push(field(`disk.${attr}/${idx}`, `${title}/${idx}`, kind, "config", `${doc} of ${ordinal(idx + 1)} disk`,
        (c: QueryContext, i: Instance) => { const d = instanceDisks(c.cfg, i)[idx]; return d === undefined ? FS_UNAVAIL : get(d); }));
    }
  }
  return out;
}

const BE_FIELDS: readonly [string, string, FieldKind][] = [
  ["always_failover", "be/always_failover", "bool"], ["auto_balance", "Auto_balance", "bool"],
  ["maxmem", "ConfigMaxMem", "unit"], ["minmem", "ConfigMinMem", "unit"],
  ["spindle_use", "be/spindle_use", "number"], ["vcpus", "ConfigVCPUs", "number"],
];

export const INSTANCE_FIELDS: readonly InstField[] = [
  field("pnode", "Primary_node", "text", "nodes", "Primary node", (c: QueryContext, i: Instance) => nodeName(c, i.primary_node)),
  field("pnode.group", "PrimaryNodeGroup", "text", "nodes", "Primary node's group", (c: QueryContext, i: Instance) => groupOfNode(c, i.primary_node)?.name ?? FS_UNAVAIL),
  field("pnode.group.uuid", "PrimaryNodeGroupUUID", "text", "nodes", "Primary node's group UUID", (c: QueryContext, i: Instance) => groupOfNode(c, i.primary_node)?.uuid ?? FS_UNAVAIL),
  field("snodes", "Secondary_Nodes", "other", "nodes", "Secondary nodes; usually this will just be one node",
    (c: QueryContext, i: Instance) => instanceSecondaryNodes(c.cfg, i).map((u) => nodeName(c, u))),
  field("snodes.group", "SecondaryNodesGroups", "other", "nodes", "Node groups of secondary nodes",
    (c: QueryContext, i: Instance) => instanceSecondaryNodes(c.cfg, i).map((u) => groupOfNode(c, u)?.name ?? null)),
  field("snodes.group.uuid", "SecondaryNodesGroupsUUID", "other", "nodes", "Node group UUIDs of secondary nodes",
    (c: QueryContext, i: Instance) => instanceSecondaryNodes(c.cfg, i).map((u) => groupOfNode(c, u)?.uuid ?? null)),
  field("admin_state", "InstanceState", "text", "config", "Desired state of the instance", (_c, i: Instance) => i.admin_state),
  field("admin_up", "Autostart", "bool", "config", "Desired state of the instance", (_c, i: Instance) => i.admin_state === "up"),
  field("admin_state_source", "InstanceStateSource", "text", "config", "Who last changed the desired state of the instance", (_c, i: Instance) => i.admin_state_source ?? FS_UNAVAIL),
  field("disks_active", "DisksActive", "bool", "config", "Desired state of the instance disks", (_c, i: Instance) => i.disks_active ?? false),
  field("tags", "Tags", "other", "config", "Tags", (_c, i: Instance) => [...i.tags]),
  field("forthcoming", "Forthcoming", "bool", "config", "Whether the Instance is forthcoming", (_c, i: Instance) => i.forthcoming ?? false),
  field("disk_template", "Disk_template", "text", "config", "Instance disk template", (c: QueryContext, i: Instance) => instanceDiskTemplate(c.cfg, i)),
  field("hypervisor", "Hypervisor", "text", "config", "Hypervisor name", (_c, i: Instance) => i.hypervisor),
  field("name", "Instance", "text", "config", "Instance name", (_c, i: Instance) => i.name),
  field("network_port", "Network_port", "other", "config", "Instance network port if available (e.g. for VNC console)", (_c, i: Instance) => i.network_port ?? FS_UNAVAIL),
  field("os", "OS", "text", "config", "Operating system", (_c, i: Instance) => i.os),
  field("serial_no", "SerialNo", "number", "config", "Instance object serial number, incremented on each modification", (_c, i: Instance) => i.serial_no),
  field("uuid", "UUID", "text", "config", "Instance UUID", (_c, i: Instance) => i.uuid),
  field("oper_state", "Running", "bool", "live", "Actual state of instance", (c: QueryContext, i: Instance) => {
    if (c.badNodes?.includes(i.primary_node) === true || c.cfg.nodes[i.primary_node]?.offline === true) return FS_NODATA;
    return c.instanceLive?.[i.uuid] !== undefined;
  }),
  field("oper_ram", "Memory", "unit", "live", "Actual memory usage as seen by hypervisor", liveValue("memory")),
  field("oper_vcpus", "VCPUs", "number", "live", "Actual number of VCPUs as seen by hypervisor", liveValue("vcpus")),
  // The doc text is Ganeti's verbatim, odd word order included: `list-fields` output must match.
  field("status", "Status", "text", "live",
    "Instance status; \"running\" if instance is set to be running and actually is, \"ADMIN_down\" if instance is stopped and is not running, \"ERROR_wrongnode\" if instance running, but not on its designated primary node, \"ERROR_up\" if instance should be stopped, but is actually running, \"ERROR_down\" if instance should run, but doesn't, \"ERROR_nodedown\" if instance's primary node is down, \"ERROR_nodeoffline\" if instance's primary node is marked offline, \"ADMIN_offline\" if instance is offline and does not use dynamic, \"USER_down\" if the user shutdown the instance resources",
    instanceStatus),
  ...nicFields(),
  field("hvparams", "HypervisorParameters", "other", "config", "Hypervisor parameters (merged)", (c: QueryContext, i: Instance) => fillInstanceHv(c.cfg.cluster, i, true)),
  field("beparams", "BackendParameters", "other", "config", "Backend parameters (merged)", (c: QueryContext, i: Instance) => fillInstanceBe(c.cfg.cluster, i)),
  field("osparams", "OpSysParameters", "other", "config", "Operating system parameters (merged)", (c: QueryContext, i: Instance) => fillInstanceOs(c.cfg.cluster, i)),
  field("custom_hvparams", "CustomHypervisorParameters", "other", "config", "Custom hypervisor parameters", (_c, i: Instance) => ({ ...i.hvparams })),
  field("custom_beparams", "CustomBackendParameters", "other", "config", "Custom backend parameters", (_c, i: Instance) => ({ ...i.beparams })),
  field("custom_osparams", "CustomOpSysParameters", "other", "config", "Custom operating system parameters", (_c, i: Instance) => ({ ...i.osparams })),
  field("custom_nicparams", "CustomNicParameters", "other", "config", "Custom network interface parameters", (_c, i: Instance) => i.nics.map((n) => ({ ...n.nicparams }))),
  ...BE_FIELDS.map(([p, title, kind]) => field(`be/${p}`, title, kind, "config", `The "${p}" backend parameter`,
    (c: QueryContext, i: Instance) => fillInstanceBe(c.cfg.cluster, i)[p] ?? FS_UNAVAIL)),
  field("disk_usage", "DiskUsage", "unit", "config", "Total disk space used by instance on each of its nodes; this is not the disk size visible to the instance, but the usage on the node",
    (c: QueryContext, i: Instance) => instanceDisks(c.cfg, i).reduce((sum, d) => sum + d.size + (d.dev_type === "drbd" ? 128 : 0), 0)),
  ...diskFields(),
  ...timestampFields<QueryContext, Instance>("config"),
  field("vcpus", "ConfigVCPUs", "number", "config", "The \"vcpus\" backend parameter", (c: QueryContext, i: Instance) => fillInstanceBe(c.cfg.cluster, i)["vcpus"] ?? FS_UNAVAIL),
  field("be/memory", "ConfigMaxMem", "unit", "config", "The \"maxmem\" backend parameter", (c: QueryContext, i: Instance) => fillInstanceBe(c.cfg.cluster, i)["maxmem"] ?? FS_UNAVAIL),
];

/** `gnt-instance list` without -o. */
export const INSTANCE_DEFAULT_FIELDS: readonly string[] = ["name", "hypervisor", "os", "pnode", "status", "oper_ram"];
