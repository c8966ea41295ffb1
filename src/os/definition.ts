// Ganeti OS definitions on a node: directories in the OS search path holding
// ganeti_api_version, the create/export/import/rename scripts (and verify for API 15+),
// variants.list and parameters.list (Ganeti's OS API).
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { GanetiPaths } from "../util/paths.js";

export const OS_API_VERSIONS: readonly number[] = [10, 15, 20];
const SCRIPTS_BASE = ["create", "export", "import", "rename"];

export interface OsDefinition {
  readonly name: string;
  /** The Ganeti-visible path (below the node's root). */
  readonly path: string;
  readonly status: boolean;
  readonly diagnose: string;
  readonly variants: readonly string[];
  readonly parameters: ReadonlyArray<readonly [string, string]>;
  readonly api_versions: readonly number[];
}

/** The OS search path below the node's root (Ganeti's default, first entry). */
export function osSearchPath(): string[] {
  return ["/srv/ganeti/os"];
}

async function lines(p: string): Promise<string[] | null> {
  try {
    return (await readFile(p, "utf8")).split("\n").map((l) => l.trim()).filter((l) => l !== "");
  } catch {
    return null;
  }
}

export async function readOsDefinition(paths: GanetiPaths, dir: string, name: string): Promise<OsDefinition> {
  const path = join(dir, name);
  const real = join(paths.root, path);
  const bad = (diagnose: string): OsDefinition => ({ name, path, status: false, diagnose, variants: [], parameters: [], api_versions: [] });
  const api = await lines(join(real, "ganeti_api_version"));
  if (api === null) return bad("'ganeti_api_version' file not found");
  const versions = api.map(Number).filter((v) => Number.isInteger(v));
  if (!versions.some((v) => OS_API_VERSIONS.includes(v))) {
    return bad(`API version mismatch (found ${versions.join(", ")} want ${OS_API_VERSIONS.join(", ")})`);
  }
  const needed = [...SCRIPTS_BASE, ...(Math.max(...versions) >= 15 ? ["verify"] : [])];
  for (const script of needed) {
    const st = await stat(join(real, script)).catch(() => null);
    if (st === null) return bad(`'${script}' script missing`);
    if (!st.isFile() || (st.mode & 0o111) === 0) return bad(`'${script}' is not an executable regular file`);
  }
  const variants = (await lines(join(real, "variants.list"))) ?? [];
  if (Math.max(...versions) >= 15 && variants.length === 0 && (await lines(join(real, "variants.list"))) !== null) {
    return bad("variants.list is empty");
  }
  const params = ((await lines(join(real, "parameters.list"))) ?? []).map((l) => {
    const sp = l.search(/\s/);
    return (sp < 0 ? [l, ""] : [l.slice(0, sp), l.slice(sp).trim()]) as [string, string];
  });
  return { name, path, status: true, diagnose: "", variants, parameters: params, api_versions: versions };
}

export async function diagnoseOses(paths: GanetiPaths): Promise<OsDefinition[]> {
  const out: OsDefinition[] = [];
  for (const dir of osSearchPath()) {
    let names: string[];
    try {
      names = (await readdir(join(paths.root, dir))).sort();
    } catch {
      continue;
    }
    for (const n of names) if (!out.some((o) => o.name === n)) out.push(await readOsDefinition(paths, dir, n));
  }
  return out;
}
