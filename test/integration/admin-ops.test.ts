// Administrator commands on a 2-node devcluster, outputs asserted:
// - gnt-network: networks with address pools, their connection to a node group, NICs taking
//   addresses from the pool (ip=pool, explicit, conflicts), modify --net giving addresses
//   back and taking new ones, Ganeti's refusals; the OS scripts' NIC_n_NETWORK_* variables;
// - hooks: the instance hooks' environment (Ganeti's BuildInstanceHookEnv) on the nodes it
//   runs on, a vetoing pre hook, node group hooks;
// - gnt-instance change-group and gnt-group evacuate (hail's change-group), gnt-group info,
//   gnt-node failover, gnt-cluster search-tags and master-ping, gnt-job wait,
//   gnt-debug submit-job, gnt-backup list-fields.
// (Cluster-wide commands — command/copyfile, epo, restricted commands, node maintenance,
// verify hooks — are in cluster-commands.test.ts.)
// The addresses are documentation ranges (RFC 5737) that only live in the configuration:
// nothing is ever sent to them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DevCluster, rows, jobLog } from "../helpers/devcluster.js";

let c: DevCluster;

before(async () => {
  c = await DevCluster.up(2, 26);
});
after(async () => {
  await c?.destroy();
});

async function ok(program: string, ...args: string[]): Promise<string> {
  const r = await c.on("node1", program, ...args);
  assert.equal(r.code, 0, `${program} ${args.join(" ")}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function fails(stderr: string, program: string, ...args: string[]): Promise<string> {
  const r = await c.on("node1", program, ...args);
  assert.equal(r.code, 1, `${program} ${args.join(" ")} should fail:\n${r.stdout}`);
  assert.equal(r.stderr, stderr, args.join(" "));
  return r.stdout;
}

const prereq = (type: string, details: string): string =>
  `Failure: prerequisites not met for this operation:\nerror type: ${type}, error details:\n${details}\n`;

/** The master's configuration serial number: unchanged when a command changed nothing. */
async function configSerial(): Promise<number> {
  return (JSON.parse(await readFile(join(c.root("node1"), "var/lib/ganeti/config.data"), "utf8")) as { serial_no: number }).serial_no;
}

test("add, list, info: the pool with its external reservations", async () => {
  await ok("gnt-network", "add", "--network=192.0.2.0/28", "--gateway=192.0.2.1", "--add-reserved-ips=192.0.2.10,192.0.2.11",
    "--mac-prefix=AA:00:00", "--tags=web,prod", "net1");
  assert.equal(await ok("gnt-network", "list"), [
    "Network Subnet       Gateway   MacPrefix GroupList Tags",
    "net1    192.0.2.0/28 192.0.2.1 aa:00:00            web,prod", ""].join("\n"));
  const uuid = rows(await ok("gnt-network", "list", "--no-headers", "-o", "uuid", "net1"))[0]?.[0] ?? "";
  assert.match(uuid, /^[0-9a-f-]{36}$/);
  assert.equal(await ok("gnt-network", "info", "net1"), [
    "Network name: net1", `UUID: ${uuid}`, "Serial number: 1", "  Subnet: 192.0.2.0/28", "  Gateway: 192.0.2.1",
    "  IPv6 Subnet: None", "  IPv6 Gateway: None", "  Mac Prefix: aa:00:00", "  Size: 16", "  Free: 11 (68.75%)", "  Usage map:",
    `        0 ${"XX........XX...X".padEnd(64)} 63`, "         (X) used    (.) free", "  externally reserved IPs:",
    "    192.0.2.0, 192.0.2.1, 192.0.2.10, 192.0.2.11, 192.0.2.15", "  not connected to any node group", "  not used by any instances", ""].join("\n"));
  assert.deepEqual(rows(await ok("gnt-network", "list", "--no-headers", "--separator=|", "-o", "name,free_count,reserved_count,map,group_cnt,inst_cnt")),
    [["net1", "11", "5", "XX........XX...X", "0", "0"]]);
  assert.match(await ok("gnt-network", "list-fields"), /\nexternal_reservations +ExternalReservations +External reservations\n/);
  assert.deepEqual(rows(await ok("gnt-network", "list-tags", "net1")), [["prod"], ["web"]]);
});

test("bad input: Ganeti's errors, nothing created", async () => {
  const before = await configSerial();
  await fails(prereq("wrong_input", "The --network option must be given"), "gnt-network", "add", "nonet");
  await fails(prereq("already_exists", `Desired network name 'net1' already exists as a network (UUID: ${
    rows(await ok("gnt-network", "list", "--no-headers", "-o", "uuid", "net1"))[0]?.[0] ?? ""})`), "gnt-network", "add", "--network=192.0.2.64/28", "net1");
  await fails("Failure: command execution error:\nCannot create IP address pool for network 'big': A big network with 16777216 host(s) is currently " +
    "not supported. please specify at most a /16 network\n", "gnt-network", "add", "--network=198.0.0.0/8", "big");
  await fails("Failure: command execution error:\nCannot create IP address pool for network 'gw': 192.0.2.64/28 does not contain 198.51.100.1\n",
    "gnt-network", "add", "--network=192.0.2.64/28", "--gateway=198.51.100.1", "gw");
  await fails("Failure: command execution error:\nCannot reserve IP address '198.51.100.9': 192.0.2.64/28 does not contain 198.51.100.9\n",
    "gnt-network", "add", "--network=192.0.2.64/28", "--add-reserved-ips=198.51.100.9", "rsv");
  await fails(prereq("wrong_input", "Invalid MAC address prefix 'zz:00:00'"), "gnt-network", "add", "--network=192.0.2.64/28", "--mac-prefix=zz:00:00", "mac");
  const r = await c.on("node1", "gnt-network", "add", "--network=192.0.2.300/28", "badnet");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^Failure: prerequisites not met for this operation:\nerror type: wrong_input, error details:\nParameter 'OP_NETWORK_ADD\.network' fails validation/);
  await fails(prereq("unknown_entity", "Network 'nope' not found"), "gnt-network", "connect", "nope", "default");
  await fails(prereq("unknown_entity", "Node group 'nogroup' not found"), "gnt-network", "connect", "net1", "nogroup");
  await fails("Please give at least one of the parameters.\n", "gnt-network", "modify", "net1");
  await fails(prereq("wrong_input", "Cannot modify gateway and reserved ips at once"),
    "gnt-network", "modify", "--gateway=192.0.2.2", "--add-reserved-ips=192.0.2.3", "net1");
  await fails(prereq("unknown_entity", "Network name nope not found"), "gnt-network", "list", "nope");
  // A dry run checks and stops.
  const dry = jobLog(await ok("gnt-network", "add", "--dry-run", "--network=192.0.2.64/28", "dry"));
  assert.deepEqual(dry, [" - INFO: dry-run mode requested, not actually executing the operation"]);
  assert.deepEqual(rows(await ok("gnt-network", "list", "--no-headers", "-o", "name")), [["net1"]]);
  assert.equal(await configSerial(), before);
});

test("connect, then instances take addresses from the pool with the network's MAC prefix and the group's link", async () => {
  await ok("gnt-network", "connect", "-N", "mode=bridged,link=br100", "net1");
  assert.deepEqual(rows(await ok("gnt-network", "list", "--no-headers", "--separator=|", "-o", "name,group_list")),
    [["net1", "default (bridged, br100, )"]]);
  const add = jobLog(await ok("gnt-instance", "add", "-t", "diskless", "--no-install", "-n", "node1", "--net", "0:ip=pool,network=net1",
    "--net", "1:ip=192.0.2.5,network=net1", "--no-name-check", "i1"));
  assert.deepEqual(add.slice(0, 3), [" - INFO: NIC/0 inherits netparams ['bridged', 'br100', '']",
    " - INFO: Chose IP 192.0.2.2 from network net1", " - INFO: NIC/1 inherits netparams ['bridged', 'br100', '']"]);
  const [i1] = rows(await ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "name,nic.ips,nic.networks.names,nic.modes,nic.links,nic.macs", "i1"));
  assert.deepEqual(i1?.slice(0, 5), ["i1", "192.0.2.2,192.0.2.5", "net1,net1", "bridged,bridged", "br100,br100"]);
  assert.match(i1?.[5] ?? "", /^aa:00:00:[0-9a-f:]{8},aa:00:00:[0-9a-f:]{8}$/);
  assert.deepEqual(rows(await ok("gnt-network", "list", "--no-headers", "--separator=|", "-o", "map,inst_list")), [["XXX..X....XX...X", "i1"]]);
  // Taken, reserved and outside addresses are refused; an address of the network on a NIC outside it too.
  await fails(prereq("resource_not_unique", "IP address 192.0.2.5 already in use or does not belong to network net1"),
    "gnt-instance", "add", "-t", "diskless", "--no-install", "-n", "node2", "--net", "0:ip=192.0.2.5,network=net1", "--no-name-check", "i2");
  await fails(prereq("resource_not_unique", "IP address 192.0.2.10 already in use or does not belong to network net1"),
    "gnt-instance", "add", "-t", "diskless", "--no-install", "-n", "node2", "--net", "0:ip=192.0.2.10,network=net1", "--no-name-check", "i2");
  await fails(prereq("wrong_state", "The requested IP address (192.0.2.7) belongs to network net1, but the target NIC does not."),
    "gnt-instance", "add", "-t", "diskless", "--no-install", "-n", "node2", "--net", "0:ip=192.0.2.7", "--no-name-check", "i2");
  // --no-conflicts-check lets it through (Ganeti's option for setups the checks don't know).
  await ok("gnt-instance", "add", "-t", "diskless", "--no-install", "--no-start", "-n", "node2", "--net", "0:ip=192.0.2.7", "--no-conflicts-check",
    "--no-name-check", "i2");
  await ok("gnt-instance", "remove", "-f", "i2");
  await fails(prereq("wrong_input", "If network is given, no mode or link is allowed to be passed"),
    "gnt-instance", "add", "-t", "diskless", "--no-install", "-n", "node2", "--net", "0:network=net1,link=br0", "--no-name-check", "i2");
  await ok("gnt-network", "add", "--network=192.0.2.64/28", "net2");
  await fails(prereq("wrong_input", "No netparams found for network net2. Probably not connected to node's node2 nodegroup"),
    "gnt-instance", "add", "-t", "diskless", "--no-install", "-n", "node2", "--net", "0:ip=pool,network=net2", "--no-name-check", "i2");
  assert.deepEqual(rows(await ok("gnt-instance", "list", "--no-headers", "-o", "name")), [["i1"]]);
});

test("the OS scripts get the NIC's network (NIC_0_NETWORK_NAME, ...)", async () => {
  await ok("gnt-instance", "add", "-t", "file", "-s", "16M", "-o", "image+default", "-n", "node2", "--net", "0:ip=pool,network=net1",
    "--no-name-check", "i3");
  const [row] = rows(await ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "nic.macs,nic.ips", "i3"));
  const dir = join(c.root("node2"), "srv/ganeti/file-storage/i3");
  const disk = (await readdir(dir))[0] ?? "";
  const head = (await readFile(join(dir, disk))).subarray(0, 200).toString("utf8").replace(/\0.*$/s, "");
  // The image OS writes what its create script was given onto the disk.
  assert.equal(head, `ganeti-ts image OS\ninstance=i3\nvariant=default\nnic0=${row?.[0] ?? ""} ip=${row?.[1] ?? ""} network=net1\n`);
  assert.equal(row?.[1], "192.0.2.3");
  await ok("gnt-instance", "remove", "-f", "i3");
});

test("instance hooks: Ganeti's environment on the master and the instance's nodes; a failing pre hook vetoes", async () => {
  const record = (n: string, hpath: string): string => join(c.dir, `hook-${hpath}-${n}`);
  for (const n of ["node1", "node2"]) {
    for (const hpath of ["instance-add-pre", "instance-start-pre", "instance-start-post", "instance-remove-pre", "instance-remove-post", "instance-rename-pre"]) {
      const d = join(c.root(n), `etc/ganeti/hooks/${hpath}.d`);
      await mkdir(d, { recursive: true });
      await writeFile(join(d, "10-env"), `#!/bin/sh
env | grep '^GANETI_' | sort > ${record(n, hpath)}
`, { mode: 0o755 });
    }
  }
  const env = async (n: string, hpath: string): Promise<Record<string, string>> =>
    Object.fromEntries((await readFile(record(n, hpath), "utf8")).trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  await ok("gnt-instance", "add", "-t", "file", "-s", "16M", "-o", "image+default", "-n", "node2", "--no-start", "--net", "0:ip=pool,network=net1",
    "--no-name-check", "h1");
  const [mac, ip, disk] = rows(await ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "nic.macs,nic.ips,disk.uuids", "h1"))[0] ?? [];
  // Creation: the instance as it will be (Ganeti's INSTANCE_STATUS is the start flag there).
  const add = await env("node2", "instance-add-pre");
  for (const [k, v] of Object.entries({ GANETI_ADD_MODE: "create", GANETI_INSTANCE_NAME: "h1", GANETI_INSTANCE_STATUS: "False",
    GANETI_INSTANCE_NIC0_MAC: mac ?? "", GANETI_INSTANCE_NIC0_IP: ip ?? "", GANETI_INSTANCE_NIC0_NETWORK_NAME: "net1", GANETI_INSTANCE_DISK_COUNT: "1",
    GANETI_INSTANCE_DISK0_SIZE: "16", GANETI_INSTANCE_DISK0_MODE: "rw", GANETI_INSTANCE_DISK_TEMPLATE: "file" })) assert.equal(add[k], v, k);
  await ok("gnt-instance", "startup", "h1");
  const pre = await env("node2", "instance-start-pre");
  const want: Record<string, string> = {
    GANETI_HOOKS_PATH: "instance-start", GANETI_HOOKS_PHASE: "pre", GANETI_OBJECT_TYPE: "INSTANCE", GANETI_OP_CODE: "OP_INSTANCE_STARTUP",
    GANETI_OP_TARGET: "h1", GANETI_INSTANCE_NAME: "h1", GANETI_INSTANCE_PRIMARY: "node2", GANETI_INSTANCE_SECONDARIES: "",
    GANETI_INSTANCE_OS_TYPE: "image+default", GANETI_INSTANCE_STATUS: "down", GANETI_INSTANCE_DISK_TEMPLATE: "file",
    GANETI_INSTANCE_HYPERVISOR: "fake", GANETI_INSTANCE_NIC_COUNT: "1", GANETI_INSTANCE_NIC0_MAC: mac ?? "", GANETI_INSTANCE_NIC0_IP: ip ?? "",
    GANETI_INSTANCE_NIC0_MODE: "bridged", GANETI_INSTANCE_NIC0_LINK: "br100", GANETI_INSTANCE_NIC0_BRIDGE: "br100",
    GANETI_INSTANCE_NIC0_NETWORK_NAME: "net1", GANETI_INSTANCE_NIC0_NETWORK_SUBNET: "192.0.2.0/28", GANETI_INSTANCE_NIC0_NETWORK_GATEWAY: "192.0.2.1",
    GANETI_INSTANCE_NIC0_NETWORK_MAC_PREFIX: "aa:00:00", GANETI_INSTANCE_NIC0_NETWORK_TAGS: "web prod", GANETI_INSTANCE_DISK_COUNT: "1",
    GANETI_INSTANCE_DISK0_UUID: disk ?? "", GANETI_INSTANCE_DISK0_SIZE: "16", GANETI_INSTANCE_DISK0_MODE: "rw", GANETI_INSTANCE_DISK0_DEV_TYPE: "file",
    GANETI_INSTANCE_DISK0_DRIVER: "loop", GANETI_INSTANCE_TAGS: "", GANETI_FORCE: "False", GANETI_INSTANCE_BE_vcpus: "1",
  };
  for (const [k, v] of Object.entries(want)) assert.equal(pre[k], v, k);
  assert.match(pre["GANETI_INSTANCE_DISK0_ID"] ?? "", /^\/srv\/ganeti\/file-storage\/h1\/.*\.file\.disk0$/);
  assert.ok(Object.keys(pre).some((k) => k.startsWith("GANETI_INSTANCE_HV_")), "hypervisor parameters");
  // Both nodes run the hooks (master and primary); post hooks see the state after the operation too.
  assert.equal((await env("node1", "instance-start-pre"))["GANETI_INSTANCE_NAME"], "h1");
  const post = await env("node2", "instance-start-post");
  assert.equal(post["GANETI_INSTANCE_STATUS"], "down");
  assert.equal(post["GANETI_POST_INSTANCE_STATUS"], "up");
  // Rename: the new name; remove: pre hooks on the master only, post hooks on the instance's nodes too.
  const veto = join(c.root("node1"), "etc/ganeti/hooks/instance-stop-pre.d");
  await mkdir(veto, { recursive: true });
  await writeFile(join(veto, "50-veto"), "#!/bin/sh\necho not now\nexit 1\n", { mode: 0o755 });
  const r = await c.on("node1", "gnt-instance", "shutdown", "h1");
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /^Failure: hooks execution failed:\n  node: node1, script: [a-z-]+-pre\.d\/50-veto, output: not now/);
  assert.deepEqual(rows(await ok("gnt-instance", "list", "--no-headers", "-o", "status", "h1")), [["running"]]);
  await rm(veto, { recursive: true });
  await ok("gnt-instance", "shutdown", "h1");
  await ok("gnt-instance", "rename", "--no-name-check", "h1", "h2");
  assert.equal((await env("node2", "instance-rename-pre"))["GANETI_INSTANCE_NEW_NAME"], "h2");
  await rm(record("node2", "instance-remove-pre"), { force: true });
  await ok("gnt-instance", "remove", "-f", "h2");
  assert.equal((await env("node1", "instance-remove-pre"))["GANETI_INSTANCE_NAME"], "h2");
  await assert.rejects(readFile(record("node2", "instance-remove-pre")), "no pre hook on the primary node");
  assert.equal((await env("node2", "instance-remove-post"))["GANETI_INSTANCE_NAME"], "h2");
  for (const n of ["node1", "node2"]) {
    for (const hpath of ["instance-add-pre", "instance-start-pre", "instance-start-post", "instance-remove-pre", "instance-remove-post", "instance-rename-pre"]) {
      await rm(join(c.root(n), `etc/ganeti/hooks/${hpath}.d`), { recursive: true });
    }
  }
});

test("node group hooks: add, rename, modify, remove on the master", async () => {
  const d = (h: string): string => join(c.root("node1"), `etc/ganeti/hooks/${h}.d`);
  const hooks = ["group-add-post", "group-rename-pre", "group-modify-pre", "group-remove-pre"];
  for (const h of hooks) {
    await mkdir(d(h), { recursive: true });
    await writeFile(join(d(h), "10-env"), `#!/bin/sh\nenv | grep -E '^GANETI_(GROUP_NAME|OLD_NAME|NEW_NAME|NEW_ALLOC_POLICY|OBJECT_TYPE)=' | sort > ${join(c.dir, h)}\n`,
      { mode: 0o755 });
  }
  await ok("gnt-group", "add", "g2");
  await ok("gnt-group", "rename", "g2", "g3");
  await ok("gnt-group", "modify", "--alloc-policy=last_resort", "g3");
  await ok("gnt-group", "remove", "g3");
  const got = await Promise.all(hooks.map(async (h) => (await readFile(join(c.dir, h), "utf8")).trim().split("\n")));
  assert.deepEqual(got, [["GANETI_GROUP_NAME=g2", "GANETI_OBJECT_TYPE=GROUP"], ["GANETI_NEW_NAME=g3", "GANETI_OBJECT_TYPE=GROUP", "GANETI_OLD_NAME=g2"],
    ["GANETI_GROUP_NAME=g3", "GANETI_NEW_ALLOC_POLICY=last_resort", "GANETI_OBJECT_TYPE=GROUP"], ["GANETI_GROUP_NAME=g3", "GANETI_OBJECT_TYPE=GROUP"]]);
  for (const h of hooks) await rm(d(h), { recursive: true });
});

