// Moving an instance's primary role: failover (stop here, start there) and live migration,
// with Ganeti's checks and messages (TLMigrateInstance). Externally mirrored disks
// (sharedfile) may go to any node; drbd instances go to their secondary, whose copy must be
// in sync unless the administrator says otherwise.
import { DTS_EXT_MIRROR } from "../objects/param-defaults.js";
import type { Instance, Node } from "../objects/types.js";
import { fillInstanceBe, fillInstanceHv, instanceDisks } from "../objects/fill.js";
import { LogicalUnit, expandNodeName, Levels } from "./base.js";
import { expandInstance } from "./instance.js";
import type { OpOutcome } from "../jobs/queue.js";
import { OpPrereqError, OpExecError, ErrorCode } from "../errors.js";
import { nodeTarget } from "../config/store.js";
import { iallocatorName, relocateNode } from "./iallocator.js";
import { assembleDisks, diskArg, disksConsistent, drbdLocal, isDrbd, shutdownDisks, unmapExtDisks } from "./instance-disks.js";
import { instanceSecondaryNodes } from "../objects/topology.js";
import { checkTargetNodeIPolicy } from "./ipolicy.js";

const py = (b: boolean): string => (b ? "True" : "False");


abstract class LUInstanceMove extends LogicalUnit {
  override readonly reqBgl = false;
  override readonly hooksType = "INSTANCE" as const;
  protected inst!: Instance;
  protected target!: Node;
  /** Failover (stop, start elsewhere) rather than live migration; a migration may fall back to it. */
  protected abstract failover: boolean;

