// The iallocator request built from a pure ConfigData and live node data: its JSON has
// Ganeti's shape, parses with hail's parser, and hail's answers make sense.
import { test } from "node:test";
import assert from "node:assert/strict";
import { newClusterConfig } from "../../src/objects/defaults.js";
import type { ConfigData, Disk, Instance, Node } from "../../src/objects/types.js";
import {
  buildIAllocatorInput, computeDiskSize, instanceAllocSpec, runHail, validateResult, type IARequest, type LiveData,
  type NewInstanceSpec,
} from "../../src/cmdlib/iallocator-request.js";
import { iallocatorName } from "../../src/cmdlib/iallocator.js";
import { parseRequest } from "../../src/htools/iallocator-parse.js";
import { OpExecError, OpPrereqError } from "../../src/errors.js";

const base = newClusterConfig({
  clusterName: "cluster.example.com", clusterUuid: "c-uuid", groupUuid: "g-uuid", now: 1700000000,
  masterNodeUuid: "n1", masterNodeName: "node1", masterNodePrimaryIp: "127.0.1.1", masterNetdev: "lo", masterIp: "127.0.1.254",
  enabledHypervisors: ["fake"], enabledDiskTemplates: ["drbd", "file", "sharedfile", "diskless"],
});

function node(uuid: string, name: string, extra: Partial<Node> = {}): Node {
  return { ...(base.nodes["n1"] as Node), uuid, name, primary_ip: `127.0.1.${uuid.slice(1)}`, secondary_ip: `127.0.1.${uuid.slice(1)}`,
    master_candidate: false, ...extra };
}

function disk(uuid: string, devType: string, size: number, nodes: string[]): Disk {
  return { uuid, dev_type: devType, size, mode: "rw", params: {}, nodes,
    logical_id: devType === "drbd" ? [nodes[0], nodes[1], 11000, 0, 0, "s"] : ["loop", `/srv/ganeti/file-storage/${uuid}`] };
}

function instance(uuid: string, name: string, pnode: string, disks: string[], extra: Partial<Instance> = {}): Instance {
  return { uuid, name, primary_node: pnode, os: "image+default", hypervisor: "fake", hvparams: {}, beparams: { maxmem: 512, vcpus: 1 },
    osparams: {}, admin_state: "up", nics: [{ mac: "aa:00:00:00:00:01", nicparams: {} }], disks, disks_active: true, serial_no: 1, tags: [],
    ...extra };
}

function cluster(offline3 = false): ConfigData {
  return {
    ...base,
    nodes: { n1: node("n1", "node1", { master_candidate: true }), n2: node("n2", "node2"), n3: node("n3", "node3", { offline: offline3 }),
      n4: node("n4", "node4") },
    disks: { d1: disk("d1", "drbd", 2048, ["n1", "n2"]), d2: disk("d2", "sharedfile", 1024, ["n2"]) },
    instances: { i1: instance("i1", "inst1", "n1", ["d1"]), i2: instance("i2", "inst2", "n2", ["d2"], { admin_state: "down" }) },
  };
}

const FILE_DIR = "/srv/ganeti/file-storage";
function live(cfg: ConfigData, free: Record<string, number>): LiveData {
  const m = new Map<string, { info: never; instances: Record<string, { memory: number }> }>();
  for (const n of Object.values(cfg.nodes)) {
    if (n.offline) continue;
    const f = free[n.uuid] ?? 4096;
    const info = { bootid: "b", memory_total: 8192, memory_free: f, memory_dom0: 8192 - f, cpu_total: 4, cpu_dom0: 4, cpu_nodes: 1, cpu_sockets: 1,
      storage: [{ type: "file", name: FILE_DIR, storage_size: 100_000, storage_free: 90_000 }] };
    m.set(n.uuid, { info: info as never, instances: n.uuid === "n1" ? { inst1: { memory: 256 } } : {} });
  }
  return m;
}

const spec = (name: string, template: string, memory = 512, size = 1024): NewInstanceSpec => ({
  name, disk_template: template, disks: [{ size, mode: "rw" }], memory, vcpus: 1, spindle_use: 1, tags: [], os: "image+default",
  nics: [{}], hypervisor: "fake", group_name: null, node_whitelist: null,
});

function ask(cfg: ConfigData, l: LiveData, req: IARequest) {
  const input = buildIAllocatorInput(cfg, l, req);
  const text = JSON.stringify(input);
  const parsed = parseRequest(text);
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.error);
  const ans = runHail(text);
  validateResult(req, ans);
  return { input, ans };
}

