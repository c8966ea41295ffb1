// The read-only RAPI v2 resources (Ganeti's lib/rapi/rlib2.py): each GET asks the master
// over luxi, with Ganeti's field lists and JSON shapes. The fields themselves come from the
// master's query tables (src/query) through the luxi Query call, the same ones that feed
// `gnt-* list -o`: nothing here computes a field.
import { RAPI_FEATURES } from "./resources.js";
import type { OsSummary } from "../cmdlib/os.js";
import { LuxiMethod } from "../luxi/protocol.js";
import type { LuxiClient } from "../luxi/client.js";
import { pollJob } from "../cli/jobs.js";
import { RAPI_VERSION } from "../constants.js";
import type { Match } from "./resources.js";

const COMMON_FIELDS = ["ctime", "mtime", "uuid", "serial_no", "tags"];
/** rlib2.I_FIELDS */
export const I_FIELDS: readonly string[] = [
  "name", "admin_state", "os", "pnode", "snodes", "disk_template",
  "nic.ips", "nic.macs", "nic.modes", "nic.uuids", "nic.names", "nic.links", "nic.networks", "nic.networks.names", "nic.bridges",
  "network_port", "disk.sizes", "disk.spindles", "disk_usage", "disk.uuids", "disk.names", "beparams", "hvparams",
  "oper_state", "oper_ram", "oper_vcpus", "status", "custom_hvparams", "custom_beparams", "custom_nicparams", "custom_osparams",
  ...COMMON_FIELDS,
];
/** rlib2.N_FIELDS */
export const N_FIELDS: readonly string[] = [
  "name", "offline", "master_candidate", "drained", "dtotal", "dfree", "sptotal", "spfree", "mtotal", "mnode", "mfree",
  "pinst_cnt", "sinst_cnt", "ctotal", "cnos", "cnodes", "csockets", "pip", "sip", "role", "pinst_list", "sinst_list",
  "master_capable", "vm_capable", "ndparams", "group.uuid", ...COMMON_FIELDS,
];
/** rlib2.G_FIELDS */
export const G_FIELDS: readonly string[] = [
  "alloc_policy", "name", "node_cnt", "node_list", "ipolicy", "custom_ipolicy", "diskparams", "custom_diskparams", "ndparams",
  "custom_ndparams", ...COMMON_FIELDS,
];
/** rlib2.NET_FIELDS */
export const NET_FIELDS: readonly string[] = [
  "name", "network", "gateway", "network6", "gateway6", "mac_prefix", "free_count", "reserved_count", "map", "group_list", "inst_list",
  "external_reservations", ...COMMON_FIELDS,
];
/** rlib2.J_FIELDS_BULK and J_FIELDS */
export const J_FIELDS_BULK: readonly string[] = ["id", "ops", "status", "summary", "opstatus", "received_ts", "start_ts", "end_ts"];
export const J_FIELDS: readonly string[] = [...J_FIELDS_BULK, "oplog", "opresult"];
/** rlib2.OSI_FIELDS_BULK */
export const OSI_FIELDS_BULK: readonly string[] = ["name", "valid", "variants", "parameters", "api_versions", "blacklisted", "hidden", "trusted"];

/** rlib2._NR_MAP: the query's one-letter role → RAPI's role name. */
const NR_MAP: Readonly<Record<string, string>> = { M: "master", C: "master-candidate", D: "drained", O: "offline", R: "regular" };

/** An HTTP error with Ganeti's semantics (message defaults to the status's reason phrase). */
export class HttpError extends Error {
  constructor(readonly code: number, message?: string, readonly headers: Readonly<Record<string, string>> = {}) {
    super(message ?? "");
  }
}

export type QueryArgs = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface ReadRequest {
  readonly match: Match;
  readonly method: "GET" | "PUT";
  readonly query: QueryArgs;
  readonly body: unknown;
}

/** What the handlers need of the master: luxi calls (one client per request). */
export type Luxi = Pick<LuxiClient, "call">;

function firstArg(q: QueryArgs, name: string): string | undefined {
  const v = q[name];
  return typeof v === "string" ? v : v?.[0];
}

/** baserlib._checkIntVariable */
function intArg(q: QueryArgs, name: string): number {
  const v = firstArg(q, name);
  if (v === undefined) return 0;
  const n = Number(v.trim());
  if (v.trim() === "" || !Number.isInteger(n)) throw new HttpError(400, `Invalid value for the '${name}' parameter`);
  return n;
}

/** rlib2._SplitQueryFields */
function splitFields(s: string): string[] {
  return s.split(",").map((f) => f.trim());
}

interface QueryResult {
  readonly fields: ReadonlyArray<{ readonly name: string }>;
  readonly data: ReadonlyArray<ReadonlyArray<readonly [number, unknown]>>;
}

