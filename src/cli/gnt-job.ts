// gnt-job: job queue inspection and control.
import { main, out, err, COMMON, type CommandTable } from "./framework.js";
import { withMaster, pollJob, ctime } from "./jobs.js";
import { listCommand, listFieldsCommand } from "./list.js";
import { LuxiMethod } from "../luxi/protocol.js";
import { PRIORITY_NAMES } from "../constants.js";
import { OpPrereqError, ErrorCode } from "../errors.js";
import { parseTimespec } from "./units.js";

export const JOB_LIST_DEFAULT = ["id", "status", "summary"];

function jobId(s: string | undefined): number {
  // Ganeti's _ParseJobIds: Python's int() and its error text.
  if (s === undefined || !/^\s*\+?\d+\s*$/.test(s)) {
    throw new OpPrereqError(`Invalid job ID passed: invalid literal for int() with base 10: '${s ?? ""}'`, ErrorCode.inval);
  }
  return Number(s);
}

type Ts = [number, number] | null;
const fmtTs = (t: Ts): string => {
  if (t === null) return "N/A";
  const d = new Date(t[0] * 1000);
  const p = (n: number, w = 2): string => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(t[1], 6)}`;
};
const secs = (t: Ts): number => (t === null ? 0 : t[0] + t[1] / 1e6);

function parseAge(s: string): number {
  return s === "all" ? -1 : parseTimespec(s);
}

const commands: CommandTable = {
  list: listCommand("job", JOB_LIST_DEFAULT, "Lists the jobs and their status"),
  "list-fields": listFieldsCommand("job"),
  info: {
    summary: "Show detailed information about the given job(s)", usage: "<job-id>...", args: [1, null], options: {},
    async run(_o, args) {
      await withMaster(async (c) => {
        const fields = ["id", "ops", "status", "received_ts", "start_ts", "end_ts", "opstatus", "opresult", "oplog", "opstart", "opexec", "opend"];
        const rows = (await c.call(LuxiMethod.queryJobs, [args.map(jobId), fields])) as Array<unknown[] | null>;
        rows.forEach((row, i) => {
          if (row === null) {
            out(`Job ID: ${args[i] ?? ""} not found`);
            return;
          }
          const [id, ops, status, recv, start, end, opstatus, opresult, oplog, opstart, opexec, opend] =
            row as [number, Array<Record<string, unknown>>, string, Ts, Ts, Ts, string[], unknown[], unknown[][], Ts[], Ts[], Ts[]];
          out(`Job ID: ${id}`);
          out(`  Status: ${status}`);
          out(`  Received:         ${fmtTs(recv)}`);
          out(`  Processing start: ${fmtTs(start)}${start !== null ? ` (delta ${(secs(start) - secs(recv)).toFixed(6)}s)` : ""}`);
          out(`  Processing end:   ${fmtTs(end)}${end !== null && start !== null ? ` (delta ${(secs(end) - secs(start)).toFixed(6)}s)` : ""}`);
          if (end !== null && recv !== null) out(`  Total processing time: ${(secs(end) - secs(recv)).toFixed(6)} seconds`);
          out("  Opcodes:");
          ops.forEach((op, j) => {
            out(`    ${String(op["OP_ID"])}`);
            out(`      Status: ${opstatus[j] ?? ""}`);
            out(`      Processing start: ${fmtTs(opstart[j] ?? null)}`);
            out(`      Execution start:  ${fmtTs(opexec[j] ?? null)}`);
            out(`      Processing end:   ${fmtTs(opend[j] ?? null)}`);
            out("      Input fields:");
            for (const k of Object.keys(op).sort()) if (k !== "OP_ID") out(`        ${k}: ${JSON.stringify(op[k])}`);
            const res = opresult[j];
            if (Array.isArray(res) && res.length === 2 && typeof res[0] === "string" && Array.isArray(res[1])) {
              out("      Result:");
              out(`        ${res[0]}`);
              out(`        [${(res[1] as unknown[]).map(String).join(", ")}]`);
            } else out(`      Result: ${JSON.stringify(res ?? null)}`);
            out("      Execution log:");
            for (const l of oplog[j] ?? []) {
              const [serial, ts, type, msg] = l as [number, [number, number], string, unknown];
              out(`        ${serial}:${ctime(ts[0])}:${type}:${String(msg)}`);
            }
          });
        });
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
