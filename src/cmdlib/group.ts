// Node group logical units: add, assign nodes, rename, modify, remove.
import { randomUUID } from "node:crypto";
import type { ConfigData, NodeGroup } from "../objects/types.js";
import { LogicalUnit, expandNodeName, Levels, groupHookNodes, masterName } from "./base.js";
import type { OpOutcome } from "../jobs/queue.js";
import { OpPrereqError, ErrorCode } from "../errors.js";
import type { IPolicy } from "../objects/types.js";
import { clusterIPolicy, fillIPolicy } from "../objects/fill.js";
import { checkIpolicyVsDiskTemplates, commaJoin, computeNewInstanceViolations, getUpdatedIPolicy, groupInstances, groupIPolicy } from "../objects/ipolicy.js";
import { niceSort } from "../query/common.js";

export function expandGroup(cfg: ConfigData, name: string): NodeGroup {
  const g = Object.values(cfg.nodegroups).find((x) => x.name === name || x.uuid === name);
  if (g === undefined) throw new OpPrereqError(`Node group '${name}' not found`, ErrorCode.noent);
  return g;
}

const ALLOC_POLICIES = ["preferred", "last_resort", "unallocable"];

function checkAllocPolicy(p: unknown): void {
  if (p !== undefined && p !== null && !ALLOC_POLICIES.includes(String(p))) {
    throw new OpPrereqError(`Invalid allocation policy '${String(p)}', valid values are: ${ALLOC_POLICIES.join(", ")}`, ErrorCode.inval);
  }
}

/** Ganeti's group hooks run on the master (rename: also on the group's members). */
function masterOnly(cfg: ConfigData): [string[], string[]] {
  const m = masterName(cfg);
  return [[m], [m]];
}

export class LUGroupAdd extends LogicalUnit {
  override readonly hooksPath = "group-add";
  override readonly hooksType = "GROUP" as const;
  override buildHooksEnv(): Record<string, string> {
    return { GROUP_NAME: String(this.op["group_name"]) };
  }
  override buildHooksNodes(): [string[], string[]] {
    return masterOnly(this.cfg);
  }
  checkPrereq(): void {
    const name = String(this.op["group_name"]);
    const g = Object.values(this.cfg.nodegroups).find((x) => x.name === name);
    if (g !== undefined) {
      throw new OpPrereqError(`Desired group name '${name}' already exists as a node group (UUID: ${g.uuid})`, ErrorCode.exists);
    }
    checkAllocPolicy(this.op["alloc_policy"]);
    const ipolicy = this.op["ipolicy"] as IPolicy | undefined | null;
    if (ipolicy !== undefined && ipolicy !== null) {
      checkIpolicyVsDiskTemplates(fillIPolicy(clusterIPolicy(this.cfg.cluster), ipolicy), this.cfg.cluster.enabled_disk_templates ?? []);
    }
  }
  async exec(): Promise<OpOutcome> {
    const now = Date.now() / 1000;
    const g = {
      name: String(this.op["group_name"]), uuid: randomUUID(), alloc_policy: String(this.op["alloc_policy"] ?? "preferred"),
      ndparams: (this.op["ndparams"] as Record<string, unknown> | undefined) ?? {},
      diskparams: (this.op["diskparams"] as Record<string, Record<string, unknown>> | undefined) ?? {},
      ipolicy: (this.op["ipolicy"] as Record<string, unknown> | undefined) ?? {},
      hv_state_static: {}, disk_state_static: {}, networks: {}, tags: [], serial_no: 1, ctime: now, mtime: now,
    } as unknown as NodeGroup;
    await this.env.config.update((cfg) => ({ ...cfg, nodegroups: { ...cfg.nodegroups, [g.uuid]: g } }), (w) => this.logWarning(w));
    return { result: null };
  }
}

export class LUGroupAssignNodes extends LogicalUnit {
  private group!: NodeGroup;
  private nodeUuids: string[] = [];
  override expandNames(): void {
    this.group = expandGroup(this.cfg, String(this.op["group_name"]));
    this.nodeUuids = ((this.op["nodes"] as string[] | undefined) ?? []).map((n) => expandNodeName(this.cfg, n).uuid);
    this.lock(Levels.nodegroup, "all");
    this.lock(Levels.node, this.nodeUuids);
  }
  checkPrereq(): void {
    if (this.nodeUuids.length === 0) throw new OpPrereqError("No nodes given", ErrorCode.inval);
  }
  async exec(): Promise<OpOutcome> {
    await this.env.config.update((cfg) => {
      const nodes = { ...cfg.nodes };
      for (const u of this.nodeUuids) {
        const n = nodes[u];
        if (n !== undefined && n.group !== this.group.uuid) nodes[u] = { ...n, group: this.group.uuid, serial_no: (n.serial_no ?? 0) + 1 };
      }
      return { ...cfg, nodes };
    }, (w) => this.logWarning(w));
    return { result: null };
  }
}

