// A new cluster's configuration, as `gnt-cluster init` writes it: every hypervisor's and
// disk template's parameters filled from Ganeti's defaults (not only the enabled ones,
// so enabling one later needs no migration), one node group "default", the master node
// as the only node and a master candidate. Pure: uuids and time come from the caller.

import { CONFIG_VERSION, MASTER_POOL_SIZE_DEFAULT } from "../constants.js";
import { HVC_DEFAULTS } from "./hv-defaults.js";
import {
  BEC_DEFAULTS, COMPRESSION_TOOLS_DEFAULT, DATA_COLLECTOR_INTERVAL_US, DATA_COLLECTOR_NAMES,
  DEFAULT_DRBD_HELPER, DEFAULT_FILE_STORAGE_DIR, DEFAULT_GLUSTER_STORAGE_DIR, DEFAULT_MAC_PREFIX,
  DEFAULT_SHARED_FILE_STORAGE_DIR, DEFAULT_VG, DISK_DT_DEFAULTS, DISK_TEMPLATES, FIRST_DRBD_PORT,
  HYPER_TYPES, INITIAL_NODE_GROUP_NAME, IPOLICY_DEFAULTS, MAX_RUNNING_JOBS_DEFAULT,
  MAX_TRACKED_JOBS_DEFAULT, NDC_DEFAULTS, NICC_DEFAULTS, PP_DEFAULT, SSH_DEFAULT_KEY_BITS,
  SSH_DEFAULT_KEY_TYPE,
} from "./param-defaults.js";
import type { Cluster, ConfigData, DiskParams, HvParams, IPolicy, Node, NodeGroup, ParamDict } from "./types.js";

export * from "./param-defaults.js";
export { HVC_DEFAULTS } from "./hv-defaults.js";

export interface NewClusterOptions {
  readonly clusterName: string;
  readonly clusterUuid: string;
  readonly groupUuid: string;
  /** Seconds since the epoch, fractional (Ganeti's time.time()). */
  readonly now: number;
  /** Either a complete master Node (its group is replaced by groupUuid) ... */
  readonly masterNode?: Node;
  /** ... or the pieces to build one. */
  readonly masterNodeUuid?: string;
  readonly masterNodeName?: string;
  readonly masterNodePrimaryIp?: string;
  /** Defaults to the primary address, as in Ganeti when -s is not given. */
  readonly masterNodeSecondaryIp?: string;
  readonly masterNetdev: string;
  readonly masterIp: string;
  readonly masterNetmask?: number;
  readonly enabledHypervisors?: readonly string[];
  readonly enabledDiskTemplates?: readonly string[];
  readonly fileStorageDir?: string;
  readonly sharedFileStorageDir?: string;
  readonly glusterStorageDir?: string;
  readonly volumeGroupName?: string;
  readonly macPrefix?: string;
  readonly candidatePoolSize?: number;
  readonly hvparams?: HvParams;
  readonly beparams?: ParamDict;
  readonly nicparams?: ParamDict;
  readonly ndparams?: ParamDict;
  readonly diskparams?: DiskParams;
  readonly ipolicy?: IPolicy;
  readonly defaultIallocator?: string;
  readonly drbdUsermodeHelper?: string;
  readonly primaryIpFamily?: number;
  readonly rsaHostKeyPub?: string;
  readonly modifyEtcHosts?: boolean;
  readonly modifySshSetup?: boolean;
  readonly tags?: readonly string[];
}

function fillEach(defaults: Readonly<Record<string, ParamDict>>, names: readonly string[],
  overrides: Readonly<Record<string, ParamDict>> | undefined): Record<string, ParamDict> {
  const out: Record<string, ParamDict> = {};
  for (const name of names) out[name] = { ...(defaults[name] ?? {}), ...(overrides?.[name] ?? {}) };
  return out;
}

function masterNodeOf(o: NewClusterOptions): Node {
  const base = o.masterNode;
  if (base !== undefined) return { ...base, group: o.groupUuid, master_candidate: true };
  if (o.masterNodeUuid === undefined || o.masterNodeName === undefined || o.masterNodePrimaryIp === undefined) {
    throw new TypeError("newClusterConfig needs masterNode or masterNodeUuid/masterNodeName/masterNodePrimaryIp");
  }
  return {
    uuid: o.masterNodeUuid, name: o.masterNodeName, primary_ip: o.masterNodePrimaryIp,
    secondary_ip: o.masterNodeSecondaryIp ?? o.masterNodePrimaryIp, serial_no: 1,
    master_candidate: true, offline: false, drained: false, group: o.groupUuid,
    master_capable: true, vm_capable: true, ndparams: {}, powered: true,
    hv_state_static: {}, disk_state_static: {}, tags: [], ctime: o.now, mtime: o.now,
  };
}

