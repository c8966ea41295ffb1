// Cluster-wide administration on a 2-node devcluster, outputs asserted: the watcher's node
// auto-maintenance (maintain_node_health), gnt-cluster command and copyfile, the
// cluster-verify post hooks, gnt-cluster epo (out-of-band power through the devcluster's
// helper) and gnt-node restricted-command.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { BIN, DevCluster, prereqFailure, rows } from "../helpers/devcluster.js";

let c: DevCluster;

before(async () => {
  c = await DevCluster.up(2, 31);
});
after(async () => {
  await c?.destroy();
});

async function fails(stderr: string, program: string, ...args: string[]): Promise<void> {
  const r = await c.on("node1", program, ...args);
  assert.equal(r.code, 1, `${program} ${args.join(" ")} should fail:\n${r.stdout}`);
  assert.equal(r.stderr, stderr, args.join(" "));
}

const prereq = prereqFailure;

test("node auto-maintenance: an offline node's watcher stops its guests, only once the candidates agree", async () => {
  await c.ok("gnt-cluster", "modify", "--maintain-node-health=yes");
  await c.ok("gnt-instance", "add", "-t", "file", "-s", "8M", "-o", "image+default", "-n", "node2", "--no-name-check", "stale");
  const fake = (): Promise<string[]> => readdir(join(c.root("node2"), "var/run/ganeti/fake-hv")).catch(() => []);
  const watcherLog = (): Promise<string> => readFile(join(c.root("node2"), "var/log/ganeti/watcher.log"), "utf8").catch(() => "");
  // Online: the node's watcher leaves its guests alone.
  assert.equal((await c.on("node2", "ganeti-watcher")).code, 0);
  assert.ok((await fake()).some((f) => f.startsWith("stale")), `running on node2: ${(await fake()).join(" ")}`);
  // Marked offline (the node was thought dead): its watcher learns it from node1 and stops what still runs there.
  await c.ok("gnt-node", "modify", "-O", "yes", "node2");
  const w = await c.on("node2", "ganeti-watcher");
  assert.equal(w.code, 0, w.stderr);
  assert.ok(!(await fake()).some((f) => f.startsWith("stale")), `still running on node2: ${(await fake()).join(" ")}`);
  assert.match(await watcherLog(), /ganeti-watcher INFO Following instances should not be running, shutting them down: stale\n/);
  await c.ok("gnt-node", "modify", "-O", "no", "node2");
  await c.ok("gnt-instance", "remove", "-f", "stale");
  await c.ok("gnt-cluster", "modify", "--maintain-node-health=no");
});

test("gnt-cluster command and copyfile: every online node (the master last), Ganeti's output", async () => {
  const cmd = await c.ok("gnt-cluster", "command", "echo", "$GANETI_ROOT;", "cat", "var/lib/ganeti/ssconf_master_node");
  assert.equal(cmd, ["------------------------------------------------", "node: node2", c.root("node2"), "node1", "", "return code = 0",
    "------------------------------------------------", "node: node1", c.root("node1"), "node1", "", "return code = 0", ""].join("\n"));
  // Options end at the command: its own -l is its own; a failing command's code is shown.
  const ls = await c.ok("gnt-cluster", "command", "-n", "node2", "ls", "-l", "/nonexistent-gt");
  assert.match(ls, /^-+\nnode: node2\nls: cannot access '\/nonexistent-gt': No such file or directory\n\nreturn code = 2\n$/);
  assert.equal(await c.ok("gnt-cluster", "command", "--failure-only", "true"), "");
  assert.equal(await c.ok("gnt-cluster", "command", "-M", "-n", "node1", "echo a; echo b"),
    "------------------------------------------------\nnode1: a\nnode1: b\nreturn code = 0\n");
  const src = join(c.root("node1"), "..", "copyfile-src.txt");
  await writeFile(src, "for every node\n", { mode: 0o640 });
  assert.equal(await c.ok("gnt-cluster", "copyfile", src), "");
  const copied = join(c.root("node2"), src);
  assert.equal(await readFile(copied, "utf8"), "for every node\n");
  assert.equal((await stat(copied)).mode & 0o777, 0o640);
  await fails(prereq("wrong_input", "No such filename '/nonexistent-gt'"), "gnt-cluster", "copyfile", "/nonexistent-gt");
});

test("gnt-cluster verify runs the cluster-verify post hooks and reports failed scripts", async () => {
  const d = join(c.root("node2"), "etc/ganeti/hooks/cluster-verify-post.d");
  await mkdir(d, { recursive: true });
  await writeFile(join(d, "50-check"), "#!/bin/sh\necho \"tags: $GANETI_CLUSTER_TAGS\"\necho second line\nexit 1\n", { mode: 0o755 });
  await c.ok("gnt-cluster", "add-tags", "verified");
  const r = await c.on("node1", "gnt-cluster", "verify");
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stdout, /\* Hooks Results\n.* - ERROR: node node2: Script cluster-verify-post\.d\/50-check failed, output:\n.* {6}tags: verified\n {6}second line\n/);
  await rm(join(d, "50-check"));
  await c.ok("gnt-cluster", "remove-tags", "verified");
  const again = await c.on("node1", "gnt-cluster", "verify");
  assert.match(again.stdout, /\* Hooks Results\n/);
  assert.doesNotMatch(again.stdout, /50-check/);
});

