import { test } from "node:test";
import assert from "node:assert/strict";
import { OpPrereqError } from "../../src/errors.js";
import { parseConfigData } from "../../src/objects/config-data.js";
import type { Instance, Node } from "../../src/objects/types.js";
import {
  CLUSTER_FIELDS, GROUP_DEFAULT_FIELDS, GROUP_FIELDS, INSTANCE_FIELDS, JOB_FIELDS, NODE_DEFAULT_FIELDS, NODE_FIELDS,
  listFields, neededData, query, queryLenient, resolveFields, type JobItem, type QueryContext,
} from "../../src/query/index.js";
import { readTestsuiteJson } from "../objects/testsuite-data.js";

const cfg = parseConfigData(readTestsuiteJson("cluster_config_2.16.json"));
const N1 = "9a12d554-75c0-4cb1-8064-103365145db0";
const N2 = "2ae3d962-2dad-44f2-bdb1-85f77107f907";
const N3 = "41f9c238-173c-4120-9e41-04ad379b647a";
const nodes = (uuids: string[]): Node[] => uuids.map((u) => cfg.nodes[u]!);

test("node config fields", () => {
  const ctx: QueryContext = { cfg };
  const rows = query(NODE_FIELDS, ["name", "role", "pinst_cnt", "sinst_cnt", "pinst_list", "sinst_list", "group", "master", "ndp/ssh_port", "powered"], nodes([N1, N3]), ctx);
  assert.deepEqual(rows, [
    [[0, "node1.example.com"], [0, "M"], [0, 1], [0, 0], [0, ["instance1.example.com"]], [0, []], [0, "default"], [0, true], [0, 22], [3, null]],
    [[0, "node3.example.com"], [0, "C"], [0, 1], [0, 1], [0, ["instance2.example.com"]], [0, ["instance1.example.com"]], [0, "default"], [0, false], [0, 22], [3, null]],
  ]);
});

test("live node fields: values, offline, nodata, unavail", () => {
  const live = {
    [N1]: { memory_total: 32768, memory_free: 29798, memory_dom0: 1024, storage: [{ type: "lvm-vg", name: "xenvg", storage_size: 409600, storage_free: 204800 }],
      cpu_total: 8, cpu_nodes: 1, cpu_sockets: 2, bootid: "boot-1" },
  };
  const offline = { ...cfg.nodes[N2]!, offline: true };
  const novm = { ...cfg.nodes[N3]!, vm_capable: false };
  const rows = query(NODE_FIELDS, NODE_DEFAULT_FIELDS.concat(["ctotal", "cnodes", "csockets", "bootid", "spfree"]),
    [cfg.nodes[N1]!, offline, novm, { ...cfg.nodes[N3]!, uuid: "other" }], { cfg, live });
  assert.deepEqual(rows[0], [[0, "node1.example.com"], [0, 409600], [0, 204800], [0, 32768], [0, 1024], [0, 29798], [0, 1], [0, 0],
    [0, 8], [0, 1], [0, 2], [0, "boot-1"], [3, null]]);
  assert.deepEqual(rows[1]!.slice(1, 6), Array(5).fill([4, null]));
  assert.deepEqual(rows[2]!.slice(1, 6), Array(5).fill([3, null]));
  assert.deepEqual(rows[3]!.slice(1, 6), Array(5).fill([2, null]));
});

test("unknown fields: OpPrereqError in strict mode, unknown columns in lenient mode", () => {
  assert.throws(() => query(NODE_FIELDS, ["name", "foo", "bar", "foo"], nodes([N1]), { cfg }),
    (e: unknown) => e instanceof OpPrereqError && e.message === "Unknown output fields selected: foo, bar" && e.code === "wrong_input");
  const r = queryLenient(NODE_FIELDS, ["name", "foo"], nodes([N1]), { cfg });
  assert.deepEqual(r.rows, [[[0, "node1.example.com"], [1, null]]]);
  assert.equal(r.fields[1]?.kind, "unknown");
});

test("needed data is derived from the chosen fields", () => {
  assert.deepEqual(neededData(resolveFields(NODE_FIELDS, ["name", "role"])), new Set(["config"]));
  assert.ok(neededData(resolveFields(NODE_FIELDS, NODE_DEFAULT_FIELDS)).has("live"));
  assert.equal(listFields(NODE_FIELDS).length, NODE_FIELDS.length);
  assert.deepEqual(listFields(NODE_FIELDS, ["name"]), [{ name: "name", title: "Node", kind: "text", doc: "Node name" }]);
});

