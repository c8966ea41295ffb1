// ganeti-clid: keeps warm worker processes for the command-line programs of this node, so
// that `gnt-job list` and its kind answer in milliseconds instead of paying Node.js's
// start-up (≈ 70 ms, more than the whole command otherwise). native/gnt-launch.c connects
// to its socket; each connection goes to a worker that has already loaded the programs,
// which runs that one command and exits. Another worker is started once commands pause
// (100 ms), so there is one warm for the next command typed.
//
// No ganeti-clid, or a worker that cannot serve a command exactly as a direct start would:
// the launcher starts the program itself, so the daemon only ever changes how fast.
import { fork, type ChildProcess } from "node:child_process";
import { createServer, type Socket } from "node:net";
import { chmod, mkdir, unlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ganetiPaths } from "../util/paths.js";
import { daemonLogger } from "../util/log.js";
import { DAEMON_OPTIONS, exitOnStopSignals, exitWhenPidFileLost } from "../util/daemon.js";
import { formatError } from "../errors.js";
import { ANSWER_DIRECT, CLID_DAEMON, clidSocket } from "./protocol.js";

/** Warm workers kept ready: two, so that a burst of commands rarely waits for one to start. */
const POOL_SIZE = 2;
/** Quiet time after a command before the pool is filled again. */
const REFILL_DELAY_MS = 100;

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({ args: argv, options: DAEMON_OPTIONS });
  const paths = ganetiPaths();
  const log = daemonLogger(paths, CLID_DAEMON, values.debug === true);
  const socketPath = clidSocket(paths);
  await mkdir(dirname(socketPath), { recursive: true });
  await unlink(socketPath).catch(() => undefined);
  const workerModule = join(dirname(fileURLToPath(import.meta.url)), "worker.js");

  const ready: ChildProcess[] = [];
  let starting = 0;
  let stopping = false;
  let refillTimer: NodeJS.Timeout | null = null;
  /** Delay before replacing a worker that died before it was ready (doubles, up to a minute). */
  let retryMs = 1000;

  const dispatch = (socket: Socket): void => {
    const worker = ready.shift();
    if (worker === undefined) {
      // No warm worker (a burst of commands used them up): the launcher starts the program
      // itself at once, which is quicker than waiting for a worker to start.
      socket.end(ANSWER_DIRECT);
    } else {
      // The worker owns the connection from here; the daemon's copy is closed by send().
      worker.send("run", socket, (e) => {
        if (e !== null) {
          // Nothing was read or run yet: the launcher sees the connection close and starts
          // the program itself.
          log.warn({ err: e.message }, "could not hand a command to a worker");
          socket.destroy();
          worker.kill("SIGKILL");
        }
      });
    }
    // The next worker starts once commands pause: started at once, it would take a core
    // from the commands of a burst, which go direct anyway.
    if (refillTimer !== null) clearTimeout(refillTimer);
    refillTimer = setTimeout(() => {
      refillTimer = null;
      refill();
    }, REFILL_DELAY_MS);
  };

  const refill = (): void => {
    while (!stopping && ready.length + starting < POOL_SIZE) {
      starting++;
      const worker = fork(workerModule, [], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: [] });
      let isReady = false;
      worker.once("message", (m) => {
        if (m !== "ready") return;
        isReady = true;
        starting--;
        retryMs = 1000;
        ready.push(worker);
      });
      worker.once("exit", (code, signal) => {
        const at = ready.indexOf(worker);
        if (at >= 0) ready.splice(at, 1);
        if (!isReady) {
          starting--;
          // A worker that dies before it is ready would die again: retry, less and less
          // often (commands start directly meanwhile).
          log.error({ code, signal, retryInMs: retryMs }, "a worker exited before it was ready");
          if (!stopping) setTimeout(refill, retryMs).unref();
          retryMs = Math.min(retryMs * 2, 60_000);
          return;
        }
        if (at >= 0 && !stopping) refill();
      });
    }
  };

  // pauseOnConnect: nothing is read here, so the worker gets the request line untouched.
  const server = createServer({ pauseOnConnect: true }, dispatch);
  // Only this node's administrator (the daemon's own user) may hand it commands: the socket
  // is made with mode 0600 (no moment when others could connect), and chmod makes sure.
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(socketPath, () => resolve());
    });
  } finally {
    process.umask(umask);
  }
  await chmod(socketPath, 0o600);
  refill();
  await writeFile(paths.pidFile(CLID_DAEMON), `${process.pid}\n`);
  log.info({ socket: socketPath, pool: POOL_SIZE }, "ganeti-clid started");

  const stop = exitOnStopSignals(paths, CLID_DAEMON, log, async () => {
    stopping = true;
    if (refillTimer !== null) clearTimeout(refillTimer);
    for (const w of ready) w.kill("SIGTERM");
    await new Promise((r) => server.close(r));
    // the socket is this daemon's unless another copy took it over
    if (ownsSocket) await unlink(socketPath).catch(() => undefined);
  });
  let ownsSocket = true;
  exitWhenPidFileLost(paths, CLID_DAEMON, (why) => {
    ownsSocket = false;
    stop(why);
  });
}

export function run(): void {
  main().catch((e: unknown) => {
    process.stderr.write(`ganeti-clid: ${formatError(e).text}\n`);
    process.exit(1);
  });
}
