// Ganeti's RAPI v2 resource map (lib/rapi/connector.py) with, per resource, the methods
// Ganeti's rlib2 implements and the access each method needs (baserlib: GET needs none
// unless a resource says otherwise, PUT/POST/DELETE need "write"). Pure data: the server
// matches a path here first, so unknown paths are 404 and unknown methods 501 exactly as
// in Ganeti, before any authentication.

export type Method = "GET" | "PUT" | "POST" | "DELETE";
export type Access = "read" | "write";

export interface Resource {
  /** Ganeti's handler class name (rlib2.R_...), for messages and documentation. */
  readonly name: string;
  readonly pattern: RegExp;
  /** Method → the access options a user needs ([] = anonymous access allowed). */
  readonly methods: Readonly<Partial<Record<Method, readonly Access[]>>>;
}

// connector.py: _NAME_PATTERN = r"[\w\._-]+", _DISK_PATTERN = r"\d+", JOB_ID_TEMPLATE = r"\d+"
const NAME = "([\\w._-]+)";
const NUM = "(\\d+)";
const W: readonly Access[] = ["write"];
const RW: readonly Access[] = ["write", "read"];
const GET = { GET: [] } as const;
const TAGS = { GET: [], PUT: W, DELETE: W } as const;

function r(name: string, path: string, methods: Resource["methods"]): Resource {
  return { name, pattern: new RegExp(`^${path}$`), methods };
}

