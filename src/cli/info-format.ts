// gnt-cluster info's text, in Ganeti 3.0's layout (nested "key: value" blocks).
import { ctime } from "./jobs.js";
import { Pairs, formatGenericInfo, formatPolicyInfo } from "./generic-info.js";

function fmtValue(v: unknown): string {
  if (typeof v === "boolean") return v ? "True" : "False";
  if (Array.isArray(v)) return v.length === 0 ? "" : v.map((x) => fmtValue(x)).join(", ");
  if (v === null || v === undefined) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function block(lines: string[], indent: string, obj: Record<string, unknown>): void {
  for (const k of Object.keys(obj).sort()) {
    const v = obj[k];
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      lines.push(`${indent}${k}:`);
      block(lines, `${indent}  `, v as Record<string, unknown>);
    } else lines.push(`${indent}${k}: ${fmtValue(v)}`);
  }
}

export function formatInfo(i: Record<string, unknown>, _arch: string): string {
  const L: string[] = [];
  const a = i["architecture"] as [string, string];
  const tags = i["tags"] as string[];
  L.push(`Cluster name: ${String(i["name"])}`);
  L.push(`Cluster UUID: ${String(i["uuid"])}`);
  L.push(`Creation time: ${ctime(Number(i["ctime"]))}`);
  L.push(`Modification time: ${ctime(Number(i["mtime"]))}`);
  L.push(`Master node: ${String(i["master"])}`);
  L.push(`Architecture (this node): ${a[0]} (${a[1]})`);
  L.push(`Tags: ${tags.length === 0 ? "(none)" : tags.join(", ")}`);
  L.push(`Default hypervisor: ${String(i["default_hypervisor"])}`);
  L.push(`Enabled hypervisors: ${(i["enabled_hypervisors"] as string[]).join(", ")}`);
  L.push("Hypervisor parameters:");
  const hv = i["hvparams"] as Record<string, Record<string, unknown>>;
  for (const h of i["enabled_hypervisors"] as string[]) {
    L.push(`  ${h}:`);
    block(L, "    ", hv[h] ?? {});
  }
  L.push("OS-specific hypervisor parameters:");
  block(L, "  ", i["os_hvp"] as Record<string, unknown>);
  L.push("OS parameters:");
  block(L, "  ", i["osparams"] as Record<string, unknown>);
  L.push(`Hidden OSes: ${fmtValue(i["hidden_os"])}`);
  L.push(`Blacklisted OSes: ${fmtValue(i["blacklisted_os"])}`);
  L.push("Cluster parameters:");
  L.push(`  candidate pool size: ${String(i["candidate_pool_size"])}`);
  L.push(`  maximal number of jobs running simultaneously: ${String(i["max_running_jobs"])}`);
  L.push(`  maximal number of jobs tracked simultaneously: ${String(i["max_tracked_jobs"])}`);
  L.push(`  master netdev: ${String(i["master_netdev"])}`);
  L.push(`  master netmask: ${String(i["master_netmask"])}`);
  L.push(`  use external master IP address setup script: ${fmtValue(i["use_external_mip_script"])}`);
  L.push(`  lvm volume group: ${String(i["volume_group_name"])}`);
  L.push(`  lvm reserved volumes: ${fmtValue(i["reserved_lvs"]) || "(none)"}`);
  L.push(`  drbd usermode helper: ${String(i["drbd_usermode_helper"])}`);
  L.push(`  file storage path: ${String(i["file_storage_dir"])}`);
  L.push(`  shared file storage path: ${String(i["shared_file_storage_dir"])}`);
  L.push(`  gluster storage path: ${String(i["gluster_storage_dir"])}`);
  L.push(`  maintenance of node health: ${fmtValue(i["maintain_node_health"])}`);
  L.push(`  uid pool: ${fmtValue(i["uid_pool"])}`);
  L.push(`  default instance allocator: ${String(i["default_iallocator"])}`);
  L.push(`  default instance allocator parameters: ${fmtValue(i["default_iallocator_params"]) || "{}"}`);
  L.push(`  primary ip version: ${String(i["primary_ip_version"])}`);
  L.push(`  preallocation wipe disks: ${fmtValue(i["prealloc_wipe_disks"])}`);
  L.push(`  enabled disk templates: ${fmtValue(i["enabled_disk_templates"])}`);
  L.push(`  modify /etc/hosts: ${fmtValue(i["modify_etc_hosts"])}`);
  L.push(`  compression tools: ${fmtValue(i["compression_tools"])}`);
  L.push(`  enabled user shutdown: ${fmtValue(i["enabled_user_shutdown"])}`);
  L.push("Default node parameters:");
  block(L, "  ", i["ndparams"] as Record<string, unknown>);
  L.push("Default instance parameters:");
  block(L, "  ", i["beparams"] as Record<string, unknown>);
  L.push("Default nic parameters:");
  block(L, "  ", i["nicparams"] as Record<string, unknown>);
  L.push("Default disk parameters:");
  block(L, "  ", i["diskparams"] as Record<string, unknown>);
  L.push(...formatGenericInfo(new Pairs([["Instance policy - limits for instances",
    formatPolicyInfo((i["ipolicy"] ?? {}) as Record<string, unknown>, null, true)]])).split("\n"));
  L.push("Data collectors:");
  const enabled = (i["enabled_data_collectors"] ?? {}) as Record<string, boolean>;
  const interval = (i["data_collector_interval"] ?? {}) as Record<string, number>;
  const dcs: Record<string, unknown> = {};
  for (const n of Object.keys(enabled)) dcs[n] = { active: enabled[n], interval: `${(Number(interval[n] ?? 0) / 1e6).toFixed(3)}s` };
  block(L, "  ", dcs);
  return L.join("\n");
}
