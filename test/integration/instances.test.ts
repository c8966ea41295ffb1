// First stage of instances on the fake hypervisor: add (file, diskless), list statuses as
// Ganeti's (running, ADMIN_down, ERROR_nodedown, ERROR_nodeoffline), start/stop, remove,
// node removal refused while an instance uses the node, and clear errors for what is not
// built yet.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { stat, access, rename, mkdir, readdir, open, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DevCluster, rows } from "../helpers/devcluster.js";

let c: DevCluster;

before(async () => {
  c = await DevCluster.up(3, 15);
});
after(async () => {
  await c?.destroy();
});

async function statuses(): Promise<string[][]> {
  const r = await c.on("node1", "gnt-instance", "list", "--no-headers", "--separator=|", "-o", "name,pnode,snodes,status");
  assert.equal(r.code, 0, r.stderr);
  return rows(r.stdout);
}

test("add a file-backed and a diskless instance", async () => {
  let r = await c.on("node1", "gnt-instance", "add", "-t", "file", "-s", "1G", "-n", "node2", "-o", "image+default", "--no-name-check", "dx");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\* creating instance disks\.\.\.\n.*adding instance dx to cluster config\n.*\* running the instance OS create scripts\.\.\.\n.*\* starting instance\.\.\.\n$/);
  r = await c.on("node1", "gnt-instance", "add", "-t", "diskless", "-n", "node3", "--no-name-check", "--no-install", "--no-start", "dY.");
  assert.equal(r.code, 0, r.stderr);
  // Ganeti's Hostname.GetNormalizedName: "dY." is created as "dy"
  assert.deepEqual(await statuses(), [["dx", "node2", "", "running"], ["dy", "node3", "", "ADMIN_down"]]);
  // The shipped "image" OS definition wrote its signature onto the disk.
  const disk = (await readdir(join(c.root("node2"), "srv/ganeti/file-storage/dx")))[0] ?? "";
  const fh = await open(join(c.root("node2"), "srv/ganeti/file-storage/dx", disk), "r");
  const buf = Buffer.alloc(40);
  await fh.read(buf, 0, 40, 0);
  await fh.close();
  const head = buf.toString("utf8");
  assert.equal(head, "ganeti-ts image OS\ninstance=dx\nvariant=default\n".slice(0, 40));
  r = await c.on("node1", "gnt-os", "list");
  assert.equal(r.stdout, "Name\nimage+default\n");
  // The disk is a sparse 1 GiB file below node2's file storage directory.
  r = await c.on("node1", "gnt-instance", "list", "--no-headers", "-o", "disk.sizes", "dx");
  assert.equal(r.stdout.trim(), "1024");
  r = await c.on("node1", "gnt-node", "list", "--no-headers", "--separator=|", "-o", "name,pinst_cnt");
  assert.deepEqual(rows(r.stdout), [["node1", "0"], ["node2", "1"], ["node3", "1"]]);
});

