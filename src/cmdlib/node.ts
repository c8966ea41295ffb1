// Node logical units: add (and readd), modify roles and flags, remove.
import { randomUUID } from "node:crypto";
import type { ConfigData, Instance, Node } from "../objects/types.js";
import { candidateStats, decideMasterCandidates, primaryInstances, secondaryInstances } from "../objects/fill.js";
import { LogicalUnit, expandNodeName, masterNodeOf, Levels } from "./base.js";
import type { OpOutcome } from "../jobs/queue.js";
import { OpPrereqError, ErrorCode } from "../errors.js";
import { resolveHost } from "../util/identity.js";
import { PROTOCOL_VERSION, DEFAULT_NODED_PORT } from "../constants.js";
import { nodeTarget } from "../config/store.js";
import { joinNode } from "./node-join.js";
import { isIP } from "node:net";
import { tcpPing } from "../util/net.js";
import { instanceDisks, instanceNodes } from "../objects/topology.js";
import { DTS_INT_MIRROR } from "../objects/param-defaults.js";
import { checkInstanceDown } from "./instance-state.js";

type Flags = readonly [boolean, boolean, boolean]; // master_candidate, drained, offline
const FLAG_NAMES = ["master_candidate", "drained", "offline"] as const;

function withNode(cfg: ConfigData, node: Node): ConfigData {
  return { ...cfg, nodes: { ...cfg.nodes, [node.uuid]: node } };
}

/** Ganeti's _DecideSelfPromotion: would the pool want one more candidate (this node)? */
export function decideSelfPromotion(cfg: ConfigData, exceptions: readonly string[] = []): boolean {
  const st = candidateStats(cfg, exceptions);
  return st.mc_now < Math.min(st.mc_should + 1, cfg.cluster.candidate_pool_size);
}

/** Promotes nodes until the candidate pool is full (Ganeti's AdjustCandidatePool). */
export function adjustCandidatePool(cfg: ConfigData, log: (m: string) => void, exclude: readonly string[] = []): ConfigData {
  const promote = decideMasterCandidates(cfg).filter((u) => !exclude.includes(u));
  if (promote.length === 0) return cfg;
  const nodes = { ...cfg.nodes };
  for (const u of promote) {
    const n = nodes[u];
    if (n === undefined) continue;
    nodes[u] = { ...n, master_candidate: true, serial_no: (n.serial_no ?? 0) + 1, mtime: Date.now() / 1000 };
  }
  log(`Promoted nodes to master candidate role: ${promote.map((u) => cfg.nodes[u]?.name ?? u).join(", ")}`);
  return { ...cfg, nodes };
}

export class LUNodeAdd extends LogicalUnit {
  override readonly hooksPath = "node-add";
  override readonly hooksType = "NODE" as const;
  private name = "";
  private ip = "";
  private secondaryIp = "";
  private existing: Node | null = null;
  private groupUuid = "";

  override checkArguments(): void {
    if (this.op["readd"] === true && this.op["group"] !== undefined && this.op["group"] !== null) {
      throw new OpPrereqError("Cannot pass a node group when a node is being readded", ErrorCode.inval);
    }
  }

