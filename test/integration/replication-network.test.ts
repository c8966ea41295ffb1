// The guide's "Replication network changes" on a 2-node devcluster: gnt-node modify -s
// with Ganeti's rules (single-homed → multi-homed only through the master with --force,
// mirrored instances down, the node must own the address and be reachable there from the
// master's secondary IP); the node daemon serves on its new secondary IP, and a DRBD
// instance mirrors and fails over across the new replication addresses.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { DevCluster, prereqFailure, rows } from "../helpers/devcluster.js";
import { tcpPing } from "../../src/util/net.js";

const S = 29;
let c: DevCluster;
before(async () => {
  c = await DevCluster.up(2, S);
});
after(async () => {
  await c?.destroy();
});


async function fails(type: string, details: string, ...args: string[]): Promise<void> {
  const r = await c.on("node1", "gnt-node", "modify", ...args);
  assert.equal(r.code, 1, `${args.join(" ")} should fail:\n${r.stdout}`);
  assert.equal(r.stderr, prereqFailure(type, details), args.join(" "));
}

const sips = async (): Promise<string[][]> => rows(await c.ok("gnt-node", "list", "--no-headers", "--separator=|", "-o", "name,pip,sip"));

test("single-homed to multi-homed, as the guide does it", async () => {
  const [n1, n2] = [`127.0.${S}.1`, `127.0.${S}.2`];
  const [s1, s2] = [`127.0.${S}.101`, `127.0.${S}.102`];
  await c.ok("gnt-instance", "add", "-t", "drbd", "-s", "8M", "-o", "image+default", "-n", "node1:node2", "--no-name-check", "mirror");
  await fails("wrong_input", "Secondary IP (127.0.1) needs to be a valid IPv4 address", "-s", "127.0.1", "node2");
  await fails("wrong_input", "Changing the secondary ip on a single-homed cluster requires the --force option to be passed, and the target node to be the master",
    "-s", s2, "node2");
  const m = await c.on("node1", "gnt-node", "modify", "--force", "-s", s1, "node1");
  assert.equal(m.code, 1, "the mirrored instance runs");
  assert.equal(m.stderr, "Failure: prerequisites not met for this operation:\nerror type: wrong_state, error details:\n" +
    "Instance 'mirror' is marked to be up, cannot change secondary ip\n");
  await c.ok("gnt-instance", "shutdown", "mirror");
  const out = await c.ok("gnt-node", "modify", "--force", "-s", s1, "node1");
  assert.match(out, /WARNING: Transitioning from single-homed to multi-homed cluster; all nodes will require a secondary IP address\n/);
  assert.match(out, /Modified node node1\n - secondary_ip -> 127\.0\.29\.101\n/);
  await fails("environment_error", "Node claims it doesn't have the secondary ip you gave (192.0.2.7), please fix and re-run this command",
    "-s", "192.0.2.7", "node2");
  await fails("wrong_input", "Cannot set the secondary IP to be the same as the primary IP on a multi-homed cluster, unless the --force option is passed, and the target node is the master",
    "-s", n2, "node2");
  await c.ok("gnt-node", "modify", "-s", s2, "node2");
  assert.deepEqual(await sips(), [["node1", n1, s1], ["node2", n2, s2]]);
  // The node daemons serve on their new replication addresses.
  assert.equal(await tcpPing(s2, 1811, 5000, s1), null);
  assert.equal(await tcpPing(s1, 1811, 5000, s2), null);
  // The mirror works across them: started, in sync, failed over to node2.
  await c.ok("gnt-instance", "startup", "mirror");
  await c.ok("gnt-instance", "failover", "-f", "mirror");
  assert.deepEqual(rows(await c.ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "pnode,snodes,status", "mirror")),
    [["node2", "node1", "running"]]);
  const v = await c.on("node1", "gnt-cluster", "verify");
  assert.doesNotMatch(v.stdout, /ERROR/, v.stdout);
});

test("gnt-node list-drbd: the node's minors as the master candidates' configuration has them", async () => {
  const out1 = await c.ok("gnt-node", "list-drbd", "node1");
  assert.match(out1, /^Node +Minor +Instance +Disk +Role +PeerNode\nnode1 +\d+ +mirror +disk\/0 +secondary +node2\n$/);
  const out2 = (await c.on("node2", "gnt-node", "list-drbd", "--no-headers", "--separator=|", "node2")).stdout;
  assert.match(out2, /^node2\|\d+\|mirror\|disk\/0\|primary\|node1\n$/);
});
