// Operations that run without a master daemon (Ganeti's bootstrap.py): initialising a
// cluster on this node, failing the master role over to this node, and cleaning up a
// destroyed cluster.
import { randomUUID } from "node:crypto";
import { mkdir, rm, readdir } from "node:fs/promises";
import type { ConfigData, IPolicy, Node } from "../objects/types.js";
import { newClusterConfig } from "../objects/defaults.js";
import { serializeConfigData } from "../objects/config-data.js";
import { computeSsconf } from "../config/ssconf-values.js";
import { readConfigFile, distributeConfig, nodeTarget } from "../config/store.js";
import { createJoinToken } from "../config/join-tokens.js";
import { generateClusterCert, serializeServerPem, loadNodeCert, type ClusterCert } from "../rpc/certs.js";
import { RpcClient } from "../rpc/client.js";
import { atomicWrite, atomicWriteMany, fileExists } from "../util/fs.js";
import type { GanetiPaths } from "../util/paths.js";
import { myHostname, resolveHost } from "../util/identity.js";
import { readSsconf, ssconfLines, ssconfPairs } from "../util/ssconf.js";
import { daemonPid, startDaemon, startDaemonAndWait, stopDaemon } from "../util/daemon.js";
import { gatherMasterVotes } from "../daemons/voting.js";
import { lvmUnusable } from "../storage/lvm.js";
import { OpPrereqError, ErrorCode, GenericError } from "../errors.js";

export interface InitOptions {
  readonly clusterName: string;
  readonly masterNetdev: string;
  readonly masterNetmask?: number;
  readonly enabledHypervisors: readonly string[];
  readonly enabledDiskTemplates: readonly string[];
  readonly secondaryIp?: string;
  readonly candidatePoolSize?: number;
  readonly fileStorageDir?: string;
  readonly sharedFileStorageDir?: string;
  readonly hvparams?: Record<string, Record<string, unknown>>;
  readonly beparams?: Record<string, unknown>;
  readonly nicparams?: Record<string, unknown>;
  readonly ndparams?: Record<string, unknown>;
  readonly diskparams?: Record<string, Record<string, unknown>>;
  /** The instance policy's keys that differ from Ganeti's defaults (--ipolicy-*). */
  readonly ipolicy?: IPolicy;
}

async function writeSsconfLocal(paths: GanetiPaths, cfg: ConfigData): Promise<void> {
  const ss = computeSsconf(cfg);
  await atomicWriteMany(Object.entries(ss).map(([k, v]) => [paths.ssconf(k), v === "" ? "" : `${v}\n`] as const), 0o444);
}

async function ensureNoded(paths: GanetiPaths): Promise<void> {
  const pid = await daemonPid(paths, "ganeti-noded");
  if (pid !== null) {
    process.kill(pid, "SIGHUP"); // reload: it now holds the cluster certificate
  } else if (!(await startDaemonAndWait(paths, "ganeti-noded"))) {
    throw new GenericError("ganeti-noded did not start; see its log");
  }
  // The monitoring daemon runs beside it (not waited for: the watcher restarts it if it died).
  if ((await daemonPid(paths, "ganeti-mond")) === null) await startDaemon(paths, "ganeti-mond");
  // So does the command-line daemon (src/clid/: warm workers for the gnt-* programs).
  if ((await daemonPid(paths, "ganeti-clid")) === null) await startDaemon(paths, "ganeti-clid");
}

/** Starts the master daemons: ganeti-masterd, then ganeti-rapi. Returns warnings (a RAPI that did not start). */
export async function startMasterd(paths: GanetiPaths, extraArgs: readonly string[] = []): Promise<string[]> {
  const up = await startDaemonAndWait(paths, "ganeti-masterd", extraArgs, { ready: () => fileExists(paths.masterSocket) });
  if (!up) throw new GenericError(`ganeti-masterd did not start; see ${paths.logDir}/masterd.stdout`);
  if ((await daemonPid(paths, "ganeti-rapi")) !== null || (await startDaemonAndWait(paths, "ganeti-rapi"))) return [];
  return [`ganeti-rapi did not start; see ${paths.logDir}/rapi.stdout`];
}

