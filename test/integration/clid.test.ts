// ganeti-clid: the gnt-* programs handed to a warm worker must behave exactly as when
// started directly — same output, errors, exit codes, environment — and fall back to a
// direct start whenever the worker cannot serve. Real devcluster, real launcher.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DevCluster, BIN, type RunResult } from "../helpers/devcluster.js";
import { waitFor } from "../../src/util/daemon.js";
import { parseRequest, WORKER_PROGRAMS, WORKER_TITLE } from "../../src/clid/protocol.js";

let c: DevCluster;

before(async () => {
  c = await DevCluster.up(3, 32);
});
after(async () => {
  await c?.destroy();
});

async function clidPid(node = "node1"): Promise<number | null> {
  const text = await readFile(join(c.root(node), "var/run/ganeti/ganeti-clid.pid"), "utf8").catch(() => null);
  return text === null ? null : Number(text.trim());
}

/** The clid's warm workers (its children), by pid. */
async function workers(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, "utf8");
  return text.trim().split(/\s+/).filter((s) => s !== "").map(Number).sort();
}

/** Whether one of `before` exits (the one that took the command) within a few seconds. */
async function oneTaken(pid: number, before: readonly number[]): Promise<boolean> {
  return waitFor(async () => {
    const now = await workers(pid);
    return before.some((w) => !now.includes(w));
  }, 5000, 20);
}

/** Whether every one of `pids` has said it is ready (its process title). */
async function allReady(pids: readonly number[]): Promise<boolean> {
  const titles = await Promise.all(pids.map((p) => readFile(`/proc/${p}/cmdline`, "utf8").catch(() => "")));
  return titles.every((t) => t.replace(/\0.*$/s, "").trimEnd() === WORKER_TITLE);
}

/**
 * The two warm workers, once the pool has settled: the same two children, both ready,
 * half a second apart (a worker that just ran a command may still be exiting while its
 * successor starts; a fresh one is ready once it has loaded Node's modules and told the
 * daemon, which the half second leaves time to arrive).
 */
async function poolFull(pid: number): Promise<number[]> {
  let ws: number[] = [];
  assert.ok(await waitFor(async () => {
    const first = await workers(pid);
    if (first.length !== 2 || !(await allReady(first))) return false;
    await new Promise((r) => setTimeout(r, 500));
    ws = await workers(pid);
    return ws.join() === first.join() && (await allReady(ws));
  }, 20_000, 50), "two warm workers");
  return ws;
}

function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((res) => {
    const { NODE_EXTRA_CA_CERTS: _d, ...inherited } = process.env;
    execFile(cmd, [...args], { env: { ...inherited, GANETI_HOSTNAME: "", GANETI_ROOT: c.root("node1"), ...env } }, (e, stdout, stderr) => {
      res({ code: e === null ? 0 : typeof (e as { code?: unknown }).code === "number" ? (e as { code: number }).code : 1, stdout, stderr });
    });
  });
}

test("every subcommand the launcher sends to ganeti-clid belongs to a program its workers load", async () => {
  const listed = (await readFile(join(BIN, "../dist/cli-bundle/resident.txt"), "utf8")).trim().split("\n");
  assert.ok(listed.includes("gnt-job list") && listed.includes("gnt-cluster version"), listed.join(", "));
  assert.ok(!listed.some((l) => /^gnt-\S+ (add|remove|modify|delay|destroy|init)$/.test(l)), "nothing that changes the cluster");
  for (const l of listed) assert.ok((WORKER_PROGRAMS as readonly string[]).includes(l.split(" ")[0]!), l);
});

test("the launcher's request line is parsed strictly", () => {
  assert.deepEqual(parseRequest("ganeti-clid 1 4242 011 80"), { pid: 4242, tty: [false, true, true], columns: 80 });
  for (const bad of ["ganeti-clid 1 0 000 0", "ganeti-clid 2 42 000 0", "ganeti-clid 1 42 0000 0", "ganeti-clid 1 42 000", "ganeti-clid 1 -1 000 0"]) {
    assert.equal(parseRequest(bad), null, bad);
  }
});

