// Instance-policy violations as Ganeti's cmdlib computes them (cases after Ganeti's
// cmdlib_unittest.py: TestComputeMinMaxSpec, TestComputeIPolicySpecViolation, ...).
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfigData } from "../../src/objects/config-data.js";
import { IPOLICY_DEFAULTS } from "../../src/objects/param-defaults.js";
import {
  computeIPolicyDiskSizesViolation, computeIPolicyInstanceSpecViolation, computeIPolicyInstanceViolation, computeIPolicyNodeViolation,
  computeIPolicySpecViolation, computeMinMaxSpec, computeNewInstanceViolations, getUpdatedIPolicy, pyReprNodeGroup, type InstanceSpecs,
} from "../../src/objects/ipolicy.js";
import type { ConfigData, Disk, Instance, IPolicy, MinMaxISpecs, NodeGroup } from "../../src/objects/types.js";
import { OpPrereqError } from "../../src/errors.js";
import { readTestsuiteJson } from "./testsuite-data.js";

const ISPECS: MinMaxISpecs = { max: { "memory-size": 512, "disk-size": 1024 }, min: { "memory-size": 128, "disk-count": 1 } };

test("_ComputeMinMaxSpec: unset, auto and undefined bounds pass; out of range named with its qualifier", () => {
  assert.equal(computeMinMaxSpec("memory-size", "", ISPECS, null), null);
  assert.equal(computeMinMaxSpec("memory-size", "", ISPECS, "auto"), null);
  assert.equal(computeMinMaxSpec("nic-count", "", ISPECS, 3), null);
  assert.equal(computeMinMaxSpec("disk-size", "", ISPECS, 128), null);
  assert.equal(computeMinMaxSpec("disk-count", "", ISPECS, 16), null);
  for (const [name, val, lo, hi] of [["memory-size", 64, 128, 512], ["memory-size", 768, 128, 512], ["disk-size", 4096, 4096, 1024],
    ["disk-count", 0, 1, 0]] as const) {
    assert.equal(computeMinMaxSpec(name, "", ISPECS, val), `${name} value ${val} is not in range [${lo}, ${hi}]`);
    assert.equal(computeMinMaxSpec(name, "1", ISPECS, val), `${name}/1 value ${val} is not in range [${lo}, ${hi}]`);
  }
  for (const [name, val] of [["memory-size", 256], ["memory-size", 128], ["memory-size", 512], ["disk-size", 1024], ["disk-size", 0],
    ["disk-count", 1], ["disk-count", 5]] as const) {
    assert.equal(computeMinMaxSpec(name, "", ISPECS, val), null);
  }
});

const DEFAULTS: IPolicy = IPOLICY_DEFAULTS;
const spec = (o: Partial<InstanceSpecs> = {}): InstanceSpecs => ({
  memSize: 128, cpuCount: 1, diskCount: 1, nicCount: 1, diskSizes: [1024], spindleUse: 1, diskTypes: ["plain"], ...o,
});

test("ComputeIPolicySpecViolation against Ganeti's default policy: Ganeti's texts, in Ganeti's order", () => {
  assert.deepEqual(computeIPolicySpecViolation(DEFAULTS, spec()), []);
  assert.deepEqual(computeIPolicySpecViolation(DEFAULTS, spec({ diskSizes: [16], diskTypes: ["file"] })),
    ["disk-size/0 value 16 is not in range [1024, 1048576]"]);
  assert.deepEqual(computeIPolicySpecViolation(DEFAULTS, spec({
    memSize: 65536, cpuCount: 9, nicCount: 0, spindleUse: 13, diskCount: 17, diskSizes: Array.from({ length: 17 }, (_, i) => (i === 2 ? 2097152 : 1024)),
    diskTypes: Array.from({ length: 17 }, () => "plain"),
  })), [
    "memory-size value 65536 is not in range [128, 32768]",
    "cpu-count value 9 is not in range [1, 8]",
    "nic-count value 0 is not in range [1, 8]",
    "spindle-use value 13 is not in range [1, 12]",
    "disk-size/2 value 2097152 is not in range [1024, 1048576]",
    "disk-count value 17 is not in range [1, 16]",
  ]);
  // Unset values are not checked.
  assert.deepEqual(computeIPolicySpecViolation(DEFAULTS, spec({ memSize: null, cpuCount: "auto", spindleUse: null, nicCount: null })), []);
});

