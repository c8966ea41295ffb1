// The incremental balancer run in one process, with the CPU time of every stretch of
// steps and the balancer's counters (what a converged hbal run does, without printing):
//   node dist/bench/htools/balance-steps.js FILE [--steps N] [--skip S] [--every K] [--save DIR] [--rebuild R] [--rebuild-factor F]
// FILE: a cluster in Ganeti's text format (gen-clusters.js, or a state saved here).
// --skip S: S steps first, not measured (their CPU is printed apart); --steps N: then at
// most N steps (default: until no move improves the score); --every K: a line per K
// steps (CPU ms per step over them, RSS, counters per step); --save DIR: the cluster
// after steps 1,000, 2,000, ... as DIR/stepN.data (a later stretch can start from
// one: the greedy's moves depend only on the cluster); --rebuild R: a new balancer every R
// steps (its first step scans every candidate again; the moves stay the same); --rebuild-factor F:
// the balancer's own fresh starts (Balancer rebuildFactor; default REBUILD_FACTOR, Infinity: none). Last line: steps, final score,
// CPU seconds. Compare builds by running both on the same FILE in turn.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { serializeCluster } from "../../src/htools/text.js";
import { DEFAULT_ALGORITHM_OPTIONS } from "../../src/htools/cluster.js";
import { Balancer, REBUILD_FACTOR } from "../../src/htools/balancer.js";
import { loadTable } from "./load-table.js";

const args = process.argv.slice(2);
const file = args[0];
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const saveIdx = args.indexOf("--save");
const saveDir = saveIdx >= 0 ? args[saveIdx + 1] : undefined;
if (file === undefined) {
  console.error("usage: balance-steps FILE [--steps N] [--skip S] [--every K] [--save DIR] [--rebuild R] [--rebuild-factor F]");
  process.exit(2);
}
const skip = opt("--skip", 0);
const maxSteps = opt("--steps", Infinity);
const every = opt("--every", 500);
const rebuild = opt("--rebuild", Infinity);
const rebuildFactor = opt("--rebuild-factor", REBUILD_FACTOR);
const newBalancer = (): Balancer => new Balancer(DEFAULT_ALGORITHM_OPTIONS, undefined, undefined, undefined, rebuildFactor);
if (saveDir !== undefined) mkdirSync(saveDir, { recursive: true });

const loaded = loadTable(file);
const cd = loaded.data;
let tbl = loaded.table;
let bal = newBalancer();
const cpuMs = (c: NodeJS.CpuUsage): number => (c.user + c.system) / 1000;
const save = (k: number): void => {
  if (saveDir === undefined || k % 1000 !== 0) return;
  writeFileSync(join(saveDir, `step${k}.data`), serializeCluster({ ...cd, nodes: tbl.nl, instances: tbl.il }));
};

const c0 = process.cpuUsage();
let k = 0;
for (; k < skip; k++) {
  const next = bal.step(tbl);
  if (next === null) break;
  tbl = next;
  save(k + 1);
}
const skipped = k;
const c1 = process.cpuUsage();
if (skip > 0) console.log(`skipped ${skipped} steps: ${(cpuMs(process.cpuUsage(c0)) / 1000).toFixed(1)} s of CPU`);
let mark = process.cpuUsage();
let markK = k;
let markStats = { ...bal.stats };
for (; k - skipped < maxSteps; k++) {
  if (k > 0 && k % rebuild === 0) {
    // the counters go on from the old balancer's
    const stats = { ...bal.stats };
    bal = newBalancer();
    Object.assign(bal.stats, stats);
  }
  const next = bal.step(tbl);
  if (next === null) break;
  tbl = next;
  save(k + 1);
  if ((k + 1) % every === 0 || k === 0) {
    const now = process.cpuUsage();
    const n = k + 1 - markK;
    const per: string[] = [];
    for (const [key, v] of Object.entries(bal.stats)) {
      if (key === "steps") continue;
      const d = (v - markStats[key as keyof typeof markStats]) / n;
      if (d !== 0) per.push(`${key}=${d.toFixed(1)}`);
    }
    console.log(
      `step ${k + 1} score ${tbl.score.toFixed(8)}: ${((cpuMs(now) - cpuMs(mark)) / n).toFixed(1)} ms ` +
        `of CPU per step over the last ${n}; rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB; per step ${per.join(" ")}`,
    );
    mark = now;
    markK = k + 1;
    markStats = { ...bal.stats };
  }
}
console.log(
  `done: ${k} steps (${k - skipped} measured), final score ${tbl.score.toFixed(8)}, ` +
    `${(cpuMs(process.cpuUsage(c1)) / 1000).toFixed(1)} s of CPU measured (${(cpuMs(process.cpuUsage(c0)) / 1000).toFixed(1)} s in all)`,
);