export const RESOURCES: readonly Resource[] = [
  r("R_root", "/", GET),
  r("R_2", "/2", GET),
  r("R_version", "/version", GET),
  r("R_2_nodes", "/2/nodes", GET),
  r("R_2_nodes_name", `/2/nodes/${NAME}`, GET),
  r("R_2_nodes_name_powercycle", `/2/nodes/${NAME}/powercycle`, { POST: W }),
  r("R_2_nodes_name_tags", `/2/nodes/${NAME}/tags`, TAGS),
  r("R_2_nodes_name_role", `/2/nodes/${NAME}/role`, { GET: [], PUT: W }),
  r("R_2_nodes_name_evacuate", `/2/nodes/${NAME}/evacuate`, { POST: W }),
  r("R_2_nodes_name_migrate", `/2/nodes/${NAME}/migrate`, { POST: W }),
  r("R_2_nodes_name_modify", `/2/nodes/${NAME}/modify`, { POST: W }),
  r("R_2_nodes_name_storage", `/2/nodes/${NAME}/storage`, { GET: W }),
  r("R_2_nodes_name_storage_modify", `/2/nodes/${NAME}/storage/modify`, { PUT: W }),
  r("R_2_nodes_name_storage_repair", `/2/nodes/${NAME}/storage/repair`, { PUT: W }),
  r("R_2_instances", "/2/instances", { GET: [], POST: W }),
  r("R_2_instances_name", `/2/instances/${NAME}`, { GET: [], DELETE: W }),
  r("R_2_instances_name_info", `/2/instances/${NAME}/info`, GET),
  r("R_2_instances_name_tags", `/2/instances/${NAME}/tags`, TAGS),
  r("R_2_instances_name_reboot", `/2/instances/${NAME}/reboot`, { POST: W }),
  r("R_2_instances_name_reinstall", `/2/instances/${NAME}/reinstall`, { POST: W }),
  r("R_2_instances_name_replace_disks", `/2/instances/${NAME}/replace-disks`, { POST: W }),
  r("R_2_instances_name_shutdown", `/2/instances/${NAME}/shutdown`, { PUT: W }),
  r("R_2_instances_name_startup", `/2/instances/${NAME}/startup`, { PUT: W }),
  r("R_2_instances_name_activate_disks", `/2/instances/${NAME}/activate-disks`, { PUT: W }),
  r("R_2_instances_name_deactivate_disks", `/2/instances/${NAME}/deactivate-disks`, { PUT: W }),
  r("R_2_instances_name_recreate_disks", `/2/instances/${NAME}/recreate-disks`, { POST: W }),
  r("R_2_instances_name_prepare_export", `/2/instances/${NAME}/prepare-export`, { PUT: W }),
  r("R_2_instances_name_export", `/2/instances/${NAME}/export`, { PUT: W, DELETE: W }),
  r("R_2_instances_name_migrate", `/2/instances/${NAME}/migrate`, { PUT: W }),
  r("R_2_instances_name_failover", `/2/instances/${NAME}/failover`, { PUT: W }),
  r("R_2_instances_name_rename", `/2/instances/${NAME}/rename`, { PUT: W }),
  r("R_2_instances_name_modify", `/2/instances/${NAME}/modify`, { PUT: W }),
  r("R_2_instances_name_disk_grow", `/2/instances/${NAME}/disk/${NUM}/grow`, { POST: W }),
  r("R_2_instances_name_console", `/2/instances/${NAME}/console`, { GET: RW }),
  r("R_2_networks", "/2/networks", { GET: [], POST: W }),
  r("R_2_networks_name", `/2/networks/${NAME}`, { GET: [], DELETE: W }),
  r("R_2_networks_name_connect", `/2/networks/${NAME}/connect`, { PUT: W }),
  r("R_2_networks_name_disconnect", `/2/networks/${NAME}/disconnect`, { PUT: W }),
  r("R_2_networks_name_rename", `/2/networks/${NAME}/rename`, { PUT: W }),
  r("R_2_networks_name_modify", `/2/networks/${NAME}/modify`, { PUT: W }),
  r("R_2_networks_name_tags", `/2/networks/${NAME}/tags`, TAGS),
  r("R_2_groups", "/2/groups", { GET: [], POST: W }),
  r("R_2_groups_name", `/2/groups/${NAME}`, { GET: [], DELETE: W }),
  r("R_2_groups_name_modify", `/2/groups/${NAME}/modify`, { PUT: W }),
  r("R_2_groups_name_rename", `/2/groups/${NAME}/rename`, { PUT: W }),
  r("R_2_groups_name_assign_nodes", `/2/groups/${NAME}/assign-nodes`, { PUT: W }),
  r("R_2_groups_name_tags", `/2/groups/${NAME}/tags`, TAGS),
  r("R_2_jobs", "/2/jobs", GET),
  r("R_2_jobs_id", `/2/jobs/${NUM}`, { GET: [], DELETE: W }),
  r("R_2_jobs_id_wait", `/2/jobs/${NUM}/wait`, { GET: W }),
  r("R_2_instances_multi_alloc", "/2/instances-multi-alloc", { POST: W }),
  r("R_2_tags", "/2/tags", TAGS),
  r("R_2_info", "/2/info", GET),
  r("R_2_os", "/2/os", GET),
  r("R_2_redist_config", "/2/redistribute-config", { PUT: W }),
  r("R_2_features", "/2/features", GET),
  r("R_2_cluster_modify", "/2/modify", { PUT: W }),
  // R_2_query's PUT only reads (the fields and filter travel in the body): GET's access
  r("R_2_query", `/2/query/${NAME}`, { GET: RW, PUT: RW }),
  r("R_2_query_fields", `/2/query/${NAME}/fields`, GET),
  r("R_2_filters", "/2/filters", { GET: [], POST: W }),
  r("R_2_filters_uuid", `/2/filters/${NAME}`, { GET: [], PUT: W, DELETE: W }),
];

export interface Match {
  readonly resource: Resource;
  /** The path's variable parts (names, ids), in order. */
  readonly items: readonly string[];
}

/** Ganeti's Mapper.getController: the first resource whose pattern matches the path. */
export function matchResource(path: string): Match | null {
  for (const resource of RESOURCES) {
    const m = resource.pattern.exec(path);
    if (m !== null) return { resource, items: m.slice(1) };
  }
  return null;
}

/** The write request formats this RAPI accepts (Ganeti's R_2_features; writes.ts). */
export const RAPI_FEATURES: readonly string[] = ["instance-create-reqv1", "instance-reinstall-reqv1", "node-migrate-reqv1", "node-evac-res1"];
