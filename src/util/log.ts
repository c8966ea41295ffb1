// Daemon logs: pino JSON lines in $ROOT/var/log/ganeti/<daemon>.log. Secrets (keys,
// tokens) are never passed to the logger.
import { pino, type Logger } from "pino";
import type { GanetiPaths } from "./paths.js";

export function daemonLogger(paths: GanetiPaths, daemon: string, debug = false): Logger {
  return pino(
    { name: daemon, level: debug ? "debug" : "info", base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: paths.logFile(daemon), sync: false, mkdir: true }),
  );
}
