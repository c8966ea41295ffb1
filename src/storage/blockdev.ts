// The blockdev template (Ganeti's PersistentBlockDevice): disks are existing block devices
// the administrator hands over by adoption (`--disk N:adopt=/dev/disk/...`), typically SAN
// or multipath devices every node sees. Ganeti never creates, removes, grows or renames
// them; it only checks they are block devices. The devcluster's nodes share one /dev, as
// the nodes of a SAN-backed cluster share their LUNs.
import { execFile } from "node:child_process";
import { realpath, stat } from "node:fs/promises";
import { promisify } from "node:util";
import type { GanetiPaths } from "../util/paths.js";
import type { DiskSpec, DeviceStatus, StorageDriver } from "./types.js";
import { BlockDeviceError } from "../errors.js";

const run = promisify(execFile);
/** Ganeti's BLOCKDEV_DRIVER_MANUAL: the only driver of its logical ids ("manual", path). */
export const BLOCKDEV_DRIVER_MANUAL = "manual";
/** Ganeti's ADOPTABLE_BLOCKDEV_ROOT: devices outside it can't be adopted. */
export const ADOPTABLE_BLOCKDEV_ROOT = "/dev/disk/";

/** The device node of a blockdev disk, checked as Ganeti's PersistentBlockDevice constructor. */
async function devicePath(disk: Pick<DiskSpec, "logical_id">): Promise<string> {
  const [driver, path] = disk.logical_id as [unknown, unknown];
  if (typeof path !== "string" || disk.logical_id.length !== 2) throw new BlockDeviceError(`Invalid configuration data ${JSON.stringify(disk.logical_id)}`);
  if (driver !== BLOCKDEV_DRIVER_MANUAL) throw new BlockDeviceError(`Got persistent block device of invalid type: ${String(driver)}`);
  const real = await realpath(path).catch(() => path);
  if (!real.startsWith("/dev/")) throw new BlockDeviceError(`Full path '${real}' lies outside /dev`);
  return path;
}

/** Size in bytes of a block device (stat gives 0 for them), as Ganeti: `blockdev --getsize64`. */
export async function blockDeviceBytes(path: string): Promise<number | null> {
  const st = await stat(path).catch(() => null);
  if (st === null || !st.isBlockDevice()) return null;
  try {
    const { stdout } = await run("blockdev", ["--getsize64", path], { timeout: 30_000 });
    const n = Number(stdout.trim());
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

/**
 * Ganeti's GetBlockDevSizes: the sizes in MiB of those of `devices` that are block devices
 * below /dev (others are left out, so the master reports them missing).
 */
export async function blockDeviceSizes(devices: readonly string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const d of devices) {
    if (!d.startsWith("/dev/")) continue;
    const bytes = await blockDeviceBytes(d);
    if (bytes !== null) out[d] = Math.floor(bytes / 1048576);
  }
  return out;
}

export const blockdevStorage: StorageDriver = {
  /** Nothing is created: the adopted device must be there. */
  async create(_paths: GanetiPaths, disk) {
    const path = await devicePath(disk);
    if ((await blockDeviceBytes(path)) === null) throw new BlockDeviceError(`Can't find device ${path}: not a block device on this node`);
    return path;
  },
  /** Ganeti leaves the device alone: it belongs to whoever provided it. */
  async remove() {},
  async find(_paths, disk): Promise<DeviceStatus | null> {
    const path = await devicePath(disk);
    const bytes = await blockDeviceBytes(path);
    return bytes === null ? null : { path, size: Math.floor(bytes / 1048576), degraded: false };
  },
  async rename() {
    throw new BlockDeviceError("Rename is not supported for PersistentBlockDev storage");
  },
  async grow() {
    throw new BlockDeviceError("Grow is not supported for PersistentBlockDev storage");
  },
};
