// gnt-node: node administration.
import { main, out, err, COMMON, parseBool, parseKeyVal, type CommandTable, type Options } from "./framework.js";
import { confirm } from "./prompt.js";
import { withMaster, runOpcode, runWithFollowUps, pollJob, commonOpFields } from "./jobs.js";
import { listCommand, listFieldsCommand, filterForNames, type QueryResponse } from "./list.js";
import { tagCommands } from "./tags.js";
import { storageCommands } from "./gnt-node-storage.js";
import { oobCommands } from "./gnt-node-oob.js";
import { restrictedCommand } from "./cluster-node-commands.js";
import { LuxiMethod } from "../luxi/protocol.js";
import { OpPrereqError, ErrorCode, formatError } from "../errors.js";
import { niceCompare } from "../query/common.js";

export const NODE_LIST_DEFAULT = ["name", "dtotal", "dfree", "mtotal", "mnode", "mfree", "pinst_cnt", "sinst_cnt"];


export const commands: CommandTable = {
  add: {
    summary: "Add a node to the cluster",
    usage: "[-s <secondary_ip>] [--readd] [-g <group>] <node_name>",
    args: [1, 1],
    options: {
      readd: { type: "boolean", help: "Readd old node after replacing it" },
      "secondary-ip": { type: "string", short: "s", help: "Secondary (replication) IP", metavar: "ADDRESS" },
      "node-group": { type: "string", short: "g", help: "Node group of the new node", metavar: "GROUP" },
      "master-capable": { type: "string", help: "Whether the node can become master (yes/no)" },
      "vm-capable": { type: "string", help: "Whether the node can host instances (yes/no)" },
      "node-parameters": { type: "string", help: "Node parameters (k=v,...)" },
      "no-ssh-key-check": { type: "boolean", help: "Accepted for compatibility: nodes join by token, not SSH" },
      submit: COMMON.submit, priority: COMMON.priority,
    },
    async run(o, [name]) {
      const op: Record<string, unknown> = { OP_ID: "OP_NODE_ADD", node_name: name, readd: o["readd"] === true };
      if (typeof o["secondary-ip"] === "string") op["secondary_ip"] = o["secondary-ip"];
      if (typeof o["node-group"] === "string") op["group"] = o["node-group"];
      if (o["master-capable"] !== undefined) op["master_capable"] = parseBool(o["master-capable"], "--master-capable");
      if (o["vm-capable"] !== undefined) op["vm_capable"] = parseBool(o["vm-capable"], "--vm-capable");
      if (typeof o["node-parameters"] === "string") op["ndparams"] = parseKeyVal(o["node-parameters"], "node");
      await runOpcode(o, op);
      return 0;
    },
  },
  list: listCommand("node", NODE_LIST_DEFAULT, "Lists the nodes in the cluster"),
  "list-fields": listFieldsCommand("node"),
  info: {
    summary: "Show information about the node(s)",
    resident: true,
    usage: "[<node_name>...]",
    args: [0, null],
    options: {},
    async run(_o, args) {
      const fields = ["name", "pip", "sip", "master_candidate", "drained", "offline", "master_capable", "vm_capable",
        "pinst_list", "sinst_list", "group", "ndparams", "role"];
      await withMaster(async (c) => {
        const r = (await c.call(LuxiMethod.query, ["node", fields, filterForNames(args)])) as QueryResponse;
        if (args.length > 0 && r.data.length < args.length) {
          const found = new Set(r.data.map((row) => row[0]?.[1]));
          throw new OpPrereqError(`Node '${args.find((a) => !found.has(a)) ?? ""}' not known`, ErrorCode.noent);
        }
        const yn = (v: unknown): string => (v === true ? "True" : v === false ? "False" : String(v));
        for (const row of r.data) {
          const v = (f: string): unknown => row[fields.indexOf(f)]?.[1];
          out(`Node name: ${String(v("name"))}`);
          out(`  primary ip: ${String(v("pip"))}`);
          out(`  secondary ip: ${String(v("sip"))}`);
          out(`  master candidate: ${yn(v("master_candidate"))}`);
          out(`  drained: ${yn(v("drained"))}`);
          out(`  offline: ${yn(v("offline"))}`);
          out(`  master_capable: ${yn(v("master_capable"))}`);
          out(`  vm_capable: ${yn(v("vm_capable"))}`);
          out(`  node group: ${String(v("group"))}`);
          for (const [label, key] of [["primary", "pinst_list"], ["secondary", "sinst_list"]] as const) {
            const l = (v(key) as string[] | undefined) ?? [];
            if (l.length === 0) out(`  ${label} for no instances`);
            else {
              out(`  ${label} for instances:`);
              for (const i of l) out(`    - ${i}`);
            }
          }
          out("  node parameters:");
          const nd = (v("ndparams") as Record<string, unknown> | undefined) ?? {};
          for (const k of Object.keys(nd).sort()) out(`    ${k}: ${String(nd[k])}`);
        }
      });
      return 0;
    },
  },
  modify: {
    summary: "Alters the parameters of a node",
    usage: "[-C yes|no] [-D yes|no] [-O yes|no] [options...] <node_name>",
    args: [1, 1],
    options: {
      "master-candidate": { type: "string", short: "C", help: "Set the master_candidate flag (yes/no)" },
      drained: { type: "string", short: "D", help: "Set the drained flag (yes/no)" },
      offline: { type: "string", short: "O", help: "Set the offline flag (yes/no)" },
      "master-capable": { type: "string", help: "Set the master_capable flag (yes/no)" },
      "vm-capable": { type: "string", help: "Set the vm_capable flag (yes/no)" },
      "secondary-ip": { type: "string", short: "s", help: "Change the secondary IP" },
      "node-parameters": { type: "string", help: "Node parameters (k=v,...)" },
      "auto-promote": { type: "boolean", help: "Promote other nodes to master candidate if needed" },
      force: COMMON.force, submit: COMMON.submit, priority: COMMON.priority,
    },
    async run(o, [name]) {
      const op: Record<string, unknown> = { OP_ID: "OP_NODE_SET_PARAMS", node_name: name, force: o["force"] === true,
        auto_promote: o["auto-promote"] === true };
      const flag = (opt: string, field: string): void => {
        const v = parseBool(o[opt], `--${opt}`);
        if (v !== undefined) op[field] = v;
      };
      flag("master-candidate", "master_candidate");
      flag("drained", "drained");
      flag("offline", "offline");
      flag("master-capable", "master_capable");
      flag("vm-capable", "vm_capable");
      if (typeof o["secondary-ip"] === "string") op["secondary_ip"] = o["secondary-ip"];
      if (typeof o["node-parameters"] === "string") op["ndparams"] = parseKeyVal(o["node-parameters"], "node");
      const result = (await runOpcode(o, op)) as Array<[string, string]> | null;
      if (result !== null && result.length > 0) {
        out(`Modified node ${name ?? ""}`);
        for (const [param, data] of result) out(` - ${param.padEnd(5)} -> ${data}`);
      }
      return 0;
    },
  },
  failover: {
    summary: "Stops the primary instances on a node and starts them on their secondary node (only for instances with drbd disk template)",
    usage: "[-f] [--ignore-consistency] [-I IALLOCATOR] <node_name>", args: [1, 1],
    options: {
      "ignore-consistency": { type: "boolean", help: "Ignore the consistency of the disks on the secondary" },
      iallocator: { type: "string", short: "I", help: "Instance allocator (shared storage templates)" },
      force: COMMON.force, submit: COMMON.submit, priority: COMMON.priority,
    },
    async run(o, [name]) {
      // Ganeti's FailoverNode: one failover job per primary instance, run side by side.
      return withMaster(async (c) => {
        const r = (await c.call(LuxiMethod.query, ["node", ["name", "pinst_list"], filterForNames([name ?? ""])])) as QueryResponse;
        const row = r.data[0];
        if (row === undefined) throw new OpPrereqError(`Node '${name ?? ""}' not known`, ErrorCode.noent);
        const node = String(row[0]?.[1]);
        const pinst = [...((row[1]?.[1] ?? []) as string[])].sort((a, b) => niceCompare(a, b));
        if (pinst.length === 0) {
          err(`No primary instances on node ${node}, exiting.`);
          return 0;
        }
        if (o["force"] !== true && !(await confirm(`Fail over instance(s) ${pinst.map((i) => `'${i}'`).join(",")}?`))) return 2;
        const ids: Array<[string, number]> = [];
        for (const inst of pinst) {
          const op: Record<string, unknown> = { OP_ID: "OP_INSTANCE_FAILOVER", instance_name: inst, ignore_consistency: o["ignore-consistency"] === true };
          if (typeof o["iallocator"] === "string") op["iallocator"] = o["iallocator"];
          ids.push([inst, (await c.call(LuxiMethod.submitJob, [[{ ...commonOpFields(o), ...op }]])) as number]);
        }
        let bad = 0;
        for (const [inst, id] of ids) {
          out(`Waiting for job ${id} for ${inst} ...`); // Ganeti's JobExecutor
          try {
            await pollJob(c, id);
          } catch (e) {
            bad++;
            err(`Job ${id} for ${inst} has failed: ${formatError(e).text}`);
          }
        }
        out(bad === 0 ? `All ${ids.length} instance(s) failed over successfully.`
          : `There were errors during the failover:\n${bad} error(s) out of ${ids.length} instance(s).`);
        return 0;
      });
    },
  },
  migrate: {
    summary: "Migrates all the primary instances of a node",
    usage: "[-f] [--non-live] [-n TARGET] <node_name>",
    args: [1, 1],
    options: {
      "non-live": { type: "boolean", help: "Do a non-live migration" },
      "target-node": { type: "string", short: "n", help: "Target node (shared storage templates)", metavar: "NODE" },
      iallocator: { type: "string", short: "I", help: "Instance allocator" },
      "ignore-ipolicy": COMMON["ignore-ipolicy"], force: COMMON.force, submit: COMMON.submit, priority: COMMON.priority,
    },
    async run(o, [name]) {
      const op: Record<string, unknown> = { OP_ID: "OP_NODE_MIGRATE", node_name: name, ignore_ipolicy: o["ignore-ipolicy"] === true };
      if (o["non-live"] === true) op["mode"] = "non-live";
      if (typeof o["target-node"] === "string") op["target_node"] = o["target-node"];
      if (typeof o["iallocator"] === "string") op["iallocator"] = o["iallocator"];
      return runWithFollowUps(o, op, "All instances migrated successfully.", () => "There were errors during the migration:");
    },
  },
  evacuate: {
    summary: "Relocates the primary and/or secondary instances away from a node",
    usage: "[-f] {-p | -s} [-I IALLOCATOR | -n NODE] <node_name>",
    args: [1, 1],
    options: {
      primary: { type: "boolean", short: "p", help: "Evacuate only the primary instances" },
      secondary: { type: "boolean", short: "s", help: "Evacuate only the secondary instances" },
      iallocator: { type: "string", short: "I", help: "Instance allocator ('.' for the default)" },
      "new-secondary": { type: "string", short: "n", help: "New secondary node", metavar: "NODE" },
      force: COMMON.force, submit: COMMON.submit, priority: COMMON.priority,
    },
    async run(o, [name]) {
      if (o["primary"] === true && o["secondary"] === true) throw new OpPrereqError("Only one of the --primary-only and --secondary-only options can be passed", ErrorCode.inval);
      const mode = o["primary"] === true ? "primary-only" : o["secondary"] === true ? "secondary-only" : "all";
      const op: Record<string, unknown> = { OP_ID: "OP_NODE_EVACUATE", node_name: name, mode };
      if (typeof o["iallocator"] === "string") op["iallocator"] = o["iallocator"];
      if (typeof o["new-secondary"] === "string") op["remote_node"] = o["new-secondary"];
      if (o["force"] !== true) {
        const insts = await withMaster(async (c) => {
          const r = (await c.call(LuxiMethod.query, ["node", ["pinst_list", "sinst_list"], filterForNames([name ?? ""])])) as QueryResponse;
          const row = r.data[0];
          if (row === undefined) throw new OpPrereqError(`Node '${name ?? ""}' not known`, ErrorCode.noent);
          return [...(mode !== "secondary-only" ? (row[0]?.[1] as string[]) : []), ...(mode !== "primary-only" ? (row[1]?.[1] as string[]) : [])];
        });
        if (insts.length === 0) {
          out(`No instances to evacuate on node(s) ${name ?? ""}, exiting.`);
          return 0;
        }
        if (!(await confirm(`Relocate instance(s) ${[...new Set(insts)].join(", ")} from node(s) ${name ?? ""}?`))) return 1;
      }
      return runWithFollowUps(o, op, "All instances evacuated successfully.", () => "There were errors during the evacuation:");
    },
  },
  remove: {
    summary: "Removes a node from the cluster",
    usage: "<node_name>",
    args: [1, 1],
    options: { submit: COMMON.submit, priority: COMMON.priority },
    async run(o, [name]) {
      await runOpcode(o, { OP_ID: "OP_NODE_REMOVE", node_name: name });
      return 0;
    },
  },
  ...storageCommands,
  ...restrictedCommand,
  ...oobCommands,
  ...tagCommands("node", true),
};

export function run(): void {
  main("gnt-node", commands);
}
