// Disk operations on a 3-node devcluster: batch-create, drbd mirrors kept byte-identical
// through replace-disks -s/-p, grow-disk, rename, activate/deactivate-disks, and bad input
// to each with Ganeti's error types and nothing half-changed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile, readdir, writeFile, access, rm, truncate, mkdir, open, readlink, cp, symlink } from "node:fs/promises";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { DevCluster, rows, jobLog, inOrder } from "../helpers/devcluster.js";

let c: DevCluster;

before(async () => {
  c = await DevCluster.up(3, 18);
});
after(async () => {
  await c?.destroy();
});

const log = jobLog;
const run = promisify(execFile);

async function ok(program: string, ...args: string[]): Promise<string> {
  const r = await c.on("node1", program, ...args);
  assert.equal(r.code, 0, `${program} ${args.join(" ")}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function fails(re: RegExp, program: string, ...args: string[]): Promise<void> {
  const r = await c.on("node1", program, ...args);
  assert.equal(r.code, 1, `${program} ${args.join(" ")} should fail:\n${r.stdout}`);
  assert.match(r.stderr, re, args.join(" "));
}

/** SHA-1 of the drbd data volume of `inst` on `node`. */
async function dataHash(node: string, inst: string): Promise<string> {
  const dir = join(c.root(node), "srv/ganeti/file-storage", inst);
  const f = (await readdir(dir)).find((x) => x.endsWith(".drbd_data"));
  assert.ok(f !== undefined, `no drbd data volume of ${inst} on ${node}`);
  return createHash("sha1").update(await readFile(join(dir, f))).digest("hex");
}

test("batch-create places instances with the allocator and creates them in parallel jobs", async () => {
  // Placed by hail, the default allocator: 1 GiB disks, the minimum of the default instance policy.
  const defs = ["b1", "b2", "b3", "b4"].map((n, i) => ({
    instance_name: n, mode: "create", disk_template: i === 0 ? "drbd" : "file", disks: [{ size: 1024 }], nics: [],
    os_type: "image+default", name_check: false, ip_check: false,
  }));
  const file = join(c.dir, "batch.json");
  await writeFile(file, JSON.stringify(defs));
  const out = await ok("gnt-instance", "batch-create", file);
  assert.match(out, /^Submitted jobs \d+, \d+, \d+, \d+\n/);
  assert.match(out, /All instances created successfully\.\n$/);
  const list = rows(await ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "name,pnode,snodes,disk_template,status"));
  assert.equal(list.length, 4);
  assert.deepEqual(list.map((r) => [r[0], r[3], r[4]]), [["b1", "drbd", "running"], ["b2", "file", "running"], ["b3", "file", "running"],
    ["b4", "file", "running"]]);
  assert.notEqual(list[0]?.[1], list[0]?.[2], "primary and secondary differ");
  // Unknown fields and duplicates are refused before anything is created.
  await writeFile(file, JSON.stringify([{ instance_name: "x1", mode: "create", disk_template: "file", disks: [], nics: [], bogus: 1 }]));
  await fails(/error type: wrong_input, error details:\nObject OpInstanceCreate doesn't support the parameter 'bogus'/, "gnt-instance", "batch-create", file);
  await writeFile(file, "not json");
  await fails(/^Can't parse the instance definition file: /, "gnt-instance", "batch-create", file);
  assert.equal(rows(await ok("gnt-instance", "list", "--no-headers", "-o", "name")).length, 4);
});

test("drbd: both copies identical after creation, replace-disks -s and -p", async () => {
  await ok("gnt-instance", "add", "-t", "drbd", "-n", "node1:node2", "-o", "image+default", "-s", "48M", "--no-name-check", "dm");
  const h1 = await dataHash("node1", "dm");
  assert.equal(await dataHash("node2", "dm"), h1);
  const s = log(await ok("gnt-instance", "replace-disks", "-s", "dm"));
  assert.deepEqual(s.filter((l) => l.startsWith("STEP")), ["STEP 1/6 Check device existence", "STEP 2/6 Check peer consistency",
    "STEP 3/6 Allocate new storage", "STEP 4/6 Changing drbd configuration", "STEP 5/6 Sync devices", "STEP 6/6 Removing old storage"]);
  assert.equal(await dataHash("node2", "dm"), h1, "the new secondary storage was resynced from the primary");
  await ok("gnt-instance", "replace-disks", "-p", "dm");
  assert.equal(await dataHash("node1", "dm"), h1, "the new primary storage was pulled from the secondary");
  assert.deepEqual((await readdir(join(c.root("node1"), "srv/ganeti/file-storage/dm"))).filter((f) => f.includes("replaced")), [],
    "old storage removed");
  assert.deepEqual(log(await ok("gnt-instance", "replace-disks", "-a", "dm")), ["No disks need replacement for instance 'dm'"]);
  await fails(/error type: wrong_input, error details:\nThe specified node is the primary node of the instance\n$/,
    "gnt-instance", "replace-disks", "-n", "node1", "dm");
  await fails(/error type: wrong_input, error details:\nThe specified node is already the secondary node of the instance\n$/,
    "gnt-instance", "replace-disks", "-n", "node2", "dm");
  await fails(/error type: wrong_input, error details:\nCan only run replace disks for DRBD8-based instances\n$/,
    "gnt-instance", "replace-disks", "-s", "b2");
  await fails(/One and only one of the -p, -s, -a, -n and -I options must be passed/, "gnt-instance", "replace-disks", "-p", "-s", "dm");
});

test("grow-disk: drbd on both nodes, file in place; bad sizes refused", async () => {
  const out = log(await ok("gnt-instance", "grow-disk", "dm", "0", "16M"));
  assert.equal(out[0], "Growing disk 0 of instance 'dm' by 16M to 64M");
  assert.ok(out.includes(" - INFO: Instance dm's disks are in sync"), out.join("\n"));
  assert.equal(await dataHash("node2", "dm"), await dataHash("node1", "dm"));
  await ok("gnt-instance", "grow-disk", "--absolute", "b2", "0", "2048M");
  assert.deepEqual(rows(await ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "name,disk.sizes", "dm", "b2")),
    [["b2", "2048"], ["dm", "64"]]);
  await fails(/error type: wrong_state, error details:\nRequested size \(1.0G\) is smaller than current disk size \(2.0G\)\n$/,
    "gnt-instance", "grow-disk", "--absolute", "b2", "0", "1024M");
  await fails(/error type: wrong_input, error details:\nInvalid disk index '3'\n$/, "gnt-instance", "grow-disk", "b2", "3", "1G");
  await fails(/error type: wrong_input, error details:\nCan't parse the given amount 'lots'\n$/, "gnt-instance", "grow-disk", "b2", "0", "lots");
});

test("rename: refused while up, then the files and the name follow", async () => {
  await fails(/error type: wrong_state, error details:\nInstance 'b3' is marked to be up, cannot rename\n$/,
    "gnt-instance", "rename", "--no-name-check", "b3", "b9");
  await ok("gnt-instance", "stop", "b3");
  await fails(/error type: already_exists, error details:\nInstance 'b4' is already in the cluster\n$/,
    "gnt-instance", "rename", "--no-name-check", "b3", "b4");
  await ok("gnt-instance", "rename", "--no-name-check", "b3", "b9");
  const pnode = rows(await ok("gnt-instance", "list", "--no-headers", "-o", "pnode", "b9"))[0]?.[0] ?? "";
  await access(join(c.root(pnode), "srv/ganeti/file-storage/b9"));
  await assert.rejects(access(join(c.root(pnode), "srv/ganeti/file-storage/b3")));
  await ok("gnt-instance", "start", "b9");
  assert.deepEqual(rows(await ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "name,status", "b9")), [["b9", "running"]]);
});

test("activate-disks and deactivate-disks", async () => {
  await fails(/error type: wrong_state, error details:\nInstance dm is running, can't shutdown block devices\.\n$/,
    "gnt-instance", "deactivate-disks", "dm");
  await ok("gnt-instance", "stop", "dm");
  await ok("gnt-instance", "deactivate-disks", "dm");
  let v = log(await ok("gnt-cluster", "verify"));
  assert.ok(!v.some((l) => l.includes("drbd minor")), v.join("\n"));
  const out = await ok("gnt-instance", "activate-disks", "dm");
  assert.match(out, /^node1:disk\/0:\/dev\/drbd\d+\n$/);
  for (let i = 0; ; i++) {
    const r = await c.on("node1", "gnt-cluster", "verify");
    if (r.code === 0 || i === 20) {
      v = log(r.stdout);
      assert.equal(r.code, 0, r.stdout);
      break;
    }
    await new Promise((res) => setTimeout(res, 500));
  }
});

test("node storage: list-storage, volumes and repair-storage; powercycle reboots a node", async () => {
  const ls = await ok("gnt-node", "list-storage", "--no-headers", "--separator=|", "-o", "node,type,name,allocatable");
  assert.equal(ls, "node1|file|/srv/ganeti/file-storage|Y\nnode2|file|/srv/ganeti/file-storage|Y\nnode3|file|/srv/ganeti/file-storage|Y\n");
  const shared = rows(await ok("gnt-node", "list-storage", "--no-headers", "--separator=|", "--units=m", "-t", "sharedfile", "node2"))[0] ?? [];
  assert.equal(shared[1], "sharedfile");
  assert.ok(Number(shared[3]) > 0 && Number(shared[3]) === Number(shared[4]) + Number(shared[5]), shared.join("|"));
  await fails(/error type: wrong_input, error details:\nStorage units of type 'file' can not be repaired\n$/,
    "gnt-node", "repair-storage", "node1", "file", "/srv/ganeti/file-storage");
  await fails(/error type: wrong_input, error details:\nStorage units of type 'file' can not be modified\n$/,
    "gnt-node", "modify-storage", "--allocatable=no", "node1", "file", "/srv/ganeti/file-storage");
  if (!(await access("/dev/mapper/control").then(() => true, () => false))) {
    const vols = log(await ok("gnt-node", "volumes"));
    assert.ok(vols.includes(" - WARNING: Can't compute volume data on node node1: LVM is not usable: the kernel's device-mapper is not " +
      "available (/dev/mapper/control is missing), so LVM volumes can't be used on this node"), vols.join("\n"));
  }
  await fails(/error type: wrong_input, error details:\nThe node is the master and the force parameter was not set\n$/,
    "gnt-node", "powercycle", "--yes", "node1");
  const on3 = rows(await ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "name,pnode,status"))
    .filter((r) => r[1] === "node3" && r[2] === "running").map((r) => r[0] ?? "");
  assert.ok(on3.length > 0, "some instance runs on node3");
  const r = await c.on("node1", "gnt-node", "powercycle", "--yes", "node3");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "Reboot scheduled in 5 seconds\n");
  // After the reboot node3 answers again, and its fake guests died with the old boot.
  for (let i = 0; ; i++) {
    await new Promise((res) => setTimeout(res, 1000));
    const st = rows(await ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "name,status", ...on3));
    if (st.every((x) => x[1] === "ERROR_down")) break;
    assert.ok(i < 20, JSON.stringify(st));
  }
});

test("verify finds orphan volumes and N+1 shortfalls; repair-disk-sizes corrects recorded sizes", async () => {
  const stray = join(c.root("node2"), "srv/ganeti/file-storage/stray.img");
  await writeFile(stray, "x");
  // A stopped drbd instance whose minimum memory no node could take over.
  await ok("gnt-instance", "add", "-t", "drbd", "-n", "node2:node3", "--no-install", "--no-start", "-s", "16M", "--ignore-ipolicy", "-B", "maxmem=9000000,minmem=9000000",
    "--no-name-check", "dn");
  // node3 must hold the minimum memory of every auto-balanced instance failing over from
  // node2: dn's, plus b1's when hail placed b1 on node2 with node3 as its secondary.
  const needed = rows(await ok("gnt-instance", "list", "--no-headers", "--separator=|", "--units=m", "-o", "pnode,snodes,be/minmem,be/auto_balance"))
    .filter((x) => x[0] === "node2" && x[1] === "node3" && x[3] === "Y").reduce((sum, x) => sum + Number(x[2]), 0);
  assert.ok(needed >= 9000000, String(needed));
  const r = await c.on("node1", "gnt-cluster", "verify");
  assert.equal(r.code, 1);
  const v = log(r.stdout);
  includes(v, "* Verifying orphan volumes", "  - ERROR: node node2: volume /srv/ganeti/file-storage/stray.img is unknown");
  const nPlusOne = new RegExp(`^ {2}- ERROR: node node3: not enough memory to accomodate instance failovers should node node2 fail \\(${needed}MiB needed, \\d+MiB available\\)$`);
  assert.ok(v.some((l) => nPlusOne.test(l)), v.join("\n"));
  await ok("gnt-instance", "remove", "-f", "dn");
  await rm(stray);
  // b4's file grows behind the cluster's back; repair-disk-sizes records the real size.
  const pnode = rows(await ok("gnt-instance", "list", "--no-headers", "-o", "pnode", "b4"))[0]?.[0] ?? "";
  const dir = join(c.root(pnode), "srv/ganeti/file-storage/b4");
  const f = join(dir, (await readdir(dir))[0] ?? "");
  await truncate(f, 1056 * 1048576);
  const out = log(await ok("gnt-cluster", "repair-disk-sizes", "b4"));
  assert.deepEqual(out, [" - INFO: Disk 0 of instance b4 has mismatched size, correcting: recorded 1024, actual 1056"]);
  assert.deepEqual(rows(await ok("gnt-instance", "list", "--no-headers", "-o", "disk.sizes", "b4")), [["1056"]]);
  assert.deepEqual(log(await ok("gnt-cluster", "repair-disk-sizes")), []);
});

function includes(lines: readonly string[], ...wanted: string[]): void {
  for (const w of wanted) assert.ok(lines.includes(w), `missing ${JSON.stringify(w)} in:\n${lines.join("\n")}`);
}

test("modify: NICs and disks added, changed, removed; runtime memory; offline and online", async () => {
  await ok("gnt-instance", "add", "-t", "drbd", "-n", "node2:node3", "-o", "image+default", "-s", "32M", "-B", "maxmem=256,minmem=64",
    "--no-name-check", "dk");
  let out = await ok("gnt-instance", "modify", "--net", "add:link=br1,ip=192.0.2.10", "dk");
  assert.match(out, /^Modified instance dk\n - nic\.1 -> add:mac=[0-9a-f:]{17},ip=192\.0\.2\.10,mode=bridged,link=br1,network=None\n/);
  out = await ok("gnt-instance", "modify", "--net", "1:modify,link=br9", "--disk", "add:size=16M", "dk");
  assert.match(out, / - disk\/1 -> add:size=16,mode=rw\n/);
  assert.match(out, / - nic\.link\/1 -> br9\n/);
  assert.deepEqual(rows(await ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "disk.sizes,nic.links,snodes", "dk")),
    [["32,16", "xen-br0,br9", "node3"]]);
  // The new drbd disk is mirrored on the secondary too.
  const files = (await readdir(join(c.root("node3"), "srv/ganeti/file-storage/dk"))).filter((f) => f.endsWith(".drbd_data"));
  assert.equal(files.length, 2);
  out = await ok("gnt-instance", "modify", "-m", "100", "dk");
  assert.match(out, / - runtime_memory -> 100\n/);
  assert.deepEqual(rows(await ok("gnt-instance", "list", "--no-headers", "-o", "oper_ram", "dk")), [["100M"]]);
  await fails(/error type: wrong_input, error details:\nInstance dk must have memory between 64 and 256 MB of memory unless --force is given\n$/,
    "gnt-instance", "modify", "-m", "512", "dk");
  await fails(/error type: wrong_state, error details:\nCan't remove disks from a running instance\n$/, "gnt-instance", "modify", "--disk", "1:remove", "dk");
  await fails(/error type: wrong_input, error details:\nInvalid NIC index 3, valid values are 0 to 1\n$/, "gnt-instance", "modify", "--net", "3:remove", "dk");
  await fails(/^Please give at least one of the parameters\.\n$/, "gnt-instance", "modify", "dk");
  await fails(/error type: wrong_state, error details:\nInstance 'dk' is marked to be up, cannot change instance state to offline\n$/,
    "gnt-instance", "modify", "--offline", "dk");
  await ok("gnt-instance", "stop", "dk");
  out = await ok("gnt-instance", "modify", "--disk", "1:remove", "--net", "1:remove", "dk");
  assert.match(out, / - disk\/1 -> remove\n - nic\/1 -> remove\n/);
  assert.equal((await readdir(join(c.root("node3"), "srv/ganeti/file-storage/dk"))).filter((f) => f.endsWith(".drbd_data")).length, 1);
  await ok("gnt-instance", "modify", "--offline", "dk");
  assert.deepEqual(rows(await ok("gnt-instance", "list", "--no-headers", "-o", "status", "dk")), [["ADMIN_offline"]]);
  await ok("gnt-instance", "modify", "--online", "dk");
  assert.deepEqual(rows(await ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "status,disk.sizes", "dk")), [["ADMIN_down", "32"]]);
});

test("an instance starts with less than maxmem when its node is short, never below minmem", async () => {
  const out = log(await ok("gnt-instance", "add", "-t", "file", "-n", "node1", "--no-install", "-s", "16M", "--ignore-ipolicy", "-B", "maxmem=90000000,minmem=64",
    "--no-name-check", "dbig"));
  const line = out.find((l) => l.includes("less than the instance's maximum memory")) ?? "";
  const m = / - INFO: Node node1 has (\d+) MiB free, less than the instance's maximum memory \(90000000 MiB\): starting dbig with (\d+) MiB$/.exec(line);
  assert.ok(m !== null, out.join("\n"));
  assert.equal(m[1], m[2]);
  assert.deepEqual(rows(await ok("gnt-instance", "list", "--no-headers", "--units=m", "-o", "oper_ram", "dbig")), [[m[2] ?? ""]]);
  // node1's memory is now taken: an instance needing more than what is left is refused.
  await fails(/error type: insufficient_resources, error details:\nNot enough memory on node node1 for starting instance dsmall: needed 4096 MiB, available \d+ MiB\n$/,
    "gnt-instance", "add", "-t", "file", "-n", "node1", "--no-install", "-s", "16M", "-B", "maxmem=4096,minmem=4096", "--no-name-check", "dsmall");
  await ok("gnt-instance", "remove", "-f", "dbig");
});

/** Snapshot volumes (and copies in progress) left in an instance's file storage directory. */
async function snapshotFiles(node: string, inst: string): Promise<string[]> {
  return (await readdir(join(c.root(node), "srv/ganeti/file-storage", inst)).catch(() => [])).filter((f) => /\.snap(\.new)?$/.test(f));
}

test("gnt-backup: export, list, import elsewhere with the same data, remove", async () => {
  await ok("gnt-instance", "add", "-t", "file", "-n", "node1", "-o", "image+default", "-s", "16M", "--no-name-check", "ex");
  // Ganeti's order: down, snapshot, up again, then the snapshot is sent and removed.
  const exp = log(await ok("gnt-backup", "export", "-n", "node3", "ex"));
  inOrder(exp, ["Shutting down instance ex", "Creating a snapshot of disk/0 on node node1", "Starting instance ex",
    "Exporting snapshot/0 from node1 to node3", "snapshot/0 finished receiving data", "Removing snapshot of disk/0 on node node1",
    "Finalizing export on node3", "Removing old exports for instance ex"]);
  assert.deepEqual(await snapshotFiles("node1", "ex"), [], "the snapshot is removed");
  assert.equal(await ok("gnt-backup", "list"), "Node: node3\nExports:\n  ex\n");
  assert.deepEqual(rows(await ok("gnt-instance", "list", "--no-headers", "-o", "status", "ex")), [["running"]]);
  const ini = await readFile(join(c.root("node3"), "srv/ganeti/export/ex/config.ini"), "utf8");
  assert.match(ini, /^\[export\]\nversion = 0\n/);
  assert.match(ini, /\nos = image\+default\n/);
  assert.match(ini, /\ndisk0_size = 16\n/);
  await ok("gnt-instance", "remove", "-f", "ex");
  const imp = log(await ok("gnt-backup", "import", "-n", "node2", "-t", "file", "--no-name-check", "--src-node", "node3", "--src-dir", "ex", "ex"));
  assert.ok(imp.includes("* running the instance OS import scripts..."), imp.join("\n"));
  assert.deepEqual(rows(await ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "pnode,status,disk.sizes,os", "ex")),
    [["node2", "running", "16", "image+default"]]);
  const dir = join(c.root("node2"), "srv/ganeti/file-storage/ex");
  const head = (await readFile(join(dir, (await readdir(dir))[0] ?? ""))).subarray(0, 32).toString("utf8");
  assert.equal(head, "ganeti-ts image OS\ninstance=ex\nv", "the OS export/import carried disk 0's data");
  await ok("gnt-backup", "remove", "ex");
  assert.equal(await ok("gnt-backup", "list"), "");
  await fails(/error type: wrong_input, error details:\nNo export found for relative path nosuch\n$/,
    "gnt-backup", "import", "-n", "node2", "-t", "file", "--no-name-check", "--src-dir", "nosuch", "ey");
  assert.ok(!rows(await ok("gnt-instance", "list", "--no-headers", "-o", "name")).some((r) => r[0] === "ey"), "nothing half-created");
});

test("gnt-backup export: drbd snapshots its data volume; --noshutdown needs an atomic snapshot; a stopped instance stays stopped", async () => {
  await ok("gnt-instance", "add", "-t", "drbd", "-n", "node1:node2", "-o", "image+default", "-s", "16M", "--no-name-check", "exd");
  const before = await dataHash("node1", "exd");
  const exp = log(await ok("gnt-backup", "export", "-n", "node3", "exd"));
  inOrder(exp, ["Shutting down instance exd", "Creating a snapshot of disk/0 on node node1", "Starting instance exd",
    "Exporting snapshot/0 from node1 to node3", "Removing snapshot of disk/0 on node node1", "Finalizing export on node3"]);
  assert.deepEqual(await snapshotFiles("node1", "exd"), []);
  assert.equal(await dataHash("node1", "exd"), before, "the instance's own data is untouched");
  assert.equal(await dataHash("node2", "exd"), before, "and still mirrored");
  assert.deepEqual(rows(await ok("gnt-instance", "list", "--no-headers", "-o", "status", "exd")), [["running"]]);

  // While the instance runs, only a copy-on-write clone is a point-in-time copy of a file
  // volume: where the file system can't clone (ext4), the live export is refused as Ganeti
  // refuses one whose disks can't be snapshotted, and nothing changes.
  const probe = join(c.dir, "reflink-probe");
  await writeFile(probe, "x");
  const canClone = await run("cp", ["--reflink=always", probe, `${probe}.clone`]).then(() => true, () => false);
  const r = await c.on("node1", "gnt-backup", "export", "-n", "node3", "--noshutdown", "exd");
  const live = log(r.stdout);
  assert.ok(!live.includes("Shutting down instance exd"), live.join("\n"));
  if (canClone) {
    assert.equal(r.code, 0, r.stderr);
    inOrder(live, ["Creating a snapshot of disk/0 on node node1", "Exporting snapshot/0 from node1 to node3", "Removing snapshot of disk/0 on node node1"]);
  } else {
    assert.equal(r.code, 1, r.stdout);
    assert.ok(live.some((l) => /^ - WARNING: Could not snapshot disk\/0 on node node1: Can't snapshot .*exd\/.*\.drbd_data while the instance runs: the file system can't clone files/.test(l)),
      live.join("\n"));
    assert.match(r.stderr, /^Failure: command execution error:\nNot all disks could be snapshotted, and you requested a live export; aborting\n$/);
  }
  assert.deepEqual(await snapshotFiles("node1", "exd"), []);
  assert.deepEqual(rows(await ok("gnt-instance", "list", "--no-headers", "-o", "status", "exd")), [["running"]]);

  // A stopped instance is exported from its disks, no snapshot, and stays stopped.
  await ok("gnt-instance", "shutdown", "exd");
  const down = log(await ok("gnt-backup", "export", "-n", "node3", "exd"));
  assert.ok(down.includes("Exporting disk/0 from node1 to node3"), down.join("\n"));
  assert.ok(!down.some((l) => /snapshot|Starting instance/.test(l)), down.join("\n"));
  assert.deepEqual(rows(await ok("gnt-instance", "list", "--no-headers", "-o", "status", "exd")), [["ADMIN_down"]]);
  await ok("gnt-backup", "remove", "exd");
  await ok("gnt-instance", "remove", "-f", "exd");
});

test("gnt-os modify: blacklisted OSes refused, cluster-level OS parameters reach the OS scripts, hidden from list", async () => {
  await ok("gnt-os", "modify", "--blacklisted=yes", "image");
  await fails(/error type: wrong_state, error details:\nGuest OS 'image\+default' is not allowed for installation\n$/,
    "gnt-instance", "add", "-t", "file", "-n", "node1", "-o", "image+default", "-s", "16M", "--no-name-check", "oa");
  await ok("gnt-os", "modify", "--blacklisted=no", "-O", "image_file=/nonexistent/image", "image");
  const r = await c.on("node1", "gnt-instance", "add", "-t", "file", "-n", "node1", "-o", "image+default", "-s", "16M", "--no-name-check", "ob");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /image OS: image file \/nonexistent\/image not readable/);
  await ok("gnt-os", "modify", "-O", "image_file=default", "--hidden=yes", "image");
  assert.equal(await ok("gnt-os", "list"), "Name\n");
  await ok("gnt-os", "modify", "--hidden=no", "image");
  assert.equal(await ok("gnt-os", "list"), "Name\nimage+default\n");
  await fails(/^At least one of OS parameters or hypervisor parameters must be passed\n$/, "gnt-os", "modify", "image");
});

test("migrate --cleanup adopts where a half-done migration left the instance", async () => {
  await ok("gnt-instance", "add", "-t", "drbd", "-n", "node1:node2", "-o", "image+default", "-s", "16M", "--no-name-check", "dc");
  // The hypervisor moved the guest to node2 but the master died before recording it.
  const hv = (n: string): string => join(c.root(n), "var/run/ganeti/fake-hv/dc");
  const st = JSON.parse(await readFile(hv("node1"), "utf8")) as Record<string, unknown>;
  delete st["boot_id"]; // written by hand on node2: the state file of a guest started there
  await mkdir(join(c.root("node2"), "var/run/ganeti/fake-hv"), { recursive: true });
  await writeFile(hv("node2"), JSON.stringify(st));
  await rm(hv("node1"));
  const out = log(await ok("gnt-instance", "migrate", "-f", "--cleanup", "dc"));
  includes(out, "* instance running on: node2", "* instance running on secondary node (node2), updating config",
    "* switching node node1 to secondary mode", "* changing disks into single-master mode", "* done");
  assert.deepEqual(rows(await ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "pnode,snodes,status", "dc")),
    [["node2", "node1", "running"]]);
  await ok("gnt-instance", "migrate", "-f", "dc");
  assert.deepEqual(rows(await ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "pnode,status", "dc")), [["node1", "running"]]);
});

test("modify -t: file → drbd → sharedfile → file keeps the data; bad conversions refused, nothing changed", async () => {
  await ok("gnt-instance", "add", "-t", "file", "-n", "node3", "-o", "image+default", "-s", "64M", "--no-name-check", "--no-start", "ct");
  const dir = (n: string): string => join(c.root(n), "srv/ganeti/file-storage/ct");
  const only = async (n: string, suffix: string): Promise<string> => {
    const f = (await readdir(dir(n))).filter((x) => x.endsWith(suffix));
    assert.equal(f.length, 1, `${n}: ${f.join(",")}`);
    return join(dir(n), f[0] as string);
  };
  const sha = async (p: string): Promise<string> => createHash("sha1").update(await readFile(p)).digest("hex");
  // Data the OS did not write, far into the disk, must survive every copy.
  const file0 = await only("node3", ".file.disk0");
  const fh = await open(file0, "r+");
  await fh.write(Buffer.alloc(65536, 0xa7), 0, 65536, 40 * 1048576);
  await fh.close();
  const want = await sha(file0);

  await fails(/error type: wrong_state, error details:\nGiven new secondary node node3 is the same as the primary node of the instance\n$/,
    "gnt-instance", "modify", "-t", "drbd", "-n", "node3", "ct");
  await fails(/error type: wrong_input, error details:\nConversion to the 'diskless' disk template is not supported\n$/,
    "gnt-instance", "modify", "-t", "diskless", "ct");
  await fails(/error type: wrong_input, error details:\nInstance already has disk template file\n$/, "gnt-instance", "modify", "-t", "file", "ct");
  await fails(/error type: wrong_state, error details:\nDisk template 'plain' is not enabled for this cluster \(enabled templates: /,
    "gnt-instance", "modify", "-t", "plain", "ct");
  await fails(/error type: wrong_input, error details:\nDisk template conversion and other disk changes not supported at the same time\n$/,
    "gnt-instance", "modify", "-t", "drbd", "-n", "node1", "--disk", "add:size=16M", "ct");
  await ok("gnt-instance", "start", "ct");
  await fails(/error type: wrong_state, error details:\nInstance 'ct' is marked to be up, cannot change disk template\n$/,
    "gnt-instance", "modify", "-t", "drbd", "-n", "node1", "ct");
  await ok("gnt-instance", "shutdown", "ct");
  assert.equal(await sha(file0), want, "refused conversions left the disk alone");

  const toDrbd = log(await ok("gnt-instance", "modify", "-t", "drbd", "-n", "node1", "ct"));
  includes(toDrbd, "Converting disk template from 'file' to 'drbd'", "Generating new 'drbd' disk template...",
    "Creating new empty disks of type 'drbd'...", "Populating the new empty disks of type 'drbd'...",
    " - copying data from disk 0 (file), size 64M",
    "Detaching old disks (file) from the instance and removing them from cluster config",
    "Adding new disks (drbd) to cluster config and attaching them to the instance", " - INFO: Instance ct's disks are in sync",
    "Removing old block devices of type 'file'...");
  assert.deepEqual(rows(await ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "pnode,snodes,disk_template,status", "ct")),
    [["node3", "node1", "drbd", "ADMIN_down"]]);
  assert.equal(await sha(await only("node3", ".drbd_data")), want, "primary's copy");
  assert.equal(await sha(await only("node1", ".drbd_data")), want, "secondary's copy, by the resync");
  assert.deepEqual((await readdir(dir("node3"))).filter((x) => x.includes(".file.")), [], "old file volume removed");

  const toShared = log(await ok("gnt-instance", "modify", "-t", "sharedfile", "ct"));
  includes(toShared, " - copying data from disk 0 (drbd), size 64M", "Removing old block devices of type 'drbd'...");
  await assert.rejects(access(dir("node1")), "the secondary's volumes went with the drbd disk");
  const shared = (await readdir(join(c.dir, "shared-file-storage", "ct")).catch(() => [] as string[]));
  assert.equal(shared.length, 1, `one shared volume: ${shared.join(",")}`);
  assert.equal(await sha(join(c.dir, "shared-file-storage", "ct", shared[0] as string)), want);

  await ok("gnt-instance", "modify", "-t", "file", "ct");
  assert.equal(await sha(await only("node3", ".file.disk0")), want);
  assert.deepEqual(rows(await ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "pnode,snodes,disk_template", "ct")),
    [["node3", "", "file"]]);
  await ok("gnt-instance", "start", "ct");
  await ok("gnt-instance", "remove", "-f", "ct");
});

test("migrate: live/non-live mode reaches the hooks, --allow-failover falls back to failover for a stopped instance", async () => {
  await ok("gnt-instance", "add", "-t", "drbd", "-n", "node1:node2", "-o", "image+default", "-s", "16M", "--no-name-check", "mm");
  for (const n of ["node1", "node2"]) {
    const d = join(c.root(n), "etc/ganeti/hooks/instance-migrate-post.d");
    await mkdir(d, { recursive: true });
    await writeFile(join(d, "10-env"), `#!/bin/sh\nenv | grep -E '^GANETI_(MIGRATE|OLD|NEW)_' | sort > ${join(c.dir, `mig-hook-${n}`)}\n`, { mode: 0o755 });
  }
  const hookEnv = async (n: string): Promise<string[]> => (await readFile(join(c.dir, `mig-hook-${n}`), "utf8")).trim().split("\n");
  await ok("gnt-instance", "migrate", "-f", "--non-live", "mm");
  assert.deepEqual(await hookEnv("node1"), ["GANETI_MIGRATE_CLEANUP=False", "GANETI_MIGRATE_LIVE=False", "GANETI_NEW_PRIMARY=node2",
    "GANETI_NEW_SECONDARY=node1", "GANETI_OLD_PRIMARY=node1", "GANETI_OLD_SECONDARY=node2"]);
  const info = await ok("gnt-instance", "info", "mm");
  assert.match(info, /\n  State: configured to be up, actual state is up\n/);
  assert.match(info, /\n    - disk\/0: drbd, size 16M\n      access mode: rw\n      nodeA: node2, minor=\d+\n      nodeB: node1, minor=\d+\n      port: \d+\n/);
  assert.match(info, /\n      on primary: \/dev\/drbd\d+ \(147:\d+\) in sync, status ok\n      on secondary: \/dev\/drbd\d+ \(147:\d+\) in sync, status ok\n/);
  assert.match(info, /\n      child devices: \n        - child 0: file, size 16M\n/);
  await ok("gnt-instance", "migrate", "-f", "mm"); // the fake hypervisor's migration_mode: live
  assert.ok((await hookEnv("node2")).includes("GANETI_MIGRATE_LIVE=True"));
  await fails(/error type: wrong_input, error details:\nOnly one of the --non-live and --migration-mode options can be passed\n$/,
    "gnt-instance", "migrate", "-f", "--non-live", "--migration-mode=live", "mm");
  await ok("gnt-instance", "shutdown", "mm");
  await fails(/error type: wrong_state, error details:\nCan't migrate, please use failover: Instance mm is not running\n$/,
    "gnt-instance", "migrate", "-f", "mm");
  const out = log(await ok("gnt-instance", "migrate", "-f", "--allow-failover", "mm"));
  includes(out, " - INFO: Instance is marked down or offline, fallback allowed, switching to failover", "Failover instance mm");
  assert.deepEqual(rows(await ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "pnode,snodes,status", "mm")),
    [["node2", "node1", "ADMIN_down"]]);
  for (const n of ["node1", "node2"]) await rm(join(c.root(n), "etc/ganeti/hooks/instance-migrate-post.d"), { recursive: true });
  await ok("gnt-instance", "remove", "-f", "mm");
});

