// Instance opcodes (OP_INSTANCE_*).
import { defineOp } from "./define.js";
import { redoc } from "./types.js";
import * as p from "./params.js";
import * as pi from "./params-instance.js";

const ident = { instance_name: pi.pInstanceName, instance_uuid: pi.pInstanceUuid } as const;
const byName = { summary: "instance_name" } as const;

export const OpInstanceCreate = defineOp("OP_INSTANCE_CREATE", "Create an instance (or import one)", {
  instance_name: pi.pInstanceName,
  force_variant: pi.pForceVariant,
  wait_for_sync: pi.pWaitForSync,
  name_check: pi.pNameCheck,
  ignore_ipolicy: p.pIgnoreIpolicy,
  opportunistic_locking: pi.pOpportunisticLocking,
  beparams: pi.pInstBeParams,
  disks: pi.pInstDisks,
  disk_template: pi.pOptDiskTemplate,
  group_name: p.pOptGroupName,
  file_driver: pi.pFileDriver,
  file_storage_dir: pi.pFileStorageDir,
  hvparams: pi.pInstHvParams,
  hypervisor: pi.pHypervisor,
  iallocator: p.pIallocator,
  identify_defaults: pi.pResetDefaults,
  ip_check: pi.pIpCheck,
  conflicts_check: p.pIpConflictsCheck,
  mode: pi.pInstCreateMode,
  nics: pi.pInstNics,
  no_install: pi.pNoInstall,
  osparams: pi.pInstOsParams,
  osparams_private: pi.pInstOsParamsPrivate,
  osparams_secret: pi.pInstOsParamsSecret,
  os_type: pi.pInstOs,
  pnode: pi.pPrimaryNode,
  pnode_uuid: pi.pPrimaryNodeUuid,
  snode: pi.pSecondaryNode,
  snode_uuid: pi.pSecondaryNodeUuid,
  source_handshake: pi.pSourceHandshake,
  source_instance_name: pi.pSourceInstance,
  source_shutdown_timeout: pi.pSourceShutdownTimeout,
  source_x509_ca: pi.pSourceX509Ca,
  src_node: pi.pSrcNode,
  src_node_uuid: pi.pSrcNodeUuid,
  src_path: pi.pSrcPath,
  compress: pi.pBackupCompress,
  start: pi.pStartInstance,
  forthcoming: pi.pForthcoming,
  commit: pi.pCommit,
  tags: p.pInstTags,
  instance_communication: pi.pInstanceCommunication,
  helper_startup_timeout: pi.pHelperStartupTimeout,
  helper_shutdown_timeout: pi.pHelperShutdownTimeout,
}, byName);

// Each element of `instances` is itself an OP_INSTANCE_CREATE; the registry validates them.
export const OpInstanceMultiAlloc = defineOp("OP_INSTANCE_MULTI_ALLOC", "Allocate several instances at once", {
  opportunistic_locking: pi.pOpportunisticLocking,
  iallocator: p.pIallocator,
  instances: pi.pMultiAllocInstances,
});

export const OpInstanceReinstall = defineOp("OP_INSTANCE_REINSTALL", "Reinstall an instance's OS", {
  ...ident,
  force_variant: pi.pForceVariant,
  os_type: pi.pInstOs,
  osparams: pi.pTempOsParams,
  osparams_private: pi.pTempOsParamsPrivate,
  osparams_secret: pi.pTempOsParamsSecret,
}, byName);

export const OpInstanceRemove = defineOp("OP_INSTANCE_REMOVE", "Remove an instance and its disks", {
  ...ident,
  shutdown_timeout: pi.pShutdownTimeout,
  ignore_failures: pi.pIgnoreFailures,
}, byName);

// Ganeti shows no name in this opcode's summary (it would need both names).
export const OpInstanceRename = defineOp("OP_INSTANCE_RENAME", "Rename an instance", {
  ...ident,
  new_name: redoc(p.pNewName, "New instance name"),
  name_check: pi.pNameCheck,
  ip_check: pi.pIpCheck,
});

