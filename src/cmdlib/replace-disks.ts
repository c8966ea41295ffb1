// gnt-instance replace-disks (Ganeti's LUInstanceReplaceDisks / TLReplaceDisks) for drbd:
// new storage on the primary or the secondary (-p, -s, -a), or a new secondary node
// (-n NODE, -I ALLOCATOR), each in Ganeti's six steps, with the mirror resynced before
// the old storage goes.
import type { Disk, Instance, Node } from "../objects/types.js";
import { instanceDisks } from "../objects/fill.js";
import { instanceSecondaryNodes } from "../objects/topology.js";
import { LogicalUnit, expandNodeName, Levels } from "./base.js";
import { expandInstance } from "./instance.js";
import type { OpOutcome } from "../jobs/queue.js";
import { OpPrereqError, OpExecError, ErrorCode } from "../errors.js";
import { nodeTarget } from "../config/store.js";
import { iallocatorName, relocateNode } from "./iallocator.js";
import { diskArg, disksConsistent, drbdLocal, freeMinor, isDrbd, mirrorStatus, nodeOf, waitForSync } from "./instance-disks.js";
import { checkTargetNodeIPolicy } from "./ipolicy.js";
import { instanceHookEnv, instanceHookNodes } from "./instance-hooks.js";

type Mode = "replace_on_primary" | "replace_on_secondary" | "replace_new_secondary" | "replace_auto";

export class LUInstanceReplaceDisks extends LogicalUnit {
  override readonly reqBgl = false;
  override readonly hooksPath = "mirrors-replace";
  override readonly hooksType = "INSTANCE" as const;
  private inst!: Instance;
  private mode: Mode = "replace_auto";
  private snode!: Node;
  private newNode: Node | null = null;
  /** For -p/-s/-a: the node whose storage is replaced. */
  private target: Node | null = null;
  private indices: number[] = [];

  override buildHooksEnv(): Record<string, string> {
    const old = instanceSecondaryNodes(this.cfg, this.inst)[0];
    return { MODE: this.mode, NEW_SECONDARY: this.newNode?.name ?? "None", OLD_SECONDARY: (old !== undefined ? this.cfg.nodes[old]?.name : undefined) ?? "None",
      ...instanceHookEnv(this.cfg, this.inst) };
  }
  /** Ganeti: the master, the primary and the new secondary (if any). */
  override buildHooksNodes(): [string[], string[]] {
    const nodes = [...new Set([...instanceHookNodes(this.cfg, this.inst, true), ...(this.newNode !== null ? [this.newNode.name] : [])])];
    return [nodes, nodes];
  }

  override checkArguments(): void {
    this.mode = String(this.op["mode"]) as Mode;
    const remote = typeof this.op["remote_node"] === "string";
    const ialloc = typeof this.op["iallocator"] === "string";
    if (this.mode === "replace_new_secondary") {
      if (remote === ialloc) throw new OpPrereqError("Give either the iallocator or the new secondary, not both", ErrorCode.inval);
    } else if (remote || ialloc) {
      throw new OpPrereqError("The iallocator and new node options can only be used when changing the secondary node", ErrorCode.inval);
    }
  }

  override expandNames(): void {
    const cfg = this.cfg;
    this.inst = expandInstance(cfg, String(this.op["instance_name"]));
    this.lock(Levels.instance, [this.inst.uuid]);
    if (typeof this.op["remote_node"] === "string") this.newNode = expandNodeName(cfg, this.op["remote_node"]);
    const nodes = [this.inst.primary_node, ...instanceSecondaryNodes(cfg, this.inst), ...(this.newNode !== null ? [this.newNode.uuid] : [])];
    this.lock(Levels.node, this.mode === "replace_new_secondary" && this.newNode === null ? "all" : nodes);
    this.lock(Levels.nodeRes, this.mode === "replace_new_secondary" && this.newNode === null ? "all" : nodes);
  }

