// hspace and hail against stored outputs of Ganeti 3.0.2's own binaries
// (test/htools/hspace-hail.ref.json, made by test/htools/make-refs.sh): stdout,
// stderr and exit code must be byte-identical.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../../..");
const DATA = ".cache/ganeti-testsuite/usr/share/ganeti/testsuite/test/data/htools";

interface RefCase {
  readonly prog: "hspace" | "hail";
  readonly args: string;
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

const refs = JSON.parse(readFileSync(join(ROOT, "test/htools/hspace-hail.ref.json"), "utf8")) as RefCase[];

test("hspace and hail outputs equal Ganeti 3.0.2's (stored references)", (t) => {
  if (!existsSync(join(ROOT, DATA))) {
    const why = `Ganeti's testsuite data is missing at ${DATA}: run scripts/install-system-deps.sh`;
    if (process.env.CI === "true") assert.fail(why);
    t.skip(why);
    return;
  }
  const diffs: string[] = [];
  for (const c of refs) {
    const args = c.args.replaceAll("DATA", DATA).split(" ").filter((a) => a !== "");
    const r = spawnSync(join(ROOT, "bin", c.prog), args, { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    if (r.stdout !== c.stdout) diffs.push(`${c.prog} ${c.args}: stdout differs\n--- ours\n${r.stdout}\n--- ganeti\n${c.stdout}`);
    if (r.stderr !== c.stderr) diffs.push(`${c.prog} ${c.args}: stderr differs\n--- ours\n${r.stderr}\n--- ganeti\n${c.stderr}`);
    if (r.status !== c.code) diffs.push(`${c.prog} ${c.args}: exit ${r.status}, Ganeti ${c.code}`);
  }
  t.diagnostic(`${refs.length} cases compared`);
  assert.deepEqual(diffs, []);
});
