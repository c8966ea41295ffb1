// The ext disk template on a 3-node devcluster with the shipped sharedfile-ext provider
// (extstorage/sharedfile-ext: volumes as sparse files in the devcluster's shared directory):
// gnt-storage diagnose/info, add -t ext (the OS image lands in the provider's volume),
// migrate/failover to any node (mappings follow), grow, activate/deactivate, modify --disk
// add with ext-params, verify's provider consistency, remove, and bad input with Ganeti's
// errors and nothing left behind.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cp, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DevCluster, rows, jobLog, inOrder } from "../helpers/devcluster.js";

let c: DevCluster;
let volDir = "";

before(async () => {
  c = await DevCluster.up(3, 22);
  volDir = join(c.dir, "shared-file-storage/sharedfile-ext");
  const r = await c.on("node1", "gnt-cluster", "modify", "--enabled-disk-templates", "file,diskless,sharedfile,drbd,ext",
    "--ipolicy-disk-templates", "file,diskless,sharedfile,drbd,ext");
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await c?.destroy();
});

/** The provider's volumes (and metadata files), its mappings ("volume@node"). */
async function volumes(): Promise<string[]> {
  return (await readdir(volDir).catch(() => [])).filter((f) => !f.startsWith(".")).sort();
}
async function maps(): Promise<string[]> {
  return (await readdir(join(volDir, ".maps")).catch(() => [])).sort();
}

async function instances(): Promise<string[][]> {
  const r = await c.on("node1", "gnt-instance", "list", "--no-headers", "--separator=|", "-o", "name,pnode,status,disk_template,disk.sizes");
  assert.equal(r.code, 0, r.stderr);
  return rows(r.stdout);
}

const VALID = "valid (path: /srv/ganeti/extstorage/sharedfile-ext) [parameters: sparse, fromsnap]";

test("gnt-storage diagnose and info show the provider on every node", async () => {
  let r = await c.on("node1", "gnt-storage", "diagnose");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, [
    "Provider: sharedfile-ext", "---",
    `  Node: node1, status: ${VALID}`, `  Node: node2, status: ${VALID}`, `  Node: node3, status: ${VALID}`,
    "  --", "  For nodegroup: default --> valid", "", ""].join("\n"));
  r = await c.on("node1", "gnt-storage", "info", "sharedfile-ext", "nope");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, [
    "sharedfile-ext:", "  - Valid for nodegroups:", "      default", "  - Supported parameters:",
    "      sparse: yes (default): allocate no blocks up front; no: allocate the whole volume",
    "      fromsnap: a snapshot (or volume) of this provider to copy into the new volume", "",
    "nope: Not Found", "", ""].join("\n"));
});

test("bad input: Ganeti's errors, nothing created", async () => {
  const cases: Array<[string[], RegExp]> = [
    [["-t", "ext", "--disk", "0:size=64M"],
      /^Failure: prerequisites not met for this operation:\nerror type: wrong_input, error details:\nMissing provider for template 'ext'\n$/],
    [["-t", "ext", "--disk", "0:size=64M,provider=nope"],
      /^Failure: prerequisites not met for this operation:\nerror type: wrong_input, error details:\nExtStorage provider 'nope' not usable on node node1: Directory for External Storage Provider nope not found in search path\n$/],
    [["-t", "ext", "--disk", "0:size=64M,provider=sharedfile-ext,color=blue,size2=3"],
      /^Failure: prerequisites not met for this operation:\nerror type: wrong_input, error details:\nThe following parameters are not supported by the ExtStorage provider sharedfile-ext: color, size2\n$/],
    [["-t", "file", "--disk", "0:size=64M,provider=sharedfile-ext"],
      /^Failure: prerequisites not met for this operation:\nerror type: wrong_input, error details:\nThe 'provider' option is only valid for the ext disk template, not file\n$/],
    // A value the provider refuses: its create script's own words, as Ganeti passes them on.
    [["-t", "ext", "--disk", "0:size=64M,provider=sharedfile-ext,sparse=maybe"],
      /^Failure: command execution error:\nCan't create block device disk\/0 on node node1: External storage's create script failed \(exited with exit code 1\), last lines of output:\nsharedfile-ext\/create: parameter sparse must be yes or no, not 'maybe'\n$/],
  ];
  for (const [args, want] of cases) {
    const r = await c.on("node1", "gnt-instance", "add", ...args, "-n", "node1", "-o", "image+default", "--no-name-check", "bad1");
    assert.equal(r.code, 1, `${args.join(" ")}: ${r.stdout}`);
    assert.match(r.stderr, want, args.join(" "));
  }
  assert.deepEqual(await instances(), []);
  assert.deepEqual(await volumes(), []);
  assert.deepEqual(await maps(), []);
  // The failed create left its log, with the script's output, as Ganeti's LOG_ES_DIR.
  const logs = await readdir(join(c.root("node1"), "var/log/ganeti/extstorage"));
  assert.ok(logs.some((l) => /^create-sharedfile-ext-[0-9a-f-]+\.ext\.disk0-\d{4}-\d\d-\d\d_\d\d_\d\d_\d\d_\d{6}\.log$/.test(l)), logs.join(" "));
});

