// Unit tests of the pure htools model: text format, score, moves and the greedy
// balancer, checked against figures produced by Ganeti 3.0.2's hbal.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as C from "../../src/htools/container.js";
import {
  DEFAULT_ALGORITHM_OPTIONS, MoveContext, applyMove, makeTable, tryBalance, tryBalanceFull,
} from "../../src/htools/cluster.js";
import type { Instance } from "../../src/htools/instance.js";
import { BOUNDED, FAST_KIND_NAMES, MoveContribs } from "../../src/htools/move-contribs.js";
import { newBoundAcc } from "../../src/htools/bound-acc.js";
import {
  type Envelope, classSlopes, envelopeAdd, envelopeUnion, memberPart, newEnvelope,
} from "../../src/htools/class-bounds.js";
import { Balancer, balance } from "../../src/htools/balancer.js";
import { accsRenewed } from "../../src/htools/balancer-scan.js";
import type { IMove } from "../../src/htools/types.js";
import { prepareCluster } from "../../src/htools/loader.js";
import { ExactScorer } from "../../src/htools/exact-scorer.js";
import { StepScorer } from "../../src/htools/balancer-exact.js";
import { METRICS, compCV, compCVPatched, nodeComponents } from "../../src/htools/metrics.js";
import * as N from "../../src/htools/node.js";
import { ScoreBase } from "../../src/htools/score-bound.js";
import { fixed, generalG } from "../../src/htools/format.js";
import { parseData, serializeCluster, tryRead } from "../../src/htools/text.js";
import { hbalMain } from "../../src/htools-cli/hbal.js";
import { unevenCluster } from "./gen.js";

const ROOT = resolve(import.meta.dirname, "../../..");
const DATA = join(ROOT, ".cache/ganeti-testsuite/usr/share/ganeti/testsuite/test/data/htools");

/** The testsuite's cluster files that load (none when the testsuite is not unpacked). */
function testsuiteClusters(): string[] {
  if (!existsSync(DATA)) return [];
  const out: string[] = [];
  for (const f of readdirSync(DATA).filter((x) => x.endsWith(".data")).sort()) {
    const text = readFileSync(join(DATA, f), "utf8");
    const p = parseData(text);
    if (p.ok && prepareCluster(p.value).ok) out.push(text);
  }
  return out;
}

function load(text: string) {
  const p = parseData(text);
  assert.ok(p.ok, p.ok ? "" : p.error);
  const r = prepareCluster(p.value);
  assert.ok(r.ok, r.ok ? "" : r.error);
  return r.value.data;
}

const EVAC = `group-01|fake-uuid-01|preferred||

node-E|4000|0|2000|6000|3000|32|Y|fake-uuid-01|4
node-1|4000|0|3000|6000|4000|32|N|fake-uuid-01|4
node-2|4000|0|3000|6000|1000|32|N|fake-uuid-01|4
node-3|4000|0|2000|6000|2000|32|N|fake-uuid-01|4

inst-p1|1000|1000|1|running|Y|node-E|node-1|drbd||1
inst-p2|1000|1000|1|running|Y|node-E|node-3|drbd||1
inst-s1|1000|1000|1|running|Y|node-2|node-E|drbd||1
inst-12|1000|1000|1|running|Y|node-1|node-2|drbd||1
inst-32a|1000|1000|1|running|Y|node-3|node-2|drbd||1
inst-32b|1000|1000|1|running|Y|node-3|node-2|drbd||1

`;

test("score and greedy steps equal Ganeti 3.0.2's on hbal-evac.data", () => {
  const cd = load(EVAC);
  const tbl = makeTable(cd.nodes, cd.instances);
  assert.equal(fixed(tbl.score, 8), "46.94539253");
  const steps: string[] = [];
  const fin = balance(DEFAULT_ALGORITHM_OPTIONS, tbl, -1, 1e-9, (_b, a) => {
    const p = a.plc[0]!;
    steps.push(`${C.find(cd.instances, p.inst).name} ${p.move.kind} ${fixed(p.score, 8)}`);
  });
  assert.deepEqual(steps, [
    "inst-p2 ReplacePrimary 26.52581735",
    "inst-p1 ReplacePrimary 11.67920275",
    "inst-32a FailoverAndReplace 4.74115479",
    "inst-s1 ReplaceSecondary 0.26606742",
  ]);
  assert.equal(fin.plc.length, 4);
});

