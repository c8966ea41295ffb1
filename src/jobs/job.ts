// A job as Ganeti stores it (queue/job-N): its opcodes with their status, result and log,
// and timestamps as [seconds, microseconds]. Plain data and pure functions over it.
import { JobStatus, OpStatus, OP_PRIO_NORMAL } from "../constants.js";
import type { EncodedError } from "../errors.js";

export type Timestamp = readonly [number, number];
export type LogEntry = readonly [number, Timestamp, string, unknown];

/** An opcode as submitted: OP_ID plus its fields (validated by src/opcodes). */
export interface OpInput {
  readonly OP_ID: string;
  readonly [field: string]: unknown;
}

export interface QueuedOpcode {
  input: OpInput;
  status: OpStatus;
  result: unknown;
  log: LogEntry[];
  priority: number;
  start_timestamp: Timestamp | null;
  exec_timestamp: Timestamp | null;
  end_timestamp: Timestamp | null;
}

export interface Job {
  id: number;
  ops: QueuedOpcode[];
  received_timestamp: Timestamp | null;
  start_timestamp: Timestamp | null;
  end_timestamp: Timestamp | null;
  /** Not persisted: the last log serial handed out. */
  log_serial?: number;
}

export function now(): Timestamp {
  const ms = Date.now();
  return [Math.floor(ms / 1000), (ms % 1000) * 1000];
}

export function tsToSeconds(t: Timestamp | null): number | null {
  return t === null ? null : t[0] + t[1] / 1e6;
}

export function newJob(id: number, ops: readonly OpInput[], at: Timestamp): Job {
  return {
    id,
    ops: ops.map((input) => ({
      input,
      status: OpStatus.queued,
      result: null,
      log: [],
      priority: typeof input["priority"] === "number" ? input["priority"] : OP_PRIO_NORMAL,
      start_timestamp: null,
      exec_timestamp: null,
      end_timestamp: null,
    })),
    received_timestamp: at,
    start_timestamp: null,
    end_timestamp: null,
  };
}

/** Ganeti's _QueuedJob.CalcStatus: the job's status from its opcodes'. */
export function jobStatus(job: Job): JobStatus {
  let status: JobStatus = JobStatus.queued;
  let allSuccess = true;
  for (const op of job.ops) {
    if (op.status === OpStatus.success) continue;
    allSuccess = false;
    if (op.status === OpStatus.queued) continue;
    if (op.status === OpStatus.waiting || op.status === OpStatus.running) status = op.status;
    if (op.status === OpStatus.canceling) return JobStatus.canceling;
    if (op.status === OpStatus.error) return JobStatus.error;
    if (op.status === OpStatus.canceled) return JobStatus.canceled;
  }
  if (allSuccess) return JobStatus.success;
  return status;
}

/** The job's priority is its first unfinished opcode's. */
export function jobPriority(job: Job): number {
  const op = job.ops.find((o) => o.status !== OpStatus.success && o.status !== OpStatus.error && o.status !== OpStatus.canceled);
  return op?.priority ?? job.ops[0]?.priority ?? OP_PRIO_NORMAL;
}

export function serializeJob(job: Job): string {
  const { log_serial: _ls, ...rest } = job;
  return JSON.stringify(rest);
}

export function parseJob(text: string): Job {
  const j = JSON.parse(text) as Job;
  if (typeof j.id !== "number" || !Array.isArray(j.ops)) throw new Error("not a job file");
  let serial = 0;
  for (const op of j.ops) for (const l of op.log) serial = Math.max(serial, l[0]);
  j.log_serial = serial;
  return j;
}

export function isEncodedErrorResult(x: unknown): x is EncodedError {
  return Array.isArray(x) && x.length === 2 && typeof x[0] === "string" && Array.isArray(x[1]);
}

/** Ganeti's archive layout: queue/archive/<id / 10000>/job-<id>. */
export function archivedName(id: number, perDir: number): string {
  return `archive/${Math.floor(id / perDir)}/job-${id}`;
}
