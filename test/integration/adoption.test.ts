// Disk adoption (the guide's "Import of foreign instances") on a 2-node devcluster: the
// blockdev template takes over real block devices (loop devices of this machine, linked
// below /dev/disk as udev would) without touching their data or installing an OS; the
// instance fails over and migrates to the other node, which sees the same devices as SAN
// nodes see their LUNs; grow-disk is refused, removal leaves the device; Ganeti's
// refusals for every misuse. Needs root (losetup); without it the test says why and skips.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdir, open, rm, rmdir, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DevCluster, prereqFailure, rows } from "../helpers/devcluster.js";

const run = promisify(execFile);
const ROOT = `/dev/disk/ganeti-ts-test-${process.pid}`;
let c: DevCluster;
let images: string;
const loops: string[] = [];
let why: string | null = null;

/** Two 24 MiB and 40 MiB loop devices, each starting with a marker the adoption must keep. */
async function makeDevices(): Promise<void> {
  images = join(tmpdir(), `adopt-${process.pid}`);
  await mkdir(images, { recursive: true });
  await mkdir(ROOT, { recursive: true });
  for (const [name, mib] of [["a", 24], ["b", 40]] as const) {
    const img = join(images, `${name}.img`);
    await writeFile(img, `marker-${name}\n`);
    const fh = await open(img, "r+");
    await fh.truncate(mib * 1048576);
    await fh.close();
    const dev = (await run("losetup", ["-f", "--show", img])).stdout.trim();
    loops.push(dev);
    await symlink(dev, join(ROOT, name));
  }
}

before(async () => {
  if (process.getuid?.() !== 0) {
    why = "needs root for loop devices";
    return;
  }
  try {
    await makeDevices();
  } catch (e) {
    why = `no loop devices here: ${(e as Error).message}`;
    return;
  }
  c = await DevCluster.up(2, 27);
});
after(async () => {
  await c?.destroy();
  for (const l of loops) await run("losetup", ["-d", l]).catch(() => undefined);
  await rm(ROOT, { recursive: true, force: true });
  await rmdir("/dev/disk").catch(() => undefined); // made by this test where udev made none
  if (images !== undefined) await rm(images, { recursive: true, force: true });
});


async function fails(stderr: string, program: string, ...args: string[]): Promise<void> {
  const r = await c.on("node1", program, ...args);
  assert.equal(r.code, 1, `${program} ${args.join(" ")} should fail:\n${r.stdout}`);
  assert.equal(r.stderr, stderr, args.join(" "));
}

const prereq = prereqFailure;

async function head(dev: string): Promise<string> {
  const fh = await open(dev, "r");
  try {
    const buf = Buffer.alloc(9);
    await fh.read(buf, 0, 9, 0);
    return buf.toString();
  } finally {
    await fh.close();
  }
}

