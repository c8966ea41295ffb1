// Disk template conversion of a stopped instance (gnt-instance modify -t TEMPLATE), as
// Ganeti's _ConvertInstanceDisks: new disks of the target template are created, the old
// data is copied into them on the primary node, the config swaps old for new in one
// change, the mirror syncs, and only then are the old volumes removed. A failed copy
// removes the new disks and leaves the instance as it was.
import type { ConfigData, Disk, Instance, Node } from "../objects/types.js";
import { fillGroupIPolicy } from "../objects/fill.js";
import { instanceDisks, instanceDiskTemplate } from "../objects/topology.js";
import { OpPrereqError, OpExecError, ErrorCode } from "../errors.js";
import { nodeTarget } from "../config/store.js";
import { formatUnit } from "../query/format.js";
import type { RpcClient } from "../rpc/client.js";
import { extSpec } from "./extstorage.js";
import { IDISK_PARAMS, assembleDisks, buildDisks, createDisks, diskArg, removeDisks, shutdownDisks, waitForSync, nodeOf, type DiskOpsEnv } from "./instance-disks.js";
import { followTransfer } from "./transfer-progress.js";

/** Ganeti's DTS_NOT_CONVERTIBLE_FROM / _TO. */
const NOT_CONVERTIBLE_FROM: ReadonlySet<string> = new Set(["diskless"]);
const NOT_CONVERTIBLE_TO: ReadonlySet<string> = new Set(["diskless", "blockdev"]);
/** Templates whose volumes this cluster can create and copy. */
const CONVERTIBLE: ReadonlySet<string> = new Set(["file", "sharedfile", "drbd", "plain", "ext"]);

export interface ConversionRequest {
  readonly template: string;
  /** The new secondary (drbd), already resolved. */
  readonly remoteNode: Node | null;
  readonly waitForSync: boolean;
  readonly fileStorageDir: string | null;
  readonly fileDriver: string;
  /** Conversion to ext: the provider and its parameters (Ganeti's ext_params). */
  readonly extParams: Readonly<Record<string, unknown>>;
}

/** Ganeti's _PreCheckDiskTemplate: every reason the conversion can't run, before anything changes. */
export function checkConversion(cfg: ConfigData, inst: Instance, req: ConversionRequest, running: boolean): void {
  const old = instanceDiskTemplate(cfg, inst);
  if (old === "mixed") throw new OpPrereqError("Conversion from mixed is not yet supported.", ErrorCode.inval);
  if (NOT_CONVERTIBLE_FROM.has(old)) {
    throw new OpPrereqError(`Conversion from the '${old}' disk template is not supported`, ErrorCode.inval);
  }
  if (NOT_CONVERTIBLE_TO.has(req.template)) {
    throw new OpPrereqError(`Conversion to the '${req.template}' disk template is not supported`, ErrorCode.inval);
  }
  // ext to ext is a move to another provider (or other parameters), as in Ganeti.
  if (old === req.template && req.template !== "ext") throw new OpPrereqError(`Instance already has disk template ${req.template}`, ErrorCode.inval);
  if (req.template === "ext") {
    if (typeof req.extParams["provider"] !== "string" || req.extParams["provider"] === "") {
      throw new OpPrereqError("Missing provider for template 'ext'", ErrorCode.inval);
    }
    const own = Object.keys(req.extParams).filter((k) => k !== "provider" && IDISK_PARAMS.has(k));
    if (own.length > 0) {
      throw new OpPrereqError(`Invalid parameter '${own[0] ?? ""}' when converting to an ExtStorage template (it is not allowed modifying ` +
        "existing disk parameters)", ErrorCode.inval);
    }
  }
  const enabled = cfg.cluster.enabled_disk_templates ?? [];
  if (!enabled.includes(req.template)) {
    throw new OpPrereqError(`Disk template '${req.template}' is not enabled for this cluster (enabled templates: ${enabled.join(", ")})`,
      ErrorCode.state);
  }
  if (!CONVERTIBLE.has(req.template)) {
    throw new OpPrereqError(`Conversion to the '${req.template}' disk template is not supported yet by ganeti-ts`, ErrorCode.inval);
  }
  if (inst.admin_state === "up") {
    throw new OpPrereqError(`Instance '${inst.name}' is marked to be up, cannot change disk template`, ErrorCode.state);
  }
  if (running) throw new OpPrereqError(`Instance ${inst.name} is running, cannot change disk template`, ErrorCode.state);
  const pnode = nodeOf(cfg, inst.primary_node);
  const snode = req.remoteNode;
  if (req.template === "drbd" && snode !== null) {
    if (snode.uuid === pnode.uuid) {
      throw new OpPrereqError(`Given new secondary node ${snode.name} is the same as the primary node of the instance`, ErrorCode.state);
    }
    if (snode.offline) throw new OpPrereqError(`Can't use offline node ${snode.name}`, ErrorCode.state);
    if (snode.drained) throw new OpPrereqError(`Can't use drained node ${snode.name}`, ErrorCode.state);
    if (snode.vm_capable === false) throw new OpPrereqError(`Can't use non-vm_capable node ${snode.name}`, ErrorCode.state);
  }
  const allowed = (fillGroupIPolicy(cfg.cluster, cfg.nodegroups[pnode.group])["disk-templates"] ?? []) as string[];
  if (!allowed.includes(req.template)) {
    throw new OpPrereqError(`Disk template '${req.template}' in not allowed (allowed templates: ${allowed.join(", ")})`, ErrorCode.state);
  }
}

