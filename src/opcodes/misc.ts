// Opcodes outside the object families: query2 through the job queue, out-of-band
// management and restricted commands.
import { defineOp } from "./define.js";
import { redoc } from "./types.js";
import * as p from "./params.js";

export const OpQuery = defineOp("OP_QUERY", "Query resources (query2 through the job queue)", {
  what: p.pQueryWhat,
  use_locking: p.pUseLocking,
  fields: p.pQueryFields,
  qfilter: p.pQueryFilter,
}, { summary: "what" });

export const OpQueryFields = defineOp("OP_QUERY_FIELDS", "Describe the fields a resource can be queried for", {
  what: p.pQueryWhat,
  fields: p.pQueryFieldsFields,
}, { summary: "what" });

export const OpOobCommand = defineOp("OP_OOB_COMMAND", "Run an out-of-band command on nodes", {
  node_names: redoc(p.pNodes, "Nodes to run the command on (empty: all)"),
  node_uuids: redoc(p.pNodeUuids, "UUIDs of the nodes to run the command on"),
  command: p.pOobCommand,
  timeout: p.pOobTimeout,
  ignore_status: p.pIgnoreStatus,
  power_delay: p.pPowerDelay,
});

export const OpRestrictedCommand = defineOp("OP_RESTRICTED_COMMAND",
  "Run a command from the nodes' restricted-commands directory", {
    use_locking: p.pUseLocking,
    nodes: redoc(p.pRequiredNodes, "Nodes to run the command on (at least one)"),
    node_uuids: redoc(p.pRequiredNodeUuids, "UUIDs of the nodes to run the command on"),
    command: p.pRestrictedCommand,
  });

export const MISC_OPCODES = [OpQuery, OpQueryFields, OpOobCommand, OpRestrictedCommand] as const;
