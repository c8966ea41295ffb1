// gnt-node's storage commands (volumes, list-storage, modify-storage, repair-storage,
// list-drbd) and powercycle, with Ganeti's options and table layout (cli.GenerateTable).
import { out, err, COMMON, parseBool, type CommandTable, type Options } from "./framework.js";
import { runOpcode } from "./jobs.js";
import { confirm } from "./prompt.js";
import { generateTable, type Units } from "../query/format.js";

const VOL_DEFAULT = ["node", "phys", "vg", "name", "size", "instance"];
const VOL_HEADERS = { node: "Node", phys: "PhysDev", vg: "VG", name: "Name", size: "Size", instance: "Instance" };
const STOR_DEFAULT = ["node", "type", "name", "size", "used", "free", "allocatable"];
const STOR_HEADERS = { node: "Node", type: "Type", name: "Name", size: "Size", used: "Used", free: "Free", allocatable: "Allocatable" };

/** Ganeti's ParseFields: a list replaces the defaults, "+a,b" appends to them. */
function fields(o: Options, def: readonly string[]): string[] {
  const f = o["output"];
  if (typeof f !== "string") return [...def];
  return f.startsWith("+") ? [...def, ...f.slice(1).split(",")] : f.split(",");
}

function table(o: Options, f: string[], headers: Record<string, string>, rows: unknown[][], unitfields: string[]): void {
  const units = typeof o["units"] === "string" ? (o["units"] as Units) : undefined;
  const lines = generateTable({ headers: o["no-headers"] === true ? undefined : headers, fields: f, data: rows,
    separator: typeof o["separator"] === "string" ? o["separator"] : undefined, numfields: unitfields, unitfields, units });
  if (lines.length > 0) out(lines.join("\n"));
}

const listOpts = { "no-headers": COMMON["no-headers"], separator: COMMON.separator, units: COMMON.units, output: COMMON.output };

export const storageCommands: CommandTable = {
  "list-drbd": {
    summary: "Query the list of used DRBD minors on the given node", usage: "<node>", args: [1, 1],
    options: { "no-headers": COMMON["no-headers"], separator: COMMON.separator },
    async run(o, [node]) {
      // Ganeti asks confd; here the master candidates answer from their configuration.
      const { askMasterCandidates } = await import("../rpc/confd-client.js");
      const { ganetiPaths } = await import("../util/paths.js");
      const a = await askMasterCandidates(ganetiPaths(), "node_drbd_query", { name: node ?? "" });
      if (a.kind !== "ok") {
        err(a.kind === "inconsistent" ? "Inconsistent replies from the master candidates" : `Query gave no answer: ${a.why}`);
        return 1;
      }
      const f = ["node", "minor", "instance", "disk", "role", "peer"];
      const headers = { node: "Node", minor: "Minor", instance: "Instance", disk: "Disk", role: "Role", peer: "PeerNode" };
      const lines = generateTable({ headers: o["no-headers"] === true ? undefined : headers, fields: f, data: a.value,
        separator: typeof o["separator"] === "string" ? o["separator"] : undefined, numfields: ["minor"] });
      if (lines.length > 0) out(lines.join("\n"));
      return 0;
    },
  },
  volumes: {
    summary: "Lists logical volumes on node(s)", usage: "[<node_name>...]", args: [0, Infinity], options: listOpts,
    async run(o, names) {
      const f = fields(o, VOL_DEFAULT);
      const rows = (await runOpcode(o, { OP_ID: "OP_NODE_QUERYVOLS", nodes: names, output_fields: f })) as unknown[][];
      table(o, f, VOL_HEADERS, rows, ["size"]);
      return 0;
    },
  },
  "list-storage": {
    summary: "Lists the storage units of node(s)", usage: "[--storage-type=TYPE] [<node_name>...]", args: [0, Infinity],
    options: { ...listOpts, "storage-type": { type: "string", short: "t", help: "Storage type (file, lvm-vg, lvm-pv, ...)", metavar: "TYPE",
      choices: ["file", "lvm-pv", "lvm-vg", "sharedfile", "gluster"] } },
    async run(o, names) {
      const f = fields(o, STOR_DEFAULT);
      const op: Record<string, unknown> = { OP_ID: "OP_NODE_QUERY_STORAGE", nodes: names, output_fields: f };
      if (typeof o["storage-type"] === "string") op["storage_type"] = o["storage-type"];
      const rows = ((await runOpcode(o, op)) as unknown[][]).map((r) => r.map((v, i) => (f[i] === "allocatable" ? (v === true ? "Y" : "N") : v)));
      table(o, f, STOR_HEADERS, rows, ["size", "used", "free"]);
      return 0;
    },
  },
  "modify-storage": {
    summary: "Modifies a storage unit (an LVM physical volume's allocatable flag)", usage: "[--allocatable=yes|no] <node> <type> <name>",
    args: [3, 3], options: { allocatable: { type: "string", help: "Set the allocatable flag (yes/no)" }, submit: COMMON.submit },
    async run(o, [node, type, name]) {
      const changes: Record<string, unknown> = {};
      if (typeof o["allocatable"] === "string") changes["allocatable"] = parseBool(o["allocatable"], "allocatable");
      if (Object.keys(changes).length === 0) {
        err("No changes to perform, exiting.");
        return 0;
      }
      await runOpcode(o, { OP_ID: "OP_NODE_MODIFY_STORAGE", node_name: node, storage_type: type, name, changes });
      return 0;
    },
  },
  "repair-storage": {
    summary: "Repairs a storage unit (an LVM volume group)", usage: "[--ignore-consistency] <node> <type> <name>", args: [3, 3],
    options: { "ignore-consistency": { type: "boolean", help: "Ignore the consistency of the disks" }, submit: COMMON.submit },
    async run(o, [node, type, name]) {
      await runOpcode(o, { OP_ID: "OP_REPAIR_NODE_STORAGE", node_name: node, storage_type: type, name,
        ignore_consistency: o["ignore-consistency"] === true });
      return 0;
    },
  },
  powercycle: {
    summary: "Tries to forcefully powercycle a node", usage: "[--yes] [--force] <node>", args: [1, 1],
    options: { yes: COMMON.yes, force: COMMON.force, submit: COMMON.submit },
    async run(o, [node]) {
      if (o["yes"] !== true && o["force"] !== true && !(await confirm(`Are you sure you want to hard powercycle node ${node ?? ""}?`))) return 2;
      const r = await runOpcode(o, { OP_ID: "OP_NODE_POWERCYCLE", node_name: node, force: o["force"] === true });
      if (typeof r === "string") err(r);
      return 0;
    },
  },
};
