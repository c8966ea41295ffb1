// Nodes in their own network namespace (devcluster --netns, root only): a node root's
// etc/netns names its namespace; daemons are started in it, and commands that talk to
// other nodes directly (bootstrap commands) re-run themselves inside it.
import { readFile } from "node:fs/promises";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { GanetiPaths } from "./paths.js";

export function netnsFile(paths: GanetiPaths): string {
  return join(paths.root, "etc/netns");
}

export async function nodeNetns(paths: GanetiPaths): Promise<string | null> {
  try {
    const ns = (await readFile(netnsFile(paths), "utf8")).trim();
    return ns === "" ? null : ns;
  } catch {
    return null;
  }
}

/** Re-runs this very command inside the node's namespace (once); returns only if already there. */
export async function enterNodeNetns(paths: GanetiPaths): Promise<void> {
  const ns = await nodeNetns(paths);
  if (ns === null || process.env["GANETI_NETNS_ENTERED"] === ns) return;
  const r = spawnSync("ip", ["netns", "exec", ns, process.execPath, ...process.argv.slice(1)], {
    stdio: "inherit", env: { ...process.env, GANETI_NETNS_ENTERED: ns },
  });
  process.exit(r.status ?? 1);
}
