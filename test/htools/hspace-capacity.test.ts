// The counted global N+1 verdicts (src/htools/capacity-quick.ts) must be Ganeti's
// canEvacuateNode answers whenever they give one (copy counts, and for mixed sizes the
// bounds on what earlier placements can take and on what the nodes can hold): checked on every node of simulated
// clusters filled step by step with instances of mixed shapes, up to and past full.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as C from "../../src/htools/container.js";
import { type AllocOptions, DEFAULT_ALLOC_OPTIONS, type N1Pred, elementInstances, elementNodes, genAllocNodes, tryAlloc } from "../../src/htools/alloc.js";
import { allocGlobalN1, canEvacuateNode, stuckAfter } from "../../src/htools/capacity.js";
import { QuickEvac } from "../../src/htools/capacity-quick.js";
import { type IterCtx, instFromSpec, iterateAlloc } from "../../src/htools/hspace-alloc.js";
import { prepareCluster } from "../../src/htools/loader.js";
import { parseSimu } from "../../src/htools/simu.js";
import type { DiskTemplate } from "../../src/htools/types.js";
import * as I from "../../src/htools/instance.js";
import type { Instance } from "../../src/htools/instance.js";
import type { Node } from "../../src/htools/node.js";
import { move } from "../../src/htools/cluster.js";

type Shape = { cpu: number; mem: number; dsk: number; spn: number };

/** A simulated cluster filled one instance at a time (shape `stride`·step of `shapes`):
 * the cluster after each allocation that found a place. */
function* filled(spec: string, dt: DiskTemplate, shapes: readonly Shape[], stride: number, opts: AllocOptions):
  Generator<{ step: number; nl: C.Container<Node>; il: C.Container<Instance> }> {
  const s = parseSimu([spec]);
  assert.ok(s.ok);
  const r = prepareCluster(s.value);
  assert.ok(r.ok);
  let nl = r.value.data.nodes;
  let il = r.value.data.instances;
  const targets = genAllocNodes(opts, r.value.data.groups, nl, dt === "drbd" ? 2 : 1, true);
  assert.ok(targets.ok);
  for (let step = 0; step < 200; step++) {
    const inst = instFromSpec(shapes[(step * stride) % shapes.length]!, dt, 1);
    const sol = tryAlloc(opts, nl, il, inst, targets.value, null);
    assert.ok(sol.ok);
    const el = sol.value.solution;
    if (el === null) continue;
    nl = elementNodes(el, il);
    il = elementInstances(el, il);
    yield { step, nl, il };
  }
}

test("counted N+1 verdicts equal canEvacuateNode's answers", () => {
  const opts = { ...DEFAULT_ALLOC_OPTIONS, capacity: false };
  const shapes = [
    { cpu: 2, mem: 16384, dsk: 102400, spn: 1 },
    { cpu: 8, mem: 65536, dsk: 512000, spn: 1 },
    { cpu: 1, mem: 4096, dsk: 1024000, spn: 1 },
    { cpu: 4, mem: 32704, dsk: 1024, spn: 1 },
  ];
  let decided = 0;
  const seen = new Set<boolean>();
  let compared = 0;
  for (const [spec, dt] of [["p,6,4T,256g,32", "plain"], ["p,9,1T,128g,16", "file"], ["p,7,2T,96g,16", "plain"]] as const) {
    for (const { step, nl, il } of filled(spec, dt, shapes, 7, opts)) {
      const q = QuickEvac.of(nl, il);
      for (const n of C.elems(nl)) {
        const v = q.verdict(n);
        if (step % 3 !== 0 && v === null) continue;
        const exact = canEvacuateNode(nl, il, n);
        compared++;
        if (v !== null) {
          decided++;
          seen.add(v);
          assert.equal(v, exact, `${spec} step ${step} node ${n.name}`);
        }
      }
    }
  }
  assert.equal(seen.size, 2, "both verdicts given");
  // 1,091 of 1,403 verdicts given (784 with the copy counts alone, before the mixed-size rules)
  assert.ok(decided > 900, `only ${decided} verdicts given (${compared} compared)`);
});

