// Ganeti's configuration objects as plain readonly data, with the JSON field names of
// config.data (snake_case, "disk-templates" style keys kept as Ganeti writes them).
//
// Every interface has an index signature: a config written by a newer or patched Ganeti
// may carry keys we do not model, and a load/save round trip must not drop them.
// Fields Ganeti added after 2.16 (or writes only sometimes) are optional, so parsing
// never has to invent values and serialization gives back exactly what was read.

/** Keys we do not model are carried through untouched. */
export interface Extras {
  readonly [key: string]: unknown;
}

/** A parameter dictionary (one hypervisor's, one template's, beparams, ...). */
export type ParamDict = Readonly<Record<string, unknown>>;

/** Hypervisor name → its parameters. */
export type HvParams = Readonly<Record<string, ParamDict>>;
export type BeParams = ParamDict;
export type NicParams = ParamDict;
export type NdParams = ParamDict;
export type OsParams = ParamDict;
/** Disk template → its parameters. */
export type DiskParams = Readonly<Record<string, ParamDict>>;

/** One instance spec, keys as Ganeti writes them ("memory-size", "cpu-count", ...). */
export type ISpec = Readonly<Record<string, number>>;
export interface MinMaxISpecs extends Extras {
  readonly min: ISpec;
  readonly max: ISpec;
}
/** Instance policy; a group's policy holds only what it overrides, so all is optional. */
export interface IPolicy extends Extras {
  readonly minmax?: readonly MinMaxISpecs[];
  readonly std?: ISpec;
  readonly "disk-templates"?: readonly string[];
  readonly "vcpu-ratio"?: number;
  readonly "spindle-ratio"?: number;
}

/** Static hypervisor state a user may set (cpu_total, mem_total, ...). */
export type HvStateStatic = Readonly<Record<string, ParamDict>>;
/** Static disk state: storage type → storage name → values. */
export type DiskStateStatic = Readonly<Record<string, Readonly<Record<string, ParamDict>>>>;

interface Timestamps {
  readonly ctime?: number;
  readonly mtime?: number;
}

export interface Cluster extends Extras, Timestamps {
  readonly uuid?: string;
  readonly serial_no: number;
  readonly cluster_name: string;
  readonly master_node: string;
  readonly master_ip: string;
  readonly master_netdev: string;
  readonly master_netmask: number;
  readonly use_external_mip_script?: boolean;
  readonly rsahostkeypub?: string;
  readonly dsahostkeypub?: string;
  readonly highest_used_port?: number;
  readonly tcpudp_port_pool?: readonly number[];
  readonly mac_prefix: string;
  readonly volume_group_name?: string;
  readonly reserved_lvs?: readonly string[];
  readonly drbd_usermode_helper?: string;
  readonly file_storage_dir?: string;
  readonly shared_file_storage_dir?: string;
  readonly gluster_storage_dir?: string;
  readonly enabled_hypervisors: readonly string[];
  readonly enabled_disk_templates?: readonly string[];
  readonly hvparams: HvParams;
  /** OS name → hypervisor → parameters overriding the cluster's hvparams. */
  readonly os_hvp?: Readonly<Record<string, HvParams>>;
  /** beparams and nicparams are keyed by the group "default" (Ganeti's PP_DEFAULT). */
  readonly beparams: Readonly<Record<string, BeParams>>;
  readonly nicparams: Readonly<Record<string, NicParams>>;
  readonly osparams?: Readonly<Record<string, OsParams>>;
  readonly osparams_private_cluster?: Readonly<Record<string, OsParams>>;
  readonly ndparams: NdParams;
  readonly diskparams?: DiskParams;
  readonly ipolicy?: IPolicy;
  readonly candidate_pool_size: number;
  readonly modify_etc_hosts?: boolean;
  readonly modify_ssh_setup?: boolean;
  readonly maintain_node_health?: boolean;
  readonly uid_pool?: readonly unknown[];
  readonly default_iallocator?: string;
  readonly default_iallocator_params?: ParamDict;
  readonly hidden_os?: readonly string[];
  readonly blacklisted_os?: readonly string[];
  readonly primary_ip_family?: number;
  readonly prealloc_wipe_disks?: boolean;
  readonly hv_state_static?: HvStateStatic;
  readonly disk_state_static?: DiskStateStatic;
  readonly candidate_certs?: Readonly<Record<string, string>>;
  readonly max_running_jobs?: number;
  readonly max_tracked_jobs?: number;
  readonly install_image?: string;
  readonly instance_communication_network?: string;
  readonly zeroing_image?: string;
  readonly compression_tools?: readonly string[];
  readonly enabled_user_shutdown?: boolean;
  readonly data_collectors?: Readonly<Record<string, ParamDict>>;
  readonly ssh_key_type?: string;
  readonly ssh_key_bits?: number;
  readonly tags: readonly string[];
}

