// gnt-cluster command and copyfile, the node's part. Ganeti runs them as root over SSH;
// ganeti-ts nodes have no SSH trust (they join with a token over TLS), so they come over
// the node RPC, authenticated like every other call by the cluster certificate — the same
// trust that already lets the master run hooks, OS scripts and out-of-band helpers here.
// Paths are below the node's root (on a real node "/", as Ganeti's).
import { spawn } from "node:child_process";
import { mkdir, utimes } from "node:fs/promises";
import { dirname, join, normalize } from "node:path";
import type { RpcArgs, RpcResultOf } from "../../rpc/catalogue.js";
import type { NodedContext } from "../context.js";
import { atomicWrite } from "../../util/fs.js";
import { GenericError } from "../../errors.js";

/** Output kept per command (Ganeti keeps all of it; a runaway command must not exhaust the daemon). */
const MAX_OUTPUT = 16 * 1024 * 1024;

/** Runs a shell command line as `ssh root@node COMMAND` would: stdout and stderr, then the exit code. */
export function nodeRunCommand(args: RpcArgs<"node_run_command">, ctx: NodedContext): Promise<RpcResultOf<"node_run_command">> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", args.command], {
      cwd: ctx.paths.root,
      env: { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/root", GANETI_ROOT: ctx.paths.root },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let cut = false;
    const take = (s: string, chunk: Buffer): string => {
      if (stdout.length + stderr.length + chunk.length > MAX_OUTPUT) {
        cut = true;
        return s;
      }
      return s + chunk.toString("utf8");
    };
    child.stdout.on("data", (c: Buffer) => (stdout = take(stdout, c)));
    child.stderr.on("data", (c: Buffer) => (stderr = take(stderr, c)));
    child.on("error", (e) => reject(new GenericError(`Can't run the command: ${e.message}`)));
    child.on("close", (code, signal) => {
      const note = cut ? `\n[output cut at ${MAX_OUTPUT} bytes]\n` : "";
      resolve({ output: stdout + stderr + note, exit_code: code ?? (signal !== null ? 128 : 1) });
    });
  });
}

/** Writes a file the master sent, with its mode and times (scp -p). */
export async function nodeCopyFile(args: RpcArgs<"node_copy_file">, ctx: NodedContext): Promise<null> {
  const rel = normalize(args.path);
  if (!rel.startsWith("/") || rel.split("/").includes("..")) throw new GenericError(`Invalid file name '${args.path}'`);
  const target = join(ctx.paths.root, rel);
  await mkdir(dirname(target), { recursive: true });
  await atomicWrite(target, Buffer.from(args.content, "base64"), { mode: args.mode & 0o7777 });
  await utimes(target, args.atime, args.mtime);
  return null;
}
