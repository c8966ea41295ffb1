// The job queue on a 3-node devcluster: submit, list, info, watch, cancel, drain,
// archive, replication to master candidates, and kill -9 of masterd with none lost.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { DevCluster, rows } from "../helpers/devcluster.js";

let c: DevCluster;

before(async () => {
  c = await DevCluster.up(3, 12);
});
after(async () => {
  await c?.destroy();
});

function jobIdOf(stdout: string): number {
  const m = /^JobID: (\d+)$/m.exec(stdout);
  assert.ok(m !== null, `no JobID in ${stdout}`);
  return Number(m[1]);
}

async function jobStatus(id: number): Promise<string> {
  const r = await c.on("node1", "gnt-job", "list", "--no-headers", "--separator=|", "-o", "id,status");
  return rows(r.stdout).find(([i]) => i === String(id))?.[1] ?? "missing";
}

async function waitStatus(id: number, want: RegExp, timeoutMs = 30_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = await jobStatus(id);
    if (want.test(s) || Date.now() > end) return s;
    await new Promise((r) => setTimeout(r, 200));
  }
}

test("submit, list, info and watch a job", async () => {
  let r = await c.on("node1", "gnt-debug", "delay", "--submit", "0.2");
  assert.equal(r.code, 0, r.stderr);
  const id = jobIdOf(r.stdout);
  r = await c.on("node1", "gnt-job", "watch", String(id));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^Output from job ${id} follows\n-----------------------------\n`));
  assert.equal(await jobStatus(id), "success");
  r = await c.on("node1", "gnt-job", "list");
  assert.match(r.stdout, /^ID\s+Status\s+Summary\n/);
  assert.match(r.stdout, new RegExp(`\\n\\s*${id}\\s+success\\s+TEST_DELAY\\(200000000 ns\\)\\n`));
  r = await c.on("node1", "gnt-job", "info", String(id));
  // Ganeti 3.0's layout (PrintGenericInfo), aligned timestamps included.
  assert.match(r.stdout, new RegExp(`^- Job ID: ${id}\n  Status: success\n  Received:         \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{6}\n` +
    "  Processing start: \\S+ \\S+ \\(delta \\d+\\.\\d{6}s\\)\n"));
  assert.match(r.stdout, /\n  Opcodes: \n    - Opcode: OP_TEST_DELAY\n      Status: success\n      Processing start: /);
  assert.match(r.stdout, /\n      Input fields: \n        OP_ID: OP_TEST_DELAY\n        duration: 0\.2\n/);
  r = await c.on("node1", "gnt-job", "info", "99999");
  assert.equal(r.stdout, "- Job ID 99999 not found\n");
});

test("a failing opcode reports Ganeti's error and the job ends in error", async () => {
  const r = await c.on("node1", "gnt-debug", "delay", "-n", "nosuchnode", "0");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^Failure: prerequisites not met for this operation:\nerror type: unknown_entity, error details:\nNode 'nosuchnode' not known\n$/);
});

test("jobs are replicated to the master candidates", async () => {
  const r = await c.on("node1", "gnt-debug", "delay", "--submit", "0");
  assert.equal(r.code, 0, r.stderr);
  const id = jobIdOf(r.stdout);
  assert.match(await waitStatus(id, /success/), /success/);
  // Each batch is durable in the master's and the candidates' journals before it is
  // acknowledged; the job files themselves follow within moments (on every node,
  // the master included), so both sides are read again until they agree.
  const queue = async (n: string): Promise<[string[], string]> => {
    const ids = (await readdir(join(c.root(n), "var/lib/ganeti/queue"))).filter((f) => f.startsWith("job-")).sort();
    const last = ids[ids.length - 1] ?? "";
    return [ids, await readFile(join(c.root(n), "var/lib/ganeti/queue", last), "utf8").catch(() => "")];
  };
  for (const n of ["node2", "node3"]) {
    let mine = await queue("node1");
    let theirs = await queue(n);
    for (let i = 0; i < 50 && (!mine[0].includes(`job-${id}`) || theirs[0].join() !== mine[0].join() || theirs[1] !== mine[1]); i++) {
      await new Promise((r) => setTimeout(r, 100));
      mine = await queue("node1");
      theirs = await queue(n);
    }
    assert.ok(mine[0].includes(`job-${id}`), `the master's queue holds job ${id}: ${mine[0].join(", ")}`);
    assert.deepEqual(theirs[0], mine[0], `queue on ${n}`);
    assert.equal(theirs[1], mine[1]);
  }
});