test("blockdev: adoption refused until the template is enabled, and for every misuse", async (t) => {
  if (why !== null) return t.skip(why);
  await fails("Failure: prerequisites not met for this operation:\nDisk template 'blockdev' is not enabled in cluster. " +
    "Enabled disk templates are: file,diskless,sharedfile,drbd\n",
    "gnt-instance", "add", "-t", "blockdev", "--disk", `0:adopt=${ROOT}/a`, "-o", "image+default", "-n", "node1", "--no-name-check", "x1");
  await c.ok("gnt-cluster", "modify", "--enabled-disk-templates=file,diskless,sharedfile,drbd,blockdev",
    "--ipolicy-disk-templates=file,diskless,sharedfile,drbd,blockdev");
  const add = (...args: string[]): string[] =>
    ["gnt-instance", "add", "-t", "blockdev", ...args, "-o", "image+default", "--no-name-check", "x1"];
  await fails(prereq("wrong_input", "Disk template blockdev requires disk adoption, but no 'adopt' parameter given"),
    ...(add("-s", "16M", "-n", "node1") as [string, ...string[]]));
  await fails(prereq("wrong_input", "Either all disks are adopted or none is"),
    ...(add("--disk", `0:adopt=${ROOT}/a`, "--disk", "1:size=16M", "-n", "node1") as [string, ...string[]]));
  await fails(prereq("wrong_input", "Disk adoption not allowed with an iallocator script"),
    ...(add("--disk", `0:adopt=${ROOT}/a`, "-I", "hail") as [string, ...string[]]));
  await fails(prereq("wrong_input", `Device node(s) ${loops[0] ?? ""} lie outside /dev/disk/ and cannot be adopted`),
    ...(add("--disk", `0:adopt=${loops[0] ?? ""}`, "-n", "node1") as [string, ...string[]]));
  await fails(prereq("wrong_input", `Missing block device(s): ${ROOT}/none`),
    ...(add("--disk", `0:adopt=${ROOT}/none`, "-n", "node1") as [string, ...string[]]));
  await fails(prereq("wrong_input", "Duplicate disk names given for adoption"),
    ...(add("--disk", `0:adopt=${ROOT}/a`, "--disk", `1:adopt=${ROOT}/../${ROOT.split("/").pop() ?? ""}/a`, "-n", "node1") as [string, ...string[]]));
  await fails(prereq("wrong_input", "Disk adoption is not supported for the 'file' disk template"),
    "gnt-instance", "add", "-t", "file", "--disk", `0:adopt=${ROOT}/a`, "-o", "image+default", "-n", "node1", "--no-name-check", "x1");
  assert.equal((await c.on("node1", "gnt-instance", "list", "--no-headers", "-o", "name")).stdout, "");
});

test("blockdev: adopted devices keep their data, sizes from the devices, failover and migrate to any node", async (t) => {
  if (why !== null) return t.skip(why);
  await c.ok("gnt-instance", "add", "-t", "blockdev", "--disk", `0:adopt=${ROOT}/a`, "--disk", `1:adopt=${ROOT}/b`,
    "-o", "image+default", "-n", "node1", "--no-name-check", "adopted");
  assert.deepEqual(rows(await c.ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "name,pnode,disk_template,disk.sizes,status", "adopted")),
    [["adopted", "node1", "blockdev", "24,40", "running"]]);
  await fails(prereq("resource_not_unique", `Block device(s) ${ROOT}/a used by another instance`),
    "gnt-instance", "add", "-t", "blockdev", "--disk", `0:adopt=${ROOT}/a`, "-o", "image+default", "-n", "node2", "--no-name-check", "twice");
  // No OS was installed: the markers written before the adoption are still there.
  assert.equal(await head(loops[0] ?? ""), "marker-a\n");
  assert.equal(await head(loops[1] ?? ""), "marker-b\n");
  const info = await c.ok("gnt-instance", "info", "adopted");
  assert.match(info, /Disk template: blockdev/);
  assert.ok(info.includes(`    - disk/0: blockdev, size 24M\n      access mode: rw\n      logical_id: ['manual', '${ROOT}/a']\n` +
    `      on primary: ${ROOT}/a (N/A:N/A)\n`), info);
  await c.ok("gnt-instance", "failover", "-f", "-n", "node2", "adopted");
  assert.deepEqual(rows(await c.ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "pnode,status", "adopted")), [["node2", "running"]]);
  await c.ok("gnt-instance", "migrate", "-f", "-n", "node1", "adopted");
  assert.deepEqual(rows(await c.ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "pnode,status", "adopted")), [["node1", "running"]]);
  await fails(prereq("wrong_input", "Instance's disk layout blockdev does not support growing"), "gnt-instance", "grow-disk", "adopted", "0", "8M");
  assert.match(await c.ok("gnt-cluster", "verify"), /\* Verifying node status/);
  await c.ok("gnt-instance", "remove", "-f", "adopted");
  // Removal leaves the devices to whoever provided them.
  assert.equal(await head(loops[0] ?? ""), "marker-a\n");
  assert.equal((await run("blockdev", ["--getsize64", loops[1] ?? ""])).stdout.trim(), String(40 * 1048576));
});
