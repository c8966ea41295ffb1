// What crosses ganeti-clid's socket (native/gnt-launch.c is the other side).
//   launcher → worker: "ganeti-clid 1 PID TTYS COLS\n" — its pid (the worker reads the
//     command line, environment and working directory from /proc/PID/), which of its
//     stdin/stdout/stderr are terminals ("011"), and the terminal's width (0: none).
//   worker → launcher: either "direct\n" before the command starts (start it yourself),
//     or output frames "1 LEN\n" / "2 LEN\n" followed by LEN bytes for stdout / stderr,
//     then "exit N\n".
import { join } from "node:path";
import type { GanetiPaths } from "../util/paths.js";

export const CLID_DAEMON = "ganeti-clid";
/** A warm worker's process title, until it takes a command (then the command's own line). */
export const WORKER_TITLE = "ganeti-clid: warm worker";

export function clidSocket(paths: GanetiPaths): string {
  return join(paths.runDir, "socket/ganeti-clid");
}

export interface LaunchRequest {
  readonly pid: number;
  /** isatty() of the launcher's stdin, stdout, stderr. */
  readonly tty: readonly [boolean, boolean, boolean];
  readonly columns: number;
}

export function parseRequest(line: string): LaunchRequest | null {
  const m = /^ganeti-clid 1 ([1-9][0-9]{0,9}) ([01])([01])([01]) ([0-9]{1,5})$/.exec(line);
  if (m === null) return null;
  return { pid: Number(m[1]), tty: [m[2] === "1", m[3] === "1", m[4] === "1"], columns: Number(m[5]) };
}

export const ANSWER_DIRECT = "direct\n";

export function outputFrameHeader(stream: 1 | 2, length: number): string {
  return `${stream} ${length}\n`;
}

export function answerExit(code: number): string {
  return `exit ${code}\n`;
}

/** The programs a worker loads and runs (their resident subcommands); any other is started directly. */
export const WORKER_PROGRAMS = ["gnt-job", "gnt-node", "gnt-cluster", "gnt-instance", "gnt-group", "gnt-network",
  "gnt-backup"] as const;

/**
 * The hook a worker leaves on globalThis for the command framework (the program's bundle
 * has its own copy of the framework, so a module variable could not reach it): asked once
 * the subcommand is known, whether it is resident; a worker sends the others back.
 */
export const CLID_GATE = Symbol.for("ganeti-ts.clid.gate");
export type ClidGate = (resident: boolean) => void;
