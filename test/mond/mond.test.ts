// ganeti-mond's pieces without a cluster: the cpu-avg-load arithmetic, the collector
// settings from ssconf, the drbd report of our userspace mirror, the HTTP API (Ganeti's
// routes and error texts) on collectors fed by fixed sources, and the Prometheus text.
import { test } from "node:test";
import assert from "node:assert/strict";
import { addSample, cpuAvgLoadData, parseProcStat, CPU_BUFFER_SIZE } from "../../src/monitoring/cpu-load.js";
import { parseDiskstatsAnyKernel } from "../../src/monitoring/diskstats.js";
import { drbdReportData } from "../../src/monitoring/drbd.js";
import { mirrorDrbdStatus, type MirrorDevice } from "../../src/monitoring/drbd-mirror.js";
import { encodeJson } from "../../src/monitoring/report.js";
import { configFor, parseCollectorConfig } from "../../src/mond/config.js";
import { makeCollectors, type CollectorSources } from "../../src/mond/collectors.js";
import { instanceDisksOf } from "../../src/mond/sources.js";
import { buildMondServer } from "../../src/mond/server.js";
import { prometheusText } from "../../src/mond/metrics.js";
import { pino } from "pino";

const STAT = `cpu  100 20 30 1000 5 6 7 8 50 3
cpu0 60 10 20 500 3 3 4 4 30 2
cpu1 40 10 10 500 2 3 3 4 20 1
intr 12345 0 0
ctxt 999
`;

test("cpu-avg-load: work is user+nice+system+iowait+irq+softirq+steal, guest not counted twice", () => {
  const r = parseProcStat(STAT);
  assert.ok(r.ok);
  assert.deepEqual(r.value, [100 + 20 + 30 + 5 + 6 + 7 + 8, 60 + 10 + 20 + 3 + 3 + 4 + 4, 40 + 10 + 10 + 2 + 3 + 3 + 4]);
  assert.deepEqual(parseProcStat("intr 1 2\n"), { ok: false, error: "No cpu lines in /proc/stat" });
  assert.equal(parseProcStat("cpu x y z w\n").ok, false);
});

test("cpu-avg-load: the average over the samples inside the window, in CPUs", () => {
  assert.deepEqual(cpuAvgLoadData([]), { error: "Empty buffer" });
  const s0 = { atUs: 0, work: [0, 0, 0] };
  assert.deepEqual(cpuAvgLoadData([s0]), { error: "Time covered by data is not sufficient. The window considered is 600" });
  // 10 s at 100 ticks/s: 1,000 ticks per CPU-second-unit; 1,500 total ticks = 1.5 CPUs
  let buf = addSample([], s0);
  buf = addSample(buf, { atUs: 5e6, work: [700, 400, 300] });
  buf = addSample(buf, { atUs: 10e6, work: [1500, 1000, 500] });
  assert.equal(encodeJson(cpuAvgLoadData(buf)), '{"cpu_number":2,"cpus":[1,0.5],"cpu_total":1.5}');
  // a sample older than the window is not used: only the last 10 s count
  const old = [{ atUs: 700e6 + 10e6, work: [2500, 1500, 1000] }, { atUs: 700e6, work: [2000, 1000, 1000] }, { atUs: 0, work: [0, 0, 0] }];
  assert.equal(encodeJson(cpuAvgLoadData(old)), '{"cpu_number":2,"cpus":[0.5,0],"cpu_total":0.5}');
  // the buffer keeps Ganeti's 150 samples, newest first
  let big: ReturnType<typeof addSample> = [];
  for (let k = 0; k < 200; k++) big = addSample(big, { atUs: k, work: [k] });
  assert.equal(big.length, CPU_BUFFER_SIZE);
  assert.equal(big[0]!.atUs, 199);
});

test("diskstats: a current kernel's 20-field lines (Ganeti's parser takes only 14)", () => {
  const r = parseDiskstatsAnyKernel(" 253 0 vda 165880 100 4479666 9000 5000 60 80000 7000 2 12000 16000 0 0 0 0 10 20\n");
  assert.ok(r.ok);
  assert.deepEqual(r.value[0], {
    major: 253, minor: 0, name: "vda", readsNum: 165880, mergedReads: 100, secRead: 4479666, timeRead: 9000, writes: 5000,
    mergedWrites: 60, secWritten: 80000, timeWrite: 7000, ios: 2, timeIO: 12000, wIOmillis: 16000,
  });
  assert.equal(parseDiskstatsAnyKernel("1 2 sda 1 2 3\n").ok, false);
});

