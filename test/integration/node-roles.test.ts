// A 3-node devcluster: init, add, node roles (drain, offline, readd), groups, tags, and
// Ganeti's errors for bad input. Real daemons, real mutual TLS.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, writeFile, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { DevCluster, rows, BIN, waitListening } from "../helpers/devcluster.js";

let c: DevCluster;

before(async () => {
  c = await DevCluster.up(3, 11);
});
after(async () => {
  await c?.destroy();
});

async function roles(): Promise<Record<string, string[]>> {
  const r = await c.on("node1", "gnt-node", "list", "--no-headers", "--separator=|", "-o", "name,role,master_candidate,drained,offline");
  assert.equal(r.code, 0, r.stderr);
  return Object.fromEntries(rows(r.stdout).map(([n, ...rest]) => [n ?? "", rest]));
}

test("init and add: three nodes, node1 master, the others candidates", async () => {
  assert.deepEqual(await roles(), {
    node1: ["M", "Y", "N", "N"],
    node2: ["C", "Y", "N", "N"],
    node3: ["C", "Y", "N", "N"],
  });
  for (const n of ["node1", "node2", "node3"]) {
    const r = await c.on(n, "gnt-cluster", "getmaster");
    assert.equal(r.stdout, "node1\n", `getmaster on ${n}`);
  }
  const st = await c.devcluster("status");
  assert.match(st.stdout, /node1\s+127\.0\.11\.1\s+up\s+up\s+up\s+up\s+master/); // noded, mond, clid, masterd
  assert.match(st.stdout, /node3\s+127\.0\.11\.3\s+up\s+up\s+up\s+-\s+member/);
});

test("gnt-node list default columns, as Ganeti's", async () => {
  const r = await c.on("node1", "gnt-node", "list");
  assert.equal(r.code, 0, r.stderr);
  const [head, ...lines] = r.stdout.trimEnd().split("\n");
  assert.match(head ?? "", /^Node\s+DTotal\s+DFree\s+MTotal\s+MNode\s+MFree\s+Pinst\s+Sinst$/);
  assert.equal(lines.length, 3);
  assert.match(lines[0] ?? "", /^node1\s+\d+(\.\d)?[MGT]\s+\d+(\.\d)?[MGT]\s+\d+(\.\d)?[MGT]\s+\d+(\.\d)?[MGT]\s+\d+(\.\d)?[MGT]\s+0\s+0$/);
});

test("drain and undrain a node", async () => {
  let r = await c.on("node1", "gnt-node", "modify", "--drained=yes", "node2");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "Modified node node2\n - master_candidate -> False\n - drained -> True\n");
  assert.deepEqual((await roles())["node2"], ["D", "N", "Y", "N"]);
  r = await c.on("node1", "gnt-node", "modify", "-D", "no", "node2");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, / - INFO: Auto-promoting node to master candidate\n/);
  assert.match(r.stdout, /Modified node node2\n - master_candidate -> True\n - drained -> False\n$/);
  assert.deepEqual((await roles())["node2"], ["C", "Y", "N", "N"]);
});

test("offline a node, then readd it", async () => {
  let r = await c.on("node1", "gnt-node", "modify", "--offline=yes", "node3");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "Modified node node3\n - master_candidate -> False\n - offline -> True\n");
  assert.deepEqual((await roles())["node3"], ["O", "N", "N", "Y"]);
  r = await c.on("node1", "gnt-cluster", "verify");
  assert.match(r.stdout, / - NOTICE: 1 offline node\(s\) found\./);
  r = await c.on("node1", "gnt-node", "add", "--readd", "node3");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, / - INFO: Readding a node, the offline\/drained flags were reset\n/);
  assert.match(r.stdout, / - INFO: Node will be a master candidate\n/);
  assert.deepEqual((await roles())["node3"], ["C", "Y", "N", "N"]);
  r = await c.on("node1", "gnt-cluster", "verify");
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.doesNotMatch(r.stdout, /ERROR/);
});