test("gnt-cluster epo: a node's instances stopped and the node powered off, then --on brings both back", async () => {
  await c.ok("gnt-instance", "add", "-t", "file", "-s", "8M", "-o", "image+default", "-n", "node2", "--no-name-check", "epo1");
  await c.ok("gnt-instance", "add", "-t", "file", "-s", "8M", "-o", "image+default", "-n", "node2", "--no-name-check", "--no-start", "epo2");
  const master = await c.on("node1", "gnt-cluster", "epo", "-f", "node1");
  assert.deepEqual([master.code, master.stderr], [1, "node1 is the master node, please do a master-failover to another node not affected by " +
    "the EPO or use --all if you intend to shutdown the whole cluster\n"]);
  assert.equal((await c.on("node1", "gnt-cluster", "epo", "--groups", "--all")).stderr, "Only one of --groups or --all are allowed\n");
  assert.equal((await c.on("node1", "gnt-cluster", "epo", "--all", "node2")).stderr, "Arguments in combination with --all are not allowed\n");
  const off = await c.ok("gnt-cluster", "epo", "-f", "node2");
  assert.match(off, /^Submit shutdown of instance epo1\nSubmit shutdown of instance epo2\nSubmitted jobs \d+, \d+\nWaiting for job \d+ for epo1 \.\.\.\n/);
  assert.match(off, /All instances have been stopped successfully\n/);
  // Stopped without forgetting they should run; the node is off (its daemons gone).
  assert.deepEqual(rows(await c.ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "name,admin_state,status", "epo1", "epo2")),
    [["epo1", "up", "ERROR_nodedown"], ["epo2", "down", "ERROR_nodedown"]]);
  assert.deepEqual(rows(await c.ok("gnt-node", "list", "--no-headers", "--separator=|", "-o", "name,powered", "node2")), [["node2", "N"]]);
  assert.match((await c.devcluster("status")).stdout, /node2.*(stopped|down)/i);
  // `gnt-devcluster status | head -1`: a reader that goes away ends it quietly (exit 141)
  const piped = await new Promise<{ code: number | null; stderr: string }>((res) => {
    const child = spawn(join(BIN, "gnt-devcluster"), ["status", "--dir", c.dir], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => { stderr += d; });
    child.on("close", (code) => res({ code, stderr }));
  });
  assert.deepEqual(piped, { code: 141, stderr: "" });
  const again = await c.ok("gnt-cluster", "epo", "-f", "node2");
  assert.match(again, /Node node2 is already in desired power state, skipping\n/);
  const on = await c.ok("gnt-cluster", "epo", "-f", "--on", "node2");
  assert.match(on, /Waiting until all nodes are available again\nNode node2 became available\nSubmit startup of instance epo1\n/);
  assert.doesNotMatch(on, /epo2/, "an instance configured down stays down");
  assert.deepEqual(rows(await c.ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "name,status", "epo1", "epo2")),
    [["epo1", "running"], ["epo2", "ADMIN_down"]]);
  await c.ok("gnt-instance", "remove", "-f", "epo1");
  await c.ok("gnt-instance", "remove", "-f", "epo2");
});

test("gnt-node restricted-command: only root's executables of the restricted-commands directory; failures without detail", async (t) => {
  if (process.getuid?.() !== 0) return t.skip("the restricted commands must be owned by root");
  const d = join(c.root("node2"), "etc/ganeti/restricted-commands");
  await mkdir(d, { recursive: true, mode: 0o755 });
  await writeFile(join(d, "hello"), "#!/bin/sh\necho hello\necho \"env: $(env | wc -l)\"\n", { mode: 0o755 });
  await writeFile(join(d, "fails"), "#!/bin/sh\necho oops\nexit 3\n", { mode: 0o755 });
  assert.equal(await c.ok("gnt-node", "restricted-command", "hello", "node2"),
    "------------------------------------------------\nNode: node2\nhello\nenv: 1\n\n", "an empty environment (sh sets PWD)");
  assert.equal(await c.ok("gnt-node", "restricted-command", "-M", "hello", "node2"), "------------------------------------------------\nnode2: hello\nnode2: env: 1\n");
  const f = await c.on("node1", "gnt-node", "restricted-command", "fails", "node2");
  assert.deepEqual([f.code, f.stdout], [1, "------------------------------------------------\n" +
    "Command 'fails' on node 'node2' failed: Restricted command 'fails' failed: exited with exit code 3; output: oops\n\n"]);
  const missing = await c.on("node1", "gnt-node", "restricted-command", "nosuch", "node2");
  assert.deepEqual([missing.code, missing.stdout], [1, "------------------------------------------------\n" +
    "Command 'nosuch' on node 'node2' failed: Executing command 'nosuch' failed\n"]);
  assert.match(await readFile(join(c.root("node2"), "var/log/ganeti/noded.log"), "utf8"), /"why":"Can't stat\(2\) [^"]*nosuch[^"]*","msg":"restricted command refused"/);
  await fails(prereq("wrong_input", "Node group or node names must be given"), "gnt-node", "restricted-command", "hello");
});
