// Property tests: validation is idempotent and never mutates, for opcodes built from
// random valid values of every field; garbage input only ever yields Ganeti errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Kind, OptionalKind, type TSchema } from "@sinclair/typebox";
import { GanetiError } from "../../src/errors.js";
import { OP_IDS, getOpDef, validateOpcode } from "../../src/opcodes/index.js";
import { MINIMAL } from "./fixtures.js";

type Loose = TSchema & Record<string, unknown>;

// Example strings for the patterned types (IP notation, job ids); the generator keeps
// those its schema's pattern accepts.
const PATTERNED = ["10.0.0.1", "192.0.2.0/24", "fe80::1", "2001:db8::/64", "42", "0"];

/** A fast-check arbitrary producing values a schema accepts. */
function arb(schema: TSchema): fc.Arbitrary<unknown> {
  const s = schema as Loose;
  switch (s[Kind]) {
    case "String": {
      if (typeof s["pattern"] === "string") {
        const re = new RegExp(s["pattern"]);
        return fc.constantFrom(...PATTERNED.filter((x) => re.test(x)));
      }
      return fc.string({ minLength: typeof s["minLength"] === "number" ? s["minLength"] : 0, maxLength: 8 });
    }
    case "Integer":
      return fc.integer({
        min: typeof s["minimum"] === "number" ? s["minimum"] : -1000,
        max: typeof s["maximum"] === "number" ? s["maximum"] : 100000,
      });
    case "Number": return fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
    case "Boolean": return fc.boolean();
    case "Null": return fc.constant(null);
    case "Literal": return fc.constant(s["const"]);
    case "Unknown": return fc.jsonValue({ maxDepth: 2 });
    case "Union": return fc.oneof(...(s["anyOf"] as TSchema[]).map(arb));
    case "Array": return fc.array(arb(s["items"] as TSchema), { maxLength: 3 });
    case "Tuple": return fc.tuple(...((s["items"] as TSchema[] | undefined) ?? []).map(arb));
    case "Record": {
      const v = Object.values(s["patternProperties"] as Record<string, TSchema>)[0];
      return fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), v === undefined ? fc.jsonValue() : arb(v),
        { maxKeys: 3, noNullPrototype: true });
    }
    case "Object": {
      const props = s["properties"] as Record<string, TSchema>;
      return fc.record(Object.fromEntries(Object.entries(props).map(([k, p]) => [k, arb(p)])), { requiredKeys: [] });
    }
    default: throw new Error(`no arbitrary for ${String(s[Kind])}`);
  }
}

/** A valid opcode: the minimal input plus a random subset of the other fields. */
const anyOpcode: fc.Arbitrary<Record<string, unknown>> = fc.constantFrom(...OP_IDS).chain((id) => {
  const props = getOpDef(id).schema.properties as Record<string, TSchema>;
  const extra = Object.fromEntries(Object.entries(props)
    // Multi-alloc's instances are whole opcodes; they are tested separately.
    .filter(([k]) => !(id === "OP_INSTANCE_MULTI_ALLOC" && k === "instances"))
    .map(([k, p]) => [k, arb(p)]));
  const required = Object.entries(props)
    .filter(([, p]) => (p as Loose)[OptionalKind] !== "Optional" && !("default" in p)).map(([k]) => k);
  return fc.record(extra, { requiredKeys: required.filter((k) => k in extra) })
    .map((fields) => ({ OP_ID: id, ...MINIMAL[id], ...fields }));
});

test("validate(validate(x)) equals validate(x), and x is left untouched", () => {
  // Opcodes arrive as JSON, so the generated value goes through JSON first (this also
  // turns fast-check's null-prototype objects into plain ones).
  fc.assert(fc.property(anyOpcode, (generated) => {
    const input = JSON.parse(JSON.stringify(generated)) as unknown;
    const before = structuredClone(input);
    const once = validateOpcode(input);
    assert.deepEqual(input, before);
    assert.deepEqual(validateOpcode(once), once);
  }), { numRuns: 2000 });
});

test("garbage input only ever raises Ganeti errors", () => {
  const garbage = fc.oneof(
    fc.anything(),
    fc.constantFrom(...OP_IDS).chain((id) =>
      fc.dictionary(fc.constantFrom(...Object.keys(getOpDef(id).schema.properties), "bogus"),
        fc.jsonValue({ maxDepth: 2 }), { noNullPrototype: true }).map((d) => ({ ...d, OP_ID: id }))),
  );
  fc.assert(fc.property(garbage, (input) => {
    try {
      validateOpcode(input);
    } catch (e) {
      assert.ok(e instanceof GanetiError, `non-Ganeti error: ${String(e)}`);
    }
  }), { numRuns: 3000 });
});
