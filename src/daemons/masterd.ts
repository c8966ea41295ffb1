// ganeti-masterd: the master daemon. Refuses to run unless this node is the master and
// a majority of nodes agree; then serves luxi on the master socket, runs the job queue
// (replicated to master candidates), the lock manager and the logical units.
import { parseArgs } from "node:util";
import { writeFile, unlink, mkdir } from "node:fs/promises";
import type { Server } from "node:net";
import { ganetiPaths, type GanetiPaths } from "../util/paths.js";
import { daemonLogger } from "../util/log.js";
import { readSsconf, ssconfLines, ssconfPairs } from "../util/ssconf.js";
import { atomicWrite } from "../util/fs.js";
import { requireMasterNode } from "./master-check.js";
import { RpcClient } from "../rpc/client.js";
import { ConfigStore, nodeTarget } from "../config/store.js";
import { LockManager } from "../locking/lock-manager.js";
import { JobQueue } from "../jobs/queue.js";
import { processOpcode } from "../cmdlib/processor.js";
import { LU_REGISTRY } from "../cmdlib/registry.js";
import { validateOpcode } from "../opcodes/registry.js";
import { startLuxiServer } from "../luxi/server.js";
import { luxiHandlers } from "./master-luxi.js";
import { gatherMasterVotes, majorityMaster } from "./voting.js";
import { formatError, GenericError } from "../errors.js";
import type { OpInput } from "../jobs/job.js";

