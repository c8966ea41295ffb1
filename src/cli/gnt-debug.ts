// gnt-debug: debugging commands (delay jobs, lock table).
import { readFile } from "node:fs/promises";
import { main, out, err, COMMON, type CommandTable } from "./framework.js";
import { withMaster, runOpcode, pollJob, commonOpFields } from "./jobs.js";
import { LuxiMethod } from "../luxi/protocol.js";
import { OpPrereqError, ErrorCode, formatError } from "../errors.js";
import { parseUnit } from "./units.js";

export const commands: CommandTable = {
  delay: {
    summary: "Executes a TestDelay OpCode",
    usage: "[-n NODE...] [--no-master] [-r REPEAT] <duration>",
    args: [1, 1],
    options: {
      node: { type: "string", short: "n", multiple: true, help: "Also sleep on these nodes" },
      "no-master": { type: "boolean", help: "Do not sleep on the master" },
      repeat: { type: "string", short: "r", help: "Repeat the delay this many times", metavar: "N" },
      interruptible: { type: "boolean", short: "i", help: "Accepted for compatibility" },
      submit: COMMON.submit, priority: COMMON.priority,
    },
    async run(o, [d]) {
      const duration = Number(d);
      if (!Number.isFinite(duration) || duration < 0) {
        throw new OpPrereqError(`Invalid duration '${d ?? ""}', must be a non-negative number`, ErrorCode.inval);
      }
      await runOpcode(o, {
        OP_ID: "OP_TEST_DELAY", duration, on_master: o["no-master"] !== true, on_nodes: (o["node"] as string[] | undefined) ?? [],
        repeat: typeof o["repeat"] === "string" ? Number(o["repeat"]) : 0,
      });
      return 0;
    },
  },
  iallocator: {
    summary: "Executes a TestAllocator OpCode", usage: "{<opts>...} <instance-name>", args: [1, null],
    options: {
      dir: { type: "string", help: "Show allocator input (in) or allocator results (out)", choices: ["in", "out"] },
      iallocator: { type: "string", short: "I", help: "Instance allocator ('.' for the default)" },
      mode: { type: "string", short: "m", help: "Request mode (one of allocate, multi-allocate, relocate, change-group, node-evacuate)",
        choices: ["allocate", "multi-allocate", "relocate", "change-group", "node-evacuate"] },
      memory: { type: "string", help: "Memory size for the instance (MiB)", check: "unit" },
      disks: { type: "string", help: "Comma separated list of disk sizes (MiB)" },
      "disk-template": { type: "string", short: "t", help: "Disk template" },
      nics: { type: "string", help: "Comma separated list of nics, each nic definition is of form mac/ip/bridge, if missing values are replace by None" },
      "os-type": { type: "string", short: "o", help: "What OS to run" },
      vcpus: { type: "string", short: "p", help: "Select number of VCPUs for the instance", check: "int" },
      tags: { type: "string", help: "Comma separated list of tags" },
      "evac-mode": { type: "string", help: "Node evacuation mode (one of all, primary-only, secondary-only)",
        choices: ["all", "primary-only", "secondary-only"] },
      "target-groups": { type: "string", multiple: true, help: "Target groups for relocation" },
      "spindle-use": { type: "string", help: "How many spindles to use", check: "int" },
      count: { type: "string", help: "How many instances to allocate", check: "int" },
      "dry-run": COMMON["dry-run"], priority: COMMON.priority,
    },
    async run(o, args) {
      // Ganeti's TestAllocator, its defaults included.
      let disks: Array<{ size: number; mode: string }>;
      const diskText = typeof o["disks"] === "string" ? o["disks"] : "4096,4096";
      try {
        disks = diskText.split(",").map((v) => ({ size: parseUnit(v), mode: "rw" }));
      } catch (e) {
        err(`Invalid disks parameter '${diskText}': ${(e as Error).message}`);
        return 1;
      }
      const nics = (typeof o["nics"] === "string" ? o["nics"] : "00:11:22:33:44:55").split(",").map((v) => {
        const [mac, ip, bridge] = v.split("/").map((x) => (x === "" ? null : x));
        return { mac: mac ?? null, ip: ip ?? null, bridge: bridge ?? null };
      });
      const op: Record<string, unknown> = { OP_ID: "OP_TEST_ALLOCATOR", mode: o["mode"] ?? "relocate", name: args[0], instances: args,
        memory: typeof o["memory"] === "string" ? parseUnit(o["memory"]) : 128, disks, nics,
        vcpus: typeof o["vcpus"] === "string" ? Number(o["vcpus"]) : 1, tags: typeof o["tags"] === "string" ? o["tags"].split(",") : [],
        direction: o["dir"] ?? "in", evac_mode: o["evac-mode"] ?? "all", target_groups: (o["target-groups"] as string[] | undefined) ?? [],
        spindle_use: typeof o["spindle-use"] === "string" ? Number(o["spindle-use"]) : 1,
        count: typeof o["count"] === "string" ? Number(o["count"]) : 2 };
      if (typeof o["iallocator"] === "string") op["iallocator"] = o["iallocator"];
      if (typeof o["disk-template"] === "string") op["disk_template"] = o["disk-template"];
      if (typeof o["os-type"] === "string") op["os"] = o["os-type"];
      out(String(await runOpcode(o, op)));
      return 0;
    },
  },
  "submit-job": {
    summary: "Submits jobs built from files of opcodes (JSON lists of OP_* dicts)", usage: "<op_list_file...>", args: [1, null],
    options: {
      verbose: COMMON.verbose,
      "timing-stats": { type: "boolean", help: "Show timing stats" },
      "each": { type: "boolean", help: "Submit each job separately (one submission per job)" },
      "job-repeat": { type: "string", help: "Repeat the job this number of times", check: "int", metavar: "N" },
      "op-repeat": { type: "string", help: "Repeat the opcode sequence this number of times", check: "int", metavar: "N" },
      priority: COMMON.priority,
    },
    async run(o, files) {
      // Ganeti's GenericOpCodes with its JobExecutor output.
      const repJob = typeof o["job-repeat"] === "string" ? Number(o["job-repeat"]) : 1;
      const repOp = typeof o["op-repeat"] === "string" ? Number(o["op-repeat"]) : 1;
      const timing = o["timing-stats"] === true;
      if (timing) out("Loading...");
      const jobs: Array<[string, Array<Record<string, unknown>>]> = [];
      for (let j = 0; j < repJob; j++) {
        for (const f of files) {
          const ops = JSON.parse(await readFile(f, "utf8")) as unknown;
          if (!Array.isArray(ops) || !ops.every((x) => typeof x === "object" && x !== null && typeof (x as Record<string, unknown>)["OP_ID"] === "string")) {
            throw new OpPrereqError(`File ${f} does not hold a list of opcodes`, ErrorCode.inval);
          }
          const list = ops as Array<Record<string, unknown>>;
          jobs.push([`file ${f}/${j}`, Array.from({ length: repOp }, () => list.map((x) => ({ ...commonOpFields(o), ...x }))).flat()]);
        }
      }
      return withMaster(async (c) => {
        const t1 = Date.now();
        if (timing) out("Submitting...");
        const ids: Array<[string, number]> = [];
        for (const [name, ops] of jobs) ids.push([name, (await c.call(LuxiMethod.submitJob, [ops])) as number]);
        const t2 = Date.now();
        if (timing) out("Executing...");
        if (o["verbose"] === true) out(`Submitted jobs ${ids.map(([, id]) => id).join(", ")}`);
        for (const [name, id] of ids) {
          out(`Waiting for job ${id} for ${name} ...`);
          try {
            const res = await pollJob(c, id);
            if (o["verbose"] === true) out(`${name}: ${JSON.stringify(res)}`);
          } catch (e) {
            err(`Job ${id} for ${name} has failed: ${formatError(e).text}`);
          }
        }
        const t3 = Date.now();
        if (timing) {
          const ops = jobs.reduce((a, [, x]) => a + x.length, 0);
          out(`C:op     ${String(ops).padStart(4)}`);
          out(`C:job    ${String(jobs.length).padStart(4)}`);
          for (const [k, v] of [["submit", t2 - t1], ["exec  ", t3 - t2], ["total ", t3 - t1]] as const) out(`T:${k} ${(v / 1000).toFixed(4).padStart(4)}`);
        }
        return 0;
      });
    },
  },
  locks: {
    summary: "Shows the master daemon's lock table", usage: "", args: [0, 0], options: {},
    async run() {
      await withMaster(async (c) => {
        const locks = (await c.call("QueryLocks", [])) as Array<{ name: string; mode: string | null; owners: string[]; pending: Array<[string, string]> }>;
        out("Name Mode Owner Pending");
        for (const l of locks) {
          out(`${l.name} ${l.mode ?? "-"} ${l.owners.join(",") || "-"} ${l.pending.map(([m, o]) => `${m}:${o}`).join(",") || "-"}`);
        }
      });
      return 0;
    },
  },
};

export function run(): void {
  main("gnt-debug", commands);
}