test("OS parameters are checked by the OS (parameters.list and its verify script) on add, modify, reinstall and gnt-os modify", async () => {
  const A = ["-t", "file", "-n", "node1", "-s", "16M", "--no-name-check", "--no-start"];
  const notSupported = /^Failure: command execution error:\nOS Parameters validation failed on node node1: The following parameters are not supported by the OS image: bogus\n$/;
  const verifyFailed = /^Failure: command execution error:\nOS Parameters validation failed on node node1: OS validation script failed \(exited with exit code 1\), output: image_file must be an absolute path\n$/;
  await fails(notSupported, "gnt-instance", "add", ...A, "-o", "image+default", "-O", "bogus=1", "ov");
  await fails(verifyFailed, "gnt-instance", "add", ...A, "-o", "image+default", "-O", "image_file=relative", "ov");
  assert.ok(!(await ok("gnt-instance", "list", "--no-headers", "-o", "name")).split("\n").includes("ov"), "nothing created");
  await ok("gnt-instance", "add", ...A, "-o", "image+default", "ov");
  await fails(notSupported, "gnt-instance", "modify", "-O", "bogus=2", "ov");
  await fails(verifyFailed, "gnt-instance", "reinstall", "-f", "-O", "image_file=rel", "ov");
  await fails(verifyFailed, "gnt-os", "modify", "-O", "image_file=rel", "image");
  // A good value is kept by reinstall for the next installs.
  const img = join(c.dir, "os-param.img");
  await writeFile(img, Buffer.alloc(8192, 0x42));
  await ok("gnt-instance", "reinstall", "-f", "-O", `image_file=${img}`, "ov");
  const conf = JSON.parse(await readFile(join(c.root("node1"), "var/lib/ganeti/config.data"), "utf8")) as
    { instances: Record<string, { name: string; osparams: Record<string, unknown> }> };
  assert.deepEqual(Object.values(conf.instances).find((i) => i.name === "ov")?.osparams, { image_file: img });
  const vol = (await readdir(join(c.root("node1"), "srv/ganeti/file-storage/ov")))[0] as string;
  const head = (await readFile(join(c.root("node1"), "srv/ganeti/file-storage/ov", vol))).subarray(0, 8192);
  assert.ok(head.equals(Buffer.alloc(8192, 0x42)), "the image given by the parameter was written");
  // A node remembers a passed check for a while (the same question, the same script); a
  // replaced verify script is asked again at once.
  const osDir = join(c.root("node1"), "srv/ganeti/os/image");
  const shipped = await readlink(osDir);
  await rm(osDir);
  await cp(shipped, osDir, { recursive: true });
  await writeFile(join(osDir, "verify"), "#!/bin/sh\necho this verify refuses everything >&2\nexit 1\n");
  try {
    await fails(/OS Parameters validation failed on node node1: OS validation script failed \(exited with exit code 1\), output: this verify refuses everything\n$/,
      "gnt-instance", "add", ...A, "-o", "image+default", "ov2");
  } finally {
    await rm(osDir, { recursive: true });
    await symlink(shipped, osDir);
  }
  await ok("gnt-instance", "remove", "-f", "ov");
});

