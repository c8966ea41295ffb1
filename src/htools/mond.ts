// Dynamic CPU load from Ganeti's monitoring daemons (--mond, --mond-data, --mond-xen):
// the node reports of the cpu-avg-load collector (or, for Xen, the per-instance
// xen-cpu-avg-load one) turned into the instances' and nodes' CPU utilisation, as
// Ganeti's Backend/MonD.hs does. The reports come from a file (parsed here) or from the
// daemons themselves (fetched by the programs before this runs).
import * as C from "./container.js";
import type { Container } from "./container.js";
import type { Instance } from "./instance.js";
import * as I from "./instance.js";
import type { ClusterData } from "./loader.js";
import type { Node } from "./node.js";
import { copy as copyNode } from "./node-record.js";
import { type Result, bad, ok } from "./types.js";
import { type JValue, ReadError, decodeJsonStrict, field, readList, readObject, readString, showJValue, showRational } from "../monitoring/textjson.js";

/** What the programs use of a data collector report. */
export interface MonDReport {
  readonly name: string;
  readonly data: JValue;
}

export const CPU_AVG_LOAD = "cpu-avg-load";
export const XEN_CPU_AVG_LOAD = "xen-cpu-avg-load";

/** A collector's report URL path on a node's daemon (port 1815): /1/report/CATEGORY/NAME. */
export function reportPath(collector: string): string {
  const category = collector === XEN_CPU_AVG_LOAD ? "hypervisor" : "default";
  return `/1/report/${category}/${collector}`;
}

/** The collectors the options ask for: none with --ignore-dynu, the Xen one with --mond-xen. */
export function collectorsFor(ignoreDynu: boolean, xen: boolean): string[] {
  if (ignoreDynu) return [];
  return [xen ? XEN_CPU_AVG_LOAD : CPU_AVG_LOAD];
}

const CATEGORIES = ["instance", "storage", "daemon", "hypervisor"];

function readNum(v: JValue, what: string): number {
  if (v.t !== "num") throw new ReadError(`Unable to read ${what}`);
  return v.v;
}

/** A present field's value read by `read`, failures as Ganeti's objects report them. */
function valueOf<T>(o: ReadonlyMap<string, JValue>, key: string, read: (v: JValue) => T): T {
  const v = field(o, key);
  try {
    return read(v);
  } catch (e) {
    if (e instanceof ReadError) throw new ReadError(`Can't parse value for '${key}': ${e.message}`);
    throw e;
  }
}

/** A data collector report as Ganeti checks it (all fields; the data is kept as JSON). */
export function readReport(v: JValue): MonDReport {
  const o = readObject(v);
  const name = valueOf(o, "name", readString);
  valueOf(o, "version", (x) => {
    if (x.t !== "str") throw new ReadError(`Invalid JSON value ${showJValue(x)} for type DCVersion`);
  });
  valueOf(o, "format_version", (x) => readNum(x, "Int"));
  valueOf(o, "timestamp", (x) => readNum(x, "Integer"));
  const cat = o.get("category");
  if (cat !== undefined && cat.t !== "null") {
    valueOf(o, "category", (x) => {
      if (x.t !== "str") throw new ReadError(`Invalid JSON value ${showJValue(x)} for type DCCategory`);
      if (!CATEGORIES.includes(x.v)) throw new ReadError(`Invalid category name ${x.v} for type DCCategory`);
    });
  }
  valueOf(o, "kind", (x) => {
    if (x.t !== "num") throw new ReadError(`Invalid JSON value ${showJValue(x)} for type DCKind`);
    if (!Number.isInteger(x.v)) throw new ReadError(`Invalid JSON value ${showRational(x.v)} for type DCKind`);
    if (x.v !== 0 && x.v !== 1) throw new ReadError(`Invalid JSON value ${x.v} for type DCKind`);
  });
  return { name, data: field(o, "data") };
}

/** A --mond-data file: [{"node": NAME, "reports": [REPORT, ...]}, ...]. */
export function parseMonDData(text: string): Result<Map<string, MonDReport[]>> {
  const d = decodeJsonStrict(text);
  if (!d.ok) return bad(`Parsing MonD's answer: ${d.error}`);
  if (d.value.t !== "arr") return bad("Parsing MonD's answer: Unable to read list");
  const objs: ReadonlyMap<string, JValue>[] = [];
  for (const item of d.value.v) {
    if (item.t !== "obj") return bad("Parsing MonD's answer: Unable to read JSObject");
    objs.push(new Map(item.v));
  }
  const out = new Map<string, MonDReport[]>();
  for (const o of objs) {
    let node: string;
    try {
      const n = field(o, "node");
      if (n.t !== "str") throw new ReadError("key 'node': Unable to read String");
      node = n.v;
    } catch (e) {
      return bad(`Parsing node's name: ${(e as Error).message}`);
    }
    try {
      const r = field(o, "reports");
      try {
        out.set(node, readList(r).map(readReport));
      } catch (e) {
        if (e instanceof ReadError) throw new ReadError(`key 'reports': ${e.message}`);
        throw e;
      }
    } catch (e) {
      return bad(`Parsing node's reports: ${(e as Error).message}`);
    }
  }
  return ok(out);
}

