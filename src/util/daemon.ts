// Starting and stopping Ganeti daemons of a node root (Ganeti's daemon-util): detached
// processes with pid files, all in the node's process group file so that a whole node can
// be killed at once like a power cut.
import { spawn } from "node:child_process";
import { openSync, closeSync, readFileSync, existsSync } from "node:fs";
import { readFile, mkdir, unlink } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import type { GanetiPaths } from "./paths.js";
import { nodeNetns } from "./netns.js";

/**
 * bin/ of this package: the nearest ancestor of this module holding bin/ganeti-noded
 * (the module may run from dist/src/util/ or from a bundle in dist/cli-bundle/).
 */
function findBinDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "bin", "ganeti-noded"))) return join(dir, "bin");
    const up = dirname(dir);
    if (up === dir) throw new Error("cannot find this package's bin/ directory");
    dir = up;
  }
}

let binDir: string | null = null;
export function binPath(program: string): string {
  binDir ??= findBinDir();
  return join(binDir, program);
}

export async function readPid(pidFile: string): Promise<number | null> {
  try {
    const pid = Number((await readFile(pidFile, "utf8")).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Alive and not a zombie (a killed daemon whose parent exited may stay unreaped). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true; // no procfs: trust kill(0)
  }
}

export async function daemonPid(paths: GanetiPaths, daemon: string): Promise<number | null> {
  const pid = await readPid(paths.pidFile(daemon));
  return pid !== null && isAlive(pid) ? pid : null;
}

/** Starts a daemon detached; it writes its own pid file once it serves. */
export async function startDaemon(paths: GanetiPaths, daemon: string, args: readonly string[] = [],
  env: NodeJS.ProcessEnv = process.env): Promise<number> {
  await mkdir(paths.logDir, { recursive: true });
  const out = openSync(join(paths.logDir, `${daemon.replace(/^ganeti-/, "")}.stdout`), "a");
  try {
    // A node in its own network namespace runs its daemons there (ip netns exec execs in place).
    const ns = await nodeNetns(paths);
    const [cmd, argv] = ns === null ? [process.execPath, [binPath(daemon), ...args]]
      : ["ip", ["netns", "exec", ns, process.execPath, binPath(daemon), ...args]];
    const child = spawn(cmd, argv, {
      detached: true,
      stdio: ["ignore", out, out],
      env: { ...env, GANETI_ROOT: paths.root },
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${daemon}`);
    return child.pid;
  } finally {
    closeSync(out);
  }
}

export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, stepMs = 25): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/**
 * Starts a daemon and waits until it serves (its pid file appears, and `ready` holds) or
 * it exits (e.g. a master daemon refused by the vote). Returns whether it serves.
 */
export async function startDaemonAndWait(paths: GanetiPaths, daemon: string, args: readonly string[] = [],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; ready?: () => Promise<boolean> } = {}): Promise<boolean> {
  const pid = await startDaemon(paths, daemon, args, opts.env);
  const serving = async (): Promise<boolean> =>
    (await daemonPid(paths, daemon)) === pid && (opts.ready === undefined || (await opts.ready()));
  await waitFor(async () => !isAlive(pid) || (await serving()), opts.timeoutMs ?? 20_000);
  return serving();
}

/** SIGTERM, then SIGKILL after a grace period; removes the pid file. */
export async function stopDaemon(paths: GanetiPaths, daemon: string, graceMs = 5000): Promise<boolean> {
  const pid = await daemonPid(paths, daemon);
  if (pid === null) return false;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    // already gone
  }
  if (!(await waitFor(() => !isAlive(pid), graceMs))) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
    await waitFor(() => !isAlive(pid), 2000);
  }
  await unlink(paths.pidFile(daemon)).catch(() => undefined);
  return true;
}

/** The options every daemon takes (Ganeti's -b, -p, -d, -f), for node:util parseArgs. */
export const DAEMON_OPTIONS = {
  bind: { type: "string", short: "b" },
  port: { type: "string", short: "p" },
  debug: { type: "boolean", short: "d" },
  foreground: { type: "boolean", short: "f" },
} as const;

/**
 * The daemon's side of stopDaemon: on SIGTERM or SIGINT it closes what it serves, removes
 * its pid file (when it still names this process) and exits — at the latest after 3 s,
 * whatever `close` still waits for. Returns that stop, for other reasons to stop.
 */
export function exitOnStopSignals(paths: GanetiPaths, daemon: string, log: { info(o: object, msg: string): void },
  close: () => Promise<unknown>): (why: string) => void {
  let stopping = false;
  const stop = (why: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ why }, `${daemon} stopping`);
    const pidFile = paths.pidFile(daemon);
    void close().catch(() => undefined).finally(() => {
      void readFile(pidFile, "utf8")
        .then((t) => (Number.parseInt(t, 10) === process.pid ? unlink(pidFile) : undefined))
        .catch(() => undefined)
        .finally(() => process.exit(0));
    });
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  return stop;
}

/**
 * Stops a daemon (with `stop`, exitOnStopSignals') once its pid file is gone or names
 * another process, checked every `everyMs`: its root was removed, or a second copy
 * started for the same root took over (nothing would ever stop this one: stopDaemon
 * reads the pid file). An integration run left such a ganeti-clid behind, which the
 * development cluster starts without waiting for it.
 */
export function exitWhenPidFileLost(paths: GanetiPaths, daemon: string, stop: (why: string) => void, everyMs = 5000): void {
  const timer = setInterval(() => {
    readFile(paths.pidFile(daemon), "utf8").then(
      (t) => {
        if (Number.parseInt(t, 10) !== process.pid) stop("its pid file names another process");
      },
      () => stop("its pid file is gone"),
    );
  }, everyMs);
  timer.unref();
}
