// Reading ssconf files: the small per-node files every node has (Ganeti's ssconf), from
// which any node knows the master, the node list, the cluster name without the config.
import { readFile } from "node:fs/promises";
import type { GanetiPaths } from "./paths.js";
import { ConfigurationError } from "../errors.js";

export async function readSsconf(paths: GanetiPaths, key: string): Promise<string | null> {
  try {
    return (await readFile(paths.ssconf(key), "utf8")).replace(/\n$/, "");
  } catch {
    return null;
  }
}

export async function readSsconfRequired(paths: GanetiPaths, key: string): Promise<string> {
  const v = await readSsconf(paths, key);
  if (v === null) throw new ConfigurationError(`Can't read ssconf file ssconf_${key}`);
  return v;
}

export function ssconfLines(v: string | null): string[] {
  return v === null ? [] : v.split("\n").filter((l) => l !== "");
}

/** ssconf_node_primary_ips: "name ip" lines. */
export function ssconfPairs(v: string | null): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of ssconfLines(v)) {
    const [a, b] = l.split(" ");
    if (a !== undefined && b !== undefined) m.set(a, b);
  }
  return m;
}