test("modify --net: a new address, a NIC added from the pool, a NIC taken out of the network", async () => {
  let out = await ok("gnt-instance", "modify", "--net", "0:ip=192.0.2.9", "i1");
  assert.ok(out.includes(" - nic.ip/0 -> 192.0.2.9\n"), out);
  assert.ok(jobLog(out).includes(" - INFO: Reserving IP 192.0.2.9 in network net1"), out);
  out = await ok("gnt-instance", "modify", "--net", "add:ip=pool,network=net1", "i1");
  assert.match(out, / - nic\.2 -> add:mac=aa:00:00:[0-9a-f:]{8},ip=192\.0\.2\.2,mode=bridged,link=br100,network=[0-9a-f-]{36}\n/);
  out = await ok("gnt-instance", "modify", "--net", "1:network=none,ip=none", "i1");
  assert.ok(out.includes(" - nic.network/1 -> None\n - nic.ip/1 -> None\n"), out);
  assert.deepEqual(rows(await ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "nic.ips,nic.networks.names", "i1")),
    [["192.0.2.9,None,192.0.2.2", "net1,None,net1"]]);
  assert.deepEqual(rows(await ok("gnt-network", "list", "--no-headers", "-o", "map", "net1")), [["XXX......XXX...X"]]);
  await fails(prereq("resource_not_unique", "IP 192.0.2.2 not available in network net1"), "gnt-instance", "modify", "--net", "0:ip=192.0.2.2", "i1");
});

