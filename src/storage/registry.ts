// Which driver serves which device type; templates not built yet say so clearly.
import type { StorageDriver } from "./types.js";
import { fileStorage } from "./file.js";
import { BlockDeviceError } from "../errors.js";

const DRIVERS: Readonly<Record<string, StorageDriver>> = {
  file: fileStorage,
  sharedfile: fileStorage,
};

export function storageDriver(devType: string): StorageDriver {
  const d = DRIVERS[devType];
  if (d === undefined) throw new BlockDeviceError(`Disk type '${devType}' is not supported by this node yet`);
  return d;
}
