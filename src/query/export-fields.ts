// Export fields (Ganeti's EXPORT_FIELDS for the "export" query resource): one item per
// export found on a node, as gnt-backup list shows them.
import { field } from "./common.js";
import type { FieldDef, QueryContext } from "./types.js";

export interface ExportItem {
  readonly node: string;
  readonly export: string;
}

export const EXPORT_FIELDS: readonly FieldDef<QueryContext, ExportItem>[] = [
  field("node", "Node", "text", "config", "Node name", (_c, e: ExportItem) => e.node),
  field("export", "Export", "text", "config", "Export name", (_c, e: ExportItem) => e.export),
];