test("in use: disconnect and remove refused; after the instance is gone the pool is empty again", async () => {
  let out = await fails(prereq("wrong_state", "Conflicting IP addresses found;  remove/modify the corresponding network interfaces"),
    "gnt-network", "disconnect", "net1", "default");
  assert.ok(jobLog(out).includes(" - WARNING: IP addresses from network 'net1', which is about to disconnect from node group 'default', are in use: " +
    "i1: nic0/192.0.2.9, nic2/192.0.2.2"), out);
  out = await fails(prereq("wrong_state", "Network still connected"), "gnt-network", "remove", "net1");
  assert.ok(jobLog(out).includes(" - WARNING: Network 'net1' is connected to the following node groups: default"), out);
  await ok("gnt-instance", "remove", "-f", "i1");
  assert.deepEqual(rows(await ok("gnt-network", "list", "--no-headers", "--separator=|", "-o", "map,inst_list", "net1")), [["XX........XX...X", ""]]);
  await ok("gnt-network", "disconnect", "net1");
  await ok("gnt-network", "remove", "net1");
  assert.deepEqual(rows(await ok("gnt-network", "list", "--no-headers", "-o", "name")), [["net2"]]);
});

test("modify and rename: gateway, reservations, MAC prefix, IPv6", async () => {
  const out = await ok("gnt-network", "modify", "--gateway=192.0.2.65", "--mac-prefix=aa:bb:cc", "--network6=2001:db8::/64", "--gateway6=2001:db8::1", "net2");
  assert.deepEqual(jobLog(out), []);
  const warn = jobLog(await ok("gnt-network", "modify", "--add-reserved-ips=192.0.2.70,192.0.2.65", "--remove-reserved-ips=192.0.2.65,192.0.2.71", "net2"));
  assert.deepEqual(warn, [" - WARNING: Cannot reserve IP address 192.0.2.65: IP 192.0.2.65 is already externally reserved",
    " - WARNING: Cannot unreserve Gateway's IP", " - WARNING: Cannot release IP address 192.0.2.71: IP 192.0.2.71 is not externally reserved"]);
  await ok("gnt-network", "rename", "net2", "backend");
  assert.deepEqual(rows(await ok("gnt-network", "list", "--no-headers", "--separator=|", "-o", "name,gateway,mac_prefix,network6,gateway6,external_reservations,serial_no")),
    [["backend", "192.0.2.65", "aa:bb:cc", "2001:db8::/64", "2001:db8::1", "192.0.2.64, 192.0.2.65, 192.0.2.70, 192.0.2.79", "4"]]);
  await fails(prereq("already_exists", `Desired new name 'backend' clashes with existing network (UUID: ${
    rows(await ok("gnt-network", "list", "--no-headers", "-o", "uuid"))[0]?.[0] ?? ""})`), "gnt-network", "rename", "backend", "backend");
  await ok("gnt-network", "remove", "backend");
  assert.equal(await ok("gnt-network", "list", "--no-headers"), "");
});

