// --mond without --mond-data: the htools ask every node's monitoring daemon (port 1815)
// for the collectors' latest reports before the (synchronous) program body runs, as
// Ganeti's Backend/MonD.hs does with curl. Turning the reports into load is the pure
// src/htools/mond.ts.
import { type MonDReport, reportPath, readReport } from "../htools/mond.js";
import { decodeJson } from "../monitoring/textjson.js";
import { DEFAULT_MOND_PORT } from "../constants.js";
import { resolveHost } from "../util/identity.js";
import { ganetiPaths } from "../util/paths.js";

export const MOND_PORT = DEFAULT_MOND_PORT;
/** How long one daemon may take to answer (Ganeti leaves it to curl's defaults). */
const TIMEOUT_MS = 15_000;

export interface MonDAnswers {
  /** node name → collector → its report (null: no usable answer). */
  readonly reports: ReadonlyMap<string, ReadonlyMap<string, MonDReport | null>>;
  /** "Failed to contact ..." for each daemon that could not be reached, in query order. */
  readonly warnings: readonly string[];
}

/** A node's address: the cluster's hosts file first ($GANETI_ROOT/etc/hosts), as the daemons resolve names. */
async function addressOf(node: string): Promise<string> {
  try {
    return (await resolveHost(ganetiPaths(), node)).ip;
  } catch {
    return node; // let the HTTP client report what it cannot reach
  }
}

async function queryOne(node: string, dc: string): Promise<{ report: MonDReport | null; reached: boolean }> {
  const addr = await addressOf(node);
  const host = addr.includes(":") && !addr.startsWith("[") ? `[${addr}]` : addr;
  try {
    const res = await fetch(`http://${host}:${MOND_PORT}${reportPath(dc)}`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    const body = await res.text();
    const d = decodeJson(body);
    if (!d.ok) return { report: null, reached: true };
    try {
      return { report: readReport(d.value), reached: true };
    } catch {
      return { report: null, reached: true };
    }
  } catch {
    return { report: null, reached: false };
  }
}

/** Every node's daemon asked for every collector (all at once). */
export async function queryMonDs(nodes: readonly string[], collectors: readonly string[]): Promise<MonDAnswers> {
  const reports = new Map<string, Map<string, MonDReport | null>>();
  const warnings: string[] = [];
  for (const dc of collectors) {
    const answers = await Promise.all(nodes.map((n) => queryOne(n, dc)));
    nodes.forEach((n, k) => {
      const a = answers[k]!;
      if (!a.reached) warnings.push(`Failed to contact node's ${n} MonD for DC ${dc}`);
      let m = reports.get(n);
      if (m === undefined) reports.set(n, (m = new Map()));
      m.set(dc, a.report);
    });
  }
  return { reports, warnings };
}
