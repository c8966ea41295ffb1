// gnt-cluster epo: Ganeti's emergency power-off of nodes (by name, by --groups, or --all),
// with Ganeti's options and messages. Off: the nodes' instances are shut down without
// changing their configured state (no_remember), then the nodes are powered off through
// their out-of-band program. --on: the nodes are powered on, and each instance starts
// again once every node it lives on answers. Two deliberate differences from Ganeti 3.0:
// --on powers the nodes on (Ganeti's code sends power-off there), and it starts only the
// instances configured to run (Ganeti starts every instance of the nodes, so one an
// administrator had stopped would come up too); the master is never powered off (the
// out-of-band LU refuses it), it is named instead.
import { LuxiMethod } from "../luxi/protocol.js";
import type { LuxiClient } from "../luxi/client.js";
import { out, err, COMMON, type CommandTable, type Options } from "./framework.js";
import { withMaster, pollJob, commonOpFields } from "./jobs.js";
import { queryRows } from "./list.js";
import { confirm } from "./prompt.js";
import { formatError } from "../errors.js";
import { tcpPing } from "../util/net.js";
import { DEFAULT_NODED_PORT } from "../constants.js";

interface NodeRow { name: string; ip: string; master: boolean; insts: string[]; powered: boolean | null; offline: boolean }

/** Ganeti's _EPO_REACHABLE_TIMEOUT; the interval between ping rounds is shorter than Ganeti's 30 s. */
const REACHABLE_TIMEOUT_MS = 15 * 60_000;
const PING_INTERVAL_MS = 2_000;

/** Ganeti's JobExecutor: one job per item, "Submitted jobs", then each waited for; how many failed. */
async function runJobs(c: LuxiClient, o: Options, jobs: Array<[string, Record<string, unknown>]>): Promise<number> {
  const ids: number[] = [];
  for (const [, op] of jobs) ids.push((await c.call(LuxiMethod.submitJob, [[{ ...commonOpFields(o), ...op }]])) as number);
  if (ids.length > 0) out(`Submitted jobs ${ids.join(", ")}`);
  let bad = 0;
  for (const [k, id] of ids.entries()) {
    const name = jobs[k]?.[0] ?? "";
    out(`Waiting for job ${id} for ${name} ...`);
    try {
      await pollJob(c, id);
    } catch (e) {
      bad++;
      err(`Job ${id} for ${name} has failed: ${formatError(e).text.trim()}`);
    }
  }
  return bad;
}

/** Ganeti's _InstanceStart: startup or shutdown (without remembering) of each instance. */
async function instancesStartStop(c: LuxiClient, o: Options, insts: readonly string[], start: boolean): Promise<boolean> {
  const [submit, success, failed] = start ? ["startup", "started", "starting"] : ["shutdown", "stopped", "stopping"];
  const jobs: Array<[string, Record<string, unknown>]> = insts.map((i) => {
    out(`Submit ${submit} of instance ${i}`);
    return [i, start ? { OP_ID: "OP_INSTANCE_STARTUP", instance_name: i }
      : { OP_ID: "OP_INSTANCE_SHUTDOWN", instance_name: i, timeout: Number(o["shutdown-timeout"] ?? 120), no_remember: true }];
  });
  const bad = await runJobs(c, o, jobs);
  if (bad === 0) {
    out(`All instances have been ${success} successfully`);
    return true;
  }
  err(`There were errors while ${failed} instances:\n${bad} error(s) out of ${insts.length} instance(s)`);
  return false;
}

/** Ganeti's _OobPower: one out-of-band job for the nodes, each node's result checked. */
async function oobPower(c: LuxiClient, o: Options, nodes: readonly string[], on: boolean): Promise<boolean> {
  const op = { OP_ID: "OP_OOB_COMMAND", node_names: [...nodes], command: on ? "power-on" : "power-off", ignore_status: true,
    timeout: Number(o["oob-timeout"] ?? 60), power_delay: Number(o["power-delay"] ?? 2) };
  const id = (await c.call(LuxiMethod.submitJob, [[{ ...commonOpFields(o), ...op }]])) as number;
  const [result] = (await pollJob(c, id)) as [Array<[[number, string], [number, unknown]]>];
  let ok = true;
  for (const [[, node], [status]] of result ?? []) {
    if (status !== 0) {
      err(`There was a problem changing power for ${node}, please investigate`);
      ok = false;
    }
  }
  return ok;
}