test("collector settings: ssconf lines, defaults for what they do not name", () => {
  const cfg = parseCollectorConfig("cpu-avg-load True 2500000\nlv False 5000000\n\ngarbage\n");
  assert.deepEqual(configFor(cfg, "cpu-avg-load"), { active: true, intervalUs: 2_500_000 });
  assert.deepEqual(configFor(cfg, "lv"), { active: false, intervalUs: 5_000_000 });
  assert.deepEqual(configFor(cfg, "drbd"), { active: true, intervalUs: 5_000_000 });
  assert.deepEqual(configFor(parseCollectorConfig(null), "lv"), { active: true, intervalUs: 5_000_000 });
});

const PRIMARY: MirrorDevice = {
  minor: 0, instance: "inst1", conn: "Connected", role: "primary", local_disk: "UpToDate", peer_disk: "UpToDate", estimated_time: null, sync: null,
};
const SYNCING: MirrorDevice = {
  minor: 3, instance: "inst2", conn: "SyncSource", role: "primary", local_disk: "UpToDate", peer_disk: "Inconsistent", estimated_time: 3725,
  sync: { done_kib: 1024, total_kib: 4096, rate_kib: 61440 },
};
const WAITING: MirrorDevice = { ...PRIMARY, minor: 1, instance: "inst3", conn: "WFConnection", role: "secondary", peer_disk: "DUnknown" };

test("drbd: our mirror's devices as /proc/drbd's report, sorted by minor, health as Ganeti judges it", () => {
  const data = drbdReportData(mirrorDrbdStatus([SYNCING, WAITING, PRIMARY]));
  assert.equal(encodeJson(data),
    '{"status":{"code":1,"message":"\\n1: Trying to establish a network connection"},' +
    '"versionInfo":{"version":"ganeti-ts userspace mirror"},"deviceInfos":[' +
    '{"minor":0,"connectionState":"Connected","localRole":"Primary","remoteRole":"Secondary","localState":"UpToDate","remoteState":"UpToDate","replicationProtocol":"C","ioFlags":"r-----","instance":"inst1"},' +
    '{"minor":1,"connectionState":"WFConnection","localRole":"Secondary","remoteRole":"Unknown","localState":"UpToDate","remoteState":"DUnknown","replicationProtocol":"C","ioFlags":"r-----","instance":"inst3"},' +
    '{"minor":3,"connectionState":"SyncSource","localRole":"Primary","remoteRole":"Secondary","localState":"UpToDate","remoteState":"Inconsistent","replicationProtocol":"C","ioFlags":"r-----",' +
    '"syncStatus":{"percentage":25,"progress":"1024/4096","progressUnit":"KiloByte","timeToFinish":"01:02:05","speed":61440,"speedUnit":"KiloByte/Second"},"instance":"inst2"}]}');
});

test("lv: instances and their disks from a configuration (disks by uuid, drbd children)", () => {
  const cfg = {
    instances: { u1: { name: "inst1", disks: ["d1"] }, u2: { name: "inst2", disks: ["d2", "gone"] } },
    disks: {
      d1: { dev_type: "plain", logical_id: ["xenvg", "a.disk0"] },
      d2: { dev_type: "drbd", logical_id: [], children: [{ dev_type: "plain", logical_id: ["xenvg", "b.disk0_data"] }, { dev_type: "plain", logical_id: ["xenvg", "b.disk0_meta"] }] },
    },
  };
  assert.deepEqual(instanceDisksOf(cfg), [
    { instance: "inst1", disks: [{ devType: "plain", plain: ["xenvg", "a.disk0"], children: [] }] },
    { instance: "inst2", disks: [{ devType: "drbd", plain: null, children: [
      { devType: "plain", plain: ["xenvg", "b.disk0_data"], children: [] }, { devType: "plain", plain: ["xenvg", "b.disk0_meta"], children: [] },
    ] }] },
  ]);
});

