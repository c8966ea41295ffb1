// Instance policy enforced by the logical units, as Ganeti's: add, modify (-B, --disk add,
// -t), grow-disk, failover to another group's node, with --ignore-ipolicy where Ganeti
// has it; cluster and group modify name the instances a new policy makes violate it.
// A devcluster starts with a development policy (tiny disks allowed); the first test sets
// Ganeti's default bounds back. Every refusal leaves config.data as it was.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DevCluster, jobLog, rows } from "../helpers/devcluster.js";

let c: DevCluster;

const PRE = "Failure: prerequisites not met for this operation:\n";
const inval = (msg: string): string => `${PRE}error type: wrong_input, error details:\n${msg}\n`;
const state = (msg: string): string => `${PRE}error type: wrong_state, error details:\n${msg}\n`;

/** Ganeti's default bounds (IPOLICY_DEFAULTS' minmax), as --ipolicy-bounds-specs. */
const GANETI_BOUNDS = "min:cpu-count=1,disk-count=1,disk-size=1024,memory-size=128,nic-count=1,spindle-use=1/" +
  "max:cpu-count=8,disk-count=16,disk-size=1048576,memory-size=32768,nic-count=8,spindle-use=12";

interface Group { uuid: string; name: string; [k: string]: unknown }

async function config(): Promise<{ serial_no: number; nodegroups: Record<string, Group> }> {
  return JSON.parse(await readFile(join(c.root("node1"), "var/lib/ganeti/config.data"), "utf8")) as
    { serial_no: number; nodegroups: Record<string, Group> };
}

async function group(name: string): Promise<Group> {
  const g = Object.values((await config()).nodegroups).find((x) => x.name === name);
  assert.ok(g !== undefined, `group ${name}`);
  return g;
}

/** Python's repr of a config value (this test's own, to check the LU's). */
function py(v: unknown, key = ""): string {
  if (v === null) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return ["ctime", "mtime", "vcpu-ratio", "spindle-ratio"].includes(key) && Number.isInteger(v) ? `${v}.0` : `${v}`;
  if (typeof v === "string") return `'${v}'`;
  if (Array.isArray(v)) return `[${v.map((x) => py(x, key)).join(", ")}]`;
  // Ganeti's LUs see the configuration as loaded from JSON written with sorted keys.
  return `{${Object.keys(v as object).sort().map((k) => `'${k}': ${py((v as Record<string, unknown>)[k], k)}`).join(", ")}}`;
}

/** str() of Ganeti's NodeGroup object, as LUInstanceSetParams puts it in its message. */
function groupStr(g: Group): string {
  const slots = ["name", "ndparams", "diskparams", "ipolicy", "serial_no", "hv_state_static", "disk_state_static", "alloc_policy", "networks",
    "ctime", "mtime", "uuid", "tags"];
  return `{${slots.filter((k) => g[k] !== undefined).map((k) => `'${k}': ${py(g[k], k)}`).join(", ")}}`;
}

async function ok(program: string, ...args: string[]): Promise<string[]> {
  const r = await c.on("node1", program, ...args);
  assert.equal(r.code, 0, `${program} ${args.join(" ")}:\n${r.stdout}\n${r.stderr}`);
  return jobLog(r.stdout);
}

/** The command fails with exactly `stderr`, and config.data is untouched. */
async function refused(stderr: string, program: string, ...args: string[]): Promise<void> {
  const before = (await config()).serial_no;
  const r = await c.on("node1", program, ...args);
  assert.equal(r.code, 1, `${program} ${args.join(" ")}:\n${r.stdout}\n${r.stderr}`);
  assert.equal(r.stderr, stderr);
  assert.equal((await config()).serial_no, before, `${program} ${args.join(" ")} changed the configuration`);
}

const ADD = ["gnt-instance", "add", "--no-install", "--no-start", "--no-name-check"] as const;

before(async () => {
  c = await DevCluster.up(3, 23);
});
after(async () => {
  await c?.destroy();
});

