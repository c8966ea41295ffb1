// gnt-instance batch-create (Ganeti's LUInstanceMultiAlloc): every instance definition is
// checked as an OP_INSTANCE_CREATE, the allocator places those without nodes (counting
// what it already placed), and one creation job per instance follows.
import type { Instance } from "../objects/types.js";
import { fillInstanceBe } from "../objects/fill.js";
import { LogicalUnit, Levels } from "./base.js";
import type { OpOutcome, OpInput } from "../jobs/queue.js";
import { OpPrereqError, OpExecError, ErrorCode } from "../errors.js";
import { validateOpcode } from "../opcodes/registry.js";
import { nodeTarget } from "../config/store.js";
import { allocNodes, allocatePrimary, BUILTIN_ALLOCATOR } from "./allocator.js";
import { HAIL, iallocatorName, multiAllocate } from "./iallocator.js";
import { MIRRORED_TEMPLATES } from "./instance.js";

export class LUInstanceMultiAlloc extends LogicalUnit {
  override readonly reqBgl = false;
  private specs: Array<Record<string, unknown>> = [];

  override checkArguments(): void {
    const list = (this.op["instances"] as Array<Record<string, unknown>> | undefined) ?? [];
    if (list.length === 0) throw new OpPrereqError("No instances given", ErrorCode.inval);
    this.specs = list.map((inst, idx) => {
      const op = { ...inst, OP_ID: "OP_INSTANCE_CREATE" };
      try {
        validateOpcode(op);
      } catch (e) {
        throw new OpPrereqError(`Invalid instance definition ${idx}: ${(e as Error).message}`, ErrorCode.inval);
      }
      return op;
    });
    const withNode = this.specs.filter((s) => typeof s["pnode"] === "string").length;
    if (withNode !== 0 && withNode !== this.specs.length) {
      throw new OpPrereqError("There are instance objects providing pnode/snode while others do not", ErrorCode.inval);
    }
    const names = new Set<string>();
    for (const s of this.specs) {
      const n = String(s["instance_name"]);
      if (names.has(n)) throw new OpPrereqError(`Instance name '${n}' given more than once`, ErrorCode.inval);
      names.add(n);
    }
  }

  override expandNames(): void {
    this.lock(Levels.node, "all", "shared");
  }

  async checkPrereq(): Promise<void> {
    const existing = new Set(Object.values(this.cfg.instances).map((i) => i.name));
    for (const s of this.specs) {
      if (existing.has(String(s["instance_name"]))) {
        throw new OpPrereqError(`Instance '${String(s["instance_name"])}' is already in the cluster`, ErrorCode.exists);
      }
    }
  }

  async exec(): Promise<OpOutcome> {
    const cfg = this.cfg;
    const allocatable: string[] = [];
    const failed: string[] = [];
    const jobs: OpInput[][] = [];
    if (typeof this.specs[0]?.["pnode"] === "string") {
      for (const s of this.specs) {
        allocatable.push(String(s["instance_name"]));
        jobs.push([s as OpInput]);
      }
      return { result: { allocatable, failed }, jobs };
    }
    const allocator = iallocatorName(cfg, this.op["iallocator"]);
    if (allocator !== HAIL && allocator !== BUILTIN_ALLOCATOR) {
      throw new OpExecError(`Failure while running the iallocator script: iallocator module '${allocator}' not found in the search path`);
    }
    if (allocator === HAIL) {
      // Ganeti's multi-allocate request: each placement counts for the next.
      const specs = this.specs.map((s) => {
        const be = fillInstanceBe(cfg.cluster, { beparams: (s["beparams"] ?? {}) as Record<string, unknown> } as unknown as Instance);
        const template = typeof s["disk_template"] === "string" ? s["disk_template"] : cfg.cluster.enabled_disk_templates?.[0] ?? "diskless";
        return {
          name: String(s["instance_name"]), disk_template: template, memory: Number(be["maxmem"]), vcpus: Number(be["vcpus"]),
          spindle_use: Number(be["spindle_use"]), tags: (s["tags"] as string[] | undefined) ?? [], os: String(s["os_type"] ?? ""),
          disks: ((s["disks"] as Array<Record<string, unknown>> | undefined) ?? []).map((d) => ({ size: Number(d["size"]),
            mode: typeof d["mode"] === "string" ? d["mode"] : "rw" })),
          nics: (s["nics"] as Array<Record<string, unknown>> | undefined) ?? [],
          hypervisor: typeof s["hypervisor"] === "string" ? s["hypervisor"] : cfg.cluster.enabled_hypervisors[0] ?? "",
        };
      });
      const ans = await multiAllocate(this.env.rpc, cfg, specs);
      const byName = new Map(this.specs.map((s) => [String(s["instance_name"]), s]));
      for (const [name, nodes] of ans.allocatable) {
        allocatable.push(name);
        jobs.push([{ ...(byName.get(name) as OpInput), pnode: nodes[0], ...(nodes.length > 1 ? { snode: nodes[1] } : {}) } as OpInput]);
      }
      failed.push(...ans.failed);
      if (failed.length > 0) this.logWarning(`Iallocator '${HAIL}' could not allocate: ${failed.join(", ")}`);
      return { result: { allocatable, failed }, jobs };
    }
    // Free memory per node, reduced by each placement (the built-in allocator).
    const online = Object.values(cfg.nodes).filter((n) => !n.offline);
    const res = await this.env.rpc.callMany(online.map(nodeTarget), "node_info", { storage_dirs: [] }, 15);
    const free = new Map<string, number>();
    for (const n of online) {
      const r = res.get(n.name);
      if (r !== undefined && r.ok && r.payload !== null) free.set(n.uuid, r.payload.memory_free);
    }
    for (const s of this.specs) {
      const be = fillInstanceBe(cfg.cluster, { beparams: (s["beparams"] ?? {}) as Record<string, unknown> } as unknown as Instance);
      const mem = s["start"] === false ? 0 : Number(be["maxmem"]);
      const p = allocatePrimary(allocNodes(cfg, free), mem);
      if (!p.ok) {
        failed.push(String(s["instance_name"]));
        continue;
      }
      let snode: string | null = null;
      if (MIRRORED_TEMPLATES.has(String(s["disk_template"] ?? ""))) {
        const sc = allocatePrimary(allocNodes(cfg, free), 0, [p.node.uuid]);
        if (!sc.ok) {
          failed.push(String(s["instance_name"]));
          continue;
        }
        snode = sc.node.name;
      }
      free.set(p.node.uuid, (free.get(p.node.uuid) ?? 0) - mem);
      allocatable.push(String(s["instance_name"]));
      jobs.push([{ ...(s as OpInput), pnode: p.node.name, ...(snode !== null ? { snode } : {}) }]);
    }
    if (failed.length > 0) this.logWarning(`Iallocator '${BUILTIN_ALLOCATOR}' could not allocate: ${failed.join(", ")}`);
    return { result: { allocatable, failed }, jobs };
  }
}
