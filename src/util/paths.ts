// Every path a daemon or CLI uses derives from one root (env GANETI_ROOT, default "/"),
// with Ganeti's layout below it, so several nodes can live on one machine.
import { join } from "node:path";

export interface GanetiPaths {
  readonly root: string;
  readonly dataDir: string;
  readonly runDir: string;
  readonly logDir: string;
  readonly confDir: string;
  readonly configFile: string;
  readonly serverPem: string;
  /** The RAPI's certificate and key (Ganeti's rapi.pem); absent: the RAPI presents the cluster certificate. */
  readonly rapiPem: string;
  readonly queueDir: string;
  readonly queueArchiveDir: string;
  readonly queueSerialFile: string;
  readonly queueDrainFile: string;
  readonly watcherPauseFile: string;
  readonly masterSocket: string;
  readonly hooksBaseDir: string;
  readonly fileStorageDir: string;
  readonly sharedFileStorageDir: string;
  readonly fileStoragePathsFile: string;
  readonly etcHosts: string;
  readonly hostnameFile: string;
  readonly joinTokenFile: string;
  readonly joinTokensDb: string;
  readonly masterIpFile: string;
  ssconf(key: string): string;
  pidFile(daemon: string): string;
  logFile(daemon: string): string;
}

export function ganetiRoot(env: NodeJS.ProcessEnv = process.env): string {
  const r = env["GANETI_ROOT"];
  return r !== undefined && r !== "" ? r : "/";
}

export function ganetiPaths(root: string = ganetiRoot()): GanetiPaths {
  const dataDir = join(root, "var/lib/ganeti");
  const runDir = join(root, "var/run/ganeti");
  const logDir = join(root, "var/log/ganeti");
  const confDir = join(root, "etc/ganeti");
  const queueDir = join(dataDir, "queue");
  return {
    root,
    dataDir,
    runDir,
    logDir,
    confDir,
    configFile: join(dataDir, "config.data"),
    serverPem: join(dataDir, "server.pem"),
    rapiPem: join(dataDir, "rapi.pem"),
    queueDir,
    queueArchiveDir: join(queueDir, "archive"),
    queueSerialFile: join(queueDir, "serial"),
    queueDrainFile: join(queueDir, "drain"),
    watcherPauseFile: join(dataDir, "watcher.pause"),
    masterSocket: join(runDir, "socket/ganeti-master"),
    hooksBaseDir: join(confDir, "hooks"),
    fileStorageDir: join(root, "srv/ganeti/file-storage"),
    sharedFileStorageDir: join(root, "srv/ganeti/shared-file-storage"),
    fileStoragePathsFile: join(confDir, "file-storage-paths"),
    etcHosts: join(root, "etc/hosts"),
    hostnameFile: join(root, "etc/hostname"),
    joinTokenFile: join(dataDir, "join-token"),
    joinTokensDb: join(dataDir, "join-tokens.json"),
    masterIpFile: join(runDir, "master-ip"),
    ssconf: (key: string) => join(dataDir, `ssconf_${key}`),
    pidFile: (daemon: string) => join(runDir, `${daemon}.pid`),
    logFile: (daemon: string) => join(logDir, `${daemon.replace(/^ganeti-/, "")}.log`),
  };
}

/** The path as Ganeti would show it (below the root), for messages such as verify's. */
export function displayPath(paths: GanetiPaths, p: string): string {
  if (paths.root === "/" || !p.startsWith(paths.root)) return p;
  const rel = p.slice(paths.root.length);
  return rel.startsWith("/") ? rel : `/${rel}`;
}