export const OpInstanceStartup = defineOp("OP_INSTANCE_STARTUP", "Start an instance", {
  ...ident,
  force: p.pForce,
  ignore_offline_nodes: pi.pIgnoreOfflineNodes,
  hvparams: pi.pTempHvParams,
  beparams: pi.pTempBeParams,
  no_remember: pi.pNoRemember,
  startup_paused: pi.pStartupPaused,
  // Used to clean up an instance the user shut down from inside.
  shutdown_timeout: pi.pShutdownTimeout,
}, byName);

export const OpInstanceShutdown = defineOp("OP_INSTANCE_SHUTDOWN", "Stop an instance", {
  ...ident,
  force: p.pForce,
  ignore_offline_nodes: pi.pIgnoreOfflineNodes,
  timeout: pi.pInstShutdownTimeout,
  no_remember: pi.pNoRemember,
  admin_state_source: pi.pAdminStateSource,
}, byName);

export const OpInstanceReboot = defineOp("OP_INSTANCE_REBOOT", "Reboot an instance", {
  ...ident,
  shutdown_timeout: pi.pShutdownTimeout,
  ignore_secondaries: pi.pIgnoreSecondaries,
  reboot_type: pi.pRebootType,
}, byName);

export const OpInstanceReplaceDisks = defineOp("OP_INSTANCE_REPLACE_DISKS",
  "Replace an instance's disks or change its secondary node", {
    ...ident,
    early_release: p.pEarlyRelease,
    ignore_ipolicy: p.pIgnoreIpolicy,
    mode: pi.pReplaceDisksMode,
    disks: pi.pReplaceDisksList,
    remote_node: p.pRemoteNode,
    remote_node_uuid: p.pRemoteNodeUuid,
    iallocator: p.pIallocator,
  }, byName);

export const OpInstanceFailover = defineOp("OP_INSTANCE_FAILOVER", "Fail an instance over to another node", {
  ...ident,
  shutdown_timeout: pi.pShutdownTimeout,
  ignore_consistency: p.pIgnoreConsistency,
  target_node: p.pMigrationTargetNode,
  target_node_uuid: p.pMigrationTargetNodeUuid,
  ignore_ipolicy: p.pIgnoreIpolicy,
  cleanup: pi.pMigrationCleanup,
  iallocator: p.pIallocator,
}, byName);

export const OpInstanceMigrate = defineOp("OP_INSTANCE_MIGRATE", "Migrate an instance to another node", {
  ...ident,
  mode: p.pMigrationMode,
  live: p.pMigrationLive,
  target_node: p.pMigrationTargetNode,
  target_node_uuid: p.pMigrationTargetNodeUuid,
  allow_runtime_changes: p.pAllowRuntimeChgs,
  ignore_ipolicy: p.pIgnoreIpolicy,
  cleanup: pi.pMigrationCleanup,
  iallocator: p.pIallocator,
  allow_failover: pi.pAllowFailover,
  ignore_hvversions: pi.pIgnoreHVVersions,
}, byName);

export const OpInstanceMove = defineOp("OP_INSTANCE_MOVE", "Copy an instance's disks to another node and move it", {
  ...ident,
  shutdown_timeout: pi.pShutdownTimeout,
  ignore_ipolicy: p.pIgnoreIpolicy,
  target_node: pi.pMoveTargetNode,
  target_node_uuid: pi.pMoveTargetNodeUuid,
  compress: pi.pMoveCompress,
  ignore_consistency: p.pIgnoreConsistency,
}, byName);

export const OpInstanceConsole = defineOp("OP_INSTANCE_CONSOLE", "Return how to reach an instance's console",
  { ...ident }, byName);

export const OpInstanceActivateDisks = defineOp("OP_INSTANCE_ACTIVATE_DISKS", "Activate an instance's disks", {
  ...ident,
  ignore_size: pi.pIgnoreDiskSize,
  wait_for_sync: pi.pWaitForSyncFalse,
}, byName);