/** gnt-cluster init: returns the first join token for new nodes. */
export async function initCluster(paths: GanetiPaths, o: InitOptions): Promise<string> {
  if (await fileExists(paths.configFile)) throw new OpPrereqError("Cluster is already initialised", ErrorCode.inval);
  if (o.enabledDiskTemplates.includes("plain")) {
    const why = await lvmUnusable();
    if (why !== null) throw new OpPrereqError(`Disk template 'plain' can't be enabled: LVM is not usable: ${why}`, ErrorCode.environ);
  }
  const me = await myHostname(paths);
  const self = await resolveHost(paths, me);
  const cluster = await resolveHost(paths, o.clusterName);
  if (cluster.ip === self.ip) {
    throw new OpPrereqError(`The cluster IP (${cluster.ip}) must differ from this node's primary IP`, ErrorCode.inval);
  }
  for (const dir of [paths.dataDir, paths.runDir, paths.logDir, paths.queueDir, paths.hooksBaseDir]) await mkdir(dir, { recursive: true });
  await mkdir(o.fileStorageDir ?? paths.fileStorageDir, { recursive: true });
  const cert = await generateClusterCert(cluster.name);
  await atomicWrite(paths.serverPem, serializeServerPem(cert), { mode: 0o600 });
  const now = Date.now() / 1000;
  const groupUuid = randomUUID();
  const node = {
    name: self.name, uuid: randomUUID(), primary_ip: self.ip, secondary_ip: o.secondaryIp ?? self.ip, group: groupUuid,
    master_candidate: true, offline: false, drained: false, master_capable: true, vm_capable: true, ndparams: {},
    powered: true, tags: [], serial_no: 1, ctime: now, mtime: now, hv_state_static: {}, disk_state_static: {},
  } as unknown as Node;
  const cfg = newClusterConfig({
    clusterName: cluster.name, masterNode: node, clusterUuid: randomUUID(), groupUuid, now,
    masterNetdev: o.masterNetdev, masterIp: cluster.ip, masterNetmask: o.masterNetmask ?? 32,
    enabledHypervisors: o.enabledHypervisors, enabledDiskTemplates: o.enabledDiskTemplates,
    fileStorageDir: o.fileStorageDir ?? "/srv/ganeti/file-storage",
    sharedFileStorageDir: o.sharedFileStorageDir ?? "/srv/ganeti/shared-file-storage",
    candidatePoolSize: o.candidatePoolSize ?? 10,
    hvparams: o.hvparams, beparams: o.beparams, nicparams: o.nicparams, ndparams: o.ndparams, diskparams: o.diskparams,
    ipolicy: o.ipolicy,
  });
  await atomicWrite(paths.configFile, serializeConfigData(cfg), { mode: 0o640 });
  await writeSsconfLocal(paths, cfg);
  await atomicWrite(paths.queueSerialFile, "0\n");
  await ensureNoded(paths);
  for (const w of await startMasterd(paths)) throw new GenericError(w);
  return createJoinToken(paths, cert.fingerprint);
}

export async function rpcFromLocalCert(paths: GanetiPaths): Promise<{ rpc: RpcClient; cert: ClusterCert }> {
  const cert = await loadNodeCert(paths.serverPem);
  if (cert === null) throw new OpPrereqError("This node has no cluster certificate; is it part of a cluster?", ErrorCode.state);
  return { rpc: new RpcClient({ cert, connectTimeout: 5 }), cert };
}

/** Nodes from this node's ssconf, the offline ones left out. */
export async function ssconfNodes(paths: GanetiPaths): Promise<Array<{ name: string; ip: string }>> {
  const ips = ssconfPairs(await readSsconf(paths, "node_primary_ips"));
  const offline = new Set(ssconfLines(await readSsconf(paths, "offline_nodes")));
  return [...ips].filter(([n]) => !offline.has(n)).map(([name, ip]) => ({ name, ip }));
}

