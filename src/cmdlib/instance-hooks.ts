// The hooks environment of an instance (Ganeti's BuildInstanceHookEnvByObject, with
// BuildDiskEnv and NICToTuple) and the nodes instance hooks run on: what hook scripts in
// /etc/ganeti/hooks/instance-*.d see as GANETI_INSTANCE_*.
import type { ConfigData, Disk, Instance, Network } from "../objects/types.js";
import { fillInstanceBe, fillInstanceHv, fillNic, instanceDisks } from "../objects/fill.js";
import { instanceDiskTemplate, instanceNodes, instanceSecondaryNodes } from "../objects/topology.js";
import { pyStr } from "../query/format.js";

/** Ganeti's Network.HooksDict(prefix). */
export function networkHooksDict(n: Network, prefix: string): Record<string, string> {
  const env: Record<string, string> = { [`${prefix}NETWORK_NAME`]: n.name, [`${prefix}NETWORK_UUID`]: n.uuid,
    [`${prefix}NETWORK_TAGS`]: (n.tags ?? []).join(" ") };
  const opt: Array<[string, string | null | undefined]> = [["SUBNET", n.network], ["GATEWAY", n.gateway], ["SUBNET6", n.network6],
    ["GATEWAY6", n.gateway6], ["MAC_PREFIX", n.mac_prefix]];
  for (const [k, v] of opt) if (v !== null && v !== undefined && v !== "") env[`${prefix}NETWORK_${k}`] = v;
  return env;
}

/** Ganeti's BuildDiskLogicalIDEnv and BuildDiskEnv for one disk. */
function diskEnv(idx: number, d: Disk): Record<string, string> {
  const p = `INSTANCE_DISK${idx}_`;
  const id = d.logical_id.map((x) => pyStr(x));
  const env: Record<string, string> = {};
  if (d.dev_type === "plain") Object.assign(env, { [`${p}VG`]: id[0], [`${p}ID`]: id[1] });
  else if (d.dev_type === "file" || d.dev_type === "sharedfile" || d.dev_type === "blockdev" || d.dev_type === "rbd" || d.dev_type === "gluster") {
    Object.assign(env, { [`${p}DRIVER`]: id[0], [`${p}ID`]: id[1] });
  } else if (d.dev_type === "ext") Object.assign(env, { [`${p}PROVIDER`]: id[0], [`${p}ID`]: id[1] });
  else if (d.dev_type === "drbd" || d.dev_type === "drbd8") {
    const [data, meta] = (d.children ?? []).map((c) => c.logical_id.map((x) => pyStr(x)));
    Object.assign(env, { [`${p}PNODE`]: id[0], [`${p}SNODE`]: id[1], [`${p}PORT`]: id[2], [`${p}PMINOR`]: id[3], [`${p}SMINOR`]: id[4],
      [`${p}DATA_VG`]: data?.[0], [`${p}DATA_ID`]: data?.[1], [`${p}META_VG`]: meta?.[0], [`${p}META_ID`]: meta?.[1] });
  }
  env[`${p}DEV_TYPE`] = d.dev_type;
  if (d.name !== null && d.name !== undefined && d.name !== "") env[`${p}NAME`] = d.name;
  env[`${p}UUID`] = d.uuid ?? "";
  env[`${p}SIZE`] = String(d.size);
  env[`${p}MODE`] = d.mode ?? "rw";
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
}

/** Ganeti's BuildInstanceHookEnvByObject: OP_TARGET and the INSTANCE_* variables. */
export function instanceHookEnv(cfg: ConfigData, inst: Instance, override: Readonly<Record<string, string>> = {}): Record<string, string> {
  const be = fillInstanceBe(cfg.cluster, inst);
  const hv = fillInstanceHv(cfg.cluster, inst);
  const nodeName = (u: string): string => cfg.nodes[u]?.name ?? u;
  const env: Record<string, string> = {
    OP_TARGET: inst.name, INSTANCE_NAME: inst.name, INSTANCE_PRIMARY: nodeName(inst.primary_node),
    INSTANCE_SECONDARIES: instanceSecondaryNodes(cfg, inst).map(nodeName).join(" "), INSTANCE_OS_TYPE: inst.os,
    INSTANCE_STATUS: inst.admin_state, INSTANCE_MINMEM: pyStr(be["minmem"]), INSTANCE_MAXMEM: pyStr(be["maxmem"]),
    INSTANCE_MEMORY: pyStr(be["maxmem"]), INSTANCE_VCPUS: pyStr(be["vcpus"]), INSTANCE_DISK_TEMPLATE: instanceDiskTemplate(cfg, inst),
    INSTANCE_HYPERVISOR: inst.hypervisor,
  };
  inst.nics.forEach((nic, idx) => {
    const p = `INSTANCE_NIC${idx}_`;
    const filled = fillNic(cfg.cluster, nic);
    const mode = pyStr(filled["mode"]);
    const link = pyStr(filled["link"]);
    if (nic.name !== null && nic.name !== undefined && nic.name !== "") env[`${p}NAME`] = nic.name;
    Object.assign(env, { [`${p}UUID`]: nic.uuid ?? "", [`${p}IP`]: nic.ip ?? "", [`${p}MAC`]: nic.mac, [`${p}MODE`]: mode, [`${p}LINK`]: link,
      [`${p}VLAN`]: pyStr(filled["vlan"] ?? "") });
    const net = typeof nic.network === "string" ? cfg.networks[nic.network] : undefined;
    if (net !== undefined) Object.assign(env, networkHooksDict(net, p));
    else if (typeof nic.network === "string" && nic.network !== "") env[`${p}NETWORK_NAME`] = nic.network;
    if (mode === "bridged" || mode === "openvswitch") env[`${p}BRIDGE`] = link;
  });
  env["INSTANCE_NIC_COUNT"] = String(inst.nics.length);
  const disks = instanceDisks(cfg, inst);
  disks.forEach((d, idx) => Object.assign(env, diskEnv(idx, d)));
  env["INSTANCE_DISK_COUNT"] = String(disks.length);
  env["INSTANCE_TAGS"] = inst.tags.join(" ");
  for (const [k, v] of Object.entries(be)) env[`INSTANCE_BE_${k}`] = pyStr(v);
  for (const [k, v] of Object.entries(hv)) env[`INSTANCE_HV_${k}`] = pyStr(v);
  return { ...env, ...override };
}

/** The master and the instance's nodes (Ganeti's usual instance hooks nodes; `primaryOnly`: no secondaries), by name. */
export function instanceHookNodes(cfg: ConfigData, inst: Instance, primaryOnly = false): string[] {
  const nodes = primaryOnly ? [inst.primary_node] : instanceNodes(cfg, inst);
  const names = [cfg.cluster.master_node, ...nodes].map((u) => cfg.nodes[u]?.name ?? "").filter((n) => n !== "");
  return [...new Set(names)];
}
