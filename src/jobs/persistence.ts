// Durable, replicated job files with group commit: every change to the queue is written
// (fsync) on the master and pushed to the master candidates before it is acknowledged.
// Changes that arrive while a flush is under way are written together by the next one,
// so many concurrent submissions cost one fsync and one RPC round per flush.
import { mkdir, rename } from "node:fs/promises";
import { join, dirname } from "node:path";
import { atomicWriteMany } from "../util/fs.js";

export type Replicator = (files: ReadonlyArray<readonly [string, string]>, renames: ReadonlyArray<readonly [string, string]>) => Promise<void>;

interface Batch {
  files: Map<string, () => string>;
  renames: Array<readonly [string, string]>;
  waiters: Array<{ resolve: () => void; reject: (e: Error) => void }>;
}

export class QueueStore {
  private next: Batch = QueueStore.emptyBatch();
  private flushing: Promise<void> | null = null;

  constructor(private readonly dir: string, private readonly replicate: Replicator) {}

  private static emptyBatch(): Batch {
    return { files: new Map(), renames: [], waiters: [] };
  }

  /** Queues a file write; `content` is rendered at flush time, so the latest state wins. */
  write(name: string, content: () => string): Promise<void> {
    this.next.files.set(name, content);
    return this.schedule();
  }

  rename(from: string, to: string): Promise<void> {
    this.next.renames.push([from, to]);
    return this.schedule();
  }

  private schedule(): Promise<void> {
    const p = new Promise<void>((resolve, reject) => this.next.waiters.push({ resolve, reject }));
    if (this.flushing === null) this.flushing = this.flushLoop();
    return p;
  }

  private async flushLoop(): Promise<void> {
    // Let the current turn of the event loop add to the batch before writing it.
    await new Promise((r) => setImmediate(r));
    while (this.next.waiters.length > 0) {
      const batch = this.next;
      this.next = QueueStore.emptyBatch();
      try {
        const files = [...batch.files].map(([n, render]) => [n, render()] as const);
        await atomicWriteMany(files.map(([n, c]) => [join(this.dir, n), c] as const));
        for (const [from, to] of batch.renames) {
          await mkdir(dirname(join(this.dir, to)), { recursive: true });
          await rename(join(this.dir, from), join(this.dir, to)).catch((e: NodeJS.ErrnoException) => {
            if (e.code !== "ENOENT") throw e;
          });
        }
        await this.replicate(files, batch.renames);
        for (const w of batch.waiters) w.resolve();
      } catch (e) {
        for (const w of batch.waiters) w.reject(e as Error);
      }
    }
    this.flushing = null;
  }

  /** Resolves once everything queued so far is durable. */
  async settle(): Promise<void> {
    while (this.flushing !== null) await this.flushing;
  }
}
