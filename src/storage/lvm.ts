// The plain template: one LVM logical volume per disk, through the real lvm2 tools
// (lvcreate, lvremove, lvs, vgs). LVM needs the kernel's device-mapper; where it is
// missing (containers, some build machines) every operation says so instead of
// pretending: a plain disk is never emulated by a file.
import { execFile } from "node:child_process";
import { access } from "node:fs/promises";
import { promisify } from "node:util";
import type { GanetiPaths } from "../util/paths.js";
import type { DiskSpec, DeviceStatus, StorageDriver, SnapshotOptions } from "./types.js";
import { BlockDeviceError } from "../errors.js";

const run = promisify(execFile);
const DM_CONTROL = "/dev/mapper/control";

/** Why LVM can't be used on this node, or null when it can. */
export async function lvmUnusable(): Promise<string | null> {
  try {
    await access(DM_CONTROL);
  } catch {
    return `the kernel's device-mapper is not available (${DM_CONTROL} is missing), so LVM volumes can't be used on this node`;
  }
  try {
    await run("vgs", ["--version"], { timeout: 10_000 });
  } catch {
    return "the lvm2 tools (vgs, lvcreate) are not installed on this node";
  }
  return null;
}

async function lvm(cmd: string, args: string[]): Promise<string> {
  const why = await lvmUnusable();
  if (why !== null) throw new BlockDeviceError(`LVM is not usable: ${why}`);
  try {
    return (await run(cmd, args, { timeout: 120_000 })).stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new BlockDeviceError(`${cmd} failed: ${(err.stderr ?? err.message).trim().split("\n").slice(-2).join("; ")}`);
  }
}

function vgLv(disk: DiskSpec): [string, string] {
  const [vg, lv] = disk.logical_id as [unknown, unknown];
  if (typeof vg !== "string" || typeof lv !== "string" || !/^[A-Za-z0-9+_.-]+$/.test(vg) || !/^[A-Za-z0-9+_.-]+$/.test(lv)) {
    throw new BlockDeviceError(`Invalid plain disk logical id ${JSON.stringify(disk.logical_id)}`);
  }
  return [vg, lv];
}

export const lvmStorage: StorageDriver = {
  async create(_paths: GanetiPaths, disk) {
    const [vg, lv] = vgLv(disk);
    await lvm("lvcreate", ["-L", `${disk.size}m`, "-n", lv, vg, "-y"]);
    return `/dev/${vg}/${lv}`;
  },
  async remove(_paths, disk) {
    const [vg, lv] = vgLv(disk);
    await lvm("lvremove", ["-f", `${vg}/${lv}`]);
  },
  async grow(_paths, disk, amount, dryRun) {
    const [vg, lv] = vgLv(disk);
    await lvm("lvextend", [...(dryRun ? ["--test"] : []), "-L", `+${amount}m`, `${vg}/${lv}`]);
  },
  async find(_paths, disk): Promise<DeviceStatus | null> {
    const [vg, lv] = vgLv(disk);
    const out = await lvm("lvs", ["--noheadings", "--units", "m", "--nosuffix", "-o", "lv_size", `${vg}/${lv}`]).catch(() => null);
    if (out === null || out.trim() === "") return null;
    return { path: `/dev/${vg}/${lv}`, size: Math.floor(Number(out.trim())), degraded: false };
  },
  snapshot: snapshotLv,
  async rename(_paths, disk, newName) {
    const [vg, lv] = vgLv(disk);
    if (!/^[A-Za-z0-9+_.-]+$/.test(newName)) throw new BlockDeviceError(`Invalid logical volume name '${newName}'`);
    await lvm("lvrename", [vg, lv, newName]);
  },
};

/** Ganeti's LogicalVolume.Snapshot: an LVM snapshot (atomic, so also while the instance runs). */
async function snapshotLv(_paths: GanetiPaths, disk: DiskSpec, opts: SnapshotOptions): Promise<unknown[]> {
  const [vg, lv] = vgLv(disk);
  const name = opts.name ?? `${lv}.snap`;
  if (!/^[A-Za-z0-9+_.-]+$/.test(name)) throw new BlockDeviceError(`Invalid snapshot name '${name}'`);
  // Ganeti reserves the whole size: a snapshot that fills up is invalidated mid-export.
  const size = opts.size ?? disk.size;
  await lvm("lvremove", ["-f", `${vg}/${name}`]).catch(() => undefined); // an older snapshot is replaced
  const { free } = await vgInfo(vg);
  if (free < size) throw new BlockDeviceError(`Not enough free space: required ${size}, available ${free}`);
  await lvm("lvcreate", [`-L${size}m`, "-s", `-n${name}`, `${vg}/${lv}`]);
  return [vg, name];
}

/** Size and free space of a volume group, for node info and gnt-node list-storage. */
export async function vgInfo(vg: string): Promise<{ size: number; free: number }> {
  const out = await lvm("vgs", ["--noheadings", "--units", "m", "--nosuffix", "-o", "vg_size,vg_free", vg]);
  const [size, free] = out.trim().split(/\s+/).map(Number) as [number, number];
  return { size: Math.floor(size), free: Math.floor(free) };
}
