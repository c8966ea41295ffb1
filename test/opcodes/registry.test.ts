import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Value } from "@sinclair/typebox/value";
import type { TSchema } from "@sinclair/typebox";
import { ErrorCode, OpCodeUnknown, OpPrereqError } from "../../src/errors.js";
import {
  OPCODES, OP_IDS, describeFields, getOpDef, validateOpcode, type Opcode, type OpNodeSetParams,
  type OpTagsGet, type OpTestDelay,
} from "../../src/opcodes/index.js";
import { GANETI_CLASSES, MINIMAL, classToOpId } from "./fixtures.js";

function rejects(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof OpPrereqError, `expected OpPrereqError, got ${String(e)}`);
    assert.equal(e.code, ErrorCode.inval);
    assert.match(e.message, pattern);
    return true;
  });
}

const withId = (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ OP_ID: id, ...MINIMAL[id], ...extra });

test("the table holds exactly Ganeti 3.0's 76 opcodes", () => {
  const expected = GANETI_CLASSES.map(classToOpId);
  assert.equal(OP_IDS.length, 76);
  assert.deepEqual([...OP_IDS].sort(), [...expected].sort());
  assert.deepEqual(Object.keys(MINIMAL).sort(), [...expected].sort());
  for (const cls of GANETI_CLASSES) assert.equal(getOpDef(classToOpId(cls)).className, cls);
  assert.equal(getOpDef("OP_TEST_DUMMY").lu, undefined, "OP_TEST_DUMMY has no logical unit");
  assert.equal(getOpDef("OP_NODE_ADD").lu, "LUNodeAdd");
});

// Ganeti's own test suite names opcode classes in its Python tests; every one it uses
// must exist here too.
test("every opcode class named in Ganeti's test suite exists", (t) => {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
  const dir = join(root, ".cache/ganeti-testsuite/usr/share/ganeti/testsuite/test/py");
  if (!existsSync(dir)) {
    if (process.env["CI"] === "true") assert.fail(`${dir} missing: run scripts/install-system-deps.sh`);
    t.skip(`SKIPPED: ${dir} missing (run scripts/install-system-deps.sh)`);
    return;
  }
  const seen = new Set<string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".py")) {
        for (const m of readFileSync(p, "utf8").matchAll(/opcodes\.(Op[A-Z][A-Za-z]+)\b/g)) seen.add(m[1] ?? "");
      }
    }
  };
  walk(dir);
  const known = new Set(Object.values(OPCODES).map((d) => d.className));
  // Base classes and helpers of Ganeti's opcode module that are not opcodes.
  const notOpcodes = new Set(["OpCode", "OpInstanceMultiAllocBase"]);
  const missing = [...seen].filter((c) => !known.has(c) && !notOpcodes.has(c));
  assert.ok(seen.size >= 60, `only ${seen.size} classes found in the test suite`);
  assert.deepEqual(missing, []);
});

test("every opcode validates its minimal input, and every required field is needed", () => {
  for (const id of OP_IDS) {
    const out = validateOpcode(withId(id));
    assert.equal(out.OP_ID, id);
    const required = describeFields(id).filter((f) => !f.optional).map((f) => f.name).sort();
    assert.deepEqual(required, Object.keys(MINIMAL[id] ?? {}).sort(), `${id}: required fields`);
    for (const field of required) {
      const input = withId(id);
      delete input[field];
      rejects(() => validateOpcode(input), new RegExp(`^Parameter '${id}\\.${field}' fails validation$`));
    }
  }
});

// For each field, a JSON value of the wrong type: the first candidate its schema refuses.
const WRONG: readonly unknown[] = [{ nested: { x: 1 } }, 12.5, "text", true, [1, "a"], -3];

test("a value of the wrong type is refused, naming the opcode and field", () => {
  let checked = 0;
  for (const id of OP_IDS) {
    const props = getOpDef(id).schema.properties as Record<string, TSchema>;
    for (const [field, schema] of Object.entries(props)) {
      const bad = WRONG.find((v) => !Value.Check(schema, v));
      if (bad === undefined) continue; // fields that accept any JSON value
      rejects(() => validateOpcode(withId(id, { [field]: bad })),
        new RegExp(`^Parameter '${id}\\.${field}' fails validation$`));
      checked++;
    }
  }
  assert.ok(checked > 700, `only ${checked} fields checked`);
});