/** cpu-avg-load's data: the node's total CPU load (null: not such a report). */
function cpuTotal(data: JValue): number | null {
  if (data.t !== "obj") return null;
  const o = new Map(data.v);
  const n = o.get("cpu_number");
  const cpus = o.get("cpus");
  const total = o.get("cpu_total");
  if (n?.t !== "num" || cpus?.t !== "arr" || !cpus.v.every((c) => c.t === "num") || total?.t !== "num") return null;
  return total.v;
}

/** xen-cpu-avg-load's data: CPU use by instance name (null: not such a report). */
function instanceCpu(data: JValue): Map<string, number> | null {
  if (data.t !== "obj") return null;
  const m = new Map<string, number>();
  for (const [k, v] of data.v) {
    if (v.t !== "num") return null;
    m.set(k, v.v);
  }
  return m;
}

function withCpu<T extends { readonly util: Instance["util"] }>(x: T, cpu: number): Instance["util"] {
  return { ...x.util, cpu };
}

/** cpu-avg-load: each node's load, shared among its primaries by their virtual CPUs. */
function useNodeTotalCpu(reports: readonly (readonly [Node, number])[], nl: Container<Node>, il: Container<Instance>):
  [Container<Node>, Container<Instance>] {
  const nodes = nl.slice();
  let insts = il;
  for (const [node, ct] of reports) {
    const n = copyNode(node);
    n.utilLoad = { ...node.utilLoad, cpu: ct };
    nodes[node.idx] = n;
    insts = C.map(insts, (inst) => {
      if (inst.pNode !== node.idx) return inst;
      const r = I.copyInstance(inst);
      r.util = withCpu(inst, (ct / node.uCpu) * inst.vcpus);
      return r;
    });
  }
  return [nodes, insts];
}

/** xen-cpu-avg-load: every instance's own load; a node's is its primaries' sum. */
function useInstanceCpu(reports: readonly Map<string, number>[], nl: Container<Node>, il: Container<Instance>):
  Result<[Container<Node>, Container<Instance>]> {
  const usage = new Map<string, number>();
  for (const m of reports) for (const [k, v] of m) if (!usage.has(k)) usage.set(k, v);
  const missing = [...new Set(C.elems(il).map((i) => i.name))].filter((n) => !usage.has(n)).sort();
  if (missing.length > 0) return bad(`No CPU information available for [${missing.map((n) => JSON.stringify(n)).join(",")}]`);
  const insts = C.map(il, (inst) => {
    const r = I.copyInstance(inst);
    r.util = withCpu(inst, usage.get(inst.name)!);
    return r;
  });
  const nodes = C.map(nl, (node) => {
    const n = copyNode(node);
    let cpu = 0;
    for (const i of node.pList) cpu += C.lookup(insts, i)?.util.cpu ?? 0;
    n.utilLoad = { ...node.utilLoad, cpu };
    return n;
  });
  return ok([nodes, insts]);
}

/** Where a node's report for a collector comes from (null: no usable answer). */
export type ReportSource = (collector: string, node: Node) => MonDReport | null;

export interface MonDResult {
  readonly data: ClusterData;
  readonly warnings: string[];
  /** Every collector had what it needed. */
  readonly complete: boolean;
}

/** Ganeti's queryAllMonDDCs: each collector's reports from every node, or none used. */
export function applyMonD(cd: ClusterData, collectors: readonly string[], source: ReportSource): MonDResult {
  let nl = cd.nodes;
  let il = cd.instances;
  const warnings: string[] = [];
  let complete = true;
  for (const dc of collectors) {
    const nodes = C.elems(nl);
    const got = nodes.map((n) => {
      const r = source(dc, n);
      if (r === null) return null;
      return dc === XEN_CPU_AVG_LOAD ? instanceCpu(r.data) : cpuTotal(r.data);
    });
    if (got.some((g) => g === null)) {
      warnings.push(`Didn't receive an answer by all MonDs, ${dc}'s data will be ignored.`);
      complete = false;
      continue;
    }
    if (dc === XEN_CPU_AVG_LOAD) {
      const r = useInstanceCpu(got as Map<string, number>[], nl, il);
      if (!r.ok) {
        warnings.push(r.error);
        complete = false;
        continue;
      }
      [nl, il] = r.value;
    } else {
      [nl, il] = useNodeTotalCpu(nodes.map((n, k) => [n, got[k] as number] as const), nl, il);
    }
  }
  return { data: { ...cd, nodes: nl, instances: il }, warnings, complete };
}

/** A node's report for a collector from --mond-data's reports. */
export function fileSource(m: ReadonlyMap<string, readonly MonDReport[]>): ReportSource {
  return (dc, node) => m.get(node.name)?.find((r) => r.name === dc) ?? null;
}
