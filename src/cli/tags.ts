// add-tags / remove-tags / list-tags, shared by gnt-cluster, gnt-node, gnt-group.
import { readFile } from "node:fs/promises";
import { COMMON, out, type CommandTable } from "./framework.js";
import { withMaster, runOpcode } from "./jobs.js";
import { LuxiMethod } from "../luxi/protocol.js";

async function tagsFrom(args: string[], file: unknown): Promise<string[]> {
  const tags = [...args];
  if (typeof file === "string") {
    const text = file === "-" ? await readStdin() : await readFile(file, "utf8");
    tags.push(...text.split("\n").map((l) => l.trim()).filter((l) => l !== ""));
  }
  return tags;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** kind: Ganeti tag kind; named: whether the object name is the first argument. */
export function tagCommands(kind: string, named: boolean): CommandTable {
  const nameArg = named ? "<name> " : "";
  const split = (args: string[]): [string | null, string[]] => (named ? [args[0] ?? "", args.slice(1)] : [null, args]);
  return {
    "add-tags": {
      summary: "Add tags to the given object", usage: `${nameArg}tag...`, args: [named ? 1 : 0, null],
      options: { "from": { type: "string", help: "Read tags from a file (- for stdin)", metavar: "FILE" }, submit: COMMON.submit },
      async run(o, args) {
        const [name, rest] = split(args);
        await runOpcode(o, { OP_ID: "OP_TAGS_SET", kind, name, tags: await tagsFrom(rest, o["from"]) });
        return 0;
      },
    },
    "remove-tags": {
      summary: "Remove tags from the given object", usage: `${nameArg}tag...`, args: [named ? 1 : 0, null],
      options: { "from": { type: "string", help: "Read tags from a file (- for stdin)", metavar: "FILE" }, submit: COMMON.submit },
      async run(o, args) {
        const [name, rest] = split(args);
        await runOpcode(o, { OP_ID: "OP_TAGS_DEL", kind, name, tags: await tagsFrom(rest, o["from"]) });
        return 0;
      },
    },
    "list-tags": {
      summary: "List the tags of the given object", resident: true, usage: nameArg.trim(), args: [named ? 1 : 0, named ? 1 : 0], options: {},
      async run(_o, args) {
        await withMaster(async (c) => {
          const tags = (await c.call(LuxiMethod.queryTags, [kind, named ? args[0] : ""])) as string[];
          for (const t of tags) out(t);
        });
        return 0;
      },
    },
  };
}