export class LUGroupRename extends LogicalUnit {
  override readonly hooksPath = "group-rename";
  override readonly hooksType = "GROUP" as const;
  private group!: NodeGroup;
  override buildHooksEnv(): Record<string, string> {
    return { OLD_NAME: String(this.op["group_name"]), NEW_NAME: String(this.op["new_name"]) };
  }
  override buildHooksNodes(): [string[], string[]] {
    const nodes = groupHookNodes(this.cfg, this.group.uuid);
    return [nodes, nodes];
  }
  override expandNames(): void {
    this.group = expandGroup(this.cfg, String(this.op["group_name"]));
    this.lock(Levels.nodegroup, [this.group.uuid]);
  }
  checkPrereq(): void {
    const nn = String(this.op["new_name"]);
    if (Object.values(this.cfg.nodegroups).some((g) => g.name === nn)) {
      throw new OpPrereqError(`Desired new name '${nn}' clashes with existing node group`, ErrorCode.exists);
    }
  }
  async exec(): Promise<OpOutcome> {
    const nn = String(this.op["new_name"]);
    await this.env.config.update((cfg) => {
      const g = cfg.nodegroups[this.group.uuid];
      if (g === undefined) return cfg;
      return { ...cfg, nodegroups: { ...cfg.nodegroups, [g.uuid]: { ...g, name: nn, serial_no: (g.serial_no ?? 0) + 1 } } };
    }, (w) => this.logWarning(w));
    return { result: nn };
  }
}

export class LUGroupSetParams extends LogicalUnit {
  override readonly hooksPath = "group-modify";
  override readonly hooksType = "GROUP" as const;
  private group!: NodeGroup;
  override buildHooksEnv(): Record<string, string> {
    return { GROUP_NAME: String(this.op["group_name"]), NEW_ALLOC_POLICY: typeof this.op["alloc_policy"] === "string" ? this.op["alloc_policy"] : "None" };
  }
  override buildHooksNodes(): [string[], string[]] {
    return masterOnly(this.cfg);
  }
  override expandNames(): void {
    this.group = expandGroup(this.cfg, String(this.op["group_name"]));
    this.lock(Levels.nodegroup, [this.group.uuid]);
  }
  /** The group's own policy after the change, when the opcode changes it. */
  private newIPolicy: IPolicy | null = null;
  checkPrereq(): void {
    checkAllocPolicy(this.op["alloc_policy"]);
    if (["alloc_policy", "ndparams", "diskparams", "ipolicy", "hv_state", "disk_state"].every((k) => this.op[k] === undefined || this.op[k] === null)) {
      throw new OpPrereqError("Please pass at least one modification", ErrorCode.inval);
    }
    this.checkIPolicy();
  }
  /** Ganeti's _CheckIpolicy: the group's instances the new policy makes violate it are named (a warning). */
  private checkIPolicy(): void {
    const upd = this.op["ipolicy"];
    if (upd === undefined || upd === null) return;
    const cfg = this.cfg;
    const group = cfg.nodegroups[this.group.uuid] ?? this.group;
    this.newIPolicy = getUpdatedIPolicy(group.ipolicy ?? {}, upd as Record<string, unknown>, true);
    const next = fillIPolicy(clusterIPolicy(cfg.cluster), this.newIPolicy);
    checkIpolicyVsDiskTemplates(next, cfg.cluster.enabled_disk_templates ?? []);
    const violations = computeNewInstanceViolations(groupIPolicy(cfg, group.uuid), next, groupInstances(cfg, group), cfg);
    if (violations.length > 0) {
      this.logWarning(`After the ipolicy change the following instances violate them: ${commaJoin(niceSort(violations))}`);
    }
  }
  async exec(): Promise<OpOutcome> {
    const result: Array<[string, string]> = [];
    await this.env.config.update((cfg) => {
      const g0 = cfg.nodegroups[this.group.uuid];
      if (g0 === undefined) return cfg;
      let g: NodeGroup = { ...g0 };
      if (typeof this.op["alloc_policy"] === "string") {
        g = { ...g, alloc_policy: this.op["alloc_policy"] };
        result.push(["alloc_policy", this.op["alloc_policy"]]);
      }
      if (this.op["ndparams"] !== undefined && this.op["ndparams"] !== null) {
        g = { ...g, ndparams: { ...(g.ndparams ?? {}), ...(this.op["ndparams"] as Record<string, unknown>) } };
        result.push(["ndparams", JSON.stringify(g.ndparams)]);
      }
      if (this.newIPolicy !== null) g = { ...g, ipolicy: this.newIPolicy };
      return { ...cfg, nodegroups: { ...cfg.nodegroups, [g.uuid]: { ...g, serial_no: (g.serial_no ?? 0) + 1, mtime: Date.now() / 1000 } } };
    }, (w) => this.logWarning(w));
    return { result };
  }
}

export class LUGroupRemove extends LogicalUnit {
  override readonly hooksPath = "group-remove";
  override readonly hooksType = "GROUP" as const;
  override buildHooksEnv(): Record<string, string> {
    return { GROUP_NAME: String(this.op["group_name"]) };
  }
  override buildHooksNodes(): [string[], string[]] {
    return masterOnly(this.cfg);
  }
  private group!: NodeGroup;
  override expandNames(): void {
    this.group = expandGroup(this.cfg, String(this.op["group_name"]));
    this.lock(Levels.nodegroup, [this.group.uuid]);
  }
  checkPrereq(): void {
    const members = Object.values(this.cfg.nodes).filter((n) => n.group === this.group.uuid).map((n) => n.name).sort();
    if (members.length > 0) {
      throw new OpPrereqError(`Group '${this.group.name}' not empty, has the following node(s): ${members.join(", ")}`, ErrorCode.state);
    }
    if (Object.keys(this.cfg.nodegroups).length === 1) {
      throw new OpPrereqError(`Group '${this.group.name}' is the only group, cannot be removed`, ErrorCode.state);
    }
  }
  async exec(): Promise<OpOutcome> {
    await this.env.config.update((cfg) => {
      const nodegroups = { ...cfg.nodegroups };
      delete nodegroups[this.group.uuid];
      return { ...cfg, nodegroups };
    }, (w) => this.logWarning(w));
    return { result: null };
  }
}
