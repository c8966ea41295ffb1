// Writes the generated uneven clusters of the htools benchmark (test/htools/gen.ts:
// N nodes, 16 instances per node, mixed drbd/plain, crowded on a quarter of the nodes)
// in Ganeti's text format: node dist/bench/htools/gen-clusters.js DIR [N ...]
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { unevenCluster } from "../../test/htools/gen.js";

const [dir, ...sizes] = process.argv.slice(2);
if (dir === undefined) {
  console.error("usage: gen-clusters DIR [NODES ...]");
  process.exit(2);
}
mkdirSync(dir, { recursive: true });
for (const s of sizes.length > 0 ? sizes : ["10", "100", "1000"]) {
  const n = Number(s);
  const f = join(dir, `uneven${n}.data`);
  writeFileSync(f, unevenCluster(n));
  console.log(f);
}
