// Which driver serves which device type; templates not built yet say so clearly.
import type { StorageDriver } from "./types.js";
import { fileStorage } from "./file.js";
import { lvmStorage } from "./lvm.js";
import { extStorage } from "./ext.js";
import { blockdevStorage } from "./blockdev.js";
import { BlockDeviceError } from "../errors.js";

const DRIVERS: Readonly<Record<string, StorageDriver>> = {
  file: fileStorage,
  sharedfile: fileStorage,
  plain: lvmStorage,
  ext: extStorage,
  blockdev: blockdevStorage,
};
/** Templates of Ganeti that this project does not implement yet: a clear error, never a fake. */
const NOT_YET: ReadonlySet<string> = new Set(["rbd", "gluster"]);

export function storageDriver(devType: string): StorageDriver {
  const d = DRIVERS[devType];
  if (d === undefined) {
    throw new BlockDeviceError(NOT_YET.has(devType) ? `Disk template '${devType}' is not supported yet by ganeti-ts`
      : `Disk type '${devType}' is not supported by this node`);
  }
  return d;
}
