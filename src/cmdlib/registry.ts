// Which logical unit runs which opcode.
import type { LuFactory } from "./processor.js";
import type { LogicalUnit, LuEnv } from "./base.js";
import type { OpInput } from "../jobs/queue.js";
import { LUNodeAdd, LUNodeRemove, LUNodeSetParams, LUNodeMigrate } from "./node.js";
import {
  LUClusterRedistConf, LUClusterActivateMasterIp, LUClusterDeactivateMasterIp, LUClusterRename, LUClusterSetParams,
  LUClusterDestroy,
} from "./cluster.js";
import { LUClusterRenewCrypto } from "./cluster-crypto.js";
import { LURestrictedCommand } from "./restricted-command.js";
import { LUClusterVerify, LUClusterVerifyConfig, LUClusterVerifyGroup } from "./verify.js";
import { LUGroupAdd, LUGroupAssignNodes, LUGroupRename, LUGroupSetParams, LUGroupRemove } from "./group.js";
import { LUTagsGet, LUTagsSet, LUTagsDel, LUTagsSearch } from "./tags.js";
import { LUNetworkAdd, LUNetworkRemove, LUNetworkRename, LUNetworkSetParams, LUNetworkConnect, LUNetworkDisconnect } from "./network.js";
import { LUTestDelay } from "./test.js";
import { LUTestAllocator } from "./test-allocator.js";
import { LUInstanceCreate, LUInstanceRemove, LUInstanceStartup, LUInstanceShutdown } from "./instance.js";
import { LUInstanceReboot, LUInstanceReinstall } from "./instance-ops.js";
import { LUInstanceSetParams } from "./instance-modify.js";
import { LUInstanceQueryData } from "./instance-query.js";
import { LUOobCommand } from "./oob.js";
import { LUInstanceFailover, LUInstanceMigrate } from "./instance-migration.js";
import { LUOsDiagnose } from "./os.js";
import { LUExtStorageDiagnose } from "./extstorage.js";
import { LUNodeEvacuate } from "./node-evacuate.js";
import { LUInstanceChangeGroup, LUGroupEvacuate } from "./group-evacuate.js";
import { LUInstanceReplaceDisks } from "./replace-disks.js";
import { LUInstanceMove } from "./instance-move.js";
import { LUInstanceMultiAlloc } from "./instance-multi.js";
import { LUBackupExport, LUBackupRemove } from "./backup.js";
import { LUInstanceRecreateDisks } from "./instance-recreate.js";
import { LUClusterRepairDiskSizes } from "./repair-disk-sizes.js";
import { LUNodeQueryStorage, LUNodeQueryvols, LUNodeModifyStorage, LURepairNodeStorage, LUNodePowercycle } from "./node-storage.js";
import { LUInstanceGrowDisk, LUInstanceRename } from "./instance-grow-rename.js";
import { LUInstanceActivateDisks, LUInstanceDeactivateDisks, LUClusterVerifyDisks, LUGroupVerifyDisks } from "./instance-storage.js";

type LuClass = new (op: OpInput, env: LuEnv) => LogicalUnit;

