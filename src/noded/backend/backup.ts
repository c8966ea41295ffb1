// gnt-backup on a node: exports live under the export directory, one directory per
// instance (config.ini and one image per disk, each the output of the OS export script).
// The source node streams the script's output to the export node; an import pulls the
// images from the export node into the OS import script.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdir, readdir, readFile, rename, rm, open, stat } from "node:fs/promises";
import { join } from "node:path";
import type { RpcArgs, RpcResultOf } from "../../rpc/catalogue.js";
import { RpcClient } from "../../rpc/client.js";
import type { NodedContext } from "../context.js";
import { BlockDeviceError, GenericError } from "../../errors.js";
import { spawnOsScript, diskPath } from "../../os/runner.js";
import { startTransfer } from "../../storage/transfer.js";
import { CHUNK } from "../../storage/drbd-sync.js";
import { atomicWrite } from "../../util/fs.js";
import { withExtDevPaths } from "./ext.js";

const SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const ZERO = Buffer.alloc(CHUNK * 4);

function isZero(b: Buffer): boolean {
  return b.length <= ZERO.length && b.equals(ZERO.subarray(0, b.length));
}

function exportDir(ctx: NodedContext, name: string, sub = ""): string {
  if (!SAFE.test(name) || (sub !== "" && !SAFE.test(sub))) throw new GenericError(`Invalid export name '${name}${sub === "" ? "" : `/${sub}`}'`);
  return join(ctx.paths.root, "srv/ganeti/export", name, sub);
}

function peerClient(ctx: NodedContext): RpcClient {
  const cert = ctx.cert();
  if (cert === null) throw new BlockDeviceError("This node is not part of a cluster");
  return new RpcClient({ cert, connectTimeout: 3 });
}

/**
 * Ganeti's compression commands (impexpd): gzip and gzip-fast compress with `gzip -1`,
 * gzip-slow with gzip's default level, lzop with lzop; another tool of the cluster's
 * compression_tools is run by its name (and with -d to decompress).
 */
export function compressionCommand(tool: string, direction: "compress" | "decompress"): string[] {
  if (!/^[A-Za-z0-9_-]+$/.test(tool)) throw new GenericError(`Invalid compression tool '${tool}'`);
  const utility = tool === "gzip-fast" || tool === "gzip-slow" ? "gzip" : tool;
  if (direction === "decompress") return tool === "gzip" || tool === "gzip-fast" || tool === "gzip-slow" || tool === "lzop" ? [utility, "-d", "-c"] : [tool, "-d"];
  if (tool === "gzip" || tool === "gzip-fast") return ["gzip", "-1", "-c"];
  if (tool === "gzip-slow" || tool === "lzop") return [utility, "-c"];
  return [tool];
}

/** A compression tool as a pipe stage; `done` rejects when it fails. */
function pipeStage(tool: string, direction: "compress" | "decompress"): { proc: ChildProcessWithoutNullStreams; done: Promise<void> } {
  const [cmd, ...argv] = compressionCommand(tool, direction);
  const proc = spawn(cmd ?? tool, argv, { stdio: ["pipe", "pipe", "pipe"] });
  // A tool that dies (or never starts) is reported through `done`, not as a stream error.
  proc.stdin.on("error", () => undefined);
  let stderr = "";
  proc.stderr.on("data", (b: Buffer) => {
    stderr += b.toString();
  });
  const done = new Promise<void>((resolve, reject) => {
    proc.once("error", (e) => reject(new GenericError(`Can't run compression tool ${cmd ?? tool}: ${e.message}`)));
    proc.once("close", (code) => (code === 0 ? resolve() : reject(new GenericError(`Compression tool ${cmd ?? tool} failed (exit code ${String(code)}): ${stderr.trim()}`))));
  });
  return { proc, done };
}

const compressed = (tool: string | undefined): tool is string => tool !== undefined && tool !== "" && tool !== "none";

/** Source side: the OS export script's output for one disk (compressed if asked) goes to `<name>.new/<file>` on dest. */
export async function exportStart(a: RpcArgs<"export_start">, ctx: NodedContext): Promise<{ id: string }> {
  const args = { ...a, instance: await withExtDevPaths(ctx, a.instance) };
  const path = args.instance.disks[args.index];
  if (path === undefined) throw new GenericError(`Instance ${args.instance.name} has no disk ${args.index}`);
  const devPath = diskPath(ctx.paths, path);
  const { child, done: scriptDone } = await spawnOsScript(ctx.paths, "export", args.instance, { EXPORT_INDEX: String(args.index), EXPORT_DEVICE: devPath });
  let output = child.stdout as NodeJS.ReadableStream;
  let done = scriptDone;
  if (compressed(args.compress)) {
    const stage = pipeStage(args.compress, "compress");
    output.pipe(stage.proc.stdin);
    output = stage.proc.stdout;
    done = Promise.all([scriptDone, stage.done]).then(() => undefined);
    done.catch(() => undefined); // awaited once the stream ends; an early failure must not go unhandled meanwhile
  }
  const rpc = peerClient(ctx);
  async function* chunks(): AsyncGenerator<[number, Buffer]> {
    let at = 0;
    let pending: Buffer[] = [];
    let size = 0;
    for await (const c of output as AsyncIterable<Buffer>) {
      pending.push(c);
      size += c.length;
      if (size >= CHUNK) {
        const b = Buffer.concat(pending);
        // All-zero chunks stay holes in the (sparse) image; the last one always goes, for the length.
        if (!isZero(b)) yield [at, b];
        at += b.length;
        pending = [];
        size = 0;
      }
    }
    yield [at, Buffer.concat(pending)];
    await done;
  }
  const st = startTransfer(chunks(), path.size * 1048576, async (offset, data) => {
    (await rpc.call(args.dest, "export_write_chunk", { name: `${args.name}.new`, file: args.file, offset, data: data.toString("base64") }))
      .raise(`Sending to ${args.dest.name}`);
  }, async () => {
    await rpc.close();
  });
  return { id: st.id };
}