test("group fields", () => {
  const groups = Object.values(cfg.nodegroups);
  const rows = query(GROUP_FIELDS, [...GROUP_DEFAULT_FIELDS, "node_list", "ndp/exclusive_storage", "ipolicy"], groups, { cfg });
  const byName = new Map(rows.map((r) => [r[0]![1], r]));
  const def = byName.get("default")!;
  assert.deepEqual(def.slice(0, 4), [[0, "default"], [0, 3], [0, 3], [0, "preferred"]]);
  assert.deepEqual(def[5], [0, ["node1.example.com", "node2.example.com", "node3.example.com"]]);
  const another = byName.get("another")!;
  assert.deepEqual(another.slice(1, 3), [[0, 0], [0, 0]]);
  assert.deepEqual(another[6], [0, true]);
  assert.equal((another[7]![1] as Record<string, unknown>)["vcpu-ratio"], 3.14);
});

test("instance fields", () => {
  const i1 = Object.values(cfg.instances).find((i) => i.name === "instance1.example.com")!;
  const names = ["name", "pnode", "snodes", "disk_template", "admin_state", "status", "oper_state", "be/maxmem", "nic.mac/0", "nic.bridge/0", "nic.mac/1", "disk.size/0", "disk.sizes", "hvparams"];
  const [row] = query(INSTANCE_FIELDS, names, [i1], { cfg });
  assert.deepEqual(row!.slice(0, 13), [[0, "instance1.example.com"], [0, "node1.example.com"], [0, ["node3.example.com"]], [0, "drbd"], [0, "up"],
    [0, "ERROR_down"], [0, false], [0, 128], [0, "aa:bb:cc:b2:6e:0b"], [0, "br974"], [3, null], [0, 1024], [0, [1024]]]);
  assert.equal((row![13]![1] as Record<string, unknown>)["migration_port"], undefined);
  const ctx: QueryContext = { cfg, instanceLive: { [i1.uuid]: { state: "running", memory: 128, vcpus: 1 } } };
  const statuses = (inst: Instance, c: QueryContext) => query(INSTANCE_FIELDS, ["status"], [inst], c)[0]![0]![1];
  assert.equal(statuses(i1, ctx), "running");
  assert.equal(statuses({ ...i1, admin_state: "down" }, ctx), "ERROR_up");
  assert.equal(statuses({ ...i1, admin_state: "down" }, { cfg }), "ADMIN_down");
  assert.equal(statuses({ ...i1, admin_state: "down", admin_state_source: "user" }, { cfg }), "USER_down");
  assert.equal(statuses({ ...i1, admin_state: "offline" }, { cfg }), "ADMIN_offline");
  assert.equal(statuses(i1, { cfg, badNodes: [N1] }), "ERROR_nodedown");
  assert.equal(statuses(i1, { ...ctx, instanceLive: { [i1.uuid]: { state: "running", node: N3 } } }), "ERROR_wrongnode");
});

test("job fields", () => {
  const items: JobItem[] = [
    { id: 7, job: { id: 7, received_timestamp: [100, 5], start_timestamp: [101, 0], end_timestamp: null, ops: [
      { input: { OP_ID: "OP_INSTANCE_STARTUP", instance_name: "inst1" }, status: "success", result: null, log: [], priority: 0, start_timestamp: null, exec_timestamp: null, end_timestamp: null },
      { input: { OP_ID: "OP_CLUSTER_VERIFY" }, status: "running", result: null, log: [], priority: -10, start_timestamp: null, exec_timestamp: null, end_timestamp: null },
    ] } },
    { id: 8, job: null },
  ];
  const rows = query(JOB_FIELDS, ["id", "status", "priority", "summary", "received_ts", "end_ts", "archived"], items, { cfg });
  assert.deepEqual(rows, [
    [[0, 7], [0, "running"], [0, -10], [0, ["INSTANCE_STARTUP(inst1)", "CLUSTER_VERIFY"]], [0, [100, 5]], [3, null], [0, false]],
    [[0, 8], [3, null], [3, null], [3, null], [3, null], [3, null], [0, false]],
  ]);
});

test("cluster fields", () => {
  const [row] = query(CLUSTER_FIELDS, ["name", "master_node", "tags", "drain_flag", "config_version"], [cfg.cluster], { cfg, queueDrained: false });
  assert.deepEqual(row, [[0, "cluster.name.example.com"], [0, "node1.example.com"], [0, ["mytag"]], [0, false], [0, 3000000]]);
});
