// gnt-devcluster: N Ganeti nodes on this machine. Node i is "node<i>" at 127.0.<s>.i with
// its own root DIR/node<i>; names resolve through each root's etc/hosts. The cluster is
// initialised on node1 and the others join with one-time tokens, as on real servers.
import { parseArgs } from "node:util";
import { spawnSync } from "node:child_process";
import { mkdir, writeFile, readFile, symlink } from "node:fs/promises";
import { join, resolve, dirname } from "node:path";
import { ganetiPaths, type GanetiPaths } from "../util/paths.js";
import { startDaemon, startDaemonAndWait, stopDaemon, daemonPid, waitFor, readPid, isAlive, binPath } from "../util/daemon.js";
import { readSsconf } from "../util/ssconf.js";
import { netnsFile } from "../util/netns.js";
import { fileExists } from "../util/fs.js";
import { quietOnClosedStdout } from "../util/stdio.js";
import { loadServerPem } from "../rpc/certs.js";
import { createJoinToken } from "../config/join-tokens.js";
import { initCluster, defaultDiskTemplates } from "../cli/bootstrap.js";
import { lvmUnusable } from "../storage/lvm.js";
import { LuxiClient } from "../luxi/client.js";
import { LuxiMethod } from "../luxi/protocol.js";
import { pollJob } from "../cli/jobs.js";
import { formatError, OpPrereqError, ErrorCode } from "../errors.js";

interface State {
  readonly nodes: number;
  readonly subnet: number;
  readonly clusterName: string;
  /** Each node in its own network namespace (root only). */
  readonly netns?: boolean;
}

const DAEMONS = ["ganeti-rapi", "ganeti-masterd", "ganeti-mond", "ganeti-clid", "ganeti-noded"];

/**
 * Without namespaces nodes are loopback addresses. With them, addresses from 198.18.0.0/15
 * (RFC 2544's range for testing network devices): they exist only on the devcluster's
 * bridge and namespaces, which have no route anywhere else.
 */
function nodeIp(s: State, i: number): string {
  return s.netns === true ? `198.18.${s.subnet}.${i}` : `127.0.${s.subnet}.${i}`;
}

const nsName = (s: State, i: number): string => `gdc${s.subnet}-node${i}`;
const bridgeName = (s: State): string => `gdc${s.subnet}br`;

function sh(args: readonly string[]): void {
  const r = spawnSync(args[0] ?? "", args.slice(1), { encoding: "utf8" });
  if (r.status !== 0) throw new OpPrereqError(`'${args.join(" ")}' failed: ${(r.stderr ?? "").trim()}`, ErrorCode.environ);
}

