// The iallocator request (Ganeti's Backend/IAlloc.hs parseData): cluster data and
// one request, from the JSON text Ganeti's master hands to hail, with Ganeti's
// error messages.
import * as C from "./container.js";
import type { Container } from "./container.js";
import type { Group } from "./group.js";
import * as I from "./instance.js";
import type { Instance } from "./instance.js";
import { type ClusterData, TAG_PREFIX, mergeData, updateMissing } from "./loader.js";
import * as N from "./node.js";
import type { EvacMode } from "./evacuate.js";
import {
  ALLOC_POLICIES, type AllocPolicy, DEF_IPOLICY, DISK_TEMPLATES, type DiskTemplate, type IPolicy, type ISpec,
  type InstanceStatus, NO_SECONDARY, type Result, bad, ok,
} from "./types.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { readonly [k: string]: Json };

/** A new instance to place, with the networks its NICs need. */
export interface NewInstance {
  readonly inst: Instance;
  readonly networks: readonly (string | null)[];
  readonly count: number;
  readonly group: string | null;
}

export type Request =
  | { readonly kind: "allocate"; readonly req: NewInstance; readonly restrictTo: readonly string[] | null }
  | { readonly kind: "relocate"; readonly idx: number; readonly count: number; readonly exNodes: readonly number[] }
  | { readonly kind: "change-group"; readonly idxs: readonly number[]; readonly gdxs: readonly number[] }
  | { readonly kind: "node-evacuate"; readonly idxs: readonly number[]; readonly mode: EvacMode }
  | { readonly kind: "multi-allocate"; readonly reqs: readonly NewInstance[] }
  | { readonly kind: "allocate-secondary"; readonly idx: number };

class ParseError extends Error {}
const fail = (m: string): never => {
  throw new ParseError(m);
};

const showKeys = (o: Obj): string => `[${Object.keys(o).map((k) => JSON.stringify(k)).join(",")}]`;
const isObj = (v: Json | undefined): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

type Reader<T> = (v: Json) => T | undefined;
const rString: Reader<string> = (v) => (typeof v === "string" ? v : undefined);
const rInt: Reader<number> = (v) => (typeof v === "number" ? Math.round(v) : undefined);
const rDouble: Reader<number> = (v) => (typeof v === "number" ? v : undefined);
const rBool: Reader<boolean> = (v) => (typeof v === "boolean" ? v : undefined);
const rObj: Reader<Obj> = (v) => (isObj(v) ? v : undefined);
const rList = <T>(r: Reader<T>): Reader<T[]> => (v) => {
  if (!Array.isArray(v)) return undefined;
  const out: T[] = [];
  for (const x of v) {
    const y = r(x);
    if (y === undefined) return undefined;
    out.push(y);
  }
  return out;
};
const TYPE_NAMES = new Map<Reader<unknown>, string>([[rString, "String"], [rInt, "Int"], [rDouble, "Double"], [rBool, "Bool"], [rObj, "JSObject"]]);
const typeName = (r: Reader<unknown>): string => TYPE_NAMES.get(r) ?? "list";

/** Ganeti's tryFromObj: a required key. */
function get<T>(desc: string, o: Obj, k: string, r: Reader<T>): T {
  if (!(k in o)) fail(`${desc}: key '${k}' not found, object contains only ${showKeys(o)}`);
  const v = r(o[k]!);
  if (v === undefined) fail(`${desc}: key '${k}': Unable to read ${typeName(r)}`);
  return v as T;
}

/** Ganeti's maybeFromObj: absent or null gives null. */
function opt<T>(desc: string, o: Obj, k: string, r: Reader<T>): T | null {
  if (!(k in o) || o[k] === null) return null;
  const v = r(o[k]!);
  if (v === undefined) fail(`${desc}: key '${k}': Unable to read ${typeName(r)}`);
  return v as T;
}

function parseISpec(desc: string, o: Obj): ISpec {
  return {
    memorySize: get(desc, o, "memory-size", rInt), cpuCount: get(desc, o, "cpu-count", rInt), diskSize: get(desc, o, "disk-size", rInt),
    diskCount: get(desc, o, "disk-count", rInt), nicCount: get(desc, o, "nic-count", rInt), spindleUse: get(desc, o, "spindle-use", rInt),
  };
}

