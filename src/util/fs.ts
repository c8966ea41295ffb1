// Durable file writes: a file is either its old or its new content after kill -9 or a
// power cut (write to a temporary file, fsync, rename, fsync the directory).
import { access, open, rename, mkdir, readFile, unlink } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { randomBytes } from "node:crypto";

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export interface WriteOptions {
  readonly mode?: number;
  /** Skip fsync (only for files that may be lost, e.g. caches). */
  readonly durable?: boolean;
}

export async function atomicWrite(path: string, data: string | Uint8Array, opts: WriteOptions = {}): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  const fh = await open(tmp, "w", opts.mode ?? 0o640);
  try {
    await fh.writeFile(data);
    if (opts.durable !== false) await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fh.close();
  await rename(tmp, path);
  if (opts.durable !== false) await fsyncDir(dir);
}

/** Writes several files, then fsyncs each directory once (group commit). */
export async function atomicWriteMany(files: ReadonlyArray<readonly [string, string]>, mode = 0o640): Promise<void> {
  if (files.length === 0) return;
  const dirs = new Set(files.map(([path]) => dirname(path)));
  await Promise.all([...dirs].map((dir) => mkdir(dir, { recursive: true })));
  await Promise.all(files.map(async ([path, data]) => {
    const dir = dirname(path);
    const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
    const fh = await open(tmp, "w", mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  }));
  await Promise.all([...dirs].map(fsyncDir));
}

export async function readTextOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

export async function fileExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