/** A bridge in the host namespace and one namespace per node, linked by veth pairs. */
function createNetworks(s: State): void {
  sh(["ip", "link", "add", bridgeName(s), "type", "bridge"]);
  sh(["ip", "link", "set", bridgeName(s), "up"]);
  for (let i = 1; i <= s.nodes; i++) {
    const ns = nsName(s, i);
    const veth = `gdc${s.subnet}n${i}`;
    sh(["ip", "netns", "add", ns]);
    sh(["ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns]);
    sh(["ip", "link", "set", veth, "master", bridgeName(s), "up"]);
    sh(["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"]);
    sh(["ip", "netns", "exec", ns, "ip", "link", "set", "eth0", "up"]);
    sh(["ip", "netns", "exec", ns, "ip", "address", "add", `${nodeIp(s, i)}/24`, "dev", "eth0"]);
  }
}

function deleteNetworks(s: State): void {
  for (let i = 1; i <= s.nodes; i++) {
    spawnSync("ip", ["netns", "del", nsName(s, i)]);
    spawnSync("ip", ["link", "del", `gdc${s.subnet}n${i}`]);
  }
  spawnSync("ip", ["link", "del", bridgeName(s)]);
}

function nodeRoot(dir: string, name: string): string {
  return join(dir, name);
}

async function loadState(dir: string): Promise<State> {
  try {
    return JSON.parse(await readFile(join(dir, "devcluster.json"), "utf8")) as State;
  } catch {
    throw new OpPrereqError(`No development cluster in ${dir} (run gnt-devcluster up first)`, ErrorCode.noent);
  }
}

function hostsFile(s: State): string {
  const lines = ["127.0.0.1 localhost"];
  for (let i = 1; i <= s.nodes; i++) lines.push(`${nodeIp(s, i)} node${i}`);
  lines.push(`${s.netns === true ? "198.18" : "127.0"}.${s.subnet}.254 ${s.clusterName}`);
  return `${lines.join("\n")}\n`;
}

async function prepareRoot(dir: string, s: State, i: number): Promise<GanetiPaths> {
  const paths = ganetiPaths(nodeRoot(dir, `node${i}`));
  for (const d of [join(paths.root, "etc"), paths.dataDir, paths.runDir, paths.logDir, paths.fileStorageDir, paths.confDir,
    dirname(paths.sharedFileStorageDir)]) {
    await mkdir(d, { recursive: true });
  }
  // sharedfile disks: one directory that every node sees, as a cluster file system would give.
  await mkdir(join(dir, "shared-file-storage"), { recursive: true });
  await symlink(join(dir, "shared-file-storage"), paths.sharedFileStorageDir).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== "EEXIST") throw e;
  });
  // The OS definitions this project ships (os/), installed on every node.
  await mkdir(join(paths.root, "srv/ganeti/os"), { recursive: true });
  await symlink(join(dirname(binPath("ganeti-noded")), "../os/image"), join(paths.root, "srv/ganeti/os/image")).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== "EEXIST") throw e;
  });
  // The ExtStorage providers this project ships (extstorage/), installed the same way.
  await mkdir(join(paths.root, "srv/ganeti/extstorage"), { recursive: true });
  await symlink(join(dirname(binPath("ganeti-noded")), "../extstorage/sharedfile-ext"), join(paths.root, "srv/ganeti/extstorage/sharedfile-ext"))
    .catch((e: NodeJS.ErrnoException) => {
      if (e.code !== "EEXIST") throw e;
    });
  await writeFile(paths.hostnameFile, `node${i}\n`);
  if (s.netns === true) await writeFile(netnsFile(paths), `${nsName(s, i)}\n`);
  await writeFile(paths.etcHosts, hostsFile(s));
  await writeFile(paths.fileStoragePathsFile, "/srv/ganeti/file-storage\n/srv/ganeti/shared-file-storage\n");
  return paths;
}

async function startNoded(paths: GanetiPaths, args: readonly string[] = []): Promise<void> {
  if ((await daemonPid(paths, "ganeti-noded")) !== null) return;
  if (!(await startDaemonAndWait(paths, "ganeti-noded", args, { env: { ...process.env, GANETI_HOSTNAME: "" } }))) {
    const tail = (await readFile(join(paths.logDir, "noded.stdout"), "utf8").catch(() => "")).trim().split("\n").slice(-3).join("\n");
    throw new OpPrereqError(`ganeti-noded of ${paths.root} did not start: ${tail}`, ErrorCode.environ);
  }
  // The monitoring daemon beside it, not waited for (it needs nothing from the others to start).
  if ((await daemonPid(paths, "ganeti-mond")) === null) await startDaemon(paths, "ganeti-mond", [], { ...process.env, GANETI_HOSTNAME: "" });
  // And the command-line daemon (warm workers for the gnt-* programs), not waited for either.
  if ((await daemonPid(paths, "ganeti-clid")) === null) await startDaemon(paths, "ganeti-clid", [], { ...process.env, GANETI_HOSTNAME: "" });
}

async function waitMonds(roots: readonly GanetiPaths[]): Promise<void> {
  for (const paths of roots) await waitFor(async () => (await daemonPid(paths, "ganeti-mond")) !== null, 15_000, 50);
}

