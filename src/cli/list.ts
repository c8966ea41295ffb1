// `list` and `list-fields` for every resource (Ganeti's GenericList): the fields come from
// the master's query field tables, so the CLI, RAPI and luxi share one definition.
import { COMMON, out, type Command, type Options } from "./framework.js";
import { withMaster } from "./jobs.js";
import { LuxiMethod } from "../luxi/protocol.js";
import type { LuxiClient } from "../luxi/client.js";
import { formatTable, type FieldDefinition, type QueryResultRow, type Units } from "../query/format.js";
import { OpPrereqError, ErrorCode } from "../errors.js";
import { makeFilter, plainNames } from "../query/qlang.js";

export interface QueryResponse {
  readonly fields: readonly FieldDefinition[];
  readonly data: readonly QueryResultRow[];
}

/** "-o +extra" appends to the defaults, as Ganeti's ParseFields does. */
export function parseFields(opt: unknown, defaults: readonly string[]): string[] {
  if (typeof opt !== "string" || opt === "") return [...defaults];
  if (opt.startsWith("+")) return [...defaults, ...opt.slice(1).split(",")];
  return opt.split(",");
}

function units(o: Options): Units {
  const u = o["units"];
  if (u === undefined) return typeof o["separator"] === "string" ? "m" : "h";
  if (u !== "h" && u !== "m" && u !== "g" && u !== "t") throw new OpPrereqError(`Invalid unit '${String(u)}' (one of h/m/g/t)`, ErrorCode.inval);
  return u;
}

export function filterForNames(names: readonly string[]): unknown {
  return names.length === 0 ? null : ["|", ...names.map((n) => ["=", "name", n])];
}

/** A luxi query's values only (the status of each cell dropped), for the named items or all. */
export async function queryRows(c: Pick<LuxiClient, "call">, what: string, fields: readonly string[], names: readonly string[]): Promise<unknown[][]> {
  const r = (await c.call(LuxiMethod.query, [what, fields, filterForNames(names)])) as QueryResponse;
  return r.data.map((row) => row.map((cell) => cell[1]));
}

/**
 * Ganeti's GenericList. `namefield`/`numeric`: what the arguments name (jobs: "id", numbers).
 */
export function listCommand(resource: string, defaults: readonly string[], summary: string,
  names: { readonly namefield?: string; readonly numeric?: boolean } = {}): Command {
  return {
    summary,
    resident: true,
    usage: "[options...] [name...]",
    args: [0, null],
    options: { output: COMMON.output, "no-headers": COMMON["no-headers"], separator: COMMON.separator, units: COMMON.units,
      verbose: COMMON.verbose, filter: { type: "boolean", short: "F", help: "Treat arguments as a query filter" } },
    async run(o, args) {
      const fields = parseFields(o["output"], defaults);
      const force = o["filter"] === true;
      const qfilter = makeFilter(args, force, names.namefield, names.numeric);
      await withMaster(async (c) => {
        const r = (await c.call(LuxiMethod.query, [resource, fields, qfilter])) as QueryResponse;
        if (args.length > 0 && plainNames(args, force) && names.numeric !== true) {
          const found = new Set(r.data.map((row) => row[fields.indexOf("name")]?.[1]));
          const missing = fields.includes("name") ? args.filter((a) => !found.has(a)) : [];
          if (missing.length > 0 && r.data.length < args.length) {
            // Networks and groups are looked up by the master's getNetwork/getGroup (Ganeti's Haskell Config.getItem text).
            throw new OpPrereqError(resource === "network" ? `Network name ${missing[0] ?? ""} not found`
              : resource === "group" ? `NodeGroup name ${missing[0] ?? ""} not found`
              : `${resource === "node" ? "Node" : "Item"} '${missing[0]}' not known`, ErrorCode.noent);
          }
        }
        const lines = formatTable({
          headers: o["no-headers"] !== true, separator: typeof o["separator"] === "string" ? o["separator"] : undefined,
          units: units(o), fields: r.fields, rows: r.data,
        });
        if (lines.length > 0) out(lines.join("\n")); // one write: a line per write is slow on pipes and files
      });
      return 0;
    },
  };
}

export function listFieldsCommand(resource: string): Command {
  return {
    summary: "Lists all available fields",
    resident: true,
    usage: "[field...]",
    args: [0, null],
    options: { "no-headers": COMMON["no-headers"], separator: COMMON.separator },
    async run(o, args) {
      await withMaster(async (c) => {
        const r = (await c.call(LuxiMethod.queryFields, [resource, args.length > 0 ? args : null])) as { fields: FieldDefinition[] };
        const rows = r.fields.map((f) => [[0, f.name], [0, f.title], [0, f.doc]] as QueryResultRow);
        const defs: FieldDefinition[] = [
          { name: "name", title: "Name", kind: "text", doc: "" },
          { name: "title", title: "Title", kind: "text", doc: "" },
          { name: "doc", title: "Description", kind: "text", doc: "" },
        ];
        for (const line of formatTable({ headers: o["no-headers"] !== true, separator: typeof o["separator"] === "string" ? o["separator"] : undefined,
          units: "h", fields: defs, rows })) out(line);
      });
      return 0;
    },
  };
}
