// Ganeti's ConfigWriter.VerifyConfig, the configuration's own consistency (what
// gnt-cluster verify reports under "Verifying cluster config"): objects indexed by their
// uuids, instances' nodes and disks present, duplicate MACs, TCP/UDP ports and IP
// addresses, the highest used port, node flags and groups, node group names. Pure: a
// configuration in, Ganeti's messages out.
import type { ConfigData } from "./types.js";
import { fillInstanceHv, fillNic, hvDefaults } from "./fill.js";
import { HVC_DEFAULTS } from "./hv-defaults.js";
import { instanceDisks } from "./topology.js";

const UUID_RE = /^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$/;
const py = (b: boolean): string => (b ? "True" : "False");

export function verifyConfig(cfg: ConfigData): string[] {
  const result: string[] = [];
  const c = cfg.cluster;
  const ports = new Map<number, string[]>();
  const addPort = (p: number, owner: string): void => void ports.set(p, [...(ports.get(p) ?? []), owner]);
  const macs = new Set<string>();
  for (const [key, inst] of Object.entries(cfg.instances)) {
    if (inst.uuid !== key) result.push(`instance '${inst.name}' is indexed by wrong UUID '${key}'`);
    if (cfg.nodes[inst.primary_node] === undefined) result.push(`instance '${inst.name}' has invalid primary node '${inst.primary_node}'`);
    inst.nics.forEach((nic, idx) => {
      if (macs.has(nic.mac)) result.push(`instance '${inst.name}' has NIC ${idx} mac ${nic.mac} duplicate`);
      else macs.add(nic.mac);
    });
    for (const d of inst.disks) if (cfg.disks[d] === undefined) result.push(`Instance '${inst.name}' has invalid disk '${d}'`);
    instanceDisks(cfg, inst).forEach((d, idx) => {
      if (d.dev_type !== "drbd" && d.dev_type !== "drbd8") return;
      for (const n of d.logical_id.slice(0, 2)) {
        if (n !== inst.primary_node && cfg.nodes[String(n)] === undefined) result.push(`instance '${inst.name}' has invalid secondary node '${String(n)}'`);
      }
      addPort(Number(d.logical_id[2]), `${inst.name}/drbd disk ${idx}`);
    });
    if (typeof inst.network_port === "number") addPort(inst.network_port, `${inst.name}/network port`);
  }
  for (const p of c.tcpudp_port_pool ?? []) addPort(p, "cluster/port marked as free");
  const keys = [...ports.keys()].sort((a, b) => a - b);
  for (const p of keys) {
    const owners = ports.get(p) ?? [];
    if (owners.length > 1) result.push(`tcp/udp port ${p} has duplicates: ${owners.join(", ")}`);
  }
  const top = keys.at(-1);
  if (top !== undefined && top > (c.highest_used_port ?? 0)) result.push(`Highest used port mismatch, saved ${c.highest_used_port ?? 0}, computed ${top}`);
  const master = cfg.nodes[c.master_node];
  if (master !== undefined && !master.master_candidate) result.push("Master node is not a master candidate");
  for (const [key, n] of Object.entries(cfg.nodes)) {
    if (n.uuid !== key) result.push(`Node '${n.name}' is indexed by wrong UUID '${key}'`);
    if ([n.master_candidate, n.drained, n.offline].filter((x) => x).length > 1) {
      result.push(`Node ${n.name} state is invalid: master_candidate=${py(n.master_candidate)}, drain=${py(n.drained)}, offline=${py(n.offline)}`);
    }
    if (cfg.nodegroups[n.group] === undefined) result.push(`Node '${n.name}' has invalid group '${n.group}'`);
  }
  const groupNames = new Set<string>();
  for (const [key, g] of Object.entries(cfg.nodegroups)) {
    if (g.uuid !== key) result.push(`node group '${g.name}' (uuid: '${g.uuid}') indexed by wrong uuid '${key}'`);
    if (UUID_RE.test(g.name.toLowerCase())) result.push(`node group '${g.name}' (uuid: '${g.uuid}') has uuid-like name`);
    if (groupNames.has(g.name)) result.push(`duplicate node group name '${g.name}'`);
    groupNames.add(g.name);
  }
  // IP addresses: the cluster's, the nodes', and the instances' per link and network.
  const ips = new Map<string, string[]>();
  const addIp = (ip: string, owner: string): void => void ips.set(ip, [...(ips.get(ip) ?? []), owner]);
  addIp(c.master_ip, "cluster_ip");
  for (const n of Object.values(cfg.nodes)) {
    addIp(n.primary_ip, `node:${n.name}/primary`);
    if (n.secondary_ip !== n.primary_ip) addIp(n.secondary_ip, `node:${n.name}/secondary`);
  }
  for (const inst of Object.values(cfg.instances)) {
    inst.nics.forEach((nic, idx) => {
      if (nic.ip === null || nic.ip === undefined) return;
      const p = fillNic(c, nic);
      const kind = p["mode"] === "routed" ? "route" : p["mode"] === "openvswitch" ? "ovs" : "bridge";
      addIp(`${kind}:${String(p["link"])}/${nic.ip}/${nic.network ?? "None"}`, `instance:${inst.name}/nic:${idx}`);
    });
  }
  for (const [ip, owners] of ips) if (owners.length > 1) result.push(`IP address ${ip} is used by multiple owners: ${owners.join(", ")}`);
  return result;
}