/** The ConfigData `gnt-cluster init` would write for these options. */
export function newClusterConfig(o: NewClusterOptions): ConfigData {
  const master = masterNodeOf(o);
  const enabledHv = o.enabledHypervisors ?? ["kvm"];
  const enabledDt = o.enabledDiskTemplates ?? ["drbd", "plain"];
  const filled: IPolicy = {
    ...IPOLICY_DEFAULTS,
    ...(o.ipolicy ?? {}),
    std: { ...IPOLICY_DEFAULTS.std, ...(o.ipolicy?.std ?? {}) },
  };
  // Ganeti's _RestrictIpolicyToEnabledDiskTemplates: the policy allows only enabled templates.
  const ipolicy: IPolicy = { ...filled, "disk-templates": (filled["disk-templates"] ?? []).filter((t) => enabledDt.includes(t)) };
  const dataCollectors: Record<string, ParamDict> = {};
  for (const name of DATA_COLLECTOR_NAMES) dataCollectors[name] = { active: true, interval: DATA_COLLECTOR_INTERVAL_US };
  const cluster: Cluster = {
    uuid: o.clusterUuid, serial_no: 1, cluster_name: o.clusterName, master_node: master.uuid,
    master_ip: o.masterIp, master_netdev: o.masterNetdev, master_netmask: o.masterNetmask ?? 32,
    use_external_mip_script: false, rsahostkeypub: o.rsaHostKeyPub ?? "", dsahostkeypub: "",
    highest_used_port: FIRST_DRBD_PORT - 1, tcpudp_port_pool: [],
    mac_prefix: o.macPrefix ?? DEFAULT_MAC_PREFIX, volume_group_name: o.volumeGroupName ?? DEFAULT_VG,
    reserved_lvs: [], drbd_usermode_helper: o.drbdUsermodeHelper ?? DEFAULT_DRBD_HELPER,
    file_storage_dir: o.fileStorageDir ?? DEFAULT_FILE_STORAGE_DIR,
    shared_file_storage_dir: o.sharedFileStorageDir ?? DEFAULT_SHARED_FILE_STORAGE_DIR,
    gluster_storage_dir: o.glusterStorageDir ?? DEFAULT_GLUSTER_STORAGE_DIR,
    enabled_hypervisors: [...enabledHv], enabled_disk_templates: [...enabledDt],
    hvparams: fillEach(HVC_DEFAULTS, HYPER_TYPES, o.hvparams),
    os_hvp: {},
    beparams: { [PP_DEFAULT]: { ...BEC_DEFAULTS, ...(o.beparams ?? {}) } },
    nicparams: { [PP_DEFAULT]: { ...NICC_DEFAULTS, ...(o.nicparams ?? {}) } },
    osparams: {}, osparams_private_cluster: {},
    ndparams: { ...NDC_DEFAULTS, ...(o.ndparams ?? {}) },
    diskparams: fillEach(DISK_DT_DEFAULTS, DISK_TEMPLATES, o.diskparams),
    ipolicy,
    candidate_pool_size: o.candidatePoolSize ?? MASTER_POOL_SIZE_DEFAULT,
    modify_etc_hosts: o.modifyEtcHosts ?? true, modify_ssh_setup: o.modifySshSetup ?? true,
    maintain_node_health: false, uid_pool: [],
    default_iallocator: o.defaultIallocator ?? "hail", default_iallocator_params: {},
    hidden_os: [], blacklisted_os: [], primary_ip_family: o.primaryIpFamily ?? 2,
    prealloc_wipe_disks: false, hv_state_static: {}, disk_state_static: {},
    candidate_certs: {}, max_running_jobs: MAX_RUNNING_JOBS_DEFAULT,
    max_tracked_jobs: MAX_TRACKED_JOBS_DEFAULT, install_image: "",
    instance_communication_network: "", zeroing_image: "",
    compression_tools: [...COMPRESSION_TOOLS_DEFAULT], enabled_user_shutdown: false,
    data_collectors: dataCollectors, ssh_key_type: SSH_DEFAULT_KEY_TYPE,
    ssh_key_bits: SSH_DEFAULT_KEY_BITS, tags: [...(o.tags ?? [])], ctime: o.now, mtime: o.now,
  };
  const group: NodeGroup = {
    uuid: o.groupUuid, name: INITIAL_NODE_GROUP_NAME, serial_no: 1, alloc_policy: "preferred",
    ndparams: {}, diskparams: {}, ipolicy: {}, networks: {}, hv_state_static: {},
    disk_state_static: {}, tags: [], ctime: o.now, mtime: o.now,
  };
  return {
    version: CONFIG_VERSION, cluster, nodes: { [master.uuid]: master },
    nodegroups: { [group.uuid]: group }, instances: {}, networks: {}, disks: {}, filters: {},
    serial_no: 1, ctime: o.now, mtime: o.now,
  };
}