export async function exportWriteChunk(args: RpcArgs<"export_write_chunk">, ctx: NodedContext): Promise<null> {
  const dir = exportDir(ctx, args.name);
  const path = exportDir(ctx, args.name, args.file); // validates the file name too
  await mkdir(dir, { recursive: true });
  // The image is written sparsely: chunks arrive in order but zero runs are skipped.
  const fh = await open(path, "r+").catch(async (e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return open(path, "w");
    throw e;
  });
  try {
    const data = Buffer.from(args.data, "base64");
    await fh.write(data, 0, data.length, args.offset);
  } finally {
    await fh.close();
  }
  return null;
}

/** Export side: config.ini written, the new export replaces any older one of the instance. */
export async function exportFinalize(args: RpcArgs<"export_finalize">, ctx: NodedContext): Promise<null> {
  const tmp = exportDir(ctx, `${args.name}.new`);
  await mkdir(tmp, { recursive: true });
  await atomicWrite(join(tmp, "config.ini"), args.config);
  const final = exportDir(ctx, args.name);
  await rm(final, { recursive: true, force: true });
  await rename(tmp, final);
  return null;
}

export async function exportList(_a: unknown, ctx: NodedContext): Promise<string[]> {
  const base = join(ctx.paths.root, "srv/ganeti/export");
  const names = await readdir(base).catch(() => []);
  const out: string[] = [];
  for (const n of names.sort()) {
    if (n.endsWith(".new")) continue;
    if ((await stat(join(base, n, "config.ini")).catch(() => null)) !== null) out.push(n);
  }
  return out;
}

export async function exportRemove(args: RpcArgs<"export_remove">, ctx: NodedContext): Promise<null> {
  const dir = exportDir(ctx, args.name);
  if ((await stat(dir).catch(() => null)) === null) throw new GenericError(`Export ${args.name} not found`);
  await rm(dir, { recursive: true, force: true });
  return null;
}

export async function exportInfo(args: RpcArgs<"export_info">, ctx: NodedContext): Promise<string> {
  return readFile(exportDir(ctx, args.name, "config.ini"), "utf8").catch(() => {
    throw new GenericError(`Export ${args.name} not found or invalid (no config.ini)`);
  });
}

export async function exportReadChunk(args: RpcArgs<"export_read_chunk">, ctx: NodedContext): Promise<RpcResultOf<"export_read_chunk">> {
  const fh = await open(exportDir(ctx, args.name, args.file), "r");
  try {
    const buf = Buffer.alloc(Math.min(args.length, CHUNK * 4));
    const { bytesRead } = await fh.read(buf, 0, buf.length, args.offset);
    const data = buf.subarray(0, bytesRead);
    // A run of zeros travels as its length only.
    return isZero(data) ? { data: "", zeros: bytesRead, eof: bytesRead < buf.length }
      : { data: data.toString("base64"), eof: bytesRead < buf.length };
  } finally {
    await fh.close();
  }
}

/** Target side of an import: the export image, pulled from its node, into the OS import script. */
export async function importStart(a: RpcArgs<"import_start">, ctx: NodedContext): Promise<{ id: string }> {
  const args = { ...a, instance: await withExtDevPaths(ctx, a.instance) };
  const disk = args.instance.disks[args.index];
  if (disk === undefined) throw new GenericError(`Instance ${args.instance.name} has no disk ${args.index}`);
  const devPath = diskPath(ctx.paths, disk);
  const { child, done: scriptDone } = await spawnOsScript(ctx.paths, "import", args.instance, { IMPORT_INDEX: String(args.index), IMPORT_DEVICE: devPath });
  const rpc = peerClient(ctx);
  async function* pulled(): AsyncGenerator<[number, Buffer]> {
    for (let at = 0; ; ) {
      const r = (await rpc.call(args.src, "export_read_chunk", { name: args.name, file: args.file, offset: at, length: CHUNK * 4 }))
        .raise(`Reading the export from ${args.src.name}`);
      const data = r.zeros !== undefined ? Buffer.alloc(r.zeros) : Buffer.from(r.data, "base64");
      if (data.length > 0) yield [at, data];
      at += data.length;
      if (r.eof) return;
    }
  }
  if (child.stdin === null) throw new GenericError("OS import script has no input");
  // A compressed image goes through the tool's decompression into the OS import script.
  let stdin: NodeJS.WritableStream = child.stdin;
  let done = scriptDone;
  if (compressed(args.compress)) {
    const stage = pipeStage(args.compress, "decompress");
    stage.proc.stdout.pipe(child.stdin);
    stdin = stage.proc.stdin;
    done = Promise.all([scriptDone, stage.done]).then(() => undefined);
    done.catch(() => undefined); // awaited when the transfer ends
  }
  const st = startTransfer(pulled(), args.size, async (_offset, data) => {
    if (!stdin.write(data)) await new Promise((r) => stdin.once("drain", r));
  }, async (ok) => {
    stdin.end();
    await rpc.close();
    if (!ok) child.kill();
    await done;
    if (disk.dev_type === "drbd" && ctx.drbd.isActive(disk.uuid)) await ctx.drbd.flush(disk.uuid);
  });
  return { id: st.id };
}
