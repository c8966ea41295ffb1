// gnt-instance: instance administration (first stage: add, remove, startup, shutdown,
// list, info; see docs/STATUS.md for what is not built yet).
import { main, out, err, COMMON, parseKeyVal, parseIdentKeyVal, forceDictType, BES_PARAMETER_TYPES, INIC_PARAMS_TYPES, type CommandTable,
  type Options, type ParamType } from "./framework.js";
import { HVC_DEFAULTS } from "../objects/hv-defaults.js";
import { formatGenericInfo } from "./generic-info.js";
import { instanceInfo, type InstanceData } from "./instance-info.js";
import { withMaster, runOpcode, runWithFollowUps } from "./jobs.js";
import { listCommand, listFieldsCommand, filterForNames, type QueryResponse } from "./list.js";
import { tagCommands } from "./tags.js";
import { confirm } from "./prompt.js";
import { LuxiMethod } from "../luxi/protocol.js";
import { OpPrereqError, OpExecError, ErrorCode } from "../errors.js";
import { instanceConsole } from "../hypervisor/console.js";
import { diskCommands } from "./gnt-instance-disks.js";
import { parseUnit } from "./units.js";
export { parseUnit };
import { batchCommands } from "./gnt-instance-batch.js";

export const INSTANCE_LIST_DEFAULT = ["name", "hypervisor", "os", "pnode", "status", "oper_ram"];

/** Python's int() of a device index, with its error text as Ganeti's messages quote it. */
function pyInt(text: string): number {
  if (!/^\s*[-+]?\d+\s*$/.test(text)) throw new RangeError(`invalid literal for int() with base 10: '${text}'`);
  return Number(text);
}

/** --disk N:size=..,mode=.. (repeatable) or -s SIZE into the opcode's disk list, as Ganeti's GenericInstanceCreate. */
function diskList(o: Options): Array<Record<string, unknown>> {
  const specs = (o["disk"] as string[] | undefined) ?? [];
  const sdSize = o["os-size"];
  if (o["disk-template"] === "diskless") {
    if (specs.length > 0 || sdSize !== undefined) throw new OpPrereqError("Diskless instance but disk information passed", ErrorCode.inval);
    return [];
  }
  if (specs.length === 0 && sdSize === undefined) throw new OpPrereqError("No disk information specified", ErrorCode.inval);
  if (specs.length > 0 && sdSize !== undefined) throw new OpPrereqError("Please use either the '--disk' or '-s' option", ErrorCode.inval);
  if (typeof sdSize === "string") return [{ size: parseUnit(sdSize) }];
  const parsed = specs.map((spec) => parseIdentKeyVal(spec, "disk"));
  let max = 0;
  for (const [idx] of parsed) {
    try {
      max = Math.max(max, pyInt(idx) + 1);
    } catch (e) {
      throw new OpPrereqError(`Invalid disk index passed: ${(e as Error).message}`, ErrorCode.inval);
    }
  }
  const disks: Array<Record<string, unknown>> = Array.from({ length: max }, () => ({}));
  for (const [idx, params] of parsed) {
    const i = pyInt(idx);
    const d = { ...params };
    if (d["size"] !== undefined) {
      if (d["adopt"] !== undefined) throw new OpPrereqError(`Only one of 'size' and 'adopt' allowed (disk ${i})`, ErrorCode.inval);
      d["size"] = parseUnit(String(d["size"]));
    } else if (d["adopt"] !== undefined) {
      d["size"] = 0;
    } else {
      throw new OpPrereqError(`Missing size or adoption source for disk ${i}`, ErrorCode.inval);
    }
    disks[i] = d;
  }
  return disks;
}

/** --net N:k=v,... into the opcode's NIC list, as Ganeti's ParseNicOption. */
function nicList(o: Options): Array<Record<string, unknown>> {
  const specs = (o["net"] as string[] | undefined) ?? [];
  if (specs.length === 0) return o["no-nics"] === true ? [] : [{}];
  const parsed = specs.map((spec) => parseIdentKeyVal(spec, "nic"));
  let max = 0;
  for (const [idx] of parsed) {
    try {
      max = Math.max(max, pyInt(idx) + 1);
    } catch (e) {
      throw new OpPrereqError(`Invalid NIC index passed: ${(e as Error).message}`, ErrorCode.inval);
    }
  }
  const nics: Array<Record<string, unknown>> = Array.from({ length: max }, () => ({}));
  for (const [idx, params] of parsed) {
    const n = { ...params };
    forceDictType(n, INIC_PARAMS_TYPES);
    nics[pyInt(idx)] = n;
  }
  return nics;
}

