// Executing a solution as jobs over luxi (Ganeti's Jobs.execWithCancel, used by hbal -X
// and hsqueeze -X): the job sets run one after the other; the jobs of one set are
// submitted together (they touch disjoint nodes) and polled until all have finished.
// A failed job stops the run; Ctrl-C stops it after the current set, SIGTERM at once.
import { LuxiMethod } from "../luxi/protocol.js";
import { type Result, bad, ok } from "../htools/types.js";
import { openLuxi } from "./luxi.js";
import type { LuxiClient } from "../luxi/client.js";

export type Op = Readonly<Record<string, unknown>>;

export interface JobSetSpec {
  /** One job per move: its opcodes in order. */
  readonly jobs: readonly (readonly Op[])[];
  readonly descr: string;
}

const STATUS_ORDER = ["queued", "waiting", "canceling", "running", "canceled", "success", "error"] as const;
const SHOW_STATUS: Readonly<Record<string, string>> = {
  queued: "JOB_STATUS_QUEUED", waiting: "JOB_STATUS_WAITING", canceling: "JOB_STATUS_CANCELING", running: "JOB_STATUS_RUNNING",
  canceled: "JOB_STATUS_CANCELED", success: "JOB_STATUS_SUCCESS", error: "JOB_STATUS_ERROR",
};
const showStatus = (s: string): string => SHOW_STATUS[s] ?? s;
const stillRunning = (s: string): boolean => {
  const k = STATUS_ORDER.indexOf(s as (typeof STATUS_ORDER)[number]);
  return k >= 0 && k <= STATUS_ORDER.indexOf("running");
};

export interface ExecIo {
  readonly say: (line: string) => void;
  readonly sleep: (ms: number) => Promise<void>;
  /** Polling schedule (Ganeti: 0.5 s doubling up to 15 s). */
  readonly firstDelayMs?: number;
  readonly maxDelayMs?: number;
}

/** Submits jobs over an open connection; their ids, or the submission's error. */
async function submitJobs(c: LuxiClient, jobs: readonly (readonly Op[])[]): Promise<Result<number[]>> {
  const sub = (await c.call(LuxiMethod.submitManyJobs, [jobs])) as unknown;
  if (!Array.isArray(sub)) return bad(`Cannot parse response from Ganeti: ${JSON.stringify(sub)}`);
  const ids: number[] = [];
  for (const r of sub as unknown[]) {
    if (!Array.isArray(r) || r.length !== 2) return bad(`Cannot parse response from Ganeti: ${JSON.stringify(r)}`);
    if (r[0] !== true) return bad(`Job submission error: ${String(r[1])}`);
    ids.push(Number(r[1]));
  }
  return ok(ids);
}

/** Ganeti's waitForJobs: polls at a doubling interval until every job has ended. */
async function waitForJobs(c: LuxiClient, ids: readonly number[], io: Pick<ExecIo, "sleep" | "firstDelayMs" | "maxDelayMs">):
  Promise<Result<[number, string][]>> {
  let delay = io.firstDelayMs ?? 500;
  const maxDelay = io.maxDelayMs ?? 15_000;
  for (;;) {
    await io.sleep(delay);
    let rows: unknown;
    try {
      rows = await c.call(LuxiMethod.queryJobs, [ids, ["status"]]);
    } catch (e) {
      return bad(`Checking job status: ${(e as Error).message}`);
    }
    if (!Array.isArray(rows)) return bad("Checking job status: Missing job status field");
    const sts: string[] = [];
    for (const row of rows as unknown[]) {
      if (!Array.isArray(row) || typeof row[0] !== "string") return bad("Checking job status: Missing job status field");
      sts.push(row[0]);
    }
    if (sts.some(stillRunning)) {
      delay = Math.min(delay * 2, maxDelay);
      continue;
    }
    return ok(ids.map((id, k) => [id, sts[k]!] as [number, string]));
  }
}

/** Submits one set's jobs and waits for all of them (Ganeti's execJobsWait). */
async function execJobsWait(socket: string, jobs: readonly (readonly Op[])[], io: ExecIo): Promise<Result<[number, string][]>> {
  const cr = await openLuxi(socket);
  if (!cr.ok) return cr;
  const c = cr.value;
  try {
    const ids = await submitJobs(c, jobs);
    if (!ids.ok) return ids;
    io.say(`Got job IDs ${ids.value.join(",")}`);
    return await waitForJobs(c, ids.value, io);
  } catch (e) {
    return bad((e as Error).message);
  } finally {
    c.close();
  }
}

/** Ganeti's execJobsWaitOk: the jobs run, silently; an error unless every one succeeded. */
export async function execJobsWaitOk(c: LuxiClient, jobs: readonly (readonly Op[])[]): Promise<Result<null>> {
  try {
    const ids = await submitJobs(c, jobs);
    if (!ids.ok) return ids;
    const sts = await waitForJobs(c, ids.value, { sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
    if (!sts.ok) return sts;
    const failed = sts.value.filter(([, st]) => st !== "success");
    return failed.length === 0 ? ok(null) : bad(`The following jobs failed: ${failed.map(([id, st]) => `${id}=>${st}`).join(", ")}`);
  } catch (e) {
    return bad((e as Error).message);
  }
}

function hsString(s: string): string {
  return JSON.stringify(s);
}

/** Runs the job sets in order, with Ganeti's cancellation by signals. */
export async function execWithCancel(socket: string, sets: readonly JobSetSpec[], io: ExecIo): Promise<Result<null>> {
  let cancel = 0;
  const onInt = (): void => {
    cancel = 1;
    io.say("Cancel request registered, will exit at the end of the current job set...");
  };
  const onTerm = (): void => {
    cancel = 2;
    io.say("Double cancel request, exiting now...");
    process.exit(2);
  };
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  try {
    const submitted: [string, [number, string][]][] = [];
    for (let k = 0; k < sets.length; k++) {
      if (cancel > 0) {
        const rest = sets.slice(k);
        io.say("Exiting early due to user request, ");
        io.say(`${submitted.length}jobset(s) submitted: `);
        io.say(`[${submitted.map(([d, js]) => `(${hsString(d)},[${js.map(([id, st]) => `(${id},${showStatus(st)})`).join(",")}])`).join(",")}]`);
        io.say(`${rest.length} jobset(s) not submitted:`);
        io.say(`[${rest.map((s) => `(${hsString(s.descr)},${JSON.stringify(s.jobs)})`).join(",")}]`);
        return ok(null);
      }
      const set = sets[k]!;
      const r = await execJobsWait(socket, set.jobs, io);
      if (!r.ok) return r;
      const failures = r.value.filter(([, st]) => st !== "success");
      if (failures.length > 0) {
        return bad(
          `Not all jobs completed successfully: [${failures.map(([id, st]) => `(JobId {fromJobId = ${id}},${showStatus(st)})`).join(",")}]\nAborting.\n`,
        );
      }
      submitted.push([set.descr, r.value]);
    }
    return ok(null);
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
  }
}

/** Ganeti's annotation of a generated opcode: reason trail entry, comment, priority. */
export function annotateOp(op: Op, source: string, reason: string, comment: string, priority: number | null, tsNs: number): Op {
  const trail = Array.isArray(op["reason"]) ? (op["reason"] as unknown[]) : [];
  const out: Record<string, unknown> = { ...op, reason: [...trail, [source, reason, tsNs]], comment };
  if (priority !== null) out["priority"] = priority;
  return out;
}
