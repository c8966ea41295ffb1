// Master failover on a 3-node devcluster, as in the failure-recovery lab (seed 004):
// with the old master alive, with it dead, the returning old master refusing commands,
// verify finding the diverged config and redist-conf healing it; the master IP moves.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile, chmod } from "node:fs/promises";
import { connect } from "node:tls";
import { join } from "node:path";
import { DevCluster } from "../helpers/devcluster.js";

let c: DevCluster;

before(async () => {
  c = await DevCluster.up(3, 13);
});
after(async () => {
  await c?.destroy();
});

/** Asks whoever listens on the cluster IP which node it is (mutual TLS, cluster cert). */
async function masterIpOwner(): Promise<string | null> {
  const pem = await readFile(join(c.root("node1"), "var/lib/ganeti/server.pem"), "utf8");
  return new Promise((resolve) => {
    const s = connect({ host: `127.0.${c.subnet}.254`, port: 1811, cert: pem, key: pem, rejectUnauthorized: false }, () => {
      s.write("PUT /master_node_name HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
    });
    let buf = "";
    s.setEncoding("utf8");
    s.on("data", (d: string) => { buf += d; });
    s.on("end", () => {
      const m = /"hostname":"([^"]+)"/.exec(buf);
      resolve(m?.[1] ?? null);
    });
    s.on("error", () => resolve(null));
  });
}

test("the master IP is served by the master only", async () => {
  assert.equal(await masterIpOwner(), "node1");
});

async function jobStatuses(node: string): Promise<Map<string, string>> {
  const r = await c.on(node, "gnt-job", "list", "--no-headers", "--separator=|", "-o", "id,status");
  return new Map(r.stdout.trim().split("\n").filter((l) => l !== "").map((l) => l.split("|") as [string, string]));
}

test("master-failover with the old master alive; the new master continues the queue", async () => {
  // One job holds node3's lock, a second waits for it: both are in the replicated queue.
  let r = await c.on("node1", "gnt-debug", "delay", "--submit", "-n", "node3", "30");
  const longJob = /JobID: (\d+)/.exec(r.stdout)?.[1] ?? "";
  r = await c.on("node1", "gnt-debug", "delay", "--submit", "-n", "node3", "0");
  const queuedJob = /JobID: (\d+)/.exec(r.stdout)?.[1] ?? "";
  assert.notEqual(queuedJob, "");
  await new Promise((res) => setTimeout(res, 500));
  r = await c.on("node1", "gnt-cluster", "master-failover");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /node1 is already the master/);
  r = await c.on("node2", "gnt-cluster", "master-failover");
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  for (const n of ["node1", "node2", "node3"]) assert.equal((await c.on(n, "gnt-cluster", "getmaster")).stdout, "node2\n");
  assert.equal(await masterIpOwner(), "node2");
  r = await c.on("node1", "gnt-node", "list");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /This is not the master node, please connect to node 'node2' and rerun the command/);
  r = await c.on("node2", "gnt-node", "list", "--no-headers", "-o", "name,role");
  assert.match(r.stdout, /^node1\s+C\nnode2\s+M\nnode3\s+C\n$/);
  // The interrupted job ends as Ganeti's do; the waiting one runs on the new master.
  let st = await jobStatuses("node2");
  for (let i = 0; i < 100 && st.get(queuedJob) !== "success"; i++) {
    await new Promise((res) => setTimeout(res, 100));
    st = await jobStatuses("node2");
  }
  assert.equal(st.get(longJob), "error");
  assert.equal(st.get(queuedJob), "success");
  assert.equal(st.get("1"), "success", "jobs from before the failover are listed");
  r = await c.on("node2", "gnt-job", "info", longJob);
  assert.match(r.stdout, /Unclean master daemon shutdown/);
});

test("master crash, failover on a survivor, old master refuses after restart, redist-conf heals", async () => {
  let r = await c.devcluster("stop", "node2");
  assert.equal(r.code, 0, r.stderr);
  r = await c.on("node1", "gnt-cluster", "master-failover");
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /Could not disable the master role on the old master node2/);
  assert.equal((await c.on("node3", "gnt-cluster", "getmaster")).stdout, "node1\n");
  assert.equal(await masterIpOwner(), "node1");
  r = await c.on("node1", "gnt-debug", "delay", "0");
  assert.equal(r.code, 0, r.stderr);
  r = await c.on("node1", "gnt-node", "modify", "--offline=yes", "node2");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "Modified node node2\n - master_candidate -> False\n - offline -> True\n");

  // node2 boots: its masterd learns from the majority that node1 is master, and stops.
  r = await c.devcluster("start", "node2");
  assert.equal(r.code, 0, r.stderr);
  r = await c.on("node2", "gnt-node", "list");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /This is not the master node, please connect to node 'node1' and rerun the command/);

  r = await c.on("node1", "gnt-node", "add", "--readd", "node2");
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  r = await c.on("node1", "gnt-cluster", "verify");
  assert.equal(r.code, 0, r.stdout);

  // A node's files diverge (as after a crash during an update): verify names the
  // differing file and the variants; redist-conf pushes the master's copy again.
  const f = join(c.root("node3"), "var/lib/ganeti/ssconf_cluster_name");
  await chmod(f, 0o644);
  await writeFile(f, "wrong\n");
  r = await c.on("node1", "gnt-cluster", "verify");
  assert.equal(r.code, 1);
  assert.match(r.stdout, / - ERROR: cluster: File \/var\/lib\/ganeti\/ssconf_cluster_name found with 2 different checksums \(variant 1 on node\d(, node\d)*; variant 2 on node\d(, node\d)*\)/);
  r = await c.on("node1", "gnt-cluster", "redist-conf");
  assert.equal(r.code, 0, r.stderr);
  r = await c.on("node1", "gnt-cluster", "verify");
  assert.equal(r.code, 0, r.stdout);
  assert.doesNotMatch(r.stdout, /ERROR/);

  // Later changes send each node only the ssconf keys that changed: they still reach every
  // node's file, and the files left alone still agree.
  r = await c.on("node1", "gnt-cluster", "add-tags", "ssconf-delta");
  assert.equal(r.code, 0, r.stderr);
  for (const n of ["node1", "node2", "node3"]) {
    assert.match(await readFile(join(c.root(n), "var/lib/ganeti/ssconf_cluster_tags"), "utf8"), /^ssconf-delta$/m, n);
  }
  r = await c.on("node1", "gnt-cluster", "verify");
  assert.equal(r.code, 0, r.stdout);
});

test("with two of three nodes down, voting refuses and --no-voting is needed", async () => {
  await c.devcluster("stop", "node1");
  await c.devcluster("stop", "node3");
  let r = await c.on("node2", "gnt-cluster", "master-failover");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /majority of nodes are still healthy; use the --no-voting option/);
  r = await c.on("node2", "gnt-cluster", "master-failover", "--no-voting", "--yes-do-it");
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.equal((await c.on("node2", "gnt-cluster", "getmaster")).stdout, "node2\n");
  r = await c.on("node2", "gnt-debug", "delay", "0");
  assert.equal(r.code, 0, r.stderr);
});
