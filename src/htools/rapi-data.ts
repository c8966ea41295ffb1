// The RAPI backend's data (facts from Ganeti's Backend/Rapi.hs): the bodies of
// /2/groups?bulk=1, /2/nodes?bulk=1, /2/instances?bulk=1 and /2/info (or of the files
// groups.json, nodes.json, instances.json and info.json of a `file://` source) turned
// into cluster data with Ganeti's error messages. Pure: the requests are made by the
// programs (src/htools-cli/rapi.ts), which hand over each body or the error fetching it.
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

/** The four bodies (or the error fetching each), in Ganeti's order of requests. */
export interface RapiBodies {
  readonly groups: Result<string>;
  readonly nodes: Result<string>;
  readonly instances: Result<string>;
  readonly info: Result<string>;
}

/** Ganeti's Types.defaultGroupID: the group of nodes whose answer names none. */
const DEFAULT_GROUP_ID = "00000000-0000-0000-0000-000000000000";

class RapiParseError extends Error {}
const fail = (m: string): never => {
  throw new RapiParseError(m);
};

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };
const isObj = (v: Json | undefined): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const showKeys = (o: Obj): string => `[${Object.keys(o).map((k) => JSON.stringify(k)).join(",")}]`;

type Reader<T> = { readonly name: string; readonly read: (v: Json) => T | undefined };
const rString: Reader<string> = { name: "String", read: (v) => (typeof v === "string" ? v : undefined) };
const rInt: Reader<number> = { name: "Int", read: (v) => (typeof v === "number" ? Math.round(v) : undefined) };
const rDouble: Reader<number> = { name: "Double", read: (v) => (typeof v === "number" ? v : undefined) };
const rBool: Reader<boolean> = { name: "Bool", read: (v) => (typeof v === "boolean" ? v : undefined) };
const rObj: Reader<Obj> = { name: "JSObject", read: (v) => (isObj(v) ? v : undefined) };
const rAny: Reader<Json> = { name: "JSValue", read: (v) => v };
const rList = <T>(r: Reader<T>): Reader<T[]> => ({
  name: `[${r.name}]`,
  read: (v) => {
    if (!Array.isArray(v)) return undefined;
    const out: T[] = [];
    for (const x of v) {
      const y = r.read(x);
      if (y === undefined) return undefined;
      out.push(y);
    }
    return out;
  },
});
const rEnum = <T extends string>(name: string, all: readonly T[]): Reader<T> => ({
  name, read: (v) => (typeof v === "string" && (all as readonly string[]).includes(v) ? (v as T) : undefined),
});

/** Ganeti's tryFromObj: a required key, the error annotated with `desc`. */
function get<T>(desc: string, o: Obj, k: string, r: Reader<T>): T {
  if (!(k in o)) fail(`${desc}: key '${k}' not found, object contains only ${showKeys(o)}`);
  const v = r.read(o[k]!);
  if (v === undefined) fail(`${desc}: key '${k}': Unable to read ${r.name}`);
  return v as T;
}

/** Ganeti's maybeFromObj: absent or null gives null. */
function opt<T>(desc: string, o: Obj, k: string, r: Reader<T>): T | null {
  if (!(k in o) || o[k] === null) return null;
  const v = r.read(o[k]!);
  if (v === undefined) fail(`${desc}: key '${k}': Unable to read ${r.name}`);
  return v as T;
}

/** Ganeti's loadJSArray: the body must be a JSON array of objects. */
function loadArray(desc: string, body: string): Obj[] {
  let v: Json;
  try {
    v = JSON.parse(body) as Json;
  } catch (e) {
    return fail(`${desc}: ${(e as Error).message}`);
  }
  if (!Array.isArray(v)) return fail(`${desc}: Unable to read list`);
  return v.map((x) => (isObj(x) ? x : fail(`${desc}: Unable to read JSObject`)));
}

function parseGroup(a: Obj): [string, Group] {
  const name = get("Parsing new group", a, "name", rString);
  const desc = `Group '${name}'`;
  const uuid = get(desc, a, "uuid", rString);
  const apol = get<AllocPolicy>(desc, a, "alloc_policy", rEnum("AllocPolicy", ALLOC_POLICIES));
  const ipol = parseIPolicyJson(`${desc}: key 'ipolicy'`, get(desc, a, "ipolicy", rAny));
  if (!ipol.ok) fail(ipol.error);
  const tags = get(desc, a, "tags", rList(rString));
  return [uuid, createGroup(name, uuid, apol, [], tags, ipol.ok ? ipol.value : undefined)];
}

function parseNode(ktg: ReadonlyMap<string, number>, a: Obj): [string, Node] {
  const name = get("Parsing new node", a, "name", rString);
  const desc = `Node '${name}', error while parsing data`;
  const offline = get(desc, a, "offline", rBool);
  const drained = get(desc, a, "drained", rBool);
  const vmCap = opt(desc, a, "vm_capable", rBool) ?? true;
  const ndparams = get(desc, a, "ndparams", rObj);
  const exclStor = get(desc, ndparams, "exclusive_storage", rBool);
  const guuid = opt(desc, a, "group.uuid", rString) ?? DEFAULT_GROUP_ID;
  const gdx = ktg.get(guuid);
  if (gdx === undefined) fail(`Unknown group '${guuid}' for node ${name}`);
  const live = !offline && vmCap;
  const lv = <T>(def: T, k: string, r: Reader<T>): T => (live ? get(desc, a, k, r) : def);
  const lvDef = <T>(def: T, k: string, r: Reader<T>): T => (live ? opt(desc, a, k, r) ?? def : def);
  const sptotal = exclStor ? lv(0, "sptotal", rInt) : get(desc, ndparams, "spindle_count", rInt);
  const spfree = lvDef(0, "spfree", rInt);
  const mtotal = lv(0, "mtotal", rDouble);
  const mnode = lv(0, "mnode", rInt);
  const mfree = lv(0, "mfree", rInt);
  const dtotal = lvDef(0, "dtotal", rDouble);
  const dfree = lvDef(0, "dfree", rInt);
  const ctotal = lv(0, "ctotal", rDouble);
  const cnos = lv(0, "cnos", rInt);
  const tags = get(desc, a, "tags", rList(rString));
  const n = N.createNode({
    name, tMem: mtotal, nMem: mnode, fMem: mfree, tDsk: dtotal, fDsk: dfree, tCpu: ctotal, nCpu: cnos,
    offline: !live || drained, tSpindles: sptotal, fSpindles: spfree, group: gdx!, exclStorage: exclStor,
  });
  return [name, N.setNodeTags(n, tags)];
}

