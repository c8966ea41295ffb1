// gnt-network: IP networks (address pools) and their connections to node groups, with
// Ganeti's syntax and output.
import { main, out, err, COMMON, parseKeyVal, type CommandTable, type Options } from "./framework.js";
import { runOpcode, withMaster } from "./jobs.js";
import { listCommand, listFieldsCommand, filterForNames, type QueryResponse } from "./list.js";
import { tagCommands } from "./tags.js";
import { LuxiMethod } from "../luxi/protocol.js";
import { OpPrereqError, ErrorCode } from "../errors.js";
import { NICC_DEFAULTS } from "../objects/param-defaults.js";

const NETWORK_LIST_DEFAULT = ["name", "network", "gateway", "mac_prefix", "group_list", "tags"];

/** Ganeti's _HandleReservedIPs: a comma-separated list (backslash escapes a comma). */
function reservedIps(v: unknown): string[] | undefined {
  if (typeof v !== "string") return undefined;
  if (v === "") return [];
  return v.split(/(?<!\\),/).map((x) => x.replaceAll("\\,", ","));
}

const addrOptions = {
  gateway: { type: "string", help: "IP address of the router (gateway)" },
  "mac-prefix": { type: "string", short: "m", help: "Specify the mac prefix for the instance IP addresses, in the format XX:XX:XX", metavar: "PREFIX" },
  network6: { type: "string", help: "IP network in CIDR notation" },
  gateway6: { type: "string", help: "IP6 address of the router (gateway)" },
  "add-reserved-ips": { type: "string", help: "Comma-separated list of reserved IPs to add" },
} as const;

function setStr(op: Record<string, unknown>, o: Options, opt: string, key: string): void {
  if (typeof o[opt] === "string") op[key] = o[opt];
}

/** The groups to act on: those given, else every group of the cluster (Ganeti's _GetDefaultGroups). */
async function groupsOrAll(groups: string[]): Promise<string[]> {
  if (groups.length > 0) return groups;
  return withMaster(async (c) => {
    const r = (await c.call(LuxiMethod.query, ["group", ["uuid"], null])) as QueryResponse;
    return r.data.map((row) => String(row[0]?.[1]));
  });
}

/** Python's textwrap.wrap for text of words separated by single spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let cur = "";
  for (const w of text.split(" ")) {
    if (cur === "") cur = w;
    else if (cur.length + 1 + w.length <= width) cur += ` ${w}`;
    else {
      lines.push(cur);
      cur = w;
    }
  }
  if (cur !== "") lines.push(cur);
  return lines;
}

const INFO_FIELDS = ["name", "network", "gateway", "network6", "gateway6", "mac_prefix", "free_count", "reserved_count", "map",
  "group_list", "inst_list", "external_reservations", "serial_no", "uuid"];

/** Ganeti's ShowNetworkConfig. */
async function showInfo(names: string[]): Promise<number> {
  return withMaster(async (c) => {
    const r = (await c.call(LuxiMethod.query, ["network", INFO_FIELDS, filterForNames(names)])) as QueryResponse;
    const found = new Set(r.data.map((row) => row[0]?.[1]));
    const missing = names.find((n) => !found.has(n));
    if (missing !== undefined) throw new OpPrereqError(`Network name ${missing} not found`, ErrorCode.noent);
    for (const row of r.data) {
      const v = row.map((cell) => (cell[0] === 0 ? cell[1] : null));
      const [name, network, gateway, network6, gateway6, mac, free, reserved, map, groups, insts, extRes, serial, uuid] = v as
        [string, string, string | null, string | null, string | null, string | null, number, number, string,
          Array<[string, string, string, string]>, string[], string, number, string];
      const size = free + reserved;
      const none = (x: string | null): string => x ?? "None";
      const lines = [`Network name: ${name}`, `UUID: ${uuid}`, `Serial number: ${serial}`, `  Subnet: ${network}`, `  Gateway: ${none(gateway)}`,
        `  IPv6 Subnet: ${none(network6)}`, `  IPv6 Gateway: ${none(gateway6)}`, `  Mac Prefix: ${none(mac)}`, `  Size: ${size}`,
        `  Free: ${free} (${((100 * free) / size).toFixed(2)}%)`, "  Usage map:"];
      for (let idx = 0; idx < map.length; idx += 64) {
        lines.push(`     ${String(idx).padStart(4)} ${map.slice(idx, idx + 64).padEnd(64)} ${idx + 63}`);
      }
      lines.push("         (X) used    (.) free");
      if (extRes !== "") lines.push("  externally reserved IPs:", ...wrap(extRes, 64).map((l) => `    ${l}`));
      if (groups.length > 0) {
        lines.push("  connected to node groups:", ...groups.map(([g, mode, link, vlan]) => `    ${g} (mode:${mode} link:${link} vlan:${vlan})`));
      } else {
        lines.push("  not connected to any node group");
      }
      if (insts.length > 0) {
        lines.push(`  used by ${insts.length} instances:`);
        const ir = (await c.call(LuxiMethod.query, ["instance", ["name", "nic.ips", "nic.networks"], filterForNames(insts)])) as QueryResponse;
        for (const inst of insts) {
          const irow = ir.data.find((x) => x[0]?.[1] === inst);
          const ips = (irow?.[1]?.[1] ?? []) as Array<string | null>;
          const nets = (irow?.[2]?.[1] ?? []) as Array<string | null>;
          lines.push(`    ${inst}: ${ips.flatMap((ip, i) => (nets[i] === uuid ? [`${i}:${String(ip)}`] : [])).join(", ")}`);
        }
      } else {
        lines.push("  not used by any instances");
      }
      out(lines.join("\n"));
    }
    return 0;
  });
}

