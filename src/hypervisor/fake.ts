// Ganeti's fake hypervisor: an instance "runs" when its state file exists on the node
// ($ROOT/var/run/ganeti/fake-hv/<name>); no guest process. It lets the whole cluster logic
// be tested without KVM, and the node reports what runs so verify can compare.
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
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
}

const dir = (paths: GanetiPaths): string => join(paths.runDir, "fake-hv");

export async function fakeStart(paths: GanetiPaths, name: string, memory: number, vcpus: number): Promise<void> {
  if ((await fakeList(paths)).some((i) => i.name === name)) throw new HypervisorError(`Instance ${name} is already running`);
  await mkdir(dir(paths), { recursive: true });
  const st: RunningInstance = { name, memory, vcpus, state: "running", started: Date.now() / 1000 };
  await atomicWrite(join(dir(paths), name), JSON.stringify(st));
}

export async function fakeStop(paths: GanetiPaths, name: string): Promise<void> {
  await rm(join(dir(paths), name), { force: true });
}

export async function fakeList(paths: GanetiPaths): Promise<RunningInstance[]> {
  let names: string[];
  try {
    names = await readdir(dir(paths));
  } catch {
    return [];
  }
  const out: RunningInstance[] = [];
  for (const n of names) {
    if (n.startsWith(".")) continue;
    try {
      out.push(JSON.parse(await readFile(join(dir(paths), n), "utf8")) as RunningInstance);
    } catch {
      // a state file being replaced; the next listing sees it
    }
  }
  return out;
}
