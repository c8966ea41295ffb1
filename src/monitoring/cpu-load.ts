// The cpu-avg-load collector's arithmetic (Ganeti's DataCollectors/CPUload.hs): samples of
// /proc/stat's work counters, newest first, and the average load over the window they
// cover, per CPU and in total (in CPUs: 1.0 is one CPU fully busy). Pure: text and samples
// in, report data out; the monitoring daemon does the sampling.
import type { Json } from "./report.js";
import { hsDouble } from "./report.js";

/** One reading of /proc/stat: when, and the work done so far by each line (total first). */
export interface CpuSample {
  /** Microseconds since the epoch. */
  readonly atUs: number;
  /** Work in clock ticks: the "cpu" line, then "cpu0", "cpu1", ... */
  readonly work: readonly number[];
}

/** Ganeti keeps the last 150 samples and averages over a 600 s window. */
export const CPU_BUFFER_SIZE = 150;
export const CPU_WINDOW_SECONDS = 600;
/** /proc/stat counts in USER_HZ, which Linux fixes at 100 for user space. */
export const CLOCK_TICKS = 100;

/**
 * The work counters of /proc/stat's cpu lines: user + nice + system + iowait + irq +
 * softirq + steal. Unlike Ganeti, guest and guest_nice are not added again: the kernel
 * already counts them in user and nice, and adding them twice doubles the load of exactly
 * the nodes that run guests.
 */
export function parseProcStat(text: string): { ok: true; value: number[] } | { ok: false; error: string } {
  const work: number[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("cpu")) continue;
    const f = line.trim().split(/\s+/);
    if (!/^cpu\d*$/.test(f[0]!)) continue;
    const n = f.slice(1, 9).map(Number); // user nice system idle iowait irq softirq steal
    if (n.length < 4 || n.some((x) => !Number.isFinite(x))) return { ok: false, error: `Unparsable /proc/stat line: ${line}` };
    work.push(n.reduce((a, b) => a + b, 0) - (n[3] ?? 0)); // field 4 is idle
  }
  if (work.length === 0) return { ok: false, error: "No cpu lines in /proc/stat" };
  return { ok: true, value: work };
}

/** The buffer after a new sample (newest first, at most CPU_BUFFER_SIZE entries). */
export function addSample(buffer: readonly CpuSample[], s: CpuSample): CpuSample[] {
  return [s, ...buffer].slice(0, CPU_BUFFER_SIZE);
}

/**
 * The report's data: {cpu_number, cpus, cpu_total}, the average load between the oldest
 * sample inside the window and the newest; {"error": ...} until two samples span time.
 * Ganeti compares its window (in seconds) with microsecond timestamps and so always uses
 * the whole buffer; here the window is what it says, 600 s.
 */
export function cpuAvgLoadData(buffer: readonly CpuSample[], ticks = CLOCK_TICKS, windowSeconds = CPU_WINDOW_SECONDS): Json {
  const newest = buffer[0];
  if (newest === undefined) return { error: "Empty buffer" };
  let oldest = newest;
  for (const s of buffer) {
    if (newest.atUs - s.atUs > windowSeconds * 1e6) break;
    if (s.work.length === newest.work.length) oldest = s;
  }
  const overall = ((newest.atUs - oldest.atUs) / 1e6) * ticks;
  if (!(overall > 0)) return { error: `Time covered by data is not sufficient. The window considered is ${windowSeconds}` };
  const load = newest.work.map((w, k) => Math.max(0, w - oldest.work[k]!) / overall);
  return { cpu_number: load.length - 1, cpus: load.slice(1).map(hsDouble), cpu_total: hsDouble(load[0]!) };
}
