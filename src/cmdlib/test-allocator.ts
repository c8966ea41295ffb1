// OP_TEST_ALLOCATOR (gnt-debug iallocator): the request the cluster would send its
// allocator (direction "in"), or hail's answer to it (direction "out"), for any of
// Ganeti's request modes — to see why an allocation goes where it goes.
import { LogicalUnit } from "./base.js";
import type { OpOutcome } from "../jobs/queue.js";
import { OpPrereqError, ErrorCode } from "../errors.js";
import { expandInstance } from "./instance.js";
import { HAIL, iallocatorName } from "./iallocator.js";
import { hailOutputText, iallocatorInputText, type EvacMode, type IARequest, type NewInstanceSpec } from "./iallocator-request.js";
import { instanceSecondaryNodes } from "../objects/topology.js";
import { expandGroup } from "./group.js";

const MODES = ["allocate", "relocate", "change-group", "node-evacuate", "multi-allocate"];

export class LUTestAllocator extends LogicalUnit {
  override readonly reqBgl = false;
  private request!: IARequest;

  checkPrereq(): void {
    const cfg = this.cfg;
    const op = this.op;
    const mode = String(op["mode"]);
    if (mode === "allocate" || mode === "multi-allocate") {
      const name = String(op["name"]);
      if (Object.values(cfg.instances).some((i) => i.name === name)) throw new OpPrereqError(`Instance '${name}' already in the cluster`, ErrorCode.exists);
      const disks = (op["disks"] ?? []) as unknown[];
      const valid = disks.every((d) => typeof d === "object" && d !== null && Number.isInteger((d as Record<string, unknown>)["size"]) &&
        ["r", "w", "rw"].includes(String((d as Record<string, unknown>)["mode"])));
      if (!valid) throw new OpPrereqError("Invalid contents of the 'disks' parameter", ErrorCode.inval);
      const spec = (n: string): NewInstanceSpec => ({
        name: n, disk_template: String(op["disk_template"] ?? cfg.cluster.enabled_disk_templates?.[0] ?? "drbd"),
        disks: (disks as Array<{ size: number; mode: string }>).map((d) => ({ size: d.size, mode: d.mode })),
        memory: Number(op["memory"]), vcpus: Number(op["vcpus"]), spindle_use: Number(op["spindle_use"] ?? 1),
        tags: (op["tags"] as string[] | undefined) ?? [], os: String(op["os"] ?? ""), nics: (op["nics"] as Record<string, unknown>[] | undefined) ?? [],
        hypervisor: typeof op["hypervisor"] === "string" ? op["hypervisor"] : cfg.cluster.enabled_hypervisors[0] ?? "fake",
        group_name: typeof op["group_name"] === "string" ? expandGroup(cfg, op["group_name"]).name : null, node_whitelist: null,
      });
      this.request = mode === "allocate" ? { mode, ...spec(name) }
        : { mode, instances: Array.from({ length: Number(op["count"] ?? 1) }, (_, i) => spec(`${name}${i}`)) };
    } else if (mode === "relocate") {
      const inst = expandInstance(cfg, String(op["name"]));
      this.request = { mode, instance: inst.uuid, relocateFrom: instanceSecondaryNodes(cfg, inst) };
    } else if (mode === "change-group" || mode === "node-evacuate") {
      const names = (op["instances"] as string[] | undefined) ?? [];
      if (names.length === 0) throw new OpPrereqError("Missing instances", ErrorCode.inval);
      const instances = names.map((n) => expandInstance(cfg, n).name);
      this.request = mode === "change-group"
        ? { mode, instances, targetGroups: ((op["target_groups"] as string[] | undefined) ?? []).map((g) => expandGroup(cfg, g).uuid) }
        : { mode, instances, evacMode: String(op["evac_mode"] ?? "all") as EvacMode };
    } else {
      throw new OpPrereqError(`Invalid test allocator mode '${mode}', valid modes are ${MODES.join(", ")}`, ErrorCode.inval);
    }
    if (op["direction"] === "out" && (typeof op["iallocator"] !== "string" || op["iallocator"] === "")) {
      throw new OpPrereqError("Missing allocator name", ErrorCode.inval);
    }
  }

  async exec(): Promise<OpOutcome> {
    const input = await iallocatorInputText(this.env.rpc, this.cfg, this.request);
    if (this.op["direction"] !== "out") return { result: input };
    const allocator = iallocatorName(this.cfg, this.op["iallocator"]);
    if (allocator !== HAIL) throw new OpPrereqError(`Only the hail allocator can be run by ganeti-ts, not '${allocator}'`, ErrorCode.inval);
    return { result: hailOutputText(input, this.cfg.cluster.default_iallocator_params ?? {}) };
  }
}