/** A node boots: noded, then masterd and ganeti-rapi if ssconf says this node is the master (it votes). */
async function bootNode(paths: GanetiPaths, name: string): Promise<void> {
  await startNoded(paths);
  if ((await readSsconf(paths, "master_node")) !== name) return;
  const env = { ...process.env, GANETI_HOSTNAME: "" };
  // It may refuse to run (the majority names another master): that is a normal boot.
  if ((await daemonPid(paths, "ganeti-masterd")) === null) await startDaemonAndWait(paths, "ganeti-masterd", [], { env });
  if ((await daemonPid(paths, "ganeti-masterd")) !== null && (await daemonPid(paths, "ganeti-rapi")) === null) {
    await startDaemonAndWait(paths, "ganeti-rapi", [], { env });
  }
}

/** The node dies as with `halt -p`: every daemon gone at once, nothing flushed. */
async function killNode(paths: GanetiPaths): Promise<void> {
  const pids = (await Promise.all(DAEMONS.map((d) => readPid(paths.pidFile(d))))).filter((p): p is number => p !== null && isAlive(p));
  for (const p of pids) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await waitFor(() => pids.every((p) => !isAlive(p)), 5000);
}

/**
 * The development clusters' instance policy: Ganeti's, with minimums low enough for the
 * tiny disks and memory sizes tests use (Ganeti's minimum disk is 1 GiB); the maximums stay
 * Ganeti's, so hspace's tiered allocation starts from a realistic size. `gnt-cluster
 * init` itself keeps Ganeti's defaults; `gnt-cluster modify --ipolicy-bounds-specs` sets
 * any other policy on a devcluster.
 */
export const DEVCLUSTER_IPOLICY = {
  minmax: [{
    min: { "cpu-count": 1, "disk-count": 1, "disk-size": 1, "memory-size": 1, "nic-count": 0, "spindle-use": 0 },
    max: { "cpu-count": 8, "disk-count": 16, "disk-size": 1048576, "memory-size": 32768, "nic-count": 8, "spindle-use": 12 },
  }],
} as const;

async function up(dir: string, n: number, subnet: number, netns: boolean): Promise<void> {
  if (n < 1 || n > 50) throw new OpPrereqError("--nodes must be between 1 and 50", ErrorCode.inval);
  if (netns && process.getuid?.() !== 0) throw new OpPrereqError("--netns needs root (it creates network namespaces)", ErrorCode.environ);
  const s: State = { nodes: n, subnet, clusterName: "cluster", netns };
  await mkdir(dir, { recursive: true });
  if (await fileExists(join(dir, "node1/var/lib/ganeti/config.data"))) {
    throw new OpPrereqError(`A development cluster already exists in ${dir}; use 'start' or remove the directory`, ErrorCode.exists);
  }
  await writeFile(join(dir, "devcluster.json"), JSON.stringify(s));
  if (netns) createNetworks(s);
  const roots: GanetiPaths[] = [];
  for (let i = 1; i <= n; i++) roots.push(await prepareRoot(dir, s, i));
  const master = roots[0] as GanetiPaths;
  await startNoded(master);
  process.env["GANETI_HOSTNAME"] = "";
  await initCluster(master, {
    clusterName: s.clusterName, masterNetdev: netns ? "eth0" : "lo", enabledHypervisors: ["fake"],
    enabledDiskTemplates: await defaultDiskTemplates(), ipolicy: DEVCLUSTER_IPOLICY,
    // Out-of-band power control of the development nodes (gnt-node power, hsqueeze -X).
    ndparams: { oob_program: binPath("devcluster-oob") },
  });
  const lvmWhy = await lvmUnusable();
  if (lvmWhy !== null) process.stdout.write(`Disk template 'plain' left disabled: ${lvmWhy}\n`);
  process.stdout.write(`Initialised cluster ${s.clusterName} on node1 (${nodeIp(s, 1)})\n`);
  const cert = await loadServerPem(master.serverPem);
  if (cert === null) throw new OpPrereqError("init left no certificate", ErrorCode.fault);
  const client = new LuxiClient(master.masterSocket);
  try {
    for (let i = 2; i <= n; i++) {
      const token = await createJoinToken(master, cert.fingerprint);
      await startNoded(roots[i - 1] as GanetiPaths, ["--join-token", token]);
      const id = (await client.call(LuxiMethod.submitJob, [[{ OP_ID: "OP_NODE_ADD", node_name: `node${i}` }]])) as number;
      await pollJob(client, id, () => undefined);
      process.stdout.write(`Added node${i} (${nodeIp(s, i)})\n`);
    }
  } finally {
    client.close();
  }
  // The monitoring daemons start in the background; the cluster is up once they serve.
  await waitMonds(roots);
  const bin = resolve(dirname(binPath("ganeti-noded")));
  process.stdout.write(`\n# To steer the cluster (node1 is the master):\nexport GANETI_ROOT=${resolve(master.root)}\nexport PATH=${bin}:$PATH\n`);
}