test("cluster modify names the instances the new policy makes violate it; add below the minimum refused, --ignore-ipolicy accepted", async () => {
  // The devcluster's development policy takes a 16 MiB disk.
  await ok(...ADD, "-t", "file", "-s", "16M", "-n", "node1", "tiny");
  const log = await ok("gnt-cluster", "modify", "--ipolicy-bounds-specs", GANETI_BOUNDS);
  assert.ok(log.includes(" - WARNING: After the ipolicy change the following instances violate them: tiny"), log.join("\n"));
  // Only instances that did not violate the old policy are named.
  const again = await ok("gnt-cluster", "modify", "--ipolicy-bounds-specs", GANETI_BOUNDS);
  assert.ok(!again.some((l) => l.includes("violate")), again.join("\n"));
  const g = await group("default");
  await refused(inval(`Instance allocation to group ${g.uuid} (default) violates policy: disk-size/0 value 16 is not in range [1024, 1048576]`),
    ...ADD, "-t", "file", "-s", "16M", "-n", "node1", "small");
  await refused(inval(`Instance allocation to group ${g.uuid} (default) violates policy: memory-size value 65536 is not in range [128, 32768], ` +
    "cpu-count value 9 is not in range [1, 8], disk-size/0 value 16 is not in range [1024, 1048576], " +
    "disk-size/1 value 2097152 is not in range [1024, 1048576]"),
  ...ADD, "-t", "file", "--disk", "0:size=16M", "--disk", "1:size=2T", "-B", "maxmem=65536,vcpus=9", "-n", "node1", "small");
  await ok(...ADD, "-t", "file", "-s", "16M", "--ignore-ipolicy", "-n", "node1", "small");
  assert.deepEqual(rows(await c.on("node1", "gnt-instance", "list", "--no-headers", "--separator=|", "-o", "name,disk.sizes", "small", "tiny")
    .then((r) => r.stdout)), [["small", "16"], ["tiny", "16"]]);
  await ok("gnt-instance", "remove", "-f", "small");
  await ok("gnt-instance", "remove", "-f", "tiny");
});

test("modify -B memory beyond the maximum, --disk add beyond the disk count, grow-disk beyond the disk size", async () => {
  await ok(...ADD, "-t", "file", "-s", "1G", "-n", "node1", "i1");
  let g = await group("default");
  await refused(inval(`Instance allocation to group ${groupStr(g)} (default) violates policy: memory-size value 65536 is not in range [128, 32768]`),
    "gnt-instance", "modify", "-B", "maxmem=65536", "i1");
  // minmem is checked too (the violations of both, once each).
  await refused(inval(`Instance allocation to group ${groupStr(g)} (default) violates policy: memory-size value 64 is not in range [128, 32768]`),
    "gnt-instance", "modify", "-B", "minmem=64", "i1");
  await ok("gnt-instance", "modify", "-B", "maxmem=65536", "--ignore-ipolicy", "i1");
  await ok("gnt-instance", "modify", "-B", "maxmem=128", "i1");
  // The group's own policy: at most two disks of at most 2 GiB.
  const bounds = "min:cpu-count=1,disk-count=1,disk-size=1024,memory-size=128,nic-count=1,spindle-use=1/" +
    "max:cpu-count=8,disk-count=2,disk-size=2048,memory-size=32768,nic-count=8,spindle-use=12";
  const log = await ok("gnt-group", "modify", "--ipolicy-bounds-specs", bounds, "default");
  assert.ok(!log.some((l) => l.includes("violate")), log.join("\n"));
  g = await group("default");
  await refused(inval(`Instance allocation to group ${groupStr(g)} (default) violates policy: disk-count value 3 is not in range [1, 2]`),
    "gnt-instance", "modify", "--disk", "add:size=1G", "--disk", "add:size=1G", "i1");
  await refused(inval("Growing disk 0 violates policy: disk-size/0 value 3072 is not in range [1024, 2048]"),
    "gnt-instance", "grow-disk", "i1", "0", "2G");
  const grown = await ok("gnt-instance", "grow-disk", "--ignore-ipolicy", "i1", "0", "2G");
  assert.ok(grown.includes(" - WARNING: Growing disk 0 violates policy: disk-size/0 value 3072 is not in range [1024, 2048]"), grown.join("\n"));
  assert.deepEqual(rows((await c.on("node1", "gnt-instance", "list", "--no-headers", "--separator=|", "-o", "disk.sizes", "i1")).stdout),
    [["3072"]]);
  // A wider policy, then a stricter one: the instances that now violate it are named.
  const wide = bounds.replace("disk-size=2048", "disk-size=4096");
  const widened = await ok("gnt-group", "modify", "--ipolicy-bounds-specs", wide, "default");
  assert.ok(!widened.some((l) => l.includes("violate")), widened.join("\n"));
  const warned = await ok("gnt-group", "modify", "--ipolicy-bounds-specs", wide.replace("memory-size=128", "memory-size=256"), "default");
  assert.ok(warned.includes(" - WARNING: After the ipolicy change the following instances violate them: i1"), warned.join("\n"));
  await ok("gnt-group", "modify", "--ipolicy-bounds-specs", wide, "default");
});

