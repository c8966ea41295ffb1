// Files the master pushes: config.data (to master candidates), ssconf (to all nodes), the
// cluster's hosts file, and the replicated job queue.
import { mkdir, rename, rm } from "node:fs/promises";
import { join, dirname } from "node:path";
import { atomicWrite, atomicWriteMany } from "../../util/fs.js";
import { DirJournal } from "../../util/journal.js";
import { DistributableFile, type RpcArgs } from "../../rpc/catalogue.js";
import { SSCONF_KEYS } from "../../constants.js";
import type { NodedContext } from "../context.js";
import { GenericError } from "../../errors.js";
import { serveOwnSecondary } from "./addresses.js";

export async function uploadFile(args: RpcArgs<"upload_file">, ctx: NodedContext): Promise<null> {
  const target = {
    [DistributableFile.configData]: ctx.paths.configFile,
    [DistributableFile.etcHosts]: ctx.paths.etcHosts,
    [DistributableFile.fileStoragePaths]: ctx.paths.fileStoragePathsFile,
    [DistributableFile.rapiPem]: ctx.paths.rapiPem,
  }[args.file];
  const mode = args.file === DistributableFile.rapiPem ? 0o600 : args.file === DistributableFile.configData ? 0o640 : 0o644;
  await atomicWrite(target, args.content, { mode });
  return null;
}

const KNOWN_SSCONF: ReadonlySet<string> = new Set(SSCONF_KEYS);

export async function writeSsconfFiles(args: RpcArgs<"write_ssconf_files">, ctx: NodedContext): Promise<null> {
  const files: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(args.values)) {
    if (!KNOWN_SSCONF.has(k)) throw new GenericError(`Unknown ssconf key '${k}'`);
    files.push([ctx.paths.ssconf(k), v.endsWith("\n") || v === "" ? v : `${v}\n`]);
  }
  await atomicWriteMany(files, 0o444);
  // A changed secondary IP (gnt-node modify -s) is served from now on.
  if (args.values["node_secondary_ips"] !== undefined) {
    await serveOwnSecondary(ctx).catch((e: unknown) => ctx.log.error({ err: (e as Error).message }, "cannot serve on the secondary IP"));
  }
  return null;
}

/** Queue file names are "serial", "job-N" or "archive/D/job-N": nothing else is written. */
function queuePath(ctx: NodedContext, name: string): string {
  if (!/^(serial|job-\d+|archive\/\d+\/job-\d+)$/.test(name)) throw new GenericError(`Invalid job queue file name '${name}'`);
  return join(ctx.paths.queueDir, name);
}

/** The replicated queue is journaled like the master's (one fdatasync per batch). */
const journals = new Map<string, DirJournal>();
function journal(ctx: NodedContext): DirJournal {
  let j = journals.get(ctx.paths.queueDir);
  if (j === undefined) {
    j = new DirJournal(ctx.paths.queueDir);
    journals.set(ctx.paths.queueDir, j);
  }
  return j;
}

export async function jobqueueUpdate(args: RpcArgs<"jobqueue_update">, ctx: NodedContext): Promise<null> {
  for (const [n] of args.files) queuePath(ctx, n); // validates every name before writing any
  await journal(ctx).append(args.files);
  return null;
}

export async function jobqueueRename(args: RpcArgs<"jobqueue_rename">, ctx: NodedContext): Promise<null> {
  await journal(ctx).withCheckpoint(async () => {
    for (const [from, to] of args.renames) {
      const dst = queuePath(ctx, to);
      await mkdir(dirname(dst), { recursive: true });
      await rename(queuePath(ctx, from), dst).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== "ENOENT") throw e;
      });
    }
  });
  return null;
}

export async function jobqueuePurge(_a: unknown, ctx: NodedContext): Promise<null> {
  const j = journals.get(ctx.paths.queueDir);
  journals.delete(ctx.paths.queueDir);
  await j?.close();
  await rm(ctx.paths.queueDir, { recursive: true, force: true });
  await mkdir(ctx.paths.queueDir, { recursive: true });
  return null;
}

