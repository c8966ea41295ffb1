// The monitoring daemon's data collectors, in Ganeti's order: cpu-avg-load (stateful: a
// sample of /proc/stat at every interval), diskstats, drbd and lv (read when asked). The
// Xen-only collectors (inst-status-xen, xen-cpu-avg-load) are not offered: ganeti-ts runs
// KVM and the fake hypervisor. What a collector reads comes in as a CollectorSources, so
// the collectors themselves are easy to test.
import { addSample, cpuAvgLoadData, parseProcStat, type CpuSample } from "../monitoring/cpu-load.js";
import { diskstatsReportData, parseDiskstatsAnyKernel } from "../monitoring/diskstats.js";
import { drbdReportData } from "../monitoring/drbd.js";
import { mirrorDrbdStatus, type MirrorDevice } from "../monitoring/drbd-mirror.js";
import { lvReportData, pairLvsWithInstances, parseLvs, type InstanceDisks } from "../monitoring/lv.js";
import { BUILTIN_VERSION, DCKind, type DCCategory, type DCReport, type Json, reportTimestamp } from "../monitoring/report.js";

/** Where the collectors' data comes from (files, the node daemon, lvs). Errors are thrown. */
export interface CollectorSources {
  readProcStat(): Promise<string>;
  readDiskstats(): Promise<string>;
  /** The node daemon's active drbd devices. */
  drbdDevices(): Promise<readonly MirrorDevice[]>;
  /** `lvs` output in the lv collector's format. */
  runLvs(): Promise<string>;
  /** The instances' disks, or null when this node holds no copy of the configuration. */
  instanceDisks(): Promise<readonly InstanceDisks[] | null>;
  nowUs(): number;
}

export interface Collector {
  readonly name: string;
  readonly category: DCCategory | null;
  readonly kind: DCKind;
  /** The report's data, computed now (or from the collector's samples). */
  data(): Promise<Json>;
  /** Stateful collectors take a sample at every interval. */
  update?(): Promise<void>;
}

const errorData = (e: unknown): Json => ({ error: e instanceof Error ? e.message : String(e) });

function cpuAvgLoad(src: CollectorSources): Collector {
  let buffer: CpuSample[] = [];
  let lastError: string | null = null;
  return {
    name: "cpu-avg-load", category: null, kind: DCKind.Perf,
    async update() {
      const r = parseProcStat(await src.readProcStat());
      if (!r.ok) {
        lastError = r.error;
        return;
      }
      lastError = null;
      buffer = addSample(buffer, { atUs: src.nowUs(), work: r.value });
    },
    async data() {
      return lastError !== null ? { error: lastError } : cpuAvgLoadData(buffer);
    },
  };
}

function diskstats(src: CollectorSources): Collector {
  return {
    name: "diskstats", category: "storage", kind: DCKind.Perf,
    async data() {
      const r = parseDiskstatsAnyKernel(await src.readDiskstats());
      return r.ok ? diskstatsReportData(r.value) : { error: r.error };
    },
  };
}

function drbd(src: CollectorSources): Collector {
  return {
    name: "drbd", category: "storage", kind: DCKind.Status,
    async data() {
      return drbdReportData(mirrorDrbdStatus(await src.drbdDevices()));
    },
  };
}

function lv(src: CollectorSources): Collector {
  return {
    name: "lv", category: "storage", kind: DCKind.Perf,
    async data() {
      const lvs = parseLvs(await src.runLvs());
      if (!lvs.ok) return { error: lvs.error };
      // A node that is no master candidate has no configuration: its volumes go unpaired.
      const insts = await src.instanceDisks();
      return lvReportData(insts === null ? lvs.value : pairLvsWithInstances(lvs.value, insts));
    },
  };
}

export function makeCollectors(src: CollectorSources): Collector[] {
  return [cpuAvgLoad(src), diskstats(src), drbd(src), lv(src)];
}

/** A collector's report now; a failing source gives {"error": ...} as data. */
export async function collectorReport(c: Collector, nowUs: number): Promise<DCReport> {
  let data: Json;
  try {
    data = await c.data();
  } catch (e) {
    data = errorData(e);
  }
  return { name: c.name, version: BUILTIN_VERSION, formatVersion: 1, timestamp: reportTimestamp(nowUs), category: c.category, kind: c.kind, data };
}

/** Ganeti's category names in URLs: "default" stands for none. */
export function categoryName(c: Collector): string {
  return c.category ?? "default";
}