  override async checkPrereq(): Promise<void> {
    const cfg = this.cfg;
    const requested = String(this.op["node_name"]);
    const resolved = await resolveHost(this.env.paths, requested);
    this.name = resolved.name;
    this.ip = typeof this.op["primary_ip"] === "string" ? this.op["primary_ip"] : resolved.ip;
    const readd = this.op["readd"] === true;
    const existing = Object.values(cfg.nodes).find((n) => n.name === this.name) ?? null;
    if (existing !== null && !readd) throw new OpPrereqError(`Node ${this.name} is already in the configuration`, ErrorCode.exists);
    if (existing === null && readd) throw new OpPrereqError(`Node ${this.name} is not in the configuration`, ErrorCode.noent);
    if (existing !== null && existing.uuid === cfg.cluster.master_node) throw new OpPrereqError("Cannot readd the master node", ErrorCode.state);
    this.existing = existing;
    this.secondaryIp = typeof this.op["secondary_ip"] === "string" ? this.op["secondary_ip"] : existing?.secondary_ip ?? this.ip;
    if (existing !== null && existing.primary_ip !== this.ip) {
      throw new OpPrereqError("Readded node doesn't have the same IP address", ErrorCode.inval);
    }
    for (const n of Object.values(cfg.nodes)) {
      if (n.uuid === existing?.uuid) continue;
      if ([n.primary_ip, n.secondary_ip].some((x) => x === this.ip || x === this.secondaryIp)) {
        throw new OpPrereqError(`New node ip address(es) conflict with existing node ${n.name}`, ErrorCode.notUnique);
      }
    }
    const g = this.op["group"];
    if (existing !== null) this.groupUuid = existing.group;
    else if (typeof g === "string" && g !== "") {
      const grp = Object.values(cfg.nodegroups).find((x) => x.name === g || x.uuid === g);
      if (grp === undefined) throw new OpPrereqError(`Node group '${g}' not found`, ErrorCode.noent);
      this.groupUuid = grp.uuid;
    } else {
      const first = Object.values(cfg.nodegroups).sort((a, b) => a.name.localeCompare(b.name))[0];
      if (first === undefined) throw new OpPrereqError("No node group in the configuration", ErrorCode.state);
      this.groupUuid = first.uuid;
    }
  }

  override buildHooksEnv(): Record<string, string> {
    return { OP_TARGET: this.name, NODE_NAME: this.name, NODE_PIP: this.ip, NODE_SIP: this.secondaryIp };
  }

  override buildHooksNodes(): [string[], string[]] {
    const m = masterNodeOf(this.cfg).name;
    return [[m], [m, this.name]];
  }

  async exec(): Promise<OpOutcome> {
    const target = { name: this.name, ip: this.ip };
    // A node that already holds the cluster certificate answers over mutual TLS; a new
    // (or wiped) one is brought in with its one-time join token.
    let ver = await this.env.rpc.call(target, "version", {});
    if (!ver.ok) {
      await joinNode(this.env, target);
      ver = await this.env.rpc.call(target, "version", {});
    }
    const v = ver.raise(`Cannot contact node ${this.name}`);
    if (v.protocol !== PROTOCOL_VERSION) {
      throw new OpPrereqError(`Version mismatch master version ${PROTOCOL_VERSION}, node version ${v.protocol}`, ErrorCode.environ);
    }
    const now = Date.now() / 1000;
    const readd = this.existing !== null;
    if (readd) this.logInfo("Readding a node, the offline/drained flags were reset");
    const base: Node = this.existing ?? {
      name: this.name,
      uuid: randomUUID(),
      primary_ip: this.ip,
      secondary_ip: this.secondaryIp,
      group: this.groupUuid,
      master_candidate: false,
      offline: false,
      drained: false,
      master_capable: this.op["master_capable"] !== false,
      vm_capable: this.op["vm_capable"] !== false,
      ndparams: (this.op["ndparams"] as Record<string, unknown> | undefined) ?? {},
      powered: true,
      tags: [],
      serial_no: 0,
      ctime: now,
      mtime: now,
      hv_state_static: {},
      disk_state_static: {},
    } as unknown as Node;
    const fresh: Node = { ...base, offline: false, drained: false, master_candidate: false, serial_no: (base.serial_no ?? 0) + 1, mtime: now };
    let promoted = false;
    await this.env.config.update((cfg) => {
      let next = withNode(cfg, fresh);
      if (fresh.master_capable && decideSelfPromotion(cfg, [fresh.uuid])) {
        next = withNode(next, { ...fresh, master_candidate: true });
        promoted = true;
      }
      return next;
    }, (w) => this.logWarning(w), [fresh]);
    if (promoted) this.logInfo("Node will be a master candidate");
    return { result: null };
  }
}

/** Instances with mirrored disks on the node (Ganeti's _InstanceFilter of LUNodeSetParams). */
function mirroredInstances(cfg: ConfigData, nodeUuid: string): Instance[] {
  return Object.values(cfg.instances).filter((i) =>
    instanceDisks(cfg, i).some((d) => DTS_INT_MIRROR.has(d.dev_type)) && instanceNodes(cfg, i).includes(nodeUuid));
}

