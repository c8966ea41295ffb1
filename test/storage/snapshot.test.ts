// Snapshots in the storage layer (the export's point-in-time copies), in a temporary root:
// file volumes copied sparsely beside the volume, refused while live where the file system
// can't clone; LVM refused clearly without device-mapper; ExtStorage through the
// provider's snapshot script, refused when it has none.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, open, readFile, rm, stat, symlink, writeFile, cp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ganetiPaths, type GanetiPaths } from "../../src/util/paths.js";
import { fileStorage } from "../../src/storage/file.js";
import { lvmStorage, lvmUnusable } from "../../src/storage/lvm.js";
import { extStorage } from "../../src/storage/ext.js";
import type { DiskSpec } from "../../src/storage/types.js";

const SHIPPED = resolve(join(fileURLToPath(import.meta.url), "../../../../extstorage/sharedfile-ext"));
const run = promisify(execFile);
let dir = "";
let paths: GanetiPaths;
let canClone = false;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "snapshot-unit-"));
  paths = ganetiPaths(join(dir, "root"));
  await mkdir(join(paths.root, "srv/ganeti/file-storage"), { recursive: true });
  await mkdir(join(paths.fileStoragePathsFile, ".."), { recursive: true });
  await writeFile(paths.fileStoragePathsFile, "/srv/ganeti/file-storage\n");
  const es = join(paths.root, "srv/ganeti/extstorage");
  await mkdir(es, { recursive: true });
  await symlink(SHIPPED, join(es, "sharedfile-ext"));
  await cp(SHIPPED, join(es, "nosnap-ext"), { recursive: true, dereference: true });
  await rm(join(es, "nosnap-ext/snapshot"));
  process.env["SHAREDFILE_EXT_DIR"] = join(dir, "volumes");
  await writeFile(join(dir, "probe"), "x");
  canClone = await run("cp", ["--reflink=always", join(dir, "probe"), join(dir, "probe.clone")]).then(() => true, () => false);
});
after(async () => {
  delete process.env["SHAREDFILE_EXT_DIR"];
  await rm(dir, { recursive: true, force: true });
});

const fileDisk = (path: string, size = 64): DiskSpec => ({ uuid: "u-f", dev_type: "file", logical_id: ["loop", path], size });

async function writeAt(path: string, offset: number, text: string): Promise<void> {
  const fh = await open(path, "r+");
  await fh.write(Buffer.from(text), 0, text.length, offset);
  await fh.close();
}

test("file: a sparse copy beside the volume with the same bytes; an older snapshot is replaced", async () => {
  const d = fileDisk("/srv/ganeti/file-storage/i1/a.file.disk0");
  await fileStorage.create(paths, d);
  const vol = join(paths.root, "srv/ganeti/file-storage/i1/a.file.disk0");
  await writeAt(vol, 0, "first block");
  await writeAt(vol, 40 * 1048576, "far away");
  const id = await fileStorage.snapshot?.(paths, d, { name: null, size: null, live: false });
  assert.deepEqual(id, ["loop", "/srv/ganeti/file-storage/i1/a.file.disk0.snap"]);
  const snap = `${vol}.snap`;
  assert.ok((await readFile(snap)).equals(await readFile(vol)), "same bytes");
  const st = await stat(snap);
  assert.equal(st.size, 64 * 1048576);
  assert.ok(st.blocks * 512 < 4 * 1048576, `sparse: ${st.blocks} blocks`);
  // The snapshot is point-in-time: later writes to the volume don't reach it; a new one replaces it.
  await writeAt(vol, 0, "second");
  assert.equal((await readFile(snap)).subarray(0, 11).toString(), "first block");
  await fileStorage.snapshot?.(paths, d, { name: null, size: null, live: false });
  assert.equal((await readFile(snap)).subarray(0, 11).toString(), "secondblock");
  // A named snapshot stays in the volume's directory; the snapshot is removed like a volume.
  assert.deepEqual(await fileStorage.snapshot?.(paths, d, { name: "x.snap", size: null, live: false }),
    ["loop", "/srv/ganeti/file-storage/i1/x.snap"]);
  await fileStorage.remove(paths, fileDisk("/srv/ganeti/file-storage/i1/x.snap"));
  await fileStorage.remove(paths, fileDisk("/srv/ganeti/file-storage/i1/a.file.disk0.snap"));
  assert.deepEqual(await readdir(join(paths.root, "srv/ganeti/file-storage/i1")), ["a.file.disk0"]);
});

