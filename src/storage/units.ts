// Storage units as gnt-node list-storage reports them (Ganeti's storage.py): a file
// storage directory, an LVM volume group or physical volume. Fields are Ganeti's: name,
// size, used, free (MiB), allocatable.
import { statfs } from "node:fs/promises";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { GanetiPaths } from "../util/paths.js";
import { lvmUnusable } from "./lvm.js";
import { StorageError } from "../errors.js";

const run = promisify(execFile);
export type StorageUnitRow = Record<string, string | number | boolean>;

async function fileUnit(paths: GanetiPaths, dir: string): Promise<StorageUnitRow> {
  const s = await statfs(join(paths.root, dir)).catch(() => {
    throw new StorageError(`Can't get the size of file storage directory ${dir}: it does not exist on this node`);
  });
  const size = Math.floor((s.blocks * s.bsize) / 1048576);
  const free = Math.floor((s.bavail * s.bsize) / 1048576);
  return { name: dir, size, used: size - free, free, allocatable: true };
}

async function lvmUnits(kind: "lvm-vg" | "lvm-pv"): Promise<StorageUnitRow[]> {
  const why = await lvmUnusable();
  if (why !== null) throw new StorageError(`LVM is not usable: ${why}`);
  const [cmd, fields] = kind === "lvm-vg" ? ["vgs", "vg_name,vg_size,vg_free"] : ["pvs", "pv_name,pv_size,pv_free,pv_attr"];
  const out = (await run(cmd, ["--noheadings", "--units", "m", "--nosuffix", "--separator", "|", "-o", fields])).stdout;
  return out.trim().split("\n").filter((l) => l.trim() !== "").map((l) => {
    const [name, size, free, attr] = l.trim().split("|");
    const sz = Math.floor(Number(size)); const fr = Math.floor(Number(free));
    return { name: name ?? "", size: sz, used: sz - fr, free: fr, allocatable: kind === "lvm-vg" || (attr ?? "").startsWith("a") };
  });
}

/** The units of one storage type on this node; `dirs` are the file storage directories. */
export async function listStorageUnits(paths: GanetiPaths, type: string, dirs: readonly string[]): Promise<StorageUnitRow[]> {
  switch (type) {
    case "file":
    case "sharedfile":
      return Promise.all(dirs.map((d) => fileUnit(paths, d)));
    case "lvm-vg":
    case "lvm-pv":
      return lvmUnits(type);
    default:
      throw new StorageError(`Storage type '${type}' is not supported yet by ganeti-ts`);
  }
}

/** gnt-node repair-storage: only LVM volume groups can be repaired (vgreduce --removemissing). */
export async function repairStorageUnit(type: string, name: string): Promise<void> {
  if (type !== "lvm-vg") throw new StorageError(`Storage units of type '${type}' can not be repaired`);
  const why = await lvmUnusable();
  if (why !== null) throw new StorageError(`LVM is not usable: ${why}`);
  try {
    await run("vgreduce", ["--removemissing", name]);
  } catch (e) {
    throw new StorageError(`vgreduce --removemissing ${name} failed: ${(e as { stderr?: string }).stderr?.trim() ?? String(e)}`);
  }
}

/** gnt-node modify-storage: only an LVM physical volume's allocatable flag can change. */
export async function modifyStorageUnit(type: string, name: string, changes: Readonly<Record<string, unknown>>): Promise<void> {
  if (type !== "lvm-pv") throw new StorageError(`Storage units of type '${type}' can not be modified`);
  const why = await lvmUnusable();
  if (why !== null) throw new StorageError(`LVM is not usable: ${why}`);
  if (changes["allocatable"] !== undefined) await run("pvchange", ["--allocatable", changes["allocatable"] === true ? "y" : "n", name]);
}

/** gnt-node volumes: the logical volumes of this node (LVM only). */
export async function listVolumes(): Promise<Array<{ name: string; vg: string; size: number; dev: string; online: boolean }>> {
  const why = await lvmUnusable();
  if (why !== null) throw new StorageError(`LVM is not usable: ${why}`);
  const out = (await run("lvs", ["--noheadings", "--units", "m", "--nosuffix", "--separator", "|", "-o", "lv_name,vg_name,lv_size,devices,lv_attr"])).stdout;
  return out.trim().split("\n").filter((l) => l.trim() !== "").map((l) => {
    const [name, vg, size, dev, attr] = l.trim().split("|");
    return { name: name ?? "", vg: vg ?? "", size: Math.floor(Number(size)), dev: (dev ?? "").replace(/\(\d+\)$/, ""), online: attr?.[5] === "o" };
  });
}
