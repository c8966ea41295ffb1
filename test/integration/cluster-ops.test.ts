// Cluster-wide commands on a devcluster: version, info, modify, watcher, rename,
// master IP (de)activation, destroy.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { appendFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { DevCluster, rows } from "../helpers/devcluster.js";

let c: DevCluster;

before(async () => {
  c = await DevCluster.up(2, 14);
});
after(async () => {
  await c?.destroy();
});

function listening(ip: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: ip, port: 1811 });
    s.once("connect", () => { s.destroy(); resolve(true); });
    s.once("error", () => resolve(false));
  });
}

test("version and info", async () => {
  let r = await c.on("node2", "gnt-cluster", "version");
  assert.match(r.stdout, /^Software version: 3\.0\.2\nInternode protocol: 3000000\nConfiguration format: 3000000\nOS api version: 20\nExport interface: 0\n/);
  r = await c.on("node1", "gnt-cluster", "info");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Cluster name: cluster\nCluster UUID: [0-9a-f-]{36}\n/);
  assert.match(r.stdout, /\nMaster node: node1\n/);
  assert.match(r.stdout, /\n  candidate pool size: 10\n/);
});

test("modify cluster parameters", async () => {
  let r = await c.on("node1", "gnt-cluster", "modify", "--candidate-pool-size", "1");
  assert.equal(r.code, 0, r.stderr);
  r = await c.on("node1", "gnt-cluster", "info");
  assert.match(r.stdout, /\n  candidate pool size: 1\n/);
  r = await c.on("node1", "gnt-cluster", "modify", "-B", "maxmem=256,minmem=128");
  assert.equal(r.code, 0, r.stderr);
  r = await c.on("node1", "gnt-cluster", "info");
  assert.match(r.stdout, /Default instance parameters:\n  default:\n(    .*\n)*    maxmem: 256\n/);
  r = await c.on("node1", "gnt-cluster", "modify", "--candidate-pool-size", "0");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /error type: wrong_input/);
  r = await c.on("node1", "gnt-cluster", "modify", "--candidate-pool-size", "10");
  assert.equal(r.code, 0, r.stderr);
  r = await c.on("node1", "gnt-cluster", "modify");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Please give at least one of the parameters\./);
});

test("watcher pause, info, continue", async () => {
  let r = await c.on("node1", "gnt-cluster", "watcher", "info");
  assert.equal(r.stdout, "The watcher is not paused.\n");
  r = await c.on("node1", "gnt-cluster", "watcher", "pause", "1h");
  // time.ctime's layout, as in the administrator's guide: "Mon Oct 26 00:30:37 2009".
  assert.match(r.stdout, /^The watcher is paused until [A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\.\n$/);
  const until = r.stdout;
  r = await c.on("node1", "gnt-cluster", "watcher", "info");
  assert.equal(r.stdout, until);
  r = await c.on("node1", "ganeti-watcher", "-d");
  assert.equal(r.code, 0);
  assert.match(r.stderr, / DEBUG Pause has been set, exiting\n$/);
  r = await c.on("node1", "gnt-cluster", "watcher", "continue");
  assert.equal(r.stdout, "The watcher is no longer paused.\n");
  r = await c.on("node1", "gnt-cluster", "watcher", "pause", "soon");
  assert.match(r.stderr, /Invalid time specification 'soon'/);
});

test("master IP deactivation and activation", async () => {
  const ip = `127.0.${c.subnet}.254`;
  assert.equal(await listening(ip), true);
  let r = await c.on("node1", "gnt-cluster", "deactivate-master-ip", "--yes");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await listening(ip), false);
  r = await c.on("node1", "gnt-cluster", "activate-master-ip");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await listening(ip), true);
});

test("rename: unchanged name refused; a new name moves the master IP", async () => {
  let r = await c.on("node1", "gnt-cluster", "rename", "-f", "cluster");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^Failure: prerequisites not met for this operation:\nerror type: wrong_input, error details:\nNeither the name nor the IP address of the cluster has changed\n$/);
  await appendFile(join(c.root("node1"), "etc/hosts"), `127.0.${c.subnet}.253 cluster2\n`);
  r = await c.on("node1", "gnt-cluster", "rename", "-f", "cluster2");
  assert.equal(r.code, 0, r.stderr);
  r = await c.on("node2", "gnt-cluster", "info");
  assert.match(r.stderr, /This is not the master node/);
  r = await c.on("node1", "gnt-cluster", "info");
  assert.match(r.stdout, /^Cluster name: cluster2\n/);
  assert.equal(await listening(`127.0.${c.subnet}.253`), true);
  assert.equal(await listening(`127.0.${c.subnet}.254`), false);
});

test("destroy refuses while other nodes exist, then destroys a one-node cluster", async () => {
  let r = await c.on("node1", "gnt-cluster", "destroy");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /supply the --yes-do-it option/);
  r = await c.on("node1", "gnt-cluster", "destroy", "--yes-do-it");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /error type: wrong_input, error details:\nThere are still 1 node\(s\) in this cluster\./);
  r = await c.on("node1", "gnt-node", "remove", "node2");
  assert.equal(r.code, 0, r.stderr);
  r = await c.on("node1", "gnt-node", "list", "--no-headers", "--separator=|", "-o", "name,role");
  assert.deepEqual(rows(r.stdout), [["node1", "M"]]);
  r = await c.on("node1", "gnt-cluster", "destroy", "--yes-do-it");
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  r = await c.on("node1", "gnt-cluster", "getmaster");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Cluster not initialized or this machine is not part of a cluster/);
  assert.equal(await listening(`127.0.${c.subnet}.1`), false, "node1's daemons are gone");
});
