import { test } from "node:test";
import assert from "node:assert/strict";
import { OpCodeUnknown } from "../../src/errors.js";
import {
  OP_IDS, describeFields, opSummary, opTinySummary, validateOpcode,
} from "../../src/opcodes/index.js";
import { MINIMAL } from "./fixtures.js";

const sum = (op: Record<string, unknown>): string => opSummary(validateOpcode(op));

test("summaries match Ganeti's OpCode.Summary()", () => {
  assert.equal(sum({ OP_ID: "OP_CLUSTER_RENAME", name: "cluster.example.com" }), "CLUSTER_RENAME(cluster.example.com)");
  assert.equal(sum({ OP_ID: "OP_INSTANCE_REBOOT", instance_name: "instance1", reboot_type: "hard" }),
    "INSTANCE_REBOOT(instance1)");
  // OP_TEST_DELAY formats its duration in nanoseconds (FormatDuration).
  assert.equal(sum({ OP_ID: "OP_TEST_DELAY", duration: 10.0 }), "TEST_DELAY(10000000000 ns)");
  assert.equal(sum({ OP_ID: "OP_TEST_DELAY", duration: 0.5 }), "TEST_DELAY(500000000 ns)");
  assert.equal(sum({ OP_ID: "OP_NODE_ADD", node_name: "node1.example.com" }), "NODE_ADD(node1.example.com)");
  assert.equal(sum({ OP_ID: "OP_NODE_SET_PARAMS", node_name: "node2", drained: true }), "NODE_SET_PARAMS(node2)");
  assert.equal(sum({ OP_ID: "OP_GROUP_ADD", group_name: "rack1" }), "GROUP_ADD(rack1)");
  assert.equal(sum({ OP_ID: "OP_CLUSTER_VERIFY_GROUP", group_name: "default" }), "CLUSTER_VERIFY_GROUP(default)");
  assert.equal(sum({ OP_ID: "OP_QUERY", what: "node", fields: ["name"] }), "QUERY(node)");
  assert.equal(sum({ OP_ID: "OP_TAGS_GET", kind: "node", name: "node1" }), "TAGS_GET(node1)");
  // The summary field is unset for cluster tags: Python prints None.
  assert.equal(sum({ OP_ID: "OP_TAGS_GET", kind: "cluster" }), "TAGS_GET(None)");
  assert.equal(sum({ OP_ID: "OP_TAGS_SEARCH", pattern: "^web" }), "TAGS_SEARCH(^web)");
  assert.equal(sum({ OP_ID: "OP_TEST_ALLOCATOR", direction: "in", mode: "allocate", name: "i1" }),
    "TEST_ALLOCATOR(None)");
  assert.equal(sum({ OP_ID: "OP_NETWORK_CONNECT", group_name: "g", network_name: "net1",
    network_mode: "routed", network_link: "rt" }), "NETWORK_CONNECT(net1)");
  // No summary field: just the name.
  assert.equal(sum({ OP_ID: "OP_GROUP_RENAME", group_name: "a", new_name: "b" }), "GROUP_RENAME");
  assert.equal(sum({ OP_ID: "OP_INSTANCE_RENAME", instance_name: "a", new_name: "b" }), "INSTANCE_RENAME");
  assert.equal(sum({ OP_ID: "OP_CLUSTER_VERIFY" }), "CLUSTER_VERIFY");
  assert.equal(sum({ OP_ID: "OP_TAGS_SET", kind: "cluster", tags: ["a"] }), "TAGS_SET");
});

test("every opcode has a summary starting with its OP_ID suffix", () => {
  for (const id of OP_IDS) {
    const s = opSummary(validateOpcode({ OP_ID: id, ...MINIMAL[id] }));
    assert.ok(s.startsWith(id.slice(3)), s);
  }
  assert.throws(() => opSummary({ OP_ID: "OP_NOPE" }), OpCodeUnknown);
});

test("tiny summaries use Ganeti's prefixes", () => {
  assert.equal(opTinySummary({ OP_ID: "OP_CLUSTER_POST_INIT" }), "C_POST_INIT");
  assert.equal(opTinySummary({ OP_ID: "OP_NODE_REMOVE" }), "N_REMOVE");
  assert.equal(opTinySummary({ OP_ID: "OP_INSTANCE_MIGRATE" }), "I_MIGRATE");
  assert.equal(opTinySummary({ OP_ID: "OP_GROUP_ADD" }), "G_ADD");
  assert.equal(opTinySummary({ OP_ID: "OP_TEST_JQUEUE" }), "TEST_JQUEUE");
  assert.equal(opTinySummary({ OP_ID: "OP_NETWORK_ADD" }), "NETWORK_ADD");
});

test("field descriptions for help come from the schemas", () => {
  for (const id of OP_IDS) {
    for (const f of describeFields(id)) {
      assert.ok(f.doc.length > 0, `${id}.${f.name} has no doc`);
      assert.ok(f.type.length > 0 && !f.type.includes("undefined"), `${id}.${f.name}: ${f.type}`);
    }
  }
  const byName = new Map(describeFields("OP_NODE_SET_PARAMS").map((f) => [f.name, f]));
  assert.deepEqual(byName.get("node_name"), {
    name: "node_name", type: "non-empty string", doc: "Node name", optional: false, common: false,
  });
  assert.equal(byName.get("drained")?.type, "bool");
  assert.equal(byName.get("drained")?.optional, true);
  assert.equal("default" in (byName.get("drained") ?? {}), false);
  assert.equal(byName.get("force")?.default, false);
  assert.equal(byName.get("priority")?.common, true);
  assert.equal(byName.get("priority")?.default, 0);
  const reboot = new Map(describeFields("OP_INSTANCE_REBOOT").map((f) => [f.name, f]));
  assert.equal(reboot.get("reboot_type")?.type, "soft|hard|full");
  assert.equal(reboot.get("shutdown_timeout")?.type, "non-negative int");
  assert.equal(reboot.get("shutdown_timeout")?.default, 120);
  const grow = new Map(describeFields("OP_INSTANCE_GROW_DISK").map((f) => [f.name, f]));
  assert.equal(grow.get("disk")?.type, "int (0-15)");
  assert.equal(describeFields("OP_TEST_DELAY").find((f) => f.name === "on_nodes")?.type, "list of non-empty string");
});
