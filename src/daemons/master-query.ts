// Queries on the master (luxi Query/QueryFields/QueryJobs): pick the field table, gather
// only the data the requested fields need (live node data costs an RPC per node), filter,
// and compute the cells with the pure query engine.
import type { MasterServices } from "./services.js";
import type { ConfigData } from "../objects/types.js";
import { nodeOobProgram } from "../objects/fill.js";
import { NODE_FIELDS } from "../query/node-fields.js";
import { GROUP_FIELDS } from "../query/group-fields.js";
import { NETWORK_FIELDS } from "../query/network-fields.js";
import { JOB_FIELDS, type JobItem } from "../query/job-fields.js";
import { INSTANCE_FIELDS } from "../query/instance-fields.js";
import { EXPORT_FIELDS, type ExportItem } from "../query/export-fields.js";
import { resolveFields, neededData, query, listFields, fieldInfo, type FieldTable } from "../query/engine.js";
import type { FieldDef, QueryContext, NodeLive, InstanceLive } from "../query/types.js";
import { evalFilter, filterFields, type QFilter } from "../query/qfilter.js";
import { nodeTarget } from "../config/store.js";
import { opSummary } from "../opcodes/registry.js";
import { OpPrereqError, ErrorCode } from "../errors.js";

type AnyTable = FieldTable<QueryContext, unknown>;

const TABLES: Readonly<Record<string, AnyTable>> = {
  node: NODE_FIELDS as unknown as AnyTable,
  group: GROUP_FIELDS as unknown as AnyTable,
  network: NETWORK_FIELDS as unknown as AnyTable,
  job: JOB_FIELDS as unknown as AnyTable,
  instance: INSTANCE_FIELDS as unknown as AnyTable,
  export: EXPORT_FIELDS as unknown as AnyTable,
};

function table(what: string): AnyTable {
  const t = TABLES[what];
  if (t === undefined) throw new OpPrereqError(`Resource type '${what}' unknown`, ErrorCode.inval);
  return t;
}

async function gatherLive(s: MasterServices, cfg: ConfigData): Promise<{ live: Record<string, NodeLive>; bad: string[] }> {
  const nodes = Object.values(cfg.nodes);
  const dirs = [cfg.cluster.file_storage_dir ?? "/srv/ganeti/file-storage"];
  const res = await s.rpc.callMany(nodes.filter((n) => !n.offline).map(nodeTarget), "node_info", { storage_dirs: dirs }, 15);
  const live: Record<string, NodeLive> = {};
  const bad: string[] = [];
  for (const n of nodes) {
    const r = res.get(n.name);
    if (r !== undefined && r.ok && r.payload !== null) live[n.uuid] = r.payload;
    else if (!n.offline) bad.push(n.uuid);
  }
  return { live, bad };
}

/** Ganeti's NiceSort order (numbers compare as numbers); one collator, built once. */
const nice = new Intl.Collator(undefined, { numeric: true });
const byName = (a: { name: string }, b: { name: string }): number => nice.compare(a.name, b.name);

async function items(s: MasterServices, what: string, cfg: ConfigData, names: readonly string[] | null): Promise<unknown[]> {
  switch (what) {
    case "node": return Object.values(cfg.nodes).sort(byName);
    case "instance": return Object.values(cfg.instances).sort(byName);
    case "group": return Object.values(cfg.nodegroups).sort(byName);
    case "network": return Object.values(cfg.networks).sort(byName);
    case "job": {
      const ids = names === null ? null : names.map(Number);
      const jobs = await s.queue.lookup(ids, ids !== null);
      return jobs.map((j, i): JobItem => ({ id: j?.id ?? (ids?.[i] as number), job: j }));
    }
    case "export": {
      const online = Object.values(cfg.nodes).filter((n) => !n.offline).sort(byName);
      const res = await s.rpc.callMany(online.map(nodeTarget), "export_list", {}, 30);
      return online.flatMap((n) => (res.get(n.name)?.payload ?? []).map((e): ExportItem => ({ node: n.name, export: e })));
    }
    default: return [];
  }
}

