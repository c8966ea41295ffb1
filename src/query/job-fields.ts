// Job fields (Ganeti's JOB_FIELDS). Items are (id, job) pairs: a job asked for by id
// that no longer exists gives "unavail" in every field but the id, as in Ganeti.

import { JOB_STATUS_FINALIZED, JobStatus, OP_PRIO_HIGHEST, OP_PRIO_LOWEST, OP_PRIO_NORMAL } from "../constants.js";
import { field } from "./common.js";
import { FS_UNAVAIL, type FieldDef, type QueryContext } from "./types.js";

export type JobTimestamp = readonly [number, number];

/** The parts of a queued opcode the fields read (structurally the job queue's own). */
export interface JobOpView {
  readonly input: Readonly<Record<string, unknown>>;
  readonly status: string;
  readonly result: unknown;
  readonly log: readonly unknown[];
  readonly priority: number;
  readonly start_timestamp: JobTimestamp | null;
  readonly exec_timestamp: JobTimestamp | null;
  readonly end_timestamp: JobTimestamp | null;
}

export interface JobView {
  readonly id: number;
  readonly ops: readonly JobOpView[];
  readonly received_timestamp: JobTimestamp | null;
  readonly start_timestamp: JobTimestamp | null;
  readonly end_timestamp: JobTimestamp | null;
}

export interface JobItem {
  readonly id: number;
  readonly job: JobView | null;
  readonly archived?: boolean;
}

/** Ganeti's CalcStatus: the job's status from its opcodes'. */
export function calcJobStatus(job: JobView): string {
  let status: string = JobStatus.queued;
  let allSuccess = true;
  for (const op of job.ops) {
    if (op.status === JobStatus.success) continue;
    allSuccess = false;
    if (op.status === JobStatus.queued) continue;
    if (op.status === JobStatus.waiting || op.status === JobStatus.running) status = op.status;
    if (op.status === JobStatus.canceling || op.status === JobStatus.error || op.status === JobStatus.canceled) return op.status;
  }
  return allSuccess ? JobStatus.success : status;
}

/** Ganeti's CalcPriority: the best priority among unfinished opcodes, else the default. */
export function calcJobPriority(job: JobView): number {
  const open = job.ops.filter((op) => !JOB_STATUS_FINALIZED.has(op.status as JobStatus)).map((op) => op.priority);
  return open.length === 0 ? OP_PRIO_NORMAL : Math.min(...open);
}

/** Fields naming the object an opcode acts on, tried in order (stand-in for OP_DSC_FIELD). */
const DSC_FIELDS = ["instance_name", "node_name", "group_name", "network_name", "name", "instances", "nodes", "duration"];

/** OP_ID without "OP_", plus "(value)" of the opcode's describing field. */
export function defaultOpSummary(input: Readonly<Record<string, unknown>>): string {
  const id = typeof input["OP_ID"] === "string" ? input["OP_ID"] : "OP_UNKNOWN";
  const txt = id.startsWith("OP_") ? id.slice(3) : id;
  for (const f of DSC_FIELDS) {
    const v = input[f];
    if (v === undefined || v === null) continue;
    return `${txt}(${Array.isArray(v) ? v.map(String).join(",") : String(v)})`;
  }
  return txt;
}

type JobField = FieldDef<QueryContext, JobItem>;

function perJob(fn: (job: JobView, ctx: QueryContext) => unknown) {
  return (ctx: QueryContext, item: JobItem) => (item.job === null ? FS_UNAVAIL : fn(item.job, ctx));
}

function perOp(fn: (op: JobOpView, ctx: QueryContext) => unknown) {
  return perJob((job, ctx) => job.ops.map((op) => fn(op, ctx)));
}

function stamp(fn: (job: JobView) => JobTimestamp | null) {
  return perJob((job) => fn(job) ?? FS_UNAVAIL);
}

export const JOB_FIELDS: readonly JobField[] = [
  field("id", "ID", "number", "none", "Job ID", (_c, j: JobItem) => j.id),
  field("status", "Status", "text", "none", "Job status", perJob((job) => calcJobStatus(job))),
  field("priority", "Priority", "number", "none", `Current job priority (${OP_PRIO_LOWEST} to ${OP_PRIO_HIGHEST})`, perJob((job) => calcJobPriority(job))),
  field("archived", "Archived", "bool", "archived", "Whether job is archived", (_c, j: JobItem) => j.archived === true),
  field("ops", "OpCodes", "other", "none", "List of all opcodes", perOp((op) => op.input)),
  field("opresult", "OpCode_result", "other", "none", "List of opcodes results", perOp((op) => op.result)),
  field("opstatus", "OpCode_status", "other", "none", "List of opcodes status", perOp((op) => op.status)),
  field("oplog", "OpCode_log", "other", "none", "List of opcode output logs", perOp((op) => op.log)),
  field("opstart", "OpCode_start", "other", "none", "List of opcode start timestamps (before acquiring locks)", perOp((op) => op.start_timestamp)),
  field("opexec", "OpCode_exec", "other", "none", "List of opcode execution start timestamps (after acquiring locks)", perOp((op) => op.exec_timestamp)),
  field("opend", "OpCode_end", "other", "none", "List of opcode execution end timestamps", perOp((op) => op.end_timestamp)),
  field("oppriority", "OpCode_prio", "other", "none", "List of opcode priorities", perOp((op) => op.priority)),
  field("summary", "Summary", "other", "none", "List of per-opcode summaries", perOp((op, ctx) => (ctx.summarizeOp ?? defaultOpSummary)(op.input))),
  field("received_ts", "Received", "other", "none", "Timestamp of when job was received (tuple containing seconds and microseconds)", stamp((j) => j.received_timestamp)),
  field("start_ts", "Start", "other", "none", "Timestamp of job start (tuple containing seconds and microseconds)", stamp((j) => j.start_timestamp)),
  field("end_ts", "End", "other", "none", "Timestamp of job end (tuple containing seconds and microseconds)", stamp((j) => j.end_timestamp)),
];

/** `gnt-job list` without -o. */
export const JOB_DEFAULT_FIELDS: readonly string[] = ["id", "status", "summary"];
