// drbd on this node: the master's calls (assemble, roles, network, status) and the peer
// calls the primary's daemon makes while replicating onto this node.
import type { RpcArgs, RpcResultOf, MirrorStatusResult } from "../../rpc/catalogue.js";
import { RpcClient } from "../../rpc/client.js";
import type { NodedContext } from "../context.js";
import type { DrbdTransport } from "../../storage/drbd.js";
import type { ClusterCert } from "../../rpc/certs.js";
import { BlockDeviceError } from "../../errors.js";
import { storageDriver } from "../../storage/registry.js";

let client: { cert: ClusterCert; rpc: RpcClient } | null = null;

/** Node-to-node link over the cluster's mutual TLS, with the daemon's own certificate. */
export function drbdTransport(ctx: Pick<NodedContext, "cert" | "hostname">): DrbdTransport {
  const rpc = (): RpcClient => {
    const cert = ctx.cert();
    if (cert === null) throw new BlockDeviceError("This node is not part of a cluster");
    if (client === null || client.cert !== cert) {
      void client?.rpc.close();
      client = { cert, rpc: new RpcClient({ cert, connectTimeout: 3 }) };
    }
    return client.rpc;
  };
  const from = ctx.hostname;
  return {
    async hello(peer, uuid) {
      return (await rpc().call(peer, "drbd_peer_hello", { uuid, from })).raise(`drbd peer ${peer.name}`);
    },
    peer(peer, uuid) {
      return {
        hashes: async (offset, count) => (await rpc().call(peer, "drbd_peer_hashes", { uuid, from, offset, count })).raise("drbd resync"),
        write: async (offset, data, progress) => {
          (await rpc().call(peer, "drbd_peer_write", { uuid, from, offset, data: data.toString("base64"), progress: { ...progress } }))
            .raise("drbd resync");
        },
        read: async (offset, length, progress) => Buffer.from((await rpc().call(peer, "drbd_peer_read",
          { uuid, from, offset, length, progress: { ...progress } })).raise("drbd resync"), "base64"),
        done: async () => {
          (await rpc().call(peer, "drbd_peer_done", { uuid, from })).raise("drbd resync");
        },
      };
    },
  };
}

export async function drbdSetRole(args: RpcArgs<"drbd_set_role">, ctx: NodedContext): Promise<null> {
  for (const d of args.disks) if (d.dev_type === "drbd") ctx.drbd.setDeviceRole(d.uuid, args.role);
  return null;
}

export async function drbdSetNetwork(args: RpcArgs<"drbd_set_network">, ctx: NodedContext): Promise<null> {
  for (const { disk, peer } of args.disks) if (disk.dev_type === "drbd") ctx.drbd.setNetwork(disk.uuid, peer);
  return null;
}

export async function drbdWaitSync(args: RpcArgs<"drbd_wait_sync">, ctx: NodedContext): Promise<RpcResultOf<"drbd_wait_sync">> {
  const until = Date.now() + args.timeout * 1000;
  for (;;) {
    const st = args.disks.map((d) => ctx.drbd.status(d.uuid));
    if (st.every((s) => s === null || (s.conn === "Connected" && !s.is_degraded)) || Date.now() > until) return st;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function drbdList(_a: unknown, ctx: NodedContext): Promise<RpcResultOf<"drbd_list">> {
  return ctx.drbd.list();
}

export async function mirrorStatus(args: RpcArgs<"blockdev_getmirrorstatus">, ctx: NodedContext): Promise<Array<MirrorStatusResult | null>> {
  return args.disks.map((d) => (d.dev_type === "drbd" ? ctx.drbd.status(d.uuid) : null));
}

export async function peerHello(args: RpcArgs<"drbd_peer_hello">, ctx: NodedContext): Promise<RpcResultOf<"drbd_peer_hello">> {
  return ctx.drbd.peerHello(args.uuid, args.from);
}

export async function peerHashes(args: RpcArgs<"drbd_peer_hashes">, ctx: NodedContext): Promise<string[]> {
  return ctx.drbd.peerHashes(args.uuid, args.from, args.offset, args.count);
}

export async function peerWrite(args: RpcArgs<"drbd_peer_write">, ctx: NodedContext): Promise<null> {
  await ctx.drbd.peerWrite(args.uuid, args.from, args.offset, Buffer.from(args.data, "base64"), args.progress);
  return null;
}

export async function peerRead(args: RpcArgs<"drbd_peer_read">, ctx: NodedContext): Promise<string> {
  return (await ctx.drbd.peerRead(args.uuid, args.from, args.offset, args.length, args.progress)).toString("base64");
}

export async function blockdevRename(args: RpcArgs<"blockdev_rename">, ctx: NodedContext): Promise<null> {
  for (const { disk, new_path } of args.devices) await storageDriver(disk.dev_type).rename(ctx.paths, disk, new_path);
  return null;
}

export async function peerDone(args: RpcArgs<"drbd_peer_done">, ctx: NodedContext): Promise<null> {
  await ctx.drbd.peerDone(args.uuid, args.from);
  return null;
}