export const epoCommand: CommandTable = {
  epo: {
    summary: "Performs an emergency power-off on given args",
    usage: "[--on] [--groups] [--all] [-f] [<node_name>...|<group_name>...]",
    args: [0, Infinity],
    options: {
      groups: { type: "boolean", help: "Arguments are node groups instead of nodes" },
      all: { type: "boolean", help: "Show all/operate on all nodes" },
      on: { type: "boolean", help: "Power on instead of off" },
      force: COMMON.force,
      "shutdown-timeout": { type: "string", help: "Maximum time to wait for instance shutdown", metavar: "SECONDS", check: "int" },
      "oob-timeout": { type: "string", help: "Maximum time to wait for out-of-band helper", metavar: "SECONDS", check: "int" },
      "power-delay": { type: "string", help: "Time in seconds to wait between power-ons", metavar: "SECONDS" },
      priority: COMMON.priority,
    },
    async run(o, args) {
      if (o["groups"] === true && o["all"] === true) {
        err("Only one of --groups or --all are allowed");
        return 1;
      }
      if (args.length > 0 && o["all"] === true) {
        err("Arguments in combination with --all are not allowed");
        return 1;
      }
      return withMaster(async (c) => {
        let names: readonly string[] = args;
        if (o["groups"] === true) names = (await queryRows(c, "group", ["node_list"], args)).flatMap((r) => (r[0] as string[] | null) ?? []);
        const nodes: NodeRow[] = (await queryRows(c, "node", ["name", "pip", "master", "pinst_list", "sinst_list", "powered", "offline"], names))
          .map((r) => ({ name: String(r[0]), ip: String(r[1]), master: r[2] === true, insts: [...((r[3] as string[] | null) ?? []), ...((r[4] as string[] | null) ?? [])],
            powered: typeof r[5] === "boolean" ? r[5] : null, offline: r[6] === true }));
        // Instance → the (non-master) nodes it lives on among those handled (Ganeti's inst_map).
        const instMap = new Map<string, Set<string>>();
        const powerList: string[] = [];
        const on = o["on"] === true;
        for (const n of nodes) {
          if (!n.offline) {
            for (const i of n.insts) {
              const set = instMap.get(i) ?? new Set<string>();
              if (!n.master) set.add(n.name);
              instMap.set(i, set);
            }
          }
          if (n.master && on) continue; // already running: the command runs there
          if (n.master && o["all"] !== true) {
            err(`${n.name} is the master node, please do a master-failover to another node not affected by the EPO or use --all if you intend to shutdown the whole cluster`);
            return 1;
          }
          if (n.powered === null) out(`Node ${n.name} does not support out-of-band handling, it can not be handled in a fully automated manner`);
          else if (n.powered === on) out(`Node ${n.name} is already in desired power state, skipping`);
          else if (n.master) out(`Node ${n.name} is the master node: it is not powered off, do so by hand once the rest is done`);
          else if (!n.offline || n.powered) powerList.push(n.name);
        }
        if (o["force"] !== true && !(await confirm(`The epo will operate on ${nodes.length} nodes.\nDo you want to continue?\n` +
          `Affected nodes:\n${nodes.map((n) => `  ${n.name}`).join("\n")}`))) return 1;
        if (!on) {
          if (!(await instancesStartStop(c, o, [...instMap.keys()], false))) {
            err("Please investigate and stop instances manually before continuing");
            return 1;
          }
          if (powerList.length === 0) return 0;
          return (await oobPower(c, o, powerList, false)) ? 0 : 1;
        }
        if (powerList.length > 0 && !(await oobPower(c, o, powerList, true))) {
          err("Not all nodes seem to get back up, investigate and start manually if needed");
        }
        // Only what is configured to run comes back (see the file comment).
        const up = new Set((await queryRows(c, "instance", ["name", "admin_state"], [...instMap.keys()])).filter((r) => r[1] === "up").map((r) => String(r[0])));
        for (const i of [...instMap.keys()]) if (!up.has(i)) instMap.delete(i);
        out("Waiting until all nodes are available again");
        const ips = new Map(nodes.filter((n) => !n.master).map((n) => [n.name, n.ip]));
        const down = new Set(ips.keys());
        const online = new Set<string>();
        let ok = true;
        const deadline = Date.now() + REACHABLE_TIMEOUT_MS;
        for (;;) {
          const ready = [...instMap.entries()].filter(([, ns]) => [...ns].every((n) => online.has(n))).map(([i]) => i);
          for (const i of ready) instMap.delete(i);
          if (ready.length > 0 && !(await instancesStartStop(c, o, ready, true))) ok = false;
          if (down.size === 0) break;
          if (Date.now() > deadline) {
            err(`Time exceeded while waiting for nodes to become reachable again:\n  - ${[...down].join("  - ")}`);
            err("Please investigate and start stopped instances manually");
            return 1;
          }
          const start = Date.now();
          for (const n of [...down]) {
            if ((await tcpPing(ips.get(n) ?? "", DEFAULT_NODED_PORT, 1000)) === null) {
              out(`Node ${n} became available`);
              down.delete(n);
              online.add(n);
            }
          }
          if (online.size === 0 || down.size > 0) await new Promise((r) => setTimeout(r, Math.max(0, start + PING_INTERVAL_MS - Date.now())));
        }
        if (!ok) err("Please investigate and start stopped instances manually");
        return ok ? 0 : 1;
      });
    },
  },
};
