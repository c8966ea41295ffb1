// Block devices and instances on this node, through the storage drivers and hypervisors.
import { blockDeviceBytes, blockDeviceSizes } from "../../storage/blockdev.js";
import type { RpcArgs, RpcResultOf } from "../../rpc/catalogue.js";
import type { NodedContext } from "../context.js";
import { storageDriver } from "../../storage/registry.js";
import type { DiskSpec } from "../../storage/types.js";
import { vgInfo } from "../../storage/lvm.js";
import { listStorageUnits, repairStorageUnit, modifyStorageUnit, listVolumes } from "../../storage/units.js";
import { execFile, spawn } from "node:child_process";
import { localPath } from "../../storage/file.js";
import { extStorage, extAttach } from "../../storage/ext.js";
import { fileExists } from "../../util/fs.js";
import { rename, readdir, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { fakeStart, fakeStop, fakeList, fakeBalloon } from "../../hypervisor/fake.js";
import { HypervisorError, BlockDeviceError, FileStoragePathError, GenericError } from "../../errors.js";

function checkHypervisor(hv: string): void {
  if (hv !== "fake") throw new HypervisorError(`Hypervisor '${hv}' is not supported on this node yet`);
}

export async function blockdevCreate(args: RpcArgs<"blockdev_create">, ctx: NodedContext): Promise<RpcResultOf<"blockdev_create">> {
  if (args.disk.dev_type === "drbd") return { path: await ctx.drbd.create(args.disk, args.on_primary === true) };
  const path = await storageDriver(args.disk.dev_type).create(ctx.paths, args.disk);
  if (args.disk.dev_type === "ext") {
    // As Ganeti's BlockdevCreate: opened on the primary, then the metadata set.
    if (args.on_primary === true) await extStorage.open(ctx.paths, args.disk, true);
    if (args.info !== undefined) await extStorage.setInfo(ctx.paths, args.disk, args.info);
  }
  return { path };
}

export async function blockdevRemove(args: RpcArgs<"blockdev_remove">, ctx: NodedContext): Promise<null> {
  if (args.disk.dev_type === "drbd") await ctx.drbd.remove(args.disk);
  else await storageDriver(args.disk.dev_type).remove(ctx.paths, args.disk);
  return null;
}

/** Ganeti's BlockdevSnapshot: drbd snapshots its backing data volume, the others themselves. */
export async function blockdevSnapshot(args: RpcArgs<"blockdev_snapshot">, ctx: NodedContext): Promise<unknown[]> {
  const d = args.disk;
  const target: DiskSpec | undefined = d.dev_type === "drbd"
    ? (d.children?.[0] !== undefined ? { ...d.children[0], uuid: d.uuid, params: d.params ?? {} } : undefined) : d;
  if (target === undefined) throw new BlockDeviceError(`DRBD device '${JSON.stringify(d.logical_id)}' without backing storage cannot be snapshotted`);
  const driver = storageDriver(target.dev_type);
  if (driver.snapshot === undefined) {
    throw new BlockDeviceError(`Cannot snapshot block device '${JSON.stringify(d.logical_id)}' of type '${d.dev_type}'`);
  }
  return driver.snapshot(ctx.paths, target, { name: args.snap_name, size: args.snap_size, live: args.live });
}

export async function blockdevFind(args: RpcArgs<"blockdev_find">, ctx: NodedContext): Promise<RpcResultOf<"blockdev_find">> {
  if (args.disk.dev_type === "drbd") {
    const st = ctx.drbd.status(args.disk.uuid);
    return st === null ? null : { path: st.dev_path, size: args.disk.size, degraded: st.is_degraded };
  }
  return storageDriver(args.disk.dev_type).find(ctx.paths, args.disk);
}

function cantFind(d: { dev_type: string; uuid: string; logical_id: readonly unknown[] }): BlockDeviceError {
  return new BlockDeviceError(`Can't find device <${d.dev_type.toUpperCase()}(${d.uuid}, ${JSON.stringify(d.logical_id)})>`);
}

export async function blockdevAssemble(args: RpcArgs<"blockdev_assemble">, ctx: NodedContext): Promise<RpcResultOf<"blockdev_assemble">> {
  const d = args.disk;
  if (d.dev_type === "drbd") return { path: await ctx.drbd.assemble(d, args.instance, args.minor, args.as_primary, args.peer) };
  const found = await storageDriver(d.dev_type).find(ctx.paths, d);
  if (found === null) throw cantFind(d);
  if (d.dev_type === "ext" && args.as_primary) await extStorage.open(ctx.paths, d, true);
  return { path: found.path };
}

export async function blockdevGrow(args: RpcArgs<"blockdev_grow">, ctx: NodedContext): Promise<null> {
  if (args.disk.dev_type === "drbd") await ctx.drbd.grow(args.disk, args.amount, args.dryrun);
  else await storageDriver(args.disk.dev_type).grow(ctx.paths, args.disk, args.amount, args.dryrun);
  return null;
}

export async function blockdevShutdown(args: RpcArgs<"blockdev_shutdown">, ctx: NodedContext): Promise<null> {
  if (args.disk.dev_type === "drbd") ctx.drbd.shutdown(args.disk.uuid);
  else await storageDriver(args.disk.dev_type).shutdown?.(ctx.paths, args.disk);
  return null;
}

export async function instanceStart(args: RpcArgs<"instance_start">, ctx: NodedContext): Promise<null> {
  checkHypervisor(args.hypervisor);
  for (const d of args.disks) {
    if (d.dev_type === "drbd") {
      const st = ctx.drbd.status(d.uuid);
      if (st === null) throw new BlockDeviceError(`Disk ${d.uuid} of instance ${args.name} is not active on this node`);
      if (st.role !== "primary") throw new BlockDeviceError(`Disk ${d.uuid} of instance ${args.name} is not primary on this node`);
    } else if ((await storageDriver(d.dev_type).find(ctx.paths, d)) === null) {
      throw new BlockDeviceError(`Disk ${d.uuid} of instance ${args.name} is missing on this node`);
    }
  }
  await fakeStart(ctx.paths, ctx.bootId, args.name, args.memory, args.vcpus);
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
  for (const i of await fakeList(ctx.paths, ctx.bootId)) out[i.name] = { memory: i.memory, vcpus: i.vcpus, state: i.state, time: Date.now() / 1000 - i.started };
  return out;
}

export async function lvmStatus(args: RpcArgs<"lvm_status">): Promise<RpcResultOf<"lvm_status">> {
  try {
    const info = await vgInfo(args.vg);
    return { error: null, size: info.size, free: info.free };
  } catch (e) {
    return { error: (e as Error).message, size: 0, free: 0 };
  }
}

/** gnt-instance rename of a file-based instance: its directory follows the new name. */
export async function fileStorageDirRename(args: RpcArgs<"file_storage_dir_rename">, ctx: NodedContext): Promise<null> {
  const from = await localPath(ctx.paths, { logical_id: ["loop", `${args.old_dir}/.`] });
  const to = await localPath(ctx.paths, { logical_id: ["loop", `${args.new_dir}/.`] });
  if (await fileExists(to)) throw new FileStoragePathError(`Cannot rename '${args.old_dir}' to '${args.new_dir}': the target exists`);
  if (!(await fileExists(from))) return null; // nothing stored on this node yet
  await rename(from, to);
  return null;
}

export async function storageList(args: RpcArgs<"storage_list">, ctx: NodedContext): Promise<RpcResultOf<"storage_list">> {
  return listStorageUnits(ctx.paths, args.type, args.dirs);
}

export async function storageModify(args: RpcArgs<"storage_modify">): Promise<null> {
  await modifyStorageUnit(args.type, args.name, args.changes);
  return null;
}

export async function lvList(): Promise<RpcResultOf<"lv_list">> {
  return listVolumes();
}

export function bdevSizes(args: RpcArgs<"bdev_sizes">): Promise<RpcResultOf<"bdev_sizes">> {
  return blockDeviceSizes(args.devices);
}

export async function storageRepair(args: RpcArgs<"storage_repair">): Promise<null> {
  await repairStorageUnit(args.type, args.name);
  return null;
}

/**
 * The node reboots in 5 s (as Ganeti's): this daemon starts a fresh copy of itself (a new boot id, so the fake
 * hypervisor's guests are gone as after a real reboot) and exits once it has answered.
 */
/** Ganeti's RunOob: runs the out-of-band helper with a timeout; its stdout, or Ganeti's failure text. */
export function runOob(args: RpcArgs<"run_oob">, ctx: NodedContext): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(args.program, [args.command, args.node], { timeout: args.timeout * 1000, env: { ...process.env, GANETI_ROOT: ctx.paths.root } },
      (e, stdout, stderr) => {
        if (e === null) {
          resolve(stdout);
          return;
        }
        const why = e.killed ? `timeout after ${args.timeout}s` : typeof e.code === "number" ? `exited with exit code ${e.code}` : e.message;
        reject(new GenericError(`'${args.program} ${args.command} ${args.node}' failed with reason '${why}'; output: ${(stdout + stderr).trim()}`));
      });
  });
}

