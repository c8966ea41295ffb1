// Prints a Markdown table comparing two cluster-core result files (ours vs real Ganeti).
//   node dist/bench/report.js bench/results/ours.json [bench/results/real-ganeti.json]
import { readFile } from "node:fs/promises";

interface T { jobs: number; clients: number; seconds: number; jobsPerSec: number; submitMedianMs: number; submitP95Ms: number; statuses: Record<string, number> }
interface L { command: string; medianMs: number; minMs: number; maxMs: number; runs: number }
interface R { target: string; date: string; cores: number; node: string; latency?: L[]; luxi?: T; cli?: T; fillOneClient?: T; queueForJobList?: number }

const f1 = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? "–" : x.toFixed(1));
const f0 = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? "–" : x.toFixed(0));
const ratio = (a: number | undefined, b: number | undefined, digits = 2): string =>
  a === undefined || b === undefined || !(b > 0) ? "–" : `${(a / b).toFixed(digits)}×`;
const st = (t: T | undefined): string => (t === undefined ? "–" : Object.entries(t.statuses).map(([k, v]) => `${v} ${k}`).join(", "));

async function load(p: string | undefined): Promise<R | undefined> {
  return p === undefined ? undefined : (JSON.parse(await readFile(p, "utf8")) as R);
}

const [ours, real] = await Promise.all([load(process.argv[2]), load(process.argv[3])]);
if (ours === undefined) {
  process.stderr.write("usage: report.js OURS.json [REAL.json]\n");
  process.exit(2);
}
const rn = real?.target ?? "ganeti 3.0.2";
const lines: string[] = [];
lines.push(`Measured ${ours.date}${real !== undefined ? ` (real Ganeti: ${real.date})` : ""}, ${ours.cores} cores, node ${ours.node}.`, "");
lines.push(`| job throughput (first received → last end) | ganeti-ts | ${rn} | ratio |`, "|---|---|---|---|");
for (const [label, a, b] of [
  ["1 luxi client (queue fill)", ours.fillOneClient, real?.fillOneClient],
  ["10 luxi clients, SubmitJob", ours.luxi, real?.luxi],
  ["10 processes, gnt-debug delay --submit", ours.cli, real?.cli],
] as Array<[string, T | undefined, T | undefined]>) {
  if (a === undefined && b === undefined) continue;
  lines.push(`| ${label}: jobs/s | ${f1(a?.jobsPerSec)} (${a?.jobs ?? "–"} jobs, ${f1(a?.seconds)} s) | ${f1(b?.jobsPerSec)} (${b?.jobs ?? "–"} jobs, ${f1(b?.seconds)} s) | ${ratio(a?.jobsPerSec, b?.jobsPerSec, 1)} |`);
  lines.push(`| ${label}: submit latency median / p95 ms | ${f1(a?.submitMedianMs)} / ${f1(a?.submitP95Ms)} | ${f1(b?.submitMedianMs)} / ${f1(b?.submitP95Ms)} | ${ratio(a?.submitMedianMs, b?.submitMedianMs)} |`);
  lines.push(`| ${label}: outcome | ${st(a)} | ${st(b)} | |`);
}
lines.push("", `| command (whole process, ms) | ganeti-ts median (min–max) | ${rn} median (min–max) | ratio of medians |`, "|---|---|---|---|");
for (const a of ours.latency ?? []) {
  const b = real?.latency?.find((x) => x.command === a.command);
  lines.push(`| \`${a.command}\` | ${f0(a.medianMs)} (${f0(a.minMs)}–${f0(a.maxMs)}) | ${b === undefined ? "–" : `${f0(b.medianMs)} (${f0(b.minMs)}–${f0(b.maxMs)})`} | ${ratio(a.medianMs, b?.medianMs)} |`);
}
lines.push("", `Jobs in the queue for \`gnt-job list\`: ganeti-ts ${ours.queueForJobList ?? "–"}, ${rn} ${real?.queueForJobList ?? "–"}.`);
process.stdout.write(`${lines.join("\n")}\n`);
