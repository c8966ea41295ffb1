// hroller and hsqueeze: the graph colourings and planners of the pure model, and the
// programs' stdout, stderr and exit code against Ganeti 3.0.2's own binaries.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as G from "../../src/htools/graph.js";
import { coloringStats, planReboots, rebootGraph } from "../../src/htools/hroller.js";
import { allNodesCapacityFor, instanceFromSpecAndFactor, planSqueeze } from "../../src/htools/hsqueeze.js";
import { prepareCluster } from "../../src/htools/loader.js";
import { parseData } from "../../src/htools/text.js";
import { hrollerMain } from "../../src/htools-cli/hroller.js";
import { hsqueezeMain } from "../../src/htools-cli/hsqueeze.js";
import { unevenCluster } from "./gen.js";

const ROOT = resolve(import.meta.dirname, "../../..");
const DATA = join(ROOT, ".cache/ganeti-testsuite/usr/share/ganeti/testsuite/test/data/htools");
const GANETI = "/usr/lib/ganeti/3.0/usr/bin";

function load(text: string) {
  const p = parseData(text);
  assert.ok(p.ok, p.ok ? "" : p.error);
  const r = prepareCluster(p.value);
  assert.ok(r.ok, r.ok ? "" : r.error);
  return r.value.data;
}

test("graph: Data.Graph shapes and the three colourings", () => {
  // a 4-cycle 0-1-2-3-0 plus a chord 0-2, edges listed in both directions
  const edges: G.Edge[] = [[0, 1], [1, 0], [1, 2], [2, 1], [2, 3], [3, 2], [3, 0], [0, 3], [0, 2], [2, 0]];
  const g = G.buildGraph(0, 3, edges);
  // buildG conses, so the last edge out of a vertex comes first
  assert.equal(G.showGraph(g), "array (0,3) [(0,[2,3,1]),(1,[2,0]),(2,[0,3,1]),(3,[0,2])]");
  for (const color of [G.colorLF, G.colorDsatur, G.colorDcolor]) {
    const m = color(g);
    for (const [a, b] of edges) assert.notEqual(m.get(a), m.get(b), `${color.name}: ${a}-${b} share a colour`);
    assert.equal(G.colorVertMap(m).length, 3, color.name);
  }
  // 0 and 2 have the highest degree, so LF colours them first (2, the higher vertex,
  // gets colour 0), then 3 and 1, which are not adjacent and share colour 2
  assert.deepEqual(G.colorVertMap(G.colorLF(g)), [[0, [2]], [1, [0]], [2, [1, 3]]]);
  assert.deepEqual(G.unionEdges([[1, 2], [1, 2]], [[2, 1], [1, 2], [2, 1]]), [[1, 2], [1, 2], [2, 1]]);
  assert.equal(
    coloringStats([["LF", [[0, [1]], [1, [2]]]], ["Dsatur", [[0, [1, 2]]]], ["Dcolor", [[0, [1, 2]]]]]),
    "Dcolor: 1 (2) TIE Dsatur: 1 (2) LOOSE LF: 2 (1,1)",
  );
});

const TWO_PAIRS = `group-01|fake-uuid-01|preferred||

n1|4096|0|4000|100000|100000|4|M|fake-uuid-01|1
n2|4096|0|4000|100000|100000|4|N|fake-uuid-01|1
n3|4096|0|4000|100000|100000|4|N|fake-uuid-01|1
n4|4096|0|4000|100000|100000|4|N|fake-uuid-01|1

a|128|1024|1|running|Y|n1|n2|drbd||1
b|128|1024|1|running|Y|n3|n4|drbd||1
c|128|1024|1|running|Y|n2||plain||1

`;

test("hroller: DRBD pairs never reboot together; non-redundant instances find a home", () => {
  const cd = load(TWO_PAIRS);
  const o = { offlineMaintenance: false, skipNonRedundant: false, ignoreNonRedundant: false, fullEvacuation: false, nodeTags: null, group: null };
  const g = rebootGraph(cd.nodes, cd.instances, o);
  assert.ok(g !== null);
  const plan = planReboots(cd.nodes, cd.instances, o, g.nodes, g.graph);
  assert.ok(plan.ok);
  const groups = plan.value.groups.map((x) => x.nodes);
  assert.equal(groups.flat().length, 4);
  for (const grp of groups) {
    assert.ok(!(grp.includes("n1") && grp.includes("n2")), `n1 and n2 together: ${grp}`);
    assert.ok(!(grp.includes("n3") && grp.includes("n4")), `n3 and n4 together: ${grp}`);
  }
  // the master goes last
  assert.equal(groups[groups.length - 1]!.at(-1), "n1");
  // n2's plain instance moves off n2 in n2's reboot group
  const n2 = plan.value.groups.find((x) => x.nodes.includes("n2"))!;
  assert.equal(n2.moves.length, 1);
  assert.equal(n2.moves[0]!.inst, "c");
  assert.notEqual(n2.moves[0]!.pnode, "n2");
  assert.equal(n2.moves[0]!.snode, null);
  // with --skip-non-redundant, n2 is left out
  const skip = { ...o, skipNonRedundant: true };
  const g2 = rebootGraph(cd.nodes, cd.instances, skip)!;
  const p2 = planReboots(cd.nodes, cd.instances, skip, g2.nodes, g2.graph);
  assert.ok(p2.ok);
  assert.ok(!p2.value.groups.flat().some((x) => x.nodes.includes("n2")));
});