test("file: while the instance runs only a clone will do; bad names, missing volumes and paths outside the whitelist refused", async () => {
  const d = fileDisk("/srv/ganeti/file-storage/i2/b.file.disk0", 8);
  await fileStorage.create(paths, d);
  const live = fileStorage.snapshot?.(paths, d, { name: null, size: null, live: true });
  if (canClone) {
    assert.deepEqual(await live, ["loop", "/srv/ganeti/file-storage/i2/b.file.disk0.snap"]);
  } else {
    await assert.rejects(live!, { message: /^Can't snapshot \/srv\/ganeti\/file-storage\/i2\/b\.file\.disk0 while the instance runs: the file system can't clone files \(cp --reflink=always: .*not supported/ });
    assert.deepEqual(await readdir(join(paths.root, "srv/ganeti/file-storage/i2")), ["b.file.disk0"], "no partial copy left");
  }
  for (const name of ["../x", ".hidden", "a/b"]) {
    await assert.rejects(fileStorage.snapshot!(paths, d, { name, size: null, live: false }), { message: `Invalid snapshot name '${name}'` });
  }
  await assert.rejects(fileStorage.snapshot!(paths, fileDisk("/srv/ganeti/file-storage/i2/none"), { name: null, size: null, live: false }),
    { message: "Can't snapshot /srv/ganeti/file-storage/i2/none: no such volume" });
  await assert.rejects(fileStorage.snapshot!(paths, fileDisk("/etc/passwd"), { name: null, size: null, live: false }),
    { message: /^Path '\/etc\/passwd' is not acceptable for file storage/ });
});

test("plain: LVM snapshots where LVM works, else a clear refusal", async (t) => {
  const why = await lvmUnusable();
  if (why === null) {
    t.skip("LVM works on this machine: the plain template's tests need a volume group");
    return;
  }
  await assert.rejects(lvmStorage.snapshot!(paths, { uuid: "u-p", dev_type: "plain", logical_id: ["xenvg", "v.disk0"], size: 8 },
    { name: null, size: null, live: true }), { message: `LVM is not usable: ${why}` });
  await assert.rejects(lvmStorage.snapshot!(paths, { uuid: "u-p", dev_type: "plain", logical_id: ["xenvg", "v.disk0"], size: 8 },
    { name: "bad/name", size: null, live: true }), { message: "Invalid snapshot name 'bad/name'" });
});

test("ext: the provider's snapshot script makes the copy; a provider without one can't snapshot", async () => {
  const d: DiskSpec = { uuid: "u-e", dev_type: "ext", logical_id: ["sharedfile-ext", "v.ext.disk0"], size: 8, params: { provider: "sharedfile-ext" } };
  await extStorage.create(paths, d);
  const vol = join(dir, "volumes/v.ext.disk0");
  await writeAt(vol, 4096, "payload");
  assert.deepEqual(await extStorage.snapshot!(paths, d, { name: null, size: null, live: true }), ["sharedfile-ext", "v.ext.disk0.snap"]);
  assert.ok((await readFile(join(dir, "volumes/v.ext.disk0.snap"))).equals(await readFile(vol)));
  // The snapshot is a volume of the provider: attached, sent and removed like one.
  const snap: DiskSpec = { ...d, uuid: "u-s", logical_id: ["sharedfile-ext", "v.ext.disk0.snap"] };
  assert.equal((await extStorage.find(paths, snap))?.path, join(dir, "volumes/v.ext.disk0.snap"));
  await extStorage.remove(paths, snap);
  assert.deepEqual((await readdir(join(dir, "volumes"))).filter((f) => !f.startsWith(".")), ["v.ext.disk0"]);
  const nosnap: DiskSpec = { ...d, logical_id: ["nosnap-ext", "v.ext.disk0"], params: { provider: "nosnap-ext" } };
  await assert.rejects(extStorage.snapshot!(paths, nosnap, { name: null, size: null, live: false }),
    { message: "ExtStorage provider 'nosnap-ext' can't take snapshots (it has no snapshot script)" });
});
