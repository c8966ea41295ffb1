// A warm ganeti-clid worker: started ahead of time, it runs exactly one command as if it
// had been started in the launcher's place — the launcher's command line, environment and
// working directory read from /proc/<pid>/ — sends the command's output back to the
// launcher as it is written, then its exit code, and exits. One command per process, so
// nothing of one command can leak into the next.
import { appendFileSync, readFileSync, readlinkSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Readable, Writable } from "node:stream";
import type { Socket } from "node:net";
import { ANSWER_DIRECT, answerExit, CLID_GATE, outputFrameHeader, parseRequest, WORKER_PROGRAMS, WORKER_TITLE,
  type ClidGate, type LaunchRequest } from "./protocol.js";

/** Handed a command: from then on this process belongs to it. */
let taken = false;
const packageDir = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const requireHere = createRequire(import.meta.url);

interface Program { run(): void }

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Writes everything synchronously (the socket is non-blocking: a full buffer is waited out). */
function writeAll(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) {
    try {
      off += writeSync(fd, data, off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

/**
 * process.stdout / process.stderr of the command: each write goes to the launcher as one
 * frame, synchronously, so stdout and stderr keep their order as on a terminal. It looks
 * like the launcher's own stream (isTTY, columns) to the program.
 */
class LauncherStream extends Writable {
  constructor(private readonly socketFd: number, private readonly stream: 1 | 2, readonly isTTY: boolean,
    readonly columns: number | undefined) {
    super({ decodeStrings: true });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    if (chunk.length === 0) return done();
    try {
      writeAll(this.socketFd, Buffer.concat([Buffer.from(outputFrameHeader(this.stream, chunk.length)), chunk]));
      done();
    } catch (e) {
      // The launcher is gone (killed, or its stdout closed): the program sees EPIPE.
      done(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
      void e;
    }
  }
}

function replaceStream(name: "stdin" | "stdout" | "stderr", stream: unknown): void {
  Object.defineProperty(process, name, { configurable: true, enumerable: true, get: () => stream });
}

function nulSeparated(path: string): string[] {
  const parts = readFileSync(path).toString("utf8").split("\0");
  if (parts.at(-1) === "") parts.pop();
  return parts;
}

function runCommand(socket: Socket, socketFd: number, req: LaunchRequest): void {
  const answer = (text: string): void => {
    try {
      writeAll(socketFd, Buffer.from(text));
    } catch {
      // the launcher is gone
    }
  };
  let sentBack = false;
  const direct = (): never => {
    sentBack = true;
    answer(ANSWER_DIRECT);
    process.exit(0);
  };
  let argv: string[], env: string[], cwd: string;
  try {
    argv = nulSeparated(`/proc/${req.pid}/cmdline`);
    env = nulSeparated(`/proc/${req.pid}/environ`);
    cwd = readlinkSync(`/proc/${req.pid}/cwd`);
    process.chdir(cwd);
  } catch {
    return direct();
  }
  // gnt-launch PROGRAM BUNDLE ARGS...
  const program = argv[1];
  if (program === undefined || !(WORKER_PROGRAMS as readonly string[]).includes(program)) return direct();
  for (const k of Object.keys(process.env)) delete process.env[k];
  for (const kv of env) {
    const eq = kv.indexOf("=");
    if (eq > 0) process.env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  delete process.env["NODE_EXTRA_CA_CERTS"]; // as a direct start (see bin/)
  process.argv = [process.execPath, join(packageDir, "bin", program), ...argv.slice(3)];
  process.title = [program, ...process.argv.slice(2)].join(" ");
  const gate: ClidGate = (resident) => {
    if (!resident) direct();
    // A diagnostic for administrators and tests: which commands a worker ran.
    const trace = process.env["GANETI_CLID_TRACE"];
    if (trace !== undefined && trace !== "") appendFileSync(trace, `${[program, ...process.argv.slice(2)].join(" ")}\n`);
  };
  (globalThis as Record<symbol, unknown>)[CLID_GATE] = gate;
  const columns = req.columns > 0 ? req.columns : undefined;
  // Resident commands read no input: an empty stdin that says whether it is a terminal.
  replaceStream("stdin", Object.assign(Readable.from([]), { isTTY: req.tty[0] }));
  replaceStream("stdout", new LauncherStream(socketFd, 1, req.tty[1], req.tty[1] ? columns : undefined));
  replaceStream("stderr", new LauncherStream(socketFd, 2, req.tty[2], req.tty[2] ? columns : undefined));
  // The launcher killed (Ctrl-C): the command ends with it, as it would have.
  socket.on("close", () => process.exit(130));
  socket.on("error", () => undefined);
  process.on("exit", (code) => {
    if (!sentBack) answer(answerExit(code));
  });
  process.on("uncaughtException", (e) => {
    process.stderr.write(`${e.stack ?? String(e)}\n`);
    process.exit(1);
  });
  (requireHere(join(packageDir, "dist/cli-bundle", `${program}.cjs`)) as Program).run();
}

function serve(socket: Socket): void {
  const socketFd = (socket as unknown as { _handle: { fd: number } })._handle.fd;
  let line = "";
  const onData = (chunk: string): void => {
    line += chunk;
    const nl = line.indexOf("\n");
    if (nl < 0) {
      if (line.length > 96) process.exit(1);
      return;
    }
    socket.off("data", onData);
    // Read on, only to see the launcher go (its end closes the socket); from here the
    // command's own work decides when the worker exits.
    socket.on("data", () => undefined);
    socket.unref();
    const req = parseRequest(line.slice(0, nl));
    if (req === null) process.exit(1);
    runCommand(socket, socketFd, req);
  };
  socket.setEncoding("latin1");
  socket.on("data", onData);
  socket.resume();
}

// Node's own modules that every program needs are loaded before the worker says it is
// ready; the programs' bundles after, one per turn of the event loop until a command comes
// (a bundle not loaded yet is loaded for its command). So a worker is ready soon after the
// last one took a command, and a command finds its program loaded when the worker had time.
for (const m of ["node:net", "node:fs/promises", "node:dns/promises", "node:os", "node:readline/promises"]) requireHere(m);
const preload = (i: number): void => {
  const program = WORKER_PROGRAMS[i];
  if (taken || program === undefined) return;
  requireHere(join(packageDir, "dist/cli-bundle", `${program}.cjs`));
  setImmediate(() => preload(i + 1));
};
process.once("message", (m: unknown, handle: unknown) => {
  if (m !== "run" || handle === undefined) process.exit(1);
  taken = true;
  // One command per worker; the daemon does not wait for it.
  process.disconnect();
  serve(handle as Socket);
});
// The daemon stopped before handing this worker a command: nothing to do.
process.once("disconnect", () => {
  if (!taken) process.exit(0);
});
process.send!("ready");
// What ps shows for a worker waiting for a command (and how tests see it is ready).
process.title = WORKER_TITLE;
setImmediate(() => preload(0));
