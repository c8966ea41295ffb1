// The luxi backend of the htools programs (Ganeti's `-L [SOCKET]`): the queries Ganeti's
// Backend/Luxi.hs makes, asked of our master over its socket before the (synchronous)
// program body runs. Parsing is the pure src/htools/luxi-data.ts.
import { existsSync } from "node:fs";
import { LuxiClient } from "../luxi/client.js";
import { LuxiMethod } from "../luxi/protocol.js";
import { ganetiPaths } from "../util/paths.js";
import type { ClusterData } from "../htools/loader.js";
import { GROUP_FIELDS, INSTANCE_FIELDS, NODE_FIELDS, parseLuxiData } from "../htools/luxi-data.js";
import { type Result, bad } from "../htools/types.js";
import { type OptSpec, parseArgs } from "./options.js";
import { fetchRapiData } from "./rapi.js";
import { type MonDAnswers, queryMonDs } from "./mond.js";
import { collectorsFor } from "../htools/mond.js";
import { parseData } from "../htools/text.js";
import * as C from "../htools/container.js";
import { readFileSync } from "node:fs";

/** Data fetched before the program body runs (only the luxi backend needs it). */
export interface Preloaded {
  readonly luxi?: Result<ClusterData>;
  /** The RAPI backend's data (`-m CLUSTER`). */
  readonly rapi?: Result<ClusterData>;
  /** The monitoring daemons' answers (`--mond` without `--mond-data`). */
  readonly mond?: MonDAnswers;
}

/** The master's socket: `-L PATH`, or this cluster's (GANETI_ROOT) by default. */
export function luxiSocket(arg: string | null | undefined): string {
  return arg === undefined || arg === null || arg === "" ? ganetiPaths().masterSocket : arg;
}

/** Haskell's rendering of a failed Network.Socket.connect, as Ganeti prints it. */
function connectError(path: string): string {
  const why = existsSync(path) ? "does not exist (Connection refused)" : "does not exist (No such file or directory)";
  return `Network.Socket.connect: <socket: 3>: ${why}`;
}

export async function openLuxi(path: string): Promise<Result<LuxiClient>> {
  const c = new LuxiClient(path);
  try {
    await c.connect();
    return { ok: true, value: c };
  } catch {
    c.close();
    return bad(connectError(path));
  }
}

/** Ganeti's Luxi.readData + parseData. */
export async function fetchLuxiData(path: string): Promise<Result<ClusterData>> {
  const r = await openLuxi(path);
  if (!r.ok) return r;
  const c = r.value;
  try {
    const nodes = await c.call(LuxiMethod.query, ["node", NODE_FIELDS, null]);
    const instances = await c.call(LuxiMethod.query, ["instance", INSTANCE_FIELDS, null]);
    const cinfo = await c.call(LuxiMethod.queryClusterInfo, []);
    const groups = await c.call(LuxiMethod.query, ["group", GROUP_FIELDS, null]);
    return parseLuxiData({ groups, nodes, instances, cinfo });
  } catch (e) {
    return bad((e as Error).message);
  } finally {
    c.close();
  }
}

/** Fetches what the program body will need and cannot fetch itself (it is synchronous):
 * the luxi or RAPI backend's data, and the monitoring daemons' reports for `--mond`. */
export async function preload(specs: readonly OptSpec[], argv: readonly string[]): Promise<Preloaded> {
  let p;
  try {
    p = parseArgs(specs, argv);
  } catch {
    return {};
  }
  const v = p.values;
  // the programs refuse arguments before loading anything
  if (p.args.length > 0) return {};
  if (v.has("help") || v.has("version") || v.has("help-completion")) return {};
  const last = (k: string): string | null | undefined => {
    const l = v.get(k);
    return l === undefined ? undefined : l[l.length - 1];
  };
  const master = last("master");
  let pre: Preloaded = {};
  // the RAPI backend comes first, as in Ganeti's loadExternalData
  if (master !== undefined && master !== null && master !== "") {
    if (!v.has("luxi") && !v.has("text-data")) pre = { rapi: await fetchRapiData(master) };
  } else if (v.has("luxi") && !v.has("text-data")) {
    pre = { luxi: await fetchLuxiData(luxiSocket(last("luxi"))) };
  }
  const mond = last("mond");
  if (v.has("mond") && (mond === null || mond === "yes") && !v.has("mond-data")) {
    const collectors = collectorsFor(v.has("ignore-dynu"), v.has("mond-xen"));
    const names = nodeNames(pre, last("text-data"));
    if (names.length > 0 && collectors.length > 0) pre = { ...pre, mond: await queryMonDs(names, collectors) };
  }
  return pre;
}

/** The nodes whose daemons --mond asks: from the fetched data or the text file. */
function nodeNames(pre: Preloaded, textFile: string | null | undefined): string[] {
  const fetched = pre.rapi ?? pre.luxi;
  if (fetched !== undefined) return fetched.ok ? C.elems(fetched.value.nodes).map((n) => n.name) : [];
  if (textFile === undefined || textFile === null) return [];
  try {
    const d = parseData(readFileSync(textFile, "utf8"));
    return d.ok ? C.elems(d.value.nodes).map((n) => n.name) : [];
  } catch {
    return [];
  }
}
