// The block-level resync of a drbd device, primary → secondary: the data is compared in
// chunks by checksum (DRBD's csums-alg resync) and only differing chunks travel, limited to
// the disk's resync rate. Progress is kept as DRBD reports it: done fraction, rate, ETA.
import { createHash } from "node:crypto";
import { open, type FileHandle } from "node:fs/promises";

export const CHUNK = 1024 * 1024;
/** Chunks compared per round trip. */
export const BATCH = 16;

export interface SyncProgress {
  /** Bytes compared (and sent where they differed) so far, of `total`. */
  done: number;
  total: number;
  sent: number;
  started: number;
}

/** What the sync needs from the peer (the secondary's node daemon). */
export interface SyncPeer {
  hashes(offset: number, count: number): Promise<string[]>;
  write(offset: number, data: Buffer, progress: SyncProgress): Promise<void>;
  /** The peer's data, for a pull resync (the local copy is the stale one). */
  read(offset: number, length: number, progress: SyncProgress): Promise<Buffer>;
}

export function chunkHash(data: Buffer): string {
  return createHash("sha1").update(data).digest("hex");
}

async function readChunk(fh: FileHandle, offset: number, size: number): Promise<Buffer> {
  const buf = Buffer.alloc(Math.min(CHUNK, Math.max(0, size - offset)));
  let got = 0;
  while (got < buf.length) {
    const { bytesRead } = await fh.read(buf, got, buf.length - got, offset + got);
    if (bytesRead === 0) break; // past the end of a short file: zeros, as a fresh device reads
    got += bytesRead;
  }
  return buf;
}

/** Checksums of `count` chunks from `offset` of a local backing file. */
export async function localHashes(path: string, size: number, offset: number, count: number): Promise<string[]> {
  const fh = await open(path, "r");
  try {
    const out: string[] = [];
    for (let i = 0; i < count && offset + i * CHUNK < size; i++) out.push(chunkHash(await readChunk(fh, offset + i * CHUNK, size)));
    return out;
  } finally {
    await fh.close();
  }
}

export async function writeChunk(path: string, offset: number, data: Buffer): Promise<void> {
  const fh = await open(path, "r+");
  try {
    await fh.write(data, 0, data.length, offset);
  } finally {
    await fh.close();
  }
}

/**
 * One resync pass of the local file `path` (size bytes) onto the peer. `rateKiB` limits the
 * bytes sent per second; `cancelled` is polled between batches (device shut down, peer gone).
 */
export async function resync(path: string, size: number, peer: SyncPeer, rateKiB: number, progress: SyncProgress,
  cancelled: () => boolean): Promise<boolean> {
  const fh = await open(path, "r");
  try {
    for (let offset = 0; offset < size; offset += BATCH * CHUNK) {
      if (cancelled()) return false;
      const theirs = await peer.hashes(offset, BATCH);
      for (let i = 0; i < BATCH && offset + i * CHUNK < size; i++) {
        const at = offset + i * CHUNK;
        const data = await readChunk(fh, at, size);
        progress.done = Math.min(size, at + data.length);
        if (theirs[i] === chunkHash(data)) continue;
        progress.sent += data.length;
        await peer.write(at, data, progress);
        // Keep to the resync rate: sleep until the bytes sent fit the allowance.
        const ahead = progress.sent / (rateKiB * 1024) - (Date.now() - progress.started) / 1000;
        if (ahead > 0) await new Promise((r) => setTimeout(r, ahead * 1000));
        if (cancelled()) return false;
      }
    }
    progress.done = size;
    return true;
  } finally {
    await fh.close();
  }
}

/**
 * A pull pass: the local copy is stale (its storage was just replaced on the primary), the
 * peer's is good; differing chunks are fetched from the peer and written here.
 */
export async function resyncPull(path: string, size: number, peer: SyncPeer, rateKiB: number, progress: SyncProgress,
  cancelled: () => boolean): Promise<boolean> {
  for (let offset = 0; offset < size; offset += BATCH * CHUNK) {
    if (cancelled()) return false;
    const [theirs, mine] = await Promise.all([peer.hashes(offset, BATCH), localHashes(path, size, offset, BATCH)]);
    for (let i = 0; i < mine.length; i++) {
      const at = offset + i * CHUNK;
      const len = Math.min(CHUNK, size - at);
      progress.done = at + len;
      if (theirs[i] === mine[i]) continue;
      const data = await peer.read(at, len, progress);
      await writeChunk(path, at, data);
      progress.sent += data.length;
      const ahead = progress.sent / (rateKiB * 1024) - (Date.now() - progress.started) / 1000;
      if (ahead > 0) await new Promise((r) => setTimeout(r, ahead * 1000));
      if (cancelled()) return false;
    }
  }
  progress.done = size;
  return true;
}

/** Reads `length` bytes at `offset` of a local backing file. */
export async function readRange(path: string, offset: number, length: number): Promise<Buffer> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, offset);
    return bytesRead === length ? buf : Buffer.concat([buf.subarray(0, bytesRead), Buffer.alloc(length - bytesRead)]);
  } finally {
    await fh.close();
  }
}

/** DRBD's view of a running sync: percent, and the seconds left at the current rate. */
export function syncFigures(p: SyncProgress, now = Date.now()): { percent: number; eta: number | null; rateKiB: number } {
  const percent = p.total === 0 ? 100 : (100 * p.done) / p.total;
  const elapsed = Math.max(0.001, (now - p.started) / 1000);
  const perSec = p.done / elapsed;
  return { percent, eta: perSec > 0 ? Math.round((p.total - p.done) / perSec) : null, rateKiB: Math.round(p.sent / 1024 / elapsed) };
}
