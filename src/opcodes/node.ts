// Node opcodes (OP_NODE_*, OP_REPAIR_NODE_STORAGE).
import { defineOp } from "./define.js";
import { redoc } from "./types.js";
import * as p from "./params.js";

export const OpNodeRemove = defineOp("OP_NODE_REMOVE", "Remove a node from the cluster", {
  node_name: p.pNodeName,
  node_uuid: p.pNodeUuid,
}, { summary: "node_name" });

export const OpNodeAdd = defineOp("OP_NODE_ADD", "Add a node to the cluster (or re-add it)", {
  node_name: p.pNodeName,
  hv_state: p.pHvState,
  disk_state: p.pDiskState,
  primary_ip: p.pPrimaryIp,
  secondary_ip: p.pSecondaryIp,
  readd: p.pReadd,
  group: p.pNodeGroup,
  master_capable: p.pMasterCapable,
  vm_capable: p.pVmCapable,
  ndparams: p.pNdParams,
  node_setup: p.pNodeSetup,
}, { summary: "node_name" });

export const OpNodeQueryvols = defineOp("OP_NODE_QUERYVOLS", "List the logical volumes on nodes", {
  output_fields: p.pOutputFields,
  nodes: p.pNodes,
});

export const OpNodeQueryStorage = defineOp("OP_NODE_QUERY_STORAGE", "Report storage units of nodes", {
  output_fields: p.pOutputFields,
  storage_type: p.pOptStorageType,
  nodes: p.pNodes,
  name: p.pStorageName,
});

export const OpNodeModifyStorage = defineOp("OP_NODE_MODIFY_STORAGE",
  "Change properties of a storage unit on a node", {
    node_name: p.pNodeName,
    node_uuid: p.pNodeUuid,
    storage_type: p.pStorageType,
    name: p.pStorageName,
    changes: p.pStorageChanges,
  }, { summary: "node_name" });

export const OpRepairNodeStorage = defineOp("OP_REPAIR_NODE_STORAGE",
  "Repair a storage unit (e.g. an LVM volume group) on a node", {
    node_name: p.pNodeName,
    node_uuid: p.pNodeUuid,
    storage_type: p.pStorageType,
    name: p.pStorageName,
    ignore_consistency: p.pIgnoreConsistency,
  }, { summary: "node_name" });

export const OpNodeSetParams = defineOp("OP_NODE_SET_PARAMS", "Change a node's flags and parameters", {
  node_name: p.pNodeName,
  node_uuid: p.pNodeUuid,
  force: p.pForce,
  hv_state: p.pHvState,
  disk_state: p.pDiskState,
  master_candidate: p.pMasterCandidate,
  offline: redoc(p.pOffline, "Mark the node offline (or back online)"),
  drained: p.pDrained,
  auto_promote: p.pAutoPromote,
  master_capable: p.pMasterCapable,
  vm_capable: p.pVmCapable,
  secondary_ip: p.pSecondaryIp,
  ndparams: p.pNdParams,
  powered: p.pPowered,
}, { summary: "node_name" });

export const OpNodePowercycle = defineOp("OP_NODE_POWERCYCLE", "Power-cycle a node through its hypervisor", {
  node_name: p.pNodeName,
  node_uuid: p.pNodeUuid,
  force: p.pForce,
}, { summary: "node_name" });

export const OpNodeMigrate = defineOp("OP_NODE_MIGRATE", "Migrate every primary instance off a node", {
  node_name: p.pNodeName,
  node_uuid: p.pNodeUuid,
  mode: p.pMigrationMode,
  live: p.pMigrationLive,
  target_node: p.pMigrationTargetNode,
  target_node_uuid: p.pMigrationTargetNodeUuid,
  allow_runtime_changes: p.pAllowRuntimeChgs,
  ignore_ipolicy: p.pIgnoreIpolicy,
  iallocator: p.pIallocator,
}, { summary: "node_name" });

export const OpNodeEvacuate = defineOp("OP_NODE_EVACUATE", "Move instances off a node", {
  early_release: p.pEarlyRelease,
  node_name: p.pNodeName,
  node_uuid: p.pNodeUuid,
  remote_node: p.pRemoteNode,
  remote_node_uuid: p.pRemoteNodeUuid,
  iallocator: p.pIallocator,
  mode: p.pEvacMode,
  ignore_soft_errors: p.pIgnoreSoftErrors,
}, { summary: "node_name" });

export const NODE_OPCODES = [
  OpNodeRemove, OpNodeAdd, OpNodeQueryvols, OpNodeQueryStorage, OpNodeModifyStorage,
  OpRepairNodeStorage, OpNodeSetParams, OpNodePowercycle, OpNodeMigrate, OpNodeEvacuate,
] as const;