/** Every hypervisor's parameter names (Ganeti's HVS_PARAMETER_TYPES keys). */
const ALL_HV_PARAMS: ReadonlySet<string> = new Set(Object.values(HVC_DEFAULTS).flatMap((d) => Object.keys(d)));

/**
 * Ganeti's hypervisor parameter syntax check for verify (ForceDictType over every
 * hypervisor's names, then hv_base.CheckParameterSyntax): the fake hypervisor's own
 * parameters and migration mode; for hypervisors not built here, only known names.
 * Null when fine.
 */
export function checkHvParamSyntax(hv: string, params: Readonly<Record<string, unknown>>): string | null {
  const own = HVC_DEFAULTS[hv as keyof typeof HVC_DEFAULTS] as Readonly<Record<string, unknown>> | undefined;
  if (own === undefined) return `Unknown hypervisor type '${hv}'`;
  for (const k of Object.keys(params)) if (!ALL_HV_PARAMS.has(k)) return `Unknown parameter '${k}'`;
  if (hv === "fake") {
    for (const k of Object.keys(params)) if (!Object.hasOwn(own, k)) return `Parameter '${k}' is not supported`;
    const mode = params["migration_mode"];
    if (mode === undefined) return "Parameter 'migration_mode' is missing";
    if (mode === null || mode === "") return "Parameter 'migration_mode' is required but is currently not defined";
    if (mode !== "live" && mode !== "non-live") return `Parameter 'migration_mode' fails syntax check: invalid migration mode (current value: '${String(mode)}')`;
  }
  return null;
}

/** Ganeti's _GetAllHypervisorParameters + _VerifyHVP: the cluster's, the OSes' and the instances' parameters. */
export function verifyHvParams(cfg: ConfigData): string[] {
  const c = cfg.cluster;
  const data: Array<[string, string, Record<string, unknown>]> = c.enabled_hypervisors.map((hv) => ["cluster", hv, hvDefaults(c, hv)]);
  for (const [os, byHv] of Object.entries(c.os_hvp ?? {})) {
    for (const [hv, p] of Object.entries(byHv)) if (Object.keys(p).length > 0) data.push([`os ${os}`, hv, hvDefaults(c, hv, os)]);
  }
  for (const inst of Object.values(cfg.instances)) {
    if (Object.keys(inst.hvparams).length > 0) data.push([`instance ${inst.name}`, inst.hypervisor, fillInstanceHv(c, inst)]);
  }
  const out: string[] = [];
  for (const [item, hv, params] of data) {
    const err = checkHvParamSyntax(hv, params);
    if (err !== null) out.push(`hypervisor ${item} parameters syntax check (source ${hv}): ${err}`);
  }
  return out;
}
