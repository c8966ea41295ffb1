// Node group fields (Ganeti's GROUP_FIELDS): the group's own settings, its members and
// primary instances, and its parameters merged with the cluster's.

import { fillGroupDiskParams, fillGroupIPolicy, fillGroupNdParams } from "../objects/fill.js";
import type { NodeGroup } from "../objects/types.js";
import { field, niceSort, timestampFields } from "./common.js";
import { ndParamFields } from "./node-fields.js";
import type { FieldDef, QueryContext } from "./types.js";

type GroupField = FieldDef<QueryContext, NodeGroup>;

function memberNames(ctx: QueryContext, g: NodeGroup): string[] {
  return niceSort(Object.values(ctx.cfg.nodes).filter((n) => n.group === g.uuid).map((n) => n.name));
}

function primaryInstanceNames(ctx: QueryContext, g: NodeGroup): string[] {
  return niceSort(Object.values(ctx.cfg.instances)
    .filter((i) => ctx.cfg.nodes[i.primary_node]?.group === g.uuid).map((i) => i.name));
}

export const GROUP_FIELDS: readonly GroupField[] = [
  field("alloc_policy", "AllocPolicy", "text", "config", "Allocation policy for group", (_c, g: NodeGroup) => g.alloc_policy),
  field("name", "Group", "text", "config", "Group name", (_c, g: NodeGroup) => g.name),
  field("serial_no", "SerialNo", "number", "config", "Group object serial number, incremented on each modification", (_c, g: NodeGroup) => g.serial_no),
  field("uuid", "UUID", "text", "config", "Group UUID", (_c, g: NodeGroup) => g.uuid),
  field("node_cnt", "Nodes", "number", "nodes", "Number of nodes", (c: QueryContext, g: NodeGroup) => memberNames(c, g).length),
  field("node_list", "NodeList", "other", "nodes", "List of nodes", (c: QueryContext, g: NodeGroup) => memberNames(c, g)),
  field("pinst_cnt", "Instances", "number", "instances", "Number of primary instances", (c: QueryContext, g: NodeGroup) => primaryInstanceNames(c, g).length),
  field("pinst_list", "InstanceList", "other", "instances", "List of primary instances", (c: QueryContext, g: NodeGroup) => primaryInstanceNames(c, g)),
  field("tags", "Tags", "other", "config", "Tags", (_c, g: NodeGroup) => [...g.tags]),
  field("ipolicy", "InstancePolicy", "other", "config", "Instance policy limitations (merged)", (c: QueryContext, g: NodeGroup) => fillGroupIPolicy(c.cfg.cluster, g)),
  field("custom_ipolicy", "CustomInstancePolicy", "other", "config", "Custom instance policy limitations", (_c, g: NodeGroup) => ({ ...g.ipolicy })),
  field("custom_ndparams", "CustomNDParams", "other", "config", "Custom node parameters", (_c, g: NodeGroup) => ({ ...g.ndparams })),
  field("ndparams", "NDParams", "other", "config", "Node parameters", (c: QueryContext, g: NodeGroup) => fillGroupNdParams(c.cfg.cluster, g)),
  field("diskparams", "DiskParameters", "other", "config", "Disk parameters (merged)", (c: QueryContext, g: NodeGroup) => fillGroupDiskParams(c.cfg.cluster, g)),
  field("custom_diskparams", "CustomDiskParameters", "other", "config", "Custom disk parameters", (_c, g: NodeGroup) => ({ ...g.diskparams })),
  ...ndParamFields<NodeGroup>("config", (c, g) => fillGroupNdParams(c.cfg.cluster, g)),
  ...timestampFields<QueryContext, NodeGroup>("config"),
];

/** `gnt-group list` without -o. */
export const GROUP_DEFAULT_FIELDS: readonly string[] = ["name", "node_cnt", "pinst_cnt", "alloc_policy", "ndparams"];