test("gnt-cluster search-tags finds tags on every kind of object", async () => {
  await ok("gnt-cluster", "add-tags", "web-cluster");
  await ok("gnt-node", "add-tags", "node2", "web-node", "other");
  await ok("gnt-group", "add-tags", "default", "web-rack");
  await ok("gnt-network", "add", "--network=192.0.2.128/28", "--tags=web-net", "tagged");
  assert.equal(await ok("gnt-cluster", "search-tags", "^web"),
    "/cluster web-cluster\n/network/tagged web-net\n/nodegroup/default web-rack\n/nodes/node2 web-node\n");
  const none = await c.on("node1", "gnt-cluster", "search-tags", "^nothing$");
  assert.deepEqual([none.code, none.stdout, none.stderr], [1, "", ""]);
  const bad = await c.on("node1", "gnt-cluster", "search-tags", "(");
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^Failure: prerequisites not met for this operation:\nerror type: wrong_input, error details:\nInvalid search pattern '\(': /);
  await ok("gnt-cluster", "remove-tags", "web-cluster");
  await ok("gnt-node", "remove-tags", "node2", "web-node", "other");
  await ok("gnt-group", "remove-tags", "default", "web-rack");
  await ok("gnt-network", "remove", "tagged");
});

test("gnt-instance change-group and gnt-group evacuate through hail's change-group request", async () => {
  await ok("gnt-group", "add", "g2");
  await ok("gnt-group", "assign-nodes", "g2", "node2");
  // gnt-group info: own values as given, the rest "default (...)", in PrintGenericInfo's layout.
  await ok("gnt-group", "modify", "--ipolicy-vcpu-ratio=8", "g2");
  const info = await ok("gnt-group", "info", "g2");
  assert.match(info, /^- Node group: g2\n  Node parameters: \n    cpu_speed: default \(1\)\n/);
  assert.match(info, /\n  Instance policy: \n    bounds specs: \n      - max\/0: \n          cpu-count: default \(8\)\n/);
  assert.match(info, /\n    vcpu-ratio: 8\n    spindle-ratio: default \(32\)\n$/);
  await fails(prereq("unknown_entity", "NodeGroup name nosuch not found"), "gnt-group", "info", "nosuch");
  assert.equal(await ok("gnt-group", "show-ispecs-cmd", "g2"), "gnt-group add g2\n");
  assert.match(await ok("gnt-group", "show-ispecs-cmd", "--include-defaults", "g2"),
    /^gnt-group add --ipolicy-bounds-specs min:cpu-count=1,disk-count=1,disk-size=1,memory-size=1,nic-count=0,spindle-use=0\/max:cpu-count=8,[^ ]+ g2\n$/);
  assert.match(await ok("gnt-cluster", "show-ispecs-cmd"), /^gnt-cluster init --ipolicy-std-specs cpu-count=1,[^ ]+ --ipolicy-bounds-specs min:[^ ]+\/max:[^ ]+ \S+\n$/);
  const uuid = (g: string): Promise<string> => ok("gnt-group", "list", "--no-headers", "-o", "uuid", g).then((x) => x.trim());
  const [gDefault, g2] = [await uuid("default"), await uuid("g2")];
  // One node per group: the global N+1 capacity check can't pass, so it is turned off as an administrator would.
  await ok("gnt-cluster", "modify", "--default-iallocator-params=no-capacity-checks");
  await ok("gnt-instance", "add", "-t", "sharedfile", "-s", "16M", "--no-install", "-n", "node1", "--no-name-check", "cg1");
  let out = await ok("gnt-instance", "change-group", "--to", "g2", "cg1");
  assert.ok(jobLog(out).includes(" - INFO: Instances to be moved: cg1 (to node2)"), out);
  assert.ok(jobLog(out).includes(" - INFO: Iallocator returned 1 job(s) for changing group of instance 'cg1'"), out);
  assert.match(out, /Instance 'cg1' changed group successfully\.\n$/);
  assert.deepEqual(rows(await ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "pnode,status", "cg1")), [["node2", "running"]]);
  await fails(prereq("wrong_input", `Can't use group(s) '${g2}' as targets, they are used by the instance 'cg1'`),
    "gnt-instance", "change-group", "--to", "g2", "cg1");
  await fails(prereq("wrong_input", "The builtin allocator does not answer change-group requests; use hail"),
    "gnt-instance", "change-group", "-I", "builtin", "cg1");
  await fails(prereq("wrong_input", `Group 'g2' (${g2}) can't be evacuated to itself`), "gnt-group", "evacuate", "--to", "g2", "g2");
  out = await ok("gnt-group", "evacuate", "g2");
  assert.ok(jobLog(out).includes(" - INFO: Iallocator returned 1 job(s) for evacuating node group g2"), out);
  assert.match(out, /All instances evacuated successfully\.\n$/);
  assert.deepEqual(rows(await ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "pnode,status", "cg1")), [["node1", "running"]]);
  assert.notEqual(gDefault, g2);
  await ok("gnt-instance", "remove", "-f", "cg1");
  await ok("gnt-group", "assign-nodes", "default", "node2");
  await ok("gnt-group", "remove", "g2");
  await ok("gnt-cluster", "modify", "--default-iallocator-params=");
});