test("ComputeIPolicySpecViolation: disk templates, diskless, and the min/max pair violated least", () => {
  const micro: IPolicy = { "disk-templates": ["plain", "diskless"], minmax: [{ min: {}, max: {} }] };
  assert.deepEqual(computeIPolicySpecViolation(micro, spec({ diskTypes: ["drbd"] })),
    ["Disk template drbd is not allowed (allowed templates: plain, diskless)"]);
  // A diskless instance: no disk-count check, but diskless must be allowed (Ganeti's text has no colon here).
  assert.deepEqual(computeIPolicySpecViolation(micro, spec({ diskCount: 0, diskSizes: [], diskTypes: [] })), []);
  assert.deepEqual(computeIPolicySpecViolation({ ...micro, "disk-templates": ["plain", "drbd"] }, spec({ diskCount: 0, diskSizes: [], diskTypes: [] })),
    ["Disk template diskless is not allowed (allowed templates plain, drbd)"]);
  const s = { "memory-size": 2048, "cpu-count": 2, "disk-count": 1, "disk-size": 512, "nic-count": 1, "spindle-use": 4 };
  const exact = spec({ memSize: 2048, cpuCount: 2, diskSizes: [512], spindleUse: 4, diskTypes: ["t"] });
  const one: IPolicy = { minmax: [{ min: s, max: s }], "disk-templates": ["t"] };
  assert.deepEqual(computeIPolicySpecViolation(one, exact), []);
  const two: IPolicy = { minmax: [{ min: { ...s, "memory-size": 4096 }, max: { ...s, "memory-size": 8192, "cpu-count": 4 } }, { min: s, max: s }],
    "disk-templates": ["t"] };
  assert.deepEqual(computeIPolicySpecViolation(two, exact), []);
  assert.deepEqual(computeIPolicySpecViolation(two, { ...exact, memSize: 4096, cpuCount: 3 }), []);
  assert.deepEqual(computeIPolicySpecViolation(two, { ...exact, memSize: 3000, cpuCount: 3 }),
    ["memory-size value 3000 is not in range [4096, 8192]"]);
  assert.throws(() => computeIPolicySpecViolation(DEFAULTS, spec({ diskCount: 2 })));
});

test("ComputeIPolicyInstanceSpecViolation: the spec dictionary of add and modify", () => {
  assert.deepEqual(computeIPolicyInstanceSpecViolation(DEFAULTS, { "memory-size": 128, "cpu-count": 1, "disk-count": 1, "disk-size": [16],
    "nic-count": 1, "spindle-use": 1 }, ["file"]), ["disk-size/0 value 16 is not in range [1024, 1048576]"]);
  // Missing counts are 0: no NIC is below Ganeti's minimum of one.
  assert.deepEqual(computeIPolicyInstanceSpecViolation(DEFAULTS, { "disk-count": 1, "disk-size": [1024] }, ["file"]),
    ["nic-count value 0 is not in range [1, 8]"]);
});

const disk = (size: number, t = "file"): Disk => ({ dev_type: t, logical_id: [], size, params: {} });

test("ComputeIPolicyDiskSizesViolation: only sizes, count and templates", () => {
  assert.deepEqual(computeIPolicyDiskSizesViolation(DEFAULTS, [1024, 2097152], [disk(1024), disk(1024)]),
    ["disk-size/1 value 2097152 is not in range [1024, 1048576]"]);
  assert.deepEqual(computeIPolicyDiskSizesViolation({ ...DEFAULTS, "disk-templates": ["plain"] }, [2048], [disk(1024)]),
    ["Disk template file is not allowed (allowed templates: plain)"]);
  assert.deepEqual(computeIPolicyDiskSizesViolation(DEFAULTS, [1024], [disk(1), disk(2)]), ["disk-count"]);
});

/** A small config: two groups, an instance with one 512 MiB file disk in group A. */
function smallConfig(): { cfg: ConfigData; inst: Instance } {
  const base = parseConfigData(readTestsuiteJson("cluster_config_2.16.json"));
  const groups = Object.values(base.nodegroups);
  const node = Object.values(base.nodes)[0]!;
  const d: Disk = { ...disk(512), uuid: "d0" };
  const inst = { uuid: "i0", name: "inst0", primary_node: node.uuid, os: "", hypervisor: "fake", hvparams: {}, osparams: {},
    beparams: { maxmem: 256, minmem: 256, vcpus: 2 }, admin_state: "down", nics: [{ mac: "aa:00:00:00:00:01", nicparams: {} }],
    disks: ["d0"], disk_template: "file", serial_no: 1 } as unknown as Instance;
  const cfg = { ...base, instances: { i0: inst }, disks: { d0: d }, cluster: { ...base.cluster, ipolicy: IPOLICY_DEFAULTS } } as ConfigData;
  assert.ok(groups.length >= 1);
  return { cfg, inst };
}