test("hsqueeze: idle external-storage nodes are offered for standby", () => {
  const cd = load(`group-01|fake-uuid-01|preferred||

n1|8192|0|8000|100000|100000|8|M|fake-uuid-01|1
n2|8192|0|8000|100000|100000|8|N|fake-uuid-01|1
n3|8192|0|8000|100000|100000|8|N|fake-uuid-01|1

a|512|0|1|running|Y|n1||ext||1
b|512|0|1|running|Y|n3||ext||1

|128,1,0,0,1,1|128,1,0,1,1,1;1024,4,0,0,2,2|ext|4.0|32.0
`);
  const conf = { nl: cd.nodes, il: cd.instances };
  const plan = planSqueeze(conf, cd.ipolicy.stdSpec, 2, 2);
  assert.equal(plan.kind, "offline");
  if (plan.kind !== "offline") return;
  assert.ok(plan.nodes.length >= 1);
  assert.ok(!plan.nodes.some((n) => n.isMaster));
  // after the plan every instance runs on an online node and every node has room
  for (const i of plan.conf.il) if (i !== undefined) assert.equal(plan.conf.nl[i.pNode]!.offline, false);
  assert.ok(allNodesCapacityFor(instanceFromSpecAndFactor("t", 2, cd.ipolicy.stdSpec), plan.conf));
  // asking for room no node has: online branch, nothing to online
  const huge = planSqueeze(conf, cd.ipolicy.stdSpec, 2, 1000);
  assert.equal(huge.kind, "online");
  if (huge.kind === "online") assert.equal(huge.enough, false);
});

test("hroller/hsqueeze: bad input gets Ganeti's messages", () => {
  assert.deepEqual(hrollerMain(["x"]), { code: 1, out: "", err: "Error: This program doesn't take any arguments.\n" });
  assert.equal(hrollerMain(["--no-such-option"]).code, 2);
  const r = hsqueezeMain(["--target-resources=1x"]);
  assert.equal(r.code, 1);
  assert.equal(r.err, "Error while parsing command line arguments:\ntarget resources: leftover characters when parsing '1x': 'x'\n");
});

test("hroller and hsqueeze identical to Ganeti 3.0.2's on the testsuite data and generated clusters", (t) => {
  const need = [DATA, join(GANETI, "hroller"), join(GANETI, "hsqueeze")].filter((p) => !existsSync(p));
  if (need.length > 0) {
    const why = `missing ${need.join(", ")} (apt-get install ganeti-htools-3.0; scripts/install-system-deps.sh)`;
    if (process.env.CI === "true") assert.fail(why);
    t.skip(why);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "hroller-"));
  try {
    const gen = join(dir, "uneven6.data");
    // a master is needed: mark the first node
    writeFileSync(gen, unevenCluster(6).replace(/^(node-0001\|(?:[^|]*\|){6})N\|/m, "$1M|"));
    const files = [...readdirSync(DATA).filter((x) => x.endsWith(".data")).map((f) => join(DATA, f)), gen];
    const runs: [string, (a: readonly string[]) => { code: number; out: string; err: string }, string[]][] = [
      ["hroller", hrollerMain, []],
      ["hroller", hrollerMain, ["-v", "-v", "-v", "--full-evacuation", "--print-moves"]],
      ["hroller", hrollerMain, ["--offline-maintenance", "--skip-non-redundant", "--one-step-only", "--print-moves"]],
      ["hroller", hrollerMain, ["-f", "--ignore-non-redundant", "--full-evacuation", "--print-moves", "--no-headers"]],
      ["hsqueeze", hsqueezeMain, ["-v", "-C"]],
      ["hsqueeze", hsqueezeMain, ["--target-resources=0.5", "-C"]],
      ["hsqueeze", hsqueezeMain, ["--minimal-resources=8", "-v", "-C"]],
    ];
    const diffs: string[] = [];
    let n = 0;
    for (const f of files) {
      for (const [prog, main, args] of runs) {
        const argv = ["-t", f, ...args];
        const ours = main(argv);
        const real = spawnSync(join(GANETI, prog), argv, { encoding: "utf8", argv0: prog });
        n++;
        if (ours.out !== real.stdout || ours.err !== real.stderr || ours.code !== real.status) {
          diffs.push(`${prog} ${argv.join(" ")}`);
        }
      }
    }
    t.diagnostic(`${n - diffs.length}/${n} runs identical`);
    assert.ok(n > 300);
    assert.deepEqual(diffs, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
