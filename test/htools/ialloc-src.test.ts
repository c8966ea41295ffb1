// -I FILE (--ialloc-src): hbal, hinfo, hcheck, hroller and hspace read the cluster of an
// iallocator request, against Ganeti 3.0.2's own binaries run side by side on every
// request of Ganeti's testsuite: stdout, stderr and exit code must be byte-identical.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { DATA_DIR, ROOT } from "../objects/testsuite-data.js";

const GANETI_BIN = process.env.GANETI_HTOOLS_BIN ?? "/usr/lib/ganeti/3.0/usr/bin";
// Every request through hbal and hspace; the first few through the other programs too
// (a pair of runs costs ≈ 0.3 s, and -I is one loader shared by all of them).
const RUNS: readonly string[] = ["hbal -C -v", "hspace --disk-template plain --standard-alloc 10g,1g,1 --tiered-alloc 100g,8g,2 -v -v"];
const MORE_RUNS: readonly string[] = ["hinfo -v -v", "hcheck", "hcheck --machine-readable", "hroller"];
const MORE_FOR = 4;

test("-I: the cluster of an iallocator request, as Ganeti 3.0.2's programs read it", (t) => {
  if (!existsSync(join(GANETI_BIN, "hbal"))) {
    t.skip(`Ganeti's htools are not installed in ${GANETI_BIN} (apt-get install ganeti-htools-3.0)`);
    return;
  }
  const dir = join(DATA_DIR, "htools");
  const requests = readdirSync(dir).filter((f) => f.startsWith("hail-") && f.endsWith(".json"));
  assert.ok(requests.length >= 15, `only ${requests.length} requests found in ${dir}`);
  const diffs: string[] = [];
  let loaded = 0;
  const files = [...requests.map((r) => join(dir, r)), "/nonexistent/request.json"];
  for (const [k, f] of files.entries()) {
    for (const run of k < MORE_FOR || k === files.length - 1 ? [...RUNS, ...MORE_RUNS] : RUNS) {
      const [prog, ...opts] = run.split(" ") as [string, ...string[]];
      const args = ["-I", f, ...opts];
      const ours = spawnSync(join(ROOT, "bin", prog), args, { encoding: "utf8", timeout: 60_000 });
      const theirs = spawnSync(join(GANETI_BIN, prog), args, { encoding: "utf8", timeout: 60_000 });
      if (ours.stdout !== theirs.stdout) diffs.push(`${run} -I ${f}: stdout differs\n--- ours\n${ours.stdout}\n--- ganeti\n${theirs.stdout}`);
      if (ours.stderr !== theirs.stderr) diffs.push(`${run} -I ${f}: stderr differs\n--- ours\n${ours.stderr}\n--- ganeti\n${theirs.stderr}`);
      if (ours.status !== theirs.status) diffs.push(`${run} -I ${f}: exit ${ours.status}, Ganeti ${theirs.status}`);
      if (/Loaded \d+ nodes/.test(theirs.stdout)) loaded++;
    }
  }
  t.diagnostic(`${requests.length} requests compared; ${loaded} runs loaded a cluster`);
  assert.deepEqual(diffs, []);
  // (the testsuite holds a few requests that Ganeti itself rejects)
  assert.ok(loaded >= 10, `only ${loaded} runs loaded a cluster: the comparison must cover real data`);
});