type St = { nl: C.Container<Node>; il: C.Container<Instance> };

/** A simulated cluster with one tier (32 GiB memory, 500 GiB disk) allocated with capacity
 * checks, as tiered hspace leaves it before it shrinks. */
function afterOneTier(spec: string): { st: St; opts: AllocOptions; n1: N1Pred; tier: Instance } {
  const s = parseSimu([spec]);
  assert.ok(s.ok);
  const r = prepareCluster(s.value);
  assert.ok(r.ok);
  const opts = { ...DEFAULT_ALLOC_OPTIONS, capacity: true };
  const targets = genAllocNodes(opts, r.value.data.groups, r.value.data.nodes, 1, true);
  assert.ok(targets.ok);
  const n1 = allocGlobalN1(opts);
  const ctx: IterCtx = { opts, targets: targets.value, n1 };
  const tier = instFromSpec({ cpu: 8, mem: 32768, dsk: 512000, spn: 1 }, "plain", 1);
  const res = iterateAlloc(ctx, { failures: [], nl: r.value.data.nodes, il: r.value.data.instances, ixes: [] }, null, tier);
  assert.ok(res.ok);
  assert.ok(res.value.ixes.length > 0, `${spec}: nothing allocated`);
  return { st: { nl: res.value.nl, il: res.value.il }, opts, n1, tier };
}

/** The cluster with one more `shape` on the best-scored of `nodes` (with `n1`: among those
 * keeping it N+1 redundant), or null. */
function placeOne(opts: AllocOptions, st: St, shape: Instance, nodes: readonly number[], n1: N1Pred | null): St | null {
  const inst = I.copyInstance(shape);
  inst.name = inst.alias = `x-${C.size(st.il)}`;
  inst.idx = C.size(st.il);
  const sol = tryAlloc({ ...opts, capacity: n1 !== null }, st.nl, st.il, inst, { kind: "single", nodes }, n1);
  assert.ok(sol.ok);
  const el = sol.value.solution;
  return el === null ? null : { nl: elementNodes(el, st.il), il: elementInstances(el, st.il) };
}

test("two shapes (tiered allocation's): counted verdicts equal canEvacuateNode's answers", () => {
  // A tiered run with capacity checks leaves nodes holding a tier and the next one (memory
  // one unit smaller, disk shrunk). Here: one tier allocated with capacity checks, then the
  // next one placed with them one instance at a time; at every step, the cluster and its
  // variants with one more instance on any node (the next allocation's N+1 checks) are
  // asked about every node.
  let twoShapeEvacuable = 0;
  let compared = 0;
  for (const spec of ["p,20,4T,256g,32", "p,14,2T,128g,16"]) {
    const { st: one, opts, n1 } = afterOneTier(spec);
    const next = instFromSpec({ cpu: 8, mem: 32704, dsk: 230656, spn: 1 }, "plain", 1);
    const place = (nl: C.Container<Node>, il: C.Container<Instance>, nodes: readonly number[], checked: boolean) =>
      placeOne(opts, { nl, il }, next, nodes, checked ? n1 : null);
    let st: St | null = one;
    while (st !== null) {
      const cur: St = st;
      const variants = [cur, ...C.elems(cur.nl).map((pn) => place(cur.nl, cur.il, [pn.idx], false)).filter((v) => v !== null)];
      for (const { nl, il } of variants) {
        const q = QuickEvac.of(nl, il);
        for (const n of C.elems(nl)) {
          const v = q.verdict(n);
          if (v === null) continue;
          compared++;
          assert.equal(v, canEvacuateNode(nl, il, n), `${spec} node ${n.name}`);
          if (v && new Set(n.pList.map((k) => C.find(il, k).mem)).size === 2) twoShapeEvacuable++;
        }
      }
      st = place(cur.nl, cur.il, C.elems(cur.nl).map((n) => n.idx), true);
    }
  }
  // 2,485 such verdicts; 845 without the two-shape rule (the others decided no verdict)
  assert.ok(twoShapeEvacuable > 2000, `only ${twoShapeEvacuable} two-shape nodes found evacuable (${compared} compared)`);
});

