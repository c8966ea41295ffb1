// ganeti-watcher: the cluster's periodic caretaker, run from cron on every node (Ganeti's
// lib/watcher). On any node it starts a node daemon that is not running; on the master it
// also starts a missing master daemon, archives old jobs, restarts instances that should
// run but do not (ERROR_down), re-activates the disks of instances whose secondary node
// rebooted, and runs verify-disks, activating what should be active. `gnt-cluster watcher
// pause` stops it doing any of this until the pause ends.
import { parseArgs } from "node:util";
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { ganetiPaths, type GanetiPaths } from "../util/paths.js";
import { atomicWrite } from "../util/fs.js";
import { daemonPid, startDaemonAndWait } from "../util/daemon.js";
import { readSsconf } from "../util/ssconf.js";
import { myHostname } from "../util/identity.js";
import { LuxiClient } from "../luxi/client.js";
import { LuxiMethod } from "../luxi/protocol.js";
import { pollJob } from "../cli/jobs.js";
import { parseTimespec } from "../cli/units.js";
import { formatError } from "../errors.js";
import { maintainNode } from "./node-maintenance.js";
import { instanceStatusText, parseState, planDiskActivation, planRestarts, type InstanceRow, type LogLevel, type LogLine, type NodeRow } from "./state.js";

/** Ganeti's default --job-age: finished jobs older than six hours are archived. */
const DEFAULT_JOB_AGE = 6 * 3600;

class WatcherLog {
  constructor(private readonly file: string, private readonly debug: boolean) {}
  private lines: string[] = [];
  write(level: LogLevel, msg: string): void {
    const d = new Date();
    const p2 = (n: number): string => String(n).padStart(2, "0");
    const stamp = `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())},` +
      String(d.getMilliseconds()).padStart(3, "0");
    const line = `${stamp}:  pid=${process.pid} ganeti-watcher ${level.toUpperCase()} ${msg}\n`;
    if (this.debug) process.stderr.write(line);
    if (level !== "debug" || this.debug) this.lines.push(line);
  }
  all(lines: readonly LogLine[]): void {
    for (const l of lines) this.write(l.level, l.msg);
  }
  async flush(): Promise<void> {
    if (this.lines.length === 0) return;
    await appendFile(this.file, this.lines.join("")).catch(() => undefined);
    this.lines = [];
  }
}

type Row = ReadonlyArray<readonly [number, unknown]>;
const val = (r: Row, i: number): unknown => r[i]?.[1];

async function query(c: LuxiClient, what: string, fields: string[]): Promise<Row[]> {
  const r = (await c.call(LuxiMethod.query, [what, fields, null])) as { data: Row[] };
  return r.data;
}

/** Submits one job and waits for it; the job log goes to the watcher's debug log. */
async function runJob(c: LuxiClient, log: WatcherLog, ops: Array<Record<string, unknown>>): Promise<unknown[]> {
  const reason = [["gnt:watcher", "", Date.now() * 1_000_000]];
  const id = (await c.call(LuxiMethod.submitJob, [ops.map((o) => ({ priority: 10, reason, ...o }))])) as number;
  return pollJob(c, id, (e) => log.write("debug", `job ${id}: ${typeof e[3] === "string" ? e[3] : JSON.stringify(e[3])}`));
}

