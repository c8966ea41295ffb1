// gnt-node evacuate: move instances off a node, as follow-up jobs (Ganeti's
// LUNodeEvacuate + node-evacuate iallocator request). Primary instances on shared storage
// are migrated (or failed over when stopped or their node is offline) to a node the
// allocator picks; drbd primaries go to their secondary, drbd secondaries get a new
// secondary node (replace-disks); instances on node-local storage cannot be relocated.
import { DTS_EXT_MIRROR } from "../objects/param-defaults.js";
import type { ConfigData, Instance, Node } from "../objects/types.js";
import { fillInstanceBe, instanceDiskTemplate, primaryInstances, secondaryInstances } from "../objects/fill.js";
import { LogicalUnit, expandNodeName, Levels } from "./base.js";
import type { OpOutcome, OpInput } from "../jobs/queue.js";
import { OpPrereqError, OpExecError, ErrorCode } from "../errors.js";
import { choosePrimary, evacuateNode, HAIL, iallocatorName, type EvacAnswer } from "./iallocator.js";
import type { EvacMode } from "./iallocator-request.js";
import { instanceSecondaryNodes } from "../objects/topology.js";


export class LUNodeEvacuate extends LogicalUnit {
  override readonly reqBgl = false;
  private node!: Node;
  private mode = "all";

  override checkArguments(): void {
    this.mode = String(this.op["mode"] ?? "all");
    if (typeof this.op["remote_node"] === "string" && typeof this.op["iallocator"] === "string") {
      throw new OpPrereqError("Give either a remote node or an iallocator, not both", ErrorCode.inval);
    }
    if (typeof this.op["remote_node"] === "string" && this.mode !== "secondary-only") {
      throw new OpPrereqError("Without the use of an iallocator only secondary instances can be evacuated", ErrorCode.inval);
    }
  }

  override expandNames(): void {
    this.node = expandNodeName(this.cfg, String(this.op["node_name"]));
    this.lock(Levels.node, "all", "shared");
  }

  checkPrereq(): void {
    if (typeof this.op["remote_node"] === "string") {
      const remote = expandNodeName(this.cfg, this.op["remote_node"]);
      if (remote.uuid === this.node.uuid) throw new OpPrereqError("Can not use evacuated node as a new secondary node", ErrorCode.inval);
    }
  }

  async exec(): Promise<OpOutcome> {
    const cfg = this.cfg;
    const uuids = [
      ...(this.mode !== "secondary-only" ? primaryInstances(cfg, this.node.uuid) : []),
      ...(this.mode !== "primary-only" ? secondaryInstances(cfg, this.node.uuid) : []),
    ];
    const insts = [...new Set(uuids)].map((u) => cfg.instances[u]).filter((i): i is Instance => i !== undefined);
    if (insts.length === 0) {
      this.logInfo(`No instances to evacuate from node '${this.node.name}'`);
      return { result: {}, jobs: [] };
    }
    this.logInfo(`Evacuating instances from node '${this.node.name}': ${insts.map((i) => i.name).join(", ")}`);
    const failed: string[] = [];
    const moved: Array<[Instance, Node]> = [];
    const jobs: OpInput[][] = [];
    const described: string[] = [];
    const remote = typeof this.op["remote_node"] === "string" ? expandNodeName(cfg, this.op["remote_node"]) : null;
    const allocator = remote === null ? iallocatorName(cfg, this.op["iallocator"]) : null;
    if (allocator === HAIL) return this.evacuateWithHail(insts);
    for (const inst of insts) {
      const template = instanceDiskTemplate(cfg, inst);
      if (template === "drbd") {
        const snode = instanceSecondaryNodes(cfg, inst)[0] ?? "";
        const pnode = cfg.nodes[inst.primary_node] as Node;
        if (inst.primary_node === this.node.uuid) {
          // The primary role goes to the secondary, which already has the data.
          const target = cfg.nodes[snode] as Node;
          described.push(`${inst.name} (to ${target.name}, ${this.node.name})`);
          jobs.push([inst.admin_state !== "up" || this.node.offline
            ? { OP_ID: "OP_INSTANCE_FAILOVER", instance_name: inst.name, ignore_consistency: this.node.offline }
            : { OP_ID: "OP_INSTANCE_MIGRATE", instance_name: inst.name }]);
          continue;
        }
        try {
          const newSec = remote ?? (await choosePrimary(this.env.rpc, cfg, String(allocator),
            0, [this.node.uuid, inst.primary_node], `instance ${inst.name}`)).node;
          described.push(`${inst.name} (to ${pnode.name}, ${newSec.name})`);
          jobs.push([{ OP_ID: "OP_INSTANCE_REPLACE_DISKS", instance_name: inst.name, mode: "replace_new_secondary", remote_node: newSec.name,
            early_release: this.op["early_release"] === true }]);
        } catch (e) {
          failed.push(`${inst.name} (${(e as Error).message})`);
        }
        continue;
      }
      if (!DTS_EXT_MIRROR.has(template) || template === "diskless") {
        failed.push(`${inst.name} (Instances of type ${template} cannot be relocated)`);
        continue;
      }
      const be = fillInstanceBe(cfg.cluster, inst);
      try {
        const choice = await choosePrimary(this.env.rpc, cfg, String(allocator),
          Number(be["minmem"]), [this.node.uuid], `instance ${inst.name}`);
        moved.push([inst, choice.node]);
      } catch (e) {
        failed.push(`${inst.name} (${(e as Error).message})`);
      }
    }
    if (failed.length > 0) {
      this.logWarning(`Unable to evacuate instances ${failed.join(", ")}`);
      throw new OpExecError(`Unable to evacuate instances ${failed.join(", ")}`);
    }
    for (const [inst, target] of moved) {
      described.push(`${inst.name} (to ${target.name})`);
      // A stopped instance, or one whose node is offline, cannot be live-migrated.
      const failover = inst.admin_state !== "up" || this.node.offline;
      jobs.push([failover
        ? { OP_ID: "OP_INSTANCE_FAILOVER", instance_name: inst.name, target_node: target.name, ignore_consistency: this.node.offline }
        : { OP_ID: "OP_INSTANCE_MIGRATE", instance_name: inst.name, target_node: target.name }]);
    }
    this.logInfo(`Instances to be moved: ${described.join(", ")}`);
    return { result: {}, jobs };
  }

