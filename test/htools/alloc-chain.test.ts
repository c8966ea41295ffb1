// The chained folds (src/htools/alloc-chain.ts) and SingleScorer.scoreMany must give the
// doubles of the plain left-to-right sums: members linked to later members, members met
// by the unchanged fold and members left open are all checked against them.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as C from "../../src/htools/container.js";
import * as I from "../../src/htools/instance.js";
import * as N from "../../src/htools/node.js";
import { OPEN, chainSums, prefixSums, resolveLinks } from "../../src/htools/alloc-chain.js";
import { SingleScorer } from "../../src/htools/alloc-score.js";
import { instFromSpec } from "../../src/htools/hspace-alloc.js";
import { compCVPatched } from "../../src/htools/metrics.js";
import { prepareCluster } from "../../src/htools/loader.js";
import { parseSimu } from "../../src/htools/simu.js";
import type { Node } from "../../src/htools/node.js";
import { lcg, literal } from "./gen.js";

test("chainSums gives every member the left-to-right sum of its column", () => {
  const rnd = lcg(11);
  // columns of a few repeated values (the members' x among them) with noise rows
  const kinds: ((x: number) => number)[] = [
    (x) => (rnd() < 0.8 ? x : rnd()),
    (x) => (rnd() < 0.5 ? x : x * (1 + rnd() * 1e-9)),
    (x) => (rnd() < 0.7 ? x : (rnd() - 0.5) * 1e3),
    (x) => (rnd() < 0.9 ? x : rnd() < 0.5 ? 0 : -0),
    (x) => (rnd() < 0.95 ? x : rnd() < 0.5 ? Infinity : NaN),
    (x) => (rnd() < 0.6 ? x : 2 ** 53 + Math.floor(rnd() * 8)),
  ];
  let checked = 0;
  let linked = 0;
  let open = 0;
  for (const kind of kinds) {
    for (const len of [1, 3, 50, 400]) {
      for (let t = 0; t < 30; t++) {
        const x = [0.1, 1 / 3, 37 / 3814697, 0, 1e-300, 5][t % 6]!;
        const a = Float64Array.from({ length: len }, () => kind(x));
        const rows: number[] = [];
        for (let k = 0; k < len; k++) if (Object.is(a[k], x) && rnd() < 0.9) rows.push(k + 1);
        if (rows.length === 0) continue;
        const y = [x + 1e-7, x * 0.999, 0.2, -x, x + 2 ** -40, NaN][(t >> 1) % 6]!;
        const s = new Float64Array(len + 1);
        prefixSums(a, s);
        const pos = Int32Array.from(rows);
        const out = new Float64Array(rows.length);
        const link = new Int32Array(rows.length);
        const budget = t % 3 === 0 ? 0 : t % 3 === 1 ? len : 8 * len;
        chainSums(a, s, pos, 0, rows.length, y, out, link, budget, t % 2 === 0 ? 2 : 64);
        for (let i = 0; i < rows.length; i++) {
          if (link[i] === OPEN) {
            out[i] = literal(a, rows[i]!, y);
            open++;
          } else if (link[i]! >= 0) linked++;
        }
        resolveLinks(0, rows.length, out, link);
        for (let i = 0; i < rows.length; i++) {
          const want = literal(a, rows[i]!, y);
          assert.ok(Object.is(out[i], want), `len ${len}, row ${rows[i]}, x ${x}, y ${y}: ${out[i]} != ${want}`);
          checked++;
        }
      }
    }
  }
  assert.ok(checked > 5000 && linked > 1000 && open > 10, `checked ${checked}, linked ${linked}, open ${open}`);
});

test("scoreMany gives compCVPatched's score for alike candidates of a partly filled cluster", () => {
  let checked = 0;
  for (const spec of ["p,300,4T,256g,32", "p,40,1T,64g,8"]) {
    const s = parseSimu([spec]);
    assert.ok(s.ok);
    const r = prepareCluster(s.value);
    assert.ok(r.ok);
    let nl = r.value.data.nodes;
    const shapes = [
      instFromSpec({ cpu: 2, mem: 16384, dsk: 102400, spn: 1 }, "plain", 1),
      instFromSpec({ cpu: 8, mem: 32704, dsk: 230656, spn: 1 }, "plain", 1),
    ];
    const idxs = C.elems(nl).map((n) => n.idx);
    for (let k = 0; k < idxs.length * 2; k += 3) {
      const inst = shapes[k % 2]!;
      const n = C.find(nl, idxs[(k * 37) % idxs.length]!);
      const np = N.addPriEx(true, n, I.setBoth(inst, n.idx, -1));
      if (np.ok) nl = C.add(nl, n.idx, np.value);
      if (k % 7 !== 0) continue;
      const cIdx: number[] = [];
      const cNode: Node[] = [];
      for (const m of C.elems(nl)) {
        const c = N.addPriEx(true, m, I.setBoth(shapes[(k >> 1) % 2]!, m.idx, -1));
        if (!c.ok) continue;
        cIdx.push(m.idx);
        cNode.push(c.value);
      }
      const scorer = new SingleScorer(nl);
      const out = new Float64Array(cIdx.length);
      // every candidate together, and a shuffled subset (rows out of order)
      const all = cIdx.map((_, j) => j);
      const some = all.filter((j) => (j * 7919 + k) % 5 === 0).reverse();
      for (const ks of [all, some]) {
        out.fill(NaN);
        scorer.scoreMany(ks, cIdx, cNode, out);
        for (const j of ks) {
          const want = compCVPatched(nl, [[cIdx[j]!, cNode[j]!]]);
          assert.ok(Object.is(out[j], want), `${spec} step ${k}, node ${cIdx[j]}: ${out[j]} != ${want}`);
          checked++;
        }
      }
      for (const j of some.slice(0, 12)) {
        const want = compCVPatched(nl, [[cIdx[j]!, cNode[j]!]]);
        assert.ok(Object.is(scorer.score(cIdx[j]!, cNode[j]!), want));
      }
      scorer.dispose();
    }
  }
  assert.ok(checked > 8000, `only ${checked} candidates checked`);
});
