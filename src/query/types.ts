// The shape of a query2 field table (Ganeti's lib/query.py): one row per field with its
// title, kind, doc and what data it needs, and a getter. The tables drive `list -o`,
// `list-fields`, RAPI `fields=` and luxi Query; live RPC runs only if a field needs it.

import type { ConfigData } from "../objects/types.js";

/** Ganeti's QFT_* field kinds. */
export const FieldKind = {
  text: "text", bool: "bool", number: "number", float: "float", unit: "unit",
  timestamp: "timestamp", other: "other", unknown: "unknown",
} as const;
export type FieldKind = (typeof FieldKind)[keyof typeof FieldKind];

/** Ganeti's RS_* result statuses (the first element of each result cell). */
export const ResultStatus = { normal: 0, unknown: 1, nodata: 2, unavail: 3, offline: 4 } as const;
export type ResultStatus = (typeof ResultStatus)[keyof typeof ResultStatus];
export type ResultCell = readonly [ResultStatus, unknown];

/** What a field needs besides the static config; callers gather only what is needed. */
export const Needs = {
  config: "config", live: "live", instances: "instances", groups: "groups", oob: "oob",
  nodes: "nodes", diskUsage: "disk-usage", console: "console", networks: "networks",
  queue: "queue", archived: "archived", none: "none",
} as const;
export type Needs = (typeof Needs)[keyof typeof Needs];

/** A getter's way to say "no normal value" (Ganeti's _FS_UNAVAIL, _FS_NODATA, ...). */
export class Abnormal {
  constructor(readonly status: Exclude<ResultStatus, 0>) {}
}
export const FS_UNKNOWN = new Abnormal(ResultStatus.unknown);
export const FS_NODATA = new Abnormal(ResultStatus.nodata);
export const FS_UNAVAIL = new Abnormal(ResultStatus.unavail);
export const FS_OFFLINE = new Abnormal(ResultStatus.offline);

export interface FieldDef<Ctx, Item> {
  readonly name: string;
  readonly title: string;
  readonly kind: FieldKind;
  readonly doc: string;
  readonly needs: Needs;
  readonly get: (ctx: Ctx, item: Item) => unknown;
}

/** The public part of a field, as `list-fields` and QueryFields return it. */
export interface FieldInfo {
  readonly name: string;
  readonly title: string;
  readonly kind: FieldKind;
  readonly doc: string;
}

/** Live node data, as gathered by the node_info RPC; keyed by node uuid in the context. */
export interface NodeLive {
  readonly memory_total?: number;
  readonly memory_free?: number;
  readonly memory_dom0?: number;
  readonly storage?: readonly { readonly type: string; readonly name: string; readonly storage_size?: number; readonly storage_free?: number }[];
  readonly cpu_total?: number;
  readonly cpu_nodes?: number;
  readonly cpu_sockets?: number;
  readonly cpu_dom0?: number;
  readonly spindles_total?: number;
  readonly spindles_free?: number;
  readonly bootid?: string;
}

/** Live instance data from the hypervisors, keyed by instance uuid. */
export interface InstanceLive {
  /** "running" (or any non-shutdown state) vs "shutdown". */
  readonly state: string;
  readonly memory?: number;
  readonly vcpus?: number;
  /** Node uuid the instance was found running on. */
  readonly node?: string;
}

export interface QueryContext {
  readonly cfg: ConfigData;
  readonly live?: Readonly<Record<string, NodeLive>>;
  readonly instanceLive?: Readonly<Record<string, InstanceLive>>;
  /** Nodes whose RPC failed (instances there are ERROR_nodedown). */
  readonly badNodes?: readonly string[];
  /** Node uuid → whether it has an out-of-band program (for "powered"). */
  readonly oobSupport?: Readonly<Record<string, boolean>>;
  readonly queueDrained?: boolean;
  /** Until when the watcher is paused (seconds), or null. */
  readonly watcherPause?: number | null;
  readonly architecture?: readonly [string, string];
  /** Opcode summary (Ganeti's OpCode.Summary); the default uses OP_ID and a name field. */
  readonly summarizeOp?: (input: Readonly<Record<string, unknown>>) => string;
  readonly vcsVersion?: string;
}