test("unknown fields are refused the way Ganeti refuses them", () => {
  for (const id of OP_IDS) {
    const cls = getOpDef(id).className;
    rejects(() => validateOpcode(withId(id, { no_such_field: 1 })),
      new RegExp(`^Object ${cls} doesn't support the parameter 'no_such_field'$`));
  }
});

test("unknown, missing or non-string OP_ID and non-object input", () => {
  assert.throws(() => validateOpcode({ OP_ID: "OP_NODE_MODIFY" }),
    (e: unknown) => e instanceof OpCodeUnknown && e.message === "OP_NODE_MODIFY");
  assert.throws(() => validateOpcode({ OP_ID: "toString" }), OpCodeUnknown);
  assert.throws(() => validateOpcode({ OP_ID: 3 }), OpCodeUnknown);
  rejects(() => validateOpcode({ node_name: "x" }), /missing OP_ID/);
  rejects(() => validateOpcode([]), /Invalid data to LoadOpCode \(list\)/);
  rejects(() => validateOpcode(null), /NoneType/);
  rejects(() => validateOpcode("OP_CLUSTER_QUERY"), /\(str\)/);
});

test("defaults are filled in, Ganeti's values", () => {
  const d = (id: string): Opcode => validateOpcode(withId(id));
  assert.deepEqual(d("OP_CLUSTER_RENAME"),
    { OP_ID: "OP_CLUSTER_RENAME", name: "cluster.example.com", priority: 0, reason: [] });
  assert.deepEqual(d("OP_TEST_DELAY"), {
    OP_ID: "OP_TEST_DELAY", duration: 10, on_master: true, on_nodes: [], repeat: 0,
    interruptible: false, no_locks: true, priority: 0, reason: [],
  });
  const sd = d("OP_INSTANCE_SHUTDOWN");
  assert.equal(sd["timeout"], 120);
  assert.equal(sd["no_remember"], false);
  assert.equal("admin_state_source" in sd, false, "optional fields stay absent");
  const oob = d("OP_OOB_COMMAND");
  assert.equal(oob["timeout"], 60);
  assert.equal(oob["power_delay"], 2);
  assert.deepEqual(oob["node_names"], []);
  const exp = d("OP_BACKUP_EXPORT");
  assert.equal(exp["mode"], "local");
  assert.equal(exp["compress"], "none");
  assert.equal(exp["shutdown"], true);
  const mig = d("OP_INSTANCE_MIGRATE");
  assert.equal(mig["allow_runtime_changes"], true);
  assert.equal(mig["cleanup"], false);
  assert.equal(d("OP_INSTANCE_ACTIVATE_DISKS")["wait_for_sync"], false);
  assert.equal(d("OP_INSTANCE_CREATE")["wait_for_sync"], true);
  assert.equal(d("OP_INSTANCE_CREATE")["conflicts_check"], true);
  assert.equal(d("OP_CLUSTER_VERIFY_DISKS")["is_strict"], true);
  assert.equal(d("OP_NETWORK_CONNECT")["network_vlan"], "");
  assert.deepEqual(d("OP_TEST_ALLOCATOR")["spindle_use"], 1);
  // Every defaulted field is present after validation.
  for (const id of OP_IDS) {
    const out = d(id);
    for (const f of describeFields(id)) if ("default" in f) assert.ok(f.name in out, `${id}.${f.name}`);
  }
});

test("null means 'not given' for optional and defaulted fields", () => {
  const out = validateOpcode(withId("OP_NODE_SET_PARAMS", { drained: null, force: null, comment: null }));
  assert.equal("drained" in out, false);
  assert.equal(out["force"], false);
  assert.equal("comment" in out, false);
  rejects(() => validateOpcode({ OP_ID: "OP_NODE_SET_PARAMS", node_name: null }), /node_name/);
});

test("the input is never mutated and the result shares nothing with it", () => {
  const input = withId("OP_INSTANCE_CREATE", { disks: [{ size: 1024 }], tags: ["a"] });
  const frozen = structuredClone(input);
  const deepFreeze = (o: unknown): void => {
    if (typeof o === "object" && o !== null) { Object.freeze(o); Object.values(o).forEach(deepFreeze); }
  };
  deepFreeze(input);
  const out = validateOpcode(input);
  assert.deepEqual(input, frozen);
  assert.notEqual(out, input);
  assert.notEqual(out["disks"], input["disks"]);
  (out["tags"] as string[]).push("b");
  assert.deepEqual(input["tags"], ["a"]);
});