test("generated uneven 10-node cluster: Ganeti 3.0.2's score and first moves", () => {
  const cd = load(unevenCluster(10));
  let tbl = makeTable(cd.nodes, cd.instances);
  assert.equal(fixed(tbl.score, 8), "117.36210625");
  const first: string[] = [];
  for (let k = 0; k < 3; k++) {
    const n = tryBalance(DEFAULT_ALGORITHM_OPTIONS, tbl);
    assert.ok(n !== null);
    const p = n.plc[0]!;
    first.push(`${C.find(cd.instances, p.inst).name} ${fixed(p.score, 8)}`);
    tbl = n;
  }
  // The reference lines below come from `hbal -t` of Ganeti 3.0.2 on the same file.
  assert.deepEqual(first, REF_UNEVEN10_FIRST);
});

// Filled from Ganeti 3.0.2 (see docs/htools.md for the command).
const REF_UNEVEN10_FIRST: string[] = JSON.parse(
  readFileSync(join(ROOT, "test/htools/uneven10.ref.json"), "utf8"),
);

// Balancing skips a candidate when ScoreBase's lower bound is not below the best score;
// that is exact only if the bound never exceeds the full computation.
let fastChecked = 0;
let fastTight = 0;

function checkLowerBounds(text: string): number {
  const cd = load(text);
  const nl = cd.nodes;
  const base = new ScoreBase(nl);
  const scorer = new ExactScorer(nl);
  const step = new StepScorer(nl);
  const many: [Parameters<StepScorer["score"]>[0], number][] = [];
  const kinds = ["ReplaceSecondary", "ReplaceAndFailover", "ReplacePrimary", "FailoverAndReplace", "FailoverToAny"] as const;
  let checked = 0;
  // the fast path's bounds (cached source and target sides, MoveContribs.boundKind)
  const fastMc = [new MoveContribs(false), new MoveContribs(true)];
  for (const inst of C.elems(cd.instances)) {
    const moves: IMove[] = [{ kind: "Failover" }];
    for (const n of C.elems(nl)) for (const kind of kinds) moves.push({ kind, node: n.idx });
    for (const force of [false, true]) {
      for (const mv of moves) {
        if (mv.kind !== "Failover" && (mv.node === inst.pNode || mv.node === inst.sNode)) continue;
        let r;
        try {
          r = applyMove(force, nl, inst, mv);
        } catch {
          continue; // a move needing a secondary on an instance without one
        }
        if (!r.ok) continue;
        const exact = compCVPatched(nl, r.value.nodes);
        assert.equal(scorer.score(r.value.nodes), exact, `${inst.name} ${mv.kind}: column scorer`);
        assert.equal(step.score(r.value.nodes), exact, `${inst.name} ${mv.kind}: step scorer`);
        many.push([r.value.nodes, exact]);
        // side by side in groups of 1 to 4 (the group size cycles)
        if (many.length >= 1 + (checked % 4)) {
          const out = new Float64Array(4);
          step.scoreMany(many.map(([p]) => p), out);
          many.forEach(([, e], j) => assert.equal(out[j], e, `${inst.name} ${mv.kind}: scoreMany lane ${j}`));
          many.length = 0;
        }
        const lb = base.lowerBound(r.value.nodes);
        assert.ok(!(lb > exact), `${inst.name} ${mv.kind}: bound ${lb} above exact ${exact}`);
        const fk = FAST_KIND_NAMES.indexOf(mv.kind);
        const mc = fastMc[force ? 1 : 0]!;
        if (fk >= 0 && mv.kind !== "Failover" && mc.applies(inst)) {
          const ctx = new MoveContext(force, nl, inst);
          const acc = newBoundAcc();
          const fb = mc.boundKind(base, ctx, mc.sources(base, ctx), fk, mv.node, C.find(nl, mv.node), acc);
          if (mc.outcome === BOUNDED) {
            assert.ok(Number.isFinite(fb) && !(fb > exact), `${inst.name} ${mv.kind}: fast bound ${fb}, exact ${exact}`);
            // mostly lowerBound's terms summed in another order (some source sides are
            // looser: peer-map entries taken at their least)
            if (Math.abs(fb - lb) <= 1e-9 * (1 + Math.abs(exact))) fastTight++;
            fastChecked++;
          }
        }
        checked++;
      }
    }
  }
  return checked;
}