const TABLE: ReadonlyArray<readonly [string, LuClass]> = [
  ["OP_NODE_ADD", LUNodeAdd],
  ["OP_NODE_REMOVE", LUNodeRemove],
  ["OP_NODE_SET_PARAMS", LUNodeSetParams],
  ["OP_NODE_MIGRATE", LUNodeMigrate],
  ["OP_NODE_EVACUATE", LUNodeEvacuate],
  ["OP_INSTANCE_CHANGE_GROUP", LUInstanceChangeGroup],
  ["OP_GROUP_EVACUATE", LUGroupEvacuate],
  ["OP_CLUSTER_REDIST_CONF", LUClusterRedistConf],
  ["OP_CLUSTER_RENEW_CRYPTO", LUClusterRenewCrypto],
  ["OP_RESTRICTED_COMMAND", LURestrictedCommand],
  ["OP_CLUSTER_ACTIVATE_MASTER_IP", LUClusterActivateMasterIp],
  ["OP_CLUSTER_DEACTIVATE_MASTER_IP", LUClusterDeactivateMasterIp],
  ["OP_CLUSTER_RENAME", LUClusterRename],
  ["OP_CLUSTER_SET_PARAMS", LUClusterSetParams],
  ["OP_CLUSTER_DESTROY", LUClusterDestroy],
  ["OP_CLUSTER_VERIFY", LUClusterVerify],
  ["OP_CLUSTER_VERIFY_CONFIG", LUClusterVerifyConfig],
  ["OP_CLUSTER_VERIFY_GROUP", LUClusterVerifyGroup],
  ["OP_CLUSTER_VERIFY_DISKS", LUClusterVerifyDisks],
  ["OP_GROUP_VERIFY_DISKS", LUGroupVerifyDisks],
  ["OP_INSTANCE_ACTIVATE_DISKS", LUInstanceActivateDisks],
  ["OP_INSTANCE_REPLACE_DISKS", LUInstanceReplaceDisks],
  ["OP_INSTANCE_MOVE", LUInstanceMove],
  ["OP_INSTANCE_MULTI_ALLOC", LUInstanceMultiAlloc],
  ["OP_BACKUP_EXPORT", LUBackupExport],
  ["OP_INSTANCE_RECREATE_DISKS", LUInstanceRecreateDisks],
  ["OP_BACKUP_REMOVE", LUBackupRemove],
  ["OP_CLUSTER_REPAIR_DISK_SIZES", LUClusterRepairDiskSizes],
  ["OP_NODE_QUERY_STORAGE", LUNodeQueryStorage],
  ["OP_NODE_QUERYVOLS", LUNodeQueryvols],
  ["OP_NODE_MODIFY_STORAGE", LUNodeModifyStorage],
  ["OP_REPAIR_NODE_STORAGE", LURepairNodeStorage],
  ["OP_NODE_POWERCYCLE", LUNodePowercycle],
  ["OP_OOB_COMMAND", LUOobCommand],
  ["OP_INSTANCE_GROW_DISK", LUInstanceGrowDisk],
  ["OP_INSTANCE_RENAME", LUInstanceRename],
  ["OP_INSTANCE_DEACTIVATE_DISKS", LUInstanceDeactivateDisks],
  ["OP_GROUP_ADD", LUGroupAdd],
  ["OP_GROUP_ASSIGN_NODES", LUGroupAssignNodes],
  ["OP_GROUP_RENAME", LUGroupRename],
  ["OP_GROUP_SET_PARAMS", LUGroupSetParams],
  ["OP_GROUP_REMOVE", LUGroupRemove],
  ["OP_NETWORK_ADD", LUNetworkAdd],
  ["OP_NETWORK_REMOVE", LUNetworkRemove],
  ["OP_NETWORK_RENAME", LUNetworkRename],
  ["OP_NETWORK_SET_PARAMS", LUNetworkSetParams],
  ["OP_NETWORK_CONNECT", LUNetworkConnect],
  ["OP_NETWORK_DISCONNECT", LUNetworkDisconnect],
  ["OP_TAGS_GET", LUTagsGet],
  ["OP_TAGS_SET", LUTagsSet],
  ["OP_TAGS_DEL", LUTagsDel],
  ["OP_TAGS_SEARCH", LUTagsSearch],
  ["OP_TEST_DELAY", LUTestDelay],
  ["OP_TEST_ALLOCATOR", LUTestAllocator],
  ["OP_INSTANCE_CREATE", LUInstanceCreate],
  ["OP_INSTANCE_REMOVE", LUInstanceRemove],
  ["OP_INSTANCE_STARTUP", LUInstanceStartup],
  ["OP_INSTANCE_SHUTDOWN", LUInstanceShutdown],
  ["OP_INSTANCE_REBOOT", LUInstanceReboot],
  ["OP_INSTANCE_SET_PARAMS", LUInstanceSetParams],
  ["OP_INSTANCE_QUERY_DATA", LUInstanceQueryData],
  ["OP_INSTANCE_REINSTALL", LUInstanceReinstall],
  ["OP_OS_DIAGNOSE", LUOsDiagnose],
  ["OP_EXT_STORAGE_DIAGNOSE", LUExtStorageDiagnose],
  ["OP_INSTANCE_FAILOVER", LUInstanceFailover],
  ["OP_INSTANCE_MIGRATE", LUInstanceMigrate],
];

export const LU_REGISTRY: ReadonlyMap<string, LuFactory> = new Map(
  TABLE.map(([id, cls]) => [id, (op: OpInput, env: LuEnv) => new cls(op, env)]),
);
