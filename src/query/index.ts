// The query layer's public surface: field tables per resource, their default `list`
// columns, the query runner and Ganeti's table formatting.

export * from "./types.js";
export * from "./engine.js";
export * from "./format.js";
export { NODE_FIELDS, NODE_DEFAULT_FIELDS } from "./node-fields.js";
export { GROUP_FIELDS, GROUP_DEFAULT_FIELDS } from "./group-fields.js";
export { NETWORK_FIELDS, NETWORK_DEFAULT_FIELDS } from "./network-fields.js";
export { JOB_FIELDS, JOB_DEFAULT_FIELDS, calcJobPriority, calcJobStatus, defaultOpSummary, type JobItem, type JobOpView, type JobView } from "./job-fields.js";
export { INSTANCE_FIELDS, INSTANCE_DEFAULT_FIELDS, instanceStatus } from "./instance-fields.js";
export { CLUSTER_FIELDS } from "./cluster-fields.js";
export { niceSort, niceCompare } from "./common.js";
