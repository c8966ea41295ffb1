// gnt-instance batch-create: a JSON list of OP_INSTANCE_CREATE definitions becomes one
// OP_INSTANCE_MULTI_ALLOC job, whose creation jobs are then followed as Ganeti's JobExecutor does.
import { readFile } from "node:fs/promises";
import { out, err, COMMON, type CommandTable } from "./framework.js";
import { withMaster, pollJob, commonOpFields } from "./jobs.js";
import { LuxiMethod } from "../luxi/protocol.js";
import { formatError } from "../errors.js";

export const batchCommands: CommandTable = {
  "batch-create": {
    summary: "Creates instances from a JSON list of instance definitions", usage: "[-I ALLOCATOR] <instances_file.json>", args: [1, 1],
    options: {
      iallocator: { type: "string", short: "I", help: "Instance allocator placing instances without nodes ('.' for the default)" },
      submit: COMMON.submit, priority: COMMON.priority,
    },
    async run(o, [file]) {
      let data: unknown;
      try {
        data = JSON.parse(await readFile(file ?? "", "utf8"));
      } catch (e) {
        err(`Can't parse the instance definition file: ${(e as Error).message}`);
        return 1;
      }
      if (!Array.isArray(data) || !data.every((x) => typeof x === "object" && x !== null && !Array.isArray(x))) {
        err("The instance definition file is not a list of dictionaries");
        return 1;
      }
      return withMaster(async (c) => {
        const op = { ...commonOpFields(o), OP_ID: "OP_INSTANCE_MULTI_ALLOC",
          instances: (data as Array<Record<string, unknown>>).map((d) => ({ ...d, OP_ID: "OP_INSTANCE_CREATE" })),
          ...(typeof o["iallocator"] === "string" ? { iallocator: o["iallocator"] } : {}) };
        const id = (await c.call(LuxiMethod.submitJob, [[op]])) as number;
        if (o["submit"] === true) {
          out(`JobID: ${id}`);
          return 0;
        }
        const [res] = (await pollJob(c, id)) as [{ jobs?: Array<[boolean, number]> }];
        const ids = (res.jobs ?? []).map(([, j]) => j);
        out(`Submitted jobs ${ids.join(", ")}`);
        let bad = 0;
        for (const j of ids) {
          out(`Waiting for job ${j} ...`);
          try {
            await pollJob(c, j);
          } catch (e) {
            bad++;
            err(formatError(e).text);
          }
        }
        if (bad === 0) {
          out("All instances created successfully.");
          return 0;
        }
        out(`There were ${bad} errors during the creation.`);
        return 1;
      });
    },
  },
};
