// The devcluster with every node in its own network namespace (root only): the master IP
// is a real address on the master's interface and moves with the master role; a node cut
// off the network is reported by verify.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { DevCluster, runBin } from "../helpers/devcluster.js";

const isRoot = process.getuid?.() === 0;
const why = "needs root to create network namespaces";
if (!isRoot && process.env["CI"] === "true") throw new Error(`netns test: ${why}, and CI must run it`);
if (!isRoot) console.error(`SKIPPING netns tests: ${why}`);

let c: DevCluster | undefined;
const ns = (i: number): string => `gdc16-node${i}`;

function eth0Addresses(i: number): string {
  return spawnSync("ip", ["netns", "exec", ns(i), "ip", "-o", "-4", "address", "show", "dev", "eth0"], { encoding: "utf8" }).stdout;
}

before(async () => {
  if (!isRoot) return;
  c = await DevCluster.upWith(["--nodes", "3", "--subnet", "16", "--netns"], 16);
});
after(async () => {
  await c?.destroy();
});

test("nodes live in their own namespaces; the master IP is on the master's eth0", { skip: !isRoot && why }, async () => {
  const cl = c as DevCluster;
  const r = await cl.on("node1", "gnt-node", "list", "--no-headers", "-o", "name,pip,role");
  assert.match(r.stdout, /^node1\s+198\.18\.16\.1\s+M\nnode2\s+198\.18\.16\.2\s+C\nnode3\s+198\.18\.16\.3\s+C\n$/);
  assert.match(eth0Addresses(1), /inet 198\.18\.16\.254\/32 .*eth0:0/);
  assert.doesNotMatch(eth0Addresses(2), /198\.18\.16\.254/);
});

test("master failover moves the master IP", { skip: !isRoot && why }, async () => {
  const cl = c as DevCluster;
  const r = await cl.on("node2", "gnt-cluster", "master-failover");
  assert.equal(r.code, 0, r.stderr);
  assert.match(eth0Addresses(2), /inet 198\.18\.16\.254\/32 .*eth0:0/);
  assert.doesNotMatch(eth0Addresses(1), /198\.18\.16\.254/);
});

test("a node cut off the network is reported by verify, and is fine again once back", { skip: !isRoot && why }, async () => {
  const cl = c as DevCluster;
  spawnSync("ip", ["netns", "exec", ns(3), "ip", "link", "set", "eth0", "down"]);
  let r = await cl.on("node2", "gnt-cluster", "verify");
  assert.equal(r.code, 1);
  assert.match(r.stdout, / - ERROR: node node3: while contacting node: /);
  spawnSync("ip", ["netns", "exec", ns(3), "ip", "link", "set", "eth0", "up"]);
  r = await cl.on("node2", "gnt-cluster", "verify");
  assert.equal(r.code, 0, r.stdout);
});

test("down removes the namespaces and the bridge", { skip: !isRoot && why }, async () => {
  const cl = c as DevCluster;
  const r = await runBin("gnt-devcluster", ["down", "--dir", cl.dir]);
  assert.equal(r.code, 0, r.stderr);
  const list = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout;
  assert.doesNotMatch(list, /gdc16-/);
  assert.doesNotMatch(spawnSync("ip", ["-o", "link"], { encoding: "utf8" }).stdout, /gdc16br/);
});
