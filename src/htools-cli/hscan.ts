// hscan: scans clusters and saves their data in the text format (Ganeti 3.0's options and
// output). Without arguments it reads the local cluster over luxi ("LOCAL"); each named
// cluster is read over RAPI (https://NAME:5080, or the files of a file://DIR source).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { computeBadItems } from "../htools/cluster.js";
import { printNodes } from "../htools/cluster-output.js";
import * as C from "../htools/container.js";
import { fixed, padL, padR } from "../htools/format.js";
import { type ClusterData, prepareCluster } from "../htools/loader.js";
import { compCV } from "../htools/metrics.js";
import { serializeCluster } from "../htools/text.js";
import { COMMON_SPECS as S, HELP_SPECS, type Out, commonOpts, emit, exitErr, has, last, runMain } from "./common.js";
import { type OptSpec, parseArgs } from "./options.js";
import { type Preloaded, fetchLuxiData, luxiSocket } from "./luxi.js";
import { fetchRapiData } from "./rapi.js";
import type { Result } from "../htools/types.js";

/** hscan's data: the local cluster's (luxi) and each named cluster's (RAPI). */
export interface HscanPreloaded extends Preloaded {
  readonly clusters?: ReadonlyMap<string, Result<ClusterData>>;
}

const X = {
  outputDir: { short: "d", long: "output-dir", arg: "req", argName: "PATH", help: "directory in which to write output files" },
  noHeaders: { long: "no-headers", arg: "none", help: "do not show a header line" },
} satisfies Record<string, OptSpec>;

export const HSCAN_SPECS: readonly OptSpec[] = [S.printNodes!, X.outputDir, S.luxi!, S.verbose!, X.noHeaders, S.staticKvm!, ...HELP_SPECS];

/** Ganeti's one-line summary of a cluster. */
function printCluster(cd: ClusterData): string {
  const nodes = C.elems(cd.nodes);
  const bad = computeBadItems(cd.nodes, cd.instances);
  const sum = (f: (n: (typeof nodes)[number]) => number): number => nodes.reduce((a, n) => a + f(n), 0);
  const d = (x: number, w: number): string => padL(String(x), w);
  return [
    d(nodes.length, 5), d(C.size(cd.instances), 5), d(bad.nodes.length, 5), d(bad.instances.length, 5),
    padL(fixed(sum((n) => n.tMem), 0), 6), d(sum((n) => n.fMem), 6), padL(fixed(sum((n) => n.tDsk) / 1024, 0), 6),
    d(Math.floor(sum((n) => n.fDsk) / 1024), 6), fixed(compCV(cd.nodes), 8),
  ].join(" ");
}

function writeData(io: Out, nlen: number, name: string, outDir: string, fields: readonly string[] | null, data: { ok: true; value: ClusterData } | { ok: false; error: string }): boolean {
  if (!data.ok) {
    io.out.push(`\nError for ${name}: failed to load data. Details:\n${data.error}\n`);
    return false;
  }
  const prep = prepareCluster(data.value);
  if (!prep.ok) {
    io.out.push(`\nError for ${name}: failed to process data. Details:\n${prep.error}\n`);
    return false;
  }
  const cd = prep.value.data;
  io.out.push(`${padR(name, nlen)} ${printCluster(cd)}\n`);
  if (fields !== null) io.out.push(printNodes(cd.nodes, fields));
  const out = join(outDir, name.replace(/\//g, "_")) + ".data";
  try {
    writeFileSync(out, serializeCluster(cd));
  } catch (e) {
    exitErr(`${out}: ${(e as Error).message}`);
  }
  return true;
}

export function hscanMain(argv: readonly string[], pre: HscanPreloaded = {}): { code: number; out: string; err: string } {
  return runMain("hscan", HSCAN_SPECS, argv, (p, io) => {
    const o = commonOpts(p);
    const clusters = p.args;
    const nlen = clusters.length === 0 ? "LOCAL".length : Math.max(...clusters.map((c) => c.length));
    if (!has(p, X.noHeaders)) {
      const h = (s: string, w: number): string => padL(s, w);
      io.out.push(
        `${padR("Name", nlen)} ${h("Nodes", 5)} ${h("Inst", 5)} ${h("BNode", 5)} ${h("BInst", 5)} ${h("t_mem", 6)} ` +
          `${h("f_mem", 6)} ${h("t_disk", 6)} ${h("f_disk", 6)} ${h("Score", 10)}\n`,
      );
    }
    const outDir = last(p, X.outputDir) ?? ".";
    if (clusters.length === 0) {
      const data = pre.luxi ?? { ok: false as const, error: "the luxi data was not fetched" };
      // Ganeti lets a failed connection escape as an exception: "hscan: <error>", exit 1
      if (!data.ok && data.error.startsWith("Network.Socket.connect")) {
        io.err.push(`hscan: ${data.error}\n`);
        return 1;
      }
      if (!writeData(io, nlen, "LOCAL", outDir, o.showNodes, data)) return 2;
    }
    let good = true;
    for (const name of clusters) {
      const r = writeData(io, nlen, name, outDir, o.showNodes, pre.clusters?.get(name) ?? { ok: false, error: "the RAPI data was not fetched" });
      good = good && r;
    }
    return good ? 0 : 2;
  }, true);
}

/** hscan reads the local cluster over luxi when no cluster is named (with or without -L), else each named one over RAPI. */
async function preloadLocal(argv: readonly string[]): Promise<HscanPreloaded> {
  let p;
  try {
    p = parseArgs(HSCAN_SPECS, argv);
  } catch {
    return {};
  }
  if (["help", "version", "help-completion"].some((k) => p.values.has(k))) return {};
  if (p.args.length > 0) {
    const clusters = new Map<string, Result<ClusterData>>();
    for (const name of p.args) if (!clusters.has(name)) clusters.set(name, await fetchRapiData(name));
    return { clusters };
  }
  const l = p.values.get("luxi");
  return { luxi: await fetchLuxiData(luxiSocket(l === undefined ? null : l[l.length - 1])) };
}

export async function run(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  emit(hscanMain(argv, await preloadLocal(argv)));
}