test("the cluster data has Ganeti's shape: groups, nodes with live data, instances", () => {
  const cfg = cluster(true);
  const { input } = ask(cfg, live(cfg, { n1: 3000 }), { mode: "allocate", ...spec("new1", "drbd") });
  assert.equal(input["version"], 2);
  assert.equal(input["cluster_name"], "cluster.example.com");
  assert.deepEqual(Object.keys(input["nodegroups"] as object), ["g-uuid"]);
  const g = (input["nodegroups"] as Record<string, Record<string, unknown>>)["g-uuid"]!;
  assert.equal(g["name"], "default");
  assert.equal(g["alloc_policy"], "preferred");
  assert.deepEqual((g["ipolicy"] as Record<string, unknown>)["vcpu-ratio"], 4);
  const nodes = input["nodes"] as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(nodes), ["node1", "node2", "node3", "node4"]);
  // node1 runs inst1 (maxmem 512, using 256): its free memory counts the missing 256 as used.
  assert.equal(nodes["node1"]!["free_memory"], 3000 - 256);
  assert.equal(nodes["node1"]!["reserved_memory"], 8192 - 3000);
  assert.equal(nodes["node1"]!["i_pri_memory"], 512);
  assert.equal(nodes["node1"]!["total_cpus"], 4);
  assert.equal(nodes["node1"]!["reserved_cpus"], 4, "Ganeti's cpu_dom0: the node OS may use every CPU");
  assert.equal(nodes["node1"]!["i_pri_up_memory"], 512);
  assert.equal(nodes["node2"]!["i_pri_up_memory"], 0, "inst2 is down");
  assert.equal(nodes["node2"]!["free_disk"], 90_000, "drbd volumes live in the file storage directory here");
  assert.equal(nodes["node3"]!["offline"], true);
  assert.equal(nodes["node3"]!["free_memory"], undefined, "an offline node has no live data");
  assert.equal((nodes["node1"]!["ndparams"] as Record<string, unknown>)["exclusive_storage"], false);
  const insts = input["instances"] as Record<string, Record<string, unknown>>;
  assert.deepEqual(insts["inst1"]!["nodes"], ["node1", "node2"]);
  assert.equal(insts["inst1"]!["disk_template"], "drbd");
  assert.equal(insts["inst1"]!["disk_space_total"], 2048 + 128);
  assert.equal(insts["inst1"]!["memory"], 512);
  assert.deepEqual(insts["inst1"]!["nics"], [{ mac: "aa:00:00:00:00:01", ip: null, mode: "bridged", link: "xen-br0", bridge: "xen-br0" }]);
  const rq = input["request"] as Record<string, unknown>;
  assert.equal(rq["type"], "allocate");
  assert.equal(rq["required_nodes"], 2);
  assert.equal(rq["disk_space_total"], 1024 + 128);
  assert.deepEqual(rq["disks"], [{ size: 1024, mode: "rw", dev_type: "drbd" }]);
  assert.deepEqual(rq["nics"], [{ network: null }]);
  assert.equal(computeDiskSize([{ size: 10, dev_type: "diskless" }, { size: 5, dev_type: "file" }]), 5);
});

test("allocate: hail places a drbd instance on two distinct online nodes, away from the busy one", () => {
  const cfg = cluster(true);
  const { ans } = ask(cfg, live(cfg, { n1: 1000, n2: 6000, n4: 6000 }), { mode: "allocate", ...spec("new1", "drbd") });
  assert.equal(ans.success, true, ans.info);
  const nodes = ans.result as string[];
  assert.equal(nodes.length, 2);
  assert.notEqual(nodes[0], nodes[1]);
  assert.ok(!nodes.includes("node3"), "never the offline node");
  assert.ok(!nodes.includes("node1"), `not the node with little free memory: ${nodes.join(",")}`);
  assert.match(ans.info, /^Request successful: Selected group: default, Group default \(preferred\): /);
  // A single-node template gets one node.
  const one = ask(cfg, live(cfg, {}), { mode: "allocate", ...spec("new2", "file") }).ans;
  assert.equal((one.result as string[]).length, 1);
});

test("allocate: no room, or outside the instance policy, is a failed answer with hail's reasons", () => {
  const cfg = cluster();
  const big = ask(cfg, live(cfg, {}), { mode: "allocate", ...spec("huge", "file", 30000) }).ans;
  assert.equal(big.success, false);
  assert.match(big.info, /^Request failed: Group default \(preferred\): No valid allocation solutions, failure reasons: FailMem: 4/);
  const tiny = ask(cfg, live(cfg, {}), { mode: "allocate", ...spec("tiny", "file", 512, 64) }).ans;
  assert.equal(tiny.success, false, "a 64 MiB disk is below the default policy's 1024 MiB minimum");
  assert.match(tiny.info, /FailDisk/);
});

