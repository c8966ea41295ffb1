// Instance operations that work on one existing instance: reboot and
// reinstall.
import { fillOsParams, instanceDisks } from "../objects/fill.js";
import { instanceNodes } from "../objects/topology.js";
import type { Node } from "../objects/types.js";
import { checkOsParams } from "./os.js";
import type { OpOutcome } from "../jobs/queue.js";
import { OpPrereqError, ErrorCode } from "../errors.js";
import { nodeTarget } from "../config/store.js";
import { LUInstanceOne, checkNodeHasOs, osInstance, startInstance } from "./instance.js";

export class LUInstanceReboot extends LUInstanceOne {
  override readonly hooksPath = "instance-reboot";
  override readonly hooksType = "INSTANCE" as const;
  protected override hooksExtra(): Record<string, string> {
    return { IGNORE_SECONDARIES: this.op["ignore_secondaries"] === true ? "True" : "False", REBOOT_TYPE: String(this.op["reboot_type"] ?? "hard"),
      SHUTDOWN_TIMEOUT: String(this.op["shutdown_timeout"] ?? 120) };
  }
  checkPrereq(): void {
    if (this.pnode.offline) throw new OpPrereqError(`Instance ${this.inst.name}'s primary node ${this.pnode.name} is offline`, ErrorCode.state);
    const t = String(this.op["reboot_type"] ?? "hard");
    if (!["soft", "hard", "full"].includes(t)) throw new OpPrereqError(`Invalid reboot type '${t}'`, ErrorCode.inval);
  }
  async exec(): Promise<OpOutcome> {
    // On the fake hypervisor every reboot type is a stop and a start of the instance.
    const target = nodeTarget(this.pnode);
    const r = await this.env.rpc.call(target, "instance_shutdown", { name: this.inst.name, hypervisor: this.inst.hypervisor,
      timeout: Number(this.op["shutdown_timeout"] ?? 120) });
    r.raise(`Could not shutdown instance ${this.inst.name} for reboot`);
    const cfg = await this.setAdminState("up");
    await startInstance({ ...this.diskEnv(), cfg }, cfg.instances[this.inst.uuid] ?? this.inst);
    return { result: null };
  }
}

/** gnt-instance reinstall: the instance must be down; runs the (possibly new) OS's create script. */
export class LUInstanceReinstall extends LUInstanceOne {
  override readonly hooksPath = "instance-reinstall";
  override readonly hooksType = "INSTANCE" as const;
  private osName = "";
  /** The instance's OS parameters after this reinstall (-O), or null: unchanged. */
  private osparams: Record<string, unknown> | null = null;
  async checkPrereq(): Promise<void> {
    const inst = this.inst;
    if (instanceDisks(this.cfg, inst).length === 0) throw new OpPrereqError(`Instance '${inst.name}' has no disks`, ErrorCode.inval);
    if (inst.admin_state !== "down") {
      throw new OpPrereqError(`Instance '${inst.name}' is marked to be ${inst.admin_state}, cannot reinstall`, ErrorCode.state);
    }
    const pnode = this.pnode;
    if (pnode.offline) throw new OpPrereqError(`Instance ${inst.name}'s primary node ${pnode.name} is offline`, ErrorCode.state);
    const running = await this.env.rpc.call(nodeTarget(pnode), "all_instances_info", { hypervisors: [inst.hypervisor] });
    if (running.ok && running.payload?.[inst.name] !== undefined) {
      throw new OpPrereqError(`Instance ${inst.name} is running, cannot reinstall`, ErrorCode.state);
    }
    this.osName = typeof this.op["os_type"] === "string" ? this.op["os_type"] : inst.os;
    if (this.osName === "") throw new OpPrereqError("No guest OS or OS image specified", ErrorCode.inval);
    await checkNodeHasOs(this.env.rpc, pnode, this.osName);
    const given = (this.op["osparams"] ?? {}) as Record<string, unknown>;
    this.osparams = Object.keys(given).length === 0 ? null
      : Object.fromEntries(Object.entries({ ...inst.osparams, ...given }).filter(([, v]) => v !== "default" && v !== null));
    await checkOsParams(this.env.rpc, (m) => this.logInfo(m), true, instanceNodes(this.cfg, inst).map((u) => this.cfg.nodes[u])
      .filter((n): n is Node => n !== undefined), this.osName, fillOsParams(this.cfg.cluster, this.osName, this.osparams ?? inst.osparams),
    this.op["force_variant"] === true);
  }
  async exec(): Promise<OpOutcome> {
    let inst = this.inst;
    if (this.osName !== inst.os || this.osparams !== null) {
      if (this.osName !== inst.os) this.env.feedback(`Changing OS scripts to '${this.osName}'...`);
      const osparams = this.osparams;
      const cfg = await this.env.config.update((c) => {
        const i = c.instances[inst.uuid];
        return i === undefined ? c : { ...c, instances: { ...c.instances, [i.uuid]: { ...i, os: this.osName,
          ...(osparams !== null ? { osparams } : {}), serial_no: i.serial_no + 1 } } };
      }, (w) => this.logWarning(w));
      inst = cfg.instances[inst.uuid] ?? inst;
    }
    this.env.feedback("Running the instance OS create scripts...");
    const r = await this.env.rpc.call(nodeTarget(this.pnode), "instance_os_add", { instance: osInstance(this.cfg, inst, this.pnode), debug: 0 });
    r.raise(`Could not install OS for instance '${inst.name}' on node '${this.pnode.name}'`);
    return { result: null };
  }
}