export async function nodePowercycle(_a: unknown, ctx: NodedContext): Promise<string> {
  setTimeout(() => {
    const args = process.argv.slice(1).filter((a, i, all) => a !== "--join-token" && all[i - 1] !== "--join-token");
    spawn(process.execPath, args, { detached: true, stdio: "ignore", env: process.env, cwd: process.cwd() }).unref();
    ctx.requestExit();
    process.exit(0);
  }, 5000).unref();
  return "Reboot scheduled in 5 seconds";
}

export async function fileStorageList(args: RpcArgs<"file_storage_list">, ctx: NodedContext): Promise<string[]> {
  const out: string[] = [];
  for (const dir of args.dirs) {
    const base = join(ctx.paths.root, dir);
    const entries = await readdir(base, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (!e.isFile()) continue;
      const parent = (e as unknown as { parentPath?: string; path?: string }).parentPath ?? (e as unknown as { path: string }).path;
      out.push(join(dir, relative(base, join(parent, e.name))));
    }
  }
  return out.sort();
}

export async function blockdevGetdimensions(args: RpcArgs<"blockdev_getdimensions">, ctx: NodedContext): Promise<Array<number | null>> {
  const out: Array<number | null> = [];
  for (const d of args.disks) {
    try {
      if (d.dev_type === "blockdev") {
        out.push(await blockDeviceBytes(String(d.logical_id[1])));
        continue;
      }
      const p = d.dev_type === "drbd" ? await ctx.drbd.dataPath(d)
        : d.dev_type === "ext" ? (await extAttach(ctx.paths, d))?.path ?? "" : await localPath(ctx.paths, d);
      out.push((await stat(p)).size);
    } catch {
      out.push(null);
    }
  }
  return out;
}

export async function instanceBalloonMemory(args: RpcArgs<"instance_balloon_memory">, ctx: NodedContext): Promise<null> {
  checkHypervisor(args.hypervisor);
  await fakeBalloon(ctx.paths, ctx.bootId, args.name, args.memory);
  return null;
}