test("gnt-node failover, gnt-job wait, gnt-cluster master-ping, gnt-backup list-fields", async () => {
  await ok("gnt-instance", "add", "-t", "drbd", "-s", "16M", "--no-install", "-n", "node1:node2", "--no-name-check", "fo1");
  let out = await ok("gnt-node", "failover", "-f", "node1");
  assert.match(out, /All 1 instance\(s\) failed over successfully\.\n$/);
  assert.deepEqual(rows(await ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "pnode,snodes,status", "fo1")),
    [["node2", "node1", "running"]]);
  const none = await c.on("node1", "gnt-node", "failover", "-f", "node1");
  assert.deepEqual([none.code, none.stdout, none.stderr], [0, "", "No primary instances on node node1, exiting.\n"]);
  await ok("gnt-instance", "remove", "-f", "fo1");
  // gnt-job wait: silent on success; a failed job's error on one line and its exit code.
  const id = (await ok("gnt-debug", "delay", "--submit", "0.1")).match(/JobID: (\d+)/)?.[1] ?? "";
  assert.equal(await ok("gnt-job", "wait", id), "");
  const bad = (await ok("gnt-instance", "startup", "--submit", "nosuch")).match(/JobID: (\d+)/)?.[1] ?? "";
  const w = await c.on("node1", "gnt-job", "wait", bad);
  assert.deepEqual([w.code, w.stdout], [1, ""]);
  assert.equal(w.stderr, `Job ${bad} failed: ${prereq("unknown_entity", "Instance 'nosuch' not known")}`);
  // master-ping asks the local master daemon: only the master node has one.
  assert.deepEqual([(await c.on("node1", "gnt-cluster", "master-ping")).code, (await c.on("node2", "gnt-cluster", "master-ping")).code], [0, 1]);
  assert.match(await ok("gnt-backup", "list-fields"), /^Name +Title +Description\n/);
  // gnt-debug submit-job: opcodes from a file, followed as Ganeti's JobExecutor does.
  const file = join(c.dir, "ops.json");
  await writeFile(file, JSON.stringify([{ OP_ID: "OP_TEST_DELAY", duration: 0 }, { OP_ID: "OP_TAGS_SEARCH", pattern: "x" }]));
  assert.match(await ok("gnt-debug", "submit-job", file), new RegExp(`^Waiting for job \\d+ for file ${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}/0 \\.\\.\\.\\n$`));
  await writeFile(file, "{}");
  await fails(prereq("wrong_input", `File ${file} does not hold a list of opcodes`), "gnt-debug", "submit-job", file);
});