function parseIPolicy(desc: string, o: Obj): IPolicy {
  const mm = get(desc, o, "minmax", rList(rObj)).map((x) => ({ min: parseISpec(desc, get(desc, x, "min", rObj)), max: parseISpec(desc, get(desc, x, "max", rObj)) }));
  const dts = get(desc, o, "disk-templates", rList(rString)).map((d) => {
    if (!(DISK_TEMPLATES as readonly string[]).includes(d)) fail(`${desc}: invalid disk template '${d}'`);
    return d as DiskTemplate;
  });
  return {
    minMaxISpecs: mm, stdSpec: parseISpec(desc, get(desc, o, "std", rObj)), diskTemplates: dts,
    vcpuRatio: get(desc, o, "vcpu-ratio", rDouble), spindleRatio: get(desc, o, "spindle-ratio", rDouble),
  };
}

const RUN_ST: Record<string, InstanceStatus> = { up: "running", down: "ADMIN_down", offline: "ADMIN_offline" };

/** Ganeti's parseBaseInstance. */
function parseBaseInstance(n: string, a: Obj): { inst: Instance; networks: (string | null)[] } {
  const desc = `invalid data for instance '${n}'`;
  const disk = get(desc, a, "disk_space_total", rInt);
  const jsdisks = get(desc, a, "disks", rList(rObj));
  const disks = jsdisks.map((d) => ({ size: get(desc, d, "size", rInt), spindles: opt(desc, d, "spindles", rInt) }));
  const mem = get(desc, a, "memory", rInt);
  const vcpus = get(desc, a, "vcpus", rInt);
  const tags = get(desc, a, "tags", rList(rString));
  const dtRaw = get(desc, a, "disk_template", rString);
  if (!(DISK_TEMPLATES as readonly string[]).includes(dtRaw)) fail(`${desc}: key 'disk_template': Unable to read DiskTemplate`);
  const su = get(desc, a, "spindle_use", rInt);
  const nics = get(desc, a, "nics", rList(rObj));
  const networks = nics.map((x) => opt(`invalid NIC in instance ${n}`, x, "network", rString));
  const st = typeof a.admin_state === "string" ? RUN_ST[a.admin_state] : undefined;
  const forthcoming = typeof a.forthcoming === "boolean" ? a.forthcoming : false;
  const inst = I.createInstance({
    name: n, mem, dsk: disk, disks, vcpus, runSt: st ?? "running", tags, autoBalance: true, pNode: 0, sNode: 0,
    diskTemplate: dtRaw as DiskTemplate, spindleUse: su, forthcoming,
  });
  return { inst, networks };
}

function lookupIdx(names: Map<string, number>, what: string, owner: string, name: string): number {
  const i = names.get(name);
  if (i === undefined) fail(`Unknown ${what} '${name}' for ${owner}`);
  return i!;
}

export interface ParsedRequest {
  readonly warnings: readonly string[];
  readonly request: Request;
  readonly cdata: ClusterData;
  /** Group networks (by group index), for the network checks. */
  readonly networks: readonly (readonly string[])[];
}

/** Ganeti's IAlloc.parseData. */
export function parseRequest(body: string): Result<ParsedRequest> {
  try {
    return ok(parseRequestOrThrow(body));
  } catch (e) {
    if (e instanceof ParseError) return bad(e.message);
    throw e;
  }
}