async function status(dir: string): Promise<void> {
  const s = await loadState(dir);
  process.stdout.write("Node   Address        noded  mond  clid  masterd  role\n");
  for (let i = 1; i <= s.nodes; i++) {
    const paths = ganetiPaths(nodeRoot(dir, `node${i}`));
    const noded = await daemonPid(paths, "ganeti-noded");
    const masterd = await daemonPid(paths, "ganeti-masterd");
    const mond = await daemonPid(paths, "ganeti-mond");
    const clid = await daemonPid(paths, "ganeti-clid");
    const master = await readSsconf(paths, "master_node");
    const role = master === `node${i}` ? "master" : master === null ? "-" : "member";
    process.stdout.write(`${`node${i}`.padEnd(6)} ${nodeIp(s, i).padEnd(14)} ${(noded === null ? "down" : "up").padEnd(6)} ` +
      `${(mond === null ? "down" : "up").padEnd(5)} ${(clid === null ? "down" : "up").padEnd(5)} ${(masterd === null ? "-" : "up").padEnd(8)} ${role}\n`);
  }
}

function nodeIndex(s: State, name: string | undefined): number {
  const m = /^node(\d+)$/.exec(name ?? "");
  const i = m === null ? NaN : Number(m[1]);
  if (!(i >= 1 && i <= s.nodes)) throw new OpPrereqError(`Unknown node '${name ?? ""}' (node1..node${s.nodes})`, ErrorCode.noent);
  return i;
}

export async function main(argv = process.argv.slice(2)): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { nodes: { type: "string", default: "3" }, dir: { type: "string" }, subnet: { type: "string", default: "1" },
      netns: { type: "boolean" } },
  });
  const [cmd, node] = positionals;
  if (values.dir === undefined) throw new OpPrereqError("--dir DIR is required", ErrorCode.inval);
  const dir = resolve(values.dir);
  delete process.env["GANETI_ROOT"];
  switch (cmd) {
    case "up": {
      const sub = Number(values.subnet);
      if (!Number.isInteger(sub) || sub < 1 || sub > 250) throw new OpPrereqError("--subnet must be 1..250", ErrorCode.inval);
      await up(dir, Number(values.nodes), sub, values.netns === true);
      return 0;
    }
    case "down": {
      const s = await loadState(dir);
      for (let i = 1; i <= s.nodes; i++) {
        const paths = ganetiPaths(nodeRoot(dir, `node${i}`));
        for (const d of DAEMONS) await stopDaemon(paths, d);
      }
      if (s.netns === true) deleteNetworks(s);
      return 0;
    }
    case "status":
      await status(dir);
      return 0;
    case "stop": {
      const s = await loadState(dir);
      await killNode(ganetiPaths(nodeRoot(dir, `node${nodeIndex(s, node)}`)));
      return 0;
    }
    case "start": {
      const s = await loadState(dir);
      const i = nodeIndex(s, node);
      const paths = ganetiPaths(nodeRoot(dir, `node${i}`));
      await bootNode(paths, `node${i}`);
      await waitMonds([paths]);
      return 0;
    }
    default:
      process.stderr.write("Usage: gnt-devcluster {up [--nodes N] [--subnet S] [--netns] | down | status | stop NODE | start NODE} --dir DIR\n");
      return 1;
  }
}

export function run(): void {
  quietOnClosedStdout(); // `gnt-devcluster status | head`
  main().then((c) => {
    process.exitCode = c;
  }, (e: unknown) => {
    process.stderr.write(`${formatError(e).text}\n`);
    process.exitCode = 1;
  });
}
