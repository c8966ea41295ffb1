// RAPI v2 writes (and the reads Ganeti answers with a job) as Ganeti's rlib2: each resource
// and method maps to opcodes filled from
// the request (Ganeti's FillOpcode: the body's parameters, some renamed, plus static ones
// from the path and the query that the body may not overwrite, plus the reason trail),
// checked against the one opcode schema, submitted as one job; the answer is the job id.
import { LuxiMethod } from "../luxi/protocol.js";
import type { LuxiClient } from "../luxi/client.js";
import { validateOpcode } from "../opcodes/index.js";
import { HttpError, type QueryArgs } from "./handlers.js";
import type { Match, Method } from "./resources.js";

export interface WriteRequest {
  readonly match: Match;
  readonly method: Method;
  readonly query: QueryArgs;
  readonly body: unknown;
}

type Params = Record<string, unknown>;
/** What the body carries and what the request fixes ([body, static]). */
type Input = (r: Req) => [unknown, Params];

interface Spec {
  readonly opId: string;
  readonly rename?: Readonly<Record<string, string>>;
  readonly input?: Input;
}

/** Python's type names, for Ganeti's "Type is 'list', but 'dict' is expected". */
function pyType(v: unknown): string {
  if (v === null || v === undefined) return "NoneType";
  if (Array.isArray(v)) return "list";
  if (typeof v === "string") return "str";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  return "dict";
}