  async checkPrereq(): Promise<void> {
    const cfg = this.cfg;
    const disks = instanceDisks(cfg, this.inst);
    if (!disks.some(isDrbd)) {
      throw new OpPrereqError("Can only run replace disks for DRBD8-based instances", ErrorCode.inval);
    }
    const secondaries = instanceSecondaryNodes(cfg, this.inst);
    if (secondaries.length !== 1) {
      throw new OpPrereqError(`The instance has a strange layout, expected one secondary but found ${secondaries.length}`, ErrorCode.fault);
    }
    this.snode = nodeOf(cfg, secondaries[0] as string);
    const pnode = nodeOf(cfg, this.inst.primary_node);
    const wanted = (this.op["disks"] as number[] | undefined) ?? [];
    for (const i of wanted) if (i >= disks.length) throw new OpPrereqError(`Invalid disk index ${i}`, ErrorCode.inval);
    this.indices = wanted.length > 0 ? [...wanted] : disks.map((_, i) => i);
    if (this.mode === "replace_new_secondary") {
      if (this.newNode === null) {
        // Ganeti's relocate request, relocating from the secondary node.
        this.newNode = await relocateNode(this.env.rpc, cfg, iallocatorName(cfg, this.op["iallocator"]), this.inst, [this.snode.uuid], 0,
          [pnode.uuid, this.snode.uuid]);
        this.logInfo(`Selected new secondary for instance '${this.inst.name}': ${this.newNode.name}`);
      }
      const n = nodeOf(cfg, this.newNode.uuid);
      if (n.uuid === pnode.uuid) throw new OpPrereqError("The specified node is the primary node of the instance", ErrorCode.inval);
      if (n.uuid === this.snode.uuid) {
        throw new OpPrereqError("The specified node is already the secondary node of the instance", ErrorCode.inval);
      }
      if (n.offline) throw new OpPrereqError(`Can't use offline node ${n.name}`, ErrorCode.state);
      if (n.drained) throw new OpPrereqError(`Can't use drained node ${n.name}`, ErrorCode.state);
      if (!n.vm_capable) throw new OpPrereqError(`Node '${n.name}' is not vm_capable`, ErrorCode.state);
      // The instance changes node: it must still meet the policy there.
      checkTargetNodeIPolicy((m) => this.logWarning(m), cfg, this.inst, n, this.op["ignore_ipolicy"] === true);
      if (this.snode.offline) this.logInfo(`Old secondary ${this.snode.name} is offline, automatically enabling early-release mode`);
      return;
    }
    if (this.mode === "replace_auto") {
      const faultyP = await this.faulty(pnode.uuid);
      const faultyS = await this.faulty(this.snode.uuid);
      if (faultyP.length > 0 && faultyS.length > 0) {
        throw new OpPrereqError(`Instance ${this.inst.name} has faulty disks on more than one node, please replace disks manually`,
          ErrorCode.state);
      }
      this.target = faultyP.length > 0 ? pnode : faultyS.length > 0 ? this.snode : null;
      this.indices = faultyP.length > 0 ? faultyP : faultyS;
      return;
    }
    this.target = this.mode === "replace_on_primary" ? pnode : this.snode;
    const other = this.target.uuid === pnode.uuid ? this.snode : pnode;
    if (this.target.offline || other.offline) {
      throw new OpPrereqError(`Node ${(this.target.offline ? this.target : other).name} is offline; use -n or -I to move the secondary instead`,
        ErrorCode.state);
    }
  }

  /** Disk indices whose local storage on the node is not up to date (Ganeti's _FindFaultyDisks). */
  private async faulty(node: string): Promise<number[]> {
    if (nodeOf(this.cfg, node).offline) return [];
    const st = await mirrorStatus(this.diskEnv(), this.inst, node);
    return st.flatMap((s, i) => (s !== null && s.ldisk_status !== "ok" ? [i] : []));
  }

  private step(n: number, msg: string): void {
    this.env.feedback(`STEP ${n}/6 ${msg}`);
  }

  private disksToReplace(): Array<[number, Disk]> {
    const disks = instanceDisks(this.cfg, this.inst);
    return this.indices.map((i) => [i, disks[i] as Disk]);
  }

  async exec(): Promise<OpOutcome> {
    if (this.mode === "replace_new_secondary") await this.changeSecondary();
    else if (this.target === null) this.env.feedback(`No disks need replacement for instance '${this.inst.name}'`);
    else await this.replaceStorage(this.target);
    return { result: null };
  }

  private async checkExistence(nodes: readonly Node[]): Promise<void> {
    for (const n of nodes) {
      for (const [i, d] of this.disksToReplace()) {
        this.logInfo(`Checking disk/${i} on ${n.name}`);
        const r = await this.env.rpc.call(nodeTarget(n), "blockdev_find", { disk: diskArg(this.cfg, this.inst, d) });
        if (!r.ok || r.payload === null) {
          throw new OpExecError(`Can't find disk/${i} on node ${n.name}: ${r.failMsg ?? "disk not found"}`);
        }
      }
    }
  }

  private async checkConsistency(node: Node, ldiskOnly: boolean): Promise<void> {
    for (const [i] of this.disksToReplace()) this.logInfo(`Checking disk/${i} consistency on node ${node.name}`);
    const ok = await disksConsistent(this.diskEnv(), this.inst, node.uuid, ldiskOnly).catch(() => [false]);
    if (this.indices.some((i) => ok[i] !== true)) {
      throw new OpExecError(`Node ${node.name} has degraded storage, unsafe to replace disks for instance ${this.inst.name}`);
    }
  }

