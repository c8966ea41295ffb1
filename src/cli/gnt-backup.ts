// gnt-backup: instance exports (export, import, list, remove), Ganeti's syntax and output.
import { main, out, COMMON, parseKeyVal, type CommandTable } from "./framework.js";
import { runOpcode, withMaster } from "./jobs.js";
import { LuxiMethod } from "../luxi/protocol.js";
import { listFieldsCommand, type QueryResponse } from "./list.js";
import { OpPrereqError, ErrorCode } from "../errors.js";
import { parseUnit } from "./units.js";

export const commands: CommandTable = {
  export: {
    summary: "Exports an instance to an image", usage: "-n <target_node> [--noshutdown] [--long-sleep] [--remove-instance] <instance>", args: [1, 1],
    options: {
      node: { type: "string", short: "n", help: "Target node for the export", metavar: "NODE" },
      noshutdown: { type: "boolean", help: "Don't shut down the instance (export while it runs)" },
      "shutdown-timeout": { type: "string", help: "Seconds to wait for the instance to shut down", check: "int" },
      "remove-instance": { type: "boolean", help: "Remove the instance once it is exported" },
      "ignore-remove-failures": { type: "boolean", help: "Remove the instance even if some of its disks can't be removed" },
      compress: { type: "string", help: "Compression tool for the transfer: none or one of the cluster's compression tools", metavar: "TOOL" },
      "zero-free-space": { type: "boolean", help: "Zero the free space of the disks before the export (needs --compress; not built yet)" },
      "long-sleep": { type: "boolean", help: "Allow long shutdowns when backing up instances" },
      submit: COMMON.submit, priority: COMMON.priority,
    },
    async run(o, [name]) {
      if (typeof o["node"] !== "string") throw new OpPrereqError("Target node must be specified", ErrorCode.inval);
      const op: Record<string, unknown> = { OP_ID: "OP_BACKUP_EXPORT", instance_name: name, target_node: o["node"], mode: "local",
        shutdown: o["noshutdown"] !== true, remove_instance: o["remove-instance"] === true,
        ignore_remove_failures: o["ignore-remove-failures"] === true, long_sleep: o["long-sleep"] === true };
      if (typeof o["shutdown-timeout"] === "string") op["shutdown_timeout"] = Number(o["shutdown-timeout"]);
      if (typeof o["compress"] === "string") op["compress"] = o["compress"];
      if (o["zero-free-space"] === true) op["zero_free_space"] = true;
      const r = (await runOpcode(o, op)) as [boolean, boolean[]] | null;
      if (r !== null && (!r[0] || r[1].some((x) => !x))) return 1;
      return 0;
    },
  },
  import: {
    summary: "Imports an instance from an export", usage: "-n <node>[:<secondary>] [--src-node NODE] [--src-dir DIR] -t <template> <instance>",
    args: [1, 1],
    options: {
      node: { type: "string", short: "n", help: "Target node (and secondary, for drbd)", metavar: "NODE[:SNODE]" },
      "src-node": { type: "string", help: "Node holding the export", metavar: "NODE" },
      "src-dir": { type: "string", help: "Export name (directory) on the source node", metavar: "DIR" },
      "disk-template": { type: "string", short: "t", help: "Disk template of the new instance" },
      iallocator: { type: "string", short: "I", help: "Instance allocator choosing the nodes" },
      "os-type": { type: "string", short: "o", help: "OS (default: the export's)" },
      "backend-parameters": { type: "string", short: "B", help: "Backend parameters" },
      "no-start": { type: "boolean", help: "Don't start the instance after the import" },
      "no-name-check": { type: "boolean", help: "Don't check the instance's name" },
      "no-ip-check": { type: "boolean", help: "Don't check the instance's IP" },
      "os-size": { type: "string", short: "s", help: "Disk size (default: the export's)" },
      submit: COMMON.submit, priority: COMMON.priority,
    },
    async run(o, [name]) {
      // Ganeti's SplitNodeOption: split at the first colon only.
      const nodeOpt = typeof o["node"] === "string" ? o["node"] : undefined;
      const colon = nodeOpt?.indexOf(":") ?? -1;
      const [pnode, snode] = nodeOpt === undefined ? [undefined, undefined]
        : colon < 0 ? [nodeOpt, undefined] : [nodeOpt.slice(0, colon), nodeOpt.slice(colon + 1)];
      const op: Record<string, unknown> = { OP_ID: "OP_INSTANCE_CREATE", mode: "import", instance_name: name,
        disk_template: o["disk-template"], disks: typeof o["os-size"] === "string" ? [{ size: parseUnit(o["os-size"]) }] : [], nics: [{}],
        start: o["no-start"] !== true, name_check: o["no-name-check"] !== true, ip_check: o["no-ip-check"] !== true && o["no-name-check"] !== true };
      if (typeof o["disk-template"] !== "string") throw new OpPrereqError("No disk template specified", ErrorCode.inval);
      if (pnode !== undefined) op["pnode"] = pnode;
      if (snode !== undefined) op["snode"] = snode;
      if (typeof o["iallocator"] === "string") op["iallocator"] = o["iallocator"];
      if (typeof o["src-node"] === "string") op["src_node"] = o["src-node"];
      if (typeof o["src-dir"] === "string") op["src_path"] = o["src-dir"];
      if (typeof o["os-type"] === "string") op["os_type"] = o["os-type"];
      if (typeof o["backend-parameters"] === "string") op["beparams"] = parseKeyVal(o["backend-parameters"], "backend");
      await runOpcode(o, op);
      return 0;
    },
  },
  list: {
    summary: "Lists instance exports available in the cluster", usage: "[--node NODE]", args: [0, 0],
    options: { node: { type: "string", multiple: true, help: "Only list exports on this node", metavar: "NODE" } },
    async run(o) {
      return withMaster(async (c) => {
        const r = (await c.call(LuxiMethod.query, ["export", ["node", "export"], null])) as QueryResponse;
        const wanted = o["node"] as string[] | undefined;
        const byNode = new Map<string, string[]>();
        for (const row of r.data) {
          const node = String(row[0]?.[1]);
          if (wanted !== undefined && !wanted.includes(node)) continue;
          byNode.set(node, [...(byNode.get(node) ?? []), String(row[1]?.[1])]);
        }
        for (const [node, exports] of byNode) {
          out(`Node: ${node}`);
          out("Exports:");
          for (const e of exports) out(`  ${e}`);
        }
        return 0;
      });
    },
  },
  "list-fields": listFieldsCommand("export"),
  remove: {
    summary: "Removes the exports of an instance", usage: "<instance>", args: [1, 1],
    options: { submit: COMMON.submit, priority: COMMON.priority },
    async run(o, [name]) {
      await runOpcode(o, { OP_ID: "OP_BACKUP_REMOVE", instance_name: name });
      return 0;
    },
  },
};

export function run(): void {
  main("gnt-backup", commands);
}
