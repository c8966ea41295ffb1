// The ExtStorage layer against real provider scripts in a temporary root: Ganeti's checks of
// a provider's files, its environment, the driver's actions through the shipped
// sharedfile-ext provider, and a failing script's output in the error.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, rm, stat, symlink, writeFile, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ganetiPaths, type GanetiPaths } from "../../src/util/paths.js";
import { diagnoseExtStorage, extStorage, extStorageAction, extStorageEnvironment, extStorageFromDisk, extInfoText } from "../../src/storage/ext.js";
import type { DiskSpec } from "../../src/storage/types.js";

const SHIPPED = resolve(join(fileURLToPath(import.meta.url), "../../../../extstorage/sharedfile-ext"));
let dir = "";
let paths: GanetiPaths;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "ext-unit-"));
  paths = ganetiPaths(join(dir, "root"));
  const es = join(paths.root, "srv/ganeti/extstorage");
  await mkdir(es, { recursive: true });
  await symlink(SHIPPED, join(es, "sharedfile-ext"));
  await mkdir(join(es, "noexec"));
  for (const s of ["create", "remove", "grow", "attach", "detach", "setinfo", "verify"]) await writeFile(join(es, "noexec", s), "#!/bin/sh\n");
  await chmod(join(es, "noexec", "create"), 0o755);
  await mkdir(join(es, "noparams"));
  for (const s of ["create", "remove", "grow", "attach", "detach", "setinfo", "verify"]) {
    await writeFile(join(es, "noparams", s), "#!/bin/sh\necho \"out of $0\"; echo oops >&2; exit 3\n", { mode: 0o755 });
  }
  process.env["SHAREDFILE_EXT_DIR"] = join(dir, "volumes");
});
after(async () => {
  delete process.env["SHAREDFILE_EXT_DIR"];
  await rm(dir, { recursive: true, force: true });
});

const disk = (volume: string, params: Record<string, unknown> = {}): DiskSpec =>
  ({ uuid: "u-1", dev_type: "ext", logical_id: ["sharedfile-ext", volume], size: 8, name: "data", params: { provider: "sharedfile-ext", ...params } });

test("provider checks and diagnosis, with Ganeti's messages", async () => {
  assert.deepEqual(await extStorageFromDisk(paths, "nope"),
    { ok: false, why: "Directory for External Storage Provider nope not found in search path" });
  assert.deepEqual(await extStorageFromDisk(paths, "../etc"),
    { ok: false, why: "Directory for External Storage Provider ../etc not found in search path" });
  const diag = await diagnoseExtStorage(paths);
  assert.deepEqual(diag.map((d) => [d.name, d.status, d.diagnose]), [
    ["noexec", false, "File 'remove' under path '/srv/ganeti/extstorage/noexec' is not executable"],
    ["noparams", false, "File 'parameters.list' under path '/srv/ganeti/extstorage/noparams' is missing (ENOENT)"],
    ["sharedfile-ext", true, ""],
  ]);
  assert.deepEqual(diag[2]?.parameters.map(([n]) => n), ["sparse", "fromsnap"]);
});

test("the scripts' environment", () => {
  assert.deepEqual(extStorageEnvironment(disk("v.ext.disk0", { sparse: "no" }), { size: 8, grow: 16, metadata: "originstname+i1", exclusive: false }), {
    VOL_NAME: "v.ext.disk0", EXTP_PROVIDER: "sharedfile-ext", EXTP_SPARSE: "no", VOL_SIZE: "8", VOL_NEW_SIZE: "16",
    VOL_METADATA: "originstname+i1", VOL_CNAME: "data", VOL_UUID: "u-1", VOL_OPEN_EXCLUSIVE: "False",
  });
  assert.equal(extInfoText("originstname+inst 1/x"), "originstname+inst_1_x");
});

test("create, find (attach), grow, shutdown (detach), remove through the shipped provider", async () => {
  const d = disk("v1.ext.disk0");
  const path = await extStorage.create(paths, d);
  assert.equal(path, join(dir, "volumes", "v1.ext.disk0"));
  assert.equal((await stat(path)).size, 8 * 1048576);
  assert.deepEqual(await extStorage.find(paths, d), { path, size: 8, degraded: false });
  await extStorage.grow(paths, d, 8, true); // dry run: nothing changes
  assert.equal((await stat(path)).size, 8 * 1048576);
  await extStorage.grow(paths, d, 8, false);
  assert.equal((await stat(path)).size, 16 * 1048576);
  await extStorage.setInfo(paths, d, "originstname+i1");
  assert.equal(await readFile(`${path}.meta`, "utf8"), "originstname+i1\n");
  await extStorage.shutdown?.(paths, d);
  await extStorage.remove(paths, d);
  await assert.rejects(stat(path));
  await extStorage.remove(paths, d); // gone already: nothing to do, as Ganeti
  assert.equal(await extStorage.find(paths, d).catch((e: Error) => e.message),
    "External storage's attach script failed (exited with exit code 1), last lines of output:\nsharedfile-ext/attach: volume v1.ext.disk0 not found in " +
    join(dir, "volumes"));
});

test("a failing script: its last lines of output in the error", async () => {
  await assert.rejects(extStorageAction(paths, "create", { ...disk("v2"), logical_id: ["noparams", "v2"] }),
    { message: "File 'parameters.list' under path '/srv/ganeti/extstorage/noparams' is missing (ENOENT)" });
  await writeFile(join(paths.root, "srv/ganeti/extstorage/noparams/parameters.list"), "");
  await assert.rejects(extStorageAction(paths, "create", { ...disk("v2"), logical_id: ["noparams", "v2"] }, { size: 1 }), (e: Error) => {
    assert.match(e.message, /^External storage's create script failed \(exited with exit code 3\), last lines of output:\nout of .*\/noparams\/create\noops$/);
    return true;
  });
});