let vol = "";

test("add -t ext: the provider creates, attaches and tags the volume; the OS writes into it", async () => {
  const r = await c.on("node1", "gnt-instance", "add", "-t", "ext", "--disk", "0:size=64M,provider=sharedfile-ext", "-n", "node1",
    "-o", "image+default", "--no-name-check", "e1");
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(jobLog(r.stdout), ["* creating instance disks...", "adding instance e1 to cluster config",
    "* running the instance OS create scripts...", "* starting instance..."]);
  assert.deepEqual(await instances(), [["e1", "node1", "running", "ext", "64"]]);
  const vs = await volumes();
  assert.equal(vs.length, 2, vs.join(" "));
  vol = vs[0] ?? "";
  assert.match(vol, /^[0-9a-f-]{36}\.ext\.disk0$/);
  assert.equal(vs[1], `${vol}.meta`);
  // setinfo got Ganeti's metadata; the volume is a sparse 64 MiB file mapped on node1.
  assert.equal(await readFile(join(volDir, `${vol}.meta`), "utf8"), "originstname+e1\n");
  const st = await stat(join(volDir, vol));
  assert.equal(st.size, 64 * 1048576);
  assert.ok(st.blocks * 512 < 1048576, `not sparse: ${st.blocks} blocks`);
  assert.deepEqual(await maps(), [`${vol}@node1`]);
  const fh = await open(join(volDir, vol), "r");
  const buf = Buffer.alloc(44);
  await fh.read(buf, 0, 44, 0);
  await fh.close();
  assert.equal(buf.toString("utf8"), "ganeti-ts image OS\ninstance=e1\nvariant=default\n".slice(0, 44));
});

test("migrate and failover to any node: the volume is mapped where the instance runs", async () => {
  let r = await c.on("node1", "gnt-instance", "migrate", "-f", "-n", "node2", "e1");
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(jobLog(r.stdout), ["Migrating instance e1",
    "* checking where the instance actually runs (if this hangs, the hypervisor might be in a bad state)",
    "* instance running on: node1", "* preparing node2 to accept the instance", "* migrating instance to node2",
    "* starting memory transfer", "* memory transfer complete", "* unmapping instance's disks None from node1", "* done"]);
  assert.deepEqual(await maps(), [`${vol}@node2`]);
  r = await c.on("node1", "gnt-instance", "failover", "-f", "-n", "node3", "e1");
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(jobLog(r.stdout), ["Failover instance e1", "* checking disk consistency between source and target",
    "* shutting down instance on source node", "* deactivating the instance's disks on source node",
    "* activating the instance's disks on target node node3", "* starting the instance on the target node node3"]);
  assert.deepEqual(await maps(), [`${vol}@node3`]);
  assert.deepEqual(await instances(), [["e1", "node3", "running", "ext", "64"]]);
});

test("grow-disk goes through the provider's grow script", async () => {
  const r = await c.on("node1", "gnt-instance", "grow-disk", "e1", "0", "64M");
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(jobLog(r.stdout), ["Growing disk 0 of instance 'e1' by 64M to 128M"]);
  assert.equal((await stat(join(volDir, vol))).size, 128 * 1048576);
  assert.deepEqual(await instances(), [["e1", "node3", "running", "ext", "128"]]);
});

