// Block devices and instances on this node, through the storage drivers and hypervisors.
import type { RpcArgs, RpcResultOf } from "../../rpc/catalogue.js";
import type { NodedContext } from "../context.js";
import { storageDriver } from "../../storage/registry.js";
import { fakeStart, fakeStop, fakeList } from "../../hypervisor/fake.js";
import { HypervisorError, BlockDeviceError } from "../../errors.js";

function checkHypervisor(hv: string): void {
  if (hv !== "fake") throw new HypervisorError(`Hypervisor '${hv}' is not supported on this node yet`);
}

export async function blockdevCreate(args: RpcArgs<"blockdev_create">, ctx: NodedContext): Promise<RpcResultOf<"blockdev_create">> {
  return { path: await storageDriver(args.disk.dev_type).create(ctx.paths, args.disk) };
}

export async function blockdevRemove(args: RpcArgs<"blockdev_remove">, ctx: NodedContext): Promise<null> {
  await storageDriver(args.disk.dev_type).remove(ctx.paths, args.disk);
  return null;
}

export async function blockdevFind(args: RpcArgs<"blockdev_find">, ctx: NodedContext): Promise<RpcResultOf<"blockdev_find">> {
  return storageDriver(args.disk.dev_type).find(ctx.paths, args.disk);
}

export async function instanceStart(args: RpcArgs<"instance_start">, ctx: NodedContext): Promise<null> {
  checkHypervisor(args.hypervisor);
  for (const d of args.disks) {
    if ((await storageDriver(d.dev_type).find(ctx.paths, d)) === null) {
      throw new BlockDeviceError(`Disk ${d.uuid} of instance ${args.name} is missing on this node`);
    }
  }
  await fakeStart(ctx.paths, args.name, args.memory, args.vcpus);
  return null;
}

export async function instanceShutdown(args: RpcArgs<"instance_shutdown">, ctx: NodedContext): Promise<null> {
  checkHypervisor(args.hypervisor);
  await fakeStop(ctx.paths, args.name);
  return null;
}

export async function allInstancesInfo(args: RpcArgs<"all_instances_info">, ctx: NodedContext): Promise<RpcResultOf<"all_instances_info">> {
  const out: RpcResultOf<"all_instances_info"> = {};
  if (!args.hypervisors.includes("fake")) return out;
  for (const i of await fakeList(ctx.paths)) out[i.name] = { memory: i.memory, vcpus: i.vcpus, state: i.state, time: Date.now() / 1000 - i.started };
  return out;
}