export class LUNodeSetParams extends LogicalUnit {
  private node!: Node;
  private newFlags: Flags = [false, false, false];
  private oldFlags: Flags = [false, false, false];

  override checkArguments(): void {
    const mods = ["offline", "master_candidate", "drained", "master_capable", "vm_capable", "secondary_ip", "ndparams", "powered"]
      .map((k) => this.op[k]);
    if (mods.every((m) => m === undefined || m === null)) {
      throw new OpPrereqError("Please pass at least one modification", ErrorCode.inval);
    }
    if (mods.filter((m) => m === true).length > 1) {
      throw new OpPrereqError("Can't set the node into more than one state at the same time", ErrorCode.inval);
    }
    const sip = this.op["secondary_ip"];
    if (typeof sip === "string" && isIP(sip) !== 4) {
      throw new OpPrereqError(`Secondary IP (${sip}) needs to be a valid IPv4 address`, ErrorCode.inval);
    }
  }

  override expandNames(): void {
    this.node = expandNodeName(this.cfg, String(this.op["node_name"]));
    this.lock(Levels.node, [this.node.uuid]);
    // A new secondary IP concerns the mirrored instances using the node: they must stay down meanwhile.
    if (typeof this.op["secondary_ip"] === "string") this.lock(Levels.instance, mirroredInstances(this.cfg, this.node.uuid).map((i) => i.uuid), "shared");
  }

  override async checkPrereq(): Promise<void> {
    this.checkFlags();
    if (typeof this.op["secondary_ip"] === "string") await this.checkSecondaryIp(this.op["secondary_ip"]);
  }

  /** Ganeti's checks of a secondary IP change (the guide's "Replication network changes"). */
  private async checkSecondaryIp(sip: string): Promise<void> {
    const cfg = this.cfg;
    const node = this.node;
    const master = masterNodeOf(cfg);
    const masterSingleHomed = master.secondary_ip === master.primary_ip;
    const force = this.op["force"] === true;
    if (masterSingleHomed && sip !== node.primary_ip) {
      if (!(force && node.uuid === master.uuid)) {
        throw new OpPrereqError("Changing the secondary ip on a single-homed cluster requires the --force option to be passed, " +
          "and the target node to be the master", ErrorCode.inval);
      }
      this.logWarning("Transitioning from single-homed to multi-homed cluster; all nodes will require a secondary IP address");
    } else if (!masterSingleHomed && sip === node.primary_ip) {
      if (!(force && node.uuid === master.uuid)) {
        throw new OpPrereqError("Cannot set the secondary IP to be the same as the primary IP on a multi-homed cluster, unless " +
          "the --force option is passed, and the target node is the master", ErrorCode.inval);
      }
      this.logWarning("Transitioning from multi-homed to single-homed cluster; secondary IP addresses will have to be removed");
    }
    const affected = mirroredInstances(cfg, node.uuid);
    if (node.offline) {
      if (affected.length > 0) {
        throw new OpPrereqError(`Cannot change secondary IP address: offline node has instances (${affected.map((i) => i.name).join(", ")}) ` +
          "configured to use it", ErrorCode.state);
      }
      return;
    }
    for (const inst of affected) await checkInstanceDown(this.env.rpc, cfg, inst, "cannot change secondary ip");
    const has = await this.env.rpc.call(nodeTarget(node), "node_has_ip_address", { address: sip });
    if (!has.ok) throw new OpPrereqError(`Failure checking secondary ip on node ${node.name}: ${has.failMsg ?? ""}`, ErrorCode.environ);
    if (has.payload !== true) {
      throw new OpPrereqError(`Node claims it doesn't have the secondary ip you gave (${sip}), please fix and re-run this command`,
        ErrorCode.environ);
    }
    if (master.uuid !== node.uuid && (await tcpPing(sip, DEFAULT_NODED_PORT, 10_000, master.secondary_ip)) !== null) {
      throw new OpPrereqError("Node secondary ip not reachable by TCP based ping to node daemon port", ErrorCode.environ);
    }
  }

