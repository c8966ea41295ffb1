// Disk activation: gnt-instance activate-disks / deactivate-disks, and gnt-cluster
// verify-disks (one job per node group finds the instances whose disks should be active
// but are not on some node; the CLI then activates them), as Ganeti's LUs do.
import type { Instance } from "../objects/types.js";
import { instanceDisks } from "../objects/fill.js";
import { instanceSecondaryNodes } from "../objects/topology.js";
import { LogicalUnit, Levels } from "./base.js";
import { LUInstanceOne } from "./instance.js";
import type { OpOutcome, OpInput } from "../jobs/queue.js";
import { OpExecError, OpPrereqError, ErrorCode } from "../errors.js";
import { nodeTarget, type ConfigStore } from "../config/store.js";
import { assembleDisks, diskArg, isDrbd, shutdownDisks, waitForSync, nodeOf } from "./instance-disks.js";

export async function markDisksActive(config: ConfigStore, inst: Instance, active: boolean): Promise<void> {
  await config.update((c) => {
    const i = c.instances[inst.uuid];
    if (i === undefined || i.disks_active === active) return c;
    return { ...c, instances: { ...c.instances, [i.uuid]: { ...i, disks_active: active, serial_no: i.serial_no + 1, mtime: Date.now() / 1000 } } };
  });
}

export class LUInstanceActivateDisks extends LUInstanceOne {
  override expandNames(): void {
    super.expandNames();
    this.lock(Levels.node, [this.inst.primary_node, ...instanceSecondaryNodes(this.cfg, this.inst)]);
  }
  checkPrereq(): void {
    if (this.pnode.offline) throw new OpPrereqError(`Can't activate disks: primary node ${this.pnode.name} is offline`, ErrorCode.state);
  }
  async exec(): Promise<OpOutcome> {
    await markDisksActive(this.env.config, this.inst, true);
    const env = this.diskEnv();
    if (!(await assembleDisks(env, this.inst))) throw new OpExecError("Cannot activate block devices");
    if (this.op["wait_for_sync"] === true && !(await waitForSync(this.diskEnv(), this.inst))) {
      await markDisksActive(this.env.config, this.inst, false);
      throw new OpExecError("Some disks of the instance are degraded!");
    }
    // Ganeti returns (node, iv_name, device path) of the primary's devices.
    const out: Array<[string, string, string]> = [];
    for (const d of instanceDisks(this.cfg, this.inst)) {
      const r = await this.env.rpc.call(nodeTarget(this.pnode), "blockdev_find", { disk: diskArg(this.cfg, this.inst, d) });
      out.push([this.pnode.name, d.iv_name ?? "", r.ok && r.payload !== null ? r.payload.path : ""]);
    }
    return { result: out };
  }
}

export class LUInstanceDeactivateDisks extends LUInstanceOne {
  override expandNames(): void {
    super.expandNames();
    this.lock(Levels.node, [this.inst.primary_node, ...instanceSecondaryNodes(this.cfg, this.inst)]);
  }
  async checkPrereq(): Promise<void> {
    if (this.op["force"] === true || this.pnode.offline) return;
    const r = await this.env.rpc.call(nodeTarget(this.pnode), "all_instances_info", { hypervisors: [this.inst.hypervisor] });
    if (r.ok && r.payload?.[this.inst.name] !== undefined) {
      throw new OpPrereqError(`Instance ${this.inst.name} is running, can't shutdown block devices.`, ErrorCode.state);
    }
  }
  async exec(): Promise<OpOutcome> {
    const ok = await shutdownDisks(this.diskEnv(), this.inst);
    await markDisksActive(this.env.config, this.inst, false);
    if (!ok && this.op["force"] !== true) throw new OpExecError("Can't shutdown block devices");
    return { result: null };
  }
}

/** One job per node group (or the group named), as Ganeti's LUClusterVerifyDisks. */
export class LUClusterVerifyDisks extends LogicalUnit {
  override readonly reqBgl = false;
  checkPrereq(): void {}
  async exec(): Promise<OpOutcome> {
    const want = this.op["group_name"];
    const groups = Object.values(this.cfg.nodegroups).filter((g) => typeof want !== "string" || g.name === want || g.uuid === want);
    if (typeof want === "string" && groups.length === 0) throw new OpPrereqError(`Node group '${want}' not known`, ErrorCode.noent);
    const jobs: OpInput[][] = groups.sort((a, b) => a.name.localeCompare(b.name))
      .map((g) => [{ OP_ID: "OP_GROUP_VERIFY_DISKS", group_name: g.name, is_strict: this.op["is_strict"] !== false }]);
    return { result: {}, jobs };
  }
}

/**
 * Result: [node errors, instances whose disks need activating, missing volumes], as
 * Ganeti's LUGroupVerifyDisks. A drbd disk needs activating where it is not active, or
 * active but off the network.
 */
export class LUGroupVerifyDisks extends LogicalUnit {
  override readonly reqBgl = false;
  private group = "";
  override expandNames(): void {
    const want = String(this.op["group_name"]);
    const g = Object.values(this.cfg.nodegroups).find((x) => x.name === want || x.uuid === want);
    if (g === undefined) throw new OpPrereqError(`Node group '${want}' not known`, ErrorCode.noent);
    this.group = g.uuid;
    this.lock(Levels.node, "all", "shared");
  }
  checkPrereq(): void {}
  async exec(): Promise<OpOutcome> {
    const cfg = this.cfg;
    const nodeErrors: Record<string, string> = {};
    const needs = new Set<string>();
    const byNode = new Map<string, Instance[]>();
    for (const inst of Object.values(cfg.instances)) {
      if (nodeOf(cfg, inst.primary_node).group !== this.group) continue;
      if (!inst.disks_active || !instanceDisks(cfg, inst).some(isDrbd)) continue;
      for (const n of [inst.primary_node, ...instanceSecondaryNodes(cfg, inst)]) byNode.set(n, [...(byNode.get(n) ?? []), inst]);
    }
    for (const [uuid, insts] of byNode) {
      const node = nodeOf(cfg, uuid);
      if (node.offline) continue;
      const r = await this.env.rpc.call(nodeTarget(node), "drbd_list", {});
      if (!r.ok || r.payload === null) {
        nodeErrors[node.name] = r.failMsg ?? "no answer";
        continue;
      }
      const live = new Map(r.payload.map((d) => [d.uuid, d]));
      for (const inst of insts) {
        const faulty = instanceDisks(cfg, inst).filter(isDrbd).some((d) => {
          const st = live.get(d.uuid ?? "");
          return st === undefined || st.conn === "StandAlone";
        });
        if (faulty) needs.add(inst.name);
      }
    }
    return { result: [nodeErrors, [...needs].sort(), {}] };
  }
}