test("bad input gets Ganeti's errors and changes nothing", async () => {
  const before = await c.on("node1", "gnt-cluster", "info");
  const cases: Array<[string[], RegExp]> = [
    [["gnt-node", "modify", "-C", "yes", "-D", "yes", "node2"],
      /^Failure: prerequisites not met for this operation:\nerror type: wrong_input, error details:\nCan't set the node into more than one state at the same time\n$/],
    [["gnt-node", "modify", "--drained=yes", "node1"],
      /^Failure: prerequisites not met for this operation:\nerror type: wrong_input, error details:\nThe master role can be changed only via master-failover\n$/],
    [["gnt-node", "remove", "node1"],
      /^Failure: prerequisites not met for this operation:\nerror type: wrong_input, error details:\nNode is the master node, failover to another node is required\n$/],
    [["gnt-node", "modify", "--drained=yes", "nosuchnode"],
      /^Failure: prerequisites not met for this operation:\nerror type: unknown_entity, error details:\nNode 'nosuchnode' not known\n$/],
    [["gnt-node", "add", "node2"],
      /^Failure: prerequisites not met for this operation:\nerror type: already_exists, error details:\nNode node2 is already in the configuration\n$/],
    [["gnt-node", "modify", "node2"],
      /^Failure: prerequisites not met for this operation:\nerror type: wrong_input, error details:\nPlease pass at least one modification\n$/],
    [["gnt-node", "modify", "--drained=maybe", "node2"], /^Failure: unknown\/wrong parameter name 'Invalid boolean value 'maybe''\n$/],
    [["gnt-node", "list", "-o", "name,nosuchfield"], /Unknown output fields selected: nosuchfield/],
    [["gnt-group", "remove", "default"],
      /^Failure: prerequisites not met for this operation:\nerror type: wrong_state, error details:\nGroup 'default' not empty, has the following node\(s\): node1, node2, node3\n$/],
    [["gnt-debug", "delay", "abc"], /Invalid duration 'abc'/],
    [["gnt-cluster", "add-tags", "bad tag!"], /^Failure: invalid tag\(s\) given:\nTag contains invalid characters\n$/],
    [["gnt-job", "cancel", "x"], /Invalid job ID passed: invalid literal for int\(\) with base 10: 'x'\n$/],
  ];
  for (const [[prog, ...args], re] of cases) {
    const r = await c.on("node1", prog ?? "", ...args);
    assert.notEqual(r.code, 0, `${prog} ${args.join(" ")} should fail`);
    assert.match(r.stderr, re, `${prog} ${args.join(" ")}`);
  }
  const afterInfo = await c.on("node1", "gnt-cluster", "info");
  assert.equal(afterInfo.stdout.replace(/Modification time: .*\n/, ""), before.stdout.replace(/Modification time: .*\n/, ""));
  assert.deepEqual(await roles(), { node1: ["M", "Y", "N", "N"], node2: ["C", "Y", "N", "N"], node3: ["C", "Y", "N", "N"] });
});

test("node groups and tags", async () => {
  let r = await c.on("node1", "gnt-group", "add", "rack2");
  assert.equal(r.code, 0, r.stderr);
  r = await c.on("node1", "gnt-group", "add", "rack2");
  assert.match(r.stderr, /error type: already_exists, error details:\nDesired group name 'rack2' already exists as a node group/);
  r = await c.on("node1", "gnt-group", "assign-nodes", "rack2", "node3");
  assert.equal(r.code, 0, r.stderr);
  r = await c.on("node1", "gnt-group", "list", "--no-headers", "--separator=|", "-o", "name,node_cnt");
  assert.deepEqual(rows(r.stdout), [["default", "2"], ["rack2", "1"]]);
  r = await c.on("node1", "gnt-group", "rename", "rack2", "rack3");
  assert.equal(r.code, 0, r.stderr);
  r = await c.on("node1", "gnt-group", "assign-nodes", "default", "node3");
  assert.equal(r.code, 0, r.stderr);
  r = await c.on("node1", "gnt-group", "remove", "rack3");
  assert.equal(r.code, 0, r.stderr);
  r = await c.on("node1", "gnt-node", "add-tags", "node2", "rack:a", "owner:ops");
  assert.equal(r.code, 0, r.stderr);
  r = await c.on("node1", "gnt-node", "list-tags", "node2");
  assert.equal(r.stdout, "owner:ops\nrack:a\n");
  r = await c.on("node1", "gnt-node", "remove-tags", "node2", "rack:a");
  assert.equal(r.code, 0, r.stderr);
  r = await c.on("node1", "gnt-node", "remove-tags", "node2", "rack:a");
  assert.match(r.stderr, /error type: unknown_entity, error details:\nTag\(s\) 'rack:a' not found/);
  r = await c.on("node1", "gnt-cluster", "add-tags", "prod");
  assert.equal(r.code, 0, r.stderr);
  r = await c.on("node2", "gnt-cluster", "list-tags");
  assert.match(r.stderr, /This is not the master node, please connect to node 'node1' and rerun the command/);
  r = await c.on("node1", "gnt-cluster", "list-tags");
  assert.equal(r.stdout, "prod\n");
});

test("remove a node and add it back with a new join token; hooks run", async () => {
  // A failing pre hook aborts the operation, with Ganeti's message.
  const pre = join(c.root("node1"), "etc/ganeti/hooks/node-remove-pre.d");
  await mkdir(pre, { recursive: true });
  await writeFile(join(pre, "50-veto"), "#!/bin/sh\necho not today\nexit 1\n", { mode: 0o755 });
  let r = await c.on("node1", "gnt-node", "remove", "node3");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^Failure: hooks execution failed:\n  node: node1, script: [a-z-]+-pre\.d\/50-veto, output: not today/);
  await rm(pre, { recursive: true });
  const post = join(c.root("node1"), "etc/ganeti/hooks/node-add-post.d");
  await mkdir(post, { recursive: true });
  const record = join(c.dir, "hook-record");
  await writeFile(join(post, "10-record"), `#!/bin/sh\necho "$GANETI_HOOKS_PHASE $GANETI_OP_CODE $GANETI_NODE_NAME" >> ${record}\n`, { mode: 0o755 });
  r = await c.on("node1", "gnt-node", "remove", "node3");
  assert.equal(r.code, 0, r.stderr);
  r = await c.on("node1", "gnt-node", "list", "--no-headers", "-o", "name");
  assert.equal(r.stdout, "node1\nnode2\n");
  // node3's daemon left the cluster: it holds no certificate and is not running.
  const st = await c.devcluster("status");
  assert.match(st.stdout, /node3\s+\S+\s+down/);
  r = await c.on("node1", "gnt-cluster", "create-join-token");
  assert.equal(r.code, 0, r.stderr);
  const token = r.stdout.trim();
  const child = spawn(process.execPath, [`${BIN}/ganeti-noded`, "--join-token", token], {
    env: { ...process.env, GANETI_ROOT: c.root("node3"), GANETI_HOSTNAME: "" }, detached: true, stdio: "ignore",
  });
  child.unref();
  await waitListening(c.ip(3), 1811); // a fixed pause was too short on a busy machine
  r = await c.on("node1", "gnt-node", "add", "node3");
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.deepEqual((await roles())["node3"], ["C", "Y", "N", "N"]);
  assert.equal(await readFile(record, "utf8"), "post OP_NODE_ADD node3\n");
  r = await c.on("node1", "gnt-cluster", "verify");
  assert.equal(r.code, 0, r.stdout);
});