/** Names a plain "name in (...)" filter selects, so that jobs can be looked up by id. */
function namesOf(f: QFilter): string[] | null {
  if (f === null || f[0] !== "|") return null;
  const out: string[] = [];
  for (const x of f.slice(1)) {
    if (!Array.isArray(x) || (x[0] !== "==" && x[0] !== "=") || (x[1] !== "name" && x[1] !== "id")) return null;
    out.push(String(x[2]));
  }
  return out;
}

/** What runs where, from every online node's hypervisors (instances keyed by uuid). */
async function gatherInstanceLive(s: MasterServices, cfg: ConfigData): Promise<{ live: Record<string, InstanceLive>; bad: string[] }> {
  const hvs = [...cfg.cluster.enabled_hypervisors];
  const nodes = Object.values(cfg.nodes).filter((n) => !n.offline);
  const res = await s.rpc.callMany(nodes.map(nodeTarget), "all_instances_info", { hypervisors: hvs }, 15);
  const byName = new Map(Object.values(cfg.instances).map((i) => [i.name, i.uuid]));
  const live: Record<string, InstanceLive> = {};
  const bad: string[] = [];
  for (const n of nodes) {
    const r = res.get(n.name);
    if (r === undefined || !r.ok || r.payload === null) {
      bad.push(n.uuid);
      continue;
    }
    for (const [name, info] of Object.entries(r.payload)) {
      const uuid = byName.get(name);
      // Running on its primary node wins over a stray copy elsewhere (ERROR_wrongnode otherwise).
      if (uuid !== undefined && (live[uuid] === undefined || cfg.instances[uuid]?.primary_node === n.uuid)) {
        live[uuid] = { state: info.state, memory: info.memory, vcpus: info.vcpus, node: n.uuid };
      }
    }
  }
  return { live, bad };
}

async function context(s: MasterServices, cfg: ConfigData, what: string, fields: readonly FieldDef<QueryContext, unknown>[]): Promise<QueryContext> {
  const needs = neededData(fields);
  const base: QueryContext = {
    cfg, queueDrained: s.queue.isDrained(), summarizeOp: (op) => opSummary(op as never),
    ...(what === "node" ? { oobSupport: Object.fromEntries(Object.values(cfg.nodes).map((n) => [n.uuid, nodeOobProgram(cfg, n) !== null])) } : {}),
  };
  if (!needs.has("live")) return base;
  if (what === "instance") {
    const { live, bad } = await gatherInstanceLive(s, cfg);
    return { ...base, instanceLive: live, badNodes: bad };
  }
  const { live, bad } = await gatherLive(s, cfg);
  return { ...base, live, badNodes: bad };
}

export async function runQuery(s: MasterServices, what: string, names: readonly string[], qfilter: unknown) {
  const t = table(what);
  const cfg = s.config.get();
  const f = (qfilter ?? null) as QFilter;
  const fields = resolveFields(t, names);
  const ffields = resolveFields(t, filterFields(f));
  const ctx = await context(s, cfg, what, [...fields, ...ffields]);
  let all = await items(s, what, cfg, what === "job" ? namesOf(f) : null);
  if (f !== null) {
    all = all.filter((it) => evalFilter(f, (name) => ffields.find((x) => x.name === name)?.get(ctx, it)));
  }
  return { fields: fields.map(fieldInfo), data: query(t, names, all, ctx) };
}

export function queryFields(what: string, names: readonly string[] | null) {
  return { fields: listFields(table(what), names ?? undefined) };
}

/** Ganeti's old-style QueryJobs: one list of plain values per job, null for unknown ids. */
export async function queryJobsOldStyle(s: MasterServices, idsIn: number[] | null, names: string[]) {
  const cfg = s.config.get();
  // As in Ganeti, no ids (null or an empty list) means every current job.
  const ids = idsIn === null || idsIn.length === 0 ? null : idsIn;
  const jobs = await s.queue.lookup(ids, true);
  const list: JobItem[] = jobs.map((j, i) => ({ id: j?.id ?? (ids?.[i] as number), job: j }));
  const ctx = await context(s, cfg, "job", resolveFields(table("job"), names));
  const rows = query(table("job"), names, list, ctx);
  return rows.map((r, i) => (list[i]?.job === null ? null : r.map(([, v]) => v)));
}
