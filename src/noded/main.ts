// ganeti-noded: the node daemon. Serves the node RPC catalogue over mutual TLS on the
// node's primary address; before the node joined a cluster it serves only the join calls.
import { parseArgs } from "node:util";
import { readFile, mkdir, writeFile, unlink } from "node:fs/promises";
import { randomUUID } from "node:crypto";
import type { Server } from "node:https";
import { ganetiPaths } from "../util/paths.js";
import { myHostname, resolveHost } from "../util/identity.js";
import { DAEMON_OPTIONS } from "../util/daemon.js";
import { daemonLogger } from "../util/log.js";
import { atomicWrite } from "../util/fs.js";
import { loadNodeCert, generateClusterCert, type ClusterCert } from "../rpc/certs.js";
import { parseJoinToken } from "../rpc/join-token.js";
import { DEFAULT_NODED_PORT } from "../constants.js";
import { createNodedServer, refreshServerCert, type TlsIdentity } from "./server.js";
import type { NodedContext } from "./context.js";
import { DrbdManager } from "../storage/drbd.js";
import { drbdTransport } from "./backend/drbd.js";
import { serveOwnSecondary } from "./backend/addresses.js";
import { formatError } from "../errors.js";

async function bootId(root: string): Promise<string> {
  if (root === "/") {
    try {
      return (await readFile("/proc/sys/kernel/random/boot_id", "utf8")).trim();
    } catch {
      // fall through
    }
  }
  return randomUUID(); // a devcluster node "boots" when its daemons start
}

function listen(server: Server, ip: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, ip, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { ...DAEMON_OPTIONS, "join-token": { type: "string" } },
  });
  const paths = ganetiPaths();
  await mkdir(paths.runDir, { recursive: true });
  await mkdir(paths.dataDir, { recursive: true, mode: 0o700 });
  const log = daemonLogger(paths, "ganeti-noded", values.debug === true);
  const hostname = await myHostname(paths);
  const ip = values.bind ?? (await resolveHost(paths, hostname)).ip;
  const port = values.port !== undefined ? Number(values.port) : DEFAULT_NODED_PORT;
  if (values["join-token"] !== undefined) {
    parseJoinToken(values["join-token"]); // refuse a malformed token at start, not at join time
    await atomicWrite(paths.joinTokenFile, values["join-token"], { mode: 0o600 });
  }

  let cert: ClusterCert | null = await loadNodeCert(paths.serverPem);
  // Before joining, the node presents a throw-away certificate; the master does not pin it.
  const temp = cert === null ? await generateClusterCert(`${hostname}-unjoined`, 2) : null;
  const identity = (): TlsIdentity => cert ?? (temp as ClusterCert);
  const servers: Server[] = [];
  const extra = new Map<string, Server>();
  let secondary: { ip: string; server: Server } | null = null;
  let secondaryOps: Promise<void> = Promise.resolve();
  let exitRequested = false;

  const ctx: NodedContext = {
    paths,
    hostname,
    bootId: await bootId(paths.root),
    log,
    drbd: new DrbdManager(paths, hostname, () => drbdTransport(ctx)),
    cert: () => cert,
    installCert: (c) => {
      cert = c;
      for (const s of [...servers, ...extra.values(), ...(secondary !== null ? [secondary.server] : [])]) refreshServerCert(s, c);
    },
    listenExtra: async (addr) => {
      if (extra.has(addr)) return;
      const s = createNodedServer(ctx, identity, onError);
      await listen(s, addr, port);
      extra.set(addr, s);
    },
    closeExtra: async (addr) => {
      const s = extra.get(addr);
      if (s === undefined) return;
      extra.delete(addr);
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    },
    // One change of the secondary listener at a time (ssconf updates may overlap).
    serveSecondary: (addr) => {
      const run = secondaryOps.then(async () => {
        const want = addr === null || addr === ip ? null : addr;
        if (secondary?.ip === want) return;
        if (secondary !== null) {
          const old = secondary.server;
          secondary = null;
          old.closeAllConnections();
          await new Promise((r) => old.close(r));
        }
        if (want === null) return;
        const s = createNodedServer(ctx, identity, onError);
        await listen(s, want, port);
        secondary = { ip: want, server: s };
      });
      secondaryOps = run.catch(() => undefined);
      return run;
    },
    requestExit: () => {
      exitRequested = true;
    },
  };
  function onError(e: unknown): void {
    log.error({ err: (e as Error).message }, "request failed");
  }

  const server = createNodedServer(ctx, identity, onError);
  server.on("request", (_req, res) => {
    res.on("finish", () => {
      if (exitRequested) shutdown("left the cluster");
    });
  });
  servers.push(server);
  await listen(server, ip, port);
  await writeFile(paths.pidFile("ganeti-noded"), `${process.pid}\n`);
  log.info({ ip, port, joined: cert !== null }, "ganeti-noded started");
  await serveOwnSecondary(ctx).catch((e: unknown) => log.error({ err: (e as Error).message }, "cannot serve on the secondary IP"));

  function shutdown(why: string): void {
    log.info({ why }, "ganeti-noded stopping");
    void unlink(paths.pidFile("ganeti-noded")).catch(() => undefined).finally(() => process.exit(0));
  }
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGHUP", () => {
    void loadNodeCert(paths.serverPem).then((c) => {
      if (c !== null) ctx.installCert(c);
      log.info("certificate reloaded");
    });
  });
}

export function run(): void {
  main().catch((e: unknown) => {
    const f = formatError(e);
    process.stderr.write(`ganeti-noded: ${f.text}\n`);
    process.exit(1);
  });
}
