// Where the node's collectors read from: /proc, the local node daemon (drbd devices, over
// the cluster's mutual TLS like any node RPC), `lvs`, and the node's copy of the
// configuration when it is a master candidate (which instance owns which volume).
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import type { GanetiPaths } from "../util/paths.js";
import { loadNodeCert, type ClusterCert } from "../rpc/certs.js";
import { RpcClient, type RpcTarget } from "../rpc/client.js";
import { LVS_ARGS, type InstanceDisks, type LvDisk } from "../monitoring/lv.js";
import type { CollectorSources } from "./collectors.js";

const run = promisify(execFile);

interface ConfigDisk {
  readonly dev_type?: string;
  readonly logical_id?: unknown;
  readonly children?: readonly ConfigDisk[];
}

function lvDisk(d: ConfigDisk): LvDisk {
  const lid = d.logical_id;
  const plain = d.dev_type === "plain" && Array.isArray(lid) && lid.length === 2 ? [String(lid[0]), String(lid[1])] as const : null;
  return { devType: d.dev_type ?? "", plain, children: (d.children ?? []).map(lvDisk) };
}

/** The instances and their disks from config.data (Ganeti 2.14+ layout: disks by uuid). */
export function instanceDisksOf(config: unknown): InstanceDisks[] {
  const c = config as { instances?: Record<string, { name?: string; disks?: readonly string[] }>; disks?: Record<string, ConfigDisk> };
  return Object.values(c.instances ?? {}).map((i) => ({
    instance: String(i.name ?? ""),
    disks: (i.disks ?? []).map((u) => c.disks?.[u]).filter((d): d is ConfigDisk => d !== undefined).map(lvDisk),
  }));
}

export function nodeSources(paths: GanetiPaths, noded: RpcTarget): CollectorSources & { close(): Promise<void> } {
  let client: { pem: string; cert: ClusterCert; rpc: RpcClient } | null = null;
  const rpc = async (): Promise<RpcClient> => {
    const pem = await readFile(paths.serverPem, "utf8").catch(() => null);
    if (pem === null) throw new Error("This node is not part of a cluster (no cluster certificate)");
    if (client === null || client.pem !== pem) {
      const cert = await loadNodeCert(paths.serverPem);
      if (cert === null) throw new Error("This node is not part of a cluster (no cluster certificate)");
      void client?.rpc.close();
      client = { pem, cert, rpc: new RpcClient({ cert, connectTimeout: 3 }) };
    }
    return client.rpc;
  };
  return {
    readProcStat: () => readFile("/proc/stat", "utf8"),
    readDiskstats: () => readFile("/proc/diskstats", "utf8"),
    async drbdDevices() {
      return (await (await rpc()).call(noded, "drbd_list", {})).raise("drbd status from the node daemon");
    },
    async runLvs() {
      try {
        return (await run("lvs", [...LVS_ARGS], { encoding: "utf8", timeout: 30_000 })).stdout;
      } catch (e) {
        const err = e as NodeJS.ErrnoException & { stderr?: string };
        if (err.code === "ENOENT") throw new Error("running command: lvs: not installed");
        throw new Error(`running command: lvs ${LVS_ARGS.join(" ")}: ${(err.stderr ?? err.message).trim()}`);
      }
    },
    async instanceDisks() {
      const text = await readFile(paths.configFile, "utf8").catch((e: NodeJS.ErrnoException) => {
        if (e.code === "ENOENT") return null;
        throw e;
      });
      return text === null ? null : instanceDisksOf(JSON.parse(text));
    },
    nowUs: () => (performance.timeOrigin + performance.now()) * 1000,
    async close() {
      await client?.rpc.close();
    },
  };
}
