// Tag opcodes (OP_TAGS_*): tags of the cluster, nodes, groups, instances and networks.
import { defineOp } from "./define.js";
import { redoc } from "./types.js";
import * as p from "./params.js";

export const OpTagsGet = defineOp("OP_TAGS_GET", "Return the tags of an object", {
  kind: p.pTagsObject,
  use_locking: p.pUseLocking,
  name: redoc(p.pTagsName, "Object whose tags to return (none for the cluster)"),
}, { summary: "name" });

export const OpTagsSearch = defineOp("OP_TAGS_SEARCH", "Find tags matching a pattern on every object", {
  pattern: p.pTagSearchPattern,
}, { summary: "pattern" });

export const OpTagsSet = defineOp("OP_TAGS_SET", "Add tags to an object", {
  kind: p.pTagsObject,
  tags: p.pTagsList,
  name: redoc(p.pTagsName, "Object to add the tags to (none for the cluster)"),
});

export const OpTagsDel = defineOp("OP_TAGS_DEL", "Remove tags from an object", {
  kind: p.pTagsObject,
  tags: p.pTagsList,
  name: redoc(p.pTagsName, "Object to remove the tags from (none for the cluster)"),
});

export const TAGS_OPCODES = [OpTagsGet, OpTagsSearch, OpTagsSet, OpTagsDel] as const;
