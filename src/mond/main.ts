// ganeti-mond: the monitoring daemon of every node (port 1815, plain HTTP, read-only).
// It samples the stateful collectors at their intervals and answers reports on request;
// which collectors are on comes from ssconf_data_collectors (gnt-cluster modify
// --enabled-data-collectors / --data-collector-interval).
import { parseArgs } from "node:util";
import { mkdir, writeFile } from "node:fs/promises";
import { ganetiPaths } from "../util/paths.js";
import { myHostname, resolveHost } from "../util/identity.js";
import { daemonLogger } from "../util/log.js";
import { readSsconf } from "../util/ssconf.js";
import { DEFAULT_MOND_PORT, DEFAULT_NODED_PORT } from "../constants.js";
import { formatError, GenericError } from "../errors.js";
import { DAEMON_OPTIONS, exitOnStopSignals } from "../util/daemon.js";
import { makeCollectors, type Collector } from "./collectors.js";
import { configFor, parseCollectorConfig } from "./config.js";
import { nodeSources } from "./sources.js";
import { buildMondServer } from "./server.js";

/** Ganeti's mond wakes at least every 5 s to see which collectors are due. */
const MAX_SLEEP_MS = 5000;

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: DAEMON_OPTIONS,
  });
  const paths = ganetiPaths();
  await mkdir(paths.runDir, { recursive: true });
  const log = daemonLogger(paths, "ganeti-mond", values.debug === true);
  const hostname = await myHostname(paths);
  const nodeIp = (await resolveHost(paths, hostname)).ip;
  const bind = values.bind ?? nodeIp;
  const port = values.port !== undefined ? Number(values.port) : DEFAULT_MOND_PORT;
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new GenericError(`Invalid port '${values.port ?? ""}'`);

  const sources = nodeSources(paths, { name: hostname, ip: nodeIp, port: DEFAULT_NODED_PORT });
  const collectors = makeCollectors(sources);
  const config = async (): Promise<ReturnType<typeof parseCollectorConfig>> => parseCollectorConfig(await readSsconf(paths, "data_collectors"));
  const active = async (): Promise<Collector[]> => {
    const cfg = await config();
    return collectors.filter((c) => configFor(cfg, c.name).active);
  };

  // The collection loop: each stateful collector sampled at its own interval.
  const due = new Map<string, number>();
  let timer: NodeJS.Timeout | null = null;
  const collect = async (): Promise<void> => {
    const cfg = await config();
    const now = Date.now();
    let next = now + MAX_SLEEP_MS;
    for (const c of collectors) {
      const cc = configFor(cfg, c.name);
      if (c.update === undefined || !cc.active) continue;
      const at = due.get(c.name) ?? now;
      if (at <= now) {
        await c.update().catch((e: unknown) => log.warn({ collector: c.name, err: (e as Error).message }, "collection failed"));
        // The second sample comes within a second, so a fresh daemon reports a load soon.
        const first = !due.has(c.name);
        due.set(c.name, now + (first ? Math.min(1000, cc.intervalUs / 1000) : cc.intervalUs / 1000));
      }
      next = Math.min(next, due.get(c.name)!);
    }
    timer = setTimeout(() => void collect(), Math.max(100, next - Date.now()));
  };
  await collect();

  const app = buildMondServer({ active, nowUs: sources.nowUs }, log);
  await app.listen({ host: bind, port });
  await writeFile(paths.pidFile("ganeti-mond"), `${process.pid}\n`);
  log.info({ ip: bind, port }, "ganeti-mond started");

  exitOnStopSignals(paths, "ganeti-mond", log, async () => {
    if (timer !== null) clearTimeout(timer);
    await Promise.allSettled([app.close(), sources.close()]);
  });
}

export function run(): void {
  main().catch((e: unknown) => {
    process.stderr.write(`ganeti-mond: ${formatError(e).text}\n`);
    process.exit(1);
  });
}