test("candidate score lower bounds never exceed the exact score", () => {
  let checked = checkLowerBounds(EVAC) + checkLowerBounds(unevenCluster(10));
  for (const text of testsuiteClusters()) checked += checkLowerBounds(text);
  assert.ok(checked > 10000, `only ${checked} candidates checked`);
  assert.ok(fastChecked > 1000, `only ${fastChecked} fast-path bounds checked`);
  assert.ok(fastTight > 0.9 * fastChecked, `only ${fastTight} of ${fastChecked} fast-path bounds as tight as lowerBound`);
});

// The bounds' error terms assume ScoreBase's sums are the plain ones: each metric summed
// alone in node order (a rewrite of its loops must keep these doubles)
function checkBaseSums(text: string): number {
  const nl = load(text).nodes;
  let checked = 0;
  for (const centred of [false, true]) {
    const center = centred ? new ScoreBase(nl).center.map((c) => c + 0.25) : undefined;
    const base = new ScoreBase(nl, center);
    const nodes = C.elems(nl);
    const nOn = nodes.filter((n) => !n.offline).length;
    METRICS.forEach((metric, m) => {
      let s = 0;
      let a = 0;
      let p = 0;
      for (const n of nodes) {
        if (n.offline === metric.online) continue;
        const x = nodeComponents(n)[m]!;
        s += x;
        a += Math.abs(x);
        p += x * x;
      }
      assert.ok(Object.is(base.s0[m], s) && Object.is(base.a0[m], a) && Object.is(base.p0[m], p), `sums of ${metric.name}`);
      if (metric.agg !== "stddev" || nOn === 0) return;
      const c0 = center !== undefined ? center[m]! : s / nOn;
      let q = 0;
      let d = 0;
      for (const n of nodes) {
        if (n.offline) continue;
        const x = nodeComponents(n)[m]! - c0;
        q += x * x;
        d += x;
      }
      assert.ok(Object.is(base.center[m], c0) && Object.is(base.q0[m], q) && Object.is(base.d0[m], d), `centred sums of ${metric.name}`);
      checked++;
    });
  }
  return checked;
}

test("ScoreBase's sums are each metric's own, in node order", () => {
  let checked = checkBaseSums(EVAC) + checkBaseSums(unevenCluster(10));
  let offline = 0;
  const testsuite = testsuiteClusters();
  for (const text of testsuite) {
    if (C.elems(load(text).nodes).some((n) => n.offline)) offline++;
    checked += checkBaseSums(text);
  }
  if (testsuite.length > 0) assert.ok(offline > 0, "no testsuite file with an offline node");
  assert.ok(checked > 100, `only ${checked} metrics checked`);
});

test("moves are immutable updates", () => {
  const cd = load(EVAC);
  const inst = C.elems(cd.instances).find((i) => i.name === "inst-12")!;
  const before = JSON.stringify(C.find(cd.nodes, inst.pNode).pList);
  const r = applyMove(true, cd.nodes, inst, { kind: "Failover" });
  assert.ok(r.ok);
  assert.equal(JSON.stringify(C.find(cd.nodes, inst.pNode).pList), before);
  assert.equal(r.value.inst.pNode, inst.sNode);
  assert.equal(compCV(cd.nodes), makeTable(cd.nodes, cd.instances).score);
});

test("a node without one of its primary instances keeps its peer map and reserved memory", () => {
  // The balancer reads both from the primary itself where a move's bound needs them of the
  // primary without the instance (MoveContribs.boundKind, peerSensitive, peeredSource).
  let checked = 0;
  for (const text of [EVAC, unevenCluster(10), unevenCluster(40), ...testsuiteClusters()]) {
    const { nodes, instances } = load(text);
    for (const inst of C.elems(instances)) {
      const node = nodes[inst.pNode];
      if (node === undefined) continue;
      const without = N.removePri(node, inst);
      assert.deepEqual(without.peers, node.peers, inst.name);
      assert.equal(without.rMem, node.rMem, inst.name);
      if (node.peers.length > 0) checked++;
    }
  }
  assert.ok(checked > 100, `only ${checked} primaries with peers checked`);
});