/** An old-style query (Ganeti's QueryNodes & co.): plain values, null where the status is not normal. */
async function oldStyle(luxi: Luxi, what: string, fields: readonly string[], names: readonly string[] | null): Promise<unknown[][]> {
  const qfilter = names === null ? null : ["|", ...names.map((n) => ["=", "name", n])];
  const r = (await luxi.call(LuxiMethod.query, [what, fields, qfilter])) as QueryResult;
  return r.data.map((row) => row.map(([status, value]) => (status === 0 ? value : null)));
}

function mapFields(names: readonly string[], row: readonly unknown[]): Record<string, unknown> {
  return Object.fromEntries(names.map((n, i) => [n, row[i] ?? null]));
}

/** baserlib.BuildUriList: sorted as Python sorts (code points for names, numbers for job ids). */
function uriList(ids: Array<string | number>, format: (id: string | number) => string, idField: string): Array<Record<string, unknown>> {
  ids.sort((a, b) => (typeof a === "number" && typeof b === "number" ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
  return ids.map((id) => ({ [idField]: id, uri: format(id) }));
}

/** rlib2._UpdateBeparams: beparams.memory mirrors beparams.maxmem (kept for old clients). */
function updateBeparams(inst: Record<string, unknown>): Record<string, unknown> {
  const be = inst["beparams"];
  if (typeof be === "object" && be !== null && "maxmem" in be) {
    inst["beparams"] = { ...(be as Record<string, unknown>), memory: (be as Record<string, unknown>)["maxmem"] };
  }
  return inst;
}

interface Collection {
  readonly what: "node" | "instance" | "group" | "network";
  readonly fields: readonly string[];
  readonly uri: string;
  readonly idField: string;
  readonly post: (x: Record<string, unknown>) => Record<string, unknown>;
}

const NODES: Collection = { what: "node", fields: N_FIELDS, uri: "/2/nodes/", idField: "id", post: (x) => x };
const INSTANCES: Collection = { what: "instance", fields: I_FIELDS, uri: "/2/instances/", idField: "id", post: updateBeparams };
const GROUPS: Collection = { what: "group", fields: G_FIELDS, uri: "/2/groups/", idField: "name", post: (x) => x };
const NETWORKS: Collection = { what: "network", fields: NET_FIELDS, uri: "/2/networks/", idField: "name", post: (x) => x };

/**
 * The fields of a bulk or single-item answer: Ganeti's list, or (a ganeti-ts extension)
 * the `fields=a,b` of the request, any field of the query table.
 */
function chosenFields(c: Collection, q: QueryArgs): readonly string[] {
  const f = firstArg(q, "fields");
  return f === undefined ? c.fields : splitFields(f);
}

async function listCollection(luxi: Luxi, c: Collection, q: QueryArgs): Promise<unknown> {
  if (intArg(q, "bulk") !== 0 || firstArg(q, "fields") !== undefined) {
    const fields = chosenFields(c, q);
    return (await oldStyle(luxi, c.what, fields, null)).map((row) => c.post(mapFields(fields, row)));
  }
  const names = (await oldStyle(luxi, c.what, ["name"], null)).map((row) => String(row[0]));
  return uriList(names, (id) => `${c.uri}${id}`, c.idField);
}

async function oneItem(luxi: Luxi, c: Collection, name: string, q: QueryArgs): Promise<unknown> {
  const fields = chosenFields(c, q);
  const rows = await oldStyle(luxi, c.what, fields, [name]);
  const row = rows[0];
  if (row === undefined) throw new HttpError(404);
  return c.post(mapFields(fields, row));
}

async function tags(luxi: Luxi, kind: string, name: string): Promise<unknown> {
  return [...((await luxi.call(LuxiMethod.queryTags, [kind, name])) as string[])];
}

/** What OP_OS_DIAGNOSE's job returns per OS (LUOsDiagnose's OsSummary; trusted where given). */
type OsSummaryLike = Omit<OsSummary, "node_status"> & { readonly trusted?: boolean };

/** R_2_os: OP_OS_DIAGNOSE as a job (as Ganeti does), then its legacy filtering. */
async function osList(luxi: LuxiClient, q: QueryArgs): Promise<unknown> {
  const bulk = intArg(q, "bulk") !== 0;
  const fields = bulk ? OSI_FIELDS_BULK : ["name", "variants"];
  const id = (await luxi.call(LuxiMethod.submitJob, [[{ OP_ID: "OP_OS_DIAGNOSE", output_fields: fields, names: [] }]])) as number;
  const [result] = await pollJob(luxi, id, () => undefined);
  if (!Array.isArray(result)) throw new HttpError(502, "Can't get OS list");
  const all = result as OsSummaryLike[];
  if (bulk) {
    return all.map((o) => ({
      name: o.name, valid: o.valid, variants: [...o.variants], parameters: o.parameters.map(([name, description]) => ({ name, description })),
      api_versions: [...o.api_versions], blacklisted: o.blacklisted, hidden: o.hidden, trusted: o.trusted ?? true,
    }));
  }
  // LUOsDiagnose._BuildFilter: without those fields, hidden, blacklisted and invalid OSes are left out
  return all.filter((o) => o.valid && !o.hidden && !o.blacklisted)
    .flatMap((o) => (o.variants.length > 0 ? o.variants.map((v) => `${o.name}+${v}`) : [o.name]));
}

async function jobs(luxi: Luxi, q: QueryArgs): Promise<unknown> {
  if (intArg(q, "bulk") !== 0) {
    const rows = (await luxi.call(LuxiMethod.queryJobs, [null, J_FIELDS_BULK])) as Array<unknown[] | null>;
    return rows.filter((r): r is unknown[] => r !== null).map((r) => mapFields(J_FIELDS_BULK, r));
  }
  const rows = (await luxi.call(LuxiMethod.queryJobs, [null, ["id"]])) as Array<unknown[] | null>;
  return uriList(rows.filter((r): r is unknown[] => r !== null).map((r) => r[0] as number), (id) => `/2/jobs/${id}`, "id");
}

async function job(luxi: Luxi, id: string): Promise<unknown> {
  const [row] = (await luxi.call(LuxiMethod.queryJobs, [[Number(id)], J_FIELDS])) as Array<unknown[] | null>;
  if (row === null || row === undefined) throw new HttpError(404);
  return mapFields(J_FIELDS, row);
}

/** rlib2._GetQueryFields */
function queryFieldsArg(q: QueryArgs): string[] {
  const f = firstArg(q, "fields");
  if (f === undefined) throw new HttpError(400, "Missing 'fields' query argument");
  return splitFields(f);
}

function typeName(v: unknown): string {
  if (v === null || v === undefined) return "NoneType";
  if (Array.isArray(v)) return "list";
  return { string: "str", number: Number.isInteger(v) ? "int" : "float", boolean: "bool", object: "dict" }[typeof v as string] ?? typeof v;
}

async function query(luxi: Luxi, req: ReadRequest, what: string): Promise<unknown> {
  if (req.method === "GET") return luxi.call(LuxiMethod.query, [what, queryFieldsArg(req.query), null]);
  const body = req.body;
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(400, `Body contents: Type is '${typeName(body)}', but 'dict' is expected`);
  }
  const b = body as Record<string, unknown>;
  const fields = "fields" in b ? b["fields"] : queryFieldsArg(req.query);
  const qfilter = b["qfilter"] ?? b["filter"] ?? null;
  return luxi.call(LuxiMethod.query, [what, fields, qfilter]);
}

/**
 * Answers a read request (GET, or the PUT of /2/query) of a resource that ganeti-ts
 * implements; null when it does not implement that resource's read yet.
 */
export function readHandler(req: ReadRequest): ((luxi: LuxiClient) => Promise<unknown>) | null {
  const [a = ""] = req.match.items;
  const q = req.query;
  if (req.method === "PUT") return req.match.resource.name === "R_2_query" ? (l) => query(l, req, a) : null;
  switch (req.match.resource.name) {
    case "R_root":
    case "R_2":
      return async () => null;
    case "R_version":
      return async () => RAPI_VERSION;
    // The write request formats accepted (writes.ts).
    case "R_2_features":
      return async () => [...RAPI_FEATURES];
    case "R_2_info":
      return (l) => l.call(LuxiMethod.queryClusterInfo, []);
    case "R_2_tags":
      return (l) => tags(l, "cluster", "");
    case "R_2_os":
      return (l) => osList(l, q);
    case "R_2_nodes":
      return (l) => listCollection(l, NODES, q);
    case "R_2_nodes_name":
      return (l) => oneItem(l, NODES, a, q);
    case "R_2_nodes_name_role":
      return async (l) => {
        const row = (await oldStyle(l, "node", ["role"], [a]))[0];
        if (row === undefined) throw new HttpError(404);
        return NR_MAP[String(row[0])] ?? null;
      };
    case "R_2_nodes_name_tags":
      return (l) => tags(l, "node", a);
    case "R_2_instances":
      return (l) => listCollection(l, INSTANCES, q);
    case "R_2_instances_name":
      return (l) => oneItem(l, INSTANCES, a, q);
    case "R_2_instances_name_tags":
      return (l) => tags(l, "instance", a);
    case "R_2_groups":
      return (l) => listCollection(l, GROUPS, q);
    case "R_2_groups_name":
      return (l) => oneItem(l, GROUPS, a, q);
    case "R_2_groups_name_tags":
      return (l) => tags(l, "nodegroup", a);
    case "R_2_networks":
      return (l) => listCollection(l, NETWORKS, q);
    case "R_2_networks_name":
      return (l) => oneItem(l, NETWORKS, a, q);
    case "R_2_networks_name_tags":
      return (l) => tags(l, "network", a);
    case "R_2_jobs":
      return (l) => jobs(l, q);
    case "R_2_jobs_id":
      return (l) => job(l, a);
    case "R_2_query":
      return (l) => query(l, req, a);
    case "R_2_query_fields":
      return (l) => {
        const f = firstArg(q, "fields");
        return l.call(LuxiMethod.queryFields, [a, f === undefined ? null : splitFields(f)]);
      };
    default:
      return null;
  }
}