  /** -p / -s: fresh storage under the drbd device on one node, resynced from the other. */
  private async replaceStorage(target: Node): Promise<void> {
    const pnode = nodeOf(this.cfg, this.inst.primary_node);
    const other = target.uuid === pnode.uuid ? this.snode : pnode;
    this.step(1, "Check device existence");
    await this.checkExistence([pnode, this.snode]);
    this.step(2, "Check peer consistency");
    await this.checkConsistency(other, false);
    this.step(3, "Allocate new storage");
    const stamp = Math.floor(Date.now() / 1000);
    const t = nodeTarget(target);
    for (const [i, d] of this.disksToReplace()) {
      this.logInfo(`Adding storage on ${target.name} for disk/${i}`);
      for (const c of d.children ?? []) {
        const r = await this.env.rpc.call(t, "blockdev_create",
          { disk: { uuid: `${d.uuid ?? ""}-new`, dev_type: c.dev_type, logical_id: [c.logical_id[0], `${String(c.logical_id[1])}.new`], size: c.size } });
        r.raise(`Can't create block device on node ${target.name}`);
      }
    }
    this.step(4, "Changing drbd configuration");
    for (const [i, d] of this.disksToReplace()) {
      const arg = diskArg(this.cfg, this.inst, d);
      this.logInfo(`Detaching disk/${i} drbd from local storage`);
      (await this.env.rpc.call(t, "blockdev_shutdown", { disk: arg })).raise(`Can't detach drbd from local storage on node ${target.name}`);
      this.logInfo("Renaming the old LVs on the target node");
      const children = d.children ?? [];
      (await this.env.rpc.call(t, "blockdev_rename", { devices: children.map((c) => ({
        disk: { uuid: "", dev_type: c.dev_type, logical_id: [...c.logical_id], size: c.size }, new_path: `${String(c.logical_id[1])}_replaced-${stamp}` })) }))
        .raise(`Can't rename old LVs on node ${target.name}`);
      this.logInfo("Renaming the new LVs on the target node");
      (await this.env.rpc.call(t, "blockdev_rename", { devices: children.map((c) => ({
        disk: { uuid: "", dev_type: c.dev_type, logical_id: [c.logical_id[0], `${String(c.logical_id[1])}.new`], size: c.size },
        new_path: String(c.logical_id[1]) })) })).raise(`Can't rename new LVs on node ${target.name}`);
      this.logInfo(`Adding new mirror component on ${target.name}`);
      const local = drbdLocal(this.cfg, d, target.uuid);
      (await this.env.rpc.call(t, "blockdev_assemble", { disk: arg, instance: this.inst.name, minor: local.minor, peer: local.peer,
        as_primary: target.uuid === pnode.uuid && this.inst.disks_active === true })).raise(`Can't add local storage to drbd on node ${target.name}`);
      // The peer reconnects to the new component (DRBD's handshake): it must compare again.
      const otherLocal = drbdLocal(this.cfg, d, other.uuid);
      (await this.env.rpc.call(nodeTarget(other), "drbd_set_network", { disks: [{ disk: arg, peer: otherLocal.peer }] }))
        .raise(`Can't reconnect drbd on node ${other.name}`);
    }
    this.step(5, "Sync devices");
    await waitForSync(this.diskEnv(), this.inst);
    await this.checkDevices();
    this.step(6, "Removing old storage");
    for (const [i, d] of this.disksToReplace()) {
      this.logInfo(`Remove logical volumes for disk/${i}`);
      for (const c of d.children ?? []) {
        const r = await this.env.rpc.call(t, "blockdev_remove",
          { disk: { uuid: "", dev_type: c.dev_type, logical_id: [c.logical_id[0], `${String(c.logical_id[1])}_replaced-${stamp}`], size: c.size } });
        if (!r.ok) this.logWarning(`Can't remove old LV: ${r.failMsg ?? ""}`);
      }
    }
  }

  /** After the sync, no replaced device may still be degraded (Ganeti's _CheckDevices). */
  private async checkDevices(): Promise<void> {
    const st = await mirrorStatus(this.diskEnv(), this.cfg.instances[this.inst.uuid] ?? this.inst, this.inst.primary_node);
    for (const [i, d] of this.disksToReplace()) {
      const s = st[i];
      if (s === null || s === undefined) throw new OpExecError(`Can't find DRBD device ${d.iv_name ?? `disk/${i}`}`);
      if (s.is_degraded) throw new OpExecError(`DRBD device ${d.iv_name ?? `disk/${i}`} is degraded!`);
    }
  }

