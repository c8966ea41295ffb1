// ganeti-rapi: Ganeti's remote API v2 over HTTPS (port 5080) on the master node, with the
// RAPI certificate (rapi.pem, installed by renew-crypto) or else the cluster certificate
// (server.pem). It answers from the master daemon over the local luxi socket. Users come
// from var/lib/ganeti/rapi/users; both are re-read on SIGHUP.
import { parseArgs } from "node:util";
import { writeFile } from "node:fs/promises";
import type { Server as HttpsServer } from "node:https";
import { join } from "node:path";
import { ganetiPaths, type GanetiPaths } from "../util/paths.js";
import { resolveHost } from "../util/identity.js";
import { daemonLogger } from "../util/log.js";
import { requireMasterNode } from "../daemons/master-check.js";
import { DEFAULT_RAPI_PORT } from "../constants.js";
import { formatError, GenericError } from "../errors.js";
import { DAEMON_OPTIONS, exitOnStopSignals } from "../util/daemon.js";
import { loadUsersFile, type RapiUser } from "./users.js";
import { buildRapiServer } from "./server.js";
import { loadServerPem, type ClusterCert } from "../rpc/certs.js";

/** Ganeti's pathutils.RAPI_USERS_FILE, below the node's root. */
export function rapiUsersFile(paths: GanetiPaths): string {
  return join(paths.dataDir, "rapi", "users");
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { ...DAEMON_OPTIONS, "require-authentication": { type: "boolean" } },
  });
  const paths = ganetiPaths();
  const log = daemonLogger(paths, "ganeti-rapi", values.debug === true);
  // Ganeti's CheckRapi: only the master runs the remote API
  const { me, cert } = await requireMasterNode(paths);
  const port = values.port !== undefined ? Number(values.port) : DEFAULT_RAPI_PORT;
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new GenericError(`Invalid port '${values.port ?? ""}'`);
  const bind = values.bind ?? (await resolveHost(paths, me)).ip;

  const usersFile = rapiUsersFile(paths);
  let users: ReadonlyMap<string, RapiUser> = new Map();
  const reloadUsers = async (): Promise<void> => {
    try {
      const r = await loadUsersFile(usersFile);
      users = r.users;
      if (r.missing) log.warn({ file: usersFile }, "no users file");
      else log.info({ file: usersFile, users: r.users.size }, "users file read");
    } catch (e) {
      log.error({ file: usersFile, err: (e as Error).message }, "cannot read the users file");
    }
  };
  await reloadUsers();

  // Ganeti's rapi.pem once renew-crypto installed one, else the cluster certificate.
  const rapiCert = async (): Promise<ClusterCert> =>
    (await loadServerPem(paths.rapiPem).catch(() => null)) ?? (await loadServerPem(paths.serverPem).catch(() => null)) ?? cert;
  const app = await buildRapiServer({
    cert: await rapiCert(), users: () => users, requireAuth: values["require-authentication"] === true, masterSocket: paths.masterSocket, log,
  });
  await app.listen({ host: bind, port });
  await writeFile(paths.pidFile("ganeti-rapi"), `${process.pid}\n`);
  log.info({ ip: bind, port }, "ganeti-rapi started");

  exitOnStopSignals(paths, "ganeti-rapi", log, () => app.close());
  // SIGHUP: the users file and the certificate again (renew-crypto sends it).
  process.on("SIGHUP", () => {
    void reloadUsers();
    void rapiCert().then((c) => {
      (app.server as unknown as HttpsServer).setSecureContext({ cert: c.certPem, key: c.keyPem });
      log.info("certificate reloaded");
    }).catch((e: unknown) => log.error({ err: (e as Error).message }, "cannot reload the certificate"));
  });
}

export function run(): void {
  main().catch((e: unknown) => {
    process.stderr.write(`ganeti-rapi: ${formatError(e).text}\n`);
    process.exit(1);
  });
}
