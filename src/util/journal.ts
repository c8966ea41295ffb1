// A write-ahead journal for a directory of small files (the job queue): a batch of file
// updates is made durable with ONE append + fdatasync, instead of one fsync per file.
// The files themselves are then written in the background without fsync, a little later
// (MATERIALIZE_DELAY_MS), so that a job that changes state several times in that while is
// written once, in its latest state, rather than once per state; a checkpoint
// (every few MiB, before any rename, and at recovery) fsyncs them and empties the journal. After a crash,
// recover() replays the journal, so a file is always at least as new as the last batch
// that was acknowledged. A torn last line (a batch that was never acknowledged) is ignored.
import { open, readFile, rename, mkdir, type FileHandle } from "node:fs/promises";
import { join, dirname, basename } from "node:path";
import { fsyncDir } from "./fs.js";

const CHECKPOINT_BYTES = 4 << 20;
/** How long journaled files wait before they are written to their own files. */
const MATERIALIZE_DELAY_MS = 250;

export class DirJournal {
  private fh: FileHandle | null = null;
  private size = 0;
  private readonly dirty = new Set<string>();
  private chain: Promise<unknown> = Promise.resolve();
  private recovered = false;
  /** Journaled content not yet written to its file (latest version per name). */
  private readonly pending = new Map<string, string>();
  private materializing: Promise<void> | null = null;
  private materializeTimer: NodeJS.Timeout | null = null;
  private readonly knownDirs = new Set<string>();
  /** Temporary file names: unique within this process, the pid apart from other processes. */
  private tmpSeq = 0;

  constructor(private readonly dir: string, private readonly mode = 0o640) {}

  private get path(): string {
    return join(this.dir, "journal");
  }

  /** Serialises every operation on the journal. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn, fn);
    this.chain = p.catch(() => undefined);
    return p;
  }

  private async handle(): Promise<FileHandle> {
    if (this.fh === null) {
      await mkdir(this.dir, { recursive: true });
      this.fh = await open(this.path, "a", this.mode);
      this.size = (await this.fh.stat()).size;
    }
    return this.fh;
  }

  private async writeFile(name: string, content: string): Promise<void> {
    const path = join(this.dir, name);
    if (!this.knownDirs.has(dirname(path))) {
      await mkdir(dirname(path), { recursive: true });
      this.knownDirs.add(dirname(path));
    }
    const tmp = join(dirname(path), `.${basename(path)}.${process.pid}-${++this.tmpSeq}.tmp`);
    const fh = await open(tmp, "w", this.mode);
    try {
      await fh.writeFile(content);
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    this.dirty.add(name);
  }

  /** Makes the batch durable (one fdatasync), then updates the files themselves. */
  append(files: ReadonlyArray<readonly [string, string]>): Promise<void> {
    return this.serial(async () => {
      await this.recoverLocked();
      if (files.length === 0) return;
      const fh = await this.handle();
      const data = `${JSON.stringify(files)}\n`;
      await fh.appendFile(data);
      await fh.datasync();
      this.size += Buffer.byteLength(data);
      // The batch is durable now; its files are written in the background (the next
      // batch need not wait for them), and at the latest by the next checkpoint.
      for (const [n, c] of files) this.pending.set(n, c);
      if (this.materializeTimer === null && this.materializing === null) {
        this.materializeTimer = setTimeout(() => {
          this.materializeTimer = null;
          this.materializing ??= this.materialize();
        }, MATERIALIZE_DELAY_MS);
        this.materializeTimer.unref();
      }
      if (this.size > CHECKPOINT_BYTES) await this.checkpointLocked();
    });
  }

  private async materialize(): Promise<void> {
    try {
      while (this.pending.size > 0) {
        const batch = [...this.pending];
        this.pending.clear();
        await Promise.all(batch.map(([n, c]) => this.writeFile(n, c)));
      }
    } finally {
      this.materializing = null;
    }
  }

  /** Resolves when every journaled file is also written to its own file. */
  async drain(): Promise<void> {
    if (this.materializeTimer !== null) {
      clearTimeout(this.materializeTimer);
      this.materializeTimer = null;
    }
    if (this.pending.size > 0) this.materializing ??= this.materialize();
    while (this.materializing !== null) await this.materializing;
  }

  /** fsyncs every file written since the last checkpoint, then empties the journal. */
  checkpoint(): Promise<void> {
    return this.serial(async () => {
      await this.recoverLocked();
      await this.checkpointLocked();
    });
  }

  /** Runs `fn` (e.g. renames) with the journal empty, so replay can never undo it. */
  withCheckpoint<T>(fn: () => Promise<T>): Promise<T> {
    return this.serial(async () => {
      await this.recoverLocked();
      await this.checkpointLocked();
      return fn();
    });
  }

  private async checkpointLocked(): Promise<void> {
    await this.drain();
    if (this.dirty.size === 0 && this.size === 0) return;
    const names = [...this.dirty];
    await Promise.all(names.map(async (n) => {
      try {
        const fh = await open(join(this.dir, n), "r");
        try {
          await fh.sync();
        } finally {
          await fh.close();
        }
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
    }));
    await Promise.all([...new Set(names.map((n) => dirname(join(this.dir, n))))].map(fsyncDir));
    this.dirty.clear();
    const fh = await this.handle();
    await fh.truncate(0);
    await fh.sync();
    this.size = 0;
  }

  /** Replays what a crash may have left in the journal (once, before anything else). */
  recover(): Promise<number> {
    return this.serial(() => this.recoverLocked());
  }

  private async recoverLocked(): Promise<number> {
    if (this.recovered) return 0;
    this.recovered = true;
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch {
      return 0;
    }
    let applied = 0;
    for (const line of text.split("\n")) {
      if (line === "") continue;
      let batch: Array<[string, string]>;
      try {
        batch = JSON.parse(line) as Array<[string, string]>;
      } catch {
        break; // a torn final batch was never acknowledged
      }
      for (const [n, c] of batch) await this.writeFile(n, c);
      applied++;
    }
    await this.checkpointLocked();
    return applied;
  }

  async close(): Promise<void> {
    await this.serial(async () => {
      await this.drain();
      await this.fh?.close();
      this.fh = null;
    });
  }
}