test("modify -t ext -e provider=...: the data moves into the provider's volume and back; Ganeti's checks of -e", async () => {
  await ok("gnt-cluster", "modify", "--enabled-disk-templates", "file,diskless,sharedfile,drbd,ext", "--ipolicy-disk-templates", "file,diskless,sharedfile,drbd,ext");
  await ok("gnt-instance", "add", "-t", "file", "-n", "node2", "-o", "image+default", "-s", "32M", "--no-name-check", "--no-start", "ce");
  const fileDir = join(c.root("node2"), "srv/ganeti/file-storage/ce");
  const sha = async (p: string): Promise<string> => createHash("sha1").update(await readFile(p)).digest("hex");
  const vol0 = join(fileDir, (await readdir(fileDir))[0] as string);
  const fh = await open(vol0, "r+");
  await fh.write(Buffer.alloc(4096, 0x3c), 0, 4096, 20 * 1048576);
  await fh.close();
  const want = await sha(vol0);
  const r1 = await c.on("node1", "gnt-instance", "modify", "-t", "ext", "ce");
  assert.equal(r1.stderr, "Provider option is missing, use either the '--ext-params' or '-e' option\n");
  const r2 = await c.on("node1", "gnt-instance", "modify", "-t", "drbd", "-n", "node1", "-e", "provider=sharedfile-ext", "ce");
  assert.equal(r2.stderr, "Specifying ExtStorage parameters requires converting to the 'ext' disk template\n");
  await fails(/error type: wrong_input, error details:\nMissing required parameter 'provider' when converting to an ExtStorage disk template\n$/,
    "gnt-instance", "modify", "-t", "ext", "-e", "sparse=yes", "ce");
  await fails(/error type: wrong_input, error details:\nInvalid parameter 'size' when converting to an ExtStorage template \(it is not allowed modifying existing disk parameters\)\n$/,
    "gnt-instance", "modify", "-t", "ext", "-e", "provider=sharedfile-ext,size=1G", "ce");
  await fails(/error type: wrong_input, error details:\nExtStorage provider 'nope' not usable on node node2: /,
    "gnt-instance", "modify", "-t", "ext", "-e", "provider=nope", "ce");
  assert.equal(await sha(vol0), want, "refused conversions left the disk alone");

  const out = log(await ok("gnt-instance", "modify", "-t", "ext", "-e", "provider=sharedfile-ext,sparse=yes", "ce"));
  includes(out, "Converting disk template from 'file' to 'ext:sharedfile-ext'", " - copying data from disk 0 (file), size 32M",
    "Adding new disks (ext:sharedfile-ext) to cluster config and attaching them to the instance", "Removing old block devices of type 'file'...");
  const extDir = join(c.dir, "shared-file-storage", "sharedfile-ext");
  const vols = (await readdir(extDir)).filter((f) => f.endsWith(".ext.disk0"));
  assert.equal(vols.length, 1, vols.join(","));
  assert.equal(await sha(join(extDir, vols[0] as string)), want, "the provider's volume holds the data");
  assert.deepEqual(rows(await ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "pnode,disk_template", "ce")), [["node2", "ext"]]);
  // A template in use cannot be disabled (Ganeti's _CheckInstancesOfDisabledDiskTemplates).
  await fails(/error type: wrong_state, error details:\nCannot disable disk template 'ext', because there is at least one disk using it:\n \* <Disk\(type=ext, logical_id=\('sharedfile-ext', '[^']+'\), children=\[\], visible as \/dev\/disk\/0, size=32m\)> \(on ce\)\n$/,
    "gnt-cluster", "modify", "--enabled-disk-templates", "file,diskless,sharedfile,drbd");
  await ok("gnt-instance", "modify", "-t", "file", "ce");
  assert.deepEqual((await readdir(extDir)).filter((f) => f.endsWith(".ext.disk0")), [], "the provider removed its volume");
  const back = (await readdir(fileDir)).filter((f) => f.includes(".file.disk0"));
  assert.equal(back.length, 1);
  assert.equal(await sha(join(fileDir, back[0] as string)), want);
  await ok("gnt-instance", "remove", "-f", "ce");
  // The policy must follow (Ganeti's CheckIpolicyVsDiskTemplates), in the same command.
  await fails(/error type: wrong_input, error details:\nThe following disk templates are allowed by the ipolicy, but not enabled on the cluster: ext\n$/,
    "gnt-cluster", "modify", "--enabled-disk-templates", "file,diskless,sharedfile,drbd");
  await ok("gnt-cluster", "modify", "--enabled-disk-templates", "file,diskless,sharedfile,drbd", "--ipolicy-disk-templates", "file,diskless,sharedfile,drbd");
});

