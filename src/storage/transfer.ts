// Disk data sent from one node's daemon straight to another's (Ganeti's import/export
// daemons, for gnt-instance move): the source reads its volume in chunks and writes them
// into the volume the master created on the target. A fresh target volume reads as zeros,
// so all-zero chunks need not travel. The master polls the transfer for its progress.
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

/** How the source reaches the target's daemon. */
export type ChunkSink = (offset: number, data: Buffer) => Promise<void>;

const transfers = new Map<string, TransferStatus>();
const ZERO = Buffer.alloc(CHUNK);

export function startTransfer(path: string, size: number, sink: ChunkSink): TransferStatus {
  const st: TransferStatus = { id: randomUUID(), done: 0, total: size, sent: 0, started: Date.now(), finished: false, error: null };
  transfers.set(st.id, st);
  void (async () => {
    const fh = await open(path, "r");
    try {
      const buf = Buffer.alloc(CHUNK);
      for (let at = 0; at < size; at += CHUNK) {
        const len = Math.min(CHUNK, size - at);
        const { bytesRead } = await fh.read(buf, 0, len, at);
        const data = buf.subarray(0, bytesRead);
        if (!data.equals(ZERO.subarray(0, bytesRead))) {
          await sink(at, Buffer.from(data));
          st.sent += bytesRead;
        }
        st.done = at + len;
      }
      st.done = size;
    } finally {
      await fh.close();
    }
  })().catch((e: unknown) => {
    st.error = (e as Error).message;
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
