// gnt-node power {on|off|cycle|status} and gnt-node health: out-of-band management through
// each node's `oob_program` (OP_OOB_COMMAND), with Ganeti's confirmations and tables.
import { out, err, COMMON, type CommandTable, type Options } from "./framework.js";
import { submitOrPoll } from "./jobs.js";
import { confirm } from "./prompt.js";
import { generateTable } from "../query/format.js";

const POWER_COMMANDS = ["on", "off", "cycle", "status"];
const ASK: ReadonlySet<string> = new Set(["power-off", "power-cycle"]);
/** Ganeti's RSS_DESCRIPTION, verbose texts, by result status. */
const RESULT_TEXT: Readonly<Record<number, string>> = { 1: "(unknown)", 2: "(nodata)", 3: "(unavail)", 4: "(offline)" };

type NodeResult = [[number, string], [number, unknown]];

const oobOpts = {
  "oob-timeout": { type: "string" as const, help: "Maximum time to wait for the out-of-band helper", metavar: "TIMEOUT" },
  "no-headers": COMMON["no-headers"], separator: COMMON.separator, submit: COMMON.submit, priority: COMMON.priority,
};

function table(o: Options, rows: string[][]): void {
  const lines = generateTable({ headers: o["no-headers"] === true ? undefined : { node: "Node", status: "Status" }, fields: ["node", "status"],
    data: rows, separator: typeof o["separator"] === "string" ? o["separator"] : undefined });
  for (const l of lines) out(l);
}

/** Ganeti's ConfirmOperation. */
function confirmNodes(nodes: readonly string[], what: string): Promise<boolean> {
  return confirm(`The ${what} will operate on ${nodes.length} nodes.\nDo you want to continue?\nAffected nodes:\n${nodes.map((n) => `  ${n}`).join("\n")}`);
}

export const oobCommands: CommandTable = {
  power: {
    summary: "Change power state of node by calling out-of-band helper.", usage: "on|off|cycle|status [<node>...]", args: [1, null],
    options: {
      ...oobOpts, force: COMMON.force,
      "ignore-status": { type: "boolean", help: "Ignore the offline status of the node (power off even if online)" },
      "power-delay": { type: "string", help: "Seconds between powering on nodes", metavar: "DELAY" },
      "auto-promote": { type: "boolean", help: "Automatically promote nodes to master candidates if needed" },
    },
    async run(o, [sub, ...nodes]) {
      if (!POWER_COMMANDS.includes(sub ?? "")) {
        err(`power subcommand ${sub ?? ""} not supported.`);
        return 1;
      }
      const command = `power-${sub ?? ""}`;
      if (ASK.has(command)) {
        if (nodes.length === 0) {
          err("Please provide at least one node for this command");
          return 1;
        }
        if (o["force"] !== true && !(await confirmNodes(nodes, `power ${sub ?? ""}`))) return 1;
      }
      const ops: Array<Record<string, unknown>> = [];
      if (o["ignore-status"] !== true && command === "power-off") {
        for (const n of nodes) ops.push({ OP_ID: "OP_NODE_SET_PARAMS", node_name: n, offline: true, auto_promote: o["auto-promote"] === true });
      }
      ops.push({ OP_ID: "OP_OOB_COMMAND", node_names: nodes, command, ignore_status: o["ignore-status"] === true,
        ...(typeof o["oob-timeout"] === "string" ? { timeout: Number(o["oob-timeout"]) } : {}),
        ...(typeof o["power-delay"] === "string" ? { power_delay: Number(o["power-delay"]) } : {}) });
      const res = await submitOrPoll(o, ops);
      if (res === null) return 0;
      let errs = 0;
      const rows = (res[res.length - 1] as NodeResult[]).map(([[, name], [status, data]]) => {
        if (status !== 0) {
          errs++;
          return [name, RESULT_TEXT[status] ?? "??"];
        }
        if (command === "power-status") return [name, (data as { powered?: boolean } | null)?.powered === true ? "powered" : "unpowered"];
        return [name, "invoked"];
      });
      table(o, rows);
      return errs > 0 ? 1 : 0;
    },
  },
  health: {
    summary: "Show health of a node using OOB.", usage: "[<node>...]", args: [0, null], options: oobOpts,
    async run(o, nodes) {
      const res = await submitOrPoll(o, [{ OP_ID: "OP_OOB_COMMAND", node_names: nodes, command: "health",
        ...(typeof o["oob-timeout"] === "string" ? { timeout: Number(o["oob-timeout"]) } : {}) }]);
      if (res === null) return 0;
      let errs = 0;
      const rows: string[][] = [];
      for (const [[, name], [status, data]] of res[0] as NodeResult[]) {
        if (status !== 0) {
          errs++;
          rows.push([name, RESULT_TEXT[status] ?? "??"]);
          continue;
        }
        const items = data as Array<[string, string]>;
        items.forEach(([item, st], i) => rows.push([i === 0 ? name : "", `${item}=${st}`]));
      }
      table(o, rows);
      return errs > 0 ? 1 : 0;
    },
  },
};