test("text format: errors are values with Ganeti's messages", () => {
  const bad = parseData("g|u|preferred||\n\nn1|100x|0|50|1000|500|4|N|u\n\n\n\n");
  assert.deepEqual(bad, { ok: false, error: "n1: leftover characters when parsing '100x': 'x'" });
  assert.deepEqual(parseData("g|u|preferred||\n"), {
    ok: false,
    error: "Invalid format of the input file: 1 sections instead of 4 or more",
  });
  const unk = parseData("g|u|preferred||\n\nn1|100|0|50|1000|500|4|N|u\n\ni|1|1|1|running|Y|nx||plain||1\n\n");
  assert.deepEqual(unk, { ok: false, error: "Unknown node 'nx' for instance i" });
  assert.deepEqual(tryRead("x", "abc", true), { ok: false, error: "x: cannot parse string 'abc'" });
});

test("text format round trip", () => {
  const cd = load(EVAC);
  const again = load(serializeCluster(cd));
  assert.equal(serializeCluster(again), serializeCluster(cd));
});

test("Haskell number formatting", () => {
  assert.equal(fixed(0.125, 2), "0.12");
  assert.equal(fixed(0.001953125, 8), "0.00195312");
  assert.equal(generalG(0, 6), "0.000000");
  assert.equal(generalG(1e-9, 6), "1.000000e-9");
});

test("bad input: Ganeti's message and exit code, no stack trace", () => {
  const dir = mkdtempSync(join(tmpdir(), "htools-"));
  const f = join(dir, "bad.data");
  writeFileSync(f, "g|u|preferred||\n\nn1|100|0|50|1000|500|4|N|u\n\ni|1|1|1|running|Y|nx||plain||1\n\n");
  const r = hbalMain(["-t", f]);
  assert.equal(r.code, 1);
  assert.equal(r.err, "Error: failed to load data, aborting: Unknown node 'nx' for instance i\n");
  assert.equal(hbalMain(["--no-such-option"]).code, 2);
  assert.equal(hbalMain(["-t", f, "-O", "zz"]).code, 1);
  const missing = hbalMain(["-t", join(dir, "nope")]);
  assert.match(missing.err, /^Error: failed to load data, aborting: .*nope: openFile: does not exist/);
});

test("hbal output identical to Ganeti 3.0.2's hbal on every testsuite data file", (t) => {
  const hbal = "/usr/lib/ganeti/3.0/usr/bin/hbal";
  const need = [DATA, hbal].filter((p) => !existsSync(p));
  if (need.length > 0) {
    const why = `missing ${need.join(", ")} (apt-get install ganeti-htools-3.0; scripts/install-system-deps.sh)`;
    if (process.env.CI === "true") assert.fail(why);
    t.skip(why);
    return;
  }
  const diffs: string[] = [];
  let n = 0;
  for (const f of readdirSync(DATA).filter((x) => x.endsWith(".data"))) {
    for (const args of [["-C", "-p", "-v"], ["--evac-mode", "-v", "-v", "-v"], ["--no-disk-moves", "-l", "3"]]) {
      const argv = ["-t", join(DATA, f), ...args];
      const ours = hbalMain(argv);
      const real = spawnSync(hbal, argv, { encoding: "utf8", argv0: "hbal" });
      n++;
      if (ours.out !== real.stdout || ours.err !== real.stderr || ours.code !== real.status) {
        diffs.push(`${f} ${args.join(" ")}`);
      }
    }
  }
  t.diagnostic(`${n - diffs.length}/${n} runs identical`);
  assert.deepEqual(diffs, []);
});

