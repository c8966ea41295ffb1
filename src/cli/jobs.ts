// Talking to the master from the CLI: connect (with Ganeti's "not the master" message on
// a non-master node), submit jobs, and follow them, printing their log as Ganeti does.
import { basename } from "node:path";
import { ganetiPaths, type GanetiPaths } from "../util/paths.js";
import { readSsconf } from "../util/ssconf.js";
import { LuxiClient } from "../luxi/client.js";
import { LuxiMethod } from "../luxi/protocol.js";
import {
  NoMasterError, OpPrereqError, ErrorCode, decodeError, isEncodedError, OpExecError, JobLost, formatError,
} from "../errors.js";
import { PRIORITY_NAMES, JOB_STATUS_FINALIZED, type JobStatus } from "../constants.js";
import { out, err, type Options } from "./framework.js";

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const p2 = (n: number): string => String(n).padStart(2, "0");

/** Python's time.ctime(): "Sun Oct 25 23:08:58 2009" in local time. */
export function ctime(seconds: number): string {
  const d = new Date(seconds * 1000);
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, " ")} ` +
    `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${d.getFullYear()}`;
}

export async function connectMaster(paths: GanetiPaths = ganetiPaths()): Promise<LuxiClient> {
  const c = new LuxiClient(paths.masterSocket);
  try {
    await c.connect();
    return c;
  } catch (e) {
    if (!(e instanceof NoMasterError)) throw e;
    const master = await readSsconf(paths, "master_node");
    if (master === null) {
      throw new OpPrereqError("Cluster not initialized or this machine is not part of a cluster", ErrorCode.inval);
    }
    // Only on this error path: the resolver (node:dns) stays out of every command's start-up.
    const { myHostname } = await import("../util/identity.js");
    const me = await myHostname(paths);
    if (master !== me) {
      throw new OpPrereqError(`This is not the master node, please connect to node '${master}' and rerun the command`, ErrorCode.inval);
    }
    throw e;
  }
}

/** Runs `fn` with a connection to the master, closing it afterwards. */
export async function withMaster<T>(fn: (c: LuxiClient) => Promise<T>): Promise<T> {
  const c = await connectMaster();
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

/** Adds the common opcode fields (priority, dry_run, debug) from the command line. */
export function commonOpFields(opts: Options): Record<string, unknown> {
  const f: Record<string, unknown> = {};
  if (typeof opts["priority"] === "string") {
    const p = PRIORITY_NAMES[opts["priority"]];
    if (p === undefined) throw new OpPrereqError(`Unknown priority '${opts["priority"]}', valid are: low, normal, high`, ErrorCode.inval);
    f["priority"] = p;
  }
  if (opts["dry-run"] === true) f["dry_run"] = true;
  if (opts["debug"] === true) f["debug_level"] = 1;
  // Ganeti's _InitReasonTrail: the user's --reason, then the client program and its command.
  const nowNs = Date.now() * 1_000_000;
  const program = basename(process.argv[1] ?? "");
  f["reason"] = [
    ...(typeof opts["reason"] === "string" ? [["gnt:user", opts["reason"], nowNs]] : []),
    [`gnt:client:${program}`, process.argv[2] ?? "", nowNs],
  ];
  return f;
}

type LogEntry = [number, [number, number], string, unknown];

function printLog(entry: LogEntry): void {
  const [, ts, type, msg] = entry;
  const text = type === "message" ? String(msg) : JSON.stringify(msg);
  out(`${ctime(ts[0] + ts[1] / 1e6)} ${text}`);
}

/** Follows a job until it ends (Ganeti's PollJob); returns its opcode results or throws its error. */
export async function pollJob(c: LuxiClient, id: number, feedback: (e: LogEntry) => void = printLog): Promise<unknown[]> {
  let prevStatus: JobStatus | null = null;
  let serial = -1;
  for (;;) {
    const r = await c.call(LuxiMethod.waitForJobChange, [id, ["status"], prevStatus === null ? null : [prevStatus], serial, 10], 40_000);
    if (r === null) throw new JobLost(`Job with id ${id} lost`);
    if (r === "nochange") continue;
    const change = r as { job_info: [JobStatus]; log_entries: LogEntry[] };
    for (const e of change.log_entries) {
      feedback(e);
      serial = Math.max(serial, e[0]);
    }
    prevStatus = change.job_info[0];
    if (JOB_STATUS_FINALIZED.has(prevStatus)) break;
  }
  const [row] = (await c.call(LuxiMethod.queryJobs, [[id], ["status", "opstatus", "opresult"]])) as Array<[string, string[], unknown[]] | null>;
  if (row === null || row === undefined) throw new JobLost(`Job with id ${id} lost`);
  const [status, opstatus, opresult] = row;
  if (status === "success") return opresult;
  if (status === "canceled") throw new OpExecError("Job was canceled");
  for (let i = 0; i < opstatus.length; i++) {
    if (opstatus[i] === "error" && isEncodedError(opresult[i])) throw decodeError(opresult[i] as never);
  }
  throw new OpExecError(`Job ${id} failed: ${JSON.stringify(opresult)}`);
}

/** Submits one job; with --submit prints "JobID: N" and returns null, else waits for it. */
export async function submitOrPoll(opts: Options, ops: Array<Record<string, unknown>>, c?: LuxiClient): Promise<unknown[] | null> {
  const client = c ?? (await connectMaster());
  try {
    const common = commonOpFields(opts);
    const id = (await client.call(LuxiMethod.submitJob, [ops.map((o) => ({ ...common, ...o }))])) as number;
    if (opts["submit"] === true) {
      out(`JobID: ${id}`);
      return null;
    }
    return await pollJob(client, id);
  } finally {
    if (c === undefined) client.close();
  }
}

/** Submit one opcode and wait for its result. */
export async function runOpcode(opts: Options, op: Record<string, unknown>): Promise<unknown> {
  const r = await submitOrPoll(opts, [op]);
  return r === null ? null : r[0];
}

/**
 * Submits an opcode whose result is follow-up jobs and follows those too (Ganeti's
 * JobExecutor); `done` on success, `failed(count)` (on stderr) when some job failed.
 */
export async function runWithFollowUps(o: Options, op: Record<string, unknown>, done: string, failed: (bad: number) => string): Promise<number> {
  return withMaster(async (c) => {
    const id = (await c.call(LuxiMethod.submitJob, [[{ ...commonOpFields(o), ...op }]])) as number;
    if (o["submit"] === true) {
      out(`JobID: ${id}`);
      return 0;
    }
    const [res] = (await pollJob(c, id)) as [{ jobs?: Array<[boolean, number]> }];
    let bad = 0;
    for (const [, j] of res.jobs ?? []) {
      try {
        await pollJob(c, j);
      } catch (e) {
        bad++;
        err(formatError(e).text);
      }
    }
    if (bad > 0) {
      err(failed(bad));
      return 1;
    }
    out(done);
    return 0;
  });
}
