// Two builds' incremental balancers step by step on one cluster, each fed its own
// tables (a balancer carries its state only over the tables it returned): the first
// step whose move or score differs is reported with the second build's lazy state for
// the first build's instance. model.test compares the balancer with the full scan on
// small clusters; at 1,000 nodes the full scan takes seconds per step, and a build
// already checked this way is the reference instead (session 13 found a lost bound at
// step 12,944 of 15,752 this way, which no smaller run showed).
//   node dist/bench/htools/balance-lockstep.js REF_DIST FILE [--every K]
// REF_DIST: the reference build's dist directory (a copy of an earlier dist/); this
// build is the other. Exit status 1 at the first difference.
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { DEFAULT_ALGORITHM_OPTIONS, type Table } from "../../src/htools/cluster.js";
import { Balancer } from "../../src/htools/balancer.js";
import { loadTable } from "./load-table.js";

interface Stepper {
  step(t: Table): Table | null;
}

const args = process.argv.slice(2);
const [refDist, file] = args;
if (refDist === undefined || file === undefined) {
  console.error("usage: balance-lockstep REF_DIST FILE [--every K]");
  process.exit(2);
}
const ei = args.indexOf("--every");
const every = ei >= 0 ? Number(args[ei + 1]) : 500;
const refMod = (await import(pathToFileURL(join(resolve(refDist), "src/htools/balancer.js")).href)) as {
  Balancer: new (o: typeof DEFAULT_ALGORITHM_OPTIONS) => Stepper;
};
const ref = new refMod.Balancer(DEFAULT_ALGORITHM_OPTIONS);
const cur = new Balancer(DEFAULT_ALGORITHM_OPTIONS);
let tRef: Table = loadTable(file).table;
let tCur: Table = tRef;
for (let k = 1; ; k++) {
  const a = ref.step(tRef);
  const b = cur.step(tCur);
  if (a === null || b === null) {
    console.log(`end after ${k - 1} steps: reference ${a === null ? "stopped" : "went on"}, this build ${b === null ? "stopped" : "went on"}`);
    process.exit(a === null && b === null ? 0 : 1);
  }
  if (JSON.stringify(a.plc[0]) !== JSON.stringify(b.plc[0]) || a.score !== b.score) {
    console.log(`step ${k} differs:\n  reference  ${JSON.stringify(a.plc[0])}\n  this build ${JSON.stringify(b.plc[0])}`);
    console.log(`this build's entry for the reference's instance: ${JSON.stringify(cur.describe(a.plc[0]!.inst))}`);
    process.exit(1);
  }
  tRef = a;
  tCur = b;
  if (k % every === 0) console.log(`step ${k} score ${b.score.toFixed(8)}: identical`);
}