test("relocate: a new secondary for a drbd instance is neither of its nodes", () => {
  const cfg = cluster();
  const { input, ans } = ask(cfg, live(cfg, {}), { mode: "relocate", instance: "i1", relocateFrom: ["n2"] });
  assert.deepEqual(input["request"], { name: "inst1", disk_space_total: 2048 + 128, required_nodes: 1, relocate_from: ["node2"], type: "relocate" });
  assert.equal(ans.success, true, ans.info);
  const [n] = ans.result as string[];
  assert.ok(n === "node3" || n === "node4", String(n));
});

test("node-evacuate: secondaries move off the node, with replace-disks jobs", () => {
  const cfg = cluster();
  const { ans } = ask(cfg, live(cfg, {}), { mode: "node-evacuate", instances: ["inst1"], evacMode: "secondary-only" });
  assert.equal(ans.success, true, ans.info);
  const [moved, failed, jobs] = ans.result as [[string, string, string[]][], unknown[], Record<string, unknown>[][]];
  assert.deepEqual(failed, []);
  assert.equal(moved[0]![0], "inst1");
  assert.equal(moved[0]![2][0], "node1", "the primary stays");
  assert.ok(["node3", "node4"].includes(moved[0]![2][1]!));
  assert.equal(jobs[0]![0]!["OP_ID"], "OP_INSTANCE_REPLACE_DISKS");
  assert.equal(jobs[0]![0]!["remote_node"], moved[0]![2][1]);
  // A node-local instance can't be relocated: hail's reason.
  const cfg2 = { ...cluster(), disks: { ...cluster().disks, d2: disk("d2", "file", 1024, ["n2"]) } };
  const f = ask(cfg2, live(cfg2, {}), { mode: "node-evacuate", instances: ["inst2"], evacMode: "primary-only" }).ans;
  assert.deepEqual((f.result as unknown[])[1], [["inst2", "Instances of type file cannot be relocated"]]);
});

test("multi-allocate: every instance placed, each counted for the next", () => {
  const cfg = cluster();
  const { input, ans } = ask(cfg, live(cfg, { n1: 1500, n2: 1500, n3: 1500, n4: 1500 }), {
    mode: "multi-allocate", instances: [spec("m1", "file", 1024), spec("m2", "file", 1024), spec("m3", "drbd", 512)],
  });
  assert.equal(((input["request"] as Record<string, unknown>)["instances"] as unknown[]).length, 3);
  assert.equal(ans.success, true, ans.info);
  const [ok, failed] = ans.result as [[string, string[]][], unknown[]];
  assert.deepEqual(failed, []);
  assert.deepEqual(ok.map(([n]) => n), ["m1", "m2", "m3"]);
  assert.notEqual(ok[0]![1][0], ok[1]![1][0], "1024 MiB each: the second can't share the first's node");
  assert.equal(ok[2]![1].length, 2);
});

test("recreate-disks' allocate request describes the instance itself", () => {
  const cfg = cluster();
  const s = instanceAllocSpec(cfg, cfg.instances["i1"]!);
  assert.deepEqual([s.name, s.disk_template, s.memory, s.disks], ["inst1", "drbd", 512, [{ size: 2048, mode: "rw", spindles: null }]]);
});

test("allocator names: '.' and nothing mean the cluster default (hail); errors as Ganeti's", () => {
  const cfg = cluster();
  assert.equal(iallocatorName(cfg, "."), "hail");
  assert.equal(iallocatorName(cfg, undefined), "hail");
  assert.equal(iallocatorName(cfg, "builtin"), "builtin");
  const none = { ...cfg, cluster: { ...cfg.cluster, default_iallocator: "" } };
  assert.throws(() => iallocatorName(none, "."), (e: unknown) => e instanceof OpPrereqError && /no cluster-wide default iallocator/.test(e.message));
  assert.throws(() => runHail("{"), (e: unknown) => e instanceof OpExecError && /iallocator module 'hail' failed/.test(e.message));
  assert.throws(() => validateResult({ mode: "allocate", ...spec("x", "drbd") }, { success: true, info: "", result: ["node1"] }),
    /iallocator returned invalid number of nodes \(1\), required 2/);
});