/** gnt-cluster master-failover, run on the node that becomes master. Returns warnings. */
export async function masterFailover(paths: GanetiPaths, noVoting: boolean): Promise<string[]> {
  const me = await myHostname(paths);
  const oldMaster = await readSsconf(paths, "master_node");
  if (oldMaster === null) throw new OpPrereqError("Cluster not initialized or this machine is not part of a cluster", ErrorCode.inval);
  if (oldMaster === me) {
    throw new OpPrereqError(`This commands must be run on the node where you want the new master to be. ${oldMaster} is already the master`,
      ErrorCode.inval);
  }
  const mcList = ssconfLines(await readSsconf(paths, "master_candidates"));
  if (!mcList.includes(me)) {
    throw new OpPrereqError("This node is not among the nodes marked as master candidates. Only these nodes can become masters. " +
      `Current list of master candidates is:\n${mcList.filter((n) => n !== oldMaster).join("\n")}`, ErrorCode.state);
  }
  const { rpc } = await rpcFromLocalCert(paths);
  const warnings: string[] = [];
  try {
    const nodes = await ssconfNodes(paths);
    if (!noVoting) {
      const votes = await gatherMasterVotes(rpc, nodes, { name: me, vote: oldMaster });
      const answered = votes.tally.filter(([n]) => n !== null).reduce((a, [, c]) => a + c, 0);
      if (answered * 2 <= votes.total) {
        const unhealthy = votes.total - answered;
        throw new GenericError("Master-failover with voting is only possible if the majority of nodes are still healthy; use the " +
          "--no-voting option after ensuring by other means that you won't end up in a dual-master scenario. " +
          `Unhealthy nodes: ${unhealthy}`);
      }
      const voted = votes.tally[0]?.[0];
      if (voted !== undefined && voted !== null && voted !== oldMaster) {
        throw new OpPrereqError(`I have a wrong configuration, I believe the master is ${oldMaster} but the other nodes voted ` +
          `${voted}. Please resync the configuration of this node.`, ErrorCode.state);
      }
    }
    const cfg0 = await readConfigFile(paths);
    const newMaster = Object.values(cfg0.nodes).find((n) => n.name === me);
    const old = Object.values(cfg0.nodes).find((n) => n.name === oldMaster);
    if (newMaster === undefined) throw new OpPrereqError(`Could not find new master node '${me}' in cluster configuration.`, ErrorCode.noent);
    if (old !== undefined) {
      const ipArgs = { ip: cfg0.cluster.master_ip, netmask: Number(cfg0.cluster.master_netmask), netdev: cfg0.cluster.master_netdev };
      const d = await rpc.call(nodeTarget(old), "node_deactivate_master_ip", ipArgs);
      if (!d.ok) warnings.push(`Could not disable the master IP: ${d.failMsg}`);
      const s = await rpc.call(nodeTarget(old), "node_stop_master", {});
      if (!s.ok) warnings.push(`Could not disable the master role on the old master ${oldMaster}, please disable manually: ${s.failMsg}`);
    }
    const now = Date.now() / 1000;
    const cfg: ConfigData = {
      ...cfg0,
      serial_no: cfg0.serial_no + 1,
      mtime: now,
      cluster: { ...cfg0.cluster, master_node: newMaster.uuid, serial_no: (cfg0.cluster.serial_no ?? 0) + 1, mtime: now },
      nodes: { ...cfg0.nodes, [newMaster.uuid]: { ...newMaster, master_candidate: true } },
    };
    const text = serializeConfigData(cfg);
    await atomicWrite(paths.configFile, text, { mode: 0o640 });
    await writeSsconfLocal(paths, cfg);
    for (const e of await distributeConfig(rpc, cfg, text, newMaster.uuid)) warnings.push(e);
    warnings.push(...(await startMasterd(paths, noVoting ? ["--no-voting", "--yes-do-it"] : [])));
  } finally {
    await rpc.close();
  }
  return warnings;
}

/** After OP_CLUSTER_DESTROY: remove this (last) node's cluster files and stop its daemons. */
export async function cleanupDestroyedCluster(paths: GanetiPaths): Promise<void> {
  await stopDaemon(paths, "ganeti-rapi");
  await stopDaemon(paths, "ganeti-masterd");
  await rm(paths.configFile, { force: true });
  await rm(paths.queueDir, { recursive: true, force: true });
  for (const f of await readdir(paths.dataDir).catch(() => [] as string[])) {
    if (f.startsWith("ssconf_")) await rm(`${paths.dataDir}/${f}`, { force: true });
  }
  await rm(paths.serverPem, { force: true });
  await rm(paths.joinTokensDb, { force: true });
  await stopDaemon(paths, "ganeti-mond");
  await stopDaemon(paths, "ganeti-clid");
  await stopDaemon(paths, "ganeti-noded");
}

/** The disk templates a new cluster enables when none are given: plain only where LVM works. */
export async function defaultDiskTemplates(): Promise<string[]> {
  return ["file", "diskless", "sharedfile", "drbd", ...((await lvmUnusable()) === null ? ["plain"] : [])];
}