test("ganeti-watcher restarts a crashed instance and re-activates disks on a rebooted secondary", async () => {
  await ok("gnt-instance", "add", "-t", "drbd", "-n", "node1:node2", "-o", "image+default", "-s", "16M", "--no-name-check", "wd");
  const watcherLog = join(c.root("node1"), "var/log/ganeti/watcher.log");
  const since = async (): Promise<number> => (await readFile(watcherLog, "utf8").catch(() => "")).length;
  const newLog = async (from: number): Promise<string> => (await readFile(watcherLog, "utf8")).slice(from);
  // Not the master: the watcher only looks after the node's own daemons.
  const other = await c.on("node2", "ganeti-watcher", "-d");
  assert.equal(other.code, 0, other.stderr);
  assert.match(other.stderr, /DEBUG Not on master, exiting \(master is node1\)\n$/);
  // The guest dies behind Ganeti's back (its hypervisor state is gone): ERROR_down, then restarted.
  await rm(join(c.root("node1"), "var/run/ganeti/fake-hv/wd"));
  assert.deepEqual(rows(await ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "status", "wd")), [["ERROR_down"]]);
  let at = await since();
  let r = await c.on("node1", "ganeti-watcher");
  assert.equal(r.code, 0, r.stderr);
  assert.match(await newLog(at), /ganeti-watcher INFO Restarting instance 'wd' \(attempt #1\)\n/);
  assert.deepEqual(rows(await ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "status", "wd")), [["running"]]);
  at = await since();
  await c.on("node1", "ganeti-watcher");
  assert.match(await newLog(at), /ganeti-watcher INFO Restart of instance 'wd' succeeded\n/);
  // The secondary reboots: its drbd device is gone until the watcher activates the disks again.
  r = await c.on("node1", "gnt-node", "powercycle", "--yes", "node2");
  assert.equal(r.code, 0, r.stderr);
  for (let i = 0; ; i++) {
    await new Promise((res) => setTimeout(res, 1000));
    const info = await c.on("node1", "gnt-instance", "info", "wd");
    if (info.code === 0 && !/on secondary: \/dev\/drbd/.test(info.stdout)) break;
    assert.ok(i < 20, info.stdout);
  }
  at = await since();
  r = await c.on("node1", "ganeti-watcher");
  assert.equal(r.code, 0, r.stderr);
  assert.match(await newLog(at), /ganeti-watcher INFO Activating disks for instance 'wd'\n/);
  assert.match(await ok("gnt-instance", "info", "wd"), /\n      on secondary: \/dev\/drbd\d+ \(147:\d+\) /);
  await ok("gnt-instance", "remove", "-f", "wd");
});
