// The job queue with a recording replicator and a scripted executor (no daemons).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JobQueue, type OpExecutor, type OpInput } from "../../src/jobs/queue.js";
import { serializeJob, newJob, type Job } from "../../src/jobs/job.js";

const validate = (op: unknown): OpInput => {
  if (typeof (op as OpInput)?.OP_ID !== "string") throw new Error("bad op");
  return op as OpInput;
};

async function queue(execute: OpExecutor, opts: { maxRunning?: number; replicate?: (f: ReadonlyArray<readonly [string, string]>) => Promise<void> } = {}) {
  const dir = await mkdtemp(join(tmpdir(), "jq-"));
  const replicated: string[] = [];
  const q = new JobQueue({
    dir, validate, execute, maxRunning: opts.maxRunning,
    replicate: async (files) => {
      if (opts.replicate !== undefined) await opts.replicate(files);
      for (const [n] of files) replicated.push(n);
    },
  });
  await q.load();
  return { q, dir, replicated };
}

const done = (id: number, q: JobQueue): Promise<void> => new Promise((resolve) => {
  const tick = (): void => {
    const j = q.get(id);
    if (j !== undefined && j.end_timestamp !== null) resolve();
    else setTimeout(tick, 5);
  };
  tick();
});

test("a job is on disk and replicated before submit returns", async () => {
  const { q, dir, replicated } = await queue(async () => ({ result: 42 }));
  const [id] = await q.submit([[{ OP_ID: "OP_TEST_DELAY", duration: 0 }]]);
  assert.equal(id, 1);
  assert.ok(replicated.includes("job-1"), "replicated before the answer");
  // "Crash" right after the answer: a new queue on the same directory has the job.
  const after = new JobQueue({ dir, validate, execute: async () => new Promise<never>(() => undefined), replicate: async () => undefined });
  const r = await after.load();
  assert.ok(after.get(1) !== undefined || r.restarted.includes(1), "the acknowledged job survives");
  assert.equal((await readFile(join(dir, "serial"), "utf8")).trim(), "1");
  await done(1, q);
  await q.close();
  assert.equal(JSON.parse(await readFile(join(dir, "job-1"), "utf8")).ops[0].status, "success");
});

test("after a crash: running jobs end in error, queued and waiting ones run again", async () => {
  const dir = await mkdtemp(join(tmpdir(), "jq-"));
  await mkdir(dir, { recursive: true });
  const mk = (id: number, status: string): Job => {
    const j = newJob(id, [{ OP_ID: "OP_TEST_DELAY", duration: 0 }], [1, 0]);
    (j.ops[0] as { status: string }).status = status;
    return j;
  };
  await writeFile(join(dir, "job-1"), serializeJob(mk(1, "running")));
  await writeFile(join(dir, "job-2"), serializeJob(mk(2, "queued")));
  await writeFile(join(dir, "job-3"), serializeJob(mk(3, "waiting")));
  await writeFile(join(dir, "job-4"), serializeJob(mk(4, "canceling")));
  await writeFile(join(dir, "serial"), "4\n");
  const ran: number[] = [];
  const q = new JobQueue({ dir, validate, replicate: async () => undefined, execute: async (_op, ctx) => {
    ran.push(ctx.jobId);
    return { result: null };
  } });
  const r = await q.load();
  assert.deepEqual(r.restarted.sort(), [2, 3]);
  assert.deepEqual(r.failed.sort(), [1, 4]);
  await Promise.all([done(2, q), done(3, q)]);
  assert.deepEqual(ran.sort(), [2, 3]);
  await q.close(); // writes every journaled file out
  const j1 = JSON.parse(await readFile(join(dir, "job-1"), "utf8"));
  assert.equal(j1.ops[0].status, "error");
  assert.deepEqual(j1.ops[0].result, ["OpExecError", ["Unclean master daemon shutdown"]]);
  assert.equal(JSON.parse(await readFile(join(dir, "job-4"), "utf8")).ops[0].status, "canceled");
  const q2 = new JobQueue({ dir, validate, replicate: async () => undefined, execute: async () => ({ result: null }) });
  await q2.load();
  const [next] = await q2.submit([[{ OP_ID: "OP_TEST_DELAY" }]]);
  assert.equal(next, 5, "ids continue after the highest one on disk");
  await q2.close();
});

test("higher priority jobs run first", async () => {
  let release: () => void = () => undefined;
  const order: number[] = [];
  const { q } = await queue(async (_op, ctx) => {
    order.push(ctx.jobId);
    if (ctx.jobId === 1) await new Promise<void>((r) => { release = r; });
    return { result: null };
  }, { maxRunning: 1 });
  await q.submit([[{ OP_ID: "OP_TEST_DELAY" }]]);
  await q.submit([[{ OP_ID: "OP_TEST_DELAY", priority: 10 }]]);
  await q.submit([[{ OP_ID: "OP_TEST_DELAY", priority: -10 }]]);
  release();
  await Promise.all([done(2, q), done(3, q)]);
  assert.deepEqual(order, [1, 3, 2]);
  await q.close();
});

test("cancel: a queued job is cancelled, a running one is not", async () => {
  let release: () => void = () => undefined;
  const { q } = await queue(async (_op, ctx) => {
    ctx.notifyStart();
    await new Promise<void>((r) => { release = r; });
    return { result: null };
  }, { maxRunning: 1 });
  await q.submit([[{ OP_ID: "OP_TEST_DELAY" }], [{ OP_ID: "OP_TEST_DELAY" }]]);
  while (q.get(1)?.ops[0]?.status !== "running") await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(await q.cancel(1), [false, "Job 1 is no longer waiting in the queue"]);
  assert.deepEqual(await q.cancel(2), [true, "Job 2 canceled"]);
  release();
  await done(1, q);
  assert.equal(q.get(2)?.ops[0]?.status, "canceled");
  await q.close();
});

test("watchers see only what is durable", async () => {
  let slow = false;
  const blocked: Array<() => void> = [];
  const { q } = await queue(async () => {
    slow = true; // from now on replication waits until released
    return { result: null };
  }, {
    replicate: async () => {
      if (slow) await new Promise<void>((r) => { blocked.push(r); });
    },
  });
  const [id] = await q.submit([[{ OP_ID: "OP_TEST_DELAY" }]]);
  while (q.get(id as number)?.ops[0]?.status !== "success") await new Promise((r) => setTimeout(r, 5));
  const seen = await q.waitForChange(id as number, "queued", -1, 50);
  assert.notEqual(seen, null);
  // Its end (and maybe more) is not replicated yet, so nobody is told of it.
  assert.ok(seen === "nochange" || seen?.job_info[0] !== "success", JSON.stringify(seen));
  slow = false;
  let last = "queued";
  for (let n = 0; n < 200 && last !== "success"; n++) {
    blocked.splice(0).forEach((r) => r());
    const ch = await q.waitForChange(id as number, last, -1, 50);
    if (ch !== null && ch !== "nochange") last = String(ch.job_info[0]);
  }
  assert.equal(last, "success", "once replicated, the end is shown");
  await q.close();
});

test("a drained queue refuses jobs", async () => {
  const { q } = await queue(async () => ({ result: null }));
  await q.setDrainFlag(true);
  await assert.rejects(q.submit([[{ OP_ID: "OP_TEST_DELAY" }]]), /Job queue is drained, refusing job/);
  await q.setDrainFlag(false);
  await q.submit([[{ OP_ID: "OP_TEST_DELAY" }]]);
  await q.close();
});