test("two creations in parallel with ip=pool get different addresses", async () => {
  await ok("gnt-network", "add", "--network=192.0.2.160/28", "race");
  await ok("gnt-network", "connect", "-N", "mode=bridged,link=br9", "race");
  // Different primary nodes: the two jobs hold different node locks and run side by side.
  const ids = await Promise.all(["node1", "node2"].map(async (n, i) =>
    (await ok("gnt-instance", "add", "--submit", "-t", "diskless", "--no-install", "-n", n, "--net", "0:ip=pool,network=race", "--no-name-check", `r${i}`))
      .match(/JobID: (\d+)/)?.[1] ?? ""));
  for (const id of ids) await ok("gnt-job", "wait", id);
  const got = rows(await ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "name,nic.ips", "r0", "r1"));
  assert.equal(got.length, 2);
  const ips = got.map((r) => r[1] ?? "");
  assert.notEqual(ips[0], ips[1]);
  assert.deepEqual(ips.map((ip) => /^192\.0\.2\.(16[1-9]|17[0-4])$/.test(ip)), [true, true]);
  assert.deepEqual(rows(await ok("gnt-network", "list", "--no-headers", "-o", "reserved_count", "race")), [["4"]]);
  for (const i of ["r0", "r1"]) await ok("gnt-instance", "remove", "-f", i);
  await ok("gnt-network", "disconnect", "race");
  await ok("gnt-network", "remove", "race");
});