test("deactivate-disks detaches, activate-disks attaches and shows the provider's path", async () => {
  let r = await c.on("node1", "gnt-instance", "shutdown", "e1");
  assert.equal(r.code, 0, r.stderr);
  r = await c.on("node1", "gnt-instance", "deactivate-disks", "e1");
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await maps(), []);
  r = await c.on("node1", "gnt-instance", "activate-disks", "e1");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `node3:disk/0:${join(c.root("node3"), "srv/ganeti/shared-file-storage/sharedfile-ext", vol)}\n`);
  assert.deepEqual(await maps(), [`${vol}@node3`]);
});

test("modify --disk add with provider and ext-params", async () => {
  let r = await c.on("node1", "gnt-instance", "modify", "--disk", "add:size=16M,provider=sharedfile-ext,sparse=no", "e1");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Modified instance e1\n - disk\/1 -> add:size=16,mode=rw\n/);
  const added = (await volumes()).find((v) => v.endsWith(".ext.disk1")) ?? "";
  const st = await stat(join(volDir, added));
  assert.equal(st.size, 16 * 1048576);
  assert.ok(st.blocks * 512 >= 16 * 1048576, `sparse=no still sparse: ${st.blocks} blocks`);
  r = await c.on("node1", "gnt-instance", "modify", "--disk", "add:size=16M", "e1");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /error type: wrong_input, error details:\nMissing provider for template 'ext'\n$/);
  r = await c.on("node1", "gnt-instance", "modify", "--disk", "add:size=16M,provider=sharedfile-ext,colour=red", "e1");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /error details:\nThe following parameters are not supported by the ExtStorage provider sharedfile-ext: colour\n$/);
  assert.equal((await volumes()).length, 4);
  r = await c.on("node1", "gnt-instance", "start", "e1");
  assert.equal(r.code, 0, r.stderr);
});

test("verify: providers must be the same on every node of the group", async () => {
  let r = await c.on("node1", "gnt-cluster", "verify");
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\* Verifying ExtStorage providers\n/);
  assert.doesNotMatch(r.stdout, /ERROR/);
  // node2 loses the provider, node3 grows a broken one.
  const link = join(c.root("node2"), "srv/ganeti/extstorage/sharedfile-ext");
  const away = join(c.root("node2"), "sharedfile-ext.away");
  await rename(link, away);
  const broken = join(c.root("node3"), "srv/ganeti/extstorage/broken");
  await mkdir(broken);
  await writeFile(join(broken, "create"), "#!/bin/sh\n");
  try {
    r = await c.on("node1", "gnt-cluster", "verify");
    assert.equal(r.code, 1);
    assert.deepEqual(jobLog(r.stdout).filter((l) => l.includes("ERROR")), [
      "  - ERROR: node node2: ExtStorage providers used by instances but missing on this node: sharedfile-ext",
      "  - ERROR: node node3: Invalid ExtStorage provider broken (located at /srv/ganeti/extstorage/broken): File 'create' under path " +
        "'/srv/ganeti/extstorage/broken' is not executable",
      "  - ERROR: node node3: Extra ExtStorage provider broken not present on reference node (node1)",
    ]);
    r = await c.on("node1", "gnt-storage", "diagnose");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Provider: broken\n---\n {2}Node: node1, status: ExtStorage provider not found\n {2}Node: node2, status: ExtStorage provider not found\n {2}Node: node3, status: invalid - File 'create' under path '\/srv\/ganeti\/extstorage\/broken' is not executable \(path: \/srv\/ganeti\/extstorage\/broken\) \[no parameters\]\n {2}--\n {2}For nodegroup: default --> invalid\n\n/);
    assert.match(r.stdout, /\n {2}Node: node1, status: valid .*\n {2}Node: node3, status: valid .*\n {2}Node: node2, status: ExtStorage provider not found\n {2}--\n {2}For nodegroup: default --> invalid\n\n$/);
    r = await c.on("node1", "gnt-storage", "info", "broken");
    assert.equal(r.stdout, "broken:\n  - Invalid for all nodegroups\n\n");
  } finally {
    await rename(away, link);
    await rm(broken, { recursive: true, force: true });
  }
});

