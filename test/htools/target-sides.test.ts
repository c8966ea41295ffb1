// The target-sides cache (src/htools/target-sides.ts): codes by node, slot and peer
// value, entries freed and reused when a node changes, rows that grow.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as C from "../../src/htools/container.js";
import * as N from "../../src/htools/node.js";
import { NMETRICS } from "../../src/htools/metrics.js";
import { parseData } from "../../src/htools/text.js";
import { prepareCluster } from "../../src/htools/loader.js";
import { FIRST, INFEASIBLE_SIDE, NOT_COMPUTED, TargetSides } from "../../src/htools/target-sides.js";
import { unevenCluster } from "./gen.js";

function nodes(size = 10): N.Node[] {
  const p = parseData(unevenCluster(size));
  assert.ok(p.ok);
  const c = prepareCluster(p.value);
  assert.ok(c.ok);
  return C.elems(c.value.data.nodes);
}

const values = (v: number): number[] => Array.from({ length: NMETRICS }, (_, m) => v + m);

test("target sides: kept per node object, freed and reused when the node changes", () => {
  const nl = nodes();
  const ts = new TargetSides();
  const [a, b] = [nl[0]!, nl[1]!];
  ts.at(0, a);
  assert.equal(ts.get(0, 3, 0), NOT_COMPUTED);
  const e1 = ts.add(values(1), 5, 0);
  ts.put(0, 3, 0, e1);
  ts.put(0, 4, 0, INFEASIBLE_SIDE);
  const e2 = ts.add(values(2), 6, 1);
  ts.put(0, 3, 250, e2); // a peer-map value
  ts.at(1, b);
  const e3 = ts.add(values(3), 7, 0);
  ts.put(1, 200, 0, e3); // beyond the row's slots: rows grow, codes kept
  assert.equal(ts.get(0, 3, 0), e1);
  assert.equal(ts.get(0, 4, 0), INFEASIBLE_SIDE);
  assert.equal(ts.get(0, 3, 250), e2);
  assert.equal(ts.get(1, 200, 0), e3);
  assert.deepEqual(Array.from(ts.values(e3)), values(3));
  assert.equal(ts.mask[e2 - FIRST], 6);
  assert.equal(ts.same[e2 - FIRST], 1);
  assert.equal(ts.live, 3);
  // the same node again: nothing dropped; another node object at index 0: its row empty
  ts.at(0, a);
  assert.equal(ts.get(0, 3, 0), e1);
  const a2 = N.setOffline(a, false); // a copy: a changed node
  ts.at(0, a2);
  assert.equal(ts.get(0, 3, 0), NOT_COMPUTED);
  assert.equal(ts.get(0, 4, 0), NOT_COMPUTED);
  assert.equal(ts.get(0, 3, 250), NOT_COMPUTED);
  assert.equal(ts.live, 1);
  // freed entries are reused before the arena grows
  const e4 = ts.add(values(4), 0, 0);
  assert.ok([e1, e2].includes(e4));
  assert.deepEqual(Array.from(ts.values(e4)), values(4));
  assert.deepEqual(Array.from(ts.values(e3)), values(3));
  ts.clear();
  assert.equal(ts.live, 0);
  ts.at(1, b);
  assert.equal(ts.get(1, 200, 0), NOT_COMPUTED);
});

test("target sides: the arena grows past its first capacity", () => {
  const nl = nodes();
  const ts = new TargetSides();
  ts.at(2, nl[2]!);
  const codes: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const code = ts.add(values(i), i & 0xff, 0);
    ts.put(2, i, 0, code);
    codes.push(code);
  }
  for (let i = 0; i < 3000; i += 499) {
    assert.equal(ts.get(2, i, 0), codes[i]);
    assert.equal(ts.values(codes[i]!)[NMETRICS - 1], i + NMETRICS - 1);
    assert.equal(ts.mask[codes[i]! - FIRST], i & 0xff);
  }
});

test("target sides: peer-map values as N.peerMap.find gives them, long maps included", () => {
  const ts = new TargetSides();
  const nl = nodes(100);
  assert.ok(nl.some((n) => n.peers.length > 8), "no long peer map");
  for (const n of nl) {
    ts.at(n.idx, n);
    for (let k = -1; k < 110; k++) assert.equal(ts.peerValue(n.idx, n, k), N.peerMap.find(k, n.peers));
  }
});