  override expandNames(): void {
    const cfg = this.cfg;
    this.inst = expandInstance(cfg, String(this.op["instance_name"]));
    this.lock(Levels.instance, [this.inst.uuid]);
    if (instanceDisks(cfg, this.inst).some(isDrbd)) {
      // Internally mirrored: the target is the secondary, nothing else.
      const snode = instanceSecondaryNodes(cfg, this.inst)[0];
      if (snode === undefined) throw new OpPrereqError(`No secondary node but using drbd disk template`, ErrorCode.state);
      const given = typeof this.op["target_node"] === "string" ? expandNodeName(cfg, this.op["target_node"]) : null;
      if (typeof this.op["iallocator"] === "string" || (given !== null && given.uuid !== snode)) {
        throw new OpPrereqError(`Instances with disk types drbd cannot be ${this.failover ? "failed over" : "migrated"} to arbitrary ` +
          "nodes (neither an iallocator nor a target node can be passed)", ErrorCode.inval);
      }
      this.target = cfg.nodes[snode] as Node;
      this.lock(Levels.node, [this.inst.primary_node, snode]);
      this.lock(Levels.nodeRes, [this.inst.primary_node, snode]);
    } else if (typeof this.op["target_node"] === "string") {
      this.target = expandNodeName(cfg, this.op["target_node"]);
      this.lock(Levels.node, [this.inst.primary_node, this.target.uuid]);
      this.lock(Levels.nodeRes, [this.inst.primary_node, this.target.uuid]);
    } else {
      this.allocator = iallocatorName(cfg, this.op["iallocator"]);
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
    // Ganeti's relocate request, relocating from the primary node.
    this.target = await relocateNode(this.env.rpc, this.cfg, this.allocator, this.inst, [this.inst.primary_node], Number(be["minmem"]),
      [this.inst.primary_node]);
    this.logInfo(`Selected nodes for instance ${this.inst.name} via iallocator ${this.allocator}: ${this.target.name}`);
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
    const bad = [...new Set(disks.map((d) => d.dev_type).filter((t) => !DTS_EXT_MIRROR.has(t) && t !== "drbd"))];
    if (bad.length > 0 || disks.length === 0) {
      throw new OpPrereqError(`Instance's disk layout '${bad.join(", ") || "diskless"}' does not allow ${this.failover ? "failovers" : "migrations"}`,
        ErrorCode.state);
    }
    await this.chooseTarget();
    const target = cfg.nodes[this.target.uuid] ?? this.target;
    checkTargetNodeIPolicy((m) => this.logWarning(m), cfg, this.inst, target, this.op["ignore_ipolicy"] === true);
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

  protected diskArgs() {
    return instanceDisks(this.cfg, this.inst).map((d) => diskArg(this.cfg, this.inst, d));
  }

  protected get drbd(): boolean {
    return instanceDisks(this.cfg, this.inst).some(isDrbd);
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

  /** Hook variables both share (Ganeti's BuildHooksEnv of failover and migrate; booleans as Python prints them). */
  protected hooksEnvCommon(): Record<string, string> {
    const names = (u: string | undefined): string => (u === undefined ? "" : this.cfg.nodes[u]?.name ?? "");
    const snode = instanceSecondaryNodes(this.cfg, this.inst)[0];
    const mirrored = this.drbd;
    return {
      OP_TARGET: this.inst.name, INSTANCE_NAME: this.inst.name, INSTANCE_PRIMARY: this.source.name,
      OLD_PRIMARY: this.source.name, NEW_PRIMARY: this.target.name,
      OLD_SECONDARY: mirrored ? names(snode) : "", NEW_SECONDARY: mirrored ? this.source.name : "",
    };
  }

  protected hooksNodeNames(): string[] {
    const uuids = [this.cfg.cluster.master_node, this.inst.primary_node, ...instanceSecondaryNodes(this.cfg, this.inst), this.target.uuid];
    return [...new Set(uuids.map((u) => this.cfg.nodes[u]?.name ?? "").filter((n) => n !== ""))];
  }

  override buildHooksNodes(): [string[], string[]] {
    const nodes = this.hooksNodeNames();
    return [nodes, nodes];
  }

  /** Ganeti's _ExecFailover: stop on the source, disks over, start on the target if it should run. */
  protected async execFailover(): Promise<OpOutcome> {
    const source = this.source;
    const ignore = this.op["ignore_consistency"] === true;
    this.env.feedback(`Failover instance ${this.inst.name}`);
    if (this.inst.disks_active) {
      this.env.feedback("* checking disk consistency between source and target");
      if (this.drbd) {
        const ok = await disksConsistent(this.diskEnv(), this.inst, this.target.uuid).catch(() => instanceDisks(this.cfg, this.inst).map(() => false));
        for (const [idx, good] of ok.entries()) {
          if (good) continue;
          if (source.offline) {
            this.env.feedback(`Node ${source.name} is offline, ignoring degraded disk ${idx} on target node ${this.target.name}`);
          } else if (!ignore) {
            throw new OpExecError(`Disk ${idx} is degraded on target node, aborting failover`);
          }
        }
      }
    } else {
      this.env.feedback("* not checking disk consistency as instance is not running");
    }
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
    if (!(await shutdownDisks(this.diskEnv(), this.inst, { ignorePrimary: true }))) {
      throw new OpExecError("Can't shut down the instance's disks");
    }
    const inst = await this.setPrimary();
    if (inst.admin_state === "up") {
      this.env.feedback(`* activating the instance's disks on target node ${this.target.name}`);
      if (!(await assembleDisks(this.diskEnv(), inst, { ignoreSecondaries: true }))) {
        await shutdownDisks(this.diskEnv(), inst);
        throw new OpExecError("Can't activate the instance's disks");
      }
      this.env.feedback(`* starting the instance on the target node ${this.target.name}`);
      const s = await this.env.rpc.call(nodeTarget(this.target), "instance_start", this.startArgs(inst));
      if (!s.ok) {
        await shutdownDisks(this.diskEnv(), inst);
        throw new OpExecError(`Could not start instance ${inst.name} on node ${this.target.name}: ${s.failMsg}`);
      }
    } else {
      await this.env.config.update((c) => {
        const i = c.instances[inst.uuid];
        return i === undefined ? c : { ...c, instances: { ...c.instances, [i.uuid]: { ...i, disks_active: false } } };
      }, (w) => this.logWarning(w));
    }
    return { result: null };
  }
}

export class LUInstanceFailover extends LUInstanceMove {
  override readonly hooksPath = "instance-failover";
  protected failover = true;

  async checkPrereq(): Promise<void> {
    await this.checkCommon();
  }

  override buildHooksEnv(): Record<string, string> {
    return { ...this.hooksEnvCommon(), IGNORE_CONSISTENCY: py(this.op["ignore_consistency"] === true),
      SHUTDOWN_TIMEOUT: String(this.op["shutdown_timeout"] ?? 120), FAILOVER_CLEANUP: py(false) };
  }

  exec(): Promise<OpOutcome> {
    return this.execFailover();
  }
}

export class LUInstanceMigrate extends LUInstanceMove {
  override readonly hooksPath = "instance-migrate";
  protected failover = false;
  /** Live or non-live (the guest paused while its memory moves), as the op or the hypervisor's migration_mode says. */
  private live = true;

  async checkPrereq(): Promise<void> {
    if (this.op["cleanup"] !== true && this.inst.admin_state !== "up" && this.op["allow_failover"] === true) {
      this.logInfo("Instance is marked down or offline, fallback allowed, switching to failover");
      this.failover = true;
    }
    if (this.failover) {
      await this.checkCommon();
      return;
    }
    if (this.op["cleanup"] === true) {
      // A cleanup only needs to know the two nodes involved (Ganeti skips the other checks).
      if (!this.drbd && this.allocator !== null) {
        throw new OpPrereqError("Cleanup of a migration needs the target node (-n) for this disk template", ErrorCode.inval);
      }
      return;
    }
    await this.checkCommon();
    if (fillInstanceBe(this.cfg.cluster, this.inst)["always_failover"] === true) {
      this.logInfo("Instance configured to always failover; fallback to failover");
      this.failover = true;
      return;
    }
    // Ganeti's instance_migratable: the instance must run on a reachable primary node.
    const r = await this.env.rpc.call(nodeTarget(this.source), "all_instances_info", { hypervisors: [this.inst.hypervisor] });
    const msg = !r.ok ? r.failMsg : r.payload?.[this.inst.name] === undefined ? `Instance ${this.inst.name} is not running` : null;
    if (msg !== null) {
      if (this.op["allow_failover"] !== true) throw new OpPrereqError(`Can't migrate, please use failover: ${msg}`, ErrorCode.state);
      this.logInfo("Can't migrate, instance offline, fallback to failover");
      this.failover = true;
      return;
    }
    const live = this.op["live"];
    let mode = this.op["mode"];
    if (typeof live === "boolean" && typeof mode === "string") {
      throw new OpPrereqError("Only one of the 'live' and 'mode' parameters are accepted", ErrorCode.inval);
    }
    if (typeof live === "boolean") mode = live ? "live" : "non-live";
    else if (typeof mode !== "string") mode = fillInstanceHv(this.cfg.cluster, this.inst)["migration_mode"] ?? "live";
    this.live = mode === "live";
  }

  override buildHooksEnv(): Record<string, string> {
    return { ...this.hooksEnvCommon(), MIGRATE_LIVE: py(!this.failover && this.live), MIGRATE_CLEANUP: py(this.op["cleanup"] === true),
      ALLOW_RUNTIME_CHANGES: py(this.op["allow_runtime_changes"] !== false) };
  }

  async exec(): Promise<OpOutcome> {
    if (this.failover) return this.execFailover();
    if (this.op["cleanup"] === true) return this.cleanup();
    const source = this.source;
    this.env.feedback(`Migrating instance ${this.inst.name}`);
    this.env.feedback("* checking where the instance actually runs (if this hangs, the hypervisor might be in a bad state)");
    this.env.feedback(`* instance running on: ${source.name}`);
    const drbd = this.drbd;
    if (drbd) {
      this.env.feedback("* checking disk consistency between source and target");
      const ok = await disksConsistent(this.diskEnv(), this.inst, this.target.uuid);
      const bad = ok.findIndex((g) => !g);
      if (bad >= 0) throw new OpExecError(`Disk ${bad} is degraded or not fully synchronized on target node, aborting migration`);
      await this.setRole(this.target.uuid, "secondary");
      await this.goStandalone();
      await this.goReconnect(true);
      await this.waitUntilSync();
    }
    this.env.feedback(`* preparing ${this.target.name} to accept the instance`);
    this.env.feedback(`* migrating instance to ${this.target.name}`);
    const s = await this.env.rpc.call(nodeTarget(this.target), "instance_start", this.startArgs(this.inst));
    if (!s.ok) {
      this.env.feedback("Migration failed, aborting");
      await unmapExtDisks({ ...this.diskEnv(), feedback: (m) => this.env.feedback(m) }, this.inst, this.target.uuid);
      if (drbd) {
        await this.setRole(this.target.uuid, "secondary");
        await this.goStandalone();
        await this.goReconnect(false);
      }
      throw new OpExecError(`Could not migrate instance ${this.inst.name}: ${s.failMsg}`);
    }
    this.env.feedback("* starting memory transfer");
    this.env.feedback("* memory transfer complete");
    const d = await this.env.rpc.call(nodeTarget(source), "instance_shutdown", { name: this.inst.name, hypervisor: this.inst.hypervisor, timeout: 120 });
    if (!d.ok) this.logWarning(`Could not stop the migrated-away copy on ${source.name}: ${d.failMsg}`);
    await this.setPrimary();
    if (drbd) await this.backToSingleMaster(source);
    await unmapExtDisks({ ...this.diskEnv(), feedback: (m) => this.env.feedback(m) }, this.inst, source.uuid);
    this.env.feedback("* done");
    return { result: null };
  }

  /**
   * Ganeti's migration cleanup: find where the instance really runs after a migration
   * that failed half-way, record that node as primary, and put the disks back into
   * single-master mode.
   */
  private async cleanup(): Promise<OpOutcome> {
    const source = this.source;
    const target = this.cfg.nodes[this.target.uuid] ?? this.target;
    this.env.feedback("* checking where the instance actually runs (if this hangs, the hypervisor might be in a bad state)");
    const where: Node[] = [];
    for (const n of [source, target]) {
      const r = await this.env.rpc.call(nodeTarget(n), "all_instances_info", { hypervisors: [this.inst.hypervisor] });
      r.raise(`Can't contact node ${n.name}`);
      if (r.payload?.[this.inst.name] !== undefined) where.push(n);
    }
    this.env.feedback(`* instance running on: ${where.map((n) => n.name).join(",")}`);
    if (where.length === 2) {
      throw new OpExecError("Instance seems to be running on two nodes, or the hypervisor is confused; you will have to ensure " +
        "manually that it runs only on one and restart this operation");
    }
    if (where.length === 0) {
      throw new OpExecError("Instance does not seem to be running at all; in this case it's safer to repair by running " +
        "'gnt-instance stop' to ensure disk shutdown, and then restarting it");
    }
    let demoted: Node;
    if (where[0]?.uuid === target.uuid) {
      this.env.feedback(`* instance running on secondary node (${target.name}), updating config`);
      await this.setPrimary();
      demoted = source;
    } else {
      this.env.feedback(`* instance confirmed to be running on its primary node (${source.name})`);
      demoted = target;
    }
    if (this.drbd) {
      // The guest writes where it runs: that copy must be the primary one.
      await this.setRole((where[0] as Node).uuid, "primary");
      await this.backToSingleMaster(demoted);
    }
    this.env.feedback("* done");
    return { result: null };
  }

  // ---- drbd steps of a live migration (Ganeti's _EnsureSecondary, _GoStandalone, ...) ----

  /** The end of a migration (or its cleanup): `demoted` becomes secondary, one primary again. */
  private async backToSingleMaster(demoted: Node): Promise<void> {
    await this.setRole(demoted.uuid, "secondary");
    await this.waitUntilSync();
    await this.goStandalone();
    await this.goReconnect(false);
    await this.waitUntilSync();
  }

  private nodesOfInstance(): Node[] {
    return [this.inst.primary_node, ...instanceSecondaryNodes(this.cfg, this.inst)].map((u) => this.cfg.nodes[u] as Node);
  }

  private async setRole(node: string, role: "primary" | "secondary"): Promise<void> {
    const n = this.cfg.nodes[node] as Node;
    if (role === "secondary") this.env.feedback(`* switching node ${n.name} to secondary mode`);
    const r = await this.env.rpc.call(nodeTarget(n), "drbd_set_role", { disks: this.diskArgs(), role });
    r.raise(`Cannot change disk to ${role} on node ${n.name}`);
  }

  private async goStandalone(): Promise<void> {
    this.env.feedback("* changing into standalone mode");
    for (const n of this.nodesOfInstance()) {
      const r = await this.env.rpc.call(nodeTarget(n), "drbd_set_network", { disks: this.diskArgs().map((disk) => ({ disk, peer: null })) });
      r.raise(`Cannot disconnect disks node ${n.name}`);
    }
  }

  private async goReconnect(multimaster: boolean): Promise<void> {
    this.env.feedback(`* changing disks into ${multimaster ? "dual-master" : "single-master"} mode`);
    const disks = instanceDisks(this.cfg, this.inst);
    for (const n of this.nodesOfInstance()) {
      const r = await this.env.rpc.call(nodeTarget(n), "drbd_set_network", {
        disks: disks.map((d) => ({ disk: diskArg(this.cfg, this.inst, d), peer: isDrbd(d) ? drbdLocal(this.cfg, d, n.uuid).peer : null })),
      });
      r.raise(`Cannot change disks config on node ${n.name}`);
    }
    if (multimaster) await this.setRole(this.target.uuid, "primary");
  }

  private async waitUntilSync(): Promise<void> {
    this.env.feedback("* wait until resync is done");
    const until = Date.now() + 15 * 60_000;
    for (;;) {
      if (Date.now() > until) throw new OpExecError("The disks did not resync within 15 minutes; check 'gnt-instance info' and the nodes");
      let min = 100;
      let done = true;
      for (const n of this.nodesOfInstance()) {
        const r = await this.env.rpc.call(nodeTarget(n), "drbd_wait_sync", { disks: this.diskArgs(), timeout: 2 });
        for (const st of r.raise(`Cannot resync disks on node ${n.name}`)) {
          if (st === null) continue;
          if (st.conn !== "Connected" || st.is_degraded) done = false;
          if (st.sync_percent !== null) min = Math.min(min, st.sync_percent);
        }
      }
      if (done) return;
      if (min < 100) this.env.feedback(`   - progress: ${min.toFixed(1)}%`);
    }
  }
}
