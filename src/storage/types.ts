// The node-side storage interface: one implementation per disk template's device type.
// Devices are described as Ganeti's Disk objects (dev_type, logical_id, size in MiB).
import type { GanetiPaths } from "../util/paths.js";

export interface DiskSpec {
  readonly uuid: string;
  readonly dev_type: string;
  readonly logical_id: readonly unknown[];
  readonly size: number;
  /** The disk's name (Ganeti's Disk.name), if it has one. */
  readonly name?: string | null;
  /** drbd: the data and metadata devices below it. */
  readonly children?: ReadonlyArray<{ readonly dev_type: string; readonly logical_id: readonly unknown[]; readonly size: number }>;
  /** Filled disk parameters (drbd: resync-rate in KiB/s, ...). */
  readonly params?: Readonly<Record<string, unknown>>;
}

export interface DeviceStatus {
  readonly path: string;
  readonly size: number;
  readonly degraded: boolean;
}

export interface StorageDriver {
  create(paths: GanetiPaths, disk: DiskSpec): Promise<string>;
  remove(paths: GanetiPaths, disk: DiskSpec): Promise<void>;
  /** The device path if the device exists here, else null. */
  find(paths: GanetiPaths, disk: DiskSpec): Promise<DeviceStatus | null>;
  /** Grows the device by `amount` MiB (with `dryRun`, only checks that it could). */
  grow(paths: GanetiPaths, disk: DiskSpec, amount: number, dryRun: boolean): Promise<void>;
  /** Deactivates the device here (ext: the provider's detach); absent where there is nothing to do. */
  shutdown?(paths: GanetiPaths, disk: DiskSpec): Promise<void>;
  /**
   * Ganeti's Snapshot: a point-in-time copy beside the volume (for exports, so the instance
   * can run again while the copy is sent); returns the copy's logical id. Absent where the
   * type can't snapshot.
   */
  snapshot?(paths: GanetiPaths, disk: DiskSpec, opts: SnapshotOptions): Promise<unknown[]>;
  /** Renames the volume (Ganeti's Rename: `newName` is the logical id's second part: a path, an LV name). */
  rename(paths: GanetiPaths, disk: DiskSpec, newName: string): Promise<void>;
}

export interface SnapshotOptions {
  /** The snapshot's volume name (default: the volume's with ".snap", as Ganeti). */
  readonly name: string | null;
  /** MiB to reserve for it where the type needs that (LVM; default: the volume's size). */
  readonly size: number | null;
  /** The instance may write while the snapshot is taken: only an atomic copy will do. */
  readonly live: boolean;
}