export const OpInstanceDeactivateDisks = defineOp("OP_INSTANCE_DEACTIVATE_DISKS",
  "Deactivate an instance's disks", {
    ...ident,
    force: p.pForce,
  }, byName);

export const OpInstanceRecreateDisks = defineOp("OP_INSTANCE_RECREATE_DISKS",
  "Recreate an instance's disks (optionally on other nodes)", {
    ...ident,
    disks: pi.pRecreateDisksInfo,
    nodes: redoc(p.pNodes, "New nodes of the instance, to relocate it"),
    node_uuids: redoc(p.pNodeUuids, "UUIDs of the new nodes of the instance"),
    iallocator: p.pIallocator,
  }, byName);

export const OpInstanceQueryData = defineOp("OP_INSTANCE_QUERY_DATA", "Return detailed instance information", {
  use_locking: p.pUseLocking,
  instances: p.pInstances,
  static: pi.pStatic,
});

export const OpInstanceSetParams = defineOp("OP_INSTANCE_SET_PARAMS", "Change an instance's parameters", {
  ...ident,
  force: p.pForce,
  force_variant: pi.pForceVariant,
  ignore_ipolicy: p.pIgnoreIpolicy,
  nics: pi.pInstParamsNicChanges,
  disks: pi.pInstParamsDiskChanges,
  beparams: pi.pInstBeParams,
  runtime_mem: pi.pRuntimeMem,
  hvparams: pi.pInstHvParams,
  disk_template: pi.pOptDiskTemplate,
  ext_params: pi.pExtParams,
  file_driver: pi.pFileDriver,
  file_storage_dir: pi.pFileStorageDir,
  pnode: pi.pPrimaryNode,
  pnode_uuid: pi.pPrimaryNodeUuid,
  remote_node: redoc(p.pRemoteNode, "Secondary node, when converting to a mirrored template"),
  remote_node_uuid: redoc(p.pRemoteNodeUuid, "UUID of the secondary node, when converting"),
  iallocator: p.pIallocator,
  os_name: pi.pOsNameChange,
  osparams: pi.pInstOsParams,
  osparams_private: pi.pInstOsParamsPrivate,
  wait_for_sync: pi.pWaitForSync,
  offline: redoc(p.pOffline, "Mark the instance offline (or back online)"),
  conflicts_check: p.pIpConflictsCheck,
  hotplug: pi.pHotplug,
  instance_communication: pi.pOptInstanceCommunication,
}, byName);

export const OpInstanceGrowDisk = defineOp("OP_INSTANCE_GROW_DISK", "Grow one of an instance's disks", {
  ...ident,
  wait_for_sync: pi.pWaitForSync,
  disk: pi.pDiskIndex,
  amount: pi.pDiskChgAmount,
  absolute: pi.pDiskChgAbsolute,
  ignore_ipolicy: p.pIgnoreIpolicy,
}, byName);

export const OpInstanceChangeGroup = defineOp("OP_INSTANCE_CHANGE_GROUP", "Move an instance to another node group", {
  ...ident,
  early_release: p.pEarlyRelease,
  iallocator: p.pIallocator,
  target_groups: p.pTargetGroups,
}, byName);

export const INSTANCE_OPCODES = [
  OpInstanceCreate, OpInstanceMultiAlloc, OpInstanceReinstall, OpInstanceRemove, OpInstanceRename,
  OpInstanceStartup, OpInstanceShutdown, OpInstanceReboot, OpInstanceReplaceDisks,
  OpInstanceFailover, OpInstanceMigrate, OpInstanceMove, OpInstanceConsole,
  OpInstanceActivateDisks, OpInstanceDeactivateDisks, OpInstanceRecreateDisks,
  OpInstanceQueryData, OpInstanceSetParams, OpInstanceGrowDisk, OpInstanceChangeGroup,
] as const;
