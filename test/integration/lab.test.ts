// The failure-recovery lab of seed 004, command for command, on a 3-node devcluster:
// nodes A, B, C are node1, node2, node3; dx and dy are drbd instances, dz is
// non-redundant (`file`: this machine has no device-mapper for `plain`). Every step
// checks the output the lab shows, not just the exit code.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { DevCluster, rows, BIN, jobLog, waitListening } from "../helpers/devcluster.js";
import { spawn } from "node:child_process";
import { rm, mkdir } from "node:fs/promises";
import { join } from "node:path";

let c: DevCluster;

before(async () => {
  c = await DevCluster.up(3, 17);
});
after(async () => {
  await c?.destroy();
});

const log = jobLog;

async function ok(node: string, program: string, ...args: string[]): Promise<string> {
  const r = await c.on(node, program, ...args);
  assert.equal(r.code, 0, `${program} ${args.join(" ")}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function layout(on = "node1"): Promise<string[][]> {
  return rows(await ok(on, "gnt-instance", "list", "--no-headers", "--separator=|", "-o", "name,pnode,snodes,status"));
}

function includesInOrder(lines: readonly string[], expected: readonly string[]): void {
  let at = 0;
  for (const e of expected) {
    const i = lines.indexOf(e, at);
    assert.ok(i >= 0, `missing (in order) ${JSON.stringify(e)} in:\n${lines.join("\n")}`);
    at = i + 1;
  }
}

test("set up dx (A/B), dy (B/C) and dz (B) as in the lab's diagram", async () => {
  await ok("node1", "gnt-instance", "add", "-t", "drbd", "-n", "node1:node2", "-o", "image+default", "-s", "64M", "--no-name-check", "dx");
  await ok("node1", "gnt-instance", "add", "-t", "drbd", "-n", "node2:node3", "-o", "image+default", "-s", "64M", "--no-name-check", "dy");
  const out = log(await ok("node1", "gnt-instance", "add", "-t", "file", "-n", "node2", "-o", "image+default", "-s", "128M",
    "--no-name-check", "dz"));
  assert.ok(out.includes("* creating instance disks..."));
  assert.deepEqual(await layout(), [["dx", "node1", "node2", "running"], ["dy", "node2", "node3", "running"], ["dz", "node2", "", "running"]]);
});

test("maintenance of B: drain, migrate, replace-disks -n, move, undrain", async () => {
  assert.deepEqual(log(await ok("node1", "gnt-node", "modify", "--drained=yes", "node2")),
    ["Modified node node2", " - master_candidate -> False", " - drained -> True"]);
  assert.equal(await ok("node1", "gnt-node", "list", "--no-headers", "-o", "name,drained"), "node1 N\nnode2 Y\nnode3 N\n");
  const mig = log(await ok("node1", "gnt-instance", "migrate", "-f", "dy"));
  includesInOrder(mig, ["Migrating instance dy", "* checking disk consistency between source and target", "* changing disks into dual-master mode",
    "* migrating instance to node3", "* switching node node2 to secondary mode", "* changing disks into single-master mode", "* done"]);
  const rep = log(await ok("node1", "gnt-instance", "replace-disks", "-n", "node3", "dx"));
  includesInOrder(rep, ["STEP 1/6 Check device existence", "STEP 2/6 Check peer consistency", "STEP 3/6 Allocate new storage",
    " - INFO: Adding new local storage on node3 for disk/0", "STEP 4/6 Changing drbd configuration", "STEP 5/6 Sync devices",
    " - INFO: Instance dx's disks are in sync", "STEP 6/6 Removing old storage"]);
  const mv = log(await ok("node1", "gnt-instance", "move", "-f", "-n", "node3", "dz"));
  includesInOrder(mv, [" - INFO: Shutting down instance dz on source node node2", "disk/0 finished receiving data", "disk/0 finished sending data",
    " - INFO: Removing the disks on the original node", " - INFO: Starting instance dz on node node3"]);
  for (const l of mv.filter((x) => x.startsWith("disk/0 sent "))) assert.match(l, /^disk\/0 sent \d+(\.\d)?[MG], \d+\.\d MiB\/s, \d+%, ETA (\d+[dhm] )*\d+s$/);
  // B now holds only dy's secondary copy.
  assert.deepEqual(await layout(), [["dx", "node1", "node3", "running"], ["dy", "node3", "node2", "running"], ["dz", "node3", "", "running"]]);
  await ok("node1", "gnt-node", "modify", "--drained=no", "node2");
  // Back to the lab's starting point for the failure: dx primary on B, secondary on A.
  await ok("node1", "gnt-instance", "replace-disks", "-n", "node2", "dx");
  await ok("node1", "gnt-instance", "migrate", "-f", "dx");
  assert.deepEqual(await layout(), [["dx", "node2", "node1", "running"], ["dy", "node3", "node2", "running"], ["dz", "node3", "", "running"]]);
});

test("B halts: ERROR_nodedown, offline, migrate refused, failover", async () => {
  await c.devcluster("stop", "node2");
  assert.deepEqual((await layout())[0], ["dx", "node2", "node1", "ERROR_nodedown"]);
  assert.deepEqual(log(await ok("node1", "gnt-node", "modify", "--offline=yes", "node2")),
    ["Modified node node2", " - master_candidate -> False", " - offline -> True"]);
  const r = await c.on("node1", "gnt-instance", "migrate", "-f", "dx");
  assert.equal(r.code, 1);
  assert.equal(r.stderr, "Failure: prerequisites not met for this operation:\nerror type: wrong_state, error details:\n" +
    "Can't migrate, please use failover: Node is marked offline\n");
  const fo = log(await ok("node1", "gnt-instance", "failover", "-f", "dx"));
  includesInOrder(fo, [
    "Failover instance dx",
    "* checking disk consistency between source and target",
    "* shutting down instance on source node",
    " - WARNING: Could not shutdown instance dx on node node2, proceeding anyway; please make sure node node2 is down; error details: " +
      "Node is marked offline",
    "* deactivating the instance's disks on source node",
    " - WARNING: Could not shutdown block device disk/0 on node node2: Node is marked offline",
    "* activating the instance's disks on target node node1",
    " - WARNING: Could not prepare block device disk/0 on node node2 (is_primary=False, pass=1): Node is marked offline",
    "* starting the instance on the target node node1",
  ]);
  assert.deepEqual(await layout(), [["dx", "node1", "node2", "running"], ["dy", "node3", "node2", "running"], ["dz", "node3", "", "running"]]);
});

test("B returns: readd, verify shows inactive drbd, verify-disks heals, migrate back", async () => {
  await c.devcluster("start", "node2");
  includesInOrder(log(await ok("node1", "gnt-node", "add", "--readd", "node2")),
    [" - INFO: Readding a node, the offline/drained flags were reset", " - INFO: Node will be a master candidate"]);
  let r = await c.on("node1", "gnt-cluster", "verify");
  assert.equal(r.code, 1);
  const v = log(r.stdout);
  includesInOrder(v, ["* Verifying node status", "  - ERROR: node node2: drbd minor 0 of instance dx is not active",
    "* Verifying instance status", "  - ERROR: instance dx: disk/0 on node1 is degraded"]);
  assert.ok(v.some((l) => l.startsWith("  - ERROR: instance dx: couldn't retrieve status for disk/0 on node2: Can't find device <DRBD8(")), v.join("\n"));
  const vd = await ok("node1", "gnt-cluster", "verify-disks");
  assert.match(vd, /^Submitted jobs \d+\nWaiting for job \d+ \.\.\.\n/);
  assert.match(vd, /Activating disks for instance 'dx'\n/);
  assert.match(vd, /Activating disks for instance 'dy'\n/);
  // The resync runs in the background; verify is clean once it is done.
  for (let i = 0; ; i++) {
    r = await c.on("node1", "gnt-cluster", "verify");
    if (r.code === 0 || i === 20) break;
    await new Promise((res) => setTimeout(res, 500));
  }
  assert.equal(r.code, 0, r.stdout);
  await ok("node1", "gnt-instance", "migrate", "-f", "dx");
  assert.deepEqual((await layout())[0], ["dx", "node2", "node1", "running"]);
});

test("B lost for good: offline, remove refused, failover, evacuate -s, remove", async () => {
  await c.devcluster("stop", "node2");
  await ok("node1", "gnt-node", "modify", "--offline=yes", "node2");
  const v = await c.on("node1", "gnt-cluster", "verify");
  assert.ok(log(v.stdout).includes("  - NOTICE: 1 offline node(s) found."), v.stdout);
  let r = await c.on("node1", "gnt-node", "remove", "node2");
  assert.equal(r.code, 1);
  assert.equal(r.stderr, "Failure: prerequisites not met for this operation:\nerror type: wrong_input, error details:\n" +
    "Instance dx is still running on the node, please remove first\n");
  // A's copy of dx notices its primary is gone (no heartbeat) and calls itself degraded.
  for (let i = 0; ; i++) {
    const v2 = await c.on("node1", "gnt-cluster", "verify");
    if (log(v2.stdout).includes("  - ERROR: instance dx: disk/0 on node1 is degraded")) break;
    assert.ok(i < 40, v2.stdout);
    await new Promise((res) => setTimeout(res, 250));
  }
  const fo = log(await ok("node1", "gnt-instance", "failover", "-f", "dx"));
  includesInOrder(fo, ["Failover instance dx", "* checking disk consistency between source and target",
    "Node node2 is offline, ignoring degraded disk 0 on target node node1", "* shutting down instance on source node",
    "* starting the instance on the target node node1"]);
  const ev = log(await ok("node1", "gnt-node", "evacuate", "-f", "-s", "node2"));
  includesInOrder(ev, [" - INFO: Evacuating instances from node 'node2': dx, dy",
    " - INFO: Instances to be moved: dx (to node1, node3), dy (to node3, node1)",
    "STEP 3/6 Allocate new storage", " - INFO: Adding new local storage on node3 for disk/0", "STEP 5/6 Sync devices",
    "All instances evacuated successfully."]);
  assert.deepEqual(await layout(), [["dx", "node1", "node3", "running"], ["dy", "node3", "node1", "running"], ["dz", "node3", "", "running"]]);
  await ok("node1", "gnt-node", "remove", "node2");
  assert.equal(await ok("node1", "gnt-node", "list", "--no-headers", "-o", "name,pinst_cnt,sinst_cnt"), "node1 1 1\nnode3 2 1\n");
  r = await c.on("node1", "gnt-instance", "start", "dx");
  assert.equal(r.code, 0, r.stderr);
});

test("B rejoins; master failover to B; B crashes; failover on A; B refuses; redist-conf", async () => {
  // B was rebuilt (new disks: the volumes it held when it died are gone; left in place
  // they would be reported as orphan volumes, as Ganeti reports orphan LVs): its daemon
  // joins again with a one-time token.
  await rm(join(c.root("node2"), "srv/ganeti/file-storage"), { recursive: true, force: true });
  await mkdir(join(c.root("node2"), "srv/ganeti/file-storage"), { recursive: true });
  const token = (await ok("node1", "gnt-cluster", "create-join-token")).trim();
  spawn(process.execPath, [`${BIN}/ganeti-noded`, "--join-token", token], {
    env: { ...process.env, GANETI_ROOT: c.root("node2"), GANETI_HOSTNAME: "" }, detached: true, stdio: "ignore",
  }).unref();
  await waitListening(c.ip(2), 1811);
  await ok("node1", "gnt-node", "add", "node2");
  await ok("node2", "gnt-cluster", "master-failover");
  assert.equal(await ok("node3", "gnt-cluster", "getmaster"), "node2\n");
  await c.devcluster("stop", "node2");
  const mf = await c.on("node1", "gnt-cluster", "master-failover");
  assert.equal(mf.code, 0, `${mf.stdout}\n${mf.stderr}`);
  assert.equal(await ok("node1", "gnt-cluster", "getmaster"), "node1\n");
  await c.devcluster("start", "node2");
  const r = await c.on("node2", "gnt-instance", "list");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /This is not the master node, please connect to node 'node1' and rerun the command/);
  const v = await c.on("node1", "gnt-cluster", "verify");
  assert.equal(v.code, 1);
  const lines = log(v.stdout);
  assert.ok(lines.some((l) => /^ {2}- ERROR: cluster: File \/var\/lib\/ganeti\/config\.data found with 2 different checksums \(variant 1 on .*; variant 2 on .*\)$/.test(l)),
    v.stdout);
  // Unlike Ganeti, B's ssconf_master_node already names the new master: B learnt it when its
  // masterd lost the vote at boot (that is how its CLI could name node1 above).
  await ok("node1", "gnt-cluster", "redist-conf");
  const v2 = await c.on("node1", "gnt-cluster", "verify");
  assert.equal(v2.code, 0, v2.stdout);
  await ok("node2", "gnt-cluster", "master-failover");
  assert.equal(await ok("node1", "gnt-cluster", "getmaster"), "node2\n");
});

test("evacuate -p of a non-redundant instance fails with Ganeti's message", async () => {
  const r = await c.on("node2", "gnt-node", "evacuate", "-f", "-p", "node3");
  assert.equal(r.code, 1);
  const lines = log(r.stdout + r.stderr);
  assert.ok(lines.includes(" - WARNING: Unable to evacuate instances dz (Instances of type file cannot be relocated)"), lines.join("\n"));
  assert.match(r.stderr, /Failure: command execution error:\nUnable to evacuate instances dz \(Instances of type file cannot be relocated\)\n/);
});
