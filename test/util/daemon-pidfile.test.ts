// A daemon whose pid file is gone or names another process stops by itself
// (util/daemon.ts exitWhenPidFileLost): nothing else would ever stop it, since
// stopDaemon and the development cluster find daemons by their pid files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, mkdir, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const DAEMON_JS = pathToFileURL(join(process.cwd(), "dist/src/util/daemon.js")).href;
const PATHS_JS = pathToFileURL(join(process.cwd(), "dist/src/util/paths.js")).href;

/** Starts a process that writes its pid file under `root` and watches it every 50 ms. */
async function watcher(root: string): Promise<{ pid: number; exited: Promise<{ code: number | null; out: string }> }> {
  const script = `
    const { exitWhenPidFileLost, exitOnStopSignals } = await import(${JSON.stringify(DAEMON_JS)});
    const { ganetiPaths } = await import(${JSON.stringify(PATHS_JS)});
    const { writeFile } = await import("node:fs/promises");
    const paths = ganetiPaths(${JSON.stringify(root)});
    await writeFile(paths.pidFile("test-daemon"), process.pid + "\\n");
    const log = { info: (o, msg) => process.stdout.write(msg + ": " + o.why + "\\n") };
    const stop = exitOnStopSignals(paths, "test-daemon", log, async () => undefined);
    exitWhenPidFileLost(paths, "test-daemon", stop, 50);
    setInterval(() => undefined, 1000); // stays up, as a daemon serving requests does
    process.stdout.write("ready\\n");
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  const ready = new Promise<void>((resolve) => {
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString();
      if (out.includes("ready")) resolve();
    });
  });
  const exited = new Promise<{ code: number | null; out: string }>((resolve) => {
    child.on("exit", (code) => resolve({ code, out }));
  });
  await ready;
  return { pid: child.pid!, exited };
}

async function root(): Promise<string> {
  const r = await mkdtemp(join(tmpdir(), "pidfile-"));
  await mkdir(join(r, "var/run/ganeti"), { recursive: true });
  return r;
}

test("a daemon stops once another process's pid is in its pid file, and leaves that file alone", async () => {
  const r = await root();
  const w = await watcher(r);
  const pidFile = join(r, "var/run/ganeti/test-daemon.pid");
  assert.equal((await readFile(pidFile, "utf8")).trim(), String(w.pid));
  await writeFile(pidFile, "1\n"); // a second copy took over
  const { code, out } = await w.exited;
  assert.equal(code, 0);
  assert.match(out, /test-daemon stopping: its pid file names another process/);
  assert.equal((await readFile(pidFile, "utf8")).trim(), "1", "the other copy's pid file is kept");
  await rm(r, { recursive: true, force: true });
});

test("a daemon stops once its pid file is gone", async () => {
  const r = await root();
  const w = await watcher(r);
  await unlink(join(r, "var/run/ganeti/test-daemon.pid"));
  const { code, out } = await w.exited;
  assert.equal(code, 0);
  assert.match(out, /test-daemon stopping: its pid file is gone/);
  await rm(r, { recursive: true, force: true });
});

test("a daemon whose pid file stays its own keeps running, and a stop signal removes the file", async () => {
  const r = await root();
  const w = await watcher(r);
  const pidFile = join(r, "var/run/ganeti/test-daemon.pid");
  await new Promise((res) => setTimeout(res, 300)); // six checks
  process.kill(w.pid, 0); // still alive: throws otherwise
  process.kill(w.pid, "SIGTERM");
  const { code, out } = await w.exited;
  assert.equal(code, 0);
  assert.match(out, /test-daemon stopping: SIGTERM/);
  await assert.rejects(readFile(pidFile, "utf8"), /ENOENT/);
  await rm(r, { recursive: true, force: true });
});
