// The allocation scorer (src/htools/alloc-score.ts) must give compCVPatched's doubles
// for every single-node candidate: its folds skip stretches of additions, so they are
// checked here against the plain left-to-right sums on adversarial columns.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import * as C from "../../src/htools/container.js";
import * as I from "../../src/htools/instance.js";
import * as N from "../../src/htools/node.js";
import { SingleScorer } from "../../src/htools/alloc-score.js";
import { Fold } from "../../src/htools/exact-fold.js";
import { instFromSpec } from "../../src/htools/hspace-alloc.js";
import { compCVPatched } from "../../src/htools/metrics.js";
import { prepareCluster } from "../../src/htools/loader.js";
import { parseData } from "../../src/htools/text.js";
import { parseSimu } from "../../src/htools/simu.js";
import type { Container } from "../../src/htools/container.js";
import type { Node } from "../../src/htools/node.js";
import { lcg, literal, unevenCluster } from "./gen.js";

const ROOT = resolve(import.meta.dirname, "../../..");
const DATA = join(ROOT, ".cache/ganeti-testsuite/usr/share/ganeti/testsuite/test/data/htools");

test("Fold.replaced equals the left-to-right sum of the changed column", () => {
  const rnd = lcg(7);
  const gens: ((k: number) => number)[] = [
    () => rnd(), // fractions: full mantissas
    () => Math.floor(rnd() * 4), // small integers, zeros
    () => (rnd() < 0.5 ? 0 : rnd() * 1e-3), // zero runs
    () => (rnd() - 0.5) * 10, // signs change, sums cross zero
    () => Math.floor(rnd() * 8) / 8 + 2 ** 40, // large values: ties
    () => (rnd() < 0.9 ? 1 : 1 + 2 ** -52), // near-constant
    (k) => (k % 97 === 0 ? 1e300 : rnd()), // huge values
    () => 0.1, // constant
    () => (rnd() < 0.01 ? NaN : rnd()), // non-finite
  ];
  let checked = 0;
  for (const g of gens) {
    for (const len of [1, 2, 7, 100, 1000]) {
      const a = Float64Array.from({ length: len }, (_, k) => g(k));
      const f = new Fold(a);
      for (let t = 0; t < 200; t++) {
        const pos = 1 + Math.floor(rnd() * len);
        const b = rnd() < 0.3 ? a[Math.floor(rnd() * len)]! : rnd() < 0.5 ? g(pos) : (rnd() - 0.3) * 4;
        const want = literal(a, pos, b);
        const got = f.replaced(pos, b);
        assert.ok(Object.is(got, want), `column kind ${gens.indexOf(g)}, len ${len}, pos ${pos}, b ${b}: ${got} != ${want}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 8000);
});

function load(text: string): Container<Node> {
  const p = parseData(text);
  assert.ok(p.ok, p.ok ? "" : p.error);
  const r = prepareCluster(p.value);
  assert.ok(r.ok, r.ok ? "" : r.error);
  return r.value.data.nodes;
}

/** Every node's primary-allocation candidate for a few instance shapes. */
function checkCluster(nl: Container<Node>): number {
  const scorer = new SingleScorer(nl);
  let checked = 0;
  const specs = [
    { cpu: 1, mem: 1024, dsk: 10240, spn: 1 },
    { cpu: 8, mem: 65536, dsk: 512000, spn: 1 },
  ];
  for (const sp of specs) {
    for (const dt of ["plain", "drbd", "diskless"] as const) {
      const inst = instFromSpec(sp, dt, 1);
      for (const n of C.elems(nl)) {
        const r = N.addPriEx(true, n, I.setBoth(inst, n.idx, -1));
        if (!r.ok) continue;
        const want = compCVPatched(nl, [[n.idx, r.value]]);
        assert.ok(Object.is(scorer.score(n.idx, r.value), want), `${n.name}: ${scorer.score(n.idx, r.value)} != ${want}`);
        checked++;
      }
    }
  }
  return checked;
}

test("SingleScorer gives compCVPatched's score for every single-node candidate", () => {
  let checked = checkCluster(load(unevenCluster(10))) + checkCluster(load(unevenCluster(200)));
  for (const spec of ["p,100,4T,256g,32", "p,7,1T,64g,8"]) {
    const s = parseSimu([spec]);
    assert.ok(s.ok);
    const r = prepareCluster(s.value);
    assert.ok(r.ok);
    // a partly filled simulated cluster: the candidates differ only by rounding
    let nl = r.value.data.nodes;
    const inst = instFromSpec({ cpu: 2, mem: 16384, dsk: 102400, spn: 1 }, "plain", 1);
    const idxs = C.elems(nl).map((n) => n.idx);
    for (let k = 0; k < idxs.length * 3; k += 2) {
      const n = C.find(nl, idxs[(k * 37) % idxs.length]!);
      const np = N.addPriEx(true, n, I.setBoth(inst, n.idx, -1));
      if (np.ok) nl = C.add(nl, n.idx, np.value);
      checked += k % 9 === 0 ? checkCluster(nl) : 0;
    }
  }
  if (existsSync(DATA)) {
    for (const f of readdirSync(DATA).filter((x) => x.endsWith(".data"))) {
      const text = readFileSync(join(DATA, f), "utf8");
      const p = parseData(text);
      if (!p.ok || !prepareCluster(p.value).ok) continue;
      checked += checkCluster(load(text));
    }
  }
  assert.ok(checked > 3000, `only ${checked} candidates checked`);
});
