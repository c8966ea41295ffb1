// Locates Ganeti's own test data (package ganeti-testsuite, unpacked into .cache/ by
// scripts/install-system-deps.sh). Missing data is installed, never silently skipped.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnSync } from "node:child_process";

// dist/test/objects/testsuite-data.js → project root is three levels up.
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const DATA_DIR = join(ROOT, ".cache/ganeti-testsuite/usr/share/ganeti/testsuite/test/data");

export function testsuiteFile(name: string): string {
  const p = join(DATA_DIR, name);
  if (!existsSync(join(DATA_DIR, "cluster_config_2.16.json"))) {
    const r = spawnSync("bash", ["scripts/install-system-deps.sh"], { cwd: ROOT, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`install-system-deps.sh failed:\n${r.stdout}\n${r.stderr}`);
  }
  return p;
}

export function readTestsuiteJson(name: string): unknown {
  return JSON.parse(readFileSync(testsuiteFile(name), "utf8")) as unknown;
}
