// Ganeti's VerifyConfig checks (src/objects/verify-config.ts): Ganeti's own test
// configuration, and that configuration broken in each way the checks catch.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfigData } from "../../src/objects/config-data.js";
import type { ConfigData } from "../../src/objects/types.js";
import { checkHvParamSyntax, verifyConfig, verifyHvParams } from "../../src/objects/verify-config.js";
import { readTestsuiteJson } from "./testsuite-data.js";

const base = (): ConfigData => parseConfigData(readTestsuiteJson("cluster_config_2.16.json"));

test("Ganeti's test configuration is consistent", () => {
  assert.deepEqual(verifyConfig(base()), []);
  assert.deepEqual(verifyHvParams(base()), []);
});

test("hypervisor parameters: unknown names, the fake hypervisor's own check", () => {
  assert.equal(checkHvParamSyntax("fake", { migration_mode: "live" }), null);
  assert.equal(checkHvParamSyntax("fake", { migration_mode: "x" }), "Parameter 'migration_mode' fails syntax check: invalid migration mode (current value: 'x')");
  assert.equal(checkHvParamSyntax("fake", { migration_mode: "live", acpi: true }), "Parameter 'acpi' is not supported");
  assert.equal(checkHvParamSyntax("fake", {}), "Parameter 'migration_mode' is missing");
  assert.equal(checkHvParamSyntax("kvm", { nosuch: 1 }), "Unknown parameter 'nosuch'");
  const cfg = base();
  const [key, inst] = Object.entries(cfg.instances)[0]!;
  const bad = { ...cfg, cluster: { ...cfg.cluster, enabled_hypervisors: ["fake"], hvparams: { ...cfg.cluster.hvparams, fake: { migration_mode: "teleport" } } },
    instances: { ...cfg.instances, [key]: { ...inst, hypervisor: "fake", hvparams: { migration_mode: "live" } } } };
  assert.deepEqual(verifyHvParams(bad), [
    "hypervisor cluster parameters syntax check (source fake): Parameter 'migration_mode' fails syntax check: invalid migration mode (current value: 'teleport')",
  ]);
});

test("each kind of inconsistency is reported", () => {
  const cfg = base();
  const [iKey, inst] = Object.entries(cfg.instances)[0]!;
  const [nKey, node] = Object.entries(cfg.nodes).find(([, n]) => n.uuid !== cfg.cluster.master_node)!;
  const [, group] = Object.entries(cfg.nodegroups)[0]!;
  const [jKey, other] = Object.entries(cfg.instances).find(([k, i]) => k !== iKey && i.nics.length > 0)!;
  const broken: ConfigData = {
    ...cfg,
    cluster: { ...cfg.cluster, master_ip: node.primary_ip },
    instances: { ...cfg.instances, [iKey]: { ...inst, primary_node: "no-such-node", disks: [...inst.disks, "no-such-disk"], network_port: 11005 },
      [jKey]: { ...other, network_port: 11005, nics: other.nics.map((n) => ({ ...n, mac: inst.nics[0]?.mac ?? n.mac })) } },
    nodes: { ...cfg.nodes, [nKey]: { ...node, master_candidate: true, offline: true, group: "no-such-group" } },
    nodegroups: { ...cfg.nodegroups, "other-key": { ...group, name: "12345678-1234-1234-1234-123456789abc" },
      dup: { ...group, uuid: "dup" } },
  };
  const msgs = verifyConfig(broken);
  const want = [
    `instance '${inst.name}' has invalid primary node 'no-such-node'`,
    `Instance '${inst.name}' has invalid disk 'no-such-disk'`,
    `Node ${node.name} state is invalid: master_candidate=True, drain=False, offline=True`,
    `Node '${node.name}' has invalid group 'no-such-group'`,
    `node group '12345678-1234-1234-1234-123456789abc' (uuid: '${group.uuid}') indexed by wrong uuid 'other-key'`,
    `node group '12345678-1234-1234-1234-123456789abc' (uuid: '${group.uuid}') has uuid-like name`,
    `duplicate node group name '${group.name}'`,
    `IP address ${node.primary_ip} is used by multiple owners: cluster_ip, node:${node.name}/primary`,
  ];
  assert.ok(msgs.some((m) => /^instance '.*' has NIC 0 mac .* duplicate$/.test(m)), msgs.join("\n"));
  const ports = msgs.find((m) => m.startsWith("tcp/udp port 11005 has duplicates: ")) ?? "";
  for (const n of [inst.name, other.name]) assert.ok(ports.includes(`${n}/network port`), msgs.join("\n"));
  for (const w of want) assert.ok(msgs.includes(w), `${w}\nnot in:\n${msgs.join("\n")}`);
});
