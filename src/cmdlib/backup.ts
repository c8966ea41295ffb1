// gnt-backup (Ganeti's LUBackupExport / LUBackupRemove, and the import half of instance
// creation): an export is a directory on one node holding config.ini (Ganeti's export
// info) and the output of the OS export script for every disk.
import type { ConfigData, Instance, Node } from "../objects/types.js";
import { fillInstanceBe, instanceDisks } from "../objects/fill.js";
import { LogicalUnit, expandNodeName, Levels } from "./base.js";
import { expandInstance, osInstance, startInstance, LUInstanceRemove } from "./instance.js";
import type { OpOutcome } from "../jobs/queue.js";
import { OpPrereqError, OpExecError, ErrorCode } from "../errors.js";
import { nodeTarget } from "../config/store.js";
import { EXPORT_VERSION } from "../constants.js";
import { followTransfer } from "./transfer-progress.js";
import { nodeOf } from "./instance-disks.js";
import { ExportSnapshots } from "./backup-snapshots.js";
import { checkCompressionTool } from "./backup-import.js";
import { instanceHookEnv, instanceHookNodes } from "./instance-hooks.js";

/** Ganeti's export info: an INI file with [export], [instance], [hypervisor], [backend], [os]. */
export function exportConfig(cfg: ConfigData, inst: Instance, compression = "none"): string {
  const be = fillInstanceBe(cfg.cluster, inst);
  const disks = instanceDisks(cfg, inst);
  const nicDefaults = (cfg.cluster.nicparams["default"] ?? {}) as Record<string, unknown>;
  const lines = ["[export]", `version = ${EXPORT_VERSION}`, `timestamp = ${Math.floor(Date.now() / 1000)}`,
    `source = ${nodeOf(cfg, inst.primary_node).name}`, `os = ${inst.os}`, `compression = ${compression}`, "", "[instance]",
    `name = ${inst.name}`, `maxmem = ${String(be["maxmem"])}`, `minmem = ${String(be["minmem"])}`, `memory = ${String(be["maxmem"])}`,
    `vcpus = ${String(be["vcpus"])}`, `disk_template = ${inst.disk_template ?? "diskless"}`, `hypervisor = ${inst.hypervisor}`,
    `tags = ${inst.tags.join(" ")}`];
  inst.nics.forEach((n, i) => {
    const p = { ...nicDefaults, ...((n.nicparams ?? {}) as Record<string, unknown>) };
    lines.push(`nic${i}_mac = ${String(n.mac)}`, `nic${i}_ip = ${String(n.ip ?? "None")}`, `nic${i}_network = ${String(n.network ?? "None")}`,
      `nic${i}_name = ${String(n.name ?? "None")}`, `nic${i}_mode = ${String(p["mode"] ?? "")}`, `nic${i}_link = ${String(p["link"] ?? "")}`,
      `nic${i}_vlan = ${String(p["vlan"] ?? "")}`);
  });
  lines.push(`nic_count = ${inst.nics.length}`);
  disks.forEach((d, i) => lines.push(`disk${i}_ivname = disk/${i}`, `disk${i}_dump = ${d.uuid ?? ""}.disk${i}`, `disk${i}_size = ${d.size}`,
    `disk${i}_name = ${String(d.name ?? "None")}`));
  lines.push(`disk_count = ${disks.length}`, "", "[hypervisor]", ...Object.entries(inst.hvparams).map(([k, v]) => `${k} = ${String(v)}`),
    "", "[backend]", ...Object.entries(inst.beparams).map(([k, v]) => `${k} = ${String(v)}`),
    "", "[os]", ...Object.entries(inst.osparams).map(([k, v]) => `${k} = ${String(v)}`), "");
  return lines.join("\n");
}

export class LUBackupExport extends LogicalUnit {
  override readonly reqBgl = false;
  override readonly hooksPath = "instance-export";
  override readonly hooksType = "INSTANCE" as const;
  private inst!: Instance;
  private target!: Node;

  override buildHooksEnv(): Record<string, string> {
    return instanceHookEnv(this.cfg, this.inst, { EXPORT_MODE: String(this.op["mode"] ?? "local"), EXPORT_NODE: this.target.name,
      EXPORT_DO_SHUTDOWN: this.op["shutdown"] === false ? "False" : "True", SHUTDOWN_TIMEOUT: String(this.op["shutdown_timeout"] ?? 120),
      REMOVE_INSTANCE: this.op["remove_instance"] === true ? "True" : "False" });
  }
  /** Ganeti: the master, the primary node and the export's node. */
  override buildHooksNodes(): [string[], string[]] {
    const nodes = [...new Set([...instanceHookNodes(this.cfg, this.inst, true), this.target.name])];
    return [nodes, nodes];
  }

