// The data collectors' parsers and report pieces (src/monitoring), and the -U
// utilisation lines of the htools. Ganeti's own cases for hpc-mon-collector run in
// test/htools/shelltests.test.ts; outputs were compared with Ganeti 3.0.2's binary.
import { test } from "node:test";
import assert from "node:assert/strict";
import { drbdHealth, drbdReportData, parseDrbdStatus, readPairing } from "../../src/monitoring/drbd.js";
import { parseDiskstats } from "../../src/monitoring/diskstats.js";
import { pairLvsWithInstances, parseLvs, readInstanceDisks } from "../../src/monitoring/lv.js";
import { showHsString } from "../../src/monitoring/parser.js";
import { encodeJson, encodeReport, hsDouble, reportTimestamp } from "../../src/monitoring/report.js";
import { decodeJson } from "../../src/monitoring/textjson.js";
import { parseUtilisationFile } from "../../src/htools/text.js";

const DRBD83 = `version: 8.3.1 (api:88/proto:86-89)
GIT-hash: fd40f4a8f9104941537d1afc8521e584a6d3003c build by phil@fat-tyre, 2009-03-27 12:19:49
 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r----
    ns:140978 nr:0 dw:9906 dr:131533 al:27 bm:8 lo:0 pe:0 ua:0 ap:0 ep:1 wo:b oos:0
 2: cs:Unconfigured
 3: cs:SyncTarget ro:Primary/Secondary ds:Inconsistent/UpToDate C r----
     ns:0 nr:178176 dw:178176 dr:0 al:104 bm:42 lo:0 pe:0 ua:0 ap:0 ep:1 wo:b oos:346112
     [=====>..............] sync'ed: 34.9% (346112/524288)M
     finish: 0:00:05 speed: 59,392 (59,392) K/sec
 8: cs:StandAlone ro:Secondary/Unknown ds:UpToDate/DUnknown   r---
    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0
`;

test("drbd: /proc/drbd of DRBD 8.3 with a syncing minor, paired with an instance", () => {
  const pairing = readPairing('[["node1",0,"inst1","disk/0","primary","node2"]]');
  assert.ok(pairing.ok);
  const r = parseDrbdStatus(DRBD83, pairing.value);
  assert.ok(r.ok, r.ok ? "" : r.error);
  assert.deepEqual(r.value.version, {
    version: "8.3.1", api: "88", proto: "86-89", srcversion: null,
    gitHash: "fd40f4a8f9104941537d1afc8521e584a6d3003c", buildBy: "phil@fat-tyre, 2009-03-27 12:19:49",
  });
  assert.deepEqual(r.value.devices.map((d) => [d.minor, d.connectionState]), [[0, "Connected"], [2, "Unconfigured"], [3, "SyncTarget"], [8, "StandAlone"]]);
  const d3 = r.value.devices[2]!;
  assert.ok(d3.configured);
  assert.deepEqual(d3.sync, { percentage: 34.9, partial: 346112, total: 524288, unit: "MegaByte", finish: [0, 0, 5], speed: 59392, want: null, speedUnit: "KiloByte" });
  const json = encodeJson(drbdReportData(r.value));
  assert.match(json, /^\{"status":\{"code":4,"message":"\\n8: No network config available"\},"versionInfo":/);
  assert.match(json, /"syncStatus":\{"percentage":34.9,"progress":"346112\/524288","progressUnit":"MegaByte","timeToFinish":"00:00:05","speed":59392,"speedUnit":"KiloByte\/Second"\}/);
  assert.match(json, /"minor":0,.*"instance":"inst1"\},\{"minor":2,"connectionState":"Unconfigured"\}/);
  assert.equal(drbdHealth(r.value).code, 4);
});

test("drbd: unparsable input is described as Ganeti's collector describes it", () => {
  const empty = parseDrbdStatus("", []);
  assert.deepEqual(empty, { ok: false, error: '""\n[]\nFailed reading: versionInfo' });
  const zero = parseDrbdStatus("\0".repeat(2000), []);
  assert.ok(!zero.ok);
  assert.equal(zero.error, `"${"\\NUL".repeat(1600)}"\n[]\nFailed reading: versionInfo`);
  const badMinor = parseDrbdStatus("version: 8.4.2 (api:1/proto:86-101)\n 0: cs:Bogus\n", []);
  assert.deepEqual(badMinor, { ok: false, error: '"Bogus\\n"\n[]\nstring' });
});

test("Haskell's show of strings and Text.JSON's messages", () => {
  assert.equal(showHsString('a"b\\c\n\x0eH\u00e9'), '"a\\"b\\\\c\\n\\SO\\&H\\233"');
  assert.equal(showHsString("\u00e91"), '"\\233\\&1"');
  assert.deepEqual(decodeJson(""), { ok: false, error: "Malformed JSON: invalid token in this context " });
  assert.deepEqual(decodeJson("[1 2]"), { ok: false, error: "Unable to parse JSON array: unterminated array:  2]" });
  assert.deepEqual(decodeJson("[]x"), { ok: false, error: 'Invalid tokens at end of JSON string: "x"' });
  assert.deepEqual(readPairing("{}"), { ok: false, error: "Unable to read list" });
  assert.deepEqual(readPairing('[["a","1","b","c","d","e"]]'), { ok: false, error: "Unable to read Int" });
});

