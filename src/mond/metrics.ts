// /metrics: the collectors' reports in Prometheus's text format (not in Ganeti, which has
// only its JSON API), so a node can be scraped without a Ganeti-aware exporter. prom-client
// writes the exposition format; a fresh registry per scrape holds just what the reports say.
import { Counter, Gauge, Registry } from "prom-client";
import { HsDouble, type DCReport, type Json } from "../monitoring/report.js";

function num(x: Json | undefined): number {
  if (x instanceof HsDouble) return x.value;
  return typeof x === "number" ? x : NaN;
}

function obj(x: Json | undefined): Record<string, Json> | null {
  return x !== null && x !== undefined && typeof x === "object" && !Array.isArray(x) && !(x instanceof HsDouble)
    ? (x as Record<string, Json>) : null;
}

function list(x: Json | undefined): readonly Json[] {
  return Array.isArray(x) ? (x as readonly Json[]) : [];
}

const str = (x: Json | undefined): string => (typeof x === "string" ? x : "");

export interface Metrics {
  readonly contentType: string;
  readonly text: string;
}

export async function prometheusText(reports: readonly DCReport[]): Promise<Metrics> {
  const registry = new Registry();
  const registers = [registry];
  const failed = new Gauge({ name: "ganeti_mond_collector_failed", help: "1 when the data collector could not produce its data", labelNames: ["collector"], registers });
  for (const r of reports) {
    const data = obj(r.data);
    const error = data !== null && typeof data["error"] === "string";
    failed.set({ collector: r.name }, error ? 1 : 0);
    if (error) continue;
    if (r.name === "cpu-avg-load" && data !== null) {
      const g = new Gauge({ name: "ganeti_node_cpu_load", help: "Average CPU load over the last samples (1 = one CPU fully busy)", labelNames: ["cpu"], registers });
      g.set({ cpu: "total" }, num(data["cpu_total"]));
      list(data["cpus"]).forEach((c, k) => g.set({ cpu: String(k) }, num(c)));
    } else if (r.name === "diskstats") {
      const fields: Array<[string, string, string]> = [
        ["readsNum", "ganeti_node_disk_reads_completed_total", "Reads completed"],
        ["secRead", "ganeti_node_disk_read_sectors_total", "Sectors read"],
        ["writes", "ganeti_node_disk_writes_completed_total", "Writes completed"],
        ["secWritten", "ganeti_node_disk_written_sectors_total", "Sectors written"],
        ["timeIO", "ganeti_node_disk_io_time_ms_total", "Milliseconds spent doing I/O"],
      ];
      const counters = fields.map(([k, name, help]) => [k, new Counter({ name, help, labelNames: ["device"], registers })] as const);
      const inFlight = new Gauge({ name: "ganeti_node_disk_ios_in_progress", help: "I/Os currently in progress", labelNames: ["device"], registers });
      for (const d of list(r.data)) {
        const o = obj(d);
        if (o === null) continue;
        const device = str(o["name"]);
        for (const [k, c] of counters) c.inc({ device }, Math.max(0, num(o[k])));
        inFlight.set({ device }, num(o["ios"]));
      }
    } else if (r.name === "drbd" && data !== null) {
      const status = obj(data["status"]);
      new Gauge({ name: "ganeti_drbd_status_code", help: "Worst drbd device state: 0 ok, 1 temporarily bad, 2 unknown, 4 bad", registers })
        .set(num(status?.["code"]));
      const labelNames = ["minor", "instance"];
      const connected = new Gauge({ name: "ganeti_drbd_connected", help: "1 when the device is connected to its peer (also while syncing)", labelNames, registers });
      const upToDate = new Gauge({ name: "ganeti_drbd_disk_up_to_date", help: "1 when the disk is UpToDate", labelNames: [...labelNames, "side"], registers });
      const sync = new Gauge({ name: "ganeti_drbd_sync_percent", help: "Resync progress of a syncing device", labelNames, registers });
      for (const d of list(data["deviceInfos"])) {
        const o = obj(d);
        if (o === null) continue;
        const labels = { minor: String(num(o["minor"])), instance: str(o["instance"]) };
        const cs = str(o["connectionState"]);
        connected.set(labels, cs === "Connected" || cs.startsWith("Sync") ? 1 : 0);
        upToDate.set({ ...labels, side: "local" }, str(o["localState"]) === "UpToDate" ? 1 : 0);
        upToDate.set({ ...labels, side: "peer" }, str(o["remoteState"]) === "UpToDate" ? 1 : 0);
        const s = obj(o["syncStatus"]);
        if (s !== null) sync.set(labels, num(s["percentage"]));
      }
    } else if (r.name === "lv") {
      const size = new Gauge({ name: "ganeti_lv_size_bytes", help: "Logical volume size", labelNames: ["vg", "lv", "instance"], registers });
      for (const d of list(r.data)) {
        const o = obj(d);
        if (o !== null) size.set({ vg: str(o["vg_name"]), lv: str(o["name"]), instance: str(o["instance"]) }, num(o["size"]));
      }
    }
  }
  return { contentType: registry.contentType, text: await registry.metrics() };
}
