import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import fc from "fast-check";
import { ConfigurationError } from "../../src/errors.js";
import {
  findDanglingReferences, parseConfigData, parseConfigText, serializeConfigData,
} from "../../src/objects/config-data.js";
import { readTestsuiteJson, testsuiteFile } from "./testsuite-data.js";

function roundTrip(name: string): void {
  const original = readTestsuiteJson(name);
  const cfg = parseConfigData(structuredClone(original));
  const text = serializeConfigData(cfg);
  assert.ok(text.endsWith("}\n"));
  const again = parseConfigText(text);
  assert.deepStrictEqual(JSON.parse(serializeConfigData(again)), original);
  assert.deepStrictEqual(again, original);
}

test("Ganeti 2.16 config round-trips without loss", () => {
  roundTrip("cluster_config_2.16.json");
});

test("Ganeti 3.0 config round-trips when the testsuite has one", () => {
  const p = testsuiteFile("cluster_config_3.0.json");
  // ganeti-testsuite 3.0.2 ships configs up to 2.16 only; the 2.16 test above covers the layout.
  if (existsSync(p)) roundTrip("cluster_config_3.0.json");
});

test("2.16 config is referentially consistent", () => {
  const cfg = parseConfigData(readTestsuiteJson("cluster_config_2.16.json"));
  assert.deepEqual(findDanglingReferences(cfg), []);
  assert.equal(Object.keys(cfg.nodes).length, 3);
  assert.equal(cfg.cluster.cluster_name, "cluster.name.example.com");
});

test("older layouts with embedded disks are refused with a clear message", () => {
  const old = readTestsuiteJson("cluster_config_2.10.json");
  assert.throws(() => parseConfigData(old), (e: unknown) =>
    e instanceof ConfigurationError && /Unsupported configuration version 2\.10/.test(e.message));
});

test("bad input names the offending path", () => {
  const good = readTestsuiteJson("cluster_config_2.16.json") as Record<string, unknown>;
  const cases: [unknown, RegExp][] = [
    [null, /config: expected an object, got null/],
    [[], /config: expected an object, got array/],
    [{ ...good, cluster: 3 }, /config\.cluster: expected object, got number/],
    [{ ...good, nodes: { x: { name: "a" } } }, /config\.nodes\[x\]: missing field 'uuid'/],
  ];
  const nodes = good["nodes"] as Record<string, Record<string, unknown>>;
  const [uuid, node] = Object.entries(nodes)[0]!;
  cases.push([{ ...good, nodes: { ...nodes, [uuid]: { ...node, offline: "no" } } },
    /config\.nodes\[[-0-9a-f]+\]\.offline: expected boolean, got string/]);
  cases.push([{ ...good, nodes: { ...nodes, other: node } }, /key does not match its uuid/]);
  for (const [input, re] of cases) {
    assert.throws(() => parseConfigData(input), (e: unknown) => e instanceof ConfigurationError && re.test(e.message));
  }
  assert.throws(() => parseConfigText("{"), ConfigurationError);
});

test("a key named __proto__ inside an unknown value stays a key (fast-check's seed -1430903415 found it)", () => {
  const cfg = readTestsuiteJson("cluster_config_2.16.json") as Record<string, unknown>;
  cfg[" "] = JSON.parse('{"__proto__": false, "a": {"__proto__": {"x": 1}}}') as unknown;
  const out = JSON.parse(serializeConfigData(parseConfigData(structuredClone(cfg)))) as Record<string, unknown>;
  assert.equal(JSON.stringify(out[" "]), '{"__proto__":false,"a":{"__proto__":{"x":1}}}');
});

// Arbitrary JSON-compatible extras anywhere must survive a round trip.
const jsonValue = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);

test("property: unknown keys on every object survive serialize → parse", () => {
  const base = readTestsuiteJson("cluster_config_2.16.json") as Record<string, Record<string, unknown>>;
  fc.assert(fc.property(
    fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== "__proto__"), jsonValue, { maxKeys: 4 }),
    fc.constantFrom("top", "cluster", "node", "instance", "disk", "group"),
    (extras, where) => {
      const cfg = structuredClone(base);
      const target: Record<string, unknown> = where === "top" ? cfg
        : where === "cluster" ? cfg["cluster"]!
        : Object.values(cfg[`${where === "group" ? "nodegroup" : where}s`] as Record<string, Record<string, unknown>>)[0]!;
      for (const [k, v] of Object.entries(extras)) if (!(k in target)) target[k] = v;
      const out = JSON.parse(serializeConfigData(parseConfigData(structuredClone(cfg)))) as unknown;
      assert.deepStrictEqual(out, cfg);
    },
  ), { numRuns: 200 });
});