test("failover to a node of another group: the target group's policy (an error, a warning with --ignore-ipolicy)", async () => {
  await ok("gnt-group", "add", "g2");
  await ok("gnt-group", "assign-nodes", "g2", "node3");
  await ok("gnt-group", "modify", "--ipolicy-bounds-specs",
    "min:cpu-count=1,disk-count=1,disk-size=1024,memory-size=32,nic-count=1,spindle-use=1/" +
    "max:cpu-count=8,disk-count=16,disk-size=1048576,memory-size=64,nic-count=8,spindle-use=12", "g2");
  const g2 = await group("g2");
  await ok(...ADD, "-t", "sharedfile", "-s", "1G", "-n", "node1", "s1");
  const msg = `Instance does not meet target node group's (${g2.uuid}) instance policy: memory-size value 128 is not in range [32, 64]`;
  await refused(inval(msg), "gnt-instance", "failover", "-f", "-n", "node3", "s1");
  await refused(inval(msg), "gnt-instance", "migrate", "-f", "-n", "node3", "s1");
  const log = await ok("gnt-instance", "failover", "-f", "--ignore-ipolicy", "-n", "node3", "s1");
  assert.ok(log.includes(` - WARNING: ${msg}`), log.join("\n"));
  assert.deepEqual(rows((await c.on("node1", "gnt-instance", "list", "--no-headers", "--separator=|", "-o", "pnode", "s1")).stdout), [["node3"]]);
  // Back to the default group, whose policy s1 meets.
  await ok("gnt-instance", "failover", "-f", "-n", "node1", "s1");
  await ok("gnt-instance", "remove", "-f", "s1");
});

test("a disk template the policy does not allow: add and modify -t refused", async () => {
  // The policy may only allow enabled templates (Ganeti's CheckIpolicyVsDiskTemplates).
  await refused(inval("The following disk templates are allowed by the ipolicy, but not enabled on the cluster: ext, blockdev"),
    "gnt-cluster", "modify", "--ipolicy-disk-templates", "file,ext,blockdev");
  const log = await ok("gnt-cluster", "modify", "--ipolicy-disk-templates", "file,drbd,diskless");
  assert.ok(!log.some((l) => l.includes("violate")), log.join("\n"));
  const g = await group("default");
  await refused(inval(`Instance allocation to group ${g.uuid} (default) violates policy: ` +
    "Disk template sharedfile is not allowed (allowed templates: file, drbd, diskless)"),
  ...ADD, "-t", "sharedfile", "-s", "1G", "-n", "node1", "s2");
  await refused(state("Disk template 'sharedfile' in not allowed (allowed templates: file, drbd, diskless)"),
    "gnt-instance", "modify", "-t", "sharedfile", "i1");
});
