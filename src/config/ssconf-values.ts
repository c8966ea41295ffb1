// The ssconf files' contents, derived from the configuration (Ganeti's
// ConfigWriter._UnlockedGetSsconfValues). Pure: config in, file contents out.
import type { ConfigData, Node } from "../objects/types.js";
import { RELEASE_VERSION, type SsconfKey } from "../constants.js";
import { DATA_COLLECTOR_INTERVAL_US } from "../objects/param-defaults.js";

const pyBool = (b: boolean): string => (b ? "True" : "False");

export function computeSsconf(cfg: ConfigData): Record<SsconfKey, string> {
  const c = cfg.cluster;
  const nodes = Object.values(cfg.nodes).sort((a, b) => a.name.localeCompare(b.name));
  const master = cfg.nodes[c.master_node];
  const candidates = nodes.filter((n) => n.master_candidate);
  const lines = (xs: readonly string[]): string => xs.join("\n");
  const byName = (f: (n: Node) => string): string => lines(nodes.map(f));
  const instances = Object.values(cfg.instances).map((i) => i.name).sort();
  return {
    cluster_name: c.cluster_name,
    cluster_tags: lines([...(c.tags ?? [])].sort()),
    file_storage_dir: c.file_storage_dir ?? "",
    shared_file_storage_dir: c.shared_file_storage_dir ?? "",
    gluster_storage_dir: c.gluster_storage_dir ?? "",
    master_candidates: lines(candidates.map((n) => n.name)),
    master_candidates_ips: lines(candidates.map((n) => n.primary_ip)),
    master_candidates_certs: lines(Object.entries(c.candidate_certs ?? {}).map(([u, d]) => `${u}=${String(d)}`).sort()),
    master_ip: c.master_ip,
    master_netdev: c.master_netdev,
    master_netmask: String(c.master_netmask),
    master_node: master?.name ?? "",
    node_list: byName((n) => n.name),
    node_primary_ips: byName((n) => `${n.name} ${n.primary_ip}`),
    node_secondary_ips: byName((n) => `${n.name} ${n.secondary_ip}`),
    node_vm_capable: byName((n) => `${n.name}=${pyBool(n.vm_capable !== false)}`),
    offline_nodes: lines(nodes.filter((n) => n.offline).map((n) => n.name)),
    online_nodes: lines(nodes.filter((n) => !n.offline).map((n) => n.name)),
    primary_ip_family: String(c.primary_ip_family ?? 2),
    instance_list: lines(instances),
    release_version: RELEASE_VERSION,
    hypervisor_list: lines(c.enabled_hypervisors ?? []),
    maintain_node_health: pyBool(c.maintain_node_health === true),
    uid_pool: "",
    nodegroups: lines(Object.values(cfg.nodegroups).map((g) => `${g.uuid} ${g.name}`).sort()),
    networks: lines(Object.values(cfg.networks ?? {}).map((n) => `${n.uuid} ${n.name}`).sort()),
    enabled_user_shutdown: pyBool(c.enabled_user_shutdown === true),
    data_collectors: lines(Object.entries(c.data_collectors ?? {}).sort(([a], [b]) => a.localeCompare(b))
      .map(([name, p]) => `${name} ${pyBool(p["active"] !== false)} ${String(p["interval"] ?? DATA_COLLECTOR_INTERVAL_US)}`)),
    ssh_ports: byName((n) => `${n.name}=${String((n.ndparams as Record<string, unknown> | undefined)?.["ssh_port"] ?? 22)}`),
  };
}
