import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseConfigData } from "../../src/objects/config-data.js";
import {
  candidateStats, clusterIPolicy, decideMasterCandidates, fillDict, fillGroupDiskParams,
  fillGroupIPolicy, fillInstanceBe, fillInstanceHv, fillNic, fillNodeNdParams, fillOsParams,
  findGroupByName, findInstanceByName, findNodeByName, instanceDiskTemplate, instanceSecondaryNodes,
  masterCandidates, matchNameComponent, nodeRole, primaryInstances, secondaryInstances,
} from "../../src/objects/fill.js";
import type { ConfigData, Node } from "../../src/objects/types.js";
import { readTestsuiteJson } from "./testsuite-data.js";

const cfg = parseConfigData(readTestsuiteJson("cluster_config_2.16.json"));
const N1 = "9a12d554-75c0-4cb1-8064-103365145db0";
const N2 = "2ae3d962-2dad-44f2-bdb1-85f77107f907";
const N3 = "41f9c238-173c-4120-9e41-04ad379b647a";

function inst(name: string) {
  const i = findInstanceByName(cfg, name);
  assert.ok(i);
  return i;
}

test("hvparams: instance over OS over cluster, globals optionally skipped", () => {
  const i1 = inst("instance1.example.com");
  const hv = fillInstanceHv(cfg.cluster, i1);
  assert.equal(hv["root_path"], "/dev/xvda1");
  assert.equal(hv["migration_port"], 8082);
  const withOs = fillInstanceHv(cfg.cluster, { ...i1, os: "TEMP-Ganeti-QA-OS", hvparams: { kernel_args: "quiet" } }, true);
  assert.equal(withOs["root_path"], "/dev/sda5");
  assert.equal(withOs["kernel_args"], "quiet");
  assert.equal(withOs["migration_port"], undefined);
  assert.equal(withOs["xen_cmd"], undefined);
});

test("beparams, nicparams, osparams", () => {
  const i1 = inst("instance1");
  assert.deepEqual(fillInstanceBe(cfg.cluster, { ...i1, beparams: { maxmem: 1024 } }), {
    always_failover: false, auto_balance: true, maxmem: 1024, minmem: 128, spindle_use: 1, vcpus: 1,
  });
  assert.deepEqual(fillNic(cfg.cluster, i1.nics[0]!), { link: "br974", mode: "bridged", vlan: "" });
  const c = { ...cfg.cluster, osparams: { debian: { a: 1, b: 1 }, "debian+min": { b: 2 } } };
  assert.deepEqual(fillOsParams(c, "debian+min", { c: 3 }), { a: 1, b: 2, c: 3 });
});

test("ndparams: node over group over cluster; diskparams and ipolicy per group", () => {
  const another = findGroupByName(cfg, "another")!;
  const node = cfg.nodes[N1]!;
  assert.equal(fillNodeNdParams(cfg, node)["exclusive_storage"], false);
  const moved = { ...cfg, nodes: { ...cfg.nodes, [N1]: { ...node, group: another.uuid, ndparams: { ssh_port: 2 } } } };
  const nd = fillNodeNdParams(moved, moved.nodes[N1]!);
  assert.equal(nd["exclusive_storage"], true);
  assert.equal(nd["ssh_port"], 2);
  assert.equal(nd["ovs_name"], "switch1");
  const dp = fillGroupDiskParams(cfg.cluster, another);
  assert.equal(dp["drbd"]?.["metavg"], "xenvg");
  assert.deepEqual(dp["diskless"], {});
  const ip = fillGroupIPolicy(cfg.cluster, another);
  assert.deepEqual(ip["disk-templates"], ["plain"]);
  assert.equal(ip["vcpu-ratio"], 3.14);
  assert.equal(ip.minmax?.[0]?.max["nic-count"], 18);
  assert.equal(ip.std?.["memory-size"], 128); // group has no std: the cluster's
  assert.equal(clusterIPolicy(cfg.cluster)["vcpu-ratio"], 1);
});

test("roles, instance placement, disk templates", () => {
  assert.equal(nodeRole(cfg, cfg.nodes[N1]!), "M");
  assert.equal(nodeRole(cfg, cfg.nodes[N2]!), "C");
  const base = { ...cfg.nodes[N3]!, master_candidate: false };
  assert.equal(nodeRole(cfg, { ...base, drained: true, offline: true }), "D");
  assert.equal(nodeRole(cfg, { ...base, offline: true }), "O");
  assert.equal(nodeRole(cfg, base), "R");
  const i1 = inst("instance1");
  assert.deepEqual(instanceSecondaryNodes(cfg, i1), [N3]);
  assert.equal(instanceDiskTemplate(cfg, i1), "drbd");
  assert.equal(instanceDiskTemplate(cfg, inst("instance2")), "plain");
  assert.deepEqual(primaryInstances(cfg, N1), [i1.uuid]);
  assert.deepEqual(secondaryInstances(cfg, N3), [i1.uuid]);
  assert.deepEqual(secondaryInstances(cfg, N2), []);
  assert.deepEqual(primaryInstances(cfg, N3), [inst("instance2").uuid]);
});

