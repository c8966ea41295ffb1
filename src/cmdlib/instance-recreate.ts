// gnt-instance recreate-disks (Ganeti's LUInstanceRecreateDisks): an instance whose disks
// were lost gets them created again, empty, on its nodes or on new ones (-n, -I).
import type { Disk, Instance, Node } from "../objects/types.js";
import { instanceDisks } from "../objects/fill.js";
import { instanceNodes } from "../objects/topology.js";
import { LogicalUnit, expandNodeName, Levels } from "./base.js";
import { expandInstance } from "./instance.js";
import type { OpOutcome } from "../jobs/queue.js";
import { OpPrereqError, ErrorCode } from "../errors.js";
import { nodeTarget } from "../config/store.js";
import { allocateNodes, iallocatorName } from "./iallocator.js";
import { instanceAllocSpec } from "./iallocator-request.js";
import { createDisks, diskArg, freeMinor, isDrbd, nodeOf } from "./instance-disks.js";
import { instanceHookEnv, instanceHookNodes } from "./instance-hooks.js";

export class LUInstanceRecreateDisks extends LogicalUnit {
  override readonly reqBgl = false;
  override readonly hooksPath = "instance-recreate-disks";
  override readonly hooksType = "INSTANCE" as const;
  private inst!: Instance;
  private newNodes: Node[] = [];
  private indices: number[] = [];
  private sizes = new Map<number, number>();

  override buildHooksEnv(): Record<string, string> {
    return instanceHookEnv(this.cfg, this.cfg.instances[this.inst.uuid] ?? this.inst);
  }
  override buildHooksNodes(): [string[], string[]] {
    const nodes = instanceHookNodes(this.cfg, this.cfg.instances[this.inst.uuid] ?? this.inst);
    return [nodes, nodes];
  }

  override expandNames(): void {
    this.inst = expandInstance(this.cfg, String(this.op["instance_name"]));
    this.lock(Levels.instance, [this.inst.uuid]);
    const given = (this.op["nodes"] as string[] | undefined) ?? [];
    this.newNodes = given.map((n) => expandNodeName(this.cfg, n));
    const all = typeof this.op["iallocator"] === "string";
    this.lock(Levels.node, all ? "all" : [...new Set([...instanceNodes(this.cfg, this.inst), ...this.newNodes.map((n) => n.uuid)])]);
    this.lock(Levels.nodeRes, all ? "all" : [...new Set([...instanceNodes(this.cfg, this.inst), ...this.newNodes.map((n) => n.uuid)])]);
  }

  async checkPrereq(): Promise<void> {
    const cfg = this.cfg;
    const disks = instanceDisks(cfg, this.inst);
    if (disks.length === 0) throw new OpPrereqError(`Instance '${this.inst.name}' has no disks`, ErrorCode.inval);
    if (this.inst.admin_state === "up") {
      throw new OpPrereqError(`Instance '${this.inst.name}' is marked to be up, cannot recreate disks`, ErrorCode.state);
    }
    const spec = (this.op["disks"] as unknown[] | undefined) ?? [];
    for (const item of spec) {
      const [idx, params] = Array.isArray(item) ? (item as [number, Record<string, unknown>]) : [Number(item), {}];
      if (!Number.isInteger(idx) || idx < 0 || idx >= disks.length) throw new OpPrereqError(`Invalid disk index: ${String(idx)}`, ErrorCode.inval);
      this.indices.push(idx);
      if (typeof params["size"] === "number") this.sizes.set(idx, params["size"]);
    }
    if (this.indices.length === 0) this.indices = disks.map((_, i) => i);
    const drbd = disks.some(isDrbd);
    const want = drbd ? 2 : 1;
    if (typeof this.op["iallocator"] === "string") {
      const name = iallocatorName(cfg, this.op["iallocator"]);
      this.newNodes = await allocateNodes(this.env.rpc, cfg, name, instanceAllocSpec(cfg, this.inst), 0);
      this.logInfo(`Selected nodes for instance ${this.inst.name} via iallocator ${name}: ${this.newNodes.map((n) => n.name).join(", ")}`);
    }
    if (this.newNodes.length > 0) {
      if (this.newNodes.length !== want) {
        throw new OpPrereqError(`Instance ${this.inst.name} currently has ${instanceNodes(cfg, this.inst).length} nodes, but new node set has ` +
          `${this.newNodes.length} nodes`, ErrorCode.inval);
      }
      if ((this.op["disks"] as unknown[] | undefined ?? []).length > 0) {
        throw new OpPrereqError("Can't recreate disks partially and change the nodes at the same time", ErrorCode.inval);
      }
      for (const n of this.newNodes) if (n.offline) throw new OpPrereqError(`Can't use offline node ${n.name}`, ErrorCode.state);
    } else {
      for (const u of instanceNodes(cfg, this.inst)) {
        const n = nodeOf(cfg, u);
        if (n.offline) throw new OpPrereqError(`Node ${n.name} is offline: use -n or -I to recreate the disks elsewhere`, ErrorCode.state);
      }
    }
  }

  async exec(): Promise<OpOutcome> {
    const cfg = this.cfg;
    let inst = this.inst;
    const disks = instanceDisks(cfg, inst);
    const changed = new Map<string, Disk>();
    if (this.newNodes.length > 0) {
      const [p, s] = this.newNodes as [Node, Node | undefined];
      const taken = new Map<string, number[]>();
      for (const d of disks) {
        let nd: Disk = { ...d, nodes: this.newNodes.map((n) => n.uuid) };
        if (isDrbd(d) && s !== undefined) {
          const pm = freeMinor(cfg, p.uuid, taken.get(p.uuid) ?? []);
          const sm = freeMinor(cfg, s.uuid, taken.get(s.uuid) ?? []);
          taken.set(p.uuid, [...(taken.get(p.uuid) ?? []), pm]);
          taken.set(s.uuid, [...(taken.get(s.uuid) ?? []), sm]);
          nd = { ...nd, logical_id: [p.uuid, s.uuid, d.logical_id[2], pm, sm, d.logical_id[5]] };
        }
        changed.set(d.uuid ?? "", nd);
      }
      inst = { ...inst, primary_node: p.uuid };
    }
    for (const i of this.indices) {
      const d = disks[i] as Disk;
      const size = this.sizes.get(i);
      if (size !== undefined) changed.set(d.uuid ?? "", { ...(changed.get(d.uuid ?? "") ?? d), size });
    }
    const cfg2 = changed.size > 0 || inst.primary_node !== this.inst.primary_node
      ? await this.env.config.update((c) => ({
        ...c, disks: { ...c.disks, ...Object.fromEntries(changed) },
        instances: { ...c.instances, [inst.uuid]: { ...(c.instances[inst.uuid] as Instance), primary_node: inst.primary_node,
          serial_no: (c.instances[inst.uuid]?.serial_no ?? 0) + 1 } },
      }), (w) => this.logWarning(w))
      : cfg;
    const now = cfg2.instances[inst.uuid] ?? inst;
    const todo = this.indices.map((i) => instanceDisks(cfg2, now)[i] as Disk);
    // Whatever is left of the old volumes goes first (a recreated disk starts empty).
    for (const d of todo) {
      for (const u of new Set([...(isDrbd(d) ? [String(d.logical_id[0]), String(d.logical_id[1])] : [now.primary_node])])) {
        await this.env.rpc.call(nodeTarget(nodeOf(cfg2, u)), "blockdev_remove", { disk: diskArg(cfg2, now, d) });
      }
    }
    await createDisks({ ...this.diskEnv(), cfg: cfg2 }, now, todo);
    return { result: null };
  }
}