test("ComputeIPolicyInstanceViolation, _ComputeIPolicyNodeViolation, ComputeNewInstanceViolations", () => {
  const { cfg, inst } = smallConfig();
  assert.deepEqual(computeIPolicyInstanceViolation(DEFAULTS, inst, cfg), ["disk-size/0 value 512 is not in range [1024, 1048576]"]);
  assert.deepEqual(computeIPolicyNodeViolation(DEFAULTS, inst, "g1", "g1", cfg), []);
  assert.deepEqual(computeIPolicyNodeViolation(DEFAULTS, inst, "g1", "g2", cfg), ["disk-size/0 value 512 is not in range [1024, 1048576]"]);
  const loose: IPolicy = { ...DEFAULTS, minmax: [{ min: { ...DEFAULTS.minmax![0]!.min, "disk-size": 1 }, max: DEFAULTS.minmax![0]!.max }] };
  assert.deepEqual(computeIPolicyInstanceViolation(loose, inst, cfg), []);
  assert.deepEqual(computeNewInstanceViolations(loose, DEFAULTS, [inst], cfg), ["inst0"]);
  assert.deepEqual(computeNewInstanceViolations(DEFAULTS, DEFAULTS, [inst], cfg), []);
  const tight: IPolicy = { ...loose, minmax: [{ min: loose.minmax![0]!.min, max: { ...loose.minmax![0]!.max, "cpu-count": 1 } }] };
  assert.deepEqual(computeIPolicyInstanceViolation(tight, inst, cfg), ["cpu-count value 2 is not in range [1, 1]"]);
});

test("GetUpdatedIPolicy: the cluster's keys cannot be unset, a group's can; std merges; bad keys refused", () => {
  const upd = getUpdatedIPolicy(DEFAULTS, { "vcpu-ratio": 2, std: { "disk-size": 2048 } }, false);
  assert.equal(upd["vcpu-ratio"], 2);
  assert.deepEqual(upd.std, { ...DEFAULTS.std, "disk-size": 2048 });
  assert.deepEqual(upd.minmax, DEFAULTS.minmax);
  assert.throws(() => getUpdatedIPolicy(DEFAULTS, { "disk-templates": [] }, false),
    (e: unknown) => e instanceof OpPrereqError && e.message === "Can't unset ipolicy attribute 'disk-templates' on the cluster'");
  assert.deepEqual(getUpdatedIPolicy({ "disk-templates": ["plain"], "vcpu-ratio": 3 }, { "disk-templates": "default" }, true), { "vcpu-ratio": 3 });
  assert.throws(() => getUpdatedIPolicy({}, { std: { "disk-size": 1 } }, true), (e: unknown) => e instanceof OpPrereqError &&
    e.message === "std cannot appear in group instance specs");
  assert.throws(() => getUpdatedIPolicy({}, { "disk-size": 1 }, true), (e: unknown) => e instanceof OpPrereqError &&
    e.message === "Invalid key in new ipolicy: disk-size");
});

test("str() of a NodeGroup is Python's repr of its dict (slot order, nested keys sorted), members left out", () => {
  const g = { uuid: "u-1", name: "default", serial_no: 3, alloc_policy: "preferred", ndparams: {}, diskparams: {},
    ipolicy: { "vcpu-ratio": 4, "disk-templates": ["plain"] }, networks: {}, hv_state_static: {}, disk_state_static: {}, tags: [],
    ctime: 1700000000.25, mtime: 1700000001, members: ["n1"] } as unknown as NodeGroup;
  assert.equal(pyReprNodeGroup(g), "{'name': 'default', 'ndparams': {}, 'diskparams': {}, 'ipolicy': {'disk-templates': ['plain'], " +
    "'vcpu-ratio': 4.0}, 'serial_no': 3, 'hv_state_static': {}, 'disk_state_static': {}, 'alloc_policy': 'preferred', " +
    "'networks': {}, 'ctime': 1700000000.25, 'mtime': 1700000001.0, 'uuid': 'u-1', 'tags': []}");
});