export const commands: CommandTable = {
  add: {
    summary: "Add a new IP network to the cluster", usage: "<network-name>", args: [1, 1],
    options: { network: { type: "string", help: "IP network in CIDR notation" }, ...addrOptions,
      "no-conflicts-check": { type: "boolean", help: "Don't check for conflicting IPs" },
      tags: { type: "string", help: "Comma-separated list of instance tags" },
      "dry-run": COMMON["dry-run"], submit: COMMON.submit, priority: COMMON.priority },
    async run(o, [name]) {
      if (typeof o["network"] !== "string") throw new OpPrereqError("The --network option must be given", ErrorCode.inval);
      const op: Record<string, unknown> = { OP_ID: "OP_NETWORK_ADD", network_name: name, network: o["network"],
        conflicts_check: o["no-conflicts-check"] !== true, tags: typeof o["tags"] === "string" ? o["tags"].split(",") : [] };
      setStr(op, o, "gateway", "gateway");
      setStr(op, o, "mac-prefix", "mac_prefix");
      setStr(op, o, "network6", "network6");
      setStr(op, o, "gateway6", "gateway6");
      const ips = reservedIps(o["add-reserved-ips"]);
      if (ips !== undefined) op["add_reserved_ips"] = ips;
      if (o["dry-run"] === true) op["dry_run"] = true;
      await runOpcode(o, op);
      return 0;
    },
  },
  list: listCommand("network", NETWORK_LIST_DEFAULT, "Lists the IP networks in the cluster. The available fields can be shown using the " +
    `"list-fields" command (see the man page for details). The default list is (in order): ${NETWORK_LIST_DEFAULT.join(", ")}.`),
  "list-fields": listFieldsCommand("network"),
  info: {
    summary: "Show information about the network(s)", usage: "[<network>...]", args: [0, null], options: {},
    run: (_o, names) => showInfo(names),
  },
  modify: {
    summary: "Alters the parameters of a network", usage: "<network>", args: [1, 1],
    options: { ...addrOptions, "remove-reserved-ips": { type: "string", help: "Comma-delimited list of reserved IPs to remove" },
      "dry-run": COMMON["dry-run"], submit: COMMON.submit, priority: COMMON.priority },
    async run(o, [name]) {
      const op: Record<string, unknown> = { OP_ID: "OP_NETWORK_SET_PARAMS", network_name: name };
      setStr(op, o, "gateway", "gateway");
      setStr(op, o, "mac-prefix", "mac_prefix");
      setStr(op, o, "network6", "network6");
      setStr(op, o, "gateway6", "gateway6");
      const add = reservedIps(o["add-reserved-ips"]);
      const rm = reservedIps(o["remove-reserved-ips"]);
      if (add !== undefined) op["add_reserved_ips"] = add;
      if (rm !== undefined) op["remove_reserved_ips"] = rm;
      if (Object.keys(op).length === 2) {
        err("Please give at least one of the parameters.");
        return 1;
      }
      if (o["dry-run"] === true) op["dry_run"] = true;
      await runOpcode(o, op);
      return 0;
    },
  },
  connect: {
    summary: "Map a given network to the specified node group with given mode and link (netparams)", usage: "<network> [<group>...]",
    args: [1, null],
    options: { "nic-parameters": { type: "string", short: "N", help: "NIC parameters" },
      "no-conflicts-check": { type: "boolean", help: "Don't check for conflicting IPs" }, priority: COMMON.priority },
    async run(o, [network, ...groups]) {
      const p = { ...NICC_DEFAULTS, ...(typeof o["nic-parameters"] === "string" ? parseKeyVal(o["nic-parameters"], "nic") : {}) };
      for (const g of await groupsOrAll(groups)) {
        await runOpcode(o, { OP_ID: "OP_NETWORK_CONNECT", group_name: g, network_name: network, network_mode: p["mode"],
          network_link: p["link"], network_vlan: p["vlan"], conflicts_check: o["no-conflicts-check"] !== true });
      }
      return 0;
    },
  },
  disconnect: {
    summary: "Unmap a given network from a specified node group", usage: "<network> [<group>...]", args: [1, null],
    options: { priority: COMMON.priority },
    async run(o, [network, ...groups]) {
      for (const g of await groupsOrAll(groups)) await runOpcode(o, { OP_ID: "OP_NETWORK_DISCONNECT", group_name: g, network_name: network });
      return 0;
    },
  },
  remove: {
    summary: "Remove an (empty) network from the cluster", usage: "[--dry-run] <network>", args: [1, 1],
    options: { force: COMMON.force, "dry-run": COMMON["dry-run"], submit: COMMON.submit, priority: COMMON.priority },
    async run(o, [name]) {
      await runOpcode(o, { OP_ID: "OP_NETWORK_REMOVE", network_name: name, force: o["force"] === true, ...(o["dry-run"] === true ? { dry_run: true } : {}) });
      return 0;
    },
  },
  rename: {
    summary: "Rename a network", usage: "[--dry-run] <old-name> <new-name>", args: [2, 2],
    options: { "dry-run": COMMON["dry-run"], submit: COMMON.submit, priority: COMMON.priority },
    async run(o, [name, newName]) {
      await runOpcode(o, { OP_ID: "OP_NETWORK_RENAME", network_name: name, new_name: newName, ...(o["dry-run"] === true ? { dry_run: true } : {}) });
      return 0;
    },
  },
  ...tagCommands("network", true),
};

export function run(): void {
  main("gnt-network", commands);
}
