// Cluster-core benchmark: job throughput through luxi and through the CLI, and the
// start-to-exit latency of everyday commands. Runs against our devcluster (started fresh
// by this program) or against a real Ganeti master already running on this machine.
//
//   node dist/bench/cluster-core.js --target ours [--jobs 1000] [--clients 10] [--runs 10] [--subnet 47]
//   node dist/bench/cluster-core.js --target real [--jobs 200] ...
//
// Prints a human summary and writes a JSON result (--out FILE). Never part of `npm test`.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile, readFile } from "node:fs/promises";
import { tmpdir, cpus } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { LuxiClient } from "../src/luxi/client.js";

const BIN = resolve(join(fileURLToPath(import.meta.url), "../../../bin"));
const FINAL = new Set(["success", "error", "canceled"]);

interface Target {
  readonly name: string;
  readonly socket: string;
  /** argv for a gnt-* program */
  cmd(program: string, ...args: string[]): string[];
  readonly env: NodeJS.ProcessEnv;
}

function oursTarget(dir: string): Target {
  const root = join(dir, "node1");
  return {
    name: "ganeti-ts",
    socket: join(root, "var/run/ganeti/socket/ganeti-master"),
    cmd: (p, ...a) => [join(BIN, p), ...a], // through its launcher, as an administrator runs it
    env: { ...process.env, GANETI_ROOT: root, GANETI_HOSTNAME: "" },
  };
}

function realTarget(): Target {
  return {
    name: "ganeti-3.0.2",
    socket: "/var/run/ganeti/socket/ganeti-query", // luxid's socket in Ganeti 3.0
    cmd: (p, ...a) => [`/usr/sbin/${p}`, ...a],
    env: { ...process.env },
  };
}

// ---------------------------------------------------------------- helpers

