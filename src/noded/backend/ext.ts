// ExtStorage providers on this node: diagnosis (gnt-storage diagnose/info) and the device
// paths of attached ext volumes for the OS scripts.
import type { RpcResultOf } from "../../rpc/catalogue.js";
import type { NodedContext } from "../context.js";
import { diagnoseExtStorage, extAttach } from "../../storage/ext.js";
import type { DiskSpec } from "../../storage/types.js";
import { BlockDeviceError } from "../../errors.js";

export async function extStorageDiagnose(_a: unknown, ctx: NodedContext): Promise<RpcResultOf<"extstorage_diagnose">> {
  return (await diagnoseExtStorage(ctx.paths)).map((p) => ({ ...p, parameters: p.parameters.map(([a, b]) => [a, b] as [string, string]) }));
}

/**
 * The instance with each ext disk's device path (the provider's attach output) as `dev_path`,
 * so the OS scripts get it in DISK_<i>_PATH as with Ganeti's assembled devices.
 */
export async function withExtDevPaths<D extends DiskSpec, I extends { readonly disks: readonly D[] }>(ctx: NodedContext, inst: I):
  Promise<I & { disks: Array<D & { dev_path?: string }> }> {
  const disks: Array<D & { dev_path?: string }> = [];
  for (const d of inst.disks) {
    if (d.dev_type !== "ext") {
      disks.push(d);
      continue;
    }
    const att = await extAttach(ctx.paths, d);
    if (att === null || att.path === "") throw new BlockDeviceError(`Can't attach ext disk ${d.uuid}: no local block device`);
    disks.push({ ...d, dev_path: att.path });
  }
  return { ...inst, disks };
}
