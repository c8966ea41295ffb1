// Which data collectors run and how often: the cluster's data_collectors, as the node's
// ssconf_data_collectors file carries them ("NAME True|False INTERVAL_US" lines; Ganeti's
// mond asks Confd every 15 s instead). A node outside a cluster runs them all every 5 s.
import { DATA_COLLECTOR_INTERVAL_US } from "../objects/param-defaults.js";

export interface CollectorConfig {
  readonly active: boolean;
  /** Microseconds between two runs of a stateful collector. */
  readonly intervalUs: number;
}

export const DEFAULT_COLLECTOR_CONFIG: CollectorConfig = { active: true, intervalUs: DATA_COLLECTOR_INTERVAL_US };

/** The ssconf file's lines by collector name; unreadable lines are skipped. */
export function parseCollectorConfig(text: string | null): Map<string, CollectorConfig> {
  const out = new Map<string, CollectorConfig>();
  for (const line of (text ?? "").split("\n")) {
    const [name, active, interval] = line.trim().split(/\s+/);
    if (name === undefined || name === "" || active === undefined) continue;
    const us = Number(interval);
    out.set(name, { active: active === "True", intervalUs: Number.isFinite(us) && us > 0 ? us : DATA_COLLECTOR_INTERVAL_US });
  }
  return out;
}

/** A collector's settings: the file's, or the defaults when the file does not name it. */
export function configFor(cfg: ReadonlyMap<string, CollectorConfig>, name: string): CollectorConfig {
  return cfg.get(name) ?? DEFAULT_COLLECTOR_CONFIG;
}
