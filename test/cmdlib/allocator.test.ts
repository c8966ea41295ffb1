import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { allocatePrimary, type AllocNode } from "../../src/cmdlib/allocator.js";

const node = (name: string, memoryFree: number | null, extra: Partial<AllocNode> = {}): AllocNode =>
  ({ uuid: `u-${name}`, name, offline: false, drained: false, vmCapable: true, memoryFree, ...extra });

test("picks the node with the most free memory, ties by name", () => {
  const r = allocatePrimary([node("b", 100), node("a", 300), node("c", 300)], 128);
  assert.ok(r.ok);
  assert.equal(r.node.name, "a");
});

test("never picks offline, drained, non-vm-capable, excluded or unreachable nodes", () => {
  const nodes = [node("a", 900, { offline: true }), node("b", 800, { drained: true }), node("c", 700, { vmCapable: false }),
    node("d", 600), node("e", null), node("f", 100)];
  const r = allocatePrimary(nodes, 50, ["u-d"]);
  assert.ok(r.ok);
  assert.equal(r.node.name, "f");
  const none = allocatePrimary(nodes, 200, ["u-d"]);
  assert.deepEqual(none, { ok: false, reason: "no node has 200 MiB of free memory" });
});

test("property: a chosen node fits and no fitting node has more free memory", () => {
  const arb = fc.array(fc.record({
    name: fc.string({ minLength: 1, maxLength: 4 }), free: fc.option(fc.integer({ min: 0, max: 4096 })),
    offline: fc.boolean(), drained: fc.boolean(),
  }), { maxLength: 12 });
  fc.assert(fc.property(arb, fc.integer({ min: 0, max: 4096 }), (spec, mem) => {
    const nodes = spec.map((s, i) => node(`${s.name}${i}`, s.free, { offline: s.offline, drained: s.drained }));
    const r = allocatePrimary(nodes, mem);
    const fitting = nodes.filter((n) => !n.offline && !n.drained && n.memoryFree !== null && n.memoryFree >= mem);
    if (!r.ok) return fitting.length === 0;
    return (r.node.memoryFree ?? -1) >= mem && fitting.every((n) => (n.memoryFree ?? 0) <= (r.node.memoryFree ?? 0));
  }));
});