/** The master's part of one run, per node group (Ganeti runs a child per group; here they run in turn). */
async function masterRun(paths: GanetiPaths, log: WatcherLog, jobAge: number, verifyDisks: boolean): Promise<void> {
  const c = new LuxiClient(paths.masterSocket);
  await c.connect();
  try {
    const [archived, left] = (await c.call(LuxiMethod.autoArchiveJobs, [jobAge, 60])) as [number, number];
    log.write("debug", `Archived ${archived} jobs, left ${left}`);
    const groups = await query(c, "group", ["uuid", "name"]);
    const nodeRows = await query(c, "node", ["name", "bootid", "offline", "sinst_list", "group.uuid"]);
    const instRows = await query(c, "instance", ["name", "status", "snodes", "disks_active", "pnode.group.uuid"]);
    for (const g of groups) {
      const uuid = String(val(g, 0));
      const insts: InstanceRow[] = instRows.filter((r) => val(r, 4) === uuid).map((r) => ({
        name: String(val(r, 0)), status: String(val(r, 1)), snodes: (val(r, 2) as string[] | null) ?? [], disksActive: val(r, 3) === true,
      }));
      const nodes: NodeRow[] = nodeRows.filter((r) => val(r, 4) === uuid).map((r) => ({
        name: String(val(r, 0)), bootid: typeof val(r, 1) === "string" ? String(val(r, 1)) : null, offline: val(r, 2) === true,
        secondaries: (val(r, 3) as string[] | null) ?? [],
      }));
      await groupRun(paths, c, log, { uuid, name: String(val(g, 1)) }, nodes, insts, verifyDisks);
    }
  } finally {
    c.close();
  }
}

async function groupRun(paths: GanetiPaths, c: LuxiClient, log: WatcherLog, group: { uuid: string; name: string }, nodes: NodeRow[],
  insts: InstanceRow[], verifyDisks: boolean): Promise<void> {
  const stateFile = join(paths.dataDir, `watcher.${group.uuid}.data`);
  const loaded = parseState(await readFile(stateFile, "utf8").catch(() => null));
  log.all(loaded.log);
  const restarts = planRestarts(insts, loaded.state, Date.now() / 1000);
  log.all(restarts.log);
  const started = new Set<string>();
  for (const name of restarts.restart) {
    try {
      await runJob(c, log, [{ OP_ID: "OP_INSTANCE_STARTUP", instance_name: name, force: false }]);
      started.add(name);
    } catch (e) {
      log.write("error", `Error while restarting instance '${name}': ${formatError(e).text.replaceAll("\n", " ")}`);
    }
  }
  const disks = planDiskActivation(nodes, insts, restarts.state, started);
  log.all(disks.log);
  for (const name of disks.activate) {
    try {
      await runJob(c, log, [{ OP_ID: "OP_INSTANCE_ACTIVATE_DISKS", instance_name: name }]);
    } catch (e) {
      log.write("error", `Error while activating disks for instance '${name}': ${formatError(e).text.replaceAll("\n", " ")}`);
    }
  }
  await atomicWrite(stateFile, `${JSON.stringify(disks.state)}\n`);
  await atomicWrite(join(paths.dataDir, `watcher.${group.uuid}.instance-status`), instanceStatusText(insts));
  if (verifyDisks) await verifyGroupDisks(c, log, group.name, nodes, insts);
}

/** Ganeti's _VerifyDisks: verify-disks for the group, then activate-disks for what it found offline. */
async function verifyGroupDisks(c: LuxiClient, log: WatcherLog, group: string, nodes: NodeRow[], insts: InstanceRow[]): Promise<void> {
  const [res] = (await runJob(c, log, [{ OP_ID: "OP_GROUP_VERIFY_DISKS", group_name: group }])) as [[unknown, string[], unknown]];
  const offline = res[1] ?? [];
  if (offline.length === 0) {
    log.write("debug", "Verify-disks reported no offline disks, nothing to do");
    return;
  }
  log.write("debug", `Will activate disks for instance(s) ${offline.join(", ")}`);
  const offlineNodes = new Set(nodes.filter((n) => n.offline).map((n) => n.name));
  const ops: Array<Record<string, unknown>> = [];
  for (const name of offline) {
    const i = insts.find((x) => x.name === name);
    if (i === undefined) {
      log.write("info", `Can't find instance '${name}', maybe it was ignored`);
    } else if (i.status === "ERROR_nodedown" || i.status === "ERROR_nodeoffline" || i.snodes.some((s) => offlineNodes.has(s))) {
      log.write("info", `Skipping instance '${name}' because it is in a helpless state or has offline secondaries`);
    } else {
      ops.push({ OP_ID: "OP_INSTANCE_ACTIVATE_DISKS", instance_name: name });
    }
  }
  if (ops.length === 0) return;
  try {
    await runJob(c, log, ops);
  } catch (e) {
    log.write("error", `Error while activating disks: ${formatError(e).text.replaceAll("\n", " ")}`);
  }
}