test("name expansion follows MatchNameComponent", () => {
  const names = ["test1.example.com", "test2.example.com", "test1.example.org", "x", "x.y"];
  assert.equal(matchNameComponent("test2", names), "test2.example.com");
  assert.equal(matchNameComponent("test2.example", names), "test2.example.com");
  assert.equal(matchNameComponent("test2.ex", names), undefined);
  assert.equal(matchNameComponent("test1", names), undefined);
  assert.equal(matchNameComponent("x", names), "x");
  assert.equal(matchNameComponent("TEST2", names), undefined);
  assert.equal(matchNameComponent("TEST2", names, false), "test2.example.com");
  assert.equal(findNodeByName(cfg, "node2")?.uuid, N2);
  assert.equal(findNodeByName(cfg, N3)?.name, "node3.example.com");
  assert.equal(findNodeByName(cfg, "node"), undefined);
  assert.equal(findGroupByName(cfg, "def"), undefined);
  assert.equal(findGroupByName(cfg, "default")?.name, "default");
});

test("candidate pool: stats and promotion", () => {
  assert.deepEqual(candidateStats(cfg), { mc_now: 3, mc_should: 3, mc_max: 3 });
  assert.equal(masterCandidates(cfg).length, 3);
  const demoted: ConfigData = { ...cfg, nodes: Object.fromEntries(Object.entries(cfg.nodes).map(([k, n]) =>
    [k, { ...n, master_candidate: k === N1 }])) };
  assert.deepEqual(candidateStats(demoted), { mc_now: 1, mc_should: 3, mc_max: 3 });
  assert.deepEqual(decideMasterCandidates(demoted), [N2, N3]);
  assert.deepEqual(decideMasterCandidates({ ...demoted, cluster: { ...demoted.cluster, candidate_pool_size: 2 } }), [N2]);
  const drained = { ...demoted, nodes: { ...demoted.nodes, [N2]: { ...demoted.nodes[N2]!, drained: true } } };
  assert.deepEqual(decideMasterCandidates(drained), [N3]);
});

const params = fc.dictionary(fc.constantFrom("a", "b", "c", "d", "e"), fc.oneof(fc.integer(), fc.string(), fc.boolean()));

test("property: fillDict keeps every custom value and fills the rest from defaults", () => {
  fc.assert(fc.property(params, params, fc.subarray(["a", "b", "c"]), (defaults, custom, skip) => {
    const before = JSON.stringify([defaults, custom]);
    const out = fillDict(defaults, custom, skip);
    for (const k of Object.keys(out)) assert.ok(!skip.includes(k));
    for (const [k, v] of Object.entries(custom)) if (!skip.includes(k)) assert.equal(out[k], v);
    for (const [k, v] of Object.entries(defaults)) {
      if (!skip.includes(k) && !(k in custom)) assert.equal(out[k], v);
    }
    assert.equal(JSON.stringify([defaults, custom]), before);
    assert.deepEqual(fillDict(out, {}), out); // idempotent
  }));
});

const nodeArb = fc.record({ mc: fc.boolean(), off: fc.boolean(), dr: fc.boolean(), cap: fc.boolean() });

test("property: promoting the decided nodes fills the pool exactly", () => {
  fc.assert(fc.property(fc.array(nodeArb, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 15 }), (specs, pool) => {
    const template = cfg.nodes[N1]!;
    const nodes: Record<string, Node> = {};
    specs.forEach((s, i) => {
      const uuid = `u${i}`;
      nodes[uuid] = { ...template, uuid, name: `n${i}`, master_candidate: s.mc, offline: s.off, drained: s.dr, master_capable: s.cap };
    });
    const c: ConfigData = { ...cfg, nodes, cluster: { ...cfg.cluster, candidate_pool_size: pool, master_node: "u0" } };
    const before = candidateStats(c);
    const promote = decideMasterCandidates(c);
    for (const u of promote) {
      const n = nodes[u]!;
      assert.ok(!n.master_candidate && !n.offline && !n.drained && n.master_capable);
    }
    const after = candidateStats({ ...c, nodes: Object.fromEntries(Object.entries(nodes).map(([k, n]) =>
      [k, promote.includes(k) ? { ...n, master_candidate: true } : n])) });
    assert.equal(after.mc_now, Math.max(before.mc_now, before.mc_should));
  }));
});
