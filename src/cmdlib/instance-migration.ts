// Moving an instance's primary role: failover (stop here, start there) and live migration,
// with Ganeti's checks and messages. This stage handles externally mirrored disks
// (sharedfile: every node sees the same files); drbd comes with the mirror storage layer.
import type { Instance, Node } from "../objects/types.js";
import { fillInstanceBe, instanceDisks } from "../objects/fill.js";
import { LogicalUnit, expandNodeName, Levels } from "./base.js";
import { expandInstance } from "./instance.js";
import type { OpOutcome } from "../jobs/queue.js";
import { OpPrereqError, OpExecError, ErrorCode } from "../errors.js";
import { nodeTarget } from "../config/store.js";
import { choosePrimary } from "./iallocator.js";

const EXT_MIRROR: ReadonlySet<string> = new Set(["sharedfile"]);

abstract class LUInstanceMove extends LogicalUnit {
  override readonly reqBgl = false;
  override readonly hooksType = "INSTANCE" as const;
  protected inst!: Instance;
  protected target!: Node;
  protected abstract readonly failover: boolean;

  override expandNames(): void {
    const cfg = this.cfg;
    this.inst = expandInstance(cfg, String(this.op["instance_name"]));
    this.lock(Levels.instance, [this.inst.uuid]);
    if (typeof this.op["target_node"] === "string") {
      this.target = expandNodeName(cfg, this.op["target_node"]);
      this.lock(Levels.node, [this.inst.primary_node, this.target.uuid]);
      this.lock(Levels.nodeRes, [this.inst.primary_node, this.target.uuid]);
    } else {
      this.allocator = typeof this.op["iallocator"] === "string" ? this.op["iallocator"] : ".";
      this.lock(Levels.node, "all");
      this.lock(Levels.nodeRes, "all");
    }
  }

  /** The allocator to run when no target node was given. */
  protected allocator: string | null = null;

  /** Picks the target with the allocator when none was given (after the layout checks). */
  protected async chooseTarget(): Promise<void> {
    if (this.allocator === null) return;
    const be = fillInstanceBe(this.cfg.cluster, this.inst);
    const choice = await choosePrimary(this.env.rpc, this.cfg, this.allocator, Number(be["minmem"]), [this.inst.primary_node],
      `instance ${this.inst.name}`);
    this.target = choice.node;
    this.logInfo(`Selected nodes for instance ${this.inst.name} via iallocator ${choice.allocator}: ${choice.node.name}`);
  }

  protected get source(): Node {
    const n = this.cfg.nodes[this.inst.primary_node];
    if (n === undefined) throw new OpPrereqError(`Primary node of ${this.inst.name} not found`, ErrorCode.fault);
    return n;
  }

  /** The checks failover and migration share (Ganeti's TLMigrateInstance.CheckPrereq). */
  protected async checkCommon(): Promise<void> {
    const cfg = this.cfg;
    const disks = instanceDisks(cfg, this.inst);
    const bad = [...new Set(disks.map((d) => d.dev_type).filter((t) => !EXT_MIRROR.has(t) && t !== "drbd"))];
    if (bad.length > 0 || disks.length === 0) {
      throw new OpPrereqError(`Instance's disk layout '${bad.join(", ") || "diskless"}' does not allow ${this.failover ? "failovers" : "migrations"}`,
        ErrorCode.state);
    }
    if (disks.some((d) => d.dev_type === "drbd")) throw new OpPrereqError("drbd instances are not supported yet", ErrorCode.inval);
    await this.chooseTarget();
    const target = cfg.nodes[this.target.uuid] ?? this.target;
    if (target.uuid === this.inst.primary_node) {
      throw new OpPrereqError(`Cannot migrate instance ${this.inst.name} to its primary (${target.name})`, ErrorCode.state);
    }
    if (target.offline) throw new OpPrereqError(`Can't use offline node ${target.name}`, ErrorCode.state);
    if (target.drained) throw new OpPrereqError(`Can't use drained node ${target.name}`, ErrorCode.state);
    if (!this.failover || this.inst.admin_state === "up") {
      const be = fillInstanceBe(cfg.cluster, this.inst);
      const r = await this.env.rpc.call(nodeTarget(target), "node_info", { storage_dirs: [] });
      const info = r.raise(`Can't compute free memory on node ${target.name}`);
      if (info.memory_free < Number(be["minmem"])) {
        throw new OpPrereqError(`Not enough memory on node ${target.name} for migrating instance ${this.inst.name}: needed ` +
          `${String(be["minmem"])} MiB, available ${info.memory_free} MiB`, ErrorCode.norm);
      }
    } else {
      this.logInfo("Not checking memory on the secondary node as instance will not be started");
    }
  }

