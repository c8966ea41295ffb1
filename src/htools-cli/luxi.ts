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

/** Data fetched before the program body runs (only the luxi backend needs it). */
export interface Preloaded {
  readonly luxi?: Result<ClusterData>;
  /** The RAPI backend's data (`-m CLUSTER`). */
  readonly rapi?: Result<ClusterData>;
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

/** Fetches the luxi data when the command line selects the luxi backend (and only it). */
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
  const m = v.get("master");
  const master = m?.[m.length - 1];
  // the RAPI backend comes first, as in Ganeti's loadExternalData
  if (master !== undefined && master !== null && master !== "") {
    return v.has("luxi") || v.has("text-data") ? {} : { rapi: await fetchRapiData(master) };
  }
  if (!v.has("luxi") || v.has("text-data")) return {};
  const l = v.get("luxi")!;
  return { luxi: await fetchLuxiData(luxiSocket(l[l.length - 1])) };
}
