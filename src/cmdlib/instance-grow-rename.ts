// gnt-instance grow-disk and rename (Ganeti's LUInstanceGrowDisk and LUInstanceRename).
import { dirname } from "node:path";
import type { Disk, Instance } from "../objects/types.js";
import { instanceDisks } from "../objects/fill.js";
import { instanceNodes } from "../objects/topology.js";
import { Levels, expandName } from "./base.js";
import { LUInstanceOne, osInstance } from "./instance.js";
import type { OpOutcome } from "../jobs/queue.js";
import { OpPrereqError, OpExecError, ErrorCode } from "../errors.js";
import { nodeTarget } from "../config/store.js";
import { resolveHost } from "../util/identity.js";
import { assembleDisks, diskArg, diskNodes, isDrbd, nodeOf, shutdownDisks, waitForSync } from "./instance-disks.js";
import { formatUnit } from "../query/format.js";
import { commaJoin, computeIPolicyDiskSizesViolation, groupIPolicy } from "../objects/ipolicy.js";

const GROWABLE: ReadonlySet<string> = new Set(["drbd", "file", "sharedfile", "plain", "ext"]);
const FILE_BASED: ReadonlySet<string> = new Set(["file", "sharedfile"]);

export class LUInstanceGrowDisk extends LUInstanceOne {
  override readonly hooksPath = "disk-grow";
  override readonly hooksType = "INSTANCE" as const;
  protected override hooksExtra(): Record<string, string> {
    return { DISK: String(this.op["disk"]), AMOUNT: String(this.op["amount"]), ABSOLUTE: this.op["absolute"] === true ? "True" : "False" };
  }
  private disk!: Disk;
  private delta = 0;
  private target = 0;

  override expandNames(): void {
    super.expandNames();
    const nodes = instanceNodes(this.cfg, this.inst);
    this.lock(Levels.node, nodes);
    this.lock(Levels.nodeRes, nodes);
  }

  checkPrereq(): void {
    const disks = instanceDisks(this.cfg, this.inst);
    const idx = Number(this.op["disk"]);
    const d = disks[idx];
    if (d === undefined) throw new OpPrereqError(`Invalid disk index '${idx}'`, ErrorCode.inval);
    for (const n of instanceNodes(this.cfg, this.inst)) {
      const node = nodeOf(this.cfg, n);
      if (node.offline) throw new OpPrereqError(`Can't use offline node ${node.name}`, ErrorCode.state);
    }
    if (!GROWABLE.has(d.dev_type)) throw new OpPrereqError(`Instance's disk layout ${d.dev_type} does not support growing`, ErrorCode.inval);
    const amount = Number(this.op["amount"]);
    if (this.op["absolute"] === true) {
      this.target = amount;
      this.delta = amount - d.size;
      if (this.delta < 0) {
        throw new OpPrereqError(`Requested size (${formatUnit(this.target, "h")}) is smaller than current disk size (${formatUnit(d.size, "h")})`,
          ErrorCode.state);
      }
    } else {
      this.delta = amount;
      this.target = d.size + amount;
      if (this.delta < 0) throw new OpPrereqError(`Requested increment (${formatUnit(this.delta, "h")}) is negative`, ErrorCode.inval);
    }
    this.disk = d;
    this.checkIPolicy(disks);
  }

  /** Ganeti's _CheckIPolicy: the disk sizes after the grow against the primary group's policy. */
  private checkIPolicy(disks: readonly Disk[]): void {
    const group = nodeOf(this.cfg, this.inst.primary_node).group;
    const sizes = disks.map((x) => (x.uuid !== this.disk.uuid ? x.size : this.target));
    const res = computeIPolicyDiskSizesViolation(groupIPolicy(this.cfg, group), sizes, disks);
    if (res.length === 0) return;
    const msg = `Growing disk ${String(this.op["disk"])} violates policy: ${commaJoin(res)}`;
    if (this.op["ignore_ipolicy"] === true) this.logWarning(msg);
    else throw new OpPrereqError(msg, ErrorCode.inval);
  }

  async exec(): Promise<OpOutcome> {
    if (!(await assembleDisks(this.diskEnv(), this.inst))) throw new OpExecError("Cannot activate block device to grow");
    this.env.feedback(`Growing disk ${String(this.op["disk"])} of instance '${this.inst.name}' by ${formatUnit(this.delta, "h")} to ` +
      `${formatUnit(this.target, "h")}`);
    const arg = diskArg(this.cfg, this.inst, this.disk);
    const nodes = diskNodes(this.inst, this.disk).map((u) => nodeOf(this.cfg, u));
    for (const dry of [true, false]) {
      for (const n of nodes) {
        (await this.env.rpc.call(nodeTarget(n), "blockdev_grow", { disk: arg, amount: this.delta, dryrun: dry }))
          .raise(`${dry ? "Dry-run grow" : "Grow"} request failed to node ${n.name}`);
      }
    }
    const cfg = await this.env.config.update((c) => {
      const d = c.disks?.[this.disk.uuid ?? ""];
      if (d === undefined) return c;
      const grown = { ...d, size: this.target, serial_no: (d.serial_no ?? 0) + 1, mtime: Date.now() / 1000,
        ...(isDrbd(d) && d.children !== undefined ? { children: d.children.map((ch, i) => (i === 0 ? { ...ch, size: this.target } : ch)) } : {}) };
      return { ...c, disks: { ...c.disks, [grown.uuid ?? ""]: grown } };
    }, (w) => this.logWarning(w));
    const inst = cfg.instances[this.inst.uuid] ?? this.inst;
    if (this.op["wait_for_sync"] !== false) {
      if (!(await waitForSync({ ...this.diskEnv(), cfg }, inst))) this.logWarning("Disk syncing has not returned a good status; check the instance");
      if (inst.disks_active !== true) await shutdownDisks({ ...this.diskEnv(), cfg }, inst);
    } else if (inst.disks_active !== true) {
      this.logWarning("Not shutting down the disk even if the instance is not supposed to be running because no wait for sync mode was requested");
    }
    return { result: null };
  }
}

