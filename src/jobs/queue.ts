// The job queue: accepts jobs (durably, before answering), runs them by priority as
// async tasks serialised only by the lock manager, lets clients watch them, cancels the
// ones still waiting, archives finished ones, and recovers after a crash as Ganeti does.
import { readdir, readFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { EventEmitter } from "node:events";
import {
  JobStatus, OpStatus, JOB_STATUS_FINALIZED, JOB_QUEUE_SIZE_HARD_LIMIT, JOB_QUEUE_ARCHIVE_DIRS, ELOG_MESSAGE,
} from "../constants.js";
import {
  type Job, type OpInput, type Timestamp, newJob, jobStatus, jobPriority, serializeJob, parseJob, now, tsToSeconds,
  archivedName,
} from "./job.js";
import { QueueStore, type Replicator } from "./persistence.js";
import { encodeError, JobQueueDrainError, JobQueueFull, OpExecError, OpPrereqError, ErrorCode } from "../errors.js";
import { fileExists, atomicWrite, readTextOrNull } from "../util/fs.js";

/** What the queue needs from the processor to run one opcode. */
export interface OpRunContext {
  readonly jobId: number;
  readonly opIndex: number;
  readonly priority: number;
  readonly signal: AbortSignal;
  /** Adds a line to the job's log (Ganeti's Feedback). */
  feedback(message: unknown, type?: string): void;
  /** Locks are acquired: the opcode goes from waiting to running (Ganeti's NotifyStart). */
  notifyStart(): void;
}

export interface OpOutcome {
  readonly result: unknown;
  /** Follow-up jobs (Ganeti's ResultWithJobs); their ids go into the result. */
  readonly jobs?: ReadonlyArray<readonly OpInput[]>;
}

export type OpExecutor = (op: OpInput, ctx: OpRunContext) => Promise<OpOutcome>;
export type OpValidator = (op: unknown) => OpInput;

export interface JobQueueOptions {
  readonly dir: string;
  readonly replicate: Replicator;
  readonly execute: OpExecutor;
  readonly validate: OpValidator;
  readonly maxRunning?: number;
  readonly onError?: (e: unknown) => void;
}

interface Durable {
  readonly status: JobStatus;
  readonly serial: number;
}

export type JobChange = { job_info: unknown[]; log_entries: unknown[] } | "nochange";

export class JobQueue {
  private readonly jobs = new Map<number, Job>();
  private readonly store: QueueStore;
  private readonly events = new EventEmitter();
  private readonly aborters = new Map<number, AbortController>();
  /** Jobs that may be queued (a superset; pickNext prunes it), so picking is not a full scan. */
  private readonly queuedIds = new Set<number>();
  /** What of each job is durable (status, last log serial): all that watchers are shown. */
  private readonly durable = new Map<number, Durable>();
  private serial = 0;
  private running = 0;
  private readonly maxRunning: number;
  private draining = false;
  private closed = false;

  constructor(private readonly opts: JobQueueOptions) {
    this.store = new QueueStore(opts.dir, opts.replicate);
    this.maxRunning = opts.maxRunning ?? 64;
    this.events.setMaxListeners(0);
  }

  // ---- start-up and recovery ----

  /** Loads the queue; jobs interrupted by a crash end as Ganeti's do. */
  async load(): Promise<{ restarted: number[]; failed: number[] }> {
    await mkdir(join(this.opts.dir, "archive"), { recursive: true });
    await this.store.recover();
    this.serial = Number((await readTextOrNull(join(this.opts.dir, "serial")))?.trim() ?? 0) || 0;
    const restarted: number[] = [];
    const failed: number[] = [];
    for (const name of await readdir(this.opts.dir)) {
      const m = /^job-(\d+)$/.exec(name);
      if (m === null) continue;
      let job: Job;
      try {
        job = parseJob(await readFile(join(this.opts.dir, name), "utf8"));
      } catch {
        continue; // a torn file cannot exist (atomic writes); anything else is not ours
      }
      this.serial = Math.max(this.serial, job.id);
      this.jobs.set(job.id, job);
      this.durable.set(job.id, { status: jobStatus(job), serial: job.log_serial ?? 0 });
      const st = jobStatus(job);
      if (st === JobStatus.queued || st === JobStatus.waiting) {
        for (const op of job.ops) if (op.status === OpStatus.waiting) op.status = OpStatus.queued;
        restarted.push(job.id);
        this.queuedIds.add(job.id);
      } else if (st === JobStatus.canceling) {
        this.finishRemaining(job, OpStatus.canceled, "Job canceled by request");
        failed.push(job.id);
      } else if (st === JobStatus.running) {
        this.finishRemaining(job, OpStatus.error, encodeError(new OpExecError("Unclean master daemon shutdown")));
        failed.push(job.id);
      }
    }
    this.draining = await fileExists(join(this.opts.dir, "drain"));
    await Promise.all([...restarted, ...failed].map((id) => this.persist(this.mustGet(id))));
    this.kick();
    return { restarted, failed };
  }

  // ---- submission ----

  isDrained(): boolean {
    return this.draining;
  }

  async setDrainFlag(flag: boolean): Promise<void> {
    const p = join(this.opts.dir, "drain");
    if (flag) await atomicWrite(p, "");
    else await import("node:fs/promises").then((fs) => fs.rm(p, { force: true }));
    this.draining = flag;
  }

  /** Validates and durably stores jobs; returns their ids once stored on master and candidates. */
  async submit(jobsOps: ReadonlyArray<readonly unknown[]>, opts: { ignoreDrain?: boolean } = {}): Promise<number[]> {
    if (this.closed) throw new JobQueueDrainError("Job queue is shutting down, refusing job");
    if (this.draining && opts.ignoreDrain !== true) throw new JobQueueDrainError("Job queue is drained, refusing job");
    if (this.jobs.size + jobsOps.length > JOB_QUEUE_SIZE_HARD_LIMIT) throw new JobQueueFull("Job queue is full");
    const validated = jobsOps.map((ops) => {
      if (ops.length === 0) throw new OpPrereqError("Empty job", ErrorCode.inval);
      return ops.map((o) => this.opts.validate(o));
    });
    const at = now();
    const created = validated.map((ops) => newJob(++this.serial, ops, at));
    const serial = this.serial;
    for (const j of created) {
      this.jobs.set(j.id, j);
      this.queuedIds.add(j.id);
    }
    await Promise.all([
      this.store.write("serial", () => ({ text: `${serial}\n`, meta: null })),
      ...created.map((j) => this.persist(j)),
    ]);
    this.kick();
    return created.map((j) => j.id);
  }

  // ---- execution ----

  private kick(): void {
    if (this.closed) return;
    while (this.running < this.maxRunning) {
      const next = this.pickNext();
      if (next === undefined) return;
      this.running++;
      const op = next.ops.find((o) => o.status === OpStatus.queued);
      if (op !== undefined) op.status = OpStatus.waiting; // claimed
      void this.runJob(next).catch((e: unknown) => {
        // A fault outside the opcode (e.g. persisting): the job must still end, not hang.
        this.opts.onError?.(e);
        this.finishRemaining(next, OpStatus.error, encodeError(e));
        return this.persistAndNotify(next).catch((e2: unknown) => this.opts.onError?.(e2));
      }).finally(() => {
        this.running--;
        this.kick();
      });
    }
  }

  private pickNext(): Job | undefined {
    let best: Job | undefined;
    for (const id of this.queuedIds) {
      const j = this.jobs.get(id);
      if (j === undefined || jobStatus(j) !== JobStatus.queued) {
        this.queuedIds.delete(id);
        continue;
      }
      if (best === undefined || jobPriority(j) < jobPriority(best) || (jobPriority(j) === jobPriority(best) && j.id < best.id)) best = j;
    }
    return best;
  }

  private async runJob(job: Job): Promise<void> {
    const aborter = new AbortController();
    this.aborters.set(job.id, aborter);
    try {
      for (let i = 0; i < job.ops.length; i++) {
        const op = job.ops[i];
        if (op === undefined || op.status === OpStatus.success) continue;
        if (aborter.signal.aborted || op.status === OpStatus.canceled || op.status === OpStatus.canceling) {
          this.finishRemaining(job, OpStatus.canceled, "Job canceled by request");
          break;
        }
        op.status = OpStatus.waiting;
        op.start_timestamp = now();
        if (job.start_timestamp === null) job.start_timestamp = op.start_timestamp;
        // Not awaited: a crash now leaves the job "queued" on disk, and it is run again.
        void this.persistAndNotify(job).catch((e: unknown) => this.opts.onError?.(e));
        let result: unknown;
        try {
          const outcome = await this.opts.execute(op.input, {
            jobId: job.id,
            opIndex: i,
            priority: op.priority,
            signal: aborter.signal,
            feedback: (msg, type = ELOG_MESSAGE) => this.feedback(job, i, type, msg),
            notifyStart: () => {
              if (op.status === OpStatus.waiting) {
                op.status = OpStatus.running;
                op.exec_timestamp = now();
                void this.persistAndNotify(job);
              }
            },
          });
          result = outcome.result;
          if (outcome.jobs !== undefined && outcome.jobs.length > 0) {
            const ids = await this.submit(outcome.jobs, { ignoreDrain: true });
            result = { ...(typeof result === "object" && result !== null ? result : {}), jobs: ids.map((id) => [true, id]) };
          }
        } catch (e) {
          if (aborter.signal.aborted && (op.status as OpStatus) !== OpStatus.running) {
            this.finishRemaining(job, OpStatus.canceled, "Job canceled by request");
          } else {
            op.status = OpStatus.error;
            op.result = encodeError(e);
            op.end_timestamp = now();
            this.finishRemaining(job, OpStatus.error, encodeError(new OpExecError("Preceding opcode failed")));
          }
          break;
        }
        op.status = OpStatus.success;
        op.result = result ?? null;
        op.end_timestamp = now();
        if (i < job.ops.length - 1) await this.persistAndNotify(job);
      }
    } finally {
      this.aborters.delete(job.id);
    }
    job.end_timestamp = now();
    await this.persistAndNotify(job);
  }

  /** Marks every unfinished opcode with a final status (cancel, crash, earlier failure). */
  private finishRemaining(job: Job, status: OpStatus, result: unknown): void {
    const t = now();
    for (const op of job.ops) {
      if (JOB_STATUS_FINALIZED.has(op.status)) continue;
      op.status = status;
      op.result = result;
      op.end_timestamp = t;
    }
    if (job.end_timestamp === null) job.end_timestamp = t;
  }

  private feedback(job: Job, opIndex: number, type: string, msg: unknown): void {
    const op = job.ops[opIndex];
    if (op === undefined) return;
    job.log_serial = (job.log_serial ?? 0) + 1;
    op.log.push([job.log_serial, now(), type, msg]);
    void this.persistAndNotify(job).catch(() => undefined);
  }

  private async persist(job: Job): Promise<void> {
    const d = await this.store.write<Durable>(`job-${job.id}`, () => ({
      text: serializeJob(job), meta: { status: jobStatus(job), serial: job.log_serial ?? 0 },
    }));
    const cur = this.durable.get(job.id);
    if (cur === undefined || d.serial >= cur.serial) this.durable.set(job.id, d);
  }

  private async persistAndNotify(job: Job): Promise<void> {
    await this.persist(job);
    this.events.emit(`job-${job.id}`);
  }

  // ---- cancel, priority, archive ----

  /** Ganeti's CancelJob: only jobs that have not started executing can be cancelled. */
  async cancel(id: number): Promise<[boolean, string]> {
    const job = this.jobs.get(id);
    if (job === undefined) return [false, `Job ${id} not found`];
    const st = jobStatus(job);
    if (st === JobStatus.queued) {
      this.finishRemaining(job, OpStatus.canceled, "Job canceled by request");
      await this.persistAndNotify(job);
      return [true, `Job ${id} canceled`];
    }
    if (st === JobStatus.waiting) {
      for (const op of job.ops) if (op.status === OpStatus.waiting || op.status === OpStatus.queued) op.status = OpStatus.canceling;
      this.aborters.get(id)?.abort();
      await this.persistAndNotify(job);
      return [true, `Job ${id} will be canceled`];
    }
    return [false, `Job ${id} is no longer waiting in the queue`];
  }

  async changePriority(id: number, priority: number): Promise<[boolean, string]> {
    const job = this.jobs.get(id);
    if (job === undefined) return [false, `Job ${id} not found`];
    if (JOB_STATUS_FINALIZED.has(jobStatus(job))) return [false, `Job ${id} is finished`];
    for (const op of job.ops) if (op.status === OpStatus.queued) op.priority = priority;
    await this.persistAndNotify(job);
    return [true, `Priorities of pending opcodes for job ${id} have been changed to ${priority}`];
  }

  async archive(id: number): Promise<boolean> {
    const job = this.jobs.get(id);
    if (job === undefined || !JOB_STATUS_FINALIZED.has(jobStatus(job))) return false;
    await this.store.settle();
    this.jobs.delete(id);
    this.durable.delete(id);
    await this.store.rename(`job-${id}`, archivedName(id, JOB_QUEUE_ARCHIVE_DIRS));
    return true;
  }

  /** Archives finished jobs older than `age` seconds (-1: all); Ganeti's AutoArchiveJobs. */
  async autoArchive(age: number, timeoutSec: number): Promise<[number, number]> {
    const start = Date.now();
    const cutoff = Date.now() / 1000 - age;
    let archived = 0;
    const candidates = [...this.jobs.values()].filter((j) => JOB_STATUS_FINALIZED.has(jobStatus(j))).sort((a, b) => a.id - b.id);
    let i = 0;
    for (; i < candidates.length; i++) {
      if (timeoutSec >= 0 && Date.now() - start > timeoutSec * 1000) break;
      const j = candidates[i] as Job;
      const end = tsToSeconds(j.end_timestamp) ?? tsToSeconds(j.received_timestamp) ?? 0;
      if (age === -1 || end < cutoff) {
        if (await this.archive(j.id)) archived++;
      }
    }
    return [archived, candidates.length - i];
  }

  // ---- queries and watching ----

  get(id: number): Job | undefined {
    return this.jobs.get(id);
  }

  private mustGet(id: number): Job {
    const j = this.jobs.get(id);
    if (j === undefined) throw new Error(`job ${id} vanished`);
    return j;
  }

  /** Current and (when asked) archived jobs. */
  async lookup(ids: readonly number[] | null, includeArchived: boolean): Promise<Array<Job | null>> {
    if (ids === null) return [...this.jobs.values()].sort((a, b) => a.id - b.id);
    return Promise.all(ids.map(async (id) => {
      const j = this.jobs.get(id);
      if (j !== undefined || !includeArchived) return j ?? null;
      const text = await readTextOrNull(join(this.opts.dir, archivedName(id, JOB_QUEUE_ARCHIVE_DIRS)));
      return text === null ? null : parseJob(text);
    }));
  }

  /** Ganeti's WaitForJobChange: returns as soon as status or log moved past the client's view. */
  async waitForChange(id: number, prevStatus: string | null, prevLogSerial: number, timeoutMs: number): Promise<JobChange | null> {
    // Only what is durable is shown, so a client never sees a state a crash could undo.
    const snapshot = (): JobChange | null => {
      const job = this.jobs.get(id);
      const d = this.durable.get(id);
      if (job === undefined || d === undefined) return job === undefined ? null : "nochange";
      const st = d.status;
      const logs: unknown[] = [];
      for (const op of job.ops) for (const l of op.log) if (l[0] > prevLogSerial && l[0] <= d.serial) logs.push(l);
      if (st !== prevStatus || logs.length > 0 || JOB_STATUS_FINALIZED.has(st)) return { job_info: [st], log_entries: logs };
      return "nochange";
    };
    const first = snapshot();
    if (first !== "nochange") return first;
    return new Promise((resolve) => {
      const ev = `job-${id}`;
      const done = (): void => {
        const s = snapshot();
        if (s === "nochange") return;
        clearTimeout(timer);
        this.events.off(ev, done);
        resolve(s);
      };
      const timer = setTimeout(() => {
        this.events.off(ev, done);
        resolve("nochange");
      }, timeoutMs);
      this.events.on(ev, done);
    });
  }

  /** Every current job file and the serial, for a node that just became master candidate. */
  async snapshotFiles(): Promise<Array<[string, string]>> {
    await this.store.settle();
    return [["serial", `${this.serial}\n`], ...[...this.jobs.values()].map((j): [string, string] => [`job-${j.id}`, serializeJob(j)])];
  }

  stats(): { total: number; byStatus: Record<string, number> } {
    const byStatus: Record<string, number> = {};
    for (const j of this.jobs.values()) {
      const s = jobStatus(j);
      byStatus[s] = (byStatus[s] ?? 0) + 1;
    }
    return { total: this.jobs.size, byStatus };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.store.close();
  }
}

export type { Timestamp, OpInput };