test("a resident command is served by a warm worker, with the same output, errors and exit codes as a direct start", async () => {
  await c.ok("gnt-debug", "delay", "0.01");
  const pid = await clidPid();
  assert.ok(pid !== null, "ganeti-clid runs on node1");
  const cases: string[][] = [
    ["gnt-job", "list"],
    ["gnt-node", "list", "-o", "name,role,offline", "--no-headers"],
    ["gnt-cluster", "version"],
    ["gnt-cluster", "getmaster"],
    ["gnt-node", "list", "-o", "nosuchfield"], // an error: Ganeti's text on stderr, exit code 1
    ["gnt-job", "info", "999999"],
    ["gnt-node", "info", "nosuchnode"],
  ];
  const trace = join(c.dir, "clid-trace");
  for (const [program, ...args] of cases) {
    const before = await poolFull(pid);
    await writeFile(trace, "");
    const fast = await run(join(BIN, program!), args, { GANETI_CLID_TRACE: trace });
    // The worker ran it (a worker sending it back to the launcher would note nothing).
    assert.equal(await readFile(trace, "utf8"), `${[program, ...args].join(" ")}\n`);
    // The worker that ran it exits: one of the two warm ones is gone.
    assert.ok(await oneTaken(pid, before), `${program} ${args.join(" ")}: served by a worker`);
    const direct = await run(join(BIN, program!), args, { GANETI_CLI_DIRECT: "1" });
    assert.deepEqual(fast, direct, `${program} ${args.join(" ")}`);
  }
});

test("the worker runs the command in the launcher's environment and working directory", async () => {
  const pid = (await clidPid())!;
  // Job times are printed in the local time zone: TZ must be the launcher's, not the daemon's.
  const info = async (tz: string, direct: boolean): Promise<string> => {
    await poolFull(pid);
    const r = await run(join(BIN, "gnt-job"), ["info", "1"], { TZ: tz, ...(direct ? { GANETI_CLI_DIRECT: "1" } : {}) });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  const tokyo = await info("Asia/Tokyo", false);
  assert.equal(tokyo, await info("Asia/Tokyo", true));
  assert.notEqual(tokyo, await info("America/New_York", false), "TZ changes the output");
});

test("output to a file, to a closed pipe, and commands a worker does not take", async () => {
  const pid = (await clidPid())!;
  await poolFull(pid);
  const sh = (script: string): Promise<RunResult> => run("/bin/sh", ["-c", script], { PATH: `${BIN}:${process.env["PATH"] ?? ""}` });
  // A redirection into a file (the shell's own writes before and after keep their place).
  const f = join(c.dir, "out.txt");
  const r = await sh(`{ echo before; gnt-cluster version; echo after; } > ${f} 2>&1; cat ${f}`);
  assert.equal(r.code, 0);
  const lines = r.stdout.trim().split("\n");
  assert.equal(lines[0], "before");
  assert.match(lines[1] ?? "", /^Software version: /);
  assert.equal(lines.at(-1), "after");
  // The reader of stdout goes away: the program ends as a direct start does, quietly.
  await poolFull(pid);
  const p = await sh("gnt-node list | head -1; echo status=$?");
  assert.match(p.stdout, /^Node +DTotal/);
  assert.match(p.stdout, /status=0/);
  assert.equal(p.stderr, "");
  // Not resident (it submits a job; usage): the launcher runs it itself, no worker is used.
  const before = await poolFull(pid);
  const trace = join(c.dir, "clid-trace-2");
  await writeFile(trace, "");
  const d = await run(join(BIN, "gnt-debug"), ["delay", "--submit", "0"], { GANETI_CLID_TRACE: trace });
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stdout, /^JobID: \d+$/m);
  const u = await run(join(BIN, "gnt-job"), [], { GANETI_CLID_TRACE: trace });
  assert.equal(u.code, 1);
  assert.match(u.stdout, /^Usage: gnt-job \{command\}/);
  assert.equal(await readFile(trace, "utf8"), "");
  assert.deepEqual(await workers(pid), before, "both warm workers still waiting");
});

test("without a ganeti-clid the programs start directly; stopping it ends its workers", async () => {
  const pid = (await clidPid())!;
  const ws = await poolFull(pid);
  process.kill(pid, "SIGTERM");
  assert.ok(await waitFor(() => ws.every((w) => {
    try {
      process.kill(w, 0);
      return false;
    } catch {
      return true;
    }
  }), 10_000, 50), "the workers exit with their daemon");
  const r = await run(join(BIN, "gnt-node"), ["list", "-o", "name", "--no-headers"], {});
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "node1\nnode2\nnode3\n");
  // The watcher brings it back, as it does the other daemons.
  const w = await c.on("node1", "ganeti-watcher");
  assert.equal(w.code, 0, w.stderr);
  assert.ok(await waitFor(async () => (await clidPid()) !== null && (await clidPid()) !== pid, 15_000, 100));
});
