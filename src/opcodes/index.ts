// Public face of the opcode layer: the table, validation, summaries and help.
export {
  OPCODES, OP_IDS, getOpDef, validateOpcode, opSummary, opTinySummary,
} from "./registry.js";
export type {
  Opcode, OpOf,
  OpClusterPostInit, OpClusterDestroy, OpClusterQuery, OpClusterVerify, OpClusterVerifyConfig,
  OpClusterVerifyGroup, OpClusterVerifyDisks, OpClusterRedistConf, OpClusterRename,
  OpClusterSetParams, OpClusterActivateMasterIp, OpClusterDeactivateMasterIp, OpQuery,
  OpQueryFields, OpNodeAdd, OpNodeRemove, OpNodeSetParams, OpNodeQuery, OpNodeMigrate,
  OpNodeEvacuate, OpNodePowercycle, OpGroupAdd, OpGroupAssignNodes, OpGroupRename,
  OpGroupSetParams, OpGroupRemove, OpGroupEvacuate, OpGroupVerifyDisks, OpTagsGet, OpTagsSearch,
  OpTagsSet, OpTagsDel, OpTestDelay, OpTestJqueue, OpTestDummy,
} from "./registry.js";
export type { OpDef } from "./define.js";
export { describeFields, typeText, type FieldDescription } from "./describe.js";
export { COMMON_PARAMS, COMMON_PARAM_NAMES } from "./common.js";
