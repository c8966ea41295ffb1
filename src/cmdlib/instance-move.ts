// gnt-instance move (Ganeti's LUInstanceMove): stop the instance, create its disks on the
// target node, copy the data node to node with progress lines, switch the primary node,
// remove the old disks, start it again there.
import type { Instance, Node } from "../objects/types.js";
import { fillInstanceBe, instanceDisks } from "../objects/fill.js";
import { LogicalUnit, expandNodeName, Levels } from "./base.js";
import { expandInstance, startInstance } from "./instance.js";
import type { OpOutcome } from "../jobs/queue.js";
import { OpPrereqError, OpExecError, ErrorCode } from "../errors.js";
import { nodeTarget } from "../config/store.js";
import { createDisks, diskArg, removeDisks } from "./instance-disks.js";
import { followTransfer } from "./transfer-progress.js";
import { checkTargetNodeIPolicy } from "./ipolicy.js";
import { instanceHookEnv, instanceHookNodes } from "./instance-hooks.js";

/** Disk types whose data can be copied to another node (Ganeti's DTS_COPYABLE, of those built). */
const COPYABLE: ReadonlySet<string> = new Set(["file", "plain"]);

export class LUInstanceMove extends LogicalUnit {
  override readonly reqBgl = false;
  override readonly hooksPath = "instance-move";
  override readonly hooksType = "INSTANCE" as const;
  private inst!: Instance;
  private target!: Node;

  override buildHooksEnv(): Record<string, string> {
    return instanceHookEnv(this.cfg, this.inst, { TARGET_NODE: this.target.name, SHUTDOWN_TIMEOUT: String(this.op["shutdown_timeout"] ?? 120) });
  }
  override buildHooksNodes(): [string[], string[]] {
    const nodes = [...new Set([...instanceHookNodes(this.cfg, this.inst, true), this.target.name])];
    return [nodes, nodes];
  }

  override expandNames(): void {
    this.inst = expandInstance(this.cfg, String(this.op["instance_name"]));
    this.target = expandNodeName(this.cfg, String(this.op["target_node"]));
    this.lock(Levels.instance, [this.inst.uuid]);
    this.lock(Levels.node, [this.inst.primary_node, this.target.uuid]);
    this.lock(Levels.nodeRes, [this.inst.primary_node, this.target.uuid]);
  }

  async checkPrereq(): Promise<void> {
    const cfg = this.cfg;
    for (const [idx, d] of instanceDisks(cfg, this.inst).entries()) {
      if (!COPYABLE.has(d.dev_type)) {
        throw new OpPrereqError(`Instance disk ${idx} has disk type ${d.dev_type} and is not suitable for copying`, ErrorCode.state);
      }
    }
    const t = cfg.nodes[this.target.uuid] ?? this.target;
    if (t.uuid === this.inst.primary_node) {
      throw new OpPrereqError(`Instance ${this.inst.name} is already on the node ${t.name}`, ErrorCode.state);
    }
    if (t.offline) throw new OpPrereqError(`Can't use offline node ${t.name}`, ErrorCode.state);
    if (t.drained) throw new OpPrereqError(`Can't use drained node ${t.name}`, ErrorCode.state);
    if (!t.vm_capable) throw new OpPrereqError(`Can't use non-vm_capable node ${t.name}`, ErrorCode.state);
    checkTargetNodeIPolicy((m) => this.logWarning(m), cfg, this.inst, t, this.op["ignore_ipolicy"] === true);
    if (this.inst.admin_state === "up") {
      const be = fillInstanceBe(cfg.cluster, this.inst);
      const info = (await this.env.rpc.call(nodeTarget(t), "node_info", { storage_dirs: [] })).raise(`Can't compute free memory on node ${t.name}`);
      if (info.memory_free < Number(be["maxmem"])) {
        throw new OpPrereqError(`Not enough memory on node ${t.name} for failing over instance ${this.inst.name}: needed ` +
          `${String(be["maxmem"])} MiB, available ${info.memory_free} MiB`, ErrorCode.norm);
      }
    } else {
      this.logInfo("Not checking memory on the secondary node as instance will not be started");
    }
  }

  async exec(): Promise<OpOutcome> {
    const cfg = this.cfg;
    const source = cfg.nodes[this.inst.primary_node] as Node;
    const target = cfg.nodes[this.target.uuid] as Node;
    this.logInfo(`Shutting down instance ${this.inst.name} on source node ${source.name}`);
    const r = await this.env.rpc.call(nodeTarget(source), "instance_shutdown",
      { name: this.inst.name, hypervisor: this.inst.hypervisor, timeout: Number(this.op["shutdown_timeout"] ?? 120) });
    if (!r.ok) {
      if (this.op["ignore_consistency"] !== true) r.raise(`Could not shutdown instance ${this.inst.name} on node ${source.name}`);
      this.logWarning(`Could not shutdown instance ${this.inst.name} on node ${source.name}. Proceeding anyway. Please make sure node ` +
        `${source.name} is down. Error details: ${r.failMsg ?? ""}`);
    }
    // The disks as they will be on the target (file paths are per node, so they do not change).
    const onTarget: Instance = { ...this.inst, primary_node: target.uuid };
    const disks = instanceDisks(cfg, this.inst);
    try {
      await createDisks(this.diskEnv(), onTarget, disks);
    } catch (e) {
      this.logWarning("Device creation failed");
      throw e;
    }
    const errs: string[] = [];
    for (const [idx, d] of disks.entries()) {
      if (!(await this.transfer(`disk/${idx}`, source, target, diskArg(cfg, this.inst, d)))) errs.push(`disk/${idx}`);
    }
    if (errs.length > 0) {
      this.logWarning("Some disks failed to copy, aborting");
      await removeDisks(this.diskEnv(), onTarget, disks);
      throw new OpExecError(`Errors during disk copy: ${errs.map(() => "Failed to transfer instance data").join(",")}`);
    }
    const updated = await this.env.config.update((c) => {
      const i = c.instances[this.inst.uuid];
      if (i === undefined) return c;
      return { ...c, instances: { ...c.instances, [i.uuid]: { ...i, primary_node: target.uuid, serial_no: i.serial_no + 1, mtime: Date.now() / 1000 } } };
    }, (w) => this.logWarning(w));
    this.logInfo("Removing the disks on the original node");
    await removeDisks(this.diskEnv(), this.inst, disks);
    const inst = updated.instances[this.inst.uuid] ?? onTarget;
    if (inst.admin_state === "up") {
      this.logInfo(`Starting instance ${inst.name} on node ${target.name}`);
      await startInstance({ ...this.diskEnv(), cfg: updated }, inst);
    }
    return { result: null };
  }

  private async transfer(name: string, source: Node, target: Node, disk: ReturnType<typeof diskArg>): Promise<boolean> {
    const start = await this.env.rpc.call(nodeTarget(source), "blockdev_export",
      { disk, dest: { name: target.name, ip: target.secondary_ip ?? target.primary_ip } });
    if (!start.ok || start.payload === null) {
      this.logWarning(`Can't start the transfer of ${name}: ${start.failMsg ?? ""}`);
      return false;
    }
    return followTransfer({ rpc: this.env.rpc, feedback: (m) => this.env.feedback(m), warn: (m) => this.logWarning(m) }, name, source, start.payload.id);
  }
}