test("report: Ganeti's layout, doubles as Haskell writes them", () => {
  assert.equal(encodeJson([hsDouble(100), hsDouble(2.5), hsDouble(0.05)]), "[100,2.5,5.0e-2]");
  assert.equal(
    encodeReport({ name: "x", version: "B", formatVersion: 1, timestamp: reportTimestamp(1_700_000_000_123_456), category: "storage", kind: 0, data: [] }),
    '{"name":"x","version":"B","format_version":1,"timestamp":1700000000123456000,"category":"storage","kind":0,"data":[]}',
  );
});

test("diskstats and lv", () => {
  const ds = parseDiskstats("   8       0 sda 1 2 3 4 5 6 7 8 9 10 11\n");
  assert.ok(ds.ok);
  assert.equal(ds.value[0]!.name, "sda");
  assert.equal(ds.value[0]!.wIOmillis, 11);
  const bad = parseDiskstats("   8       0 sda 1 2 3 4 5 6 7 8 9 10 11 12\n");
  assert.ok(!bad.ok);
  const lvs = parseLvs("  u1;data;-wi-ao;-1;-1;253;0;1073741824B;1;;;vgu;xenvg;linear;0B;0;1073741824B;;/dev/sda5:0-15;/dev/sda5(0)\n");
  assert.ok(lvs.ok);
  assert.equal(lvs.value[0]!.size, 1073741824);
  const child = (lv: string): string => `{"dev_type":"plain","logical_id":["xenvg","${lv}"],"size":1,"uuid":"c","serial_no":1}`;
  const inst = readInstanceDisks(
    `[[{"name":"i1","primary_node":"n","os":"o","hypervisor":"kvm","admin_state":"up","admin_state_source":"admin","disks_active":true,"uuid":"u","serial_no":1},` +
      `[{"dev_type":"drbd","logical_id":["a","b",1,0,0,"s"],"children":[${child("data")},${child("meta")}],"size":1,"uuid":"d","serial_no":1}]]]`,
  );
  assert.ok(inst.ok, inst.ok ? "" : inst.error);
  assert.equal(pairLvsWithInstances(lvs.value, inst.value)[0]!.instance, "i1");
  assert.deepEqual(readInstanceDisks("[[{},[]]]"), { ok: false, error: "key 'name' not found, object contains only []" });
});

test("-U: utilisation lines", () => {
  assert.deepEqual(parseUtilisationFile("i1 2 0.5 3 1\n"), { ok: true, value: [["i1", { cpu: 2, mem: 0.5, dsk: 3, net: 1 }]] });
  assert.deepEqual(parseUtilisationFile("a\n"), { ok: false, error: "Cannot parse line a" });
  assert.deepEqual(parseUtilisationFile("inst cpu mem dsk net\n"), { ok: false, error: "inst: cannot parse string 'cpu'" });
  assert.deepEqual(parseUtilisationFile("i 1  2 3\n"), { ok: false, error: "i: cannot parse string ''" });
});

test("--mond-data: cpu-avg-load spread over the primaries by virtual CPUs; missing nodes leave the data alone", async () => {
  const { parseMonDData, applyMonD, fileSource, collectorsFor } = await import("../../src/htools/mond.js");
  const { parseData } = await import("../../src/htools/text.js");
  const { prepareCluster } = await import("../../src/htools/loader.js");
  const text = [
    "default|fake-uuid-01|preferred||", "",
    "node1.example.com|1024|0|1024|95367|95367|4|N|fake-uuid-01|1",
    "node2.example.com|1024|0|896|95367|94343|4|N|fake-uuid-01|1", "",
    "instance1.example.com|128|1024|2|running|Y|node2.example.com||plain|", "", "", "",
  ].join("\n");
  const raw = parseData(text);
  assert.ok(raw.ok);
  const prep = prepareCluster(raw.value);
  assert.ok(prep.ok);
  const report = (node: string, total: number): string =>
    `{"node":"${node}","reports":[{"name":"cpu-avg-load","version":"B","format_version":1,"timestamp":1,"category":null,"kind":0,"data":{"cpu_number":4,"cpus":[0,0,0,0],"cpu_total":${total}}}]}`;
  const m = parseMonDData(`[${report("node1.example.com", 0.5)},${report("node2.example.com", 3)}]`);
  assert.ok(m.ok);
  const r = applyMonD(prep.value.data, collectorsFor(false, false), fileSource(m.value));
  assert.ok(r.complete);
  assert.deepEqual(r.data.nodes.map((n) => n!.utilLoad.cpu), [0.5, 3]);
  const n2 = prep.value.data.nodes[1]!;
  assert.equal(r.data.instances[0]!.util.cpu, (3 / n2.uCpu) * 2); // the node's load per used cpu × 2 vcpus
  const partial = parseMonDData(`[${report("node1.example.com", 0.5)}]`);
  assert.ok(partial.ok);
  const r2 = applyMonD(prep.value.data, collectorsFor(false, false), fileSource(partial.value));
  assert.equal(r2.complete, false);
  assert.deepEqual(r2.warnings, ["Didn't receive an answer by all MonDs, cpu-avg-load's data will be ignored."]);
  assert.deepEqual(parseMonDData("x"), { ok: false, error: "Parsing MonD's answer: Invalid JSON: a JSON text a serialized object or array at the top level." });
});
