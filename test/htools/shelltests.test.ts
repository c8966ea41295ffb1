// Ganeti's own htools shelltests (package ganeti-testsuite, fetched into .cache/ by
// scripts/install-system-deps.sh, never committed) run against our hbal, hinfo, hcheck,
// hspace, hail, hroller, hsqueeze, hscan and hpc-mon-collector, with the files Ganeti's
// offline-test.sh prepares (made here with our hspace and hscan). All cases apply.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { parseShellTests, runShellTest, type ShellTest } from "./shelltest.js";

const ROOT = resolve(import.meta.dirname, "../../..");
const SUITE = join(ROOT, ".cache/ganeti-testsuite/usr/share/ganeti/testsuite/test");
const OURS = new Set(["hbal", "hinfo", "hcheck", "hspace", "hail", "hroller", "hsqueeze", "hscan", "hpc-mon-collector"]);

/** Why a case does not apply to us (null: it applies; today every case does). */
export function notApplicable(t: ShellTest): string | null {
  const progs = [...t.command.matchAll(/\.\/test\/hs\/([a-z0-9-]+)/g)].map((m) => m[1]!);
  const missing = progs.find((p) => !OURS.has(p));
  if (missing !== undefined) return `${missing} is not implemented yet`;
  if (progs.length === 0 && !/\$T\//.test(t.command)) return "not an htools command";
  return null;
}

/** The files and variables Ganeti's offline-test.sh prepares (made with our hspace). */
function prepareFiles(tree: string, env: NodeJS.ProcessEnv): void {
  const T = env.T!;
  const sh = (cmd: string): void => {
    const r = spawnSync("bash", ["-c", `set -e -o pipefail; ${cmd}`], { cwd: tree, env, encoding: "utf8" });
    assert.equal(r.status, 0, `preparing shelltest data failed: ${cmd}\n${r.stderr}`);
  };
  sh(`./test/hs/hspace --simu p,4,8T,64g,16 -S ${T}/simu-onegroup --disk-template drbd -l 8 -v -v -v >/dev/null 2>&1`);
  sh(`./test/hs/hspace --simu p,4,8T,64g,16 --simu p,4,8T,64g,16 -S ${T}/simu-twogroups --disk-template drbd -l 8 >/dev/null 2>&1`);
  sh(`./test/hs/hspace --simu u,4,8T,64g,16 --simu p,4,8T,64g,16 -S ${T}/simu-rebal-orig --disk-template drbd -l 8 >/dev/null 2>&1`);
  for (const suffix of ["standard", "tiered"]) {
    sh(`sed -re 's/^(node-.*|fake-uuid-)-02(|.*)/\\1-01\\2/' < ${T}/simu-rebal-orig.${suffix} > ${T}/simu-rebal-merged.${suffix}`);
  }
  env.BACKEND_BAL_STD = `-t${T}/simu-rebal-merged.standard`;
  env.BACKEND_BAL_TIER = `-t${T}/simu-rebal-merged.tiered`;
  env.BACKEND_DYNU = `-t ${T}/simu-onegroup.standard`;
  env.BACKEND_EXCL = `-t ${T}/simu-onegroup.standard`;
  const D = "./test/data/htools";
  for (const mode of ["primary-only", "secondary-only", "all"]) {
    sh(`sed -e 's/"evac_mode": "all"/"evac_mode": "${mode}"/' -e 's/"spindles": [0-9]\\+,//' < ${D}/hail-node-evac.json > ${T}/hail-node-evac.json.${mode}`);
  }
  for (const bf of ["hail-alloc-drbd", "hail-alloc-invalid-twodisks", "hail-alloc-twodisks", "hail-change-group", "hail-node-evac", "hail-reloc-drbd", "hail-alloc-spindles"]) {
    sh(`sed -e 's/"exclusive_storage": false/"exclusive_storage": true/' < ${D}/${bf}.json > ${T}/${bf}.json.excl-stor`);
    sh(`sed -e 's/"exclusive_storage": false/"exclusive_storage": true/' -e 's/"spindles": [0-9]\\+,//' < ${D}/${bf}.json > ${T}/${bf}.json.fail-excl-stor`);
  }
  // file-based RAPI: hscan saves the text file, hinfo reads RAPI and that file alike
  env.RAPI_URL = `file://${D}/rapi`;
  sh(`mkdir -p ${T}/hscan && ./test/hs/hscan -d ${T}/hscan/ -p -v -v $RAPI_URL >/dev/null 2>&1`);
  sh(`./test/hs/hinfo -p --print-instances -m $RAPI_URL > ${T}/hscan/direct.hinfo 2>&1`);
  sh(`./test/hs/hinfo -p --print-instances -t "$(ls ${T}/hscan/*.data | head -n1)" > ${T}/hscan/fromtext.hinfo 2>&1`);
}

test("Ganeti's htools shelltests against our htools", (t) => {
  if (!existsSync(join(SUITE, "hs/shelltests"))) {
    const why = `Ganeti's testsuite is missing at ${SUITE}: run scripts/install-system-deps.sh`;
    if (process.env.CI === "true") assert.fail(why);
    t.skip(why);
    return;
  }
  const tree = mkdtempSync(join(tmpdir(), "htools-st-"));
  try {
    mkdirSync(join(tree, "test/hs"), { recursive: true });
    symlinkSync(join(SUITE, "data"), join(tree, "test/data"));
    for (const p of OURS) symlinkSync(join(ROOT, "bin", p), join(tree, "test/hs", p));
    const tdir = join(tree, "T");
    mkdirSync(tdir);
    const env: NodeJS.ProcessEnv = { ...process.env, TESTDATA_DIR: "./test/data/htools", PYTESTDATA_DIR: "./test/data", T: tdir };
    prepareFiles(tree, env);
    const files = readdirSync(join(SUITE, "hs/shelltests")).filter((f) => f.endsWith(".test")).sort();
    let passed = 0;
    const failed: string[] = [];
    const skipped = new Map<string, number>();
    for (const f of files) {
      for (const st of parseShellTests(f, readFileSync(join(SUITE, "hs/shelltests", f), "utf8"))) {
        const why = notApplicable(st);
        if (why !== null) {
          skipped.set(why, (skipped.get(why) ?? 0) + 1);
          continue;
        }
        const r = runShellTest(st, tree, env);
        if (r.failures.length === 0) passed++;
        else failed.push(`${f}:${st.line}: ${st.command}\n  ${r.failures.join("\n  ")}`);
      }
    }
    t.diagnostic(`shelltests: ${passed} passed, ${failed.length} failed`);
    for (const [why, n] of skipped) t.diagnostic(`not applicable (${n}): ${why}`);
    assert.ok(passed > 0, "no shelltest ran");
    assert.deepEqual([...skipped], [], "every case of Ganeti's shelltests applies to us");
    assert.deepEqual(failed, []);
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
});
