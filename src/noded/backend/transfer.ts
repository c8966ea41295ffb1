// Volume transfers between node daemons (gnt-instance move): the source sends, the
// target writes into the volume the master created, the master polls the progress.
import type { RpcArgs, RpcResultOf } from "../../rpc/catalogue.js";
import { RpcClient } from "../../rpc/client.js";
import type { NodedContext } from "../context.js";
import { BlockDeviceError } from "../../errors.js";
import { localPath } from "../../storage/file.js";
import { lvmStorage } from "../../storage/lvm.js";
import { extAttach } from "../../storage/ext.js";
import { blockdevStorage } from "../../storage/blockdev.js";
import { startTransfer, transferStatus, fileChunks } from "../../storage/transfer.js";
import { writeChunk } from "../../storage/drbd-sync.js";

/** A volume's local file: file-based disks directly, drbd through its data child. */
async function volumePath(ctx: NodedContext, disk: RpcArgs<"blockdev_export">["disk"]): Promise<string> {
  if (disk.dev_type === "drbd") return ctx.drbd.dataPath(disk);
  if (disk.dev_type === "plain") {
    // The logical volume's device node: read and written like a file.
    const found = await lvmStorage.find(ctx.paths, disk);
    if (found === null) throw new BlockDeviceError(`Can't find logical volume ${String(disk.logical_id[0])}/${String(disk.logical_id[1])}`);
    return found.path;
  }
  if (disk.dev_type === "ext") {
    // The provider's attach prints where the volume is mapped on this node.
    const att = await extAttach(ctx.paths, disk);
    if (att === null || att.path === "") throw new BlockDeviceError(`Can't attach ext disk ${disk.uuid}: no local block device`);
    return att.path;
  }
  if (disk.dev_type === "blockdev") {
    const found = await blockdevStorage.find(ctx.paths, disk);
    if (found === null) throw new BlockDeviceError(`Can't find block device ${String(disk.logical_id[1])}`);
    return found.path;
  }
  if (disk.dev_type !== "file" && disk.dev_type !== "sharedfile") throw new BlockDeviceError(`Can't transfer disks of type ${disk.dev_type}`);
  return localPath(ctx.paths, disk);
}

export async function blockdevExport(args: RpcArgs<"blockdev_export">, ctx: NodedContext): Promise<{ id: string }> {
  const path = await volumePath(ctx, args.disk);
  const cert = ctx.cert();
  if (cert === null) throw new BlockDeviceError("This node is not part of a cluster");
  const rpc = new RpcClient({ cert, connectTimeout: 3 });
  const size = args.disk.size * 1048576;
  // The target volume is fresh (reads as zeros): zero chunks need not travel.
  const st = startTransfer(fileChunks(path, size, true), size, async (offset, data) => {
    (await rpc.call(args.dest, "blockdev_write_chunk", { disk: args.disk, offset, data: data.toString("base64") }))
      .raise(`Sending to ${args.dest.name}`);
  });
  const done = setInterval(() => {
    if (transferStatus(st.id)?.finished !== false) {
      clearInterval(done);
      void rpc.close();
    }
  }, 1000);
  return { id: st.id };
}

/**
 * Ganeti's BlockdevConvert: the old volume's data into the new one on this node (a drbd
 * target through its data child; the secondary gets it by the resync once assembled).
 */
export async function blockdevConvert(args: RpcArgs<"blockdev_convert">, ctx: NodedContext): Promise<{ id: string }> {
  const src = await volumePath(ctx, args.src);
  const dst = await volumePath(ctx, args.dst);
  const size = Math.min(args.src.size, args.dst.size) * 1048576;
  // A new file volume is sparse (reads as zeros): zero chunks need not be written. A new
  // logical volume (or a provider's volume) may hold old data, so it gets every chunk.
  const st = startTransfer(fileChunks(src, size, args.dst.dev_type !== "plain" && args.dst.dev_type !== "ext"), size, (offset, data) => writeChunk(dst, offset, data));
  return { id: st.id };
}

export async function blockdevTransferStatus(args: RpcArgs<"blockdev_transfer_status">): Promise<RpcResultOf<"blockdev_transfer_status">> {
  const st = transferStatus(args.id);
  return st === null ? null : { ...st };
}

export async function blockdevWriteChunk(args: RpcArgs<"blockdev_write_chunk">, ctx: NodedContext): Promise<null> {
  await writeChunk(await volumePath(ctx, args.disk), args.offset, Buffer.from(args.data, "base64"));
  return null;
}