test("start, stop and info", async () => {
  let r = await c.on("node1", "gnt-instance", "start", "dy");
  assert.equal(r.code, 0, r.stderr);
  r = await c.on("node1", "gnt-instance", "stop", "dx");
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await statuses(), [["dx", "node2", "", "ADMIN_down"], ["dy", "node3", "", "running"]]);
  r = await c.on("node1", "gnt-instance", "info", "dx");
  assert.match(r.stdout, /^- Instance name: dx\n  UUID: [0-9a-f-]{36}\n  Serial number: \d+\n/);
  assert.match(r.stdout, /\n  State: configured to be down, actual state is down\n  Nodes: \n    - primary: node2\n      group: default \(UUID [0-9a-f-]+\)\n    - secondaries: \n/);
  assert.match(r.stdout, /\n    maxmem: default \(128\)\n/);
  assert.match(r.stdout, /\n  Disk template: file\n  Disks: \n    - disk\/0: file, size 1\.0G\n      access mode: rw\n      logical_id: \['loop', '\/srv\/ganeti\/file-storage\/dx\/[0-9a-f-]+\.file\.disk0'\]\n      on primary: \/srv\/ganeti\/file-storage\/dx\/[0-9a-f-]+\.file\.disk0 \(N\/A:N\/A\)\n/);
  r = await c.on("node1", "gnt-instance", "info", "-s", "dx");
  assert.match(r.stdout, /\n  State: configured to be down\n/);
  assert.doesNotMatch(r.stdout, /on primary/, "static: no node asked");
  r = await c.on("node1", "gnt-instance", "console", "dx");
  assert.equal(r.stderr, "Failure: command execution error:\nInstance dx is not running, can't get console\n");
  r = await c.on("node1", "gnt-instance", "reinstall", "-f", "dx");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Running the instance OS create scripts\.\.\.\n$/);
  r = await c.on("node1", "gnt-instance", "reinstall", "-f", "dy");
  assert.match(r.stderr, /error type: wrong_input, error details:\nInstance 'dy' has no disks\n$/);
  r = await c.on("node1", "gnt-instance", "start", "dx");
  assert.equal(r.code, 0, r.stderr);
  r = await c.on("node1", "gnt-instance", "console", "dx");
  assert.equal(r.stdout, "Console not available for fake hypervisor\n");
});

test("modify backend parameters, reboot to apply them", async () => {
  let r = await c.on("node1", "gnt-instance", "modify", "-B", "maxmem=256,minmem=192", "dy");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Modified instance dy\n - be\/maxmem -> 256\n - be\/minmem -> 192\n/);
  r = await c.on("node1", "gnt-instance", "modify", "-B", "minmem=512", "dy");
  assert.match(r.stderr, /error type: wrong_input, error details:\nMinimum memory size \(512\) must be less or equal to maximum memory size \(256\)\n$/);
  r = await c.on("node1", "gnt-instance", "modify", "--disk", "add:size=1G", "dy");
  assert.match(r.stderr, /error type: wrong_state, error details:\nCan't add disks to a diskless instance\n$/);
  r = await c.on("node1", "gnt-instance", "list", "--no-headers", "--separator=|", "-o", "name,be/maxmem,oper_ram", "dy");
  assert.deepEqual(rows(r.stdout), [["dy", "256", "128"]], "running with the old size until restarted");
  r = await c.on("node1", "gnt-instance", "reboot", "dy");
  assert.equal(r.code, 0, r.stderr);
  r = await c.on("node1", "gnt-instance", "list", "--no-headers", "--separator=|", "-o", "name,be/maxmem,oper_ram", "dy");
  assert.deepEqual(rows(r.stdout), [["dy", "256", "256"]]);
});

test("verify compares what runs with what should", async () => {
  let r = await c.on("node1", "gnt-cluster", "verify");
  assert.equal(r.code, 0, r.stdout);
  assert.match(r.stdout, / - NOTICE: 2 non-redundant instance\(s\) found\.\n/);
  // dx stops behind Ganeti's back, and a stray copy of dy runs on node1.
  const hv = (n: string, i: string): string => join(c.root(n), "var/run/ganeti/fake-hv", i);
  await rename(hv("node2", "dx"), join(c.dir, "dx.state"));
  await mkdir(join(c.root("node1"), "var/run/ganeti/fake-hv"), { recursive: true });
  // The stray copy must look like one of node1's own (a state file of node3's boot would be
  // recognised as stale on node1): keep it without the boot id.
  const st = JSON.parse(await readFile(hv("node3", "dy"), "utf8")) as Record<string, unknown>;
  delete st["boot_id"];
  await writeFile(hv("node1", "dy"), JSON.stringify(st));
  r = await c.on("node1", "gnt-cluster", "verify");
  assert.equal(r.code, 1);
  assert.match(r.stdout, / - ERROR: instance dx: instance not running on its primary node node2\n/);
  assert.match(r.stdout, / - ERROR: instance dy: instance should not run on node node1\n/);
  r = await c.on("node1", "gnt-instance", "list", "--no-headers", "--separator=|", "-o", "name,status");
  assert.deepEqual(rows(r.stdout), [["dx", "ERROR_down"], ["dy", "running"]]);
  await rename(join(c.dir, "dx.state"), hv("node2", "dx"));
  await rename(hv("node1", "dy"), join(c.dir, "dy.stray"));
  r = await c.on("node1", "gnt-cluster", "verify");
  assert.equal(r.code, 0, r.stdout);
});