function parseRequestOrThrow(body: string): ParsedRequest {
  let decoded: Json;
  try {
    decoded = JSON.parse(body) as Json;
  } catch {
    return fail(
      body.trim() === ""
        ? "Parsing input IAllocator message: Invalid JSON: a JSON text a serialized object or array at the top level."
        : "Parsing input IAllocator message: Invalid JSON",
    );
  }
  if (!isObj(decoded)) return fail("Parsing input IAllocator message: Unable to read JSObject");
  const obj = decoded;
  const M = "invalid iallocator message";
  const request = get(M, obj, "request", rObj);
  const R = "invalid request dict";
  const groupsJ = get(M, obj, "nodegroups", rObj);
  const groups: Group[] = [];
  const gIdx = new Map<string, number>();
  const networks: string[][] = [];
  for (const [u, gv] of Object.entries(groupsJ)) {
    const g = rObj(gv) ?? fail(`${M}: Unable to read JSObject`);
    const desc = `invalid data for group '${u}'`;
    const name = get(desc, g, "name", rString);
    const apol = get(desc, g, "alloc_policy", rString);
    if (!(ALLOC_POLICIES as readonly string[]).includes(apol)) fail(`${desc}: key 'alloc_policy': Unable to read AllocPolicy`);
    const nets = get(desc, g, "networks", rList(rString));
    const ipol = parseIPolicy(desc, get(desc, g, "ipolicy", rObj));
    const tags = get(desc, g, "tags", rList(rString));
    gIdx.set(u, groups.length);
    networks.push(nets);
    groups.push({ name, uuid: u, idx: groups.length, allocPolicy: apol as AllocPolicy, networks: nets, iPolicy: ipol, allTags: tags });
  }
  const nodesJ = get(M, obj, "nodes", rObj);
  const nodes: N.Node[] = [];
  const nIdx = new Map<string, number>();
  for (const [n, nv] of Object.entries(nodesJ)) {
    const a = rObj(nv) ?? fail(`${M}: Unable to read JSObject`);
    const desc = `invalid data for node '${n}'`;
    const offline = get(desc, a, "offline", rBool);
    const drained = get(desc, a, "drained", rBool);
    const guuid = get(desc, a, "group", rString);
    const vmCapable = opt(desc, a, "vm_capable", rBool) ?? true;
    const gidx = lookupIdx(gIdx, "group", `node ${n}`, guuid);
    const ndparams = get(desc, a, "ndparams", rObj);
    const tags = opt(desc, a, "tags", rList(rString)) ?? [];
    const excl = get(desc, ndparams, "exclusive_storage", rBool);
    const live = !offline && vmCapable;
    const lv = <T>(def: T, k: string, r: Reader<T>): T => (live ? get(desc, a, k, r) : def);
    const sptotal = excl ? lv(0, "total_spindles", rInt) : get(desc, ndparams, "spindle_count", rInt);
    const spfree = lv(0, "free_spindles", rInt);
    const node = N.createNode({
      name: n, tMem: lv(0, "total_memory", rDouble), nMem: lv(0, "reserved_memory", rInt), fMem: lv(0, "free_memory", rInt),
      tDsk: lv(0, "total_disk", rDouble), fDsk: lv(0, "free_disk", rInt), tCpu: lv(0, "total_cpus", rDouble),
      nCpu: lv(0, "reserved_cpus", rInt), offline: !live || drained, tSpindles: sptotal, fSpindles: spfree, group: gidx, exclStorage: excl,
    });
    nIdx.set(n, nodes.length);
    nodes.push(N.setIdx(N.setNodeTags(node, tags), nodes.length));
  }
  const instJ = get(M, obj, "instances", rObj);
  const insts: Instance[] = [];
  const iIdx = new Map<string, number>();
  for (const [n, iv] of Object.entries(instJ)) {
    const a = rObj(iv) ?? fail(`${M}: Unable to read JSObject`);
    const base = parseBaseInstance(n, a).inst;
    const nl = get(`invalid data for instance '${n}'`, a, "nodes", rList(rString));
    if (nl.length === 0) fail(`empty node list for instance ${n}`);
    const pidx = lookupIdx(nIdx, "node", `instance ${n}`, nl[0]!);
    const sidx = nl.length > 1 ? lookupIdx(nIdx, "node", `instance ${n}`, nl[1]!) : NO_SECONDARY;
    iIdx.set(n, insts.length);
    insts.push(I.setIdx(I.setBoth(base, pidx, sidx), insts.length));
  }
  const ctags = get(M, obj, "cluster_tags", rList(rString));
  const exTags = ctags.filter((t) => t.startsWith(TAG_PREFIX.exTags)).map((t) => t.slice(TAG_PREFIX.exTags.length)).filter((t) => t !== "");
  const dsrd = ctags.filter((t) => t.startsWith(TAG_PREFIX.desiredLocation)).map((t) => t.slice(TAG_PREFIX.desiredLocation.length)).filter((t) => t !== "");
  const updateTags = (i: Instance): Instance => {
    const r = I.copyInstance(i);
    r.exclTags = i.allTags.filter((t) => exTags.some((p) => t.startsWith(p)));
    r.dsrdLocTags = [...new Set(i.allTags.filter((t) => dsrd.some((p) => t.startsWith(p))))].sort();
    return r;
  };
  const raw: ClusterData = { groups: C.fromList(groups), nodes: C.fromList(nodes), instances: C.fromList(insts), tags: ctags, ipolicy: DEF_IPOLICY };
  const merged = mergeData(raw);
  if (!merged.ok) fail(merged.error);
  const cd1 = (merged as { ok: true; value: ClusterData }).value;
  const um = updateMissing(cd1.nodes, cd1.instances);
  const cdata: ClusterData = { ...cd1, nodes: um.nodes };
  const optype = get(R, request, "type", rString);
  const newInst = (r: Obj, group: string | null): NewInstance => {
    const name = get(R, r, "name", rString);
    const count = get(R, r, "required_nodes", rInt);
    const b = parseBaseInstance(name, r);
    return { inst: updateTags(b.inst), networks: b.networks, count, group };
  };
  const byName = <T extends { readonly name: string; readonly idx: number }>(c: Container<T>, name: string): number => {
    // Ganeti's findByName: any of an element's names (a group's UUID too, as the master sends).
    const x = C.elems(c).find((e) => e.name === name || ("uuid" in e && (e as { uuid: unknown }).uuid === name));
    if (x === undefined) fail(`Unknown ${"uuid" in (C.elems(c)[0] ?? {}) ? "group" : "element"} '${name}'`);
    return x!.idx;
  };
  let rq: Request;
  switch (optype) {
    case "allocate": {
      const group = opt(R, request, "group_name", rString);
      const rest = opt(R, request, "restrict-to-nodes", rList(rString));
      rq = { kind: "allocate", req: newInst(request, group), restrictTo: rest };
      break;
    }
    case "relocate": {
      const name = get(R, request, "name", rString);
      const idx = lookupIdx(iIdx, "instance", "relocation", name);
      const count = get(R, request, "required_nodes", rInt);
      const ex = get(R, request, "relocate_from", rList(rString)).map((x) => byName(cdata.nodes, x));
      rq = { kind: "relocate", idx, count, exNodes: ex };
      break;
    }
    case "change-group": {
      const idxs = get(R, request, "instances", rList(rString)).map((x) => byName(cdata.instances, x));
      const gdxs = get(R, request, "target_groups", rList(rString)).map((x) => byName(cdata.groups, x));
      rq = { kind: "change-group", idxs, gdxs };
      break;
    }
    case "node-evacuate": {
      const idxs = get(R, request, "instances", rList(rString)).map((x) => byName(cdata.instances, x));
      const mode = get(R, request, "evac_mode", rString);
      if (mode !== "primary-only" && mode !== "secondary-only" && mode !== "all") fail(`${R}: key 'evac_mode': Unable to read EvacMode`);
      rq = { kind: "node-evacuate", idxs, mode: mode as EvacMode };
      break;
    }
    case "multi-allocate": {
      const group = opt(R, request, "group_name", rString);
      rq = { kind: "multi-allocate", reqs: get(R, request, "instances", rList(rObj)).map((r) => newInst(r, group)) };
      break;
    }
    case "allocate-secondary": {
      const name = get(R, request, "name", rString);
      rq = { kind: "allocate-secondary", idx: lookupIdx(iIdx, "instance", "allocation", name) };
      break;
    }
    default:
      return fail(`Invalid request type '${optype}'`);
  }
  return { warnings: um.warnings, request: rq, cdata, networks };
}

/** An instance policy in Ganeti's JSON shape (as the iallocator and luxi hand it over). */
export function parseIPolicyJson(desc: string, v: unknown): Result<IPolicy> {
  try {
    if (!isObj(v as Json)) return bad(`${desc}: Unable to read JSObject`);
    return ok(parseIPolicy(desc, v as Obj));
  } catch (e) {
    if (e instanceof ParseError) return bad(e.message);
    throw e;
  }
}