test("gnt-backup export: snapshots through the provider's script; without one, a live export is refused and --long-sleep allowed", async () => {
  const pnode = (await instances()).find((i) => i[0] === "e1")?.[1] ?? "";
  const had = await volumes();
  let r = await c.on("node1", "gnt-backup", "export", "-n", "node1", "e1");
  assert.equal(r.code, 0, r.stderr);
  inOrder(jobLog(r.stdout), ["Shutting down instance e1", "Creating a snapshot of disk/0 on node " + pnode, "Starting instance e1",
    `Exporting snapshot/0 from ${pnode} to node1`, `Removing snapshot of disk/0 on node ${pnode}`, "Finalizing export on node1"]);
  assert.deepEqual(await volumes(), had, "the snapshot volumes were removed through the provider");
  const logs = await readdir(join(c.root(pnode), "var/log/ganeti/extstorage"));
  assert.ok(logs.some((f) => f.startsWith(`snapshot-sharedfile-ext-${vol}-`)), logs.join(" "));

  // The same provider without its (optional) snapshot script, on every node.
  for (const n of ["node1", "node2", "node3"]) {
    const dir = join(c.root(n), "srv/ganeti/extstorage");
    // dereference: the shipped provider is a symlink into the repository, which must stay whole.
    await cp(join(dir, "sharedfile-ext"), join(dir, "nosnap-ext"), { recursive: true, dereference: true });
    await rm(join(dir, "nosnap-ext/snapshot"));
  }
  try {
    r = await c.on("node1", "gnt-instance", "add", "-t", "ext", "--disk", "0:size=16M,provider=nosnap-ext", "-n", "node1",
      "-o", "image+default", "--no-name-check", "e2");
    assert.equal(r.code, 0, r.stderr);
    const warning = " - WARNING: Could not snapshot disk/0 on node node1: ExtStorage provider 'nosnap-ext' can't take snapshots (it has no snapshot script)";
    r = await c.on("node1", "gnt-backup", "export", "-n", "node2", "e2");
    assert.equal(r.code, 1, r.stdout);
    inOrder(jobLog(r.stdout), ["Shutting down instance e2", "Creating a snapshot of disk/0 on node node1", warning, "Starting instance e2"]);
    assert.equal(r.stderr, "Failure: command execution error:\nNot all disks could be snapshotted, and you did not allow the instance to " +
      "remain offline for a longer time through the --long-sleep option; aborting\n");
    r = await c.on("node1", "gnt-backup", "export", "-n", "node2", "--noshutdown", "e2");
    assert.equal(r.code, 1, r.stdout);
    assert.ok(!jobLog(r.stdout).includes("Shutting down instance e2"), r.stdout);
    assert.equal(r.stderr, "Failure: command execution error:\nNot all disks could be snapshotted, and you requested a live export; aborting\n");
    assert.deepEqual((await instances()).find((i) => i[0] === "e2")?.[2], "running");
    assert.equal((await c.on("node1", "gnt-backup", "list", "--node", "node2")).stdout, "", "nothing exported");
    // --long-sleep: the instance stays down while its disk itself is sent, then starts.
    r = await c.on("node1", "gnt-backup", "export", "-n", "node2", "--long-sleep", "e2");
    assert.equal(r.code, 0, r.stderr);
    inOrder(jobLog(r.stdout), ["Shutting down instance e2", warning, "Exporting disk/0 from node1 to node2", "disk/0 finished receiving data",
      "Starting instance e2", "Finalizing export on node2"]);
    assert.deepEqual((await instances()).find((i) => i[0] === "e2")?.[2], "running");
    assert.equal((await c.on("node1", "gnt-backup", "list", "--node", "node2")).stdout, "Node: node2\nExports:\n  e2\n");
    for (const x of ["e1", "e2"]) assert.equal((await c.on("node1", "gnt-backup", "remove", x)).code, 0);
    assert.equal((await c.on("node1", "gnt-instance", "remove", "-f", "e2")).code, 0);
  } finally {
    for (const n of ["node1", "node2", "node3"]) await rm(join(c.root(n), "srv/ganeti/extstorage/nosnap-ext"), { recursive: true, force: true });
  }
});

test("remove: the provider removes the volumes", async () => {
  const r = await c.on("node1", "gnt-instance", "remove", "-f", "e1");
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await instances(), []);
  assert.deepEqual(await volumes(), []);
  assert.deepEqual(await maps(), []);
});