function run(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  return new Promise((res) => {
    const t0 = process.hrtime.bigint();
    const [file, ...args] = argv as [string, ...string[]];
    const ch = spawn(file, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    ch.stdout.setEncoding("utf8").on("data", (d: string) => { stdout += d; });
    ch.stderr.setEncoding("utf8").on("data", (d: string) => { stderr += d; });
    ch.on("close", (code) => res({ code: code ?? 1, stdout, stderr, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
  });
}

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (pos - lo);
}

const median = (xs: readonly number[]): number => quantile(xs, 0.5);
const ts = (t: unknown): number => (Array.isArray(t) ? Number(t[0]) + Number(t[1]) / 1e6 : NaN);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until every job is finalized; returns their [received, end, status] rows. */
async function waitJobs(socket: string, ids: number[], timeoutMs: number): Promise<Array<[number, number, string]>> {
  const c = new LuxiClient(socket, 120_000);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const rows: Array<[number, number, string]> = [];
      for (let i = 0; i < ids.length; i += 500) {
        const part = (await c.call("QueryJobs", [ids.slice(i, i + 500), ["received_ts", "end_ts", "status"]])) as Array<[unknown, unknown, string] | null>;
        for (const r of part) rows.push(r === null ? [NaN, NaN, "lost"] : [ts(r[0]), ts(r[1]), r[2]]);
      }
      if (rows.every((r) => FINAL.has(r[2]) || r[2] === "lost") || Date.now() > deadline) return rows;
      await sleep(250);
    }
  } finally {
    c.close();
  }
}

interface Throughput {
  readonly how: string;
  readonly jobs: number;
  readonly clients: number;
  readonly seconds: number; // first received -> last end
  readonly jobsPerSec: number;
  readonly submitMedianMs: number;
  readonly submitP95Ms: number;
  readonly submitAllSeconds: number; // first submit call -> last submit returned
  readonly statuses: Record<string, number>;
}

function summarize(how: string, clients: number, rows: Array<[number, number, string]>, lat: number[], submitAll: number): Throughput {
  const first = Math.min(...rows.map((r) => r[0]).filter((x) => !Number.isNaN(x)));
  const last = Math.max(...rows.map((r) => r[1]).filter((x) => !Number.isNaN(x)));
  const statuses: Record<string, number> = {};
  for (const r of rows) statuses[r[2]] = (statuses[r[2]] ?? 0) + 1;
  const seconds = last - first;
  return {
    how, jobs: rows.length, clients, seconds, jobsPerSec: rows.length / seconds,
    submitMedianMs: median(lat), submitP95Ms: quantile(lat, 0.95), submitAllSeconds: submitAll, statuses,
  };
}

/** N luxi connections, each submitting its share of OP_TEST_DELAY jobs one after another. */
async function luxiThroughput(t: Target, jobs: number, clients: number, delay: number): Promise<Throughput> {
  const per = Math.ceil(jobs / clients);
  const ids: number[] = [];
  const lat: number[] = [];
  const t0 = Date.now();
  await Promise.all(Array.from({ length: clients }, async (_, k) => {
    const c = new LuxiClient(t.socket, 120_000);
    try {
      const n = Math.min(per, jobs - k * per);
      for (let i = 0; i < n; i++) {
        const s = process.hrtime.bigint();
        const id = Number(await c.call("SubmitJob", [[{ OP_ID: "OP_TEST_DELAY", duration: delay, reason: [] }]] /* Ganeti 3.0 luxid requires reason */));
        lat.push(Number(process.hrtime.bigint() - s) / 1e6);
        ids.push(id);
      }
    } finally {
      c.close();
    }
  }));
  const submitAll = (Date.now() - t0) / 1000;
  const rows = await waitJobs(t.socket, ids, 1_800_000);
  return summarize("luxi SubmitJob", clients, rows, lat, submitAll);
}

/** N processes, each running `gnt-debug delay --submit D` its share of times. */
async function cliThroughput(t: Target, jobs: number, procs: number, delay: number): Promise<Throughput> {
  const per = Math.ceil(jobs / procs);
  const ids: number[] = [];
  const lat: number[] = [];
  const failures: string[] = [];
  const t0 = Date.now();
  await Promise.all(Array.from({ length: procs }, async (_, k) => {
    const n = Math.min(per, jobs - k * per);
    for (let i = 0; i < n; i++) {
      const r = await run(t.cmd("gnt-debug", "delay", "--submit", String(delay)), t.env);
      const m = /JobID: (\d+)/.exec(r.stdout + r.stderr); // Ganeti 3.0 prints it on stderr
      if (r.code !== 0 || m === null) {
        failures.push(`exit ${r.code}: ${r.stderr.trim()}`);
        continue;
      }
      lat.push(r.ms);
      ids.push(Number(m[1]));
    }
  }));
  const submitAll = (Date.now() - t0) / 1000;
  if (failures.length > 0) console.error(`  ${failures.length} submissions failed, first: ${failures[0]}`);
  const rows = await waitJobs(t.socket, ids, 1_800_000);
  const s = summarize("gnt-debug delay --submit (process each)", procs, rows, lat, submitAll);
  return failures.length === 0 ? s : { ...s, statuses: { ...s.statuses, "submit-failed": failures.length } };
}

interface Latency {
  readonly command: string;
  readonly runs: number;
  readonly minMs: number;
  readonly medianMs: number;
  readonly maxMs: number;
  readonly exitCodes: number[];
}

/**
 * Whole-process wall time of each command, rounds interleaved (A B C A B C ...), with
 * `pauseMs` between commands as an administrator types them (ganeti-clid refills its warm
 * workers once commands pause; the same pause for every target). `env` is added to the
 * target's (GANETI_CLI_DIRECT=1: our programs started by node without ganeti-clid).
 */
async function cliLatency(t: Target, commands: string[][], runs: number, warmup: number, pauseMs: number,
  env: NodeJS.ProcessEnv = {}, label = ""): Promise<Latency[]> {
  const times = commands.map(() => [] as number[]);
  const codes = commands.map(() => [] as number[]);
  for (let round = 0; round < warmup + runs; round++) {
    for (let i = 0; i < commands.length; i++) {
      const [p, ...a] = commands[i] as [string, ...string[]];
      await new Promise((r) => setTimeout(r, pauseMs));
      const r = await run(t.cmd(p, ...a), { ...t.env, ...env });
      if (round >= warmup) {
        (times[i] as number[]).push(r.ms);
        (codes[i] as number[]).push(r.code);
      }
    }
  }
  return commands.map((c, i) => {
    const xs = times[i] as number[];
    return { command: c.join(" ") + label, runs: xs.length, minMs: Math.min(...xs), medianMs: median(xs), maxMs: Math.max(...xs), exitCodes: [...new Set(codes[i])] };
  });
}

async function queueLength(t: Target): Promise<number> {
  const c = new LuxiClient(t.socket);
  try {
    // Ganeti: an empty list means every job. (ganeti-ts answers [] to that; null works there.)
    const all = (await c.call("QueryJobs", [[], ["id"]])) as unknown[];
    if (all.length > 0) return all.length;
    return ((await c.call("QueryJobs", [null, ["id"]]).catch(() => [])) as unknown[]).length;
  } finally {
    c.close();
  }
}

/** Submits `n` jobs over one connection and waits for them (fills the queue for gnt-job list). */
async function fillQueue(t: Target, n: number, delay: number): Promise<Throughput> {
  return luxiThroughput(t, n, 1, delay);
}

// ---------------------------------------------------------------- devcluster

async function devclusterUp(subnet: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "bench-gdc-"));
  const r = await run([process.execPath, join(BIN, "gnt-devcluster"), "up", "--nodes", "3", "--dir", dir, "--subnet", String(subnet)], process.env);
  if (r.code !== 0) throw new Error(`devcluster up failed:\n${r.stdout}\n${r.stderr}`);
  return dir;
}

