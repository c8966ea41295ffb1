// Who this node is and how names resolve. Names resolve through the cluster's own files
// ($ROOT/etc/hosts, which Ganeti manages) before the system resolver, so several nodes on
// one machine each have their own view, without touching /etc/hosts.
import { readFile } from "node:fs/promises";
import { lookup } from "node:dns/promises";
import { hostname } from "node:os";
import { isIP } from "node:net";
import type { GanetiPaths } from "./paths.js";
import { ResolverError } from "../errors.js";

export async function myHostname(paths: GanetiPaths, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const fromEnv = env["GANETI_HOSTNAME"];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  try {
    const h = (await readFile(paths.hostnameFile, "utf8")).trim();
    if (h !== "") return h;
  } catch {
    // no per-root hostname: a real node
  }
  return hostname();
}

export function parseHosts(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    if (line === "") continue;
    const [ip, ...names] = line.split(/\s+/);
    if (ip === undefined || isIP(ip) === 0) continue;
    for (const n of names) if (!m.has(n.toLowerCase())) m.set(n.toLowerCase(), ip);
  }
  return m;
}

export async function readHosts(paths: GanetiPaths): Promise<Map<string, string>> {
  try {
    return parseHosts(await readFile(paths.etcHosts, "utf8"));
  } catch {
    return new Map();
  }
}

export interface Resolved {
  readonly name: string;
  readonly ip: string;
}

/** Resolves a host name to (name, IPv4 address), Ganeti's netutils.GetHostname. */
export async function resolveHost(paths: GanetiPaths, name: string): Promise<Resolved> {
  if (isIP(name) !== 0) return { name, ip: name };
  const hosts = await readHosts(paths);
  const ip = hosts.get(name.toLowerCase());
  if (ip !== undefined) return { name, ip };
  // Short names also match a fully qualified entry ("node1" -> "node1.example.com").
  for (const [n, addr] of hosts) if (n.split(".")[0] === name.toLowerCase()) return { name: n, ip: addr };
  try {
    const r = await lookup(name, { family: 4 });
    return { name, ip: r.address };
  } catch {
    throw new ResolverError(name);
  }
}
