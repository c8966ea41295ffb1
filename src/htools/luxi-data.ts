// The luxi backend's data (facts from Ganeti's Backend/Luxi.hs): the answers of the
// master to the node, instance and group queries and to QueryClusterInfo, turned into
// cluster data with Ganeti's error messages. Pure: the queries themselves are made by
// the programs (src/htools-cli/luxi.ts).
import { assignIndices } from "./loader.js";
import { type Group, createGroup } from "./group.js";
import * as I from "./instance.js";
import type { Instance } from "./instance.js";
import { parseIPolicyJson } from "./iallocator-parse.js";
import type { ClusterData } from "./loader.js";
import * as N from "./node.js";
import type { Node } from "./node.js";
import {
  ALLOC_POLICIES, type AllocPolicy, DISK_TEMPLATES, type DiskTemplate, INSTANCE_STATUSES, type InstanceStatus, NO_SECONDARY,
  type Result, bad, ok,
} from "./types.js";

/** The fields Ganeti's htools ask for, in Ganeti's order. */
export const NODE_FIELDS = [
  "name", "mtotal", "mnode", "mfree", "dtotal", "dfree", "ctotal", "cnos", "offline", "drained", "vm_capable",
  "ndp/spindle_count", "group.uuid", "tags", "ndp/exclusive_storage", "sptotal", "spfree", "ndp/cpu_speed",
] as const;
export const INSTANCE_FIELDS = [
  "name", "disk_usage", "be/memory", "be/vcpus", "status", "pnode", "snodes", "tags", "be/auto_balance", "disk_template",
  "be/spindle_use", "disk.sizes", "disk.spindles", "forthcoming",
] as const;
export const GROUP_FIELDS = ["uuid", "name", "alloc_policy", "ipolicy", "tags"] as const;

export interface LuxiAnswers {
  readonly groups: unknown;
  readonly nodes: unknown;
  readonly instances: unknown;
  readonly cinfo: unknown;
}

class LuxiParseError extends Error {}
const fail = (m: string): never => {
  throw new LuxiParseError(m);
};

/** Haskell-ish `show` of a JSON value for Ganeti's "Invalid ..." messages. */
function showJ(v: unknown): string {
  return JSON.stringify(v) ?? "null";
}

type Field = readonly [unknown, unknown];

function rows(v: unknown): Field[][] {
  if (typeof v !== "object" || v === null || Array.isArray(v) || !("data" in v)) {
    fail(`Invalid input, expected dict entry but got ${showJ(v)}`);
  }
  const data = (v as { data: unknown }).data;
  if (!Array.isArray(data)) fail(`Invalid query result, expected array but got ${showJ(data)}`);
  return (data as unknown[]).map((row) => {
    if (!Array.isArray(row)) fail(`Invalid query row result, expected array but got ${showJ(row)}`);
    return (row as unknown[]).map((f) => {
      if (!Array.isArray(f) || f.length !== 2) fail(`Invalid query field, expected (status, value) but got ${showJ(f)}`);
      return [(f as unknown[])[0], (f as unknown[])[1]] as const;
    });
  });
}

const RS_MESSAGES: Record<number, string> = {
  1: "Unknown field",
  2: "No data for a field",
  3: "Ganeti reports unavailable data",
  4: "Ganeti reports resource as offline",
};

type Conv<T> = (v: unknown) => T | undefined;
const cString: Conv<string> = (v) => (typeof v === "string" ? v : undefined);
const cInt: Conv<number> = (v) => (typeof v === "number" ? Math.trunc(v) : undefined);
const cDouble: Conv<number> = (v) => (typeof v === "number" ? v : undefined);
const cBool: Conv<boolean> = (v) => (typeof v === "boolean" ? v : undefined);
const cList = <T>(c: Conv<T>): Conv<T[]> => (v) => {
  if (!Array.isArray(v)) return undefined;
  const out: T[] = [];
  for (const x of v) {
    const y = c(x);
    if (y === undefined) return undefined;
    out.push(y);
  }
  return out;
};
const cEnum = <T extends string>(all: readonly T[]): Conv<T> => (v) => (typeof v === "string" && (all as readonly string[]).includes(v) ? (v as T) : undefined);

