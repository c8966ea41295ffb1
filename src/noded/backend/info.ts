// Node facts: versions, memory/CPU/storage, and verification data for gnt-cluster verify.
import { tcpPing } from "../../util/net.js";
import { readFile, statfs } from "node:fs/promises";
import { createHash } from "node:crypto";
import { cpus } from "node:os";
import { join, normalize } from "node:path";
import { PROTOCOL_VERSION, RELEASE_VERSION, DEFAULT_NODED_PORT } from "../../constants.js";
import type { NodedContext } from "../context.js";
import type { RpcArgs, RpcResultOf } from "../../rpc/catalogue.js";
import { readSsconf } from "../../util/ssconf.js";
import { fakeList } from "../../hypervisor/fake.js";

export async function version(): Promise<RpcResultOf<"version">> {
  return { protocol: PROTOCOL_VERSION, release: RELEASE_VERSION };
}

async function meminfo(): Promise<{ total: number; free: number }> {
  // (returns a fresh object: callers may adjust it)
  const text = await readFile("/proc/meminfo", "utf8");
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? 0);
  return { total: Math.floor(kb("MemTotal") / 1024), free: Math.floor(kb("MemAvailable") / 1024) };
}

export async function nodeInfo(args: RpcArgs<"node_info">, ctx: NodedContext): Promise<RpcResultOf<"node_info">> {
  const mem = await meminfo();
  // As Ganeti's fake hypervisor: memory given to (fake) instances is not free any more.
  const used = (await fakeList(ctx.paths, ctx.bootId)).reduce((a, i) => a + i.memory, 0);
  // The node's own use (dom0) is what the host uses, not counting the fake guests, so that
  // total = dom0 + instances + free, as the iallocator's arithmetic expects.
  const dom0 = Math.max(0, mem.total - mem.free);
  mem.free -= Math.min(mem.free, used);
  const storage = [];
  for (const dir of args.storage_dirs) {
    const p = join(ctx.paths.root, dir);
    try {
      const s = await statfs(p);
      storage.push({
        type: "file", name: dir,
        storage_size: Math.floor((s.blocks * s.bsize) / 1048576),
        storage_free: Math.floor((s.bavail * s.bsize) / 1048576),
      });
    } catch {
      // a missing storage dir reports nothing rather than a wrong zero
    }
  }
  return {
    bootid: ctx.bootId,
    memory_total: mem.total,
    memory_free: mem.free,
    memory_dom0: dom0,
    cpu_total: cpus().length,
    cpu_dom0: cpus().length, // as Ganeti's Linux node info: the node OS can use every CPU
    cpu_nodes: 1,
    cpu_sockets: 1,
    storage,
  };
}

/** Only Ganeti's own files may be checksummed, never arbitrary paths. */
function allowedChecksumPath(p: string): boolean {
  const n = normalize(p);
  return n === "/var/lib/ganeti/config.data" || n === "/etc/hosts" || n === "/var/lib/ganeti/server.pem" ||
    /^\/var\/lib\/ganeti\/ssconf_[a-z_]+$/.test(n) || n.startsWith("/etc/ganeti/");
}

async function sha1File(path: string): Promise<string | null> {
  try {
    return createHash("sha1").update(await readFile(path)).digest("hex");
  } catch {
    return null;
  }
}

export async function nodeVerify(args: RpcArgs<"node_verify">, ctx: NodedContext): Promise<RpcResultOf<"node_verify">> {
  const file_checksums: Record<string, string | null> = {};
  await Promise.all(args.checksum_files.filter(allowedChecksumPath).map(async (f) => {
    file_checksums[f] = await sha1File(join(ctx.paths.root, f));
  }));
  const nodelist: Record<string, string | null> = {};
  await Promise.all(args.node_names_to_check.map(async ({ name, ip }) => {
    nodelist[name] = await tcpPing(ip, DEFAULT_NODED_PORT, 5000);
  }));
  return {
    hostname: ctx.hostname,
    version: PROTOCOL_VERSION,
    time: Date.now() / 1000,
    file_checksums,
    nodelist,
  };
}

export async function masterNodeName(_a: unknown, ctx: NodedContext): Promise<RpcResultOf<"master_node_name">> {
  return { master: await readSsconf(ctx.paths, "master_node"), hostname: ctx.hostname };
}
