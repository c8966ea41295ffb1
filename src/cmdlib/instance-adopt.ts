// Disk adoption (the guide's "Import of foreign instances"): `gnt-instance add --disk
// N:adopt=NAME` takes over existing volumes instead of creating disks — logical volumes for
// plain (renamed to Ganeti's names), block devices below /dev/disk for blockdev (left as
// they are). The sizes come from the volumes; no OS is installed on them. Checks and
// messages are Ganeti's LUInstanceCreate's.
import { posix } from "node:path";
import type { ConfigData, Disk, Instance, Node } from "../objects/types.js";
import { DTS_MAY_ADOPT, DTS_MUST_ADOPT } from "../objects/param-defaults.js";
import { ADOPTABLE_BLOCKDEV_ROOT } from "../storage/blockdev.js";
import { OpPrereqError, OpExecError, ErrorCode } from "../errors.js";
import { nodeTarget } from "../config/store.js";
import type { RpcClient } from "../rpc/client.js";
import { commaJoin } from "../objects/ipolicy.js";
import { diskArg } from "./instance-disks.js";

type DiskSpec = Record<string, unknown>;

/** Whether the disks are adopted; refuses mixed and misplaced adoption (Ganeti's CheckArguments). */
export function checkAdoptArguments(template: string, disks: readonly DiskSpec[], iallocator: unknown, mode: unknown): boolean {
  const adopted = disks.filter((d) => d["adopt"] !== undefined).length;
  if (adopted > 0 && adopted < disks.length) throw new OpPrereqError("Either all disks are adopted or none is", ErrorCode.inval);
  if (adopted > 0) {
    if (!DTS_MAY_ADOPT.has(template)) throw new OpPrereqError(`Disk adoption is not supported for the '${template}' disk template`, ErrorCode.inval);
    if (typeof iallocator === "string" && iallocator !== "") throw new OpPrereqError("Disk adoption not allowed with an iallocator script", ErrorCode.inval);
    if (mode === "import") throw new OpPrereqError("Disk adoption not allowed for instance import", ErrorCode.inval);
    return true;
  }
  if (DTS_MUST_ADOPT.has(template)) {
    throw new OpPrereqError(`Disk template ${template} requires disk adoption, but no 'adopt' parameter given`, ErrorCode.inval);
  }
  return false;
}

/**
 * Ganeti's adoption prerequisites on the primary node: the volumes exist, are not in use
 * (plain) or lie below /dev/disk (blockdev), are named once; returns the disk specs with
 * the sizes the node reports.
 */