test("bad input and templates not built yet", async () => {
  const cases: Array<[string[], RegExp]> = [
    [["reinstall", "-f", "dx"], /error type: wrong_state, error details:\nInstance 'dx' is marked to be up, cannot reinstall\n$/],
    [["add", "-t", "file", "-s", "1G", "-n", "node2", "--no-name-check", "dx"],
      /error type: already_exists, error details:\nInstance 'dx' is already in the cluster\n$/],
    [["add", "-t", "rbd", "-s", "1G", "-n", "node2", "--no-name-check", "dz"],
      /^Failure: prerequisites not met for this operation:\nDisk template 'rbd' is not enabled in cluster\. Enabled disk templates are: .*\n$/],
    [["add", "-t", "file", "-s", "1G", "-n", "nosuch", "--no-name-check", "dz"],
      /error type: unknown_entity, error details:\nNode 'nosuch' not known\n$/],
    [["add", "-t", "file", "-s", "1G", "-n", "node2", "--no-name-check", "dz"],
      /error type: wrong_input, error details:\nNo guest OS or OS image specified\n$/],
    [["add", "-t", "file", "-s", "1G", "-n", "node2", "-o", "nosuch+default", "--no-name-check", "dz"],
      /error type: wrong_input, error details:\nOS 'nosuch' not in supported OS list for node node2\n$/],
    [["add", "-t", "file", "-s", "1G", "-n", "node2", "-o", "image", "--no-name-check", "dz"],
      /error type: wrong_input, error details:\nOS name 'image' must include a variant\n$/],
    [["add", "-t", "file", "-s", "1G", "-n", "node2", "dz.invalid"], /^Failure: can't resolve hostname 'dz\.invalid'\n$/],
    [["start", "nosuch"], /error type: unknown_entity, error details:\nInstance 'nosuch' not known\n$/],
  ];
  for (const [args, re] of cases) {
    const r = await c.on("node1", "gnt-instance", ...args);
    assert.equal(r.code, 1, args.join(" "));
    assert.match(r.stderr, re, args.join(" "));
  }
  assert.equal((await statuses()).length, 2, "nothing was half-created");
  // plain needs LVM, which needs the kernel's device-mapper: without it, enabling the
  // template says so clearly (and nothing pretends to be a logical volume).
  if (!(await access("/dev/mapper/control").then(() => true, () => false))) {
    const r = await c.on("node1", "gnt-cluster", "modify", "--enabled-disk-templates", "file,diskless,sharedfile,drbd,plain",
      "--ipolicy-disk-templates", "file,diskless,sharedfile,drbd,plain");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error type: environment_error, error details:\nDisk template 'plain' can't be enabled: volume group 'xenvg' on node node1: LVM is not usable: the kernel's device-mapper is not available \(\/dev\/mapper\/control is missing\)/);
    const info = await c.on("node1", "gnt-cluster", "info");
    assert.match(info.stdout, /^ {2}enabled disk templates: file, diskless, sharedfile, drbd\n/m, "the template was not enabled");
  }
  await assert.rejects(access(join(c.root("node2"), "srv/ganeti/file-storage/dz")));
});

