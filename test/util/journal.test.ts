import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile, stat, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirJournal } from "../../src/util/journal.js";

test("append writes the files; a checkpoint empties the journal", async () => {
  const dir = await mkdtemp(join(tmpdir(), "jr-"));
  const j = new DirJournal(dir);
  await j.append([["job-1", "a"], ["serial", "1\n"]]);
  await j.drain(); // files are written in the background once the batch is durable
  assert.equal(await readFile(join(dir, "job-1"), "utf8"), "a");
  assert.ok((await stat(join(dir, "journal"))).size > 0);
  await j.checkpoint();
  assert.equal((await stat(join(dir, "journal"))).size, 0);
  await j.close();
});

test("after a crash the journal is replayed; a torn last batch is ignored", async () => {
  const dir = await mkdtemp(join(tmpdir(), "jr-"));
  const j = new DirJournal(dir);
  await j.append([["job-1", "v1"]]);
  await j.append([["job-1", "v2"], ["job-2", "x"]]);
  await j.close();
  // The crash: the files never reached the disk, and a half-written batch follows.
  await rm(join(dir, "job-1"));
  await writeFile(join(dir, "job-2"), "stale");
  await writeFile(join(dir, "journal"), `${await readFile(join(dir, "journal"), "utf8")}[["job-1","v3"`);
  const k = new DirJournal(dir);
  assert.equal(await k.recover(), 2);
  assert.equal(await readFile(join(dir, "job-1"), "utf8"), "v2");
  assert.equal(await readFile(join(dir, "job-2"), "utf8"), "x");
  assert.equal((await stat(join(dir, "journal"))).size, 0, "recovery ends with a checkpoint");
  await k.close();
});

test("withCheckpoint runs with an empty journal, so a replay cannot undo a rename", async () => {
  const dir = await mkdtemp(join(tmpdir(), "jr-"));
  const j = new DirJournal(dir);
  await j.append([["job-7", "done"]]);
  const size = await j.withCheckpoint(async () => (await stat(join(dir, "journal"))).size);
  assert.equal(size, 0);
  await j.close();
});
