import { test } from "node:test";
import assert from "node:assert/strict";
import { CONFIG_VERSION } from "../../src/constants.js";
import { parseConfigData, serializeConfigData, findDanglingReferences } from "../../src/objects/config-data.js";
import {
  BEC_DEFAULTS, DISK_DT_DEFAULTS, DISK_TEMPLATES, HVC_DEFAULTS, HYPER_TYPES, IPOLICY_DEFAULTS,
  NDC_DEFAULTS, NICC_DEFAULTS, newClusterConfig,
} from "../../src/objects/defaults.js";
import { candidateStats, nodeRole } from "../../src/objects/fill.js";
import { checkIpolicyVsDiskTemplates } from "../../src/objects/ipolicy.js";
import { OpPrereqError } from "../../src/errors.js";

const opts = {
  clusterName: "cluster.example.com", clusterUuid: "c-uuid", groupUuid: "g-uuid", now: 1700000000.25,
  masterNodeUuid: "n-uuid", masterNodeName: "node1.example.com", masterNodePrimaryIp: "127.0.1.1",
  masterNetdev: "lo", masterIp: "127.0.1.254", enabledHypervisors: ["fake"], enabledDiskTemplates: ["file", "diskless"],
};

test("defaults are Ganeti 3.0's", () => {
  assert.deepEqual(BEC_DEFAULTS, { always_failover: false, auto_balance: true, maxmem: 128, minmem: 128, spindle_use: 1, vcpus: 1 });
  assert.deepEqual(NICC_DEFAULTS, { link: "xen-br0", mode: "bridged", vlan: "" });
  assert.deepEqual(NDC_DEFAULTS, {
    cpu_speed: 1, exclusive_storage: false, oob_program: "", ovs: false, ovs_link: "", ovs_name: "switch1",
    spindle_count: 1, ssh_port: 22,
  });
  assert.deepEqual(HVC_DEFAULTS["fake"], { migration_mode: "live" });
  assert.equal(HVC_DEFAULTS["kvm"]?.["kvm_path"], "/usr/bin/kvm");
  assert.equal(HVC_DEFAULTS["kvm"]?.["migration_port"], 8102);
  assert.equal(Object.keys(HVC_DEFAULTS["kvm"] ?? {}).length, 65);
  assert.deepEqual(new Set(Object.keys(HVC_DEFAULTS)), new Set(HYPER_TYPES));
  assert.deepEqual(new Set(Object.keys(DISK_DT_DEFAULTS)), new Set(DISK_TEMPLATES));
  assert.equal(DISK_DT_DEFAULTS["drbd"]?.["resync-rate"], 61440);
  assert.equal(IPOLICY_DEFAULTS["vcpu-ratio"], 4);
});

test("newClusterConfig looks like gnt-cluster init's config", () => {
  const cfg = newClusterConfig(opts);
  assert.equal(cfg.version, CONFIG_VERSION);
  assert.equal(cfg.cluster.master_node, "n-uuid");
  assert.equal(cfg.cluster.candidate_pool_size, 10);
  assert.deepEqual(cfg.cluster.enabled_hypervisors, ["fake"]);
  // Ganeti's _RestrictIpolicyToEnabledDiskTemplates, and the check later changes must pass
  const policy = cfg.cluster.ipolicy ?? {};
  assert.deepEqual([...(policy["disk-templates"] ?? [])].sort(), ["diskless", "file"]);
  checkIpolicyVsDiskTemplates(policy, cfg.cluster.enabled_disk_templates ?? []);
  assert.throws(() => checkIpolicyVsDiskTemplates(policy, ["file"]),
    (e: unknown) => e instanceof OpPrereqError && e.code === "wrong_input" &&
      e.message === "The following disk templates are allowed by the ipolicy, but not enabled on the cluster: diskless");
  assert.deepEqual(Object.keys(cfg.cluster.hvparams).sort(), [...HYPER_TYPES].sort());
  assert.deepEqual(Object.keys(cfg.cluster.diskparams ?? {}).sort(), [...DISK_TEMPLATES].sort());
  assert.deepEqual(cfg.cluster.beparams["default"], BEC_DEFAULTS);
  assert.equal(cfg.cluster.highest_used_port, 10999);
  const group = cfg.nodegroups["g-uuid"];
  assert.equal(group?.name, "default");
  const node = cfg.nodes["n-uuid"]!;
  assert.equal(node.group, "g-uuid");
  assert.equal(node.master_candidate, true);
  assert.equal(node.secondary_ip, "127.0.1.1");
  assert.equal(nodeRole(cfg, node), "M");
  assert.deepEqual(candidateStats(cfg), { mc_now: 1, mc_should: 1, mc_max: 1 });
  assert.deepEqual(findDanglingReferences(cfg), []);
  assert.equal(cfg.cluster.ctime, 1700000000.25);
  // What we create we can load again, unchanged.
  assert.deepEqual(parseConfigData(JSON.parse(serializeConfigData(cfg))), JSON.parse(JSON.stringify(cfg)));
});

test("newClusterConfig applies overrides over the defaults", () => {
  const cfg = newClusterConfig({
    ...opts, candidatePoolSize: 3, hvparams: { kvm: { kernel_path: "" } }, beparams: { maxmem: 512 },
    nicparams: { link: "br0" }, ndparams: { ssh_port: 2222 }, diskparams: { plain: { stripes: 2 } },
    ipolicy: { std: { "memory-size": 256 } },
  });
  assert.equal(cfg.cluster.candidate_pool_size, 3);
  assert.equal(cfg.cluster.hvparams["kvm"]?.["kernel_path"], "");
  assert.equal(cfg.cluster.hvparams["kvm"]?.["acpi"], true);
  assert.equal(cfg.cluster.beparams["default"]?.["maxmem"], 512);
  assert.equal(cfg.cluster.beparams["default"]?.["minmem"], 128);
  assert.equal(cfg.cluster.nicparams["default"]?.["link"], "br0");
  assert.equal(cfg.cluster.ndparams["ssh_port"], 2222);
  assert.equal(cfg.cluster.diskparams?.["plain"]?.["stripes"], 2);
  assert.equal(cfg.cluster.ipolicy?.std?.["memory-size"], 256);
  assert.equal(cfg.cluster.ipolicy?.std?.["cpu-count"], 1);
  // The defaults themselves are untouched.
  assert.equal(BEC_DEFAULTS["maxmem"], 128);
});