/** Every hypervisor parameter of every hypervisor (Ganeti's HVS_PARAMETER_TYPES), for -H checks. */
const HV_PARAMETER_TYPES: Readonly<Record<string, ParamType>> = Object.fromEntries(
  Object.values(HVC_DEFAULTS).flatMap((d) => Object.keys(d)).map((k) => [k, "any" as const]));

const base: CommandTable = {
  add: {
    summary: "Creates and adds a new instance to the cluster",
    usage: "-t TEMPLATE -n NODE [-s SIZE | --disk N:size=SIZE] [-o OS] <instance>",
    args: [1, 1],
    options: {
      "disk-template": { type: "string", short: "t", help: "Disk template (diskless, file, sharedfile)", metavar: "TEMPLATE" },
      node: { type: "string", short: "n", help: "Primary node (node[:secondary])", metavar: "NODE" },
      iallocator: { type: "string", short: "I", help: "Instance allocator", metavar: "NAME" },
      "os-type": { type: "string", short: "o", help: "What OS to run", metavar: "OS" },
      "os-parameters": { type: "string", short: "O", help: "OS parameters (k=v,...), checked by the OS's verify script" },
      "force-variant": { type: "boolean", help: "Force an unknown variant" },
      "no-wait-for-sync": { type: "boolean", help: "Don't wait for the disks to sync" },
      "os-size": { type: "string", short: "s", help: "Disk size of a single-disk instance", metavar: "SIZE", check: "unit" },
      disk: { type: "string", multiple: true, help: "Disk parameters (N:size=SIZE,mode=rw)" },
      net: { type: "string", multiple: true, help: "NIC parameters (N:mac=..,ip=..,link=..)" },
      "no-nics": { type: "boolean", help: "Create an instance without network interfaces" },
      "backend-parameters": { type: "string", short: "B", help: "Backend parameters (k=v,...)" },
      "hypervisor-parameters": { type: "string", short: "H", help: "Hypervisor and parameters (hv:k=v,...)" },
      "no-start": { type: "boolean", help: "Don't start the instance after creation" },
      "no-install": { type: "boolean", help: "Do not install the OS" },
      "no-name-check": { type: "boolean", help: "Don't check that the instance's name resolves" },
      "no-ip-check": { type: "boolean", help: "Don't check that the instance's IP is unused" },
      "no-conflicts-check": { type: "boolean", help: "Don't check for conflicting IPs" },
      "file-storage-dir": { type: "string", help: "Directory for the disk files" },
      "file-driver": { type: "string", help: "Driver for file disks (loop, blktap, blktap2)" },
      tags: { type: "string", help: "Tags to add", metavar: "TAGS" },
      "ignore-ipolicy": COMMON["ignore-ipolicy"], submit: COMMON.submit, priority: COMMON.priority,
    },
    async run(o, [name]) {
      // Ganeti's SplitNodeOption: "pnode[:snode]", split at the first colon only.
      const nodeOpt = typeof o["node"] === "string" ? o["node"] : undefined;
      const colon = nodeOpt?.indexOf(":") ?? -1;
      const [pnode, snode] = nodeOpt === undefined ? [undefined, undefined]
        : colon < 0 ? [nodeOpt, undefined] : [nodeOpt.slice(0, colon), nodeOpt.slice(colon + 1)];
      const op: Record<string, unknown> = {
        OP_ID: "OP_INSTANCE_CREATE", instance_name: name, mode: "create", disks: diskList(o), nics: nicList(o),
        start: o["no-start"] !== true, no_install: o["no-install"] === true, name_check: o["no-name-check"] !== true,
        ip_check: o["no-ip-check"] !== true && o["no-name-check"] !== true, ignore_ipolicy: o["ignore-ipolicy"] === true,
        conflicts_check: o["no-conflicts-check"] !== true,
      };
      if (typeof o["disk-template"] === "string") op["disk_template"] = o["disk-template"];
      if (pnode !== undefined) op["pnode"] = pnode;
      if (snode !== undefined) op["snode"] = snode;
      if (typeof o["iallocator"] === "string") op["iallocator"] = o["iallocator"];
      if (typeof o["os-type"] === "string") op["os_type"] = o["os-type"];
      if (typeof o["os-parameters"] === "string") op["osparams"] = parseKeyVal(o["os-parameters"], "OS");
      if (o["force-variant"] === true) op["force_variant"] = true;
      if (o["no-wait-for-sync"] === true) op["wait_for_sync"] = false;
      if (typeof o["backend-parameters"] === "string") {
        const be = parseKeyVal(o["backend-parameters"], "backend");
        forceDictType(be, BES_PARAMETER_TYPES);
        op["beparams"] = be;
      }
      if (typeof o["hypervisor-parameters"] === "string") {
        const [hv, params] = parseIdentKeyVal(o["hypervisor-parameters"], "hypervisor");
        forceDictType(params, HV_PARAMETER_TYPES);
        op["hypervisor"] = hv;
        op["hvparams"] = params;
      }
      if (typeof o["file-storage-dir"] === "string") op["file_storage_dir"] = o["file-storage-dir"];
      if (typeof o["tags"] === "string") op["tags"] = o["tags"].split(",");
      if (typeof o["file-driver"] === "string") op["file_driver"] = o["file-driver"];
      await runOpcode(o, op);
      return 0;
    },
  },
  remove: {
    summary: "Shuts down the instance and removes it",
    usage: "[--ignore-failures] [-f] <instance>",
    args: [1, 1],
    options: { "ignore-failures": { type: "boolean", help: "Remove even if shutdown or disk removal fail" }, force: COMMON.force,
      submit: COMMON.submit, priority: COMMON.priority },
    async run(o, [name]) {
      if (o["force"] !== true && !(await confirm(`This will remove the volumes of the instance ${name ?? ""} (including mirrors), thus ` +
        "removing all the data of the instance. Continue?"))) return 1;
      await runOpcode(o, { OP_ID: "OP_INSTANCE_REMOVE", instance_name: name, ignore_failures: o["ignore-failures"] === true });
      return 0;
    },
  },
  startup: {
    summary: "Starts an instance", usage: "<instance>", args: [1, 1], options: { submit: COMMON.submit, priority: COMMON.priority },
    async run(o, [name]) {
      await runOpcode(o, { OP_ID: "OP_INSTANCE_STARTUP", instance_name: name });
      return 0;
    },
  },
  shutdown: {
    summary: "Stops an instance", usage: "[--timeout N] <instance>", args: [1, 1],
    options: { timeout: { type: "string", help: "Seconds to wait before forcing the shutdown", check: "int" }, submit: COMMON.submit, priority: COMMON.priority },
    async run(o, [name]) {
      const op: Record<string, unknown> = { OP_ID: "OP_INSTANCE_SHUTDOWN", instance_name: name };
      if (typeof o["timeout"] === "string") op["timeout"] = Number(o["timeout"]);
      await runOpcode(o, op);
      return 0;
    },
  },
  reinstall: {
    summary: "Reinstalls the instance's OS (all data on its disks is lost)", usage: "[-f] [-o OS] [-O k=v,...] [--force-variant] <instance>", args: [1, 1],
    options: { "os-type": { type: "string", short: "o", help: "Install this OS instead of the current one", metavar: "OS" },
      "os-parameters": { type: "string", short: "O", help: "OS parameters (k=v,...) for this and later installs" },
      "force-variant": { type: "boolean", help: "Force an unknown variant" },
      force: COMMON.force, submit: COMMON.submit, priority: COMMON.priority },
    async run(o, [name]) {
      if (o["force"] !== true && !(await confirm(`This will reinstall the instance ${name ?? ""} and remove all data. Continue?`))) return 1;
      const op: Record<string, unknown> = { OP_ID: "OP_INSTANCE_REINSTALL", instance_name: name };
      if (typeof o["os-type"] === "string") op["os_type"] = o["os-type"];
      if (typeof o["os-parameters"] === "string") op["osparams"] = parseKeyVal(o["os-parameters"], "OS");
      if (o["force-variant"] === true) op["force_variant"] = true;
      await runOpcode(o, op);
      return 0;
    },
  },
  reboot: {
    summary: "Reboots an instance", usage: "[-t soft|hard|full] <instance>", args: [1, 1],
    options: { type: { type: "string", short: "t", help: "Reboot type: soft, hard or full", metavar: "TYPE", choices: ["soft", "hard", "full"] },
      "shutdown-timeout": { type: "string", help: "Seconds to wait for the instance to shut down", check: "int" }, submit: COMMON.submit, priority: COMMON.priority },
    async run(o, [name]) {
      const op: Record<string, unknown> = { OP_ID: "OP_INSTANCE_REBOOT", instance_name: name, reboot_type: o["type"] ?? "hard" };
      if (typeof o["shutdown-timeout"] === "string") op["shutdown_timeout"] = Number(o["shutdown-timeout"]);
      await runOpcode(o, op);
      return 0;
    },
  },
  modify: {
    summary: "Changes the instance parameters",
    usage: "[-B k=v,...] [-H k=v,...] [--net add[:k=v,...]|N:remove|N:modify,k=v,...] [--disk add:size=S,...|N:remove|N:modify,k=v] " +
      "[-t TEMPLATE [-n SNODE|-I ALLOC] [--no-wait-for-sync]] [-m MEM] [-o OS] [-O k=v,...] [--offline|--online] <instance>", args: [1, 1],
    options: { "backend-parameters": { type: "string", short: "B", help: "Backend parameters (k=v,...)" },
      "hypervisor-parameters": { type: "string", short: "H", help: "Hypervisor parameters (k=v,...)" },
      net: { type: "string", multiple: true, help: "NIC changes: add[:params], N:remove, N:modify,params" },
      disk: { type: "string", multiple: true, help: "Disk changes: add:size=S[,mode=M], N:remove, N:modify,mode=M" },
      "disk-template": { type: "string", short: "t", help: "Convert to this disk template (the instance must be stopped)" },
      node: { type: "string", short: "n", help: "New secondary node, when converting to drbd", metavar: "NODE" },
      iallocator: { type: "string", short: "I", help: "Instance allocator choosing the new secondary ('.' for the default)" },
      "no-wait-for-sync": { type: "boolean", help: "Don't wait for the disks to sync after a conversion to drbd" },
      "ext-params": { type: "string", short: "e", help: "Parameters for ExtStorage template conversions in the format: provider=prvdr[,param1=val1,param2=val2,...]" },
      "file-storage-dir": { type: "string", help: "Directory of the new file disks (conversion to file)" },
      "file-driver": { type: "string", help: "Driver of the new file disks (loop or blktap)" },
      "runtime-memory": { type: "string", short: "m", help: "New memory of the running instance" },
      "os-type": { type: "string", short: "o", help: "Change the OS (without reinstalling)" },
      "os-parameters": { type: "string", short: "O", help: "OS parameters (k=v,...)" },
      "force-variant": { type: "boolean", help: "Force an unknown variant" },
      offline: { type: "boolean", help: "Mark the instance offline" },
      online: { type: "boolean", help: "Mark the instance online (down)" },
      "no-conflicts-check": { type: "boolean", help: "Don't check for conflicting IPs" },
      "ignore-ipolicy": COMMON["ignore-ipolicy"], force: COMMON.force, submit: COMMON.submit, priority: COMMON.priority },
    async run(o, [name]) {
      const changes = ["net", "disk", "disk-template", "hypervisor-parameters", "backend-parameters", "os-type", "os-parameters", "offline",
        "online", "runtime-memory"];
      if (!changes.some((k) => o[k] !== undefined)) {
        err("Please give at least one of the parameters.");
        return 1;
      }
      const op: Record<string, unknown> = { OP_ID: "OP_INSTANCE_SET_PARAMS", instance_name: name, force: o["force"] === true,
        ignore_ipolicy: o["ignore-ipolicy"] === true, ...(o["no-conflicts-check"] === true ? { conflicts_check: false } : {}) };
      if (typeof o["backend-parameters"] === "string") {
        const be = parseKeyVal(o["backend-parameters"], "backend");
        for (const [k, v] of Object.entries(be)) if (typeof v === "string" && v.toLowerCase() === "default") be[k] = "default";
        forceDictType(be, BES_PARAMETER_TYPES, ["default"]);
        op["beparams"] = be;
      }
      if (typeof o["hypervisor-parameters"] === "string") {
        const hv = parseKeyVal(o["hypervisor-parameters"], "hypervisor");
        forceDictType(hv, HV_PARAMETER_TYPES);
        op["hvparams"] = hv;
      }
      if (typeof o["os-parameters"] === "string") op["osparams"] = parseKeyVal(o["os-parameters"], "OS");
      if (typeof o["os-type"] === "string") op["os_name"] = o["os-type"];
      if (o["force-variant"] === true) op["force_variant"] = true;
      if (typeof o["disk-template"] === "string") op["disk_template"] = o["disk-template"];
      if (typeof o["node"] === "string") op["remote_node"] = o["node"];
      const extParams = typeof o["ext-params"] === "string" ? parseKeyVal(o["ext-params"], "ext") : {};
      if (typeof o["disk-template"] === "string" && Object.keys(extParams).length > 0 && o["disk-template"] !== "ext") {
        err("Specifying ExtStorage parameters requires converting to the 'ext' disk template");
        return 1;
      }
      if (o["disk-template"] === "ext" && Object.keys(extParams).length === 0) {
        err("Provider option is missing, use either the '--ext-params' or '-e' option");
        return 1;
      }
      if ((typeof o["file-driver"] === "string" || typeof o["file-storage-dir"] === "string") &&
        o["disk-template"] !== "file" && o["disk-template"] !== "sharedfile") {
        err("Specifying file-based configuration arguments requires converting to a file-based disk template");
        return 1;
      }
      if (Object.keys(extParams).length > 0) {
        if (!("provider" in extParams)) {
          throw new OpPrereqError("Missing required parameter 'provider' when converting to an ExtStorage disk template", ErrorCode.inval);
        }
        op["ext_params"] = extParams;
      }
      if (typeof o["iallocator"] === "string") op["iallocator"] = o["iallocator"];
      if (o["no-wait-for-sync"] === true) op["wait_for_sync"] = false;
      if (typeof o["file-storage-dir"] === "string") op["file_storage_dir"] = o["file-storage-dir"];
      if (typeof o["file-driver"] === "string") op["file_driver"] = o["file-driver"];
      if (typeof o["runtime-memory"] === "string") op["runtime_mem"] = parseUnit(o["runtime-memory"]);
      if (o["offline"] === true || o["online"] === true) op["offline"] = o["offline"] === true;
      if (o["net"] !== undefined) op["nics"] = (o["net"] as string[]).map((s) => parseModification(s, "net"));
      if (o["disk"] !== undefined) op["disks"] = (o["disk"] as string[]).map((s) => parseModification(s, "disk"));
      const result = (await runOpcode(o, op)) as Array<[string, unknown]> | null;
      if (result !== null && result.length > 0) {
        out(`Modified instance ${name ?? ""}`);
        for (const [param, data] of result) out(` - ${param.padEnd(5)} -> ${data === null ? "None" : String(data)}`); // Python's %s
        out("Please don't forget that most parameters take effect only at the next (re)start of the instance initiated by ganeti; restarting from within the instance will not be enough.");
      }
      return 0;
    },
  },
  "change-group": {
    summary: "Change group of instance", usage: "[-I <iallocator>] [--to <group>] <instance>", args: [1, 1],
    options: {
      iallocator: { type: "string", short: "I", help: "Instance allocator ('.' for the default)" },
      to: { type: "string", multiple: true, help: "Group to move the instance to (may be given more than once)", metavar: "GROUP" },
      "early-release": { type: "boolean", help: "Release the locks on the secondary node(s) early" },
      submit: COMMON.submit, priority: COMMON.priority,
    },
    async run(o, [name]) {
      const op: Record<string, unknown> = { OP_ID: "OP_INSTANCE_CHANGE_GROUP", instance_name: name, early_release: o["early-release"] === true };
      if (typeof o["iallocator"] === "string") op["iallocator"] = o["iallocator"];
      if (Array.isArray(o["to"])) op["target_groups"] = o["to"];
      return runWithFollowUps(o, op, `Instance '${name ?? ""}' changed group successfully.`,
        (bad) => `There were ${bad} errors while changing group of instance '${name ?? ""}'.`);
    },
  },
  failover: {
    summary: "Stops the instance, changes its primary node and (if it was up) starts it there",
    usage: "[-f] [--ignore-consistency] [-n NODE] <instance>", args: [1, 1],
    options: {
      "ignore-consistency": { type: "boolean", help: "Ignore the consistency of the disks on the secondary" },
      "target-node": { type: "string", short: "n", help: "Target node (shared storage templates)", metavar: "NODE" },
      iallocator: { type: "string", short: "I", help: "Instance allocator choosing the target ('.' for the default)" },
      "shutdown-timeout": { type: "string", help: "Seconds to wait for the instance to shut down", check: "int" },
      "ignore-ipolicy": COMMON["ignore-ipolicy"], force: COMMON.force, submit: COMMON.submit, priority: COMMON.priority,
    },
    async run(o, [name]) {
      if (o["force"] !== true && !(await confirm(`Failover will happen to image ${name ?? ""}. This requires a shutdown of\nthe instance. Continue?`))) return 1;
      const op: Record<string, unknown> = { OP_ID: "OP_INSTANCE_FAILOVER", instance_name: name, ignore_consistency: o["ignore-consistency"] === true,
        ignore_ipolicy: o["ignore-ipolicy"] === true };
      if (typeof o["target-node"] === "string") op["target_node"] = o["target-node"];
      if (typeof o["shutdown-timeout"] === "string") op["shutdown_timeout"] = Number(o["shutdown-timeout"]);
      if (typeof o["iallocator"] === "string") op["iallocator"] = o["iallocator"];
      await runOpcode(o, op);
      return 0;
    },
  },
  migrate: {
    summary: "Migrates an instance to a new node without stopping it",
    usage: "[-f] [--non-live|--migration-mode=MODE] [--allow-failover] [--cleanup] [-n NODE|-I ALLOC] <instance>", args: [1, 1],
    options: {
      "non-live": { type: "boolean", help: "Do a non-live migration (this usually means freeze the instance, save the state, transfer and only then resume running on the secondary node)" },
      "migration-mode": { type: "string", help: "Override the hypervisor's migration_mode: live or non-live", metavar: "MODE" },
      "no-runtime-changes": { type: "boolean", help: "Don't allow runtime changes of the instance (e.g. its memory) during the migration" },
      "target-node": { type: "string", short: "n", help: "Target node (shared storage templates)", metavar: "NODE" },
      "allow-failover": { type: "boolean", help: "Fall back to failover if the instance can't be migrated" },
      cleanup: { type: "boolean", help: "Clean up after a failed migration: find where the instance runs and fix the configuration" },
      iallocator: { type: "string", short: "I", help: "Instance allocator choosing the target ('.' for the default)" },
      "ignore-ipolicy": COMMON["ignore-ipolicy"], force: COMMON.force, submit: COMMON.submit, priority: COMMON.priority,
    },
    async run(o, [name]) {
      if (o["force"] !== true && !(await confirm(`Instance ${name ?? ""} will be migrated. Note that migration might\nimpact the instance if ` +
        "anything goes wrong (e.g. due to bugs in the hypervisor). Continue?"))) return 1;
      const op: Record<string, unknown> = { OP_ID: "OP_INSTANCE_MIGRATE", instance_name: name, allow_failover: o["allow-failover"] === true,
        ignore_ipolicy: o["ignore-ipolicy"] === true };
      if (o["non-live"] === true && typeof o["migration-mode"] === "string") {
        throw new OpPrereqError("Only one of the --non-live and --migration-mode options can be passed", ErrorCode.inval);
      }
      if (o["non-live"] === true) op["mode"] = "non-live";
      else if (typeof o["migration-mode"] === "string") op["mode"] = o["migration-mode"];
      if (o["no-runtime-changes"] === true) op["allow_runtime_changes"] = false;
      if (typeof o["target-node"] === "string") op["target_node"] = o["target-node"];
      if (typeof o["iallocator"] === "string") op["iallocator"] = o["iallocator"];
      if (o["cleanup"] === true) op["cleanup"] = true;
      await runOpcode(o, op);
      return 0;
    },
  },
  console: {
    summary: "Connects to the console of an instance", usage: "[--show-cmd] <instance>", args: [1, 1],
    options: { "show-cmd": { type: "boolean", help: "Only show the command to connect" } },
    async run(_o, [name]) {
      return withMaster(async (c) => {
        const r = (await c.call(LuxiMethod.query, ["instance", ["name", "oper_state", "hypervisor"], filterForNames([name ?? ""])])) as QueryResponse;
        const row = r.data[0];
        if (row === undefined) throw new OpPrereqError(`Instance '${name ?? ""}' does not exist`, ErrorCode.noent);
        if (row[1]?.[1] !== true) throw new OpExecError(`Instance ${name ?? ""} is not running, can't get console`);
        const cons = instanceConsole(String(row[2]?.[1]));
        out(cons.message);
        return 0;
      });
    },
  },
  list: listCommand("instance", INSTANCE_LIST_DEFAULT, "Lists the instances and their status"),
  "list-fields": listFieldsCommand("instance"),
  info: {
    summary: "Show information on the specified instance(s)", usage: "[-s] {--all | <instance>...}", args: [0, null],
    options: {
      static: { type: "boolean", short: "s", help: "Only show configuration data, not runtime data" },
      all: { type: "boolean", help: "Show info on all instances on the cluster. This can take a long time to run, use wisely" },
      submit: COMMON.submit, priority: COMMON.priority,
    },
    async run(o, args) {
      if (args.length === 0 && o["all"] !== true) {
        err("No instance selected. Please pass in --all if you want to query all instances.\nNote that this can take a long time on a big cluster.");
        return 1;
      }
      if (args.length > 0 && o["all"] === true) {
        err("Cannot use --all if you specify instance names.");
        return 1;
      }
      const isStatic = o["static"] === true;
      const result = (await runOpcode(o, { OP_ID: "OP_INSTANCE_QUERY_DATA", instances: args, static: isStatic, use_locking: !isStatic })) as
        Record<string, InstanceData> | null;
      if (result === null) return 0; // --submit
      const insts = Object.values(result);
      if (insts.length === 0) {
        out("No instances.");
        return 1;
      }
      out(formatGenericInfo(insts.map(instanceInfo)));
      return 0;
    },
  },
  ...diskCommands,
  ...batchCommands,
  ...tagCommands("instance", true),
};
/** One --net/--disk change as Ganeti's modify takes it: [action, index, parameters]. */
function parseModification(spec: string, what: "net" | "disk"): [string, number, Record<string, unknown>] {
  const [ident, raw] = parseIdentKeyVal(spec, what);
  const params = { ...raw };
  // Ganeti's ParseUnit of the text as given (its UnitParseError is not caught there either).
  if (what === "disk" && params["size"] !== undefined && params["size"] !== true) params["size"] = parseUnit(String(params["size"]));
  if (ident === "add" || ident === "remove") return [ident, -1, ident === "remove" ? {} : params];
  const idx = Number(ident);
  if (!Number.isInteger(idx)) throw new OpPrereqError(`Invalid ${what} modification '${spec}'`, ErrorCode.inval);
  for (const act of ["add", "remove", "modify"] as const) {
    if (params[act] === true) {
      delete params[act];
      return [act, idx, act === "remove" ? {} : params];
    }
  }
  return ["modify", idx, params];
}

// Ganeti's aliases.
export const commands: CommandTable = { ...base, start: base["startup"] as CommandTable[string], stop: base["shutdown"] as CommandTable[string] };

export function run(): void {
  main("gnt-instance", commands);
}