test("gnt-node power and health through the devcluster's out-of-band helper", async () => {
  let r = await c.on("node1", "gnt-node", "power", "status");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "Node  Status\nnode1 powered\nnode2 powered\nnode3 powered\n");
  r = await c.on("node1", "gnt-node", "health", "node2");
  assert.equal(r.stdout, "Node  Status\nnode2 node-daemon=OK\n");
  r = await c.on("node1", "gnt-node", "power", "-f", "off", "node1");
  assert.equal(r.code, 1);
  assert.equal(r.stderr, "Failure: prerequisites not met for this operation:\nerror type: wrong_input, error details:\n" +
    "The master role can be changed only via master-failover\n");
  r = await c.on("node1", "gnt-node", "power", "-f", "--ignore-status", "off", "node1");
  assert.match(r.stderr, /error details:\nOperating on the master node node1 is not allowed for power-off; run '\S+devcluster-oob power-off node1' if you want to operate on the master regardless\n$/);
  r = await c.on("node1", "gnt-node", "power", "off");
  assert.equal(r.stderr, "Please provide at least one node for this command\n");
  // Powering node3 off marks it offline first, then its daemons die as with halt -p.
  r = await c.on("node1", "gnt-node", "power", "-f", "off", "node3");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "Node  Status\nnode3 invoked\n");
  assert.deepEqual(rows((await c.on("node1", "gnt-node", "list", "--no-headers", "--separator=|", "-o", "name,offline,powered", "node3")).stdout),
    [["node3", "Y", "N"]]);
  assert.match((await c.devcluster("status")).stdout, /\nnode3 +\S+ +down /);
  r = await c.on("node1", "gnt-node", "power", "status", "node3");
  assert.equal(r.stdout, "Node  Status\nnode3 unpowered\n");
  r = await c.on("node1", "gnt-node", "power", "on", "node3");
  assert.equal(r.stdout, "Node  Status\nnode3 invoked\n");
  assert.match((await c.devcluster("status")).stdout, /\nnode3 +\S+ +up /);
  r = await c.on("node1", "gnt-node", "modify", "-O", "no", "node3");
  assert.equal(r.code, 0, r.stderr);
  // Without a helper the node's power is "unavailable", as in Ganeti.
  await c.on("node1", "gnt-node", "modify", "--node-parameters", "oob_program=", "node2");
  r = await c.on("node1", "gnt-node", "power", "status", "node2");
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "Node  Status\nnode2 (unavail)\n");
  await c.on("node1", "gnt-node", "modify", "--node-parameters", "oob_program=default", "node2");
});