  private checkFlags(): void {
    const cfg = this.cfg;
    const node = cfg.nodes[this.node.uuid] ?? this.node;
    this.node = node;
    const want = (k: string): boolean | null => (typeof this.op[k] === "boolean" ? (this.op[k] as boolean) : null);
    let mc = want("master_candidate");
    let drained = want("drained");
    let offline = want("offline");
    if ((mc !== null || drained !== null || offline !== null) && node.uuid === cfg.cluster.master_node) {
      throw new OpPrereqError("The master role can be changed only via master-failover", ErrorCode.inval);
    }
    if (mc === true && !node.master_capable) {
      throw new OpPrereqError(`Node ${node.name} is not master capable, cannot make it a master candidate`, ErrorCode.state);
    }
    if (this.op["vm_capable"] === false && (primaryInstances(cfg, node.uuid).length > 0 || secondaryInstances(cfg, node.uuid).length > 0)) {
      throw new OpPrereqError(`Node ${node.name} hosts instances, cannot unset the vm_capable flag`, ErrorCode.state);
    }
    const mightDemote = mc === false || offline === true || drained === true || this.op["master_capable"] === false;
    if (node.master_candidate && mightDemote && this.op["auto_promote"] !== true) {
      const st = candidateStats(cfg, [node.uuid]);
      if (st.mc_now < st.mc_should && this.op["force"] !== true) {
        throw new OpPrereqError("Not enough master candidates, please pass auto promote option to allow promotion " +
          "(--auto-promote or RAPI auto_promote=True)", ErrorCode.state);
      }
    }
    const cur: Flags = [node.master_candidate, node.drained, node.offline];
    if (mc === false && !cur[0]) { this.logInfo("Ignoring request to unset flag master_candidate, already unset"); mc = null; }
    if (drained === false && !cur[1]) { this.logInfo("Ignoring request to unset flag drained, already unset"); drained = null; }
    if (offline === false && !cur[2]) { this.logInfo("Ignoring request to unset flag offline, already unset"); offline = null; }
    if (drained === false || offline === false || (this.op["master_capable"] === true && !node.master_capable)) {
      if (decideSelfPromotion(cfg, [node.uuid])) {
        mc = true;
        this.logInfo("Auto-promoting node to master candidate");
      }
    }
    if (this.op["master_capable"] === false && node.master_candidate) {
      this.logInfo("Demoting from master candidate");
      mc = false;
    }
    this.oldFlags = cur;
    if (mc === true) this.newFlags = [true, false, false];
    else if (drained === true) this.newFlags = [false, true, false];
    else if (offline === true) this.newFlags = [false, false, true];
    else if (mc === false || drained === false || offline === false) this.newFlags = [false, false, false];
    else this.newFlags = cur;
  }

  async exec(): Promise<OpOutcome> {
    const node = this.node;
    const result: Array<[string, string]> = [];
    if (this.oldFlags[2] && !this.newFlags[2]) {
      const ver = await this.env.rpc.call(nodeTarget({ ...node, offline: false }), "version", {});
      if (!ver.ok) {
        throw new OpPrereqError(`Node ${node.name} is being de-offlined but fails to report its version: ${ver.failMsg}`, ErrorCode.state);
      }
      this.logWarning("Transitioning node from offline to online state without using re-add. Please make sure the node is healthy!");
    }
    let updated: Node = { ...node };
    for (const attr of ["master_capable", "vm_capable"] as const) {
      const v = this.op[attr];
      if (typeof v === "boolean") {
        updated = { ...updated, [attr]: v };
        result.push([attr, v ? "True" : "False"]);
      }
    }
    if (typeof this.op["secondary_ip"] === "string") {
      updated = { ...updated, secondary_ip: this.op["secondary_ip"] };
      result.push(["secondary_ip", this.op["secondary_ip"]]);
    }
    if (this.op["ndparams"] !== undefined && this.op["ndparams"] !== null) {
      updated = { ...updated, ndparams: { ...(node.ndparams ?? {}), ...(this.op["ndparams"] as Record<string, unknown>) } };
    }
    if (typeof this.op["powered"] === "boolean") updated = { ...updated, powered: this.op["powered"] };
    FLAG_NAMES.forEach((f, i) => {
      if (this.oldFlags[i] !== this.newFlags[i]) result.push([f, this.newFlags[i] ? "True" : "False"]);
    });
    updated = {
      ...updated, master_candidate: this.newFlags[0], drained: this.newFlags[1], offline: this.newFlags[2],
      serial_no: (node.serial_no ?? 0) + 1, mtime: Date.now() / 1000,
    };
    const autoPromote = this.op["auto_promote"] === true;
    await this.env.config.update((cfg) => {
      const next = withNode(cfg, updated);
      return autoPromote ? adjustCandidatePool(next, (m) => this.logInfo(m), [updated.uuid]) : next;
    }, (w) => this.logWarning(w));
    return { result };
  }
}