test("cancel a waiting job, refuse to cancel a running one", async () => {
  // The first job holds node2's lock; the second waits for it and can be cancelled.
  // Long enough that the second job is still waiting when it is cancelled on a busy machine.
  let r = await c.on("node1", "gnt-debug", "delay", "--submit", "-n", "node2", "8");
  const running = jobIdOf(r.stdout);
  assert.match(await waitStatus(running, /running/), /running/);
  r = await c.on("node1", "gnt-debug", "delay", "--submit", "-n", "node2", "1");
  const waiting = jobIdOf(r.stdout);
  assert.match(await waitStatus(waiting, /waiting/), /waiting/);
  r = await c.on("node1", "gnt-job", "cancel", String(running));
  assert.equal(r.code, 1);
  assert.equal(r.stdout, `Job ${running} is no longer waiting in the queue\n`);
  r = await c.on("node1", "gnt-job", "cancel", String(waiting));
  assert.equal(r.code, 0, r.stdout);
  assert.equal(await waitStatus(waiting, /canceled/), "canceled");
  assert.equal(await waitStatus(running, /success/), "success");
});

test("queue drain refuses new jobs until undrained", async () => {
  let r = await c.on("node1", "gnt-cluster", "queue", "drain");
  assert.equal(r.code, 0, r.stderr);
  r = await c.on("node1", "gnt-cluster", "queue", "info");
  assert.equal(r.stdout, "The drain flag is set\n");
  r = await c.on("node1", "gnt-debug", "delay", "0");
  assert.equal(r.code, 1);
  assert.equal(r.stderr, "Failure: the job queue is marked for drain and doesn't accept new requests\n");
  r = await c.on("node1", "gnt-cluster", "queue", "undrain");
  r = await c.on("node1", "gnt-cluster", "queue", "info");
  assert.equal(r.stdout, "The drain flag is unset\n");
  r = await c.on("node1", "gnt-debug", "delay", "0");
  assert.equal(r.code, 0, r.stderr);
});

test("archive and autoarchive", async () => {
  let r = await c.on("node1", "gnt-debug", "delay", "--submit", "0");
  const id = jobIdOf(r.stdout);
  await waitStatus(id, /success/);
  r = await c.on("node1", "gnt-job", "archive", String(id));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await jobStatus(id), "missing");
  r = await c.on("node1", "gnt-job", "info", String(id));
  assert.match(r.stdout, new RegExp(`^- Job ID: ${id}\n  Status: success`), "archived jobs are still shown by info");
  r = await c.on("node1", "gnt-job", "autoarchive", "all");
  assert.match(r.stdout, /^Archived \d+ jobs, 0 unchecked left\n$/);
  r = await c.on("node1", "gnt-job", "list", "--no-headers");
  assert.equal(r.stdout, "");
});

test("kill -9 of masterd in the middle of jobs loses none", async () => {
  const ids: number[] = [];
  for (let i = 0; i < 12; i++) {
    const r = await c.on("node1", "gnt-debug", "delay", "--submit", "0.3");
    assert.equal(r.code, 0, r.stderr);
    ids.push(jobIdOf(r.stdout));
  }
  const pid = Number((await readFile(join(c.root("node1"), "var/run/ganeti/ganeti-masterd.pid"), "utf8")).trim());
  process.kill(pid, "SIGKILL");
  await new Promise((r) => setTimeout(r, 300));
  const r = await c.devcluster("start", "node1");
  assert.equal(r.code, 0, r.stderr);
  // Every acknowledged job is still there; each ends as Ganeti's do: success, or error
  // ("Unclean master daemon shutdown") for the one that was running at the kill.
  for (const id of ids) {
    const st = await waitStatus(id, /success|error/);
    assert.match(st, /^(success|error)$/, `job ${id}: ${st}`);
  }
  const info = await c.on("node1", "gnt-job", "info", ...ids.map(String));
  const errors = info.stdout.match(/Unclean master daemon shutdown/g) ?? [];
  const failed = (await Promise.all(ids.map(jobStatus))).filter((s) => s === "error").length;
  assert.equal(errors.length, failed);
});
