// Cluster fields (Ganeti's CLUSTER_FIELDS, used by `gnt-cluster info`-style queries):
// one item, the cluster itself.

import { CONFIG_VERSION, EXPORT_VERSION, OS_API_VERSION, PROTOCOL_VERSION, RELEASE_VERSION } from "../constants.js";
import type { Cluster } from "../objects/types.js";
import { field, timestampFields } from "./common.js";
import { FS_UNAVAIL, type FieldDef, type QueryContext } from "./types.js";

export const CLUSTER_FIELDS: readonly FieldDef<QueryContext, Cluster>[] = [
  field("tags", "Tags", "other", "config", "Tags", (_c, cl: Cluster) => [...cl.tags]),
  field("architecture", "ArchInfo", "other", "none", "Architecture information", (c: QueryContext) => c.architecture ?? FS_UNAVAIL),
  field("drain_flag", "QueueDrained", "bool", "queue", "Flag whether job queue is drained", (c: QueryContext) => c.queueDrained ?? FS_UNAVAIL),
  field("watcher_pause", "WatcherPause", "timestamp", "none", "Until when watcher is paused",
    (c: QueryContext) => (c.watcherPause === undefined || c.watcherPause === null ? FS_UNAVAIL : c.watcherPause)),
  field("master_node", "Master", "text", "config", "Master node name",
    (c: QueryContext, cl: Cluster) => c.cfg.nodes[cl.master_node]?.name ?? FS_UNAVAIL),
  field("cluster_name", "Name", "text", "config", "Cluster name", (_c, cl: Cluster) => cl.cluster_name),
  field("volume_group_name", "VgName", "text", "config", "LVM volume group name", (_c, cl: Cluster) => cl.volume_group_name ?? ""),
  field("software_version", "SoftwareVersion", "text", "none", "Software version", () => RELEASE_VERSION),
  field("protocol_version", "ProtocolVersion", "number", "none", "RPC protocol version", () => PROTOCOL_VERSION),
  field("config_version", "ConfigVersion", "number", "none", "Configuration format version", () => CONFIG_VERSION),
  field("os_api_version", "OsApiVersion", "number", "none", "API version for OS template scripts", () => OS_API_VERSION),
  field("export_version", "ExportVersion", "number", "none", "Import/export file format version", () => EXPORT_VERSION),
  field("vcs_version", "VCSVersion", "text", "none", "VCS version", (c: QueryContext) => c.vcsVersion ?? FS_UNAVAIL),
  ...timestampFields<QueryContext, Cluster>("config"),
  field("name", "Name", "text", "config", "Cluster name", (_c, cl: Cluster) => cl.cluster_name),
];