async function devclusterDown(dir: string, keep: boolean): Promise<void> {
  await run([process.execPath, join(BIN, "gnt-devcluster"), "down", "--dir", dir], process.env);
  if (!keep) await rm(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- main

function fmtT(x: Throughput): string {
  const st = Object.entries(x.statuses).map(([k, v]) => `${k}=${v}`).join(",");
  return `${x.how}: ${x.jobs} jobs, ${x.clients} clients: ${x.seconds.toFixed(2)} s first received -> last end = ` +
    `${x.jobsPerSec.toFixed(1)} jobs/s; submit latency median ${x.submitMedianMs.toFixed(1)} ms, p95 ${x.submitP95Ms.toFixed(1)} ms; ` +
    `all submitted in ${x.submitAllSeconds.toFixed(2)} s; ${st}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      target: { type: "string", default: "ours" },
      jobs: { type: "string" },
      clients: { type: "string", default: "10" },
      runs: { type: "string", default: "10" },
      warmup: { type: "string", default: "1" },
      subnet: { type: "string", default: "47" },
      delay: { type: "string", default: "0.001" },
      "queue-jobs": { type: "string", default: "200" },
      "pause-ms": { type: "string", default: "500" }, // between the commands of the latency phase
      skip: { type: "string", default: "" }, // comma list of: luxi,cli,latency
      keep: { type: "boolean", default: false },
      merge: { type: "boolean", default: false }, // keep the other phases' results already in --out
      out: { type: "string" },
    },
  });
  const real = values.target === "real";
  const jobs = Number(values.jobs ?? (real ? 200 : 1000));
  const clients = Number(values.clients);
  const runs = Number(values.runs);
  const warmup = Number(values.warmup);
  const subnet = Number(values.subnet);
  const delay = Number(values.delay);
  const queueJobs = Number(values["queue-jobs"]);
  const pauseMs = Number(values["pause-ms"]);
  const skip = new Set(values.skip.split(",").filter((s) => s !== ""));
  const result: Record<string, unknown> = {
    target: real ? "ganeti-3.0.2" : "ganeti-ts", date: new Date().toISOString(), cores: cpus().length, node: process.version,
    jobs, clients, delay,
  };
  const log = (s: string): void => { process.stdout.write(`${s}\n`); };
  log(`# cluster-core benchmark, target ${result["target"]}, ${result["date"]}, ${result["cores"]} cores, node ${process.version}`);

  // Each phase on a fresh cluster (ours); real Ganeti has one cluster for all phases.
  const withCluster = async <T>(f: (t: Target) => Promise<T>): Promise<T> => {
    if (real) return f(realTarget());
    const dir = await devclusterUp(subnet);
    try {
      return await f(oursTarget(dir));
    } finally {
      await devclusterDown(dir, values.keep);
    }
  };

  if (!skip.has("latency")) {
    result["latency"] = await withCluster(async (t) => {
      const before = await queueLength(t);
      if (before < queueJobs) {
        const fill = await fillQueue(t, queueJobs - before, delay);
        log(`queue fill (${fmtT(fill)})`);
        result["fillOneClient"] = fill;
      }
      const q = await queueLength(t);
      log(`CLI latency, ${runs} runs after ${warmup} warm-up, ${pauseMs} ms between commands, ${q} jobs in the queue:`);
      const commands = [["gnt-node", "list"], ["gnt-job", "list"], ["gnt-cluster", "version"]];
      const lat = await cliLatency(t, commands, runs, warmup, pauseMs);
      // Ours also started directly by node (no ganeti-clid), for the record.
      if (!real) lat.push(...await cliLatency(t, commands, runs, warmup, pauseMs, { GANETI_CLI_DIRECT: "1" }, " (direct start)"));
      for (const l of lat) {
        log(`  ${l.command.padEnd(20)} min ${l.minMs.toFixed(0)} ms  median ${l.medianMs.toFixed(0)} ms  max ${l.maxMs.toFixed(0)} ms  exit ${l.exitCodes.join(",")}`);
      }
      result["queueForJobList"] = q;
      return lat;
    });
  }
  if (!skip.has("luxi")) {
    result["luxi"] = await withCluster(async (t) => luxiThroughput(t, jobs, clients, delay));
    log(fmtT(result["luxi"] as Throughput));
  }
  if (!skip.has("cli")) {
    result["cli"] = await withCluster(async (t) => cliThroughput(t, jobs, clients, delay));
    log(fmtT(result["cli"] as Throughput));
  }
  if (values.out !== undefined) {
    const prev = values.merge ? (JSON.parse(await readFile(values.out, "utf8").catch(() => "{}")) as Record<string, unknown>) : {};
    await writeFile(values.out, `${JSON.stringify({ ...prev, ...result }, null, 2)}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exitCode = 1;
});