test("common parameters: priority, depends, reason", () => {
  const ok = validateOpcode(withId("OP_CLUSTER_QUERY", {
    priority: -10, dry_run: true, debug_level: 2, comment: "why",
    depends: [[-1, ["success"]], [12, ["success", "error"]], ["13", []]],
    reason: [["gnt:client:gnt-cluster", "maintenance", 1700000000000000000]],
  }));
  assert.equal(ok["priority"], -10);
  rejects(() => validateOpcode(withId("OP_CLUSTER_QUERY", { priority: 5 })), /OP_CLUSTER_QUERY\.priority/);
  rejects(() => validateOpcode(withId("OP_CLUSTER_QUERY", { priority: -20 })), /priority/);
  rejects(() => validateOpcode(withId("OP_CLUSTER_QUERY", { depends: [[1, ["running"]]] })), /depends/);
  rejects(() => validateOpcode(withId("OP_CLUSTER_QUERY", { debug_level: -1 })), /debug_level/);
});

test("structured fields: disks, nics, modifications, recreate, multi-alloc", () => {
  rejects(() => validateOpcode(withId("OP_INSTANCE_CREATE", { nics: [{ colour: "red" }] })), /\.nics'/);
  rejects(() => validateOpcode(withId("OP_INSTANCE_GROW_DISK", { disk: 16 })), /\.disk'/);
  validateOpcode(withId("OP_INSTANCE_SET_PARAMS", { nics: [["add", { mac: "aa:00:00:00:00:01" }]] }));
  validateOpcode(withId("OP_INSTANCE_SET_PARAMS", { disks: [["modify", -1, { mode: "ro" }]] }));
  validateOpcode(withId("OP_INSTANCE_SET_PARAMS", { disks: [[0, { size: 2048 }]] }));
  rejects(() => validateOpcode(withId("OP_INSTANCE_SET_PARAMS", { disks: [["grow", 0, {}]] })), /\.disks'/);
  validateOpcode(withId("OP_INSTANCE_RECREATE_DISKS", { disks: [0, 2] }));
  validateOpcode(withId("OP_INSTANCE_RECREATE_DISKS", { disks: [[1, { size: 10 }]] }));
  validateOpcode(withId("OP_BACKUP_EXPORT", { mode: "remote", target_node: [["x", 1]] }));
  rejects(() => validateOpcode(withId("OP_NETWORK_ADD", { network: "10.0.0.0" })), /\.network'/);
  const create = withId("OP_INSTANCE_CREATE");
  const multi = validateOpcode(withId("OP_INSTANCE_MULTI_ALLOC", { instances: [create, create] }));
  assert.equal((multi["instances"] as Opcode[])[0]?.["start"], true, "nested opcodes are completed");
  rejects(() => validateOpcode(withId("OP_INSTANCE_MULTI_ALLOC", { instances: [{ OP_ID: "OP_INSTANCE_CREATE" }] })),
    /OP_INSTANCE_CREATE\.instance_name/);
  rejects(() => validateOpcode(withId("OP_INSTANCE_MULTI_ALLOC", { instances: [withId("OP_CLUSTER_QUERY")] })),
    /OP_INSTANCE_MULTI_ALLOC\.instances/);
});

test("typed aliases follow the schemas (checked by the compiler)", () => {
  const op = validateOpcode({ OP_ID: "OP_NODE_SET_PARAMS", node_name: "n1", drained: true }) as OpNodeSetParams;
  const id: "OP_NODE_SET_PARAMS" = op.OP_ID;
  const force: boolean = op.force;
  const drained: boolean | undefined = op.drained;
  const prio: -10 | 0 | 10 = op.priority;
  const delay = validateOpcode({ OP_ID: "OP_TEST_DELAY", duration: 1 }) as OpTestDelay;
  const nodes: string[] = delay.on_nodes;
  const tags = validateOpcode({ OP_ID: "OP_TAGS_GET", kind: "node" }) as OpTagsGet;
  const kind: "instance" | "node" | "nodegroup" | "cluster" | "network" = tags.kind;
  assert.deepEqual([id, force, drained, prio, nodes, kind], ["OP_NODE_SET_PARAMS", false, true, 0, [], "node"]);
});
