import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CLUSTER_FIELDS, GROUP_FIELDS, INSTANCE_FIELDS, JOB_FIELDS, NODE_FIELDS, type FieldDef,
} from "../../src/query/index.js";

// Field tables dumped from Ganeti 3.0.2's lib/query.py (name, title, kind, doc).
const here = dirname(fileURLToPath(import.meta.url));
const ref = JSON.parse(readFileSync(join(here, "../../../test/query/ganeti-reference.json"), "utf8")) as {
  fields: Record<string, [string, string, string, string][]>;
};

function compare(resource: string, table: readonly FieldDef<never, never>[], complete: boolean): void {
  const ours = new Map(table.map((f) => [f.name, f]));
  assert.equal(ours.size, table.length, `${resource}: duplicate field names`);
  const theirs = ref.fields[resource]!;
  let matched = 0;
  for (const [name, title, kind, doc] of theirs) {
    const f = ours.get(name);
    if (f === undefined) {
      if (complete) assert.fail(`${resource}: missing Ganeti field ${name}`);
      continue;
    }
    matched++;
    assert.deepEqual([f.title, f.kind, f.doc], [title, kind, doc], `${resource} field ${name}`);
  }
  const known = new Set(theirs.map((r) => r[0]));
  for (const name of ours.keys()) assert.ok(known.has(name), `${resource}: field ${name} is not Ganeti's`);
  assert.ok(matched > 0);
}

test("node fields match Ganeti's exactly", () => compare("node", NODE_FIELDS as never, true));
test("group fields match Ganeti's exactly", () => compare("group", GROUP_FIELDS as never, true));
test("job fields match Ganeti's exactly", () => compare("job", JOB_FIELDS as never, true));
test("cluster fields match Ganeti's exactly", () => compare("cluster", CLUSTER_FIELDS as never, true));
test("instance fields are a faithful subset of Ganeti's", () => {
  compare("instance", INSTANCE_FIELDS as never, false);
  assert.ok(INSTANCE_FIELDS.length >= 190, `only ${INSTANCE_FIELDS.length} instance fields`);
});
