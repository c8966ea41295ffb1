// The htools on a live 3-node devcluster: the luxi backend (-L) reads the cluster from
// our master, and `hbal -L -X` executes its balancing solution as jobs (Ganeti's
// iMoveToJob opcodes, one job set after another), moving instances crowded on one node.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DevCluster, rows } from "../helpers/devcluster.js";

let c: DevCluster;

before(async () => {
  c = await DevCluster.up(3, 19);
});

after(async () => {
  await c?.destroy();
});

async function ok(program: string, ...args: string[]): Promise<string> {
  const r = await c.on("node1", program, ...args);
  assert.equal(r.code, 0, `${program} ${args.join(" ")}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function placement(list: string): Map<string, string> {
  return new Map(rows(list).map((r) => [r[0]!, r[2] === "" ? r[1]! : `${r[1]}:${r[2]}`]));
}

async function instances(): Promise<Map<string, string>> {
  return placement(await ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "name,pnode,snodes"));
}

function score(out: string, re: RegExp): number {
  const m = re.exec(out);
  assert.ok(m !== null, `no ${re} in:\n${out}`);
  return Number(m[1]);
}

test("hbal -L -X moves instances crowded on node1 and the score improves", async () => {
  for (const n of ["s1", "s2", "s3", "s4"]) {
    await ok("gnt-instance", "add", "-t", "sharedfile", "-s", "1G", "--no-install", "-o", "image+default", "--no-name-check", "-n", "node1", n);
  }
  await ok("gnt-instance", "add", "-t", "drbd", "-s", "1G", "--no-install", "-o", "image+default", "--no-name-check", "-n", "node1:node2", "d1");
  const start = await instances();
  assert.equal([...start.values()].filter((p) => p.startsWith("node1")).length, 5);

  const plan = await ok("hbal", "-L", "-C");
  const before = score(plan, /^Initial score: ([\d.]+)$/m);

  const r = await c.on("node1", "hbal", "-L", "-X");
  assert.equal(r.code, 0, `hbal -L -X:\n${r.stdout}\n${r.stderr}`);
  // the same solution as the dry run, then one submission per job set
  const solution = (s: string): string[] => s.split("\n").filter((l) => /^\s+\d+\. /.test(l));
  const lines = solution(r.stdout);
  assert.ok(lines.length >= 2, r.stdout);
  assert.deepEqual(lines, solution(plan));
  const sets = (plan.match(/^ {2}echo jobset \d+/gm) ?? []).length;
  assert.equal((r.stdout.match(/^Got job IDs \d+(,\d+)*$/gm) ?? []).length, sets, r.stdout);
  const planned = score(r.stdout, /^Cluster score improved from [\d.]+ to ([\d.]+)$/m);
  assert.ok(planned < before);

  // every instance ended where the last solution line that names it put it
  const want = new Map(start);
  for (const l of lines) {
    const m = /^\s+\d+\. (\S+)\s+\S+\s+=> (\S+)\s/.exec(l);
    assert.ok(m !== null, l);
    want.set(m[1]!, m[2]!);
  }
  const now = await instances();
  assert.deepEqual(now, want);
  assert.ok([...now.values()].filter((p) => p.startsWith("node1")).length < 5, JSON.stringify([...now]));
  for (const row of rows(await ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "name,status"))) {
    assert.equal(row[1], "running", `${row[0]} after the moves`);
  }

  // the cluster as read back is better balanced, and hbal has less (or nothing) left to do
  const after = await ok("hbal", "-L");
  assert.ok(score(after, /^Initial score: ([\d.]+)$/m) < before);
  assert.ok(solution(after).length < lines.length, after);
});

test("the luxi backend reads the cluster as the text backend would (hbal, hroller, hsqueeze, hinfo)", async () => {
  const save = join(c.dir, "live");
  const luxi = await c.on("node1", "hbal", "-L", "-C", "-p", "-S", save);
  assert.equal(luxi.code, 0, luxi.stderr);
  const text = await c.on("node1", "hbal", "-t", `${save}.original`, "-C", "-p");
  assert.equal(text.code, 0, text.stderr);
  assert.equal(luxi.stdout, text.stdout);
  // and Ganeti's own hbal, on the same data, agrees
  const ganeti = "/usr/lib/ganeti/3.0/usr/bin/hbal";
  if (existsSync(ganeti)) {
    const { spawnSync } = await import("node:child_process");
    const g = spawnSync(ganeti, ["-t", `${save}.original`, "-C", "-p"], { encoding: "utf8", argv0: "hbal" });
    assert.equal(g.stdout, text.stdout);
  }

  const roller = await ok("hroller", "-L", "--no-headers");
  const groups = roller.trim().split("\n").map((l) => l.split(","));
  assert.deepEqual(groups.flat().sort(), ["node1", "node2", "node3"]);
  assert.equal(groups.at(-1)!.at(-1), "node1", "the master reboots last");
  assert.match(await ok("hsqueeze", "-L", "-v"), /^Offline candidates: .*\nOnline candidates: \n/);
  assert.match(await ok("hinfo", "-L"), /^Loaded 3 nodes, 5 instances, 1 node group$/m);

  const bad = await c.on("node1", "hbal", `-L${join(c.dir, "no-such-socket")}`);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, "Error: failed to load data, aborting: Network.Socket.connect: <socket: 3>: does not exist (No such file or directory)\n");
});