export class LUNodeRemove extends LogicalUnit {
  override readonly hooksPath = "node-remove";
  override readonly hooksType = "NODE" as const;
  private node!: Node;

  override expandNames(): void {
    this.node = expandNodeName(this.cfg, String(this.op["node_name"]));
  }

  override checkPrereq(): void {
    const cfg = this.cfg;
    if (this.node.uuid === cfg.cluster.master_node) {
      throw new OpPrereqError("Node is the master node, failover to another node is required", ErrorCode.inval);
    }
    for (const inst of Object.values(cfg.instances)) {
      const uses = primaryInstances(cfg, this.node.uuid).includes(inst.uuid) || secondaryInstances(cfg, this.node.uuid).includes(inst.uuid);
      if (uses) throw new OpPrereqError(`Instance ${inst.name} is still running on the node, please remove first`, ErrorCode.inval);
    }
  }

  override buildHooksEnv(): Record<string, string> {
    return { OP_TARGET: this.node.name, NODE_NAME: this.node.name };
  }

  override buildHooksNodes(): [string[], string[]] {
    const all = Object.values(this.cfg.nodes).filter((n) => n.uuid !== this.node.uuid).map((n) => n.name);
    return [all, all];
  }

  async exec(): Promise<OpOutcome> {
    const node = this.node;
    await this.env.config.update((cfg) => {
      const nodes = { ...cfg.nodes };
      delete nodes[node.uuid];
      return adjustCandidatePool({ ...cfg, nodes }, (m) => this.logInfo(m));
    }, (w) => this.logWarning(w));
    const r = await this.env.rpc.call(nodeTarget(node), "node_leave_cluster", {});
    if (!r.ok) this.logWarning(`Errors encountered on the remote node while leaving the cluster: ${r.failMsg}`);
    return { result: null };
  }
}

/** gnt-node migrate: one instance-migrate job per primary instance (Ganeti's ResultWithJobs). */
export class LUNodeMigrate extends LogicalUnit {
  override readonly reqBgl = false;
  private node!: Node;
  override expandNames(): void {
    this.node = expandNodeName(this.cfg, String(this.op["node_name"]));
    this.lock(Levels.node, [this.node.uuid], "shared");
  }
  checkPrereq(): void {}
  async exec(): Promise<OpOutcome> {
    const cfg = this.cfg;
    const names = primaryInstances(cfg, this.node.uuid).map((u) => cfg.instances[u]?.name ?? u);
    if (names.length === 0) this.logInfo(`No primary instances on node ${this.node.name}, exiting`);
    else this.logInfo(`Migrating instances from node '${this.node.name}': ${names.join(", ")}`);
    const common: Record<string, unknown> = {};
    for (const k of ["mode", "live", "target_node", "iallocator", "allow_runtime_changes", "ignore_ipolicy"]) {
      if (this.op[k] !== undefined && this.op[k] !== null) common[k] = this.op[k];
    }
    return { result: {}, jobs: names.map((n) => [{ OP_ID: "OP_INSTANCE_MIGRATE", instance_name: n, ...common }]) };
  }
}
