// The typed catalogue of node RPC calls: one entry per call (arguments schema, timeout
// class, whether it is served before the node joined a cluster). The master's client and
// noded's handler table are both derived from it, so they cannot drift apart.
import { Type, type Static, type TSchema } from "@sinclair/typebox";

/**
 * Timeout classes, in seconds (after Ganeti's rpc_defs TMO_*). "urgent" calls are quick
 * ones on the hot path (queue replication, votes, live data): 10 s, so a vanished node
 * holds nothing up for long.
 */
export const RpcTimeout = {
  urgent: 10,
  fast: 5 * 60,
  normal: 15 * 60,
  slow: 3600,
} as const;
export type RpcTimeout = (typeof RpcTimeout)[keyof typeof RpcTimeout];

const Str = Type.String();
const Files = Type.Array(Type.Tuple([Type.String(), Type.String()]));

export const NodeLiveInfoSchema = Type.Object({
  bootid: Str,
  memory_total: Type.Number(),
  memory_free: Type.Number(),
  memory_dom0: Type.Number(),
  cpu_total: Type.Number(),
  /** CPUs the node OS may use (Ganeti's cpu_dom0: all of them, except under Xen). */
  cpu_dom0: Type.Number(),
  cpu_nodes: Type.Number(),
  cpu_sockets: Type.Number(),
  storage: Type.Array(Type.Object({
    type: Str, name: Str, storage_size: Type.Number(), storage_free: Type.Number(),
  })),
});
export type NodeLiveInfo = Static<typeof NodeLiveInfoSchema>;

/** Files the master may push to nodes, by id, never by arbitrary path. */
export const DistributableFile = {
  configData: "config.data",
  etcHosts: "etc_hosts",
  fileStoragePaths: "file_storage_paths",
  rapiPem: "rapi_pem",
} as const;
export type DistributableFile = (typeof DistributableFile)[keyof typeof DistributableFile];

/** `call<Result>()(argsSchema, timeout)`: curried so the arguments' type is inferred. */
const DiskArg = Type.Object({
  uuid: Str, dev_type: Str, logical_id: Type.Array(Type.Unknown()), size: Type.Number(),
  name: Type.Optional(Type.Union([Str, Type.Null()])),
  children: Type.Optional(Type.Array(Type.Object({ dev_type: Str, logical_id: Type.Array(Type.Unknown()), size: Type.Number() }))),
  params: Type.Optional(Type.Record(Str, Type.Unknown())),
});
export type DiskArg = Static<typeof DiskArg>;
const PeerAddr = Type.Object({ name: Str, ip: Str, port: Type.Optional(Type.Number()) });
/** A drbd disk as one node sees it: its minor there, its role, the peer's address. */
const DrbdLocal = Type.Object({ disk: DiskArg, instance: Str, minor: Type.Number(), peer: Type.Union([PeerAddr, Type.Null()]) });
export interface MirrorStatusResult {
  dev_path: string; minor: number; sync_percent: number | null; estimated_time: number | null; is_degraded: boolean;
  ldisk_status: "ok" | "sync" | "unknown"; conn: string; role: string; peer_disk: string;
}
/** What drbd_list adds to a device's mirror status (the monitoring daemon's drbd report). */
export interface DrbdListExtra {
  local_disk: string; peer_name: string | null; sync: { done_kib: number; total_kib: number; rate_kib: number } | null;
}
const Progress = Type.Object({ done: Type.Number(), total: Type.Number(), sent: Type.Number(), started: Type.Number() });

/** An instance as the OS scripts see it (filled parameters, disks, NICs). */
const OsInstanceArg = Type.Object({
      name: Str, uuid: Str, os: Str, hypervisor: Str, primary_node: Str,
      disks: Type.Array(Type.Object({ ...DiskArg.properties, mode: Str, name: Type.Union([Str, Type.Null()]) })),
      nics: Type.Array(Type.Object({ mac: Str, uuid: Str, ip: Type.Union([Str, Type.Null()]), mode: Str, link: Str,
        name: Type.Union([Str, Type.Null()]),
        /** Ganeti's Network.HooksDict("NIC_i_") when the NIC is in a network: NETWORK_NAME, _UUID, _TAGS, _SUBNET, ... */
        network_env: Type.Optional(Type.Record(Str, Str)) })),
      beparams: Type.Record(Str, Type.Unknown()), hvparams: Type.Record(Str, Type.Unknown()), osparams: Type.Record(Str, Type.Unknown()),
    });

