// gnt-job: job queue inspection and control.
import { main, out, err, COMMON, type CommandTable } from "./framework.js";
import { withMaster, pollJob } from "./jobs.js";
import { listCommand, listFieldsCommand } from "./list.js";
import { LuxiMethod } from "../luxi/protocol.js";
import { PRIORITY_NAMES } from "../constants.js";
import { OpPrereqError, ErrorCode, formatError } from "../errors.js";
import { parseTimespec } from "./units.js";
import { formatGenericInfo, Inline, Pairs, type GenericInfo } from "./generic-info.js";
import { formatTime, pyStr } from "../query/format.js";

export const JOB_LIST_DEFAULT = ["id", "status", "summary"];

function jobId(s: string | undefined): number {
  // Ganeti's _ParseJobIds: Python's int() and its error text.
  if (s === undefined || !/^\s*\+?\d+\s*$/.test(s)) {
    throw new OpPrereqError(`Invalid job ID passed: invalid literal for int() with base 10: '${s ?? ""}'`, ErrorCode.inval);
  }
  return Number(s);
}

type Ts = [number, number] | null;
/** Ganeti's FormatTimestamp: "%F %T.usecs", "?" for anything else. */
const fmtTs = (t: Ts): string => (Array.isArray(t) && t.length === 2 ? formatTime(t[0], t[1]) : "?");
const delta = (from: [number, number], to: [number, number]): number => to[0] - from[0] + (to[1] - from[1]) / 1e6;

/** One job as Ganeti 3.0's ShowJobs prints it (PrintGenericInfo). */
function jobInfo(row: unknown[]): Pairs {
  const [id, ops, status, recv, start, end, opstatus, opresult, oplog, opstart, opexec, opend] =
    row as [number, Array<Record<string, unknown>>, string, Ts, Ts, Ts, string[], unknown[], unknown[][], Ts[], Ts[], Ts[]];
  const jobTs = (name: string, ts: Ts, prior: Ts = null): readonly [string, GenericInfo, string] =>
    [name, ts !== null ? `${fmtTs(ts)}${prior !== null ? ` (delta ${delta(prior, ts).toFixed(6)}s)` : ""}` : "unknown (None)", "job_timestamp"];
  const opTs = (name: string, ts: Ts | undefined): readonly [string, GenericInfo, string] =>
    [name, Array.isArray(ts) ? fmtTs(ts) : "N/A", "opcode_timestamp"];
  return new Pairs([
    ["Job ID", id], ["Status", status],
    jobTs("Received", recv), jobTs("Processing start", start, recv), jobTs("Processing end", end, start),
    ["Total processing time", end !== null && recv !== null ? `${delta(recv, end).toFixed(6)} seconds` : "N/A"],
    ["Opcodes", ops.map((op, j) => new Pairs([
      ["Opcode", String(op["OP_ID"])], ["Status", opstatus[j] ?? null],
      opTs("Processing start", opstart[j]), opTs("Execution start", opexec[j]), opTs("Processing end", opend[j]),
      ["Input fields", op as GenericInfo], ["Result", (opresult[j] ?? null) as GenericInfo],
      ["Execution log", (oplog[j] ?? []).map((l) => {
        const [serial, ts, type, msg] = l as [number, Ts, string, unknown];
        return new Pairs([["Time", fmtTs(ts)], ["Content", new Inline([serial, type, type === "message" ? String(msg) : pyStr(msg)])]]);
      })],
    ]))],
  ]);
}

function parseAge(s: string): number {
  return s === "all" ? -1 : parseTimespec(s);
}

export const commands: CommandTable = {
  list: listCommand("job", JOB_LIST_DEFAULT, "Lists the jobs and their status", { namefield: "id", numeric: true }),
  "list-fields": listFieldsCommand("job"),
  info: {
    summary: "Show detailed information about the given job(s)", resident: true, usage: "<job-id>...", args: [1, null], options: {},
    async run(_o, args) {
      await withMaster(async (c) => {
        const fields = ["id", "ops", "status", "received_ts", "start_ts", "end_ts", "opstatus", "opresult", "oplog", "opstart", "opexec", "opend"];
        const rows = (await c.call(LuxiMethod.queryJobs, [args.map(jobId), fields])) as Array<unknown[] | null>;
        out(formatGenericInfo(rows.map((row, i) => (row === null ? `Job ID ${args[i] ?? ""} not found` : jobInfo(row)))));
      });
      return 0;
    },
  },

  watch: {
    summary: "Follows a job and prints its output as it arrives", usage: "<job-id>", args: [1, 1], options: {},
    async run(_o, [id]) {
      await withMaster(async (c) => {
        const n = jobId(id);
        out(`Output from job ${n} follows`);
        out("-----------------------------");
        await pollJob(c, n);
      });
      return 0;
    },
  },
  wait: {
    summary: "Wait for a job to finish", usage: "<job-id>", args: [1, 1], options: {},
    async run(_o, [id]) {
      const n = jobId(id);
      return withMaster(async (c) => {
        try {
          await pollJob(c, n, () => undefined);
          return 0;
        } catch (e) {
          // Ganeti's WaitJob: the failure on one line, with FormatError's exit code.
          const f = formatError(e);
          err(`Job ${n} failed: ${f.text}`);
          return f.exitCode;
        }
      });
    },
  },
  cancel: {
    summary: "Cancel jobs that have not started yet", usage: "<job-id>...", args: [1, null], options: { force: COMMON.force },
    async run(_o, args) {
      let rc = 0;
      await withMaster(async (c) => {
        for (const a of args) {
          const [ok, msg] = (await c.call(LuxiMethod.cancelJob, [jobId(a)])) as [boolean, string];
          if (!ok) rc = 1;
          out(msg);
        }
      });
      return rc;
    },
  },
  "change-priority": {
    summary: "Change the priority of jobs", usage: "--priority PRIO <job-id>...", args: [1, null], options: { priority: COMMON.priority },
    async run(o, args) {
      const p = PRIORITY_NAMES[String(o["priority"])];
      if (p === undefined) throw new OpPrereqError("Missing or unknown --priority (low, normal, high)", ErrorCode.inval);
      let rc = 0;
      await withMaster(async (c) => {
        for (const a of args) {
          const [ok, msg] = (await c.call(LuxiMethod.changeJobPriority, [jobId(a), p])) as [boolean, string];
          if (!ok) rc = 1;
          out(msg);
        }
      });
      return rc;
    },
  },
  archive: {
    summary: "Archive finished jobs", usage: "<job-id>...", args: [1, null], options: {},
    async run(_o, args) {
      let rc = 0;
      await withMaster(async (c) => {
        for (const a of args) {
          const ok = (await c.call(LuxiMethod.archiveJob, [jobId(a)])) as boolean;
          if (!ok) {
            err(`Failed to archive job with ID '${a}'`);
            rc = 1;
          }
        }
      });
      return rc;
    },
  },
  autoarchive: {
    summary: "Archive finished jobs older than an age", usage: "<age>", args: [1, 1], options: {},
    async run(_o, [age]) {
      await withMaster(async (c) => {
        const [archived, left] = (await c.call(LuxiMethod.autoArchiveJobs, [parseAge(age ?? ""), 60])) as [number, number];
        out(`Archived ${archived} jobs, ${left} unchecked left`);
      });
      return 0;
    },
  },
};

export function run(): void {
  main("gnt-job", commands);
}