/** fromJValWithStatus with Ganeti's annotation of the owner and attribute. */
function conv<T>(prefix: string, f: Field, c: Conv<T>): T {
  const [st, v] = f;
  if (st !== 0) fail(`${prefix}${typeof st === "number" ? RS_MESSAGES[st] ?? `Invalid result status ${st}` : "Unable to read status"}`);
  const r = c(v);
  if (r === undefined) fail(`${prefix}Unable to read value ${showJ(v)}`);
  return r as T;
}

function attr(otype: string, oname: string, a: string): string {
  return `${otype} '${oname}', error while reading attribute '${a}': `;
}

function parseGroup(r: Field[]): [string, Group] {
  if (r.length !== GROUP_FIELDS.length) fail(`Invalid group query result: ${showJ(r)}`);
  const [uuid, name, apol, ipol, tags] = r as [Field, Field, Field, Field, Field];
  const xname = conv("Parsing new group: ", name, cString);
  const a = (x: string): string => attr("Group", xname, x);
  const xuuid = conv(a("uuid"), uuid, cString);
  const xapol = conv<AllocPolicy>(a("alloc_policy"), apol, cEnum(ALLOC_POLICIES));
  const pol = parseIPolicyJson("ipolicy", conv(a("ipolicy"), ipol, (v) => v));
  if (!pol.ok) fail(a("ipolicy") + pol.error);
  const xtags = conv(a("tags"), tags, cList(cString));
  return [xuuid, createGroup(xname, xuuid, xapol, [], xtags, pol.ok ? pol.value : undefined)];
}

function parseNode(ktg: ReadonlyMap<string, number>, r: Field[]): [string, Node] {
  if (r.length !== NODE_FIELDS.length) fail(`Invalid node query result: ${showJ(r)}`);
  const [name, mtotal, mnode, mfree, dtotal, dfree, ctotal, cnos, offline, drained, vmCapable, spindles, gUuid, tags, exclStor, sptotal, spfree, cpuSpeed] =
    r as [Field, Field, Field, Field, Field, Field, Field, Field, Field, Field, Field, Field, Field, Field, Field, Field, Field, Field];
  const xname = conv("Parsing new node: ", name, cString);
  const a = (x: string): string => attr("Node", xname, x);
  const xoffline = conv(a("offline"), offline, cBool);
  const xdrained = conv(a("drained"), drained, cBool);
  const xvm = conv(a("vm_capable"), vmCapable, cBool);
  const guuid = conv(a("group.uuid"), gUuid, cString);
  const gdx = ktg.get(guuid);
  if (gdx === undefined) fail(`Unknown group '${guuid}' for node ${xname}`);
  const xtags = conv(a("tags"), tags, cList(cString));
  const xexcl = conv(a("exclusive_storage"), exclStor, cBool);
  const xspeed = conv(a("cpu_speed"), cpuSpeed, cDouble);
  const live = !xoffline && xvm;
  const lv = <T>(def: T, n: string, f: Field, c: Conv<T>): T => (live ? conv(a(n), f, c) : def);
  const soft = <T>(def: T, n: string, f: Field, c: Conv<T>): T => {
    try {
      return lv(def, n, f, c);
    } catch (e) {
      if (e instanceof LuxiParseError) return def;
      throw e;
    }
  };
  const xsptotal = xexcl ? lv(0, "sptotal", sptotal, cInt) : conv(a("spindles"), spindles, cInt);
  const xspfree = soft(0, "spfree", spfree, cInt);
  const xmtotal = lv(0, "mtotal", mtotal, cDouble);
  const xmnode = lv(0, "mnode", mnode, cInt);
  const xmfree = lv(0, "mfree", mfree, cInt);
  const xdtotal = soft(0, "dtotal", dtotal, cDouble);
  const xdfree = soft(0, "dfree", dfree, cInt);
  const xctotal = lv(0, "ctotal", ctotal, cDouble);
  // ganeti-ts's master does not report the CPUs kept for the node OS (cpu_dom0) yet:
  // unavailable counts as none, where Ganeti would stop
  const xcnos = soft(0, "cnos", cnos, cInt);
  let n = N.createNode({
    name: xname, tMem: xmtotal, nMem: xmnode, fMem: xmfree, tDsk: xdtotal, fDsk: xdfree, tCpu: xctotal, nCpu: xcnos,
    offline: !live || xdrained, tSpindles: xsptotal, fSpindles: xspfree, group: gdx!, exclStorage: xexcl,
  });
  n = N.setCpuSpeed(N.setNodeTags(n, xtags), xspeed);
  return [xname, n];
}