/** `call<Result>()(argsSchema, timeout)`: curried so the arguments' type is inferred. */
function call<R>() {
  return <A extends TSchema>(args: A, timeout: RpcTimeout, opts: { unjoined?: boolean } = {}) =>
    ({ args, timeout, unjoined: opts.unjoined === true, _result: undefined as unknown as R });
}

export const RPC_CALLS = {
  version: call<{ protocol: number; release: string }>()(Type.Object({}), RpcTimeout.urgent),
  node_info: call<NodeLiveInfo>()(
    Type.Object({ storage_dirs: Type.Array(Str) }), RpcTimeout.urgent),
  node_verify: call<{
    hostname: string; version: number; time: number; file_checksums: Record<string, string | null>;
    nodelist: Record<string, string | null>; master_ip_up?: boolean;
  }>()(Type.Object({
    checksum_files: Type.Array(Str),
    node_names_to_check: Type.Array(Type.Object({ name: Str, ip: Str })),
    master_ip: Type.Optional(Str),
  }), RpcTimeout.normal),
  upload_file: call<null>()(
    Type.Object({ file: Type.Union(Object.values(DistributableFile).map((v) => Type.Literal(v))), content: Str }),
    RpcTimeout.normal),
  write_ssconf_files: call<null>()(
    Type.Object({ values: Type.Record(Str, Str) }), RpcTimeout.normal),
  jobqueue_update: call<null>()(Type.Object({ files: Files }), RpcTimeout.urgent),
  jobqueue_rename: call<null>()(
    Type.Object({ renames: Type.Array(Type.Tuple([Str, Str])) }), RpcTimeout.urgent),
  jobqueue_purge: call<null>()(Type.Object({}), RpcTimeout.normal),
  master_node_name: call<{ master: string | null; hostname: string }>()(
    Type.Object({}), RpcTimeout.urgent),
  node_start_master_daemons: call<null>()(
    Type.Object({ no_voting: Type.Boolean() }), RpcTimeout.fast),
  node_stop_master: call<null>()(Type.Object({}), RpcTimeout.fast),
  node_activate_master_ip: call<null>()(
    Type.Object({ ip: Str, netmask: Type.Number(), netdev: Str }), RpcTimeout.fast),
  node_deactivate_master_ip: call<null>()(
    Type.Object({ ip: Str, netmask: Type.Number(), netdev: Str }), RpcTimeout.fast),
  node_leave_cluster: call<null>()(Type.Object({}), RpcTimeout.normal),
  /** Ganeti's restricted_command: an executable of the node's restricted-commands directory; its output. */
  restricted_command: call<string>()(Type.Object({ cmd: Str }), RpcTimeout.slow),
  /** Whether the node owns the address (and then serves RPC on it too). */
  node_has_ip_address: call<boolean>()(Type.Object({ address: Str }), RpcTimeout.urgent),
  /** gnt-cluster command: a shell command line run as root here; its output (stdout, then stderr) and exit code. */
  node_run_command: call<{ output: string; exit_code: number }>()(Type.Object({ command: Str }), RpcTimeout.slow),
  /** gnt-cluster copyfile: the file written at the same path here, with its mode and times. */
  node_copy_file: call<null>()(Type.Object({ path: Str, content: Str, mode: Type.Number(), atime: Type.Number(), mtime: Type.Number() }),
    RpcTimeout.slow),
  /** A node's role from this node's copy of the configuration (what Ganeti asks confd). */
  node_role_query: call<"master" | "candidate" | "offline" | "drained" | "regular">()(Type.Object({ name: Str }), RpcTimeout.fast),
  /** A node's DRBD minors from this node's configuration: [node, minor, instance, disk, role, peer] (confd's NODE_DRBD). */
  node_drbd_query: call<Array<[string, number, string, string, string, string]>>()(Type.Object({ name: Str }), RpcTimeout.fast),
  /** Node auto-maintenance on an offline node: running guests stopped, DRBD devices shut down. */
  node_maintenance: call<{ instances: string[]; minors: number[] }>()(Type.Object({}), RpcTimeout.normal),
  /** renew-crypto, step 1: the next cluster certificate (server.pem: key and certificate) is kept and accepted from peers. */
  cluster_cert_stage: call<null>()(Type.Object({ pem: Str }), RpcTimeout.normal),
  /** Step 2: the node presents the staged certificate (the previous one is still accepted from peers). */
  cluster_cert_activate: call<null>()(Type.Object({ fingerprint: Str }), RpcTimeout.normal),
  /** Step 3 (or an abort): the node accepts only the certificate with this fingerprint, the one it presents. */
  cluster_cert_settle: call<null>()(Type.Object({ fingerprint: Str }), RpcTimeout.normal),
  test_delay: call<null>()(Type.Object({ duration: Type.Number() }), RpcTimeout.slow),
  hooks_runner: call<Array<[string, "success" | "fail" | "skip", string]>>()(
    Type.Object({ hpath: Str, phase: Type.Union([Type.Literal("pre"), Type.Literal("post")]), env: Type.Record(Str, Str) }),
    RpcTimeout.normal),
  /** `info`: the volume's metadata (Ganeti's "originstname+NAME", given to ext providers' setinfo). */
  blockdev_create: call<{ path: string }>()(Type.Object({ disk: DiskArg, on_primary: Type.Optional(Type.Boolean()), info: Type.Optional(Str) }),
    RpcTimeout.slow),
  /** Activates a disk here (drbd: role and network; others: checks it exists). */
  blockdev_assemble: call<{ path: string }>()(Type.Object({ ...DrbdLocal.properties, as_primary: Type.Boolean() }), RpcTimeout.normal),
  blockdev_grow: call<null>()(Type.Object({ disk: DiskArg, amount: Type.Number(), dryrun: Type.Boolean() }), RpcTimeout.normal),
  blockdev_shutdown: call<null>()(Type.Object({ disk: DiskArg }), RpcTimeout.normal),
  /** Per disk, as Ganeti's BlockDevStatus; null where the device is not active here. */
  blockdev_getmirrorstatus: call<Array<MirrorStatusResult | null>>()(Type.Object({ disks: Type.Array(DiskArg) }), RpcTimeout.urgent),
  drbd_set_role: call<null>()(Type.Object({ disks: Type.Array(DiskArg), role: Type.Union([Type.Literal("primary"), Type.Literal("secondary")]) }),
    RpcTimeout.normal),
  /** Takes drbd devices off the network (peer null, standalone) or onto it. */
  drbd_set_network: call<null>()(Type.Object({ disks: Type.Array(Type.Object({ disk: DiskArg, peer: Type.Union([PeerAddr, Type.Null()]) })) }),
    RpcTimeout.normal),
  /** Waits (bounded) until the given drbd devices are connected and in sync. */
  drbd_wait_sync: call<Array<MirrorStatusResult | null>>()(Type.Object({ disks: Type.Array(DiskArg), timeout: Type.Number() }), RpcTimeout.slow),
  drbd_list: call<Array<{ minor: number; uuid: string; instance: string } & MirrorStatusResult & DrbdListExtra>>()(Type.Object({}), RpcTimeout.urgent),
  // Node to node: the primary's daemon replicating onto the secondary's.
  drbd_peer_hello: call<{ role: "primary" | "secondary"; disk_state: "UpToDate" | "Inconsistent" | "Outdated" | "DUnknown" }>()(
    Type.Object({ uuid: Str, from: Str }), RpcTimeout.urgent),
  drbd_peer_hashes: call<string[]>()(Type.Object({ uuid: Str, from: Str, offset: Type.Number(), count: Type.Number() }), RpcTimeout.urgent),
  drbd_peer_write: call<null>()(Type.Object({ uuid: Str, from: Str, offset: Type.Number(), data: Str, progress: Progress }), RpcTimeout.urgent),
  drbd_peer_read: call<string>()(Type.Object({ uuid: Str, from: Str, offset: Type.Number(), length: Type.Number(), progress: Progress }),
    RpcTimeout.urgent),
  /** Renames file volumes (drbd's data/meta children) in place: old storage set aside, new put in. */
  blockdev_rename: call<null>()(Type.Object({ devices: Type.Array(Type.Object({ disk: DiskArg, new_path: Str })) }), RpcTimeout.normal),
  /** Starts sending a local volume to the same volume on another node; returns the transfer id. */
  blockdev_export: call<{ id: string }>()(Type.Object({ disk: DiskArg, dest: PeerAddr }), RpcTimeout.normal),
  /** Starts copying one local volume into another on this node (disk template conversion); returns the transfer id. */
  blockdev_convert: call<{ id: string }>()(Type.Object({ src: DiskArg, dst: DiskArg }), RpcTimeout.normal),
  blockdev_transfer_status: call<{ done: number; total: number; sent: number; started: number; finished: boolean; error: string | null } | null>()(
    Type.Object({ id: Str }), RpcTimeout.urgent),
  /** Node to node: one chunk of a transfer into an existing local volume. */
  blockdev_write_chunk: call<null>()(Type.Object({ disk: DiskArg, offset: Type.Number(), data: Str }), RpcTimeout.urgent),
  /** Files below the file storage directories (for verify's orphan volumes), relative to the root. */
  file_storage_list: call<string[]>()(Type.Object({ dirs: Type.Array(Str) }), RpcTimeout.normal),
  /** Sizes in bytes of the given disks' local volumes (null where missing). */
  blockdev_getdimensions: call<Array<number | null>>()(Type.Object({ disks: Type.Array(DiskArg) }), RpcTimeout.normal),
  storage_list: call<Array<Record<string, string | number | boolean>>>()(
    Type.Object({ type: Str, dirs: Type.Array(Str) }), RpcTimeout.normal),
  storage_modify: call<null>()(Type.Object({ type: Str, name: Str, changes: Type.Record(Str, Type.Unknown()) }), RpcTimeout.normal),
  /** The node's logical volumes; `online`: open (in use), as the sixth lv_attr letter says. */
  lv_list: call<Array<{ name: string; vg: string; size: number; dev: string; online: boolean }>>()(Type.Object({}), RpcTimeout.normal),
  /** Ganeti's bdev_sizes: sizes in MiB of those of `devices` that are block devices below /dev here. */
  bdev_sizes: call<Record<string, number>>()(Type.Object({ devices: Type.Array(Str) }), RpcTimeout.normal),
  storage_repair: call<null>()(Type.Object({ type: Str, name: Str }), RpcTimeout.slow),
  /** Reboots the node (a devcluster node: its daemons restart with a new boot id). */
  node_powercycle: call<string>()(Type.Object({}), RpcTimeout.urgent),
  /** Ganeti's run_oob: the out-of-band helper `program COMMAND NODE` on this node; its stdout. */
  run_oob: call<string>()(Type.Object({ program: Str, command: Str, node: Str, timeout: Type.Number() }), RpcTimeout.slow),
  /** Whether LVM works here and the volume group's size and free space (MiB). */
  lvm_status: call<{ error: string | null; size: number; free: number }>()(Type.Object({ vg: Str }), RpcTimeout.urgent),
  drbd_peer_done: call<null>()(Type.Object({ uuid: Str, from: Str }), RpcTimeout.urgent),
  blockdev_remove: call<null>()(Type.Object({ disk: DiskArg }), RpcTimeout.normal),
  /**
   * Ganeti's blockdev_snapshot: a point-in-time copy of the disk here (drbd: of its data
   * volume); returns the copy's logical id. `live`: the instance runs meanwhile.
   */
  blockdev_snapshot: call<unknown[]>()(Type.Object({ disk: DiskArg, snap_name: Type.Union([Str, Type.Null()]),
    snap_size: Type.Union([Type.Number(), Type.Null()]), live: Type.Boolean() }), RpcTimeout.slow),
  blockdev_find: call<{ path: string; size: number; degraded: boolean } | null>()(Type.Object({ disk: DiskArg }), RpcTimeout.normal),
  instance_start: call<null>()(Type.Object({
    name: Str, hypervisor: Str, memory: Type.Number(), vcpus: Type.Number(), disks: Type.Array(DiskArg),
  }), RpcTimeout.normal),
  instance_shutdown: call<null>()(Type.Object({ name: Str, hypervisor: Str, timeout: Type.Number() }), RpcTimeout.normal),
  instance_balloon_memory: call<null>()(Type.Object({ name: Str, hypervisor: Str, memory: Type.Number() }), RpcTimeout.normal),
  all_instances_info: call<Record<string, { memory: number; vcpus: number; state: string; time: number }>>()(
    Type.Object({ hypervisors: Type.Array(Str) }), RpcTimeout.urgent),
  os_diagnose: call<Array<{ name: string; path: string; status: boolean; diagnose: string; variants: string[];
    parameters: Array<[string, string]>; api_versions: number[] }>>()(Type.Object({}), RpcTimeout.fast),
  /** The ExtStorage providers in this node's search path (Ganeti's DiagnoseExtStorage). */
  extstorage_diagnose: call<Array<{ name: string; path: string; status: boolean; diagnose: string; parameters: Array<[string, string]> }>>()(
    Type.Object({}), RpcTimeout.fast),
  /** Ganeti's os_validate: the OS, its variant and parameters (its verify script); false if missing and not required. */
  os_validate: call<boolean>()(Type.Object({ required: Type.Boolean(), name: Str, checks: Type.Array(Str),
    osparams: Type.Record(Str, Type.Unknown()), force_variant: Type.Boolean() }), RpcTimeout.normal),
  instance_os_add: call<{ log: string }>()(Type.Object({
    instance: OsInstanceArg,
    debug: Type.Number(),
  }), RpcTimeout.slow),
  /** The OS rename script, with OLD_INSTANCE_NAME (gnt-instance rename). */
  instance_run_rename: call<{ log: string }>()(Type.Object({ instance: OsInstanceArg, old_name: Str, debug: Type.Number() }), RpcTimeout.slow),
  /** Renames an instance's file storage directory (within the allowed paths). */
  file_storage_dir_rename: call<null>()(Type.Object({ old_dir: Str, new_dir: Str }), RpcTimeout.normal),
  // gnt-backup: see src/noded/backend/backup.ts.
  /** `compress`: Ganeti's compression tool for the stream ("none" or absent: raw). */
  export_start: call<{ id: string }>()(Type.Object({ instance: OsInstanceArg, index: Type.Number(), dest: PeerAddr, name: Str, file: Str,
    compress: Type.Optional(Str) }), RpcTimeout.normal),
  export_write_chunk: call<null>()(Type.Object({ name: Str, file: Str, offset: Type.Number(), data: Str }), RpcTimeout.urgent),
  export_finalize: call<null>()(Type.Object({ name: Str, config: Str }), RpcTimeout.normal),
  export_list: call<string[]>()(Type.Object({}), RpcTimeout.fast),
  export_remove: call<null>()(Type.Object({ name: Str }), RpcTimeout.normal),
  export_info: call<string>()(Type.Object({ name: Str }), RpcTimeout.fast),
  export_read_chunk: call<{ data: string; zeros?: number; eof: boolean }>()(Type.Object({ name: Str, file: Str, offset: Type.Number(), length: Type.Number() }),
    RpcTimeout.urgent),
  import_start: call<{ id: string }>()(Type.Object({ instance: OsInstanceArg, index: Type.Number(), src: PeerAddr, name: Str, file: Str,
    size: Type.Number(), compress: Type.Optional(Str) }), RpcTimeout.normal),
  // Served only while a node has not joined a cluster: see docs/design/node-join.md.
  join_info: call<{ token_id: string; hostname: string }>()(
    Type.Object({}), RpcTimeout.urgent, { unjoined: true }),
  node_join: call<{ hostname: string }>()(
    Type.Object({ token_id: Str, iv: Str, tag: Str, payload: Str }), RpcTimeout.urgent, { unjoined: true }),
} as const;

export type RpcName = keyof typeof RPC_CALLS;
export type RpcArgs<N extends RpcName> = Static<(typeof RPC_CALLS)[N]["args"]>;
export type RpcResultOf<N extends RpcName> = (typeof RPC_CALLS)[N]["_result"];

export function isRpcName(x: string): x is RpcName {
  return Object.prototype.hasOwnProperty.call(RPC_CALLS, x);
}
