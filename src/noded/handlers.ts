// noded's handler table, one entry per call of the RPC catalogue (the type makes a
// missing handler a compile error).
import { restrictedCommand } from "./backend/restricted.js";
import { nodeHasIpAddress } from "./backend/addresses.js";
import { nodeRunCommand, nodeCopyFile } from "./backend/node-commands.js";
import { nodeRoleQuery, nodeDrbdQuery, nodeMaintenance } from "./backend/confd.js";
import { certStage, certActivate, certSettle } from "./backend/crypto.js";
import type { TLSSocket } from "node:tls";
import type { RpcArgs, RpcName, RpcResultOf } from "../rpc/catalogue.js";
import type { NodedContext } from "./context.js";
import { version, nodeInfo, nodeVerify, masterNodeName } from "./backend/info.js";
import { uploadFile, writeSsconfFiles, jobqueueUpdate, jobqueueRename, jobqueuePurge } from "./backend/files.js";
import { startMasterDaemons, stopMaster, activateMasterIp, deactivateMasterIp } from "./backend/master.js";
import { joinInfo, nodeJoin, leaveCluster } from "./backend/join.js";
import { hooksRunner } from "./backend/hooks.js";
import { osDiagnose, osValidate, instanceOsAdd, instanceRunRename } from "./backend/os.js";
import { extStorageDiagnose } from "./backend/ext.js";
import { blockdevCreate, blockdevRemove, blockdevFind, blockdevSnapshot, blockdevAssemble, blockdevShutdown, instanceStart, instanceShutdown,
  allInstancesInfo, lvmStatus, blockdevGrow, fileStorageDirRename,
  storageList, storageRepair, nodePowercycle, runOob, storageModify, lvList,
  fileStorageList, blockdevGetdimensions, instanceBalloonMemory, bdevSizes } from "./backend/instances.js";
import { drbdSetRole, drbdSetNetwork, drbdWaitSync, drbdList, mirrorStatus, peerHello, peerHashes, peerWrite, peerDone, peerRead,
  blockdevRename } from "./backend/drbd.js";
import { blockdevConvert, blockdevExport, blockdevTransferStatus, blockdevWriteChunk } from "./backend/transfer.js";
import { exportStart, exportWriteChunk, exportFinalize, exportList, exportRemove, exportInfo, exportReadChunk, importStart } from "./backend/backup.js";

type Handler<N extends RpcName> = (args: RpcArgs<N>, ctx: NodedContext, sock: TLSSocket) => Promise<RpcResultOf<N>>;

export const HANDLERS: { readonly [N in RpcName]: Handler<N> } = {
  version,
  node_info: nodeInfo,
  node_verify: nodeVerify,
  upload_file: uploadFile,
  write_ssconf_files: writeSsconfFiles,
  jobqueue_update: jobqueueUpdate,
  jobqueue_rename: jobqueueRename,
  jobqueue_purge: jobqueuePurge,
  master_node_name: masterNodeName,
  node_start_master_daemons: startMasterDaemons,
  node_stop_master: stopMaster,
  node_activate_master_ip: activateMasterIp,
  node_deactivate_master_ip: deactivateMasterIp,
  node_leave_cluster: leaveCluster,
  test_delay: async (args) => {
    await new Promise((r) => setTimeout(r, args.duration * 1000));
    return null;
  },
  hooks_runner: hooksRunner,
  blockdev_create: blockdevCreate,
  blockdev_remove: blockdevRemove,
  blockdev_find: blockdevFind,
  blockdev_snapshot: blockdevSnapshot,
  blockdev_assemble: blockdevAssemble,
  blockdev_shutdown: blockdevShutdown,
  blockdev_getmirrorstatus: mirrorStatus,
  drbd_set_role: drbdSetRole,
  drbd_set_network: drbdSetNetwork,
  drbd_wait_sync: drbdWaitSync,
  drbd_list: drbdList,
  drbd_peer_hello: peerHello,
  drbd_peer_hashes: peerHashes,
  drbd_peer_write: peerWrite,
  drbd_peer_done: peerDone,
  drbd_peer_read: peerRead,
  blockdev_rename: blockdevRename,
  lvm_status: lvmStatus,
  storage_list: storageList,
  file_storage_list: fileStorageList,
  blockdev_getdimensions: blockdevGetdimensions,
  storage_repair: storageRepair,
  storage_modify: storageModify,
  lv_list: lvList,
  cluster_cert_stage: certStage,
  node_role_query: nodeRoleQuery,
  restricted_command: restrictedCommand,
  node_drbd_query: nodeDrbdQuery,
  node_has_ip_address: nodeHasIpAddress,
  node_run_command: nodeRunCommand,
  node_copy_file: nodeCopyFile,
  node_maintenance: nodeMaintenance,
  cluster_cert_activate: certActivate,
  cluster_cert_settle: certSettle,
  bdev_sizes: bdevSizes,
  node_powercycle: nodePowercycle,
  run_oob: runOob,
  blockdev_grow: blockdevGrow,
  blockdev_export: blockdevExport,
  blockdev_convert: blockdevConvert,
  blockdev_transfer_status: blockdevTransferStatus,
  blockdev_write_chunk: blockdevWriteChunk,
  instance_start: instanceStart,
  instance_shutdown: instanceShutdown,
  all_instances_info: allInstancesInfo,
  instance_balloon_memory: instanceBalloonMemory,
  os_diagnose: osDiagnose,
  os_validate: osValidate,
  extstorage_diagnose: extStorageDiagnose,
  instance_os_add: instanceOsAdd,
  instance_run_rename: instanceRunRename,
  file_storage_dir_rename: fileStorageDirRename,
  export_start: exportStart,
  export_write_chunk: exportWriteChunk,
  export_finalize: exportFinalize,
  export_list: exportList,
  export_remove: exportRemove,
  export_info: exportInfo,
  export_read_chunk: exportReadChunk,
  import_start: importStart,
  join_info: joinInfo,
  node_join: nodeJoin,
};
