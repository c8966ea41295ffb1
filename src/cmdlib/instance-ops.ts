// Instance operations that work on one existing instance: reboot, modify (parameters),
// reinstall.
import { fillInstanceBe, instanceDisks } from "../objects/fill.js";
import type { OpOutcome } from "../jobs/queue.js";
import { OpPrereqError, ErrorCode } from "../errors.js";
import { nodeTarget } from "../config/store.js";
import { LUInstanceOne, checkNodeHasOs, osInstance, startInstance } from "./instance.js";

export class LUInstanceReboot extends LUInstanceOne {
  override readonly hooksPath = "instance-reboot";
  override readonly hooksType = "INSTANCE" as const;
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

/** gnt-instance modify, first stage: backend and hypervisor parameters only. */
export class LUInstanceSetParams extends LUInstanceOne {
  override readonly hooksPath = "instance-modify";
  override readonly hooksType = "INSTANCE" as const;
  checkPrereq(): void {
    const unsupported = ["nics", "disks", "disk_template", "runtime_mem", "os_name", "osparams", "offline", "pnode"]
      .filter((k) => {
        const v = this.op[k];
        return v !== undefined && v !== null && v !== false && !(typeof v === "object" && Object.keys(v).length === 0);
      });
    if (unsupported.length > 0) {
      throw new OpPrereqError(`Changing ${unsupported.join(", ")} is not supported yet by ganeti-ts`, ErrorCode.inval);
    }
    const be = this.op["beparams"] as Record<string, unknown> | undefined;
    const hv = this.op["hvparams"] as Record<string, unknown> | undefined;
    if ((be === undefined || Object.keys(be).length === 0) && (hv === undefined || Object.keys(hv).length === 0)) {
      throw new OpPrereqError("No changes submitted", ErrorCode.inval);
    }
    const merged = fillInstanceBe(this.cfg.cluster, { ...this.inst, beparams: { ...this.inst.beparams, ...(be ?? {}) } });
    if (Number(merged["minmem"]) > Number(merged["maxmem"])) {
      throw new OpPrereqError(`Minimum memory size (${String(merged["minmem"])}) must be less or equal to maximum memory size ` +
        `(${String(merged["maxmem"])})`, ErrorCode.inval);
    }
  }
  async exec(): Promise<OpOutcome> {
    const result: Array<[string, string]> = [];
    const be = (this.op["beparams"] ?? {}) as Record<string, unknown>;
    const hv = (this.op["hvparams"] ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(be)) result.push([`be/${k}`, String(v)]);
    for (const [k, v] of Object.entries(hv)) result.push([`hv/${k}`, String(v)]);
    await this.env.config.update((c) => {
      const i = c.instances[this.inst.uuid];
      if (i === undefined) return c;
      const drop = (o: Record<string, unknown>, upd: Record<string, unknown>): Record<string, unknown> =>
        Object.fromEntries(Object.entries({ ...o, ...upd }).filter(([, v]) => v !== "default" && v !== null));
      return { ...c, instances: { ...c.instances, [i.uuid]: { ...i, beparams: drop({ ...i.beparams }, be), hvparams: drop({ ...i.hvparams }, hv),
        serial_no: i.serial_no + 1, mtime: Date.now() / 1000 } } };
    }, (w) => this.logWarning(w));
    if (this.inst.admin_state === "up") this.logInfo("The changes will take effect at the next restart of the instance");
    return { result };
  }
}

/** gnt-instance reinstall: the instance must be down; runs the (possibly new) OS's create script. */
export class LUInstanceReinstall extends LUInstanceOne {
  override readonly hooksPath = "instance-reinstall";
  override readonly hooksType = "INSTANCE" as const;
  private osName = "";
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
  }
  async exec(): Promise<OpOutcome> {
    let inst = this.inst;
    if (this.osName !== inst.os) {
      this.env.feedback(`Changing OS scripts to '${this.osName}'...`);
      const cfg = await this.env.config.update((c) => {
        const i = c.instances[inst.uuid];
        return i === undefined ? c : { ...c, instances: { ...c.instances, [i.uuid]: { ...i, os: this.osName, serial_no: i.serial_no + 1 } } };
      }, (w) => this.logWarning(w));
      inst = cfg.instances[inst.uuid] ?? inst;
    }
    this.env.feedback("Running the instance OS create scripts...");
    const r = await this.env.rpc.call(nodeTarget(this.pnode), "instance_os_add", { instance: osInstance(this.cfg, inst, this.pnode), debug: 0 });
    r.raise(`Could not install OS for instance '${inst.name}' on node '${this.pnode.name}'`);
    return { result: null };
  }
}
