// gnt-debug: debugging commands (delay jobs, lock table).
import { main, out, COMMON, type CommandTable } from "./framework.js";
import { withMaster, runOpcode } from "./jobs.js";
import { OpPrereqError, ErrorCode } from "../errors.js";

const commands: CommandTable = {
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