export async function run(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      debug: { type: "boolean", short: "d", default: false },
      "job-age": { type: "string", short: "A" },
      "ignore-pause": { type: "boolean", default: false },
      "no-verify-disks": { type: "boolean", default: false },
      "wait-children": { type: "boolean", default: false },
      "no-wait-children": { type: "boolean", default: false },
    },
  });
  const paths = ganetiPaths();
  await mkdir(paths.logDir, { recursive: true });
  const log = new WatcherLog(join(paths.logDir, "watcher.log"), values.debug === true);
  try {
    const jobAge = typeof values["job-age"] === "string" ? parseTimespec(values["job-age"]) : DEFAULT_JOB_AGE;
    const pause = Number((await readFile(paths.watcherPauseFile, "utf8").catch(() => "")).trim());
    if (values["ignore-pause"] !== true && Number.isFinite(pause) && pause > Date.now() / 1000) {
      log.write("debug", "Pause has been set, exiting");
      return;
    }
    const master = await readSsconf(paths, "master_node");
    if (master === null) {
      log.write("debug", "Not part of a cluster, exiting");
      return;
    }
    // Every node: its node daemon must run (Ganeti's EnsureDaemon).
    if ((await daemonPid(paths, "ganeti-noded")) === null) {
      log.write("info", "Node daemon not running, starting it");
      if (!(await startDaemonAndWait(paths, "ganeti-noded"))) log.write("error", "Can't start the node daemon");
    }
    // And the monitoring daemon (Ganeti's watcher: EnsureDaemon(MOND)).
    if ((await daemonPid(paths, "ganeti-mond")) === null) {
      log.write("info", "Monitoring daemon not running, starting it");
      if (!(await startDaemonAndWait(paths, "ganeti-mond"))) log.write("error", "Can't start the monitoring daemon (see mond.stdout)");
    }
    // And the command-line daemon: without it the gnt-* programs work, only slower to start.
    if ((await daemonPid(paths, "ganeti-clid")) === null) {
      log.write("info", "Command-line daemon not running, starting it");
      if (!(await startDaemonAndWait(paths, "ganeti-clid"))) log.write("error", "Can't start the command-line daemon (see clid.stdout)");
    }
    // Every node: Ganeti's node auto-maintenance (maintain_node_health).
    await maintainNode(paths, (level, msg) => log.write(level, msg));
    const me = await myHostname(paths);
    if (master !== me) {
      log.write("debug", `Not on master, exiting (master is ${master})`);
      return;
    }
    if ((await daemonPid(paths, "ganeti-masterd")) === null) {
      log.write("info", "Master daemon not running, starting it");
      if (!(await startDaemonAndWait(paths, "ganeti-masterd"))) {
        log.write("error", "Can't start the master daemon (is this node still the master? see masterd.stdout)");
        process.exitCode = 1;
        return;
      }
    }
    // Ganeti's watcher: EnsureDaemon(RAPI) on the master
    if ((await daemonPid(paths, "ganeti-rapi")) === null) {
      log.write("info", "RAPI daemon not running, starting it");
      if (!(await startDaemonAndWait(paths, "ganeti-rapi"))) log.write("error", "Can't start the RAPI daemon (see rapi.stdout)");
    }
    await masterRun(paths, log, jobAge, values["no-verify-disks"] !== true);
  } catch (e) {
    log.write("error", `Unhandled error: ${formatError(e).text.replaceAll("\n", " ")}`);
    process.exitCode = 1;
  } finally {
    await log.flush();
  }
}
