// gnt-instance's disk commands: activate-disks, deactivate-disks, replace-disks, move.
import { out, COMMON, type CommandTable } from "./framework.js";
import { runOpcode } from "./jobs.js";
import { confirm } from "./prompt.js";
import { OpPrereqError, ErrorCode, UnitParseError } from "../errors.js";
import { parseUnit } from "./units.js";

/** Python's int() of a device index; its error text is what Ganeti's messages quote. */
function pyInt(text: string): number {
  if (!/^\s*[-+]?\d+\s*$/.test(text)) throw new RangeError(`invalid literal for int() with base 10: '${text}'`);
  return Number(text);
}

function diskIndices(text: unknown): number[] {
  if (typeof text !== "string") return [];
  return text.split(",").map((x) => {
    const n = Number(x);
    if (!Number.isInteger(n) || n < 0) throw new OpPrereqError(`Invalid disk index passed: ${x}`, ErrorCode.inval);
    return n;
  });
}

export const diskCommands: CommandTable = {
  "grow-disk": {
    summary: "Grows a disk of an instance", usage: "[--no-wait-for-sync] [--absolute] <instance> <disk> <size>", args: [3, 3],
    options: {
      "no-wait-for-sync": { type: "boolean", help: "Don't wait for the disks to be in sync" },
      absolute: { type: "boolean", help: "The size is the new absolute size, not an increment" },
      "ignore-ipolicy": { type: "boolean", help: "Ignore instance policy violations" },
      submit: COMMON.submit, priority: COMMON.priority,
    },
    async run(o, [name, disk, amount]) {
      let idx: number;
      let size: number;
      try {
        idx = pyInt(disk ?? "");
      } catch (e) {
        throw new OpPrereqError(`Invalid disk index: ${(e as Error).message}`, ErrorCode.inval);
      }
      try {
        size = parseUnit(amount ?? "");
      } catch (e) {
        if (!(e instanceof UnitParseError)) throw e;
        throw new OpPrereqError(`Can't parse the given amount '${amount ?? ""}'`, ErrorCode.inval);
      }
      await runOpcode(o, { OP_ID: "OP_INSTANCE_GROW_DISK", instance_name: name, disk: idx, amount: size,
        absolute: o["absolute"] === true, wait_for_sync: o["no-wait-for-sync"] !== true, ignore_ipolicy: o["ignore-ipolicy"] === true });
      return 0;
    },
  },
  rename: {
    summary: "Renames an instance", usage: "[--no-ip-check] [--no-name-check] <instance> <new_name>", args: [2, 2],
    options: {
      "no-ip-check": { type: "boolean", help: "Don't check that the new IP is free" },
      "no-name-check": { type: "boolean", help: "Don't check that the new name resolves" },
      submit: COMMON.submit, priority: COMMON.priority,
    },
    async run(o, [name, newName]) {
      await runOpcode(o, { OP_ID: "OP_INSTANCE_RENAME", instance_name: name, new_name: newName,
        name_check: o["no-name-check"] !== true, ip_check: o["no-ip-check"] !== true && o["no-name-check"] !== true });
      return 0;
    },
  },
  "recreate-disks": {
    summary: "Recreates an instance's disks (empty), optionally on new nodes", usage: "[--disk N[:size=S]] [-n NODE[:NODE]] [-I ALLOC] <instance>",
    args: [1, 1],
    options: {
      disk: { type: "string", multiple: true, help: "Disk to recreate (index, optionally with a new size)", metavar: "N[:size=S]" },
      node: { type: "string", short: "n", help: "New node(s) of the instance", metavar: "NODE[:NODE]" },
      iallocator: { type: "string", short: "I", help: "Instance allocator choosing the new nodes" },
      submit: COMMON.submit, priority: COMMON.priority,
    },
    async run(o, [name]) {
      const disks = ((o["disk"] as string[] | undefined) ?? []).map((spec) => {
        const [idx, size] = spec.split(":size=");
        const i = Number(idx);
        if (!Number.isInteger(i) || i < 0) throw new OpPrereqError(`Invalid disk index passed: ${spec}`, ErrorCode.inval);
        return size === undefined ? i : [i, { size: parseUnit(size) }];
      });
      const op: Record<string, unknown> = { OP_ID: "OP_INSTANCE_RECREATE_DISKS", instance_name: name, disks };
      if (typeof o["node"] === "string") op["nodes"] = o["node"].split(":");
      if (typeof o["iallocator"] === "string") op["iallocator"] = o["iallocator"];
      await runOpcode(o, op);
      return 0;
    },
  },
  "activate-disks": {
    summary: "Activates an instance's disks", usage: "[--ignore-size] [--wait-for-sync] <instance>", args: [1, 1],
    options: {
      "ignore-size": { type: "boolean", help: "Ignore the recorded size of the disks" },
      "wait-for-sync": { type: "boolean", help: "Wait for the disks to be in sync" },
      submit: COMMON.submit, priority: COMMON.priority,
    },
    async run(o, [name]) {
      const r = (await runOpcode(o, { OP_ID: "OP_INSTANCE_ACTIVATE_DISKS", instance_name: name, ignore_size: o["ignore-size"] === true,
        wait_for_sync: o["wait-for-sync"] === true })) as Array<[string, string, string]> | null;
      for (const [node, iv, path] of r ?? []) out(`${node}:${iv}:${path}`);
      return 0;
    },
  },
  "deactivate-disks": {
    summary: "Deactivates an instance's disks", usage: "[-f] <instance>", args: [1, 1],
    options: { force: COMMON.force, submit: COMMON.submit, priority: COMMON.priority },
    async run(o, [name]) {
      await runOpcode(o, { OP_ID: "OP_INSTANCE_DEACTIVATE_DISKS", instance_name: name, force: o["force"] === true });
      return 0;
    },
  },
  "replace-disks": {
    summary: "Replaces the disks of an instance (or moves its secondary)",
    usage: "{-p | -s | -a | -n NODE | -I NAME} [--disks=IDX,...] [--early-release] <instance>", args: [1, 1],
    options: {
      "on-primary": { type: "boolean", short: "p", help: "Replace the disk(s) on the primary node" },
      "on-secondary": { type: "boolean", short: "s", help: "Replace the disk(s) on the secondary node" },
      auto: { type: "boolean", short: "a", help: "Replace the faulty disk(s) on whichever node has them" },
      "new-secondary": { type: "string", short: "n", help: "New secondary node", metavar: "NODE" },
      iallocator: { type: "string", short: "I", help: "Instance allocator choosing the new secondary ('.' for the default)" },
      disks: { type: "string", help: "Comma-separated disk indices to replace", metavar: "IDX" },
      "early-release": { type: "boolean", help: "Release the locks on the secondary node(s) early" },
      "ignore-ipolicy": { type: "boolean", help: "Ignore instance policy violations" },
      submit: COMMON.submit, priority: COMMON.priority,
    },
    async run(o, [name]) {
      const chosen = ["on-primary", "on-secondary", "auto"].filter((k) => o[k] === true).length +
        (typeof o["new-secondary"] === "string" || typeof o["iallocator"] === "string" ? 1 : 0);
      if (chosen !== 1) {
        throw new OpPrereqError("One and only one of the -p, -s, -a, -n and -I options must be passed", ErrorCode.inval);
      }
      const mode = o["on-primary"] === true ? "replace_on_primary" : o["on-secondary"] === true ? "replace_on_secondary"
        : o["auto"] === true ? "replace_auto" : "replace_new_secondary";
      const op: Record<string, unknown> = { OP_ID: "OP_INSTANCE_REPLACE_DISKS", instance_name: name, mode, disks: diskIndices(o["disks"]),
        early_release: o["early-release"] === true, ignore_ipolicy: o["ignore-ipolicy"] === true };
      if (typeof o["new-secondary"] === "string") op["remote_node"] = o["new-secondary"];
      if (typeof o["iallocator"] === "string") op["iallocator"] = o["iallocator"];
      await runOpcode(o, op);
      return 0;
    },
  },
  move: {
    summary: "Moves an instance (copying its disks) to another node", usage: "[-f] -n NODE <instance>", args: [1, 1],
    options: {
      node: { type: "string", short: "n", help: "Target node", metavar: "NODE" },
      "shutdown-timeout": { type: "string", help: "Seconds to wait for the instance to shut down", check: "int" },
      "ignore-consistency": { type: "boolean", help: "Ignore the consistency of the disks" },
      compress: { type: "string", help: "Compression for the transfer (none)" },
      "ignore-ipolicy": COMMON["ignore-ipolicy"], force: COMMON.force, submit: COMMON.submit, priority: COMMON.priority,
    },
    async run(o, [name]) {
      if (typeof o["node"] !== "string") throw new OpPrereqError("The target node must be given with -n", ErrorCode.inval);
      if (o["force"] !== true && !(await confirm(`Instance ${name ?? ""} will be moved. This requires a shutdown of the instance. Continue?`))) {
        return 1;
      }
      const op: Record<string, unknown> = { OP_ID: "OP_INSTANCE_MOVE", instance_name: name, target_node: o["node"],
        ignore_consistency: o["ignore-consistency"] === true, ignore_ipolicy: o["ignore-ipolicy"] === true };
      if (typeof o["shutdown-timeout"] === "string") op["shutdown_timeout"] = Number(o["shutdown-timeout"]);
      if (typeof o["compress"] === "string") op["compress"] = o["compress"];
      await runOpcode(o, op);
      return 0;
    },
  },
};