// The incremental balancer (bounds carried across steps) must take exactly the moves of
// a full scan of every candidate at every step.
test("incremental balancing takes the full scan's moves, step for step", () => {
  const clusters = [EVAC, unevenCluster(12), unevenCluster(24, 12, 7), ...testsuiteClusters()];
  let steps = 0;
  let covered = 0;
  let moved = 0;
  let reclassed = 0;
  let classCovered = 0;
  let known = 0;
  let seeded = 0;
  let epochCovered = 0;
  const renewed0 = accsRenewed();
  // class-bound epochs of 5 steps, and of 40 (lazy entries carried over a change of
  // their own nodes then stay lazy under their class bounds: Balancer.coverLazy; class
  // bounds kept by node up to PARTS_AGE steps); class parts onto at most 3 changed
  // nodes (the default has no limit: with 3, reclass fails as it does far back); fresh
  // starts whenever refreshes have bounded 1 % of a full scan's targets (rebuildFactor),
  // each bounding one by one only the first target of each kind its class ranks first
  // and those that could reach the best score (freshCut 1; the rest of them under the
  // least class bound: FreshScan)
  const runs = [
    ...clusters.map((c) => [c, 5, undefined, undefined, undefined] as const),
    ...clusters.map((c) => [c, 40, undefined, undefined, undefined] as const),
    ...clusters.map((c) => [c, 40, 3, undefined, undefined] as const),
    ...clusters.map((c) => [c, 5, undefined, 0.01, undefined] as const),
    ...clusters.map((c) => [c, 5, undefined, 0.01, 1] as const),
  ];
  let rebuilds = 0;
  let freshPlanned = 0;
  for (const [text, epoch, partsMax, rebuildFactor, freshCut] of runs) {
    const cd = load(text);
    let full = makeTable(cd.nodes, cd.instances);
    let inc = full;
    const b = new Balancer(DEFAULT_ALGORITHM_OPTIONS, 0, epoch, partsMax, rebuildFactor, freshCut);
    for (let k = 0; k < 150; k++) {
      const nf = tryBalanceFull(DEFAULT_ALGORITHM_OPTIONS, full);
      const ni = b.step(inc);
      assert.equal(ni === null, nf === null);
      if (nf === null || ni === null) break;
      assert.deepEqual(ni.plc[0], nf.plc[0]);
      assert.equal(ni.score, nf.score);
      full = nf;
      inc = ni;
      steps++;
    }
    covered += b.stats.covered;
    moved += b.stats.moved;
    reclassed += b.stats.reclassed;
    classCovered += b.stats.classCovered;
    known += b.stats.known;
    seeded += b.stats.seeded;
    epochCovered += b.stats.epochCovered;
    rebuilds += b.stats.rebuilds;
    freshPlanned += b.stats.freshPlanned;
  }
  assert.ok(steps > 200, `only ${steps} steps compared`);
  assert.ok(covered > 0, "no entry kept lazy over a change of its own nodes");
  assert.ok(moved > 0, "the moved instance was never carried");
  assert.ok(reclassed > 0, "no lazy entry kept lazy by its class bounds taken anew (Balancer.reclass)");
  assert.ok(classCovered > 0, "no entry kept lazy by class bounds over a change of its own nodes");
  assert.ok(known > 0, "no entry scanned only where its bounds could win (scanKnown)");
  assert.ok(seeded > 0, "no step's bar taken from the candidates of the step before (seeds)");
  assert.ok(epochCovered > 0, "no entry kept lazy with class parts of an earlier epoch (pnO)");
  assert.ok(rebuilds > 0, "the balancer never started afresh because its entries had aged (rebuildFactor)");
  assert.ok(freshPlanned > 0, "no fresh start bounded an instance per class (FreshScan)");
  assert.ok(accsRenewed() > renewed0, "no accumulator replaced by scanKnown's scan onto every target");
});

