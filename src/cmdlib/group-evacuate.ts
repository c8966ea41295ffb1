// Moving instances between node groups (Ganeti's LUInstanceChangeGroup and LUGroupEvacuate):
// the allocator's change-group request picks the target nodes, its answer becomes follow-up
// jobs (migrations, failovers, replace-disks) as for a node evacuation.
import type { Instance, NodeGroup } from "../objects/types.js";
import { LogicalUnit, Levels, groupHookNodes, masterName } from "./base.js";
import type { OpOutcome, OpInput } from "../jobs/queue.js";
import { OpPrereqError, ErrorCode } from "../errors.js";
import { changeGroup, iallocatorName } from "./iallocator.js";
import { instanceNodes } from "../objects/topology.js";
import { expandGroup } from "./group.js";
import { expandInstance } from "./instance.js";
import { loadEvacResult } from "./node-evacuate.js";
import { instanceHookEnv } from "./instance-hooks.js";

function targetGroupUuids(groups: unknown, expand: (name: string) => NodeGroup): string[] | null {
  const list = Array.isArray(groups) ? groups.map(String) : [];
  return list.length === 0 ? null : list.map((g) => expand(g).uuid);
}

export class LUInstanceChangeGroup extends LogicalUnit {
  override readonly reqBgl = false;
  override readonly hooksPath = "instance-change-group";
  override readonly hooksType = "INSTANCE" as const;
  private inst!: Instance;
  private requested: string[] | null = null;
  private targets: string[] = [];

  override expandNames(): void {
    this.inst = expandInstance(this.cfg, String(this.op["instance_name"]));
    this.requested = targetGroupUuids(this.op["target_groups"], (g) => expandGroup(this.cfg, g));
    iallocatorName(this.cfg, this.op["iallocator"]);
    this.lock(Levels.instance, [this.inst.uuid], "shared");
    this.lock(Levels.nodegroup, "all", "shared");
    this.lock(Levels.node, "all", "shared");
  }
  checkPrereq(): void {
    const cfg = this.cfg;
    const used = new Set(instanceNodes(cfg, this.inst).map((u) => cfg.nodes[u]?.group ?? ""));
    this.targets = this.requested ?? Object.keys(cfg.nodegroups).filter((g) => !used.has(g));
    const conflicting = this.targets.filter((g) => used.has(g));
    if (conflicting.length > 0) {
      throw new OpPrereqError(`Can't use group(s) '${conflicting.join(", ")}' as targets, they are used by the instance '${this.inst.name}'`,
        ErrorCode.inval);
    }
    if (this.targets.length === 0) throw new OpPrereqError("There are no possible target groups", ErrorCode.inval);
  }
  override buildHooksEnv(): Record<string, string> {
    return { TARGET_GROUPS: this.targets.join(" "), ...instanceHookEnv(this.cfg, this.inst) };
  }
  override buildHooksNodes(): [string[], string[]] {
    const m = masterName(this.cfg);
    return [[m], [m]];
  }
  async exec(): Promise<OpOutcome> {
    const cfg = this.cfg;
    const allocator = iallocatorName(cfg, this.op["iallocator"]);
    const ans = await changeGroup(this.env.rpc, cfg, allocator, [this.inst.name], this.targets,
      (info) => `Can't compute solution for changing group of instance '${this.inst.name}' using iallocator '${allocator}': ${info}`);
    const jobs = loadEvacResult({ info: (m) => this.logInfo(m), warn: (m) => this.logWarning(m) }, cfg, [this.inst], ans,
      this.op["early_release"] === true, null);
    this.logInfo(`Iallocator returned ${jobs.length} job(s) for changing group of instance '${this.inst.name}'`);
    return { result: {}, jobs };
  }
}

export class LUGroupEvacuate extends LogicalUnit {
  override readonly reqBgl = false;
  override readonly hooksPath = "group-evacuate";
  override readonly hooksType = "GROUP" as const;
  private group!: NodeGroup;
  private requested: string[] | null = null;
  private targets: string[] = [];
  private instances: Instance[] = [];

  override expandNames(): void {
    this.group = expandGroup(this.cfg, String(this.op["group_name"]));
    this.requested = targetGroupUuids(this.op["target_groups"], (g) => expandGroup(this.cfg, g));
    if (this.requested?.includes(this.group.uuid) === true) {
      throw new OpPrereqError(`Group '${this.group.name}' (${this.group.uuid}) can't be evacuated to itself`, ErrorCode.inval);
    }
    iallocatorName(this.cfg, this.op["iallocator"]);
    // The instances with a node in the group (Ganeti's GetNodeGroupInstances).
    const cfg = this.cfg;
    this.instances = Object.values(cfg.instances).filter((i) => instanceNodes(cfg, i).some((u) => cfg.nodes[u]?.group === this.group.uuid))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    this.lock(Levels.instance, this.instances.map((i) => i.uuid), "shared");
    this.lock(Levels.nodegroup, "all", "shared");
    this.lock(Levels.node, "all", "shared");
  }
  checkPrereq(): void {
    this.targets = this.requested ?? Object.keys(this.cfg.nodegroups).filter((g) => g !== this.group.uuid);
    if (this.targets.length === 0) throw new OpPrereqError("There are no possible target groups", ErrorCode.inval);
  }
  override buildHooksEnv(): Record<string, string> {
    return { GROUP_NAME: this.group.name, TARGET_GROUPS: this.targets.join(" ") };
  }
  override buildHooksNodes(): [string[], string[]] {
    const nodes = groupHookNodes(this.cfg, this.group.uuid);
    return [nodes, nodes];
  }
  async exec(): Promise<OpOutcome> {
    const cfg = this.cfg;
    const allocator = iallocatorName(cfg, this.op["iallocator"]);
    const ans = await changeGroup(this.env.rpc, cfg, allocator, this.instances.map((i) => i.name), this.targets,
      (info) => `Can't compute group evacuation using iallocator '${allocator}': ${info}`);
    let jobs: OpInput[][] = loadEvacResult({ info: (m) => this.logInfo(m), warn: (m) => this.logWarning(m) }, cfg, this.instances, ans,
      this.op["early_release"] === true, null);
    this.logInfo(`Iallocator returned ${jobs.length} job(s) for evacuating node group ${this.group.name}`);
    if (this.op["force_failover"] === true) {
      // Ganeti's _MigrateToFailover.
      jobs = jobs.map((job) => job.map((o) => (o.OP_ID === "OP_INSTANCE_MIGRATE"
        ? { OP_ID: "OP_INSTANCE_FAILOVER", instance_name: o["instance_name"], ...(typeof o["target_node"] === "string" ? { target_node: o["target_node"] } : {}) }
        : o)));
    }
    if (this.op["sequential"] === true) jobs = [jobs.flat()];
    return { result: {}, jobs };
  }
}