export class LUInstanceRename extends LUInstanceOne {
  override readonly hooksPath = "instance-rename";
  override readonly hooksType = "INSTANCE" as const;
  private newName = "";
  protected override hooksExtra(): Record<string, string> {
    return { INSTANCE_NEW_NAME: this.newName };
  }

  override expandNames(): void {
    super.expandNames();
    this.newName = String(this.op["new_name"]);
    this.lock(Levels.instance, [this.inst.uuid, this.newName]);
    this.lock(Levels.node, instanceNodes(this.cfg, this.inst));
  }

  async checkPrereq(): Promise<void> {
    if (this.op["ip_check"] === true && this.op["name_check"] === false) {
      throw new OpPrereqError("IP address check requires a name check", ErrorCode.inval);
    }
    if (this.op["name_check"] !== false) this.newName = (await resolveHost(this.env.paths, this.newName)).name;
    if (this.inst.admin_state === "up") {
      throw new OpPrereqError(`Instance '${this.inst.name}' is marked to be up, cannot rename`, ErrorCode.state);
    }
    const r = await this.env.rpc.call(nodeTarget(this.pnode), "all_instances_info", { hypervisors: [this.inst.hypervisor] });
    if (r.ok && r.payload?.[this.inst.name] !== undefined) {
      throw new OpPrereqError(`Instance '${this.inst.name}' is running on the node ${this.pnode.name}, cannot rename`, ErrorCode.state);
    }
    const clash = expandName(Object.values(this.cfg.instances), this.newName);
    if (clash !== null && clash.name === this.newName && clash.uuid !== this.inst.uuid) {
      throw new OpPrereqError(`Instance '${this.newName}' is already in the cluster`, ErrorCode.exists);
    }
  }

  async exec(): Promise<OpOutcome> {
    const oldName = this.inst.name;
    const newName = this.newName;
    const disks = instanceDisks(this.cfg, this.inst);
    // File-based volumes (and drbd's data/meta) live in a directory named after the instance.
    const movePath = (p: unknown): unknown => (typeof p === "string" && dirname(p).endsWith(`/${oldName}`)
      ? `${dirname(dirname(p))}/${newName}/${p.slice(dirname(p).length + 1)}` : p);
    const renameLid = (d: Disk): Disk => ({
      ...d,
      logical_id: FILE_BASED.has(d.dev_type) ? [d.logical_id[0], movePath(d.logical_id[1])] : [...d.logical_id],
      ...(d.children !== undefined ? { children: d.children.map((c) => (c.dev_type === "file" ? { ...c, logical_id: [c.logical_id[0], movePath(c.logical_id[1])] } : c)) } : {}),
    });
    const dirs = new Map<string, [string, string]>();
    for (const d of disks) {
      const paths = FILE_BASED.has(d.dev_type) ? [d.logical_id[1]] : (d.children ?? []).filter((c) => c.dev_type === "file").map((c) => c.logical_id[1]);
      for (const p of paths) {
        if (typeof p !== "string" || !dirname(p).endsWith(`/${oldName}`)) continue;
        for (const n of diskNodes(this.inst, d)) dirs.set(`${n}:${dirname(p)}`, [dirname(p), `${dirname(dirname(p))}/${newName}`]);
      }
    }
    const cfg = await this.env.config.update((c) => {
      const i = c.instances[this.inst.uuid];
      if (i === undefined) return c;
      const nd = { ...c.disks };
      for (const d of disks) nd[d.uuid ?? ""] = renameLid(d);
      return { ...c, disks: nd, instances: { ...c.instances, [i.uuid]: { ...i, name: newName, serial_no: i.serial_no + 1, mtime: Date.now() / 1000 } } };
    }, (w) => this.logWarning(w));
    const renamed = cfg.instances[this.inst.uuid] as Instance;
    for (const [key, [from, to]] of dirs) {
      const node = nodeOf(cfg, key.slice(0, key.indexOf(":")));
      (await this.env.rpc.call(nodeTarget(node), "file_storage_dir_rename", { old_dir: from, new_dir: to }))
        .raise(`Could not rename on node ${node.name} directory '${from}' to '${to}' (but the instance has been renamed in Ganeti)`);
    }
    const env = { ...this.diskEnv(), cfg };
    await assembleDisks(env, renamed, { ignoreSecondaries: true });
    try {
      if (renamed.os !== "") {
        const r = await this.env.rpc.call(nodeTarget(this.pnode), "instance_run_rename",
          { instance: osInstance(cfg, renamed, this.pnode), old_name: oldName, debug: 0 });
        if (!r.ok) {
          this.logWarning(`Could not run OS rename script for instance ${newName} on node ${this.pnode.name} (but the instance has been ` +
            `renamed in Ganeti): ${r.failMsg ?? ""}`);
        }
      }
    } finally {
      await shutdownDisks(env, renamed);
    }
    return { result: newName };
  }
}
