// Overlapping queue flushes: a candidate receiving batches out of order keeps the newest
// copy of every file, and the master never has more than two flushes under way.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QueueStore, type FileVersions } from "../../src/jobs/persistence.js";
import { jobqueueUpdate } from "../../src/noded/backend/files.js";
import type { NodedContext } from "../../src/noded/context.js";

/** What the candidate's handler needs of the node daemon's context: its queue directory. */
function candidate(queueDir: string): NodedContext {
  return { paths: { queueDir } } as unknown as NodedContext;
}

test("a candidate skips a file older than the copy it has (same master run), accepts a new run's", async () => {
  const dir = await mkdtemp(join(tmpdir(), "jqc-"));
  const ctx = candidate(dir);
  await jobqueueUpdate({ files: [["job-1", "v2"]], version: { epoch: "run-a", stamps: [2] } }, ctx);
  await jobqueueUpdate({ files: [["job-1", "v1"], ["job-2", "x1"]], version: { epoch: "run-a", stamps: [1, 3] } }, ctx);
  await new Promise((r) => setTimeout(r, 50)); // the journal writes the files themselves in the background
  assert.equal(await readFile(join(dir, "job-1"), "utf8"), "v2", "the late, older copy did not win");
  assert.equal(await readFile(join(dir, "job-2"), "utf8"), "x1");
  await jobqueueUpdate({ files: [["job-1", "new-master"]], version: { epoch: "run-b", stamps: [1] } }, ctx);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(await readFile(join(dir, "job-1"), "utf8"), "new-master", "a new master's run starts afresh");
});

test("flushes overlap (at most two), replicated versions increase per file, renames wait for earlier flushes", async () => {
  const dir = await mkdtemp(join(tmpdir(), "jqm-"));
  const peer = await mkdtemp(join(tmpdir(), "jqp-"));
  const ctx = candidate(peer);
  let inFlight = 0;
  let maxInFlight = 0;
  let calls = 0;
  const events: string[] = [];
  const store = new QueueStore(dir, async (files, renames, versions?: FileVersions) => {
    if (renames.length > 0) {
      events.push(`rename:${inFlight}`);
      return;
    }
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    // Earlier requests are slower: they reach the candidate after later ones.
    const delay = Math.max(0, 40 - 10 * calls++);
    await new Promise((r) => setTimeout(r, delay));
    await jobqueueUpdate({ files: files.map(([n, c]) => [n, c] as [string, string]), ...(versions !== undefined ? { version: { ...versions, stamps: [...versions.stamps] } } : {}) }, ctx);
    inFlight--;
  });
  await store.recover();
  const writes: Array<Promise<unknown>> = [];
  for (let v = 1; v <= 12; v++) {
    writes.push(store.write("job-7", () => ({ text: `version ${v}`, meta: v })));
    await new Promise((r) => setImmediate(r));
  }
  const metas = await Promise.all(writes);
  assert.ok(metas.every((m, i) => (m as number) >= i + 1), "each write resolves with its version or a newer one");
  await store.rename("job-7", "archive/job-7");
  assert.ok(maxInFlight >= 2, `flushes overlapped (max ${maxInFlight})`);
  assert.ok(maxInFlight <= 2, `never more than two (max ${maxInFlight})`);
  assert.deepEqual(events, ["rename:0"], "the rename went out with no flush under way");
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(await readFile(join(peer, "job-7"), "utf8"), "version 12", "the candidate ends with the newest copy");
  await store.close();
});