test("gnt-debug iallocator shows the allocator's request and hail's answer", async () => {
  const input = JSON.parse(await ok("gnt-debug", "iallocator", "--dir", "in", "-m", "allocate", "-t", "file", "--disks", "1G", "--memory", "256", "new1")) as
    { request: Record<string, unknown>; nodes: Record<string, unknown> };
  assert.deepEqual([input.request["type"], input.request["name"], input.request["memory"], input.request["disk_template"]], ["allocate", "new1", 256, "file"]);
  assert.deepEqual(Object.keys(input.nodes).sort(), ["node1", "node2"]);
  const answer = JSON.parse(await ok("gnt-debug", "iallocator", "--dir", "out", "-I", "hail", "-m", "allocate", "-t", "file", "--disks", "1G", "new1")) as
    { success: boolean; result: string[] };
  assert.equal(answer.success, true);
  assert.equal(answer.result.length, 1);
  assert.ok(["node1", "node2"].includes(answer.result[0] ?? ""), JSON.stringify(answer));
  await fails(prereq("wrong_input", "Missing allocator name"), "gnt-debug", "iallocator", "--dir", "out", "-m", "allocate", "new1");
  await fails(prereq("unknown_entity", "Instance 'nosuch' not known"), "gnt-debug", "iallocator", "-m", "relocate", "nosuch");
});

