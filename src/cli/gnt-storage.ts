// gnt-storage: ExtStorage providers (diagnose, info), with Ganeti's output.
import { main, out, err, COMMON, type CommandTable, type Options } from "./framework.js";
import { runOpcode } from "./jobs.js";
import { niceSort } from "../query/index.js";
import type { ExtNodeEntry } from "../cmdlib/extstorage.js";

async function query(o: Options, fields: readonly string[]): Promise<unknown[][]> {
  return ((await runOpcode(o, { OP_ID: "OP_EXT_STORAGE_DIAGNOSE", output_fields: [...fields], names: [] })) ?? []) as unknown[][];
}

/** Ganeti's _ExtStorageStatus. */
function statusText(status: boolean, diagnose: string): string {
  return status ? "valid" : `invalid - ${diagnose}`;
}

export const commands: CommandTable = {
  diagnose: {
    summary: "Diagnose all ExtStorage providers", usage: "", args: [0, 0], options: { priority: COMMON.priority },
    async run(o) {
      const result = await query(o, ["name", "node_status", "nodegroup_status"]);
      if (result.length === 0) {
        err("Can't get the list of ExtStorage providers");
        return 1;
      }
      for (const [name, nodeData, groupData] of result as Array<[string, Record<string, ExtNodeEntry[]>, Record<string, boolean>]>) {
        const good: Record<string, string> = {};
        const bad: Record<string, string> = {};
        for (const [node, entries] of Object.entries(nodeData)) {
          const first = entries[0];
          if (first === undefined) {
            bad[node] = "ExtStorage provider not found";
            continue;
          }
          const [path, status, diagnose, params] = first;
          let msg = `${statusText(status, diagnose)} (path: ${path})`;
          msg += params.length > 0 ? ` [parameters: ${params.map(([p]) => p).join(", ")}]` : " [no parameters]";
          (status ? good : bad)[node] = msg;
        }
        out(`Provider: ${name}`);
        out("---");
        for (const m of [good, bad]) for (const node of niceSort(Object.keys(m))) out(`  Node: ${node}, status: ${m[node] ?? ""}`);
        out("  --");
        const groups = Object.entries(groupData);
        for (const want of [true, false]) {
          for (const g of niceSort(groups.filter(([, v]) => v === want).map(([k]) => k))) {
            out(`  For nodegroup: ${g} --> ${want ? "valid" : "invalid"}`);
          }
        }
        out("");
      }
      return 0;
    },
  },
  info: {
    summary: "Show info about ExtStorage providers", usage: "[<provider>...]", args: [0, null], options: { priority: COMMON.priority },
    async run(o, args) {
      const result = await query(o, ["name", "nodegroup_status", "parameters"]);
      if (result.length === 0) {
        err("Can't get the ExtStorage providers list");
        return 1;
      }
      const wanted = [...args];
      for (const [name, groupData, params] of result as Array<[string, Record<string, boolean>, Array<[string, string]>]>) {
        if (args.length > 0) {
          const at = wanted.indexOf(name);
          if (at < 0) continue;
          wanted.splice(at, 1);
        }
        const valid = Object.entries(groupData).filter(([, v]) => v).map(([k]) => k);
        out(`${name}:`);
        if (valid.length > 0) {
          out("  - Valid for nodegroups:");
          for (const g of niceSort(valid)) out(`      ${g}`);
          out("  - Supported parameters:");
          for (const [p, doc] of params) out(`      ${p}: ${doc}`);
        } else {
          out("  - Invalid for all nodegroups");
        }
        out("");
      }
      for (const name of wanted) {
        out(`${name}: Not Found`);
        out("");
      }
      return 0;
    },
  },
};

export function run(): void {
  main("gnt-storage", commands);
}