function parseInstance(ktn: ReadonlyMap<string, number>, a: Obj): [string, Instance] {
  const name = get("Parsing new instance", a, "name", rString);
  const desc = `Instance '${name}', error while parsing data`;
  const node = (n: string): number => {
    const k = ktn.get(n);
    if (k === undefined) fail(`Unknown node '${n}' for instance ${name}`);
    return k!;
  };
  const disk = get(desc, a, "disk_usage", rInt);
  const dsizes = get(desc, a, "disk.sizes", rList(rInt));
  // tryArrayMaybeFromObj: a list whose nulls are "no value"
  const dspindles = get(desc, a, "disk.spindles", rList<number | null>({ name: "Int", read: (v) => (v === null ? null : rInt.read(v)) }));
  const beparams = get(desc, a, "beparams", rObj);
  const operRam = get(desc, a, "oper_ram", rAny);
  let mem: number;
  if (typeof operRam === "number") {
    mem = Math.round(operRam);
  } else {
    // extract "memory" beparams `mplus` extract "maxmem" beparams
    const m = "memory" in beparams ? rInt.read(beparams["memory"]!) : undefined;
    mem = m ?? get(desc, beparams, "maxmem", rInt);
  }
  const vcpus = get(desc, beparams, "vcpus", rInt);
  const pnode = node(get(desc, a, "pnode", rString));
  const snodes = get(desc, a, "snodes", rList(rAny));
  let snode = NO_SECONDARY;
  if (snodes.length > 0) {
    const s = snodes[0];
    if (typeof s !== "string") fail(`Invalid secondary node ${JSON.stringify(s)}`);
    snode = node(s as string);
  }
  const running = get<InstanceStatus>(desc, a, "status", rEnum("InstanceStatus", INSTANCE_STATUSES));
  const tags = get(desc, a, "tags", rList(rString));
  const autoBalance = get(desc, beparams, "auto_balance", rBool);
  const dt = get<DiskTemplate>(desc, a, "disk_template", rEnum("DiskTemplate", DISK_TEMPLATES));
  const su = get(desc, beparams, "spindle_use", rInt);
  // Not forthcoming by default (older masters lack the field)
  let forthcoming = false;
  try {
    forthcoming = get(desc, a, "forthcoming", rBool);
  } catch (e) {
    if (!(e instanceof RapiParseError)) throw e;
  }
  const disks = dsizes.slice(0, Math.min(dsizes.length, dspindles.length)).map((size, k) => ({ size, spindles: dspindles[k] ?? null }));
  const inst = I.createInstance({
    name, mem, dsk: disk, disks, vcpus, runSt: running, tags, autoBalance, pNode: pnode, sNode: snode, diskTemplate: dt,
    spindleUse: su, forthcoming,
  });
  return [name, inst];
}


function unwrap(r: Result<string>): string {
  return r.ok ? r.value : fail(r.error);
}

/** Ganeti's Rapi.parseData. */
export function parseRapiData(b: RapiBodies): Result<ClusterData> {
  try {
    const groups = assignIndices(loadArray("Parsing group data", unwrap(b.groups)).map(parseGroup), (g, idx) => ({ ...g, idx }));
    const nodes = assignIndices(loadArray("Parsing node data", unwrap(b.nodes)).map((a) => parseNode(groups.assoc, a)), N.setIdx);
    const insts = loadArray("Parsing instance data", unwrap(b.instances)).map((a) => parseInstance(nodes.assoc, a));
    let info: Json;
    try {
      info = JSON.parse(unwrap(b.info)) as Json;
    } catch (e) {
      if (e instanceof RapiParseError) throw e;
      return bad(`Parsing cluster info: ${(e as Error).message}`);
    }
    if (!isObj(info)) return bad("Parsing cluster info: Unable to read JSObject");
    const desc = "Parsing cluster data";
    const master = get(desc, info, "master", rString);
    const ctags = get(desc, info, "tags", rList(rString));
    const cpol = parseIPolicyJson(`${desc}: key 'ipolicy'`, get(desc, info, "ipolicy", rAny));
    if (!cpol.ok) return cpol;
    get(desc, info, "default_hypervisor", rString);
    const kmaster = nodes.assoc.get(master);
    if (kmaster === undefined) return bad(`Master node ${master} unknown`);
    const nl = nodes.container.slice();
    nl[kmaster] = N.setMaster(nl[kmaster]!, true);
    return ok({ groups: groups.container, nodes: nl, instances: assignIndices(insts, I.setIdx).container, tags: ctags, ipolicy: cpol.value });
  } catch (e) {
    if (e instanceof RapiParseError) return bad(e.message);
    throw e;
  }
}
