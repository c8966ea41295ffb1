// Ganeti 3.0's default parameter values (constants.HVC_DEFAULTS, BEC_DEFAULTS, ...), as
// `gnt-cluster init` writes them into a new cluster's config. Values are Ganeti's own so
// a config we create reads the same in Ganeti's tools.

import type { DiskParams, IPolicy, ParamDict } from "./types.js";

/** Hypervisor names, in Ganeti's HYPER_TYPES set. */
export const HYPER_TYPES = ["fake", "kvm", "xen-pvm", "xen-hvm", "lxc", "chroot"] as const;
export type HypervisorName = (typeof HYPER_TYPES)[number];

/** Disk templates (constants.DISK_TEMPLATES). */
export const DISK_TEMPLATES = [
  "diskless", "file", "sharedfile", "plain", "blockdev", "drbd", "rbd", "ext", "gluster",
] as const;
export type DiskTemplate = (typeof DISK_TEMPLATES)[number];
/** Templates whose disks are mirrored on a secondary node. */
export const DTS_INT_MIRROR: ReadonlySet<string> = new Set(["drbd"]);
/** Templates whose storage every node can reach: failover and migration to any node (Ganeti's DTS_EXT_MIRROR). */
export const DTS_EXT_MIRROR: ReadonlySet<string> = new Set(["diskless", "sharedfile", "blockdev", "rbd", "ext", "gluster"]);
/** Templates whose disks may be adopted (existing volumes taken over), and those whose disks must be. */
export const DTS_MAY_ADOPT: ReadonlySet<string> = new Set(["plain", "blockdev"]);
export const DTS_MUST_ADOPT: ReadonlySet<string> = new Set(["blockdev"]);

/** Hypervisor parameters that may only be set cluster-wide (HVC_GLOBALS). */
export const HVC_GLOBALS: ReadonlySet<string> = new Set(["migration_bandwidth", "migration_port", "xen_cmd", "migration_mode"]);
/** Node parameters that may only be set at cluster/group level (NDC_GLOBALS). */
export const NDC_GLOBALS: ReadonlySet<string> = new Set(["exclusive_storage"]);

/** Key of the single parameter group in cluster beparams/nicparams (PP_DEFAULT). */
export const PP_DEFAULT = "default";
export const INITIAL_NODE_GROUP_NAME = "default";
export const DEFAULT_MAC_PREFIX = "aa:00:00";
export const DEFAULT_VG = "xenvg";
export const DEFAULT_BRIDGE = "xen-br0";
export const DEFAULT_DRBD_HELPER = "/bin/true";
export const DEFAULT_FILE_STORAGE_DIR = "/srv/ganeti/file-storage";
export const DEFAULT_SHARED_FILE_STORAGE_DIR = "/srv/ganeti/shared-file-storage";
export const DEFAULT_GLUSTER_STORAGE_DIR = "/var/run/ganeti/gluster";
/** Ganeti's FIRST_DRBD_PORT; a new cluster's highest_used_port is one below it. */
export const FIRST_DRBD_PORT = 11000;
export const LAST_DRBD_PORT = 14999;
export const COMPRESSION_TOOLS_DEFAULT: readonly string[] = ["gzip", "gzip-fast", "gzip-slow"];
export const MAX_RUNNING_JOBS_DEFAULT = 20;
export const MAX_TRACKED_JOBS_DEFAULT = 25;
export const SSH_DEFAULT_KEY_TYPE = "rsa";
export const SSH_DEFAULT_KEY_BITS = 2048;
/** mond's data collectors, enabled with a 5 s interval (in microseconds) at init. */
export const DATA_COLLECTOR_NAMES: readonly string[] = [
  "cpu-avg-load", "diskstats", "drbd", "inst-status-xen", "lv", "xen-cpu-avg-load",
];
export const DATA_COLLECTOR_INTERVAL_US = 5_000_000;

/** Instance-policy defaults (IPOLICY_DEFAULTS); "all quite arbitrary", says Ganeti. */
export const IPOLICY_DEFAULTS: Required<Pick<IPolicy, "minmax" | "std" | "disk-templates" | "vcpu-ratio" | "spindle-ratio">> = {
  minmax: [{
    min: { "cpu-count": 1, "disk-count": 1, "disk-size": 1024, "memory-size": 128, "nic-count": 1, "spindle-use": 1 },
    max: { "cpu-count": 8, "disk-count": 16, "disk-size": 1048576, "memory-size": 32768, "nic-count": 8, "spindle-use": 12 },
  }],
  std: { "cpu-count": 1, "disk-count": 1, "disk-size": 1024, "memory-size": 128, "nic-count": 1, "spindle-use": 1 },
  "disk-templates": ["blockdev", "diskless", "drbd", "ext", "file", "gluster", "plain", "rbd", "sharedfile"],
  "vcpu-ratio": 4.0,
  "spindle-ratio": 32.0,
};
export const IPOLICY_PARAMETERS: readonly string[] = ["vcpu-ratio", "spindle-ratio"];
export const ISPECS_PARAMETERS: readonly string[] = [
  "cpu-count", "disk-count", "disk-size", "memory-size", "nic-count", "spindle-use",
];

export const BEC_DEFAULTS: ParamDict = {
  always_failover: false,
  auto_balance: true,
  maxmem: 128,
  minmem: 128,
  spindle_use: 1,
  vcpus: 1
};
export const NDC_DEFAULTS: ParamDict = {
  cpu_speed: 1.0,
  exclusive_storage: false,
  oob_program: "",
  ovs: false,
  ovs_link: "",
  ovs_name: "switch1",
  spindle_count: 1,
  ssh_port: 22
};
export const NICC_DEFAULTS: ParamDict = {
  link: "xen-br0",
  mode: "bridged",
  vlan: ""
};
export const DISK_DT_DEFAULTS: DiskParams = {
  blockdev: {},
  diskless: {},
  drbd: {
    "c-delay-target": 1,
    "c-fill-target": 0,
    "c-max-rate": 61440,
    "c-min-rate": 4096,
    "c-plan-ahead": 20,
    "data-stripes": 1,
    "disk-barriers": "n",
    "disk-custom": "",
    "dynamic-resync": false,
    "meta-barriers": false,
    "meta-stripes": 1,
    metavg: "xenvg",
    "net-custom": "",
    protocol: "C",
    "resync-rate": 61440
  },
  ext: {
    access: "kernelspace"
  },
  file: {},
  gluster: {
    access: "kernelspace",
    host: "127.0.0.1",
    port: 24007,
    volume: "gv0"
  },
  plain: {
    stripes: 1
  },
  rbd: {
    access: "kernelspace",
    pool: "rbd"
  },
  sharedfile: {}
};
