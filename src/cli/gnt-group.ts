// gnt-group: node group administration.
import { main, out, COMMON, parseKeyVal, type CommandTable, type Options } from "./framework.js";
import { runOpcode, runWithFollowUps, withMaster } from "./jobs.js";
import { LuxiMethod } from "../luxi/protocol.js";
import { Pairs, formatGenericInfo, formatParamsDictInfo, formatPolicyInfo } from "./generic-info.js";
import { OpPrereqError, ErrorCode } from "../errors.js";
import { listCommand, listFieldsCommand, filterForNames, type QueryResponse } from "./list.js";
import { tagCommands } from "./tags.js";
import { IPOLICY_OPTIONS, ipolicyFromOptions, ipolicyCommand } from "./ipolicy-opts.js";

export const GROUP_LIST_DEFAULT = ["name", "node_cnt", "pinst_cnt", "alloc_policy", "ndparams"];

function groupParams(o: Options, op: Record<string, unknown>): void {
  if (typeof o["alloc-policy"] === "string") op["alloc_policy"] = o["alloc-policy"];
  if (typeof o["node-parameters"] === "string") op["ndparams"] = parseKeyVal(o["node-parameters"], "node");
  const ipolicy = ipolicyFromOptions(o);
  if (ipolicy !== undefined) op["ipolicy"] = ipolicy;
}

const paramOptions = {
  "alloc-policy": { type: "string", help: "Allocation policy (preferred, last_resort, unallocable)", metavar: "POLICY" },
  "node-parameters": { type: "string", help: "Node parameters (k=v,...)" },
  ...IPOLICY_OPTIONS,
  submit: COMMON.submit, priority: COMMON.priority,
} as const;

export const commands: CommandTable = {
  add: {
    summary: "Add a new node group to the cluster", usage: "[--alloc-policy=...] <group_name>", args: [1, 1], options: paramOptions,
    async run(o, [name]) {
      const op: Record<string, unknown> = { OP_ID: "OP_GROUP_ADD", group_name: name };
      groupParams(o, op);
      await runOpcode(o, op);
      return 0;
    },
  },
  "assign-nodes": {
    summary: "Assign nodes to a group", usage: "<group_name> <node>...", args: [2, null],
    options: { force: COMMON.force, submit: COMMON.submit },
    async run(o, [group, ...nodes]) {
      await runOpcode(o, { OP_ID: "OP_GROUP_ASSIGN_NODES", group_name: group, nodes, force: o["force"] === true });
      return 0;
    },
  },
  evacuate: {
    summary: "Evacuate all instances within a group", usage: "[-I <iallocator>] [--to <group>] <group>", args: [1, 1],
    options: {
      iallocator: { type: "string", short: "I", help: "Instance allocator ('.' for the default)" },
      to: { type: "string", multiple: true, help: "Group to evacuate to (may be given more than once)", metavar: "GROUP" },
      "early-release": { type: "boolean", help: "Release the locks on the secondary node(s) early" },
      sequential: { type: "boolean", help: "Evacuate the instances one by one, in one job" },
      "force-failover": { type: "boolean", help: "Fail the instances over instead of migrating them" },
      submit: COMMON.submit, priority: COMMON.priority,
    },
    async run(o, [group]) {
      const op: Record<string, unknown> = { OP_ID: "OP_GROUP_EVACUATE", group_name: group, early_release: o["early-release"] === true,
        sequential: o["sequential"] === true, force_failover: o["force-failover"] === true };
      if (typeof o["iallocator"] === "string") op["iallocator"] = o["iallocator"];
      if (Array.isArray(o["to"])) op["target_groups"] = o["to"];
      return runWithFollowUps(o, op, "All instances evacuated successfully.", (bad) => `There were ${bad} errors during the evacuation.`);
    },
  },
  info: {
    summary: "Show information about node group(s)", usage: "[<group_name>...]", args: [0, null], options: {},
    async run(_o, names) {
      const fields = ["name", "ndparams", "custom_ndparams", "diskparams", "custom_diskparams", "ipolicy", "custom_ipolicy"];
      const r = (await withMaster((c) => c.call(LuxiMethod.query, ["group", fields, filterForNames(names)]))) as QueryResponse;
      const missing = names.find((n) => !r.data.some((row) => row[0]?.[1] === n));
      if (missing !== undefined) throw new OpPrereqError(`NodeGroup name ${missing} not found`, ErrorCode.noent);
      type Dict = Record<string, unknown>;
      // Ganeti's _FormatGroupInfo, all groups as one list.
      out(formatGenericInfo(r.data.map((row) => {
        const [name, nd, customNd, disk, customDisk, ipol, customIpol] = row.map((cell) => cell[1]) as [string, Dict, Dict, Dict, Dict, Dict, Dict];
        return new Pairs([["Node group", name], ["Node parameters", formatParamsDictInfo(customNd, nd)],
          ["Disk parameters", formatParamsDictInfo(customDisk, disk)], ["Instance policy", formatPolicyInfo(customIpol, ipol, false)]]);
      })));
      return 0;
    },
  },
  "show-ispecs-cmd": {
    summary: "Show the command line to re-create a group", usage: "[--include-defaults] [<group_name>...]", args: [0, null],
    options: { "include-defaults": { type: "boolean", help: "Include default values" } },
    async run(o, names) {
      const field = o["include-defaults"] === true ? "ipolicy" : "custom_ipolicy";
      const r = (await withMaster((c) => c.call(LuxiMethod.query, ["group", ["name", field], filterForNames(names)]))) as QueryResponse;
      for (const row of r.data) out(`gnt-group add${ipolicyCommand((row[1]?.[1] ?? {}) as Record<string, unknown>, true)} ${String(row[0]?.[1])}`);
      return 0;
    },
  },
  list: listCommand("group", GROUP_LIST_DEFAULT, "Lists the node groups in the cluster"),
  "list-fields": listFieldsCommand("group"),
  modify: {
    summary: "Alters the parameters of a node group", usage: "[options...] <group_name>", args: [1, 1], options: paramOptions,
    async run(o, [name]) {
      const op: Record<string, unknown> = { OP_ID: "OP_GROUP_SET_PARAMS", group_name: name };
      groupParams(o, op);
      const result = (await runOpcode(o, op)) as Array<[string, string]> | null;
      if (result !== null && result.length > 0) {
        out(`Modified node group ${name ?? ""}`);
        for (const [param, data] of result) out(` - ${param.padEnd(5)} -> ${data}`);
      }
      return 0;
    },
  },
  remove: {
    summary: "Remove an (empty) node group from the cluster", usage: "<group_name>", args: [1, 1], options: { submit: COMMON.submit },
    async run(o, [name]) {
      await runOpcode(o, { OP_ID: "OP_GROUP_REMOVE", group_name: name });
      return 0;
    },
  },
  rename: {
    summary: "Rename a node group", usage: "<group_name> <new_name>", args: [2, 2], options: { submit: COMMON.submit },
    async run(o, [name, newName]) {
      await runOpcode(o, { OP_ID: "OP_GROUP_RENAME", group_name: name, new_name: newName });
      return 0;
    },
  },
  ...tagCommands("nodegroup", true),
};

export function run(): void {
  main("gnt-group", commands);
}