/** Where new file-based volumes go (Ganeti's CalculateFileStorageDir; drbd's children live in the file storage dir here). */
function baseDir(cfg: ConfigData, template: string, requested: string | null): string {
  if (template === "sharedfile") return cfg.cluster.shared_file_storage_dir ?? "/srv/ganeti/shared-file-storage";
  if (template === "file" && requested !== null) return requested;
  return cfg.cluster.file_storage_dir ?? "/srv/ganeti/file-storage";
}

export interface ConversionEnv extends DiskOpsEnv {
  readonly rpc: RpcClient;
  feedback(msg: string): void;
  /** Applies a config change durably; returns the new config. */
  update(f: (c: ConfigData) => ConfigData): Promise<ConfigData>;
  releaseNodeLocks(): void;
}

/** Runs the conversion; returns the instance as recorded afterwards. */
export async function convertDisks(env: ConversionEnv, inst: Instance, req: ConversionRequest): Promise<Instance> {
  const cfg = env.cfg;
  const old = instanceDiskTemplate(cfg, inst);
  const oldDisks = instanceDisks(cfg, inst);
  const pnode = nodeOf(cfg, inst.primary_node);
  if (!(await shutdownDisks(env, inst))) throw new OpExecError("Cannot shutdown instance disks, unable to proceed with disk template conversion");
  // Ganeti names an ext target with its provider: "ext:provider".
  const info = req.template === "ext" ? `ext:${String(req.extParams["provider"])}` : req.template;
  env.feedback(`Converting disk template from '${old}' to '${info}'`);
  env.feedback(`Generating new '${info}' disk template...`);
  const { disks: newDisks, highestPort } = buildDisks(cfg, req.template, inst.name, pnode.uuid, req.remoteNode?.uuid ?? null,
    oldDisks.map((d) => ({ size: d.size, mode: d.mode ?? "rw", name: d.name ?? null, ...extSpec(req.template, req.extParams) })), 0, baseDir(cfg, req.template, req.fileStorageDir),
    req.fileDriver);
  // The instance as it will be: its nodes follow the new disks (a drbd secondary appears, or goes).
  const converted: Instance = { ...inst, disks: newDisks.map((d) => d.uuid ?? "") };
  const withNew: ConfigData = { ...cfg, disks: { ...cfg.disks, ...Object.fromEntries(newDisks.map((d) => [d.uuid ?? "", d])) } };
  const newEnv: DiskOpsEnv = { ...env, cfg: withNew };
  env.feedback(`Creating new empty disks of type '${info}'...`);
  try {
    await createDisks(newEnv, converted, newDisks);
  } catch (e) {
    env.warn("Device creation failed");
    throw e;
  }
  env.feedback(`Populating the new empty disks of type '${info}'...`);
  for (const [idx, [o, n]] of oldDisks.map((d, i) => [d, newDisks[i] as Disk] as const).entries()) {
    env.feedback(` - copying data from disk ${idx} (${o.dev_type}), size ${formatUnit(n.size, "h")}`);
    const start = await env.rpc.call(nodeTarget(pnode), "blockdev_convert",
      { src: diskArg(cfg, inst, o), dst: diskArg(withNew, converted, n) });
    const copied = start.ok && start.payload !== null &&
      (await followTransfer({ rpc: env.rpc, feedback: (m) => env.feedback(m), warn: (m) => env.warn(m) }, `disk/${idx}`, pnode, start.payload.id));
    if (!copied) {
      env.feedback(` - ERROR: Could not copy disk '${String(o.logical_id[1])}' to '${String(n.logical_id[1])}'`);
      env.info("Some disks failed to copy");
      env.info("The instance will not be affected, aborting operation");
      env.info(`Removing newly created disks of type '${info}'...`);
      await removeDisks(newEnv, converted, newDisks);
      env.info("Newly created disks removed successfully");
      throw new OpExecError(`Error while converting the instance's template: ${start.failMsg ?? "the copy failed"}`);
    }
  }
  env.feedback(`Detaching old disks (${old}) from the instance and removing them from cluster config`);
  env.feedback(`Adding new disks (${info}) to cluster config and attaching them to the instance`);
  const after = await env.update((c) => {
    const i = c.instances[inst.uuid];
    if (i === undefined) return c;
    const disks = { ...c.disks };
    for (const d of oldDisks) delete disks[d.uuid ?? ""];
    for (const d of newDisks) disks[d.uuid ?? ""] = d;
    return { ...c, disks, cluster: { ...c.cluster, highest_used_port: Math.max(c.cluster.highest_used_port ?? 0, highestPort) },
      instances: { ...c.instances, [i.uuid]: { ...i, disks: newDisks.map((d) => d.uuid ?? ""), serial_no: i.serial_no + 1, mtime: Date.now() / 1000 } } };
  });
  const now = after.instances[inst.uuid] ?? converted;
  env.releaseNodeLocks();
  if (newDisks.some((d) => d.dev_type === "drbd")) {
    // The copy went into the primary's data volume: bring the mirror up so the secondary gets it.
    const syncEnv = { ...env, cfg: after };
    const up = await assembleDisks(syncEnv, now);
    const synced = up && (req.waitForSync ? await waitForSync(syncEnv, now) : true);
    if (now.disks_active !== true) await shutdownDisks(syncEnv, now);
    if (!synced) throw new OpExecError("There are some degraded disks for this instance, please cleanup manually");
  }
  env.feedback(`Removing old block devices of type '${old}'...`);
  await removeDisks(env, inst, oldDisks);
  return now;
}