test("evacuating node-local instances fails with Ganeti's message", async () => {
  let r = await c.on("node1", "gnt-node", "evacuate", "-f", "-p", "node3");
  assert.equal(r.code, 1);
  assert.match(r.stdout, / - INFO: Evacuating instances from node 'node3': dy\n.* - WARNING: Unable to evacuate instances dy \(Instances of type diskless cannot be relocated\)\n/);
  assert.equal(r.stderr, "Failure: command execution error:\nUnable to evacuate instances dy (Instances of type diskless cannot be relocated)\n");
  r = await c.on("node1", "gnt-node", "evacuate", "-f", "-p", "-n", "node1", "node3");
  assert.match(r.stderr, /error type: wrong_input, error details:\nWithout the use of an iallocator only secondary instances can be evacuated\n$/);
  assert.deepEqual((await statuses()).map((row) => row[1]), ["node2", "node3"], "nothing moved");
});

test("a dead primary node: ERROR_nodedown, then ERROR_nodeoffline; the node can't be removed", async () => {
  let r = await c.devcluster("stop", "node2");
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual((await statuses())[0], ["dx", "node2", "", "ERROR_nodedown"]);
  r = await c.on("node1", "gnt-node", "modify", "--offline=yes", "node2");
  assert.equal(r.stdout, "Modified node node2\n - master_candidate -> False\n - offline -> True\n");
  assert.deepEqual((await statuses())[0], ["dx", "node2", "", "ERROR_nodeoffline"]);
  r = await c.on("node1", "gnt-node", "remove", "node2");
  assert.equal(r.stderr, "Failure: prerequisites not met for this operation:\nerror type: wrong_input, error details:\n" +
    "Instance dx is still running on the node, please remove first\n");
});

test("remove instances", async () => {
  let r = await c.on("node1", "gnt-instance", "remove", "-f", "dx");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Could not shutdown instance dx on node node2: Node is marked offline/);
  r = await c.on("node1", "gnt-instance", "remove", "-f", "--ignore-failures", "dx");
  assert.equal(r.code, 0, r.stderr);
  r = await c.on("node1", "gnt-instance", "remove", "-f", "dy");
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await statuses(), []);
  await assert.rejects(stat(join(c.root("node3"), "var/run/ganeti/fake-hv/dy")), "dy no longer runs on node3");
  r = await c.on("node1", "gnt-node", "remove", "node2");
  assert.equal(r.code, 0, r.stderr);
});