async function checkAgreement(paths: GanetiPaths, rpc: RpcClient, me: string): Promise<void> {
  const ips = ssconfPairs(await readSsconf(paths, "node_primary_ips"));
  const offline = new Set(ssconfLines(await readSsconf(paths, "offline_nodes")));
  const nodes = [...ips].filter(([n]) => !offline.has(n)).map(([name, ip]) => ({ name, ip }));
  if (nodes.length <= 1) return;
  const votes = await gatherMasterVotes(rpc, nodes, { name: me, vote: me });
  const winner = majorityMaster(votes);
  if (winner === me) return;
  if (winner !== null) {
    // This node was master before a failover it missed: learn who the master is now, so
    // its CLI points administrators there, and do not start.
    await atomicWrite(paths.ssconf("master_node"), `${winner}\n`);
    throw new GenericError(`I am not the master according to the majority of nodes; the master is ${winner}`);
  }
  throw new GenericError("Not enough votes to confirm that this node is the master " +
    `(${votes.tally.map(([n, c]) => `${n ?? "no answer"}: ${c}`).join(", ")}); use --no-voting --yes-do-it to force`);
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      "no-voting": { type: "boolean" },
      "yes-do-it": { type: "boolean" },
      debug: { type: "boolean", short: "d" },
      foreground: { type: "boolean", short: "f" },
    },
  });
  const paths = ganetiPaths();
  const log = daemonLogger(paths, "ganeti-masterd", values.debug === true);
  const { me, cert } = await requireMasterNode(paths);
  const rpc = new RpcClient({ cert, connectTimeout: 5 });
  if (values["no-voting"] === true) {
    if (values["yes-do-it"] !== true) throw new GenericError("--no-voting requires --yes-do-it");
  } else {
    await checkAgreement(paths, rpc, me);
  }
  const config = await ConfigStore.open(paths, rpc);
  if (config.masterNode().name !== me) throw new GenericError("The configuration names another master node, exiting");

  const locks = new LockManager();
  let shutdownReason: string | null = null;
  const queue: JobQueue = new JobQueue({
    dir: paths.queueDir,
    validate: (op) => validateOpcode(op) as OpInput,
    replicate: async (files, renames) => {
      const cfg = config.get();
      const targets = Object.values(cfg.nodes)
        .filter((n) => n.master_candidate && !n.offline && n.uuid !== cfg.cluster.master_node).map(nodeTarget);
      if (targets.length === 0) return;
      const calls: Array<Promise<unknown>> = [];
      if (files.length > 0) calls.push(rpc.callMany(targets, "jobqueue_update", { files: files.map(([n, c]) => [n, c] as [string, string]) }));
      if (renames.length > 0) calls.push(rpc.callMany(targets, "jobqueue_rename", { renames: renames.map(([a, b]) => [a, b] as [string, string]) }));
      for (const res of (await Promise.all(calls)) as Array<Map<string, { ok: boolean; failMsg: string | null; node: string }>>) {
        for (const r of res.values()) if (!r.ok) log.warn({ node: r.node, err: r.failMsg }, "job queue replication failed");
      }
    },
    execute: (op, run) => processOpcode({
      locks,
      registry: LU_REGISTRY,
      env: (r) => ({
        config, rpc, paths, jobId: r.jobId, masterName: me,
        feedback: (m) => r.feedback(m),
        daemon: { requestShutdown: (why) => { shutdownReason = why; } },
      }),
    }, op, run),
    onError: (e) => log.error({ err: (e as Error).message }, "job runner error"),
  });
  // A node that becomes master candidate gets the whole queue; one that stops being one
  // drops its copy (Ganeti's jobqueue AddNode/RemoveNode).
  config.onChange(async (prev, next) => {
    const isMc = (c: typeof next, uuid: string): boolean => {
      const n = c.nodes[uuid];
      return n !== undefined && n.master_candidate && !n.offline && uuid !== c.cluster.master_node;
    };
    const added = Object.values(next.nodes).filter((n) => isMc(next, n.uuid) && !isMc(prev, n.uuid));
    const dropped = Object.values(prev.nodes).filter((n) => isMc(prev, n.uuid) && next.nodes[n.uuid] !== undefined &&
      !next.nodes[n.uuid]?.offline && !isMc(next, n.uuid));
    if (added.length > 0) {
      const files = await queue.snapshotFiles();
      const res = await rpc.callMany(added.map(nodeTarget), "jobqueue_update", { files });
      for (const r of res.values()) if (!r.ok) log.warn({ node: r.node, err: r.failMsg }, "job queue copy to new candidate failed");
    }
    if (dropped.length > 0) await rpc.callMany(dropped.map(nodeTarget), "jobqueue_purge", {});
  });
  await mkdir(paths.queueDir, { recursive: true });
  const recovered = await queue.load();
  if (recovered.failed.length + recovered.restarted.length > 0) log.info(recovered, "job queue recovered");

  const master = config.masterNode();
  const ipRes = await rpc.call(nodeTarget(master), "node_activate_master_ip", {
    ip: config.get().cluster.master_ip, netmask: Number(config.get().cluster.master_netmask), netdev: config.get().cluster.master_netdev,
  });
  if (!ipRes.ok) log.warn({ err: ipRes.failMsg }, "could not activate the master IP");

  const luxi: Server = await startLuxiServer(paths.masterSocket, luxiHandlers({ paths, config, queue, rpc, locks }),
    (e) => log.error({ err: (e as Error).message }, "luxi error"));
  await writeFile(paths.pidFile("ganeti-masterd"), `${process.pid}\n`);
  log.info("ganeti-masterd started");

  let stopping = false;
  const stop = async (why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ why }, "ganeti-masterd stopping");
    luxi.close();
    await queue.close();
    await unlink(paths.pidFile("ganeti-masterd")).catch(() => undefined);
    await unlink(paths.masterSocket).catch(() => undefined);
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  // A job asked the daemon to stop (cluster destroy): stop once no job is running any more,
  // so that job's end is written first.
  setInterval(() => {
    if (shutdownReason === null || stopping) return;
    const busy = queue.stats().byStatus;
    if ((busy["running"] ?? 0) + (busy["waiting"] ?? 0) === 0) void stop(shutdownReason);
  }, 200).unref();
}

export function run(): void {
  main().catch((e: unknown) => {
    process.stderr.write(`ganeti-masterd: ${formatError(e).text}\n`);
    process.exit(1);
  });
}
