// The target-sides cache (src/htools/target-sides.ts): sides by node, slot and peer
// value, dropped when a node changes, fixed places in node order, arenas that grow.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as C from "../../src/htools/container.js";
import * as N from "../../src/htools/node.js";
import { NMETRICS } from "../../src/htools/metrics.js";
import { parseData } from "../../src/htools/text.js";
import { prepareCluster } from "../../src/htools/loader.js";
import { FIRST, INFEASIBLE_SIDE, NOT_COMPUTED, OTHER_FIRST, TargetSides } from "../../src/htools/target-sides.js";
import { unevenCluster } from "./gen.js";

function nodes(size = 10): N.Node[] {
  const p = parseData(unevenCluster(size));
  assert.ok(p.ok);
  const c = prepareCluster(p.value);
  assert.ok(c.ok);
  return C.elems(c.value.data.nodes);
}

const values = (v: number): number[] => Array.from({ length: NMETRICS }, (_, m) => v + m);

/** The components of a target before the move, stored beside its side (distinct from values). */
const old = (v: number): number[] => values(v).map((u) => -u - 0.5);

const stored = (ts: TargetSides, code: number): { y: number[]; x: number[]; mask: number; same: number } => {
  const a = ts.arenaOf(code);
  const e = ts.arenaIndex(code);
  const x = Array.from(a.xs.subarray(e * NMETRICS, (e + 1) * NMETRICS));
  return { y: Array.from(ts.values(code)), x, mask: a.mask[e]!, same: a.same[e]! };
};

test("target sides: kept per node object, freed when the node changes", () => {
  const nl = nodes();
  const ts = new TargetSides();
  const [a, b] = [nl[0]!, nl[1]!];
  ts.at(0, a);
  assert.equal(ts.get(0, 3, 0), NOT_COMPUTED);
  const e1 = ts.store(0, 3, 0, values(1), old(1), 5, 0);
  ts.putInfeasible(0, 4, 0);
  const e2 = ts.store(0, 3, 250, values(2), old(2), 6, 1); // a peer-map value
  ts.at(1, b);
  const e3 = ts.store(1, 200, 0, values(3), old(3), 7, 0); // beyond the slots: they grow
  assert.ok(e2 >= OTHER_FIRST && e1 >= FIRST && e1 < OTHER_FIRST);
  assert.deepEqual(stored(ts, ts.get(0, 3, 0)), { y: values(1), x: old(1), mask: 5, same: 0 });
  assert.equal(ts.get(0, 4, 0), INFEASIBLE_SIDE);
  assert.equal(ts.get(0, 3, 250), e2);
  assert.deepEqual(stored(ts, e2), { y: values(2), x: old(2), mask: 6, same: 1 });
  assert.deepEqual(stored(ts, ts.get(1, 200, 0)), { y: values(3), x: old(3), mask: 7, same: 0 });
  assert.equal(ts.get(1, 199, 0), NOT_COMPUTED);
  assert.equal(ts.live, 3);
  // the same node again: nothing dropped; another node object at index 0: its sides gone
  ts.at(0, a);
  assert.deepEqual(stored(ts, ts.get(0, 3, 0)).y, values(1));
  const a2 = N.setOffline(a, false); // a copy: a changed node
  ts.at(0, a2);
  assert.equal(ts.get(0, 3, 0), NOT_COMPUTED);
  assert.equal(ts.get(0, 4, 0), NOT_COMPUTED);
  assert.equal(ts.get(0, 3, 250), NOT_COMPUTED);
  assert.equal(ts.live, 1);
  // a freed peer entry is reused before its arena grows
  const e4 = ts.store(0, 5, 17, values(4), old(4), 0, 0);
  assert.equal(e4, e2);
  assert.deepEqual(stored(ts, e4).y, values(4));
  assert.deepEqual(stored(ts, ts.get(1, 200, 0)).y, values(3));
  assert.ok(e3 > 0);
  ts.clear();
  assert.equal(ts.live, 0);
  ts.at(1, b);
  assert.equal(ts.get(1, 200, 0), NOT_COMPUTED);
});

test("target sides: one slot's sides lie in node order, and survive the arenas' growth", () => {
  const nl = nodes(100);
  const ts = new TargetSides();
  // nodes and slots asked out of order, so that both dimensions grow in between
  const order = [...nl].reverse();
  for (const n of order) {
    ts.at(n.idx, n);
    for (let slot = 0; slot < 40; slot += 3) {
      const v = 1000 * slot + n.idx;
      ts.store(n.idx, slot, 0, values(v), old(v), slot, n.idx & 1);
    }
    for (let pv = 1; pv < 4; pv++) ts.store(n.idx, 1, 64 * pv, values(-pv - n.idx), old(-pv - n.idx), pv, 0);
  }
  for (let slot = 0; slot < 40; slot += 3) {
    let last = -1;
    for (const n of nl) {
      const code = ts.get(n.idx, slot, 0);
      const v = 1000 * slot + n.idx;
      assert.deepEqual(stored(ts, code), { y: values(v), x: old(v), mask: slot, same: n.idx & 1 });
      // the next node's side is the next entry of the fixed arena
      if (last >= 0) assert.equal(ts.arenaIndex(code), last + 1);
      last = ts.arenaIndex(code);
    }
  }
  for (const n of nl) {
    for (let pv = 1; pv < 4; pv++) {
      const got = stored(ts, ts.get(n.idx, 1, 64 * pv));
      assert.deepEqual([got.y, got.x], [values(-pv - n.idx), old(-pv - n.idx)]);
    }
  }
  assert.equal(ts.live, nl.length * (14 + 3));
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
