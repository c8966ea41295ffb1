// Ganeti's fake hypervisor: an instance "runs" when its state file exists on the node
// ($ROOT/var/run/ganeti/fake-hv/<name>); no guest process. It lets the whole cluster logic
// be tested without KVM, and the node reports what runs so verify can compare. A state file
// names the boot it was written in: after the node (re)boots its old guests are gone.
import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { GanetiPaths } from "../util/paths.js";
import { atomicWrite } from "../util/fs.js";
import { HypervisorError } from "../errors.js";

export interface RunningInstance {
  readonly name: string;
  readonly memory: number;
  readonly vcpus: number;
  readonly state: "running";
  readonly started: number;
  readonly boot_id?: string;
}

const dir = (paths: GanetiPaths): string => join(paths.runDir, "fake-hv");

export async function fakeStart(paths: GanetiPaths, bootId: string, name: string, memory: number, vcpus: number): Promise<void> {
  if ((await fakeRunning(paths, bootId, name)) !== null) throw new HypervisorError(`Instance ${name} is already running`);
  await mkdir(dir(paths), { recursive: true });
  const st: RunningInstance = { name, memory, vcpus, state: "running", started: Date.now() / 1000, boot_id: bootId };
  await atomicWrite(join(dir(paths), name), JSON.stringify(st));
}

export async function fakeStop(paths: GanetiPaths, name: string): Promise<void> {
  await rm(join(dir(paths), name), { force: true });
}

/** The last listing per directory, valid while the directory's mtime is unchanged. */
const cache = new Map<string, { mtimeMs: number; list: RunningInstance[] }>();

export async function fakeList(paths: GanetiPaths, bootId: string): Promise<RunningInstance[]> {
  const d = dir(paths);
  let mtimeMs: number;
  try {
    mtimeMs = (await stat(d)).mtimeMs;
  } catch {
    return [];
  }
  const hit = cache.get(d);
  // Every start/stop renames or removes a file in the directory, which moves its mtime.
  if (hit !== undefined && hit.mtimeMs === mtimeMs && Date.now() - mtimeMs > 1000) return hit.list;
  const list = await readList(d, bootId);
  cache.set(d, { mtimeMs, list });
  return list;
}

/** One guest's state, without listing the others (a start or a balloon reads only its own). */
async function fakeRunning(paths: GanetiPaths, bootId: string, name: string): Promise<RunningInstance | null> {
  return readState(dir(paths), name, bootId);
}

/** A state file's guest; null when there is none, or it died with the node's previous boot. */
async function readState(d: string, name: string, bootId: string): Promise<RunningInstance | null> {
  let st: RunningInstance;
  try {
    st = JSON.parse(await readFile(join(d, name), "utf8")) as RunningInstance;
  } catch {
    return null; // none, or a state file being replaced: the next look sees it
  }
  if (st.boot_id !== undefined && st.boot_id !== bootId) {
    await rm(join(d, name), { force: true });
    return null;
  }
  return st;
}

async function readList(d: string, bootId: string): Promise<RunningInstance[]> {
  let names: string[];
  try {
    names = await readdir(d);
  } catch {
    return [];
  }
  const out: RunningInstance[] = [];
  for (const n of names) {
    if (n.startsWith(".")) continue;
    const st = await readState(d, n, bootId);
    if (st !== null) out.push(st);
  }
  return out;
}

/** Changes a running fake guest's memory (gnt-instance modify -m: ballooning). */
export async function fakeBalloon(paths: GanetiPaths, bootId: string, name: string, memory: number): Promise<void> {
  const cur = await fakeRunning(paths, bootId, name);
  if (cur === null) throw new HypervisorError(`Instance ${name} is not running`);
  await atomicWrite(join(dir(paths), name), JSON.stringify({ ...cur, memory }));
}