function isDict(v: unknown): v is Params {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Ganeti's CheckType. */
function checkType(v: unknown, want: "dict" | "str", descr: string): void {
  if (pyType(v) !== want) throw new HttpError(400, `${descr}: Type is '${pyType(v)}', but '${want}' is expected`);
}

class Req {
  constructor(readonly items: readonly string[], readonly q: QueryArgs, readonly body: unknown) {}
  get name(): string {
    return this.items[0] ?? "";
  }
  /** Ganeti's _checkIntVariable. */
  int(name: string, dflt = 0): number {
    const raw = this.q[name];
    const v = Array.isArray(raw) ? raw[0] : raw;
    if (v === undefined) return dflt;
    if (!/^\s*[-+]?\d+\s*$/.test(String(v))) throw new HttpError(400, `Invalid value for the '${name}' parameter`);
    return Number(v);
  }
  str(name: string): string | undefined {
    const raw = this.q[name];
    return Array.isArray(raw) ? raw[0] : (raw as string | undefined);
  }
  all(name: string): string[] {
    const raw = this.q[name];
    return raw === undefined ? [] : Array.isArray(raw) ? [...raw] : [raw as string];
  }
  dryRun(): boolean {
    return this.int("dry-run") !== 0;
  }
  force(): boolean {
    return this.int("force") !== 0;
  }
  has(name: string): boolean {
    return this.q[name] !== undefined;
  }
}

/** Ganeti's FillOpcode, after _GenericHandler added the reason trail. */
function fillOpcode(opId: string, resource: string, req: Req, body: unknown, stat: Params, rename?: Readonly<Record<string, string>>): Params {
  let params: Params = {};
  if (body !== null && body !== undefined) {
    checkType(body, "dict", "Body contents");
    params = { ...(body as Params) };
  }
  for (const [old, now] of Object.entries(rename ?? {})) {
    if (old in params && now in params) throw new HttpError(400, `Parameter '${old}' was renamed to '${now}', but both are specified`);
    if (old in params) {
      params[now] = params[old];
      delete params[old];
    }
  }
  const now = Date.now() * 1e6;
  const reason = req.str("reason");
  const trail = [...(reason !== undefined && reason !== "" ? [["gnt:user", reason, now]] : []), [`gnt:library:rlib2:${resource.replace(/^R_2_/, "")}`, "", now]];
  const all: Params = { reason: trail, ...stat };
  const clash = Object.keys(all).filter((k) => k in params);
  if (clash.length > 0) throw new HttpError(400, `Can't overwrite static parameters {${clash.map((k) => `'${k}'`).join(", ")}}`);
  const op = { OP_ID: opId, ...params, ...all };
  try {
    return validateOpcode(op) as Params;
  } catch (e) {
    throw new HttpError(400, `Invalid body parameters: ${(e as Error).message}`);
  }
}

const bodyWith = (stat: (r: Req) => Params): Input => (r) => [r.body, stat(r)];
const named = (key: string, extra: (r: Req) => Params = () => ({})): Input => bodyWith((r) => ({ [key]: r.name, ...extra(r) }));
const dry = (r: Req): Params => ({ dry_run: r.dryRun() });

const NODE_ROLES: Readonly<Record<string, [boolean | null, boolean | null, boolean | null]>> = {
  // role → master_candidate, offline, drained (Ganeti's R_2_nodes_name_role.PUT)
  regular: [false, false, false], "master-candidate": [true, null, null], drained: [null, null, true], offline: [null, true, null],
};

function tagsInput(kind: string): Input {
  return (r) => [{}, { kind, name: kind === "cluster" ? null : r.name, tags: r.all("tag"), dry_run: r.dryRun() }];
}

/** Ganeti's rlib2 write handlers, by resource and method. */
const WRITES: Readonly<Record<string, Partial<Record<Method, Spec>>>> = {
  R_2_redist_config: { PUT: { opId: "OP_CLUSTER_REDIST_CONF" } },
  R_2_cluster_modify: { PUT: { opId: "OP_CLUSTER_SET_PARAMS" } },
  R_2_tags: { PUT: { opId: "OP_TAGS_SET", input: tagsInput("cluster") }, DELETE: { opId: "OP_TAGS_DEL", input: tagsInput("cluster") } },
  R_2_nodes_name_powercycle: { POST: { opId: "OP_NODE_POWERCYCLE", input: named("node_name", (r) => ({ force: r.force() })) } },
  R_2_nodes_name_role: {
    PUT: {
      opId: "OP_NODE_SET_PARAMS",
      input: (r) => {
        checkType(r.body, "str", "Body contents");
        const flags = NODE_ROLES[r.body as string];
        if (flags === undefined) throw new HttpError(400, `Can't set '${String(r.body)}' role`);
        const [mc, offline, drained] = flags;
        return [{}, { node_name: r.name, master_candidate: mc, offline, drained, force: r.force(), auto_promote: r.int("auto-promote") !== 0 }];
      },
    },
  },
  R_2_nodes_name_evacuate: { POST: { opId: "OP_NODE_EVACUATE", input: named("node_name", dry) } },
  R_2_nodes_name_migrate: {
    POST: {
      opId: "OP_NODE_MIGRATE",
      input: (r) => {
        if (Object.keys(r.q).length === 0) return [r.body, { node_name: r.name }];
        // Ganeti's old-style request: live=0|1 or mode= in the query.
        if (r.has("live") && r.has("mode")) throw new HttpError(400, "Only one of 'live' and 'mode' should be passed");
        const mode = r.has("live") ? (r.int("live", 1) !== 0 ? "live" : "non-live") : r.str("mode") ?? null;
        return [{ mode }, { node_name: r.name }];
      },
    },
  },
  R_2_nodes_name_modify: { POST: { opId: "OP_NODE_SET_PARAMS", input: named("node_name") } },
  R_2_nodes_name_storage_modify: {
    PUT: {
      opId: "OP_NODE_MODIFY_STORAGE",
      input: (r) => {
        const [type, name] = storageArgs(r);
        const changes: Params = r.has("allocatable") ? { allocatable: r.int("allocatable", 1) !== 0 } : {};
        return [{}, { node_name: r.name, storage_type: type, name, changes }];
      },
    },
  },
  R_2_nodes_name_storage_repair: {
    PUT: { opId: "OP_REPAIR_NODE_STORAGE", input: (r) => [{}, { node_name: r.name, storage_type: storageArgs(r)[0], name: storageArgs(r)[1] }] },
  },
  R_2_nodes_name_tags: { PUT: { opId: "OP_TAGS_SET", input: tagsInput("node") }, DELETE: { opId: "OP_TAGS_DEL", input: tagsInput("node") } },
  R_2_instances: {
    POST: {
      opId: "OP_INSTANCE_CREATE",
      rename: { os: "os_type", name: "instance_name" },
      input: (r) => {
        checkType(r.body, "dict", "Body contents");
        const body = { ...(r.body as Params) };
        const version = body["__version__"] ?? 0;
        if (version === 0) throw new HttpError(400, "Instance creation request version 0 is no longer supported");
        if (version !== 1) throw new HttpError(400, `Unsupported request data version ${String(version)}`);
        delete body["__version__"];
        return [body, dry(r)];
      },
    },
  },
  // Reads that Ganeti answers with a job (its GET_OPCODE resources).
  R_2_instances_name_info: {
    GET: { opId: "OP_INSTANCE_QUERY_DATA", input: (r) => [{}, { instances: [r.name], static: r.int("static") !== 0 }] },
  },
  R_2_nodes_name_storage: {
    GET: {
      opId: "OP_NODE_QUERY_STORAGE",
      input: (r) => {
        const fields = r.str("output_fields");
        if (fields === undefined || fields === "") throw new HttpError(400, "Missing the required 'output_fields' parameter");
        return [{}, { nodes: [r.name], storage_type: r.str("storage_type") ?? null, output_fields: fields.split(",") }];
      },
    },
  },
  R_2_instances_name: {
    DELETE: { opId: "OP_INSTANCE_REMOVE", input: named("instance_name", (r) => ({ ignore_failures: false, ...dry(r) })) },
  },
  R_2_instances_name_reboot: {
    POST: {
      opId: "OP_INSTANCE_REBOOT",
      input: named("instance_name", (r) => ({ reboot_type: r.str("type") ?? "hard", ignore_secondaries: r.int("ignore_secondaries") !== 0, ...dry(r) })),
    },
  },
  R_2_instances_name_startup: {
    PUT: { opId: "OP_INSTANCE_STARTUP", input: (r) => [{}, { instance_name: r.name, force: r.force(), ...dry(r), no_remember: r.int("no_remember") !== 0 }] },
  },
  R_2_instances_name_shutdown: {
    PUT: { opId: "OP_INSTANCE_SHUTDOWN", input: named("instance_name", (r) => ({ no_remember: r.int("no_remember") !== 0, ...dry(r) })) },
  },
  R_2_instances_name_replace_disks: {
    POST: {
      opId: "OP_INSTANCE_REPLACE_DISKS",
      input: (r) => {
        let data: Params = {};
        if (r.body !== null && r.body !== undefined && !(isDict(r.body) && Object.keys(r.body).length === 0)) {
          checkType(r.body, "dict", "Body contents");
          data = { ...(r.body as Params) };
        } else if (Object.keys(r.q).length > 0) {
          // Ganeti's legacy interface: the parameters in the query.
          data = { remote_node: r.str("remote_node") ?? null, mode: r.str("mode") ?? null, disks: r.str("disks") ?? null,
            iallocator: r.str("iallocator") ?? null };
        }
        const raw = data["disks"];
        delete data["disks"];
        if (Array.isArray(raw) && raw.length > 0 && raw.every((x) => Number.isInteger(x))) data["disks"] = raw;
        else if (typeof raw === "string" && raw !== "") {
          const parts = raw.split(",").map((p) => p.trim());
          if (parts.some((p) => !/^[-+]?\d+$/.test(p))) throw new HttpError(400, `Invalid disk index passed: invalid literal for int() with base 10: '${parts.find((p) => !/^[-+]?\d+$/.test(p)) ?? ""}'`);
          data["disks"] = parts.map(Number);
        } else if (raw !== undefined && raw !== null && !(Array.isArray(raw) && raw.length === 0)) data["disks"] = raw;
        return [data, { instance_name: r.name }];
      },
    },
  },
  R_2_instances_name_activate_disks: {
    PUT: { opId: "OP_INSTANCE_ACTIVATE_DISKS", input: (r) => [{}, { instance_name: r.name, ignore_size: r.int("ignore_size") !== 0 }] },
  },
  R_2_instances_name_deactivate_disks: {
    PUT: { opId: "OP_INSTANCE_DEACTIVATE_DISKS", input: (r) => [{}, { instance_name: r.name, force: r.force() }] },
  },
  R_2_instances_name_recreate_disks: { POST: { opId: "OP_INSTANCE_RECREATE_DISKS", input: named("instance_name") } },
  R_2_instances_name_prepare_export: {
    PUT: { opId: "OP_BACKUP_PREPARE", input: (r) => [{}, { instance_name: r.name, mode: r.str("mode") ?? null }] },
  },
  R_2_instances_name_export: {
    PUT: { opId: "OP_BACKUP_EXPORT", rename: { destination: "target_node" }, input: named("instance_name") },
    DELETE: { opId: "OP_BACKUP_REMOVE", input: named("instance_name") },
  },
  R_2_instances_name_migrate: { PUT: { opId: "OP_INSTANCE_MIGRATE", input: named("instance_name") } },
  R_2_instances_name_failover: { PUT: { opId: "OP_INSTANCE_FAILOVER", input: named("instance_name") } },
  R_2_instances_name_rename: { PUT: { opId: "OP_INSTANCE_RENAME", input: named("instance_name") } },
  R_2_instances_name_modify: {
    PUT: { opId: "OP_INSTANCE_SET_PARAMS", rename: { custom_beparams: "beparams", custom_hvparams: "hvparams" }, input: named("instance_name") },
  },
  R_2_instances_name_disk_grow: {
    POST: { opId: "OP_INSTANCE_GROW_DISK", input: (r) => [r.body, { instance_name: r.name, disk: Number(r.items[1]) }] },
  },
  R_2_instances_name_tags: {
    PUT: { opId: "OP_TAGS_SET", input: tagsInput("instance") }, DELETE: { opId: "OP_TAGS_DEL", input: tagsInput("instance") },
  },
  R_2_networks: { POST: { opId: "OP_NETWORK_ADD", rename: { name: "network_name" }, input: (r) => [r.body, dry(r)] } },
  R_2_networks_name: { DELETE: { opId: "OP_NETWORK_REMOVE", input: named("network_name", dry) } },
  R_2_networks_name_connect: { PUT: { opId: "OP_NETWORK_CONNECT", input: named("network_name", dry) } },
  R_2_networks_name_disconnect: { PUT: { opId: "OP_NETWORK_DISCONNECT", input: named("network_name", dry) } },
  R_2_networks_name_modify: { PUT: { opId: "OP_NETWORK_SET_PARAMS", input: named("network_name") } },
  R_2_networks_name_rename: { PUT: { opId: "OP_NETWORK_RENAME", input: named("network_name", dry) } },
  R_2_networks_name_tags: {
    PUT: { opId: "OP_TAGS_SET", input: tagsInput("network") }, DELETE: { opId: "OP_TAGS_DEL", input: tagsInput("network") },
  },
  R_2_groups: { POST: { opId: "OP_GROUP_ADD", rename: { name: "group_name" }, input: (r) => [r.body, dry(r)] } },
  R_2_groups_name: { DELETE: { opId: "OP_GROUP_REMOVE", input: (r) => [{}, { group_name: r.name, ...dry(r) }] } },
  R_2_groups_name_modify: {
    PUT: { opId: "OP_GROUP_SET_PARAMS", rename: { custom_ndparams: "ndparams", custom_ipolicy: "ipolicy", custom_diskparams: "diskparams" },
      input: named("group_name") },
  },
  R_2_groups_name_rename: { PUT: { opId: "OP_GROUP_RENAME", input: named("group_name", dry) } },
  R_2_groups_name_assign_nodes: { PUT: { opId: "OP_GROUP_ASSIGN_NODES", input: named("group_name", (r) => ({ ...dry(r), force: r.force() })) } },
  R_2_groups_name_tags: {
    PUT: { opId: "OP_TAGS_SET", input: tagsInput("nodegroup") }, DELETE: { opId: "OP_TAGS_DEL", input: tagsInput("nodegroup") },
  },
};

function storageArgs(r: Req): [string, string] {
  const type = r.str("storage_type");
  if (type === undefined || type === "") throw new HttpError(400, "Missing the required 'storage_type' parameter");
  const name = r.str("name");
  if (name === undefined || name === "") throw new HttpError(400, "Missing the required 'name' parameter");
  return [type, name];
}

/** Ganeti's _ParseInstanceReinstallRequest: shut down, reinstall, start again unless told not to. */
function reinstallOps(r: Req): Params[] {
  let body: unknown = {};
  if (r.body !== null && r.body !== undefined && !(isDict(r.body) && Object.keys(r.body).length === 0)) {
    if (Object.keys(r.q).length > 0) throw new HttpError(400, "Can't combine query and body parameters");
    body = r.body;
  } else if (Object.keys(r.q).length > 0) {
    body = { os: r.str("os") ?? null, start: r.int("nostartup") === 0 }; // Ganeti's legacy interface
  }
  if (!isDict(body)) throw new HttpError(400, "Invalid body contents, not a dictionary");
  const start = body["start"] ?? true;
  if (typeof start !== "boolean") throw new HttpError(400, `Invalid type for parameter 'start': expected bool`);
  const fill = (op: Params): Params => fillOpcode(String(op["OP_ID"]), "R_2_instances_name_reinstall", r, {}, op);
  const name = r.name;
  return [
    fill({ OP_ID: "OP_INSTANCE_SHUTDOWN", instance_name: name }),
    fill({ OP_ID: "OP_INSTANCE_REINSTALL", instance_name: name, os_type: body["os"] ?? null, osparams: body["osparams"] ?? null }),
    ...(start ? [fill({ OP_ID: "OP_INSTANCE_STARTUP", instance_name: name, force: false })] : []),
  ];
}

/** Ganeti's R_2_jobs_id_wait: one WaitForJobChange, with the body's fields and previous view. */
function waitForJob(r: Req): (luxi: LuxiClient) => Promise<unknown> {
  const body = isDict(r.body) ? r.body : {};
  const fields = body["fields"];
  const prevInfo = body["previous_job_info"] ?? null;
  const prevSerial = body["previous_log_serial"] ?? null;
  if (!Array.isArray(fields)) throw new HttpError(400, "The 'fields' parameter should be a list");
  if (prevInfo !== null && !Array.isArray(prevInfo)) throw new HttpError(400, "The 'previous_job_info' parameter should be a list");
  if (prevSerial !== null && typeof prevSerial !== "number") throw new HttpError(400, "The 'previous_log_serial' parameter should be a number");
  return async (l) => {
    // Ganeti's _WFJC_TIMEOUT: 10 s, then "nothing changed" (null).
    const res = await l.call(LuxiMethod.waitForJobChange, [Number(r.name), fields, prevInfo, prevSerial, 10], 40_000);
    if (res === null) throw new HttpError(404);
    return res === "nochange" ? null : res;
  };
}

/** Ganeti's R_2_instances_multi_alloc: every instance filled as a creation, one opcode. */
function multiAllocOp(r: Req): Params {
  checkType(r.body, "dict", "Body contents");
  const body = r.body as Params;
  if (!("instances" in body)) throw new HttpError(400, "Request is missing required 'instances' field in body");
  const insts = body["instances"];
  if (!Array.isArray(insts)) throw new HttpError(400, "Invalid body parameters: 'instances' is not a list");
  const filled = insts.map((i: unknown) => {
    const { OP_ID: _id, reason: _r, ...rest } = fillOpcode("OP_INSTANCE_CREATE", "R_2_instances_multi_alloc", r, i, {}, { os: "os_type", name: "instance_name" });
    return { OP_ID: "OP_INSTANCE_CREATE", ...rest };
  });
  return fillOpcode("OP_INSTANCE_MULTI_ALLOC", "R_2_instances_multi_alloc", r, { ...body, instances: filled }, dry(r));
}

/** The handler for a write request, or null when the resource has none for the method. */
export function writeHandler(w: WriteRequest): ((luxi: LuxiClient) => Promise<unknown>) | null {
  const req = new Req(w.match.items, w.query, w.body);
  const resource = w.match.resource.name;
  if (resource === "R_2_jobs_id" && w.method === "DELETE") return (l) => l.call(LuxiMethod.cancelJob, [Number(req.name)]);
  if (resource === "R_2_jobs_id_wait" && w.method === "GET") return waitForJob(req);
  let ops: (() => Params[]) | null = null;
  if (resource === "R_2_instances_name_reinstall" && w.method === "POST") ops = () => reinstallOps(req);
  else if (resource === "R_2_instances_multi_alloc" && w.method === "POST") ops = () => [multiAllocOp(req)];
  else {
    const spec = WRITES[resource]?.[w.method];
    if (spec === undefined) return null;
    ops = () => {
      const [body, stat] = (spec.input ?? ((r: Req) => [r.body, {}]))(req);
      return [fillOpcode(spec.opId, resource, req, body, stat, spec.rename)];
    };
  }
  // Built here, so a bad request is refused (400) before anything reaches the master.
  const job = ops();
  return (l) => l.call(LuxiMethod.submitJob, [job]);
}