export interface NodeGroup extends Extras, Timestamps {
  readonly uuid: string;
  readonly name: string;
  readonly serial_no: number;
  readonly alloc_policy: string;
  readonly ndparams: NdParams;
  readonly diskparams: DiskParams;
  readonly ipolicy: IPolicy;
  /** Network uuid → nicparams of the connection. */
  readonly networks: Readonly<Record<string, NicParams>>;
  readonly hv_state_static?: HvStateStatic;
  readonly disk_state_static?: DiskStateStatic;
  readonly tags: readonly string[];
}

export interface Node extends Extras, Timestamps {
  readonly uuid: string;
  readonly name: string;
  readonly primary_ip: string;
  readonly secondary_ip: string;
  readonly serial_no: number;
  readonly master_candidate: boolean;
  readonly offline: boolean;
  readonly drained: boolean;
  /** Node group uuid. */
  readonly group: string;
  readonly master_capable: boolean;
  readonly vm_capable: boolean;
  readonly ndparams: NdParams;
  readonly powered: boolean;
  readonly hv_state_static?: HvStateStatic;
  readonly disk_state_static?: DiskStateStatic;
  readonly tags: readonly string[];
}

export interface Nic extends Extras {
  readonly uuid?: string;
  readonly name?: string | null;
  readonly mac: string;
  readonly ip?: string | null;
  /** Network uuid, if the NIC is connected to a Ganeti network. */
  readonly network?: string | null;
  readonly nicparams: NicParams;
}

export interface Disk extends Extras, Timestamps {
  readonly uuid?: string;
  readonly name?: string | null;
  /** plain, drbd, file, sharedfile, blockdev, rbd, ext, gluster, diskless. */
  readonly dev_type: string;
  /**
   * Template-specific: plain = [vg, lv]; drbd = [nodeA, nodeB, port, minorA, minorB, secret];
   * file = [driver, path]; ...
   */
  readonly logical_id: readonly unknown[];
  readonly children?: readonly Disk[];
  readonly nodes?: readonly string[];
  readonly iv_name?: string;
  /** Size in MiB. */
  readonly size: number;
  readonly mode?: string;
  readonly params: ParamDict;
  readonly spindles?: number | null;
  readonly serial_no?: number;
}

export interface Instance extends Extras, Timestamps {
  readonly uuid: string;
  readonly name: string;
  readonly primary_node: string;
  readonly os: string;
  readonly hypervisor: string;
  readonly hvparams: ParamDict;
  readonly beparams: BeParams;
  readonly osparams: OsParams;
  readonly osparams_private?: OsParams;
  /** "up", "down" or "offline". */
  readonly admin_state: string;
  readonly admin_state_source?: string;
  readonly nics: readonly Nic[];
  /** Disk uuids (2.14+ layout); the disks themselves live in ConfigData.disks. */
  readonly disks: readonly string[];
  /** Written by some versions; 3.0 derives the template from the disks. */
  readonly disk_template?: string;
  readonly disks_active?: boolean;
  readonly network_port?: number | null;
  readonly forthcoming?: boolean;
  readonly serial_no: number;
  readonly tags: readonly string[];
}

export interface Network extends Extras, Timestamps {
  readonly uuid: string;
  readonly name: string;
  readonly serial_no: number;
  readonly network: string;
  readonly network6?: string | null;
  readonly gateway?: string | null;
  readonly gateway6?: string | null;
  readonly mac_prefix?: string | null;
  /** One character per address: "1" reserved, "0" free. */
  readonly reservations: string;
  readonly ext_reservations: string;
  readonly tags?: readonly string[];
}

export interface Filter extends Extras {
  readonly uuid: string;
  readonly watermark: number;
  readonly priority: number;
  readonly predicates: readonly unknown[];
  readonly action: unknown;
  readonly reason_trail: readonly unknown[];
}

export interface ConfigData extends Extras {
  readonly version: number;
  readonly cluster: Cluster;
  readonly nodes: Readonly<Record<string, Node>>;
  readonly nodegroups: Readonly<Record<string, NodeGroup>>;
  readonly instances: Readonly<Record<string, Instance>>;
  readonly networks: Readonly<Record<string, Network>>;
  readonly disks: Readonly<Record<string, Disk>>;
  readonly filters: Readonly<Record<string, Filter>>;
  readonly serial_no: number;
  readonly ctime: number;
  readonly mtime: number;
}
