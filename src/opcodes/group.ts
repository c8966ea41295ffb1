// Node group opcodes (OP_GROUP_*).
import { defineOp } from "./define.js";
import { redoc } from "./types.js";
import * as p from "./params.js";

export const OpGroupVerifyDisks = defineOp("OP_GROUP_VERIFY_DISKS",
  "Check the disks of a node group's instances and report what needs activating", {
    group_name: p.pGroupName,
    is_strict: p.pIsStrict,
  }, { summary: "group_name" });

export const OpGroupAdd = defineOp("OP_GROUP_ADD", "Create a node group", {
  group_name: p.pGroupName,
  alloc_policy: p.pNodeGroupAllocPolicy,
  ndparams: p.pGroupNodeParams,
  diskparams: p.pGroupDiskParams,
  hv_state: p.pHvState,
  disk_state: p.pDiskState,
  ipolicy: redoc(p.pIpolicy, "Instance policy of the group"),
}, { summary: "group_name" });

export const OpGroupAssignNodes = defineOp("OP_GROUP_ASSIGN_NODES", "Move nodes into a node group", {
  group_name: p.pGroupName,
  force: p.pForce,
  nodes: redoc(p.pRequiredNodes, "Nodes to move into the group"),
  node_uuids: redoc(p.pRequiredNodeUuids, "UUIDs of the nodes to move into the group"),
}, { summary: "group_name" });

export const OpGroupSetParams = defineOp("OP_GROUP_SET_PARAMS", "Change a node group's parameters", {
  group_name: p.pGroupName,
  alloc_policy: p.pNodeGroupAllocPolicy,
  ndparams: p.pGroupNodeParams,
  diskparams: p.pGroupDiskParams,
  hv_state: p.pHvState,
  disk_state: p.pDiskState,
  ipolicy: redoc(p.pIpolicy, "Instance policy of the group"),
}, { summary: "group_name" });

export const OpGroupRemove = defineOp("OP_GROUP_REMOVE", "Remove an empty node group", {
  group_name: p.pGroupName,
}, { summary: "group_name" });

// Ganeti gives group rename no summary field (the summary is just "GROUP_RENAME").
export const OpGroupRename = defineOp("OP_GROUP_RENAME", "Rename a node group", {
  group_name: p.pGroupName,
  new_name: redoc(p.pNewName, "New group name"),
});

export const OpGroupEvacuate = defineOp("OP_GROUP_EVACUATE", "Move all instances off a node group", {
  group_name: p.pGroupName,
  early_release: p.pEarlyRelease,
  iallocator: p.pIallocator,
  target_groups: p.pTargetGroups,
  sequential: p.pSequential,
  force_failover: p.pForceFailover,
}, { summary: "group_name" });

export const GROUP_OPCODES = [
  OpGroupVerifyDisks, OpGroupAdd, OpGroupAssignNodes, OpGroupSetParams, OpGroupRemove,
  OpGroupRename, OpGroupEvacuate,
] as const;