function parseInstance(ktn: ReadonlyMap<string, number>, r: Field[]): [string, Instance] {
  if (r.length !== INSTANCE_FIELDS.length) fail(`Invalid instance query result: ${showJ(r)}`);
  const [name, disk, mem, vcpus, status, pnode, snodes, tags, autoBalance, diskTemplate, su, dsizes, dspindles, forthcoming] =
    r as [Field, Field, Field, Field, Field, Field, Field, Field, Field, Field, Field, Field, Field, Field];
  const xname = conv("Parsing new instance: ", name, cString);
  const a = (x: string): string => attr("Instance", xname, x);
  const node = (n: string): number => {
    const k = ktn.get(n);
    if (k === undefined) fail(`Unknown node '${n}' for instance ${xname}`);
    return k!;
  };
  const xdisk = conv(a("disk_usage"), disk, cInt);
  const xmem = conv(a("be/memory"), mem, cInt);
  const xvcpus = conv(a("be/vcpus"), vcpus, cInt);
  const xpnode = node(conv(a("pnode"), pnode, cString));
  const xsnodes = conv(a("snodes"), snodes, cList(cString));
  const snode = xsnodes.length === 0 ? NO_SECONDARY : node(xsnodes[0]!);
  const xrunning = conv<InstanceStatus>(a("status"), status, cEnum(INSTANCE_STATUSES));
  const xtags = conv(a("tags"), tags, cList(cString));
  const xab = conv(a("auto_balance"), autoBalance, cBool);
  const xdt = conv<DiskTemplate>(a("disk_template"), diskTemplate, cEnum(DISK_TEMPLATES));
  const xsu = conv(a("be/spindle_use"), su, cInt);
  const xdsizes = conv(a("disk.sizes"), dsizes, cList(cInt));
  const xdspindles = conv(a("disk.spindles"), dspindles, cList<number | null>((v) => (v === null ? null : cInt(v))));
  const xforth = conv(a("forthcoming"), forthcoming, cBool);
  const disks = xdsizes.slice(0, Math.min(xdsizes.length, xdspindles.length)).map((size, k) => ({ size, spindles: xdspindles[k] ?? null }));
  const inst = I.createInstance({
    name: xname, mem: xmem, dsk: xdisk, disks, vcpus: xvcpus, runSt: xrunning, tags: xtags, autoBalance: xab,
    pNode: xpnode, sNode: snode, diskTemplate: xdt, spindleUse: xsu, forthcoming: xforth,
  });
  return [xname, inst];
}


/** Ganeti's Luxi.parseData. */
export function parseLuxiData(ans: LuxiAnswers): Result<ClusterData> {
  try {
    const groups = assignIndices(rows(ans.groups).map(parseGroup), (g, idx) => ({ ...g, idx }));
    const nodes = assignIndices(rows(ans.nodes).map((r) => parseNode(groups.assoc, r)), N.setIdx);
    const insts = rows(ans.instances).map((r) => parseInstance(nodes.assoc, r));
    const ci = ans.cinfo;
    if (typeof ci !== "object" || ci === null || Array.isArray(ci)) return bad("Cannot parse cluster info, not a JSON record");
    const obj = ci as Record<string, unknown>;
    const keyErr = (k: string): string => `Parsing cluster info: key '${k}' not found, object contains only [${Object.keys(obj).map((x) => JSON.stringify(x)).join(",")}]`;
    for (const k of ["tags", "ipolicy", "master", "default_hypervisor"]) if (!(k in obj)) return bad(keyErr(k));
    const ctags = cList(cString)(obj.tags);
    if (ctags === undefined) return bad("Parsing cluster info: key 'tags': Unable to read list");
    const cpol = parseIPolicyJson("Parsing cluster info", obj.ipolicy);
    if (!cpol.ok) return cpol;
    const master = cString(obj.master);
    if (master === undefined) return bad("Parsing cluster info: key 'master': Unable to read String");
    const kmaster = nodes.assoc.get(master);
    if (kmaster === undefined) return bad(`Master node ${master} unknown`);
    const nl = nodes.container.slice();
    nl[kmaster] = N.setMaster(nl[kmaster]!, true);
    const il = assignIndices(insts, I.setIdx).container;
    return ok({ groups: groups.container, nodes: nl, instances: il, tags: ctags, ipolicy: cpol.value });
  } catch (e) {
    if (e instanceof LuxiParseError) return bad(e.message);
    throw e;
  }
}