// The balancer leaves an instance alone while a class bound onto the nodes that changed
// (class part + the member's own part) stays above the best score: that is exact only
// if the class bound never exceeds the exact score of any member's candidate, whatever
// the targets' and the members' peer-map entries.
function checkClassBounds(text: string): number {
  const cd = load(text);
  const nl = cd.nodes;
  const base = new ScoreBase(nl);
  const mc = new MoveContribs(false);
  mc.beginStep();
  const slopes = classSlopes(base);
  interface Member { inst: Instance; parts: number[] }
  const classes = new Map<number, { rep: Instance; env: Envelope[]; members: Member[] }>();
  for (const inst of C.elems(cd.instances)) {
    if (!mc.applies(inst) || inst.sNode < 0) continue;
    const ctx = new MoveContext(false, nl, inst);
    if (ctx.oldP.offline || ctx.oldS.offline) continue;
    const ranges = mc.sourceRanges(base, ctx, mc.sources(base, ctx));
    let mask = 0;
    for (let k = 0; k < 4; k++) if (ranges[k] !== null && ranges[k] !== undefined) mask |= 1 << k;
    const key = mc.shapeOf(inst) * 16 + mask;
    let cls = classes.get(key);
    if (cls === undefined) {
      cls = { rep: inst, env: [newEnvelope(), newEnvelope(), newEnvelope(), newEnvelope()], members: [] };
      classes.set(key, cls);
    }
    const parts = [Infinity, Infinity, Infinity, Infinity];
    for (let k = 0; k < 4; k++) {
      const r = ranges[k];
      if (r === null || r === undefined) continue;
      if ("lo" in r) {
        envelopeUnion(cls.env[k]!, r);
        parts[k] = memberPart(base, r.lo, slopes);
      } else {
        envelopeAdd(cls.env[k]!, r);
        parts[k] = memberPart(base, r, slopes);
      }
    }
    cls.members.push({ inst, parts });
  }
  let checked = 0;
  for (const cls of classes.values()) {
    for (const x of C.elems(nl)) {
      if (x.offline) continue;
      for (let k = 0; k < 4; k++) {
        if (!cls.env[k]!.any) continue;
        const cst = mc.classPart(base, x.idx, x, k, cls.rep, cls.env[k]!, slopes, null, null);
        if (cst === -Infinity) continue;
        for (const m of cls.members) {
          if (x.idx === m.inst.pNode || x.idx === m.inst.sNode) continue;
          const r = applyMove(false, nl, m.inst, { kind: FAST_KIND_NAMES[k]!, node: x.idx } as IMove);
          if (!r.ok) continue;
          const exact = compCVPatched(nl, r.value.nodes);
          const lb = cst + m.parts[k]!;
          assert.ok(!(lb > exact), `${m.inst.name} ${FAST_KIND_NAMES[k]} onto ${x.name}: class bound ${lb} above exact ${exact}`);
          checked++;
        }
      }
    }
  }
  return checked;
}

test("class bounds never exceed a member's exact candidate score", () => {
  let checked = checkClassBounds(EVAC) + checkClassBounds(unevenCluster(24, 12, 7));
  checked += checkClassBounds(unevenCluster(48, 16, 3));
  for (const text of testsuiteClusters()) checked += checkClassBounds(text);
  assert.ok(checked > 10000, `only ${checked} candidates checked`);
});

// carrySource bounds anew only the targets MoveContribs.peerSensitive names for
// ReplaceAndFailover / ReplacePrimary: for every other target, the node that becomes
// the secondary must come out with the same components as without a peer entry.
function checkPeerSensitive(text: string): number {
  const cd = load(text);
  const nl = cd.nodes;
  let checked = 0;
  for (const force of [false, true]) {
    const mc = new MoveContribs(force);
    for (const inst of C.elems(cd.instances)) {
      if (!mc.applies(inst) || inst.sNode < 0) continue;
      const ctx = new MoveContext(force, nl, inst);
      for (const fk of [1, 2]) {
        assert.equal(FAST_KIND_NAMES[fk], fk === 1 ? "ReplaceAndFailover" : "ReplacePrimary");
        const sens = new Set<number>();
        assert.ok(mc.peerSensitive(ctx, fk, sens));
        const forceP = ctx.oldP.offline || force;
        let node = ctx.intP;
        let f = ctx.oldS.offline || force;
        if (fk === 2) {
          const tmp = ctx.rpSecondary(forceP, inst);
          if (!tmp.ok) continue;
          node = tmp.value;
          f = forceP;
        }
        const plain = N.addSecEx(f, node, inst, -7);
        for (const x of C.elems(nl)) {
          if (x.idx === inst.pNode || x.idx === inst.sNode || sens.has(x.idx)) continue;
          const r = N.addSecEx(f, node, inst, x.idx);
          assert.equal(r.ok, plain.ok, `${inst.name} ${fk} ${x.name}: feasibility`);
          if (r.ok && plain.ok) {
            assert.deepEqual(nodeComponents(r.value), nodeComponents(plain.value), `${inst.name} ${fk} ${x.name}`);
            if (N.peerMap.find(x.idx, node.peers) !== 0) checked++;
          }
        }
      }
    }
  }
  return checked;
}

test("peer entries that cannot change a source side are left out (peerSensitive)", () => {
  let checked = checkPeerSensitive(EVAC) + checkPeerSensitive(unevenCluster(10)) + checkPeerSensitive(unevenCluster(40));
  for (const text of testsuiteClusters()) checked += checkPeerSensitive(text);
  assert.ok(checked > 1000, `only ${checked} peered targets checked`);
});