  protected diskArgs(): Array<{ uuid: string; dev_type: string; logical_id: unknown[]; size: number }> {
    return instanceDisks(this.cfg, this.inst).map((d) => ({ uuid: d.uuid ?? "", dev_type: d.dev_type, logical_id: [...d.logical_id], size: d.size }));
  }

  protected async setPrimary(): Promise<Instance> {
    const cfg = await this.env.config.update((c) => {
      const i = c.instances[this.inst.uuid];
      if (i === undefined) return c;
      return { ...c, instances: { ...c.instances, [i.uuid]: { ...i, primary_node: this.target.uuid, serial_no: i.serial_no + 1, mtime: Date.now() / 1000 } } };
    }, (w) => this.logWarning(w));
    return cfg.instances[this.inst.uuid] ?? this.inst;
  }

  protected startArgs(inst: Instance) {
    const be = fillInstanceBe(this.cfg.cluster, inst);
    return { name: inst.name, hypervisor: inst.hypervisor, memory: Number(be["maxmem"]), vcpus: Number(be["vcpus"]), disks: this.diskArgs() };
  }
}

export class LUInstanceFailover extends LUInstanceMove {
  override readonly hooksPath = "instance-failover";
  protected readonly failover = true;

  async checkPrereq(): Promise<void> {
    await this.checkCommon();
  }

  async exec(): Promise<OpOutcome> {
    const source = this.source;
    const ignore = this.op["ignore_consistency"] === true;
    this.env.feedback(`Failover instance ${this.inst.name}`);
    if (this.inst.disks_active !== false) this.env.feedback("* checking disk consistency between source and target");
    else this.env.feedback("* not checking disk consistency as instance is not running");
    this.env.feedback("* shutting down instance on source node");
    const r = await this.env.rpc.call(nodeTarget(source), "instance_shutdown",
      { name: this.inst.name, hypervisor: this.inst.hypervisor, timeout: Number(this.op["shutdown_timeout"] ?? 120) });
    if (!r.ok) {
      if (ignore || source.offline) {
        this.logWarning(`Could not shutdown instance ${this.inst.name} on node ${source.name}, proceeding anyway; please make sure node ` +
          `${source.name} is down; error details: ${r.failMsg}`);
      } else {
        throw new OpExecError(`Could not shutdown instance ${this.inst.name} on node ${source.name}: ${r.failMsg}`);
      }
    }
    this.env.feedback("* deactivating the instance's disks on source node");
    const inst = await this.setPrimary();
    if (inst.admin_state === "up") {
      this.env.feedback(`* activating the instance's disks on target node ${this.target.name}`);
      for (const d of this.diskArgs()) {
        const f = await this.env.rpc.call(nodeTarget(this.target), "blockdev_find", { disk: d });
        if (!f.ok || f.payload === null) throw new OpExecError("Can't activate the instance's disks");
      }
      this.env.feedback(`* starting the instance on the target node ${this.target.name}`);
      const s = await this.env.rpc.call(nodeTarget(this.target), "instance_start", this.startArgs(inst));
      if (!s.ok) throw new OpExecError(`Could not start instance ${inst.name} on node ${this.target.name}: ${s.failMsg}`);
    }
    return { result: null };
  }
}

export class LUInstanceMigrate extends LUInstanceMove {
  override readonly hooksPath = "instance-migrate";
  protected readonly failover = false;

  async checkPrereq(): Promise<void> {
    await this.checkCommon();
    // Ganeti's instance_migratable: the instance must run on a reachable primary node.
    const r = await this.env.rpc.call(nodeTarget(this.source), "all_instances_info", { hypervisors: [this.inst.hypervisor] });
    const msg = !r.ok ? r.failMsg : r.payload?.[this.inst.name] === undefined ? `Instance ${this.inst.name} is not running` : null;
    if (msg !== null) throw new OpPrereqError(`Can't migrate, please use failover: ${msg}`, ErrorCode.state);
  }

  async exec(): Promise<OpOutcome> {
    const source = this.source;
    this.env.feedback(`Migrating instance ${this.inst.name}`);
    this.env.feedback("* checking where the instance actually runs (if this hangs, the hypervisor might be in a bad state)");
    this.env.feedback(`* migrating instance to ${this.target.name}`);
    const s = await this.env.rpc.call(nodeTarget(this.target), "instance_start", this.startArgs(this.inst));
    if (!s.ok) throw new OpExecError(`Could not migrate instance ${this.inst.name}: ${s.failMsg}`);
    const d = await this.env.rpc.call(nodeTarget(source), "instance_shutdown", { name: this.inst.name, hypervisor: this.inst.hypervisor, timeout: 120 });
    if (!d.ok) this.logWarning(`Could not stop the migrated-away copy on ${source.name}: ${d.failMsg}`);
    await this.setPrimary();
    this.env.feedback("* done");
    return { result: null };
  }
}