function fixedSources(over: Partial<CollectorSources> = {}): CollectorSources {
  let t = 0;
  return {
    readProcStat: async () => { t += 1; return `cpu ${t * 100} 0 0 0 0 0 0 0 0 0\ncpu0 ${t * 100} 0 0 0 0 0 0 0 0 0\n`; },
    readDiskstats: async () => "   8 0 sda 1 2 3 4 5 6 7 8 9 10 11\n",
    drbdDevices: async () => [PRIMARY],
    runLvs: async () => { throw new Error("running command: lvs: not installed"); },
    instanceDisks: async () => null,
    nowUs: () => t * 1e6,
    ...over,
  };
}

test("HTTP API: Ganeti's routes, error texts and categories; /metrics", async () => {
  const collectors = makeCollectors(fixedSources());
  for (const c of collectors) await c.update?.();
  for (const c of collectors) await c.update?.();
  let active = collectors;
  const app = buildMondServer({ active: async () => active, nowUs: () => 2e6 }, pino({ level: "silent" }));
  const get = async (url: string): Promise<[number, string]> => {
    const r = await app.inject({ method: "GET", url });
    return [r.statusCode, r.body];
  };
  assert.deepEqual(await get("/"), [200, "[1]"]);
  assert.deepEqual(await get("/1"), [200, "null"]);
  assert.deepEqual(await get("/1/list/collectors"), [200, '[["cpu-avg-load","default",0],["diskstats","storage",0],["drbd","storage",1],["lv","storage",0]]']);
  const [code, cpu] = await get("/1/report/default/cpu-avg-load");
  assert.equal(code, 200);
  assert.equal(cpu, '{"name":"cpu-avg-load","version":"B","format_version":1,"timestamp":2000000000,"category":null,"kind":0,' +
    '"data":{"cpu_number":1,"cpus":[1],"cpu_total":1}}');
  assert.deepEqual(await get("/1/report/storage/cpu-avg-load"), [404, "Unable to produce a report for the requested resource"]);
  assert.deepEqual(await get("/1/report/nosuch/drbd"), [404, "Unable to produce a report for the requested resource"]);
  assert.deepEqual(await get("/2/report/all"), [404, "Resource not found"]);
  assert.deepEqual(await get("/1/list/other"), [404, "Resource not found"]);
  const [, lvReport] = await get("/1/report/storage/lv");
  assert.match(lvReport, /"data":\{"error":"running command: lvs: not installed"\}\}$/);
  const all = JSON.parse((await get("/1/report/all"))[1]) as Array<{ name: string }>;
  assert.deepEqual(all.map((r) => r.name), ["cpu-avg-load", "diskstats", "drbd", "lv"]);
  const [mcode, metrics] = await get("/metrics");
  assert.equal(mcode, 200);
  assert.match(metrics, /^ganeti_node_cpu_load\{cpu="total"\} 1$/m);
  assert.match(metrics, /^ganeti_node_disk_reads_completed_total\{device="sda"\} 1$/m);
  assert.match(metrics, /^ganeti_drbd_connected\{minor="0",instance="inst1"\} 1$/m);
  assert.match(metrics, /^ganeti_mond_collector_failed\{collector="lv"\} 1$/m);
  assert.match(metrics, /^ganeti_mond_collector_failed\{collector="drbd"\} 0$/m);
  // a switched-off collector is neither listed nor reported
  active = collectors.filter((c) => c.name !== "drbd");
  assert.deepEqual(await get("/1/report/storage/drbd"), [404, "Unable to produce a report for the requested resource"]);
  assert.doesNotMatch((await get("/1/list/collectors"))[1], /drbd/);
  await app.close();
});

test("metrics: a failing collector is flagged and contributes nothing else", async () => {
  const m = await prometheusText([{ name: "drbd", version: "B", formatVersion: 1, timestamp: 0n, category: "storage", kind: 1, data: { error: "no node daemon" } }]);
  assert.match(m.text, /^ganeti_mond_collector_failed\{collector="drbd"\} 1$/m);
  assert.doesNotMatch(m.text, /ganeti_drbd_/);
  assert.match(m.contentType, /^text\/plain/);
});
