// Durable, replicated job files with group commit: every change to the queue is made
// durable on the master (one journal append + fdatasync per batch, util/journal.ts) and
// pushed to the master candidates before it is acknowledged. Changes that arrive while a
// flush is under way are written together by the next one, so many concurrent
// submissions cost one fsync here and one RPC round (one fsync there) per flush.
import { mkdir, rename } from "node:fs/promises";
import { join, dirname } from "node:path";
import { fsyncDir } from "../util/fs.js";
import { DirJournal } from "../util/journal.js";

export type Replicator = (files: ReadonlyArray<readonly [string, string]>, renames: ReadonlyArray<readonly [string, string]>) => Promise<void>;

/** A file's content plus what the caller wants to know about the version written. */
export interface Rendered<M> {
  readonly text: string;
  readonly meta: M;
}

interface Batch {
  files: Map<string, () => Rendered<unknown>>;
  renames: Array<readonly [string, string]>;
  waiters: Array<{ name: string | null; resolve: (meta: unknown) => void; reject: (e: Error) => void }>;
}

export class QueueStore {
  private next: Batch = QueueStore.emptyBatch();
  private flushing: Promise<void> | null = null;
  private readonly journal: DirJournal;

  constructor(private readonly dir: string, private readonly replicate: Replicator) {
    this.journal = new DirJournal(dir);
  }

  /** Replays the journal a crash may have left; call before reading the queue's files. */
  async recover(): Promise<number> {
    return this.journal.recover();
  }

  private static emptyBatch(): Batch {
    return { files: new Map(), renames: [], waiters: [] };
  }

  /**
   * Queues a file write; `render` runs at flush time, so the latest state wins. Resolves,
   * once that version is durable here and on the candidates, with the `meta` rendered
   * with it (which may be newer than the state at call time, never older).
   */
  write<M>(name: string, render: () => Rendered<M>): Promise<M> {
    this.next.files.set(name, render);
    return this.schedule(name) as Promise<M>;
  }

  async rename(from: string, to: string): Promise<void> {
    this.next.renames.push([from, to]);
    await this.schedule(null);
  }

  private schedule(name: string | null): Promise<unknown> {
    const p = new Promise<unknown>((resolve, reject) => this.next.waiters.push({ name, resolve, reject }));
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
        const rendered = new Map([...batch.files].map(([n, render]) => [n, render()] as const));
        const files = [...rendered].map(([n, r]) => [n, r.text] as const);
        // Here and on the candidates at the same time: the batch counts once both hold it.
        const replicated = files.length > 0 ? this.replicate(files, []) : Promise.resolve();
        await Promise.all([this.journal.append(files), replicated]);
        if (batch.renames.length > 0) {
          // With the journal empty, so that a replay can never bring a moved file back.
          await this.journal.withCheckpoint(async () => {
            const dirs = new Set<string>([this.dir]);
            for (const [from, to] of batch.renames) {
              await mkdir(dirname(join(this.dir, to)), { recursive: true });
              await rename(join(this.dir, from), join(this.dir, to)).catch((e: NodeJS.ErrnoException) => {
                if (e.code !== "ENOENT") throw e;
              });
              dirs.add(dirname(join(this.dir, to)));
            }
            await Promise.all([...dirs].map(fsyncDir));
          });
        }
        if (batch.renames.length > 0) await this.replicate([], batch.renames);
        for (const w of batch.waiters) w.resolve(w.name === null ? undefined : rendered.get(w.name)?.meta);
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

  async close(): Promise<void> {
    await this.settle();
    await this.journal.close();
  }
}
