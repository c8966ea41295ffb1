// Constants shared by every layer: versions, ports, states. Values are Ganeti 3.0's where
// Ganeti has them, so files and wire formats stay compatible.

export const RELEASE_VERSION = "3.0.2";
export const TS_VERSION = "0.1.0";
export const CONFIG_VERSION = 3000000;
export const PROTOCOL_VERSION = 3000000;
export const OS_API_VERSION = 20;
export const EXPORT_VERSION = 0;
export const RAPI_VERSION = 2;

export const DEFAULT_NODED_PORT = 1811;
export const DEFAULT_RAPI_PORT = 5080;
export const DEFAULT_MOND_PORT = 1815;

/** Lock levels in Ganeti's acquisition order (locking.LEVELS). */
export const LockLevel = {
  cluster: "cluster",
  instance: "instance",
  nodeAlloc: "node-alloc",
  nodegroup: "nodegroup",
  node: "node",
  nodeRes: "node-res",
  network: "network",
} as const;
export type LockLevel = (typeof LockLevel)[keyof typeof LockLevel];
export const LOCK_LEVELS: readonly LockLevel[] = [
  LockLevel.cluster, LockLevel.instance, LockLevel.nodeAlloc, LockLevel.nodegroup,
  LockLevel.node, LockLevel.nodeRes, LockLevel.network,
];
/** The single lock name at the cluster level (Ganeti's Big Ganeti Lock) and node-alloc level. */
export const BGL = "BGL";
export const NAL = "NAL";
/** Pseudo-name meaning "every lock at this level". */
export const ALL_SET = "__all__";

export const JobStatus = {
  queued: "queued",
  waiting: "waiting",
  canceling: "canceling",
  running: "running",
  canceled: "canceled",
  success: "success",
  error: "error",
} as const;
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];
export const JOB_STATUS_FINALIZED: ReadonlySet<JobStatus> = new Set([
  JobStatus.canceled, JobStatus.success, JobStatus.error,
]);

export const OpStatus = JobStatus;
export type OpStatus = JobStatus;

/** Job priorities: lower runs first, as Ganeti's OP_PRIO_*. */
export const OP_PRIO_HIGHEST = -20;
export const OP_PRIO_HIGH = -10;
export const OP_PRIO_NORMAL = 0;
export const OP_PRIO_LOW = 10;
export const OP_PRIO_LOWEST = 19;
export const OP_PRIO_SUBMIT_VALID: readonly number[] = [OP_PRIO_LOW, OP_PRIO_NORMAL, OP_PRIO_HIGH];
export const PRIORITY_NAMES: Readonly<Record<string, number>> = {
  low: OP_PRIO_LOW, normal: OP_PRIO_NORMAL, high: OP_PRIO_HIGH,
};

/** Job log message types (constants.ELOG_*). */
export const ELOG_MESSAGE = "message";
export const ELOG_REMOTE_IMPORT = "remote-import";
export const ELOG_JQUEUE_TEST = "jqueue-test";
export const ELOG_DELAY_TEST = "delay-test";

export const JOB_QUEUE_SIZE_HARD_LIMIT = 5000;
/** Jobs per archive sub-directory (queue/archive/N). */
export const JOB_QUEUE_ARCHIVE_DIRS = 10000;

/** Ganeti's node roles as shown by `gnt-node list -o role`. */
export const NodeRole = {
  master: "M",
  candidate: "C",
  regular: "R",
  drained: "D",
  offline: "O",
} as const;
export type NodeRole = (typeof NodeRole)[keyof typeof NodeRole];

export const MASTER_POOL_SIZE_DEFAULT = 10;

/** Tags: Ganeti's limits (constants.MAX_TAG_LEN, MAX_TAGS_PER_OBJ). */
export const MAX_TAG_LEN = 128;
export const MAX_TAGS_PER_OBJ = 4096;

export const TagKind = {
  cluster: "cluster",
  node: "node",
  nodegroup: "nodegroup",
  instance: "instance",
  network: "network",
} as const;
export type TagKind = (typeof TagKind)[keyof typeof TagKind];

/** ssconf keys (file names are `ssconf_<key>`). */
export const SSCONF_KEYS = [
  "cluster_name", "cluster_tags", "file_storage_dir", "shared_file_storage_dir",
  "gluster_storage_dir", "master_candidates", "master_candidates_ips",
  "master_candidates_certs", "master_ip", "master_netdev", "master_netmask", "master_node",
  "node_list", "node_primary_ips", "node_secondary_ips", "node_vm_capable", "offline_nodes",
  "online_nodes", "primary_ip_family", "instance_list", "release_version",
  "hypervisor_list", "maintain_node_health", "uid_pool", "nodegroups", "networks",
  "enabled_user_shutdown", "ssh_ports",
  // ganeti-ts: the monitoring daemon's collectors ("NAME True|False INTERVAL_US" lines); Ganeti's mond asks Confd
  "data_collectors",
] as const;
export type SsconfKey = (typeof SSCONF_KEYS)[number];

export const HOOKS_PHASE_PRE = "pre";
export const HOOKS_PHASE_POST = "post";
export const HOOKS_VERSION = 2;