  override checkArguments(): void {
    if (this.op["mode"] !== undefined && this.op["mode"] !== "local") {
      throw new OpPrereqError(`Export mode '${String(this.op["mode"])}' is not supported yet by ganeti-ts`, ErrorCode.inval);
    }
    if (this.op["remove_instance"] === true && this.op["shutdown"] === false) {
      throw new OpPrereqError("Can not remove instance without shutting it down before", ErrorCode.inval);
    }
    const compress = String(this.op["compress"] ?? "none");
    if (this.op["zero_free_space"] === true) {
      // Ganeti's checks first, then what is not built here.
      if (compress === "none") throw new OpPrereqError("Zeroing free space does not make sense unless compression is used", ErrorCode.inval);
      if (this.op["shutdown"] === false) throw new OpPrereqError("Unless the instance is shut down, zeroing cannot be used.", ErrorCode.inval);
    }
  }
  override expandNames(): void {
    this.inst = expandInstance(this.cfg, String(this.op["instance_name"]));
    this.target = expandNodeName(this.cfg, String(this.op["target_node"]));
    this.lock(Levels.instance, [this.inst.uuid]);
    this.lock(Levels.node, "all", "shared");
  }
  checkPrereq(): void {
    checkCompressionTool(this.cfg, String(this.op["compress"] ?? "none"));
    if (this.op["zero_free_space"] === true) throw new OpPrereqError("Zeroing free space is not supported yet by ganeti-ts", ErrorCode.inval);
    const t = this.cfg.nodes[this.target.uuid] ?? this.target;
    if (t.offline) throw new OpPrereqError(`Can't use offline node ${t.name}`, ErrorCode.state);
    if (instanceDisks(this.cfg, this.inst).length === 0) throw new OpPrereqError("Instance has no disks; nothing to export", ErrorCode.inval);
    if (this.inst.os === "") throw new OpPrereqError(`Instance ${this.inst.name} has no OS to export with`, ErrorCode.inval);
    if (nodeOf(this.cfg, this.inst.primary_node).offline) {
      throw new OpPrereqError(`Instance ${this.inst.name}'s primary node is offline`, ErrorCode.state);
    }
  }
  /**
   * Ganeti's flow: shut down (unless --noshutdown), snapshot every disk where the instance
   * should run, start it again at once and send the snapshots; where a disk can't be
   * snapshotted, a live export is refused and a shut-down one needs --long-sleep (the
   * instance then stays down for the whole copy). Unlike Ganeti, an aborted export starts
   * the instance it shut down again.
   */
  async exec(): Promise<OpOutcome> {
    const cfg = this.cfg;
    const inst = this.inst;
    const src = nodeOf(cfg, inst.primary_node);
    const shutdown = this.op["shutdown"] !== false;
    const removeInstance = this.op["remove_instance"] === true;
    const adminUp = inst.admin_state === "up";
    const r = await this.env.rpc.call(nodeTarget(src), "all_instances_info", { hypervisors: [inst.hypervisor] });
    const wasRunning = r.ok && r.payload?.[inst.name] !== undefined;
    if (shutdown && wasRunning) {
      this.env.feedback(`Shutting down instance ${inst.name}`);
      (await this.env.rpc.call(nodeTarget(src), "instance_shutdown", { name: inst.name, hypervisor: inst.hypervisor,
        timeout: Number(this.op["shutdown_timeout"] ?? 120) })).raise(`Could not shutdown instance ${inst.name} on node ${src.name}`);
    }
    // Ganeti's DoReboot: the instance is started again once its data is safe.
    let restarted = !(shutdown && adminUp && !removeInstance);
    const restart = async (): Promise<void> => {
      if (restarted) return;
      restarted = true;
      this.env.feedback(`Starting instance ${inst.name}`);
      await startInstance(this.diskEnv(), inst);
    };
    const snapshots = new ExportSnapshots({ rpc: this.env.rpc, cfg, feedback: (m) => this.env.feedback(m), warn: (m) => this.logWarning(m) },
      inst, src);
    const results: boolean[] = [];
    try {
      if (adminUp && !removeInstance && !(await snapshots.create(wasRunning && !shutdown))) {
        if (!shutdown) throw new OpExecError("Not all disks could be snapshotted, and you requested a live export; aborting");
        if (this.op["long_sleep"] !== true) {
          throw new OpExecError("Not all disks could be snapshotted, and you did not allow the instance to remain offline for a longer " +
            "time through the --long-sleep option; aborting");
        }
      }
      if (snapshots.ready()) await restart();
      const oi = osInstance(cfg, inst, src);
      const disks = snapshots.disksToTransfer(oi.disks);
      for (const [idx, d] of instanceDisks(cfg, inst).entries()) {
        const label = snapshots.label(idx);
        this.env.feedback(`Exporting ${label} from ${src.name} to ${this.target.name}`);
        const s = await this.env.rpc.call(nodeTarget(src), "export_start", { instance: { ...oi, disks: [...disks] }, index: idx,
          compress: String(this.op["compress"] ?? "none"),
          dest: { name: this.target.name, ip: this.target.secondary_ip ?? this.target.primary_ip }, name: inst.name, file: `${d.uuid ?? ""}.disk${idx}` });
        if (!s.ok || s.payload === null) {
          this.logWarning(`Could not export ${label} from node ${src.name}: ${s.failMsg ?? ""}`);
          results.push(false);
          continue;
        }
        results.push(await followTransfer({ rpc: this.env.rpc, feedback: (m) => this.env.feedback(m), warn: (m) => this.logWarning(m) },
          label, src, s.payload.id));
      }
      await restart();
    } finally {
      await snapshots.cleanup();
      // An export that failed before the instance was back: started again, its error kept.
      if (!restarted) await restart().catch((e: unknown) => this.logWarning(`Could not start instance ${inst.name}: ${e instanceof Error ? e.message : String(e)}`));
    }
    if (results.some((x) => !x)) throw new OpExecError(`Export failed, errors in disk export: disk(s) ${results.flatMap((x, i) => (x ? [] : [i])).join(", ")}`);
    this.env.feedback(`Finalizing export on ${this.target.name}`);
    (await this.env.rpc.call(nodeTarget(this.target), "export_finalize", { name: inst.name,
      config: exportConfig(cfg, inst, String(this.op["compress"] ?? "none")) }))
      .raise(`Could not finalize export on ${this.target.name}`);
    this.env.feedback(`Removing old exports for instance ${inst.name}`);
    for (const n of Object.values(cfg.nodes).filter((x) => !x.offline && x.uuid !== this.target.uuid)) {
      const list = await this.env.rpc.call(nodeTarget(n), "export_list", {});
      if (list.ok && list.payload?.includes(inst.name)) {
        const rm = await this.env.rpc.call(nodeTarget(n), "export_remove", { name: inst.name });
        if (!rm.ok) this.logWarning(`Could not remove older export for instance ${inst.name} on node ${n.name}: ${rm.failMsg ?? ""}`);
      }
    }
    if (this.op["remove_instance"] === true) {
      this.env.feedback(`Removing instance ${inst.name}`);
      const lu = new LUInstanceRemove({ OP_ID: "OP_INSTANCE_REMOVE", instance_name: inst.name,
        ignore_failures: this.op["ignore_remove_failures"] === true }, this.env);
      lu.expandNames();
      await lu.exec();
    }
    return { result: [true, results] };
  }
}

export class LUBackupRemove extends LogicalUnit {
  override readonly reqBgl = false;
  override expandNames(): void {
    this.lock(Levels.node, "all", "shared");
  }
  checkPrereq(): void {}
  async exec(): Promise<OpOutcome> {
    // The instance may be gone already: its exports are found by name.
    const inst = Object.values(this.cfg.instances).find((i) => i.name === this.op["instance_name"]);
    const name = inst?.name ?? String(this.op["instance_name"]);
    let found = false;
    for (const n of Object.values(this.cfg.nodes).filter((x) => !x.offline).sort((a, b) => a.name.localeCompare(b.name))) {
      const list = await this.env.rpc.call(nodeTarget(n), "export_list", {});
      if (!list.ok || !(list.payload ?? []).includes(name)) continue;
      found = true;
      const rm = await this.env.rpc.call(nodeTarget(n), "export_remove", { name });
      if (!rm.ok) this.logWarning(`Could not remove export for instance ${name} on node ${n.name}: ${rm.failMsg ?? ""}`);
    }
    if (!found) {
      this.env.feedback(`No exports found for instance ${name}`);
      if (inst === undefined) this.env.feedback("Instance not found, maybe it was removed; exports of removed instances can't be found");
    }
    return { result: null };
  }
}