  /** -n / -I: the mirror moves from the old secondary to a new node. */
  private async changeSecondary(): Promise<void> {
    const cfg = this.cfg;
    const pnode = nodeOf(cfg, this.inst.primary_node);
    const newNode = nodeOf(cfg, (this.newNode as Node).uuid);
    const old = this.snode;
    this.step(1, "Check device existence");
    await this.checkExistence([pnode]);
    this.step(2, "Check peer consistency");
    await this.checkConsistency(pnode, true);
    this.step(3, "Allocate new storage");
    const taken: number[] = [];
    const updated = new Map<string, Disk>();
    for (const [i, d] of this.disksToReplace()) {
      this.logInfo(`Adding new local storage on ${newNode.name} for disk/${i}`);
      const [a, , port, ma, mb, secret] = d.logical_id as [string, string, number, number, number, string];
      const pMinor = a === pnode.uuid ? ma : mb;
      const minor = freeMinor(cfg, newNode.uuid, taken);
      taken.push(minor);
      const nd = { ...d, logical_id: [pnode.uuid, newNode.uuid, port, pMinor, minor, secret], nodes: [pnode.uuid, newNode.uuid] } as Disk;
      updated.set(d.uuid ?? "", nd);
      const r = await this.env.rpc.call(nodeTarget(newNode), "blockdev_create", { disk: diskArg(cfg, this.inst, nd), on_primary: false });
      r.raise(`Can't create block device on node ${newNode.name}`);
    }
    this.step(4, "Changing drbd configuration");
    for (const [i, d] of this.disksToReplace()) {
      this.logInfo(`activating a new drbd on ${newNode.name} for disk/${i}`);
      const nd = updated.get(d.uuid ?? "") as Disk;
      const r = await this.env.rpc.call(nodeTarget(newNode), "blockdev_assemble", { disk: diskArg(cfg, this.inst, nd), instance: this.inst.name,
        minor: Number(nd.logical_id[4]), peer: null, as_primary: false });
      r.raise(`Can't activate the new drbd on node ${newNode.name}`);
    }
    for (const [i, d] of this.disksToReplace()) {
      this.logInfo(`Shutting down drbd for disk/${i} on old node`);
      const r = await this.env.rpc.call(nodeTarget(old), "blockdev_shutdown", { disk: diskArg(cfg, this.inst, d) });
      if (!r.ok) {
        this.logWarning(`Failed to shutdown drbd for disk/${i} on old node: ${r.failMsg ?? ""}`);
        this.env.feedback("      Hint: Please cleanup this device manually as soon as possible");
      }
    }
    this.logInfo("Detaching primary drbds from the network (=> standalone)");
    const toArg = (d: Disk) => diskArg(cfg, this.inst, d);
    (await this.env.rpc.call(nodeTarget(pnode), "drbd_set_network", { disks: this.disksToReplace().map(([, d]) => ({ disk: toArg(d), peer: null })) }))
      .raise("Can't detach the disks from the network on old node");
    await this.env.config.update((c) => {
      const disks = { ...c.disks };
      for (const [u, nd] of updated) disks[u] = { ...nd, serial_no: (nd.serial_no ?? 0) + 1, mtime: Date.now() / 1000 } as Disk;
      return { ...c, disks };
    }, (w) => this.logWarning(w));
    this.logInfo("Attaching primary drbds to new secondary (standalone => connected)");
    const now = this.env.config.get();
    for (const node of [pnode, newNode]) {
      const r = await this.env.rpc.call(nodeTarget(node), "drbd_set_network", {
        disks: this.disksToReplace().map(([, d]) => {
          const nd = now.disks?.[d.uuid ?? ""] as Disk;
          return { disk: diskArg(now, this.inst, nd), peer: drbdLocal(now, nd, node.uuid).peer };
        }),
      });
      if (!r.ok) {
        throw new OpExecError(`Can't attach drbd disks on node ${node.name}: ${r.failMsg ?? ""} (please do a gnt-instance info ` +
          `${this.inst.name} to see the status of disks)`);
      }
    }
    this.step(5, "Sync devices");
    await waitForSync(this.diskEnv(), now.instances[this.inst.uuid] ?? this.inst);
    await this.checkDevices();
    this.step(6, "Removing old storage");
    for (const [i, d] of this.disksToReplace()) {
      this.logInfo(`Remove logical volumes for disk/${i}`);
      const r = await this.env.rpc.call(nodeTarget(old), "blockdev_remove", { disk: diskArg(cfg, this.inst, d) });
      if (!r.ok) {
        this.logWarning(`Can't remove old LV: ${r.failMsg ?? ""}`);
        this.env.feedback("      Hint: remove unused LVs manually");
      }
    }
  }
}
