// Test harness for integration tests: a real devcluster (real daemons, real TLS) in a
// temporary directory, and a way to run the real gnt-* programs as a given node.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { connect } from "node:net";

export const BIN = resolve(join(fileURLToPath(import.meta.url), "../../../../bin"));

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runBin(program: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    // Started as an administrator starts it: bin/<program> itself (for gnt-* programs, the
    // launcher that hands the command to the node's ganeti-clid when it can).
    const { NODE_EXTRA_CA_CERTS: _dropped, ...inherited } = process.env;
    execFile(join(BIN, program), [...args], {
      env: { ...inherited, GANETI_HOSTNAME: "", ...env }, timeout: timeoutMs, maxBuffer: 16 << 20,
    }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1;
      resolvePromise({ code, stdout, stderr });
    });
  });
}

export class DevCluster {
  private constructor(readonly dir: string, readonly subnet: number) {}

  static async up(nodes: number, subnet: number): Promise<DevCluster> {
    return DevCluster.upWith(["--nodes", String(nodes), "--subnet", String(subnet)], subnet);
  }

  static async upWith(args: readonly string[], subnet: number): Promise<DevCluster> {
    const dir = await mkdtemp(join(tmpdir(), "gdc-"));
    const c = new DevCluster(dir, subnet);
    const r = await c.devcluster("up", ...args);
    if (r.code !== 0) throw new Error(`devcluster up failed:\n${r.stdout}\n${r.stderr}`);
    return c;
  }

  root(node: string): string {
    return join(this.dir, node);
  }

  ip(i: number): string {
    return `127.0.${this.subnet}.${i}`;
  }

  devcluster(...args: string[]): Promise<RunResult> {
    return runBin("gnt-devcluster", [...args, "--dir", this.dir]);
  }

  /** Runs a gnt-* command as if logged in on `node`. */
  on(node: string, program: string, ...args: string[]): Promise<RunResult> {
    return runBin(program, args, { GANETI_ROOT: this.root(node) });
  }

  /** Runs a command on node1 (the master) that must succeed; its stdout. */
  async ok(program: string, ...args: string[]): Promise<string> {
    const r = await this.on("node1", program, ...args);
    if (r.code !== 0) throw new Error(`${program} ${args.join(" ")} exited with ${r.code}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }

  async destroy(): Promise<void> {
    await this.devcluster("down");
    if (process.env["KEEP_DEVCLUSTER"] === undefined) await rm(this.dir, { recursive: true, force: true });
  }
}

/** Parses `list --no-headers --separator=|` output into rows of cells. */
export function rows(stdout: string): string[][] {
  return stdout.trim().split("\n").filter((l) => l !== "").map((l) => l.split("|"));
}

const STAMP = /^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} /;
/** A job's log lines as the CLI prints them, without their timestamps. */
export function jobLog(stdout: string): string[] {
  return stdout.split("\n").filter((l) => l !== "").map((l) => l.replace(STAMP, ""));
}

/** Asserts that `lines` holds `want` in this order (other lines may come between). */
export function inOrder(lines: readonly string[], want: readonly string[]): void {
  let at = 0;
  for (const w of want) {
    const i = lines.indexOf(w, at);
    if (i < 0) throw new Error(`"${w}" not found after line ${at} in:\n${lines.join("\n")}`);
    at = i + 1;
  }
}

/** Waits (up to `ms`) until something accepts TCP connections at ip:port, e.g. a node daemon just started. */
export async function waitListening(ip: string, port: number, ms = 15_000): Promise<void> {
  const up = (): Promise<boolean> => new Promise((res) => {
    const sock = connect({ host: ip, port }, () => {
      sock.destroy();
      res(true);
    });
    sock.on("error", () => res(false));
  });
  const end = Date.now() + ms;
  while (!(await up())) {
    if (Date.now() > end) throw new Error(`nothing listens at ${ip}:${port} after ${ms} ms`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** Ganeti's CLI text for an OpPrereqError of this type. */
export function prereqFailure(type: string, details: string): string {
  return `Failure: prerequisites not met for this operation:\nerror type: ${type}, error details:\n${details}\n`;
}
