// The file and sharedfile templates: one sparse file per disk, below a directory the
// node's file-storage-paths whitelist allows (Ganeti's file storage paths check).
import { execFile } from "node:child_process";
import { mkdir, open, rm, stat, statfs, readFile, rmdir, rename } from "node:fs/promises";
import { basename, dirname, join, normalize } from "node:path";
import { promisify } from "node:util";
import type { GanetiPaths } from "../util/paths.js";
import type { DiskSpec, DeviceStatus, StorageDriver, SnapshotOptions } from "./types.js";
import { FileStoragePathError, BlockDeviceError } from "../errors.js";

async function allowedDirs(paths: GanetiPaths): Promise<string[]> {
  try {
    return (await readFile(paths.fileStoragePathsFile, "utf8")).split("\n").map((l) => l.trim())
      .filter((l) => l.startsWith("/")).map((l) => normalize(l));
  } catch {
    return [];
  }
}

/** The Ganeti-visible path of a file disk, checked against the whitelist, resolved under the root. */
export async function localPath(paths: GanetiPaths, disk: Pick<DiskSpec, "logical_id">): Promise<string> {
  const p = disk.logical_id[1];
  if (typeof p !== "string" || !p.startsWith("/")) throw new BlockDeviceError(`Invalid file disk path ${String(p)}`);
  const n = normalize(p);
  const ok = (await allowedDirs(paths)).some((d) => n.startsWith(`${d}/`));
  if (!ok) {
    throw new FileStoragePathError(`Path '${n}' is not acceptable for file storage; allowed paths are listed in ` +
      "/etc/ganeti/file-storage-paths");
  }
  return join(paths.root, n);
}

export const fileStorage: StorageDriver = {
  async create(paths, disk) {
    const p = await localPath(paths, disk);
    await mkdir(dirname(p), { recursive: true });
    const fh = await open(p, "wx").catch((e: NodeJS.ErrnoException) => {
      throw new BlockDeviceError(e.code === "EEXIST" ? `File ${disk.logical_id[1] as string} already exists` : e.message);
    });
    try {
      await fh.truncate(disk.size * 1048576); // sparse: no blocks written
    } finally {
      await fh.close();
    }
    return disk.logical_id[1] as string;
  },
  rename: renameFileVolume,
  async remove(paths, disk) {
    const p = await localPath(paths, disk);
    await rm(p, { force: true });
    await rmdir(dirname(p)).catch(() => undefined); // the instance's directory, once empty
  },
  async grow(paths, disk, amount, dryRun) {
    await growFile(await localPath(paths, disk), disk.size + amount, dryRun);
  },
  async find(paths, disk): Promise<DeviceStatus | null> {
    const p = await localPath(paths, disk);
    try {
      const s = await stat(p);
      return { path: disk.logical_id[1] as string, size: Math.floor(s.size / 1048576), degraded: false };
    } catch {
      return null;
    }
  },
  snapshot: snapshotFile,
};

const run = promisify(execFile);

/**
 * A file volume's snapshot: a sparse copy beside it (drbd: beside its data volume). A copy
 * is point-in-time only if nothing writes meanwhile, so while the instance runs (`live`)
 * only a copy-on-write clone will do (`cp --reflink=always`: btrfs, XFS); where the file
 * system can't clone, the snapshot is refused and the export decides what to do.
 */
async function snapshotFile(paths: GanetiPaths, disk: DiskSpec, opts: SnapshotOptions): Promise<unknown[]> {
  const src = await localPath(paths, disk);
  const volume = String(disk.logical_id[1]);
  const name = opts.name ?? `${basename(volume)}.snap`;
  if (name.includes("/") || name.startsWith(".") || name === "") throw new BlockDeviceError(`Invalid snapshot name '${name}'`);
  const snapId = join(dirname(volume), name);
  const dst = await localPath(paths, { logical_id: [disk.logical_id[0], snapId] });
  const st = await stat(src).catch(() => null);
  if (st === null) throw new BlockDeviceError(`Can't snapshot ${volume}: no such volume`);
  await rm(dst, { force: true }); // as Ganeti: an older snapshot of the volume is replaced
  const fs = await statfs(dirname(dst));
  const need = Math.ceil((st.blocks * 512) / 1048576);
  const free = Math.floor((fs.bavail * fs.bsize) / 1048576);
  if (!opts.live && free < need) throw new BlockDeviceError(`Not enough free space: required ${need}, available ${free}`);
  const tmp = `${dst}.new`;
  try {
    await run("cp", opts.live ? ["--reflink=always", src, tmp] : ["--reflink=auto", "--sparse=always", src, tmp], { timeout: 3_600_000 });
  } catch (e) {
    await rm(tmp, { force: true });
    const why = ((e as { stderr?: string }).stderr ?? String(e)).trim().split("\n").slice(-1)[0] ?? "";
    throw new BlockDeviceError(opts.live && /not supported/i.test(why)
      ? `Can't snapshot ${volume} while the instance runs: the file system can't clone files (cp --reflink=always: ${why})`
      : `Can't snapshot ${volume}: ${why}`);
  }
  await rename(tmp, dst);
  return [disk.logical_id[0], snapId];
}

/** Renames a file volume within the allowed directories (replace-disks' old/new storage swap). */
export async function renameFileVolume(paths: GanetiPaths, disk: Pick<DiskSpec, "logical_id">, newPath: string): Promise<void> {
  const from = await localPath(paths, disk);
  const to = await localPath(paths, { logical_id: [disk.logical_id[0], newPath] });
  await rename(from, to).catch((e: NodeJS.ErrnoException) => {
    throw new BlockDeviceError(`Can't rename ${String(disk.logical_id[1])} to ${newPath}: ${e.code ?? e.message}`);
  });
}

/** Extends a file volume to `sizeMiB` (sparse: no blocks written). */
export async function growFile(path: string, sizeMiB: number, dryRun: boolean): Promise<void> {
  const st = await stat(path).catch(() => null);
  if (st === null) throw new BlockDeviceError(`Can't grow ${path}: no such volume`);
  if (st.size > sizeMiB * 1048576) throw new BlockDeviceError(`Can't shrink ${path}`);
  if (dryRun) return;
  const fh = await open(path, "r+");
  try {
    await fh.truncate(sizeMiB * 1048576);
  } finally {
    await fh.close();
  }
}