test("sharedfile: live migration, and failover off a dead node as in the lab", async () => {
  let r = await c.on("node1", "gnt-instance", "add", "-t", "sharedfile", "-s", "512M", "-n", "node1", "--no-name-check", "--no-install", "ds");
  assert.equal(r.code, 0, r.stderr);
  r = await c.on("node1", "gnt-instance", "migrate", "-f", "-n", "node3", "ds");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Migrating instance ds\n.*\* checking where the instance actually runs .*\n.*\* instance running on: node1\n.*\* preparing node3 to accept the instance\n.*\* migrating instance to node3\n.*\* starting memory transfer\n.*\* memory transfer complete\n.*\* done\n$/);
  assert.deepEqual(await statuses(), [["ds", "node3", "", "running"]]);
  // gnt-node migrate: one migration job per primary instance of the node.
  r = await c.on("node1", "gnt-node", "migrate", "-f", "-n", "node1", "node3");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, / - INFO: Migrating instances from node 'node3': ds\n[^]*All instances migrated successfully\.\n$/);
  assert.deepEqual(await statuses(), [["ds", "node1", "", "running"]]);
  r = await c.on("node1", "gnt-node", "migrate", "-f", "-n", "node3", "node1");
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await statuses(), [["ds", "node3", "", "running"]]);
  // gnt-node evacuate -p: the allocator picks the target.
  r = await c.on("node1", "gnt-node", "evacuate", "-f", "-p", "node3");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, / - INFO: Instances to be moved: ds \(to node1\)\n[^]*All instances evacuated successfully\.\n$/);
  assert.deepEqual(await statuses(), [["ds", "node1", "", "running"]]);
  // No target: the default allocator (hail, relocating from the primary) picks it.
  r = await c.on("node1", "gnt-instance", "migrate", "-f", "ds");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, / - INFO: Selected nodes for instance ds via iallocator hail: node3\n/);
  assert.deepEqual(await statuses(), [["ds", "node3", "", "running"]]);
  // node3 dies and is marked offline: migration is refused with Ganeti's message,
  // failover proceeds with its warning and starts the instance on the target.
  await c.devcluster("stop", "node3");
  r = await c.on("node1", "gnt-node", "modify", "--offline=yes", "node3");
  assert.equal(r.code, 0, r.stderr);
  r = await c.on("node1", "gnt-instance", "migrate", "-f", "-n", "node1", "ds");
  assert.equal(r.stderr, "Failure: prerequisites not met for this operation:\nerror type: wrong_state, error details:\n" +
    "Can't migrate, please use failover: Node is marked offline\n");
  r = await c.on("node1", "gnt-instance", "failover", "-f", "-n", "node1", "ds");
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split("\n").map((l) => l.replace(/^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} /, ""));
  assert.deepEqual(lines.slice(0, 8), [
    "Failover instance ds",
    "* checking disk consistency between source and target",
    "* shutting down instance on source node",
    " - WARNING: Could not shutdown instance ds on node node3, proceeding anyway; please make sure node node3 is down; " +
      "error details: Node is marked offline",
    "* deactivating the instance's disks on source node",
    " - WARNING: Could not shutdown block device disk/0 on node node3: Node is marked offline",
    "* activating the instance's disks on target node node1",
    "* starting the instance on the target node node1",
  ]);
  assert.deepEqual(await statuses(), [["ds", "node1", "", "running"]]);
  r = await c.on("node1", "gnt-instance", "add", "-t", "diskless", "-n", "node1", "--no-name-check", "--no-install", "--no-start", "dl");
  r = await c.on("node1", "gnt-instance", "failover", "-f", "-n", "node3", "dl");
  assert.match(r.stderr, /error type: wrong_state, error details:\nInstance's disk layout 'diskless' does not allow failovers\n$/);
});

test("the default allocator places and moves instances when no node is given", async () => {
  // Only node1 is usable now (node2 was removed, node3 is offline). The default is hail:
  // an instance there could not be failed over anywhere (global N+1), so hail refuses.
  let r = await c.on("node1", "gnt-instance", "add", "-t", "sharedfile", "-s", "1G", "-I", ".", "--no-install", "--no-name-check", "da");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /error type: insufficient_resources, error details:\nCan't compute nodes using iallocator 'hail': Request failed: Group default \(preferred\): No valid allocation solutions, failure reasons: FailN1: 1\n$/);
  // The older built-in allocator stays available by name (no N+1 nor instance policy checks).
  r = await c.on("node1", "gnt-instance", "add", "-t", "sharedfile", "-s", "64M", "-I", "builtin", "--no-install", "--no-name-check", "da");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, / - INFO: Selected nodes for instance da via iallocator builtin: node1\n/);
  r = await c.on("node1", "gnt-instance", "migrate", "-f", "da");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /error type: insufficient_resources, error details:\nCan't compute nodes using iallocator 'hail': Request failed: Can't find any good node: \n$/);
  r = await c.on("node1", "gnt-instance", "failover", "-f", "-I", "builtin", "da");
  assert.match(r.stderr, /error type: insufficient_resources, error details:\nCan't compute nodes using iallocator 'builtin' for instance da: no usable node/);
  r = await c.on("node1", "gnt-instance", "add", "-t", "sharedfile", "-s", "1G", "-I", "nosuch", "--no-install", "--no-name-check", "db");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Failure while running the iallocator script: iallocator module 'nosuch' not found in the search path/);
});