test("a node stuck for a shape stays not evacuable whatever placements of that shape follow", () => {
  // iterateAlloc ends an unchecked run once a placement leaves such a node (stuckAfter):
  // checked here against canEvacuateNode along runs onto any node and onto the stuck node.
  const { st: one, opts, tier } = afterOneTier("p,16,4T,256g,32");
  const place = (st: St, shape: Instance, nodes: readonly number[]): St | null => placeOne(opts, st, shape, nodes, null);
  const small = instFromSpec({ cpu: 2, mem: 16384, dsk: 102400, spn: 1 }, "plain", 1);
  let claims = 0;
  let followed = 0;
  for (const shape of [tier, instFromSpec({ cpu: 8, mem: 32704, dsk: 230656, spn: 1 }, "plain", 1), small]) {
    // states along an unchecked run of the shape from the tier's cluster
    let st: St | null = one;
    for (let step = 0; step < 12 && st !== null; step++) {
      const cur: St = st;
      const q = QuickEvac.of(cur.nl, cur.il);
      for (const n of C.elems(cur.nl)) {
        if (!q.stuckFor(n, shape)) continue;
        claims++;
        assert.notEqual(shape, small, "a smaller shape could lower the node's smallest instance");
        assert.equal(stuckAfter(opts, cur.nl, cur.il, [n], shape), true);
        for (const onto of [C.elems(cur.nl).map((m) => m.idx), [n.idx]]) {
          let next: St | null = cur;
          for (let k = 0; k < 6 && next !== null; k++) {
            assert.equal(canEvacuateNode(next.nl, next.il, C.find(next.nl, n.idx)), false, `${n.name} step ${step}+${k}`);
            followed++;
            next = place(next, shape, onto);
          }
        }
      }
      st = place(cur, shape, C.elems(cur.nl).map((m) => m.idx));
    }
  }
  // 115 claims, 589 clusters checked after them
  assert.ok(claims > 50 && followed > 3 * claims, `claims ${claims}, followed ${followed}`);
});

/** canEvacuateNode's DRBD part as Ganeti writes it: each failover on the whole cluster. */
function evacuatesByFailovers(nl: C.Container<Node>, il: C.Container<Instance>, n: Node): boolean {
  let st = { nl, il };
  for (const k of n.pList) {
    const r = move(st.nl, st.il, k, { kind: "Failover" });
    if (!r.ok) return false;
    st = r.value;
  }
  return true;
}

test("drbd nodes: the failovers run on the touched nodes alone, with the whole cluster's answers", () => {
  // soft errors ignored: instances beyond the secondaries' N+1 reserve, so some failovers fail
  const opts = { ...DEFAULT_ALLOC_OPTIONS, capacity: false, ignoreSoftErrors: true };
  // memory-heavy, so that memory (which a failover needs on the secondary) runs out first
  const shapes = [
    { cpu: 2, mem: 16384, dsk: 10240, spn: 1 },
    { cpu: 8, mem: 65536, dsk: 20480, spn: 1 },
    { cpu: 4, mem: 32704, dsk: 1024, spn: 1 },
  ];
  const seen = new Set<boolean>();
  let compared = 0;
  for (const spec of ["p,6,2T,256g,32", "p,9,1T,128g,16"]) {
    for (const { step, nl, il } of filled(spec, "drbd", shapes, 5, opts)) {
      for (const n of C.elems(nl)) {
        const exact = evacuatesByFailovers(nl, il, n);
        assert.equal(canEvacuateNode(nl, il, n), exact, `${spec} step ${step} node ${n.name}`);
        seen.add(exact);
        compared++;
      }
    }
  }
  assert.equal(seen.size, 2, `both answers seen (${[...seen].join()})`);
  assert.ok(compared > 500, `only ${compared} nodes compared`);
});
