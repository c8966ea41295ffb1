// Durable, replicated job files with group commit: every change to the queue is made
// durable on the master (one journal append + fdatasync per batch, util/journal.ts) and
// pushed to the master candidates before it is acknowledged. Changes that arrive while a
// flush is under way are written together by the next one, so many concurrent
// submissions cost one fsync here and one RPC round (one fsync there) per flush. Two
// flushes may be under way at once (a submission then waits for about one flush, not one
// and a half); their requests may reach a candidate out of order, so every file carries a
// version stamp and a candidate never lets an older copy replace a newer one. Renames
// (archiving) are a barrier: they wait for the flushes before them, and later ones for them.
import { randomUUID } from "node:crypto";
import { mkdir, rename } from "node:fs/promises";
import { join, dirname } from "node:path";
import { fsyncDir } from "../util/fs.js";
import { DirJournal } from "../util/journal.js";

/** The version of each file sent: the master's run (`epoch`) and a stamp per file, increasing within the run. */
export interface FileVersions {
  readonly epoch: string;
  readonly stamps: readonly number[];
}

export type Replicator = (files: ReadonlyArray<readonly [string, string]>, renames: ReadonlyArray<readonly [string, string]>,
  versions?: FileVersions) => Promise<void>;

/** Flushes under way at once; more would only split the same work into smaller batches. */
const MAX_FLUSHES = 2;

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
  private readonly inFlight = new Set<Promise<void>>();
  private readonly journal: DirJournal;
  private readonly epoch = randomUUID();
  private stamp = 0;

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
      if (this.inFlight.size >= MAX_FLUSHES) {
        await Promise.race(this.inFlight);
        continue;
      }
      const batch = this.next;
      this.next = QueueStore.emptyBatch();
      if (batch.renames.length > 0) {
        // A barrier: no write before it may land after it, nor any after it before it.
        await Promise.all(this.inFlight);
        await this.flushBatch(batch);
        continue;
      }
      const p: Promise<void> = this.flushBatch(batch).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
      // Give the next batch a moment to gather while this one is on its way.
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(this.inFlight);
    this.flushing = null;
    // Something may have been queued while the last flushes finished.
    if (this.next.waiters.length > 0) this.flushing = this.flushLoop();
  }

  /** Writes one batch here and on the candidates; settles its waiters (never throws). */
  private async flushBatch(batch: Batch): Promise<void> {
    try {
      const rendered = new Map([...batch.files].map(([n, render]) => [n, render()] as const));
      const files = [...rendered].map(([n, r]) => [n, r.text] as const);
      const versions: FileVersions = { epoch: this.epoch, stamps: files.map(() => ++this.stamp) };
      // Here and on the candidates at the same time: the batch counts once both hold it.
      const replicated = files.length > 0 ? this.replicate(files, [], versions) : Promise.resolve();
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
        await this.replicate([], batch.renames);
      }
      for (const w of batch.waiters) w.resolve(w.name === null ? undefined : rendered.get(w.name)?.meta);
    } catch (e) {
      for (const w of batch.waiters) w.reject(e as Error);
    }
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