export async function checkAdoptedVolumes(rpc: RpcClient, cfg: ConfigData, pnode: Node, template: string,
  disks: readonly DiskSpec[]): Promise<DiskSpec[]> {
  if (template === "plain") {
    const vgOf = (d: DiskSpec): string => (typeof d["vg"] === "string" ? d["vg"] : cfg.cluster.volume_group_name ?? "xenvg");
    const names = disks.map((d) => `${vgOf(d)}/${String(d["adopt"])}`);
    if (new Set(names).size !== names.length) throw new OpPrereqError("Duplicate volume names given for adoption", ErrorCode.inval);
    for (const n of names) {
      if (plainVolumesInUse(cfg).has(n)) throw new OpPrereqError(`LV named ${n} used by another instance`, ErrorCode.notUnique);
    }
    const r = await rpc.call(nodeTarget(pnode), "lv_list", {});
    if (!r.ok) throw new OpPrereqError(`Cannot get LV information from node ${pnode.name}: ${r.failMsg}`, ErrorCode.environ);
    const lvs = new Map((r.payload ?? []).map((lv) => [`${lv.vg}/${lv.name}`, lv]));
    const missing = names.filter((n) => !lvs.has(n));
    if (missing.length > 0) throw new OpPrereqError(`Missing logical volume(s): ${commaJoin(missing)}`, ErrorCode.inval);
    const online = names.filter((n) => lvs.get(n)?.online === true);
    if (online.length > 0) throw new OpPrereqError(`Online logical volumes found, cannot adopt: ${commaJoin(online)}`, ErrorCode.state);
    return disks.map((d, i) => ({ ...d, vg: vgOf(d), size: lvs.get(names[i] ?? "")?.size ?? 0 }));
  }
  // blockdev: paths normalised as os.path.abspath does, then checked on the node.
  const paths = disks.map((d) => posix.resolve("/", String(d["adopt"])));
  if (new Set(paths).size !== paths.length) throw new OpPrereqError("Duplicate disk names given for adoption", ErrorCode.inval);
  const outside = paths.filter((p) => !p.startsWith(ADOPTABLE_BLOCKDEV_ROOT));
  if (outside.length > 0) {
    throw new OpPrereqError(`Device node(s) ${commaJoin(outside)} lie outside ${ADOPTABLE_BLOCKDEV_ROOT} and cannot be adopted`, ErrorCode.inval);
  }
  // Beyond Ganeti (which does not check): a device another instance holds is not taken twice.
  const held = new Set(Object.values(cfg.disks).filter((d) => d.dev_type === "blockdev").map((d) => String(d.logical_id[1])));
  const taken = paths.filter((p) => held.has(p));
  if (taken.length > 0) throw new OpPrereqError(`Block device(s) ${commaJoin(taken)} used by another instance`, ErrorCode.notUnique);
  const r = await rpc.call(nodeTarget(pnode), "bdev_sizes", { devices: paths });
  if (!r.ok) throw new OpPrereqError(`Cannot get block device information from node ${pnode.name}: ${r.failMsg}`, ErrorCode.environ);
  const sizes = r.payload ?? {};
  const missing = paths.filter((p) => sizes[p] === undefined);
  if (missing.length > 0) throw new OpPrereqError(`Missing block device(s): ${commaJoin(missing)}`, ErrorCode.inval);
  return disks.map((d, i) => ({ ...d, adopt: paths[i], size: sizes[paths[i] ?? ""] ?? 0 }));
}

/** "vg/lv" of every plain volume the configuration's instances use (Ganeti's reserved LVs). */
function plainVolumesInUse(cfg: ConfigData): Set<string> {
  const out = new Set<string>();
  const walk = (d: Pick<Disk, "dev_type" | "logical_id" | "children">): void => {
    if (d.dev_type === "plain") out.add(`${String(d.logical_id[0])}/${String(d.logical_id[1])}`);
    for (const c of d.children ?? []) walk(c);
  };
  for (const d of Object.values(cfg.disks)) walk(d);
  return out;
}

/** plain: the adopted volumes take the new disks' generated names (Ganeti renames them in Exec). */
export async function renameAdoptedVolumes(rpc: RpcClient, cfg: ConfigData, inst: Instance, pnode: Node,
  disks: readonly Disk[], specs: readonly DiskSpec[]): Promise<void> {
  if (inst.disk_template !== "plain") return;
  const devices = disks.map((d, i) => {
    const arg = diskArg(cfg, inst, d);
    return { disk: { ...arg, logical_id: [arg.logical_id[0], String(specs[i]?.["adopt"])] }, new_path: String(d.logical_id[1]) };
  });
  const r = await rpc.call(nodeTarget(pnode), "blockdev_rename", { devices });
  if (!r.ok) throw new OpExecError(`Failed to rename adoped LVs: ${r.failMsg}`);
}

/** Gives renamed plain volumes their adopted names back (the instance could not be recorded). */
export async function undoAdoptRename(rpc: RpcClient, cfg: ConfigData, inst: Instance, pnode: Node,
  disks: readonly Disk[], specs: readonly DiskSpec[]): Promise<void> {
  if (inst.disk_template !== "plain") return;
  const devices = disks.map((d, i) => ({ disk: diskArg(cfg, inst, d), new_path: String(specs[i]?.["adopt"]) }));
  (await rpc.call(nodeTarget(pnode), "blockdev_rename", { devices })).raise("Failed to give adopted LVs their names back");
}
