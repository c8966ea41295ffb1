// Data sent from one node's daemon straight to another's (Ganeti's import/export daemons):
// disk volumes for gnt-instance move, OS export streams for gnt-backup export, export
// images pulled into the OS import script for gnt-backup import. A source yields chunks,
// a sink takes them; the master polls the transfer for its progress.
import { randomUUID } from "node:crypto";
import { open } from "node:fs/promises";
import { CHUNK } from "./drbd-sync.js";

export interface TransferStatus {
  readonly id: string;
  done: number;
  total: number;
  sent: number;
  started: number;
  finished: boolean;
  error: string | null;
}

/** Where the data goes: (offset, chunk) in order. */
export type ChunkSink = (offset: number, data: Buffer) => Promise<void>;

const transfers = new Map<string, TransferStatus>();
const ZERO = Buffer.alloc(CHUNK);

/** A local file's chunks; all-zero ones are skipped when the target is known to read as zeros. */
export async function* fileChunks(path: string, size: number, skipZeros: boolean): AsyncGenerator<[number, Buffer]> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(CHUNK);
    for (let at = 0; at < size; at += CHUNK) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK, size - at), at);
      if (bytesRead === 0) break;
      const data = buf.subarray(0, bytesRead);
      if (!(skipZeros && data.equals(ZERO.subarray(0, bytesRead)))) yield [at, Buffer.from(data)];
    }
  } finally {
    await fh.close();
  }
}

/** Runs a transfer in the background: every chunk of `source` into `sink`, `total` bytes expected. */
export function startTransfer(source: AsyncIterable<[number, Buffer]>, total: number, sink: ChunkSink,
  onEnd: (ok: boolean) => Promise<void> = async () => undefined): TransferStatus {
  const st: TransferStatus = { id: randomUUID(), done: 0, total, sent: 0, started: Date.now(), finished: false, error: null };
  transfers.set(st.id, st);
  void (async () => {
    for await (const [at, data] of source) {
      await sink(at, data);
      st.sent += data.length;
      st.done = Math.max(st.done, at + data.length);
    }
    st.done = Math.max(st.done, st.total);
    await onEnd(true);
  })().catch(async (e: unknown) => {
    st.error = (e as Error).message;
    await onEnd(false).catch(() => undefined);
  }).finally(() => {
    st.finished = true;
    // Kept a while for the master's last poll, then forgotten.
    setTimeout(() => transfers.delete(st.id), 600_000).unref();
  });
  return st;
}

export function transferStatus(id: string): TransferStatus | null {
  return transfers.get(id) ?? null;
}