test("gnt-backup export --compress gzip: a gzip image, config.ini says so, the import decompresses it", async () => {
  await ok("gnt-instance", "add", "-t", "file", "-s", "16M", "-o", "image+default", "-n", "node1", "--no-name-check", "cz");
  await ok("gnt-backup", "export", "-n", "node2", "--compress", "gzip", "cz");
  const dir = join(c.root("node2"), "srv/ganeti/export/cz");
  assert.match(await readFile(join(dir, "config.ini"), "utf8"), /\ncompression = gzip\n/);
  const image = (await readdir(dir)).find((f) => f !== "config.ini") ?? "";
  const bytes = await readFile(join(dir, image));
  assert.deepEqual([bytes[0], bytes[1]], [0x1f, 0x8b], "gzip's magic number");
  assert.ok(bytes.length < 1048576, `compressed: ${bytes.length} bytes for a 16 MiB disk`);
  // The cluster's compression tools, checked as Ganeti's; a tool that can't run fails the export, not the node daemon.
  await fails(prereq("wrong_input", "For compatibility reasons, the gzip utility must be present among the compression tools"),
    "gnt-cluster", "modify", "--compression-tools=lzop");
  await fails(prereq("wrong_input", "The tools 'bad/tool' contain illegal characters: only alphanumeric values, dashes, and underscores are allowed"),
    "gnt-cluster", "modify", "--compression-tools=gzip,bad/tool");
  await ok("gnt-cluster", "modify", "--compression-tools=gzip,nosuchtool");
  const r = await c.on("node1", "gnt-backup", "export", "-n", "node2", "--compress", "nosuchtool", "cz");
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stdout, /Can't run compression tool nosuchtool/);
  assert.deepEqual(rows(await ok("gnt-instance", "list", "--no-headers", "-o", "status", "cz")), [["running"]], "node1's daemon is still there");
  await ok("gnt-cluster", "modify", "--compression-tools=gzip,gzip-fast,gzip-slow");
  await ok("gnt-instance", "remove", "-f", "cz");
  await ok("gnt-backup", "import", "-n", "node1", "-t", "file", "--no-name-check", "--src-node", "node2", "--src-dir", "cz", "cz");
  const idir = join(c.root("node1"), "srv/ganeti/file-storage/cz");
  const head = (await readFile(join(idir, (await readdir(idir))[0] ?? ""))).subarray(0, 32).toString("utf8");
  assert.equal(head, "ganeti-ts image OS\ninstance=cz\nv", "the image came back through gzip -d");
  await ok("gnt-instance", "remove", "-f", "cz");
  await ok("gnt-backup", "remove", "cz");
});