  /**
   * Ganeti's node-evacuate request answered by hail, and its LoadNodeEvacResult: the moves
   * become hail's jobs. Diskless instances are refused first (this cluster cannot fail them
   * over yet). A migration of a stopped instance, or off an offline node, runs as the
   * failover Ganeti's migration falls back to (allow_failover).
   */
  private async evacuateWithHail(insts: readonly Instance[]): Promise<OpOutcome> {
    const cfg = this.cfg;
    const refused: Array<[string, string]> = [];
    for (const inst of insts) {
      const t = instanceDiskTemplate(cfg, inst);
      if (t === "diskless") refused.push([inst.name, `Instances of type ${t} cannot be relocated`]);
    }
    const asked = insts.filter((i) => !refused.some(([n]) => n === i.name));
    const ans = asked.length === 0 ? { moved: [], failed: [], jobs: [] }
      : await evacuateNode(this.env.rpc, cfg, asked.map((i) => i.name), this.mode as EvacMode, this.op["ignore_soft_errors"] === true);
    const jobs = loadEvacResult({ info: (m) => this.logInfo(m), warn: (m) => this.logWarning(m) }, cfg, insts,
      { ...ans, failed: [...refused, ...ans.failed] }, this.op["early_release"] === true, this.node.offline ? this.node.uuid : null);
    return { result: {}, jobs };
  }
}

/**
 * Ganeti's LoadNodeEvacResult: refuses when the allocator could not place an instance,
 * reports the moves, and turns the allocator's jobs into opcodes (replace-disks with
 * early_release; a migration of a stopped instance, or off the offline node `offline`,
 * as the failover Ganeti's migration falls back to).
 */
export function loadEvacResult(log: { info(m: string): void; warn(m: string): void }, cfg: ConfigData, insts: readonly Instance[],
  ans: EvacAnswer, earlyRelease: boolean, offline: string | null): OpInput[][] {
  const failed = new Map(ans.failed.map(([n, why]) => [n, why] as const));
  if (failed.size > 0) {
    const why = insts.filter((i) => failed.has(i.name)).map((i) => `${i.name} (${failed.get(i.name) ?? ""})`).join(", ");
    log.warn(`Unable to evacuate instances ${why}`);
    throw new OpExecError(`Unable to evacuate instances ${why}`);
  }
  if (ans.moved.length > 0) log.info(`Instances to be moved: ${ans.moved.map(([n, , nodes]) => `${n} (to ${nodes.join(", ")})`).join(", ")}`);
  const byName = new Map(Object.values(cfg.instances).map((i) => [i.name, i]));
  return ans.jobs.map((ops) => {
    let first = true;
    return ops.map((o): OpInput => {
      const inst = byName.get(String(o["instance_name"]));
      if (o["OP_ID"] === "OP_INSTANCE_REPLACE_DISKS") return { ...(o as OpInput), early_release: earlyRelease };
      const offPrimary = first && offline !== null && inst?.primary_node === offline;
      first = false;
      if (o["OP_ID"] === "OP_INSTANCE_MIGRATE" && (inst?.admin_state !== "up" || offPrimary)) {
        return { OP_ID: "OP_INSTANCE_FAILOVER", instance_name: o["instance_name"], ignore_consistency: offPrimary,
          ...(typeof o["target_node"] === "string" ? { target_node: o["target_node"] } : {}) } as OpInput;
      }
      return o as OpInput;
    });
  });
}
