// ganeti-mond on a 3-node devcluster: every node's daemon answers Ganeti's /1 API; the
// drbd collector shows a drbd instance's devices on its two nodes (roles, states, the
// instance's name) and none on the third; cpu-avg-load reports this machine's CPUs;
// /metrics carries the same; the cluster's collector settings reach the daemons through
// ssconf; `hbal -L --mond` uses the reports and says which daemon it could not reach;
// the watcher starts a daemon that died.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { cpus } from "node:os";
import { join } from "node:path";
import { DevCluster, waitListening } from "../helpers/devcluster.js";
import { waitFor } from "../../src/util/daemon.js";

let c: DevCluster;

before(async () => {
  c = await DevCluster.up(3, 25);
  for (const i of [1, 2, 3]) await waitListening(c.ip(i), 1815);
});

after(async () => {
  await c?.destroy();
});

async function get(node: number, path: string): Promise<[number, string]> {
  const r = await fetch(`http://${c.ip(node)}:1815${path}`);
  return [r.status, await r.text()];
}

async function report(node: number, path: string): Promise<{ data: Record<string, unknown> }> {
  const [code, body] = await get(node, path);
  assert.equal(code, 200, body);
  return JSON.parse(body) as { data: Record<string, unknown> };
}

async function ok(program: string, ...args: string[]): Promise<string> {
  const r = await c.on("node1", program, ...args);
  assert.equal(r.code, 0, `${program} ${args.join(" ")}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout + r.stderr;
}

interface Device { minor: number; connectionState: string; localRole: string; remoteRole: string; localState: string; remoteState: string; instance: string }

test("every node's daemon answers Ganeti's API", async () => {
  for (const i of [1, 2, 3]) {
    assert.deepEqual(await get(i, "/"), [200, "[1]"]);
    assert.deepEqual(await get(i, "/1"), [200, "null"]);
    assert.deepEqual(await get(i, "/1/list/collectors"),
      [200, '[["cpu-avg-load","default",0],["diskstats","storage",0],["drbd","storage",1],["lv","storage",0]]']);
    assert.deepEqual(await get(i, "/1/report/hypervisor/xen-cpu-avg-load"), [404, "Unable to produce a report for the requested resource"]);
    assert.deepEqual(await get(i, "/nothing"), [404, "Resource not found"]);
  }
  const disks = await report(2, "/1/report/storage/diskstats");
  assert.ok(Array.isArray(disks.data) && disks.data.length > 0, JSON.stringify(disks));
});

test("cpu-avg-load: this machine's CPUs, once two samples span time", async () => {
  let last: Record<string, unknown> = {};
  assert.ok(await waitFor(async () => {
    last = (await report(3, "/1/report/default/cpu-avg-load")).data;
    return typeof last["cpu_total"] === "number";
  }, 15_000, 250), JSON.stringify(last));
  assert.equal(last["cpu_number"], cpus().length);
  assert.equal((last["cpus"] as number[]).length, cpus().length);
  assert.ok((last["cpu_total"] as number) >= 0 && (last["cpu_total"] as number) <= cpus().length + 0.5, JSON.stringify(last));
});

test("drbd: an instance's devices on its primary and secondary, with its name; /metrics", async () => {
  await ok("gnt-instance", "add", "-t", "drbd", "-n", "node1:node2", "-o", "image+default", "-s", "64M", "--no-start",
    "--no-name-check", "--no-ip-check", "mon1");
  await ok("gnt-instance", "activate-disks", "mon1");
  const devices = async (node: number): Promise<Device[]> =>
    (await report(node, "/1/report/storage/drbd")).data["deviceInfos"] as Device[];
  let seen: Device[][] = [];
  assert.ok(await waitFor(async () => {
    seen = [await devices(1), await devices(2)];
    return seen.every((d) => d.length === 1 && d[0]!.connectionState === "Connected" && d[0]!.remoteState === "UpToDate");
  }, 30_000, 250), JSON.stringify(seen));
  const [p, s] = [seen[0]![0]!, seen[1]![0]!];
  assert.deepEqual([p.instance, p.localRole, p.remoteRole, p.localState], ["mon1", "Primary", "Secondary", "UpToDate"]);
  assert.deepEqual([s.instance, s.localRole, s.remoteRole, s.localState], ["mon1", "Secondary", "Primary", "UpToDate"]);
  assert.deepEqual(await devices(3), []);
  const status = (await report(1, "/1/report/storage/drbd")).data["status"];
  assert.deepEqual(status, { code: 0, message: "" });
  const [code, metrics] = await get(2, "/metrics");
  assert.equal(code, 200);
  assert.match(metrics, new RegExp(`^ganeti_drbd_connected\\{minor="${s.minor}",instance="mon1"\\} 1$`, "m"));
  assert.match(metrics, /^ganeti_node_cpu_load\{cpu="total"\} [\d.e-]+$/m);
  await ok("gnt-instance", "deactivate-disks", "mon1");
  assert.deepEqual(await devices(2), []);
});

test("collector settings: gnt-cluster modify reaches every daemon through ssconf", async () => {
  await ok("gnt-cluster", "modify", "--enabled-data-collectors=diskstats=false", "--data-collector-interval=cpu-avg-load=2");
  assert.match(await readFile(join(c.root("node3"), "var/lib/ganeti/ssconf_data_collectors"), "utf8"), /^diskstats False 5000000$/m);
  for (const i of [1, 2, 3]) {
    assert.deepEqual(await get(i, "/1/report/storage/diskstats"), [404, "Unable to produce a report for the requested resource"]);
    assert.doesNotMatch((await get(i, "/1/list/collectors"))[1], /diskstats/);
  }
  const info = await ok("gnt-cluster", "info");
  assert.match(info, /^ {2}cpu-avg-load:\n {4}active: True\n {4}interval: 2\.000s\n {2}diskstats:\n {4}active: False\n {4}interval: 5\.000s$/m);
  const bad = await c.on("node1", "gnt-cluster", "modify", "--enabled-data-collectors=nosuch=false");
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, "Failure: prerequisites not met for this operation:\nerror type: wrong_input, error details:\nData collector names not recognized: nosuch\n");
  await ok("gnt-cluster", "modify", "--enabled-data-collectors=diskstats=true");
  assert.equal((await get(3, "/1/report/storage/diskstats"))[0], 200);
});

test("hbal -L --mond: the nodes' loads; a dead daemon is named, and the watcher starts it again", async () => {
  const hbal = async (): Promise<string> => ok("hbal", "-L", "--mond=yes");
  // every daemon has a load by now (two samples within seconds of starting)
  assert.ok(await waitFor(async () => !/MonD/.test(await hbal()), 15_000, 500), await hbal());
  const pid = Number(await readFile(join(c.root("node3"), "var/run/ganeti/ganeti-mond.pid"), "utf8"));
  process.kill(pid, "SIGKILL");
  assert.ok(await waitFor(async () => (await get(3, "/").catch(() => [0, ""]))[0] === 0, 5_000, 100));
  const out = await hbal();
  assert.match(out, /^Failed to contact node's node3 MonD for DC cpu-avg-load$/m);
  assert.match(out, /^Didn't receive an answer by all MonDs, cpu-avg-load's data will be ignored\.$/m);
  const w = await c.on("node3", "ganeti-watcher");
  assert.equal(w.code, 0, w.stderr);
  await waitListening(c.ip(3), 1815);
  assert.deepEqual(await get(3, "/"), [200, "[1]"]);
  assert.match(await readFile(join(c.root("node3"), "var/log/ganeti/watcher.log"), "utf8"), /Monitoring daemon not running, starting it/);
});
