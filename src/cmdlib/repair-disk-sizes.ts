// gnt-cluster repair-disk-sizes (Ganeti's LUClusterRepairDiskSizes): the recorded size of
// each disk is compared with its volume on the primary node and corrected where it differs.
import type { Disk, Instance } from "../objects/types.js";
import { instanceDisks } from "../objects/fill.js";
import { LogicalUnit, Levels } from "./base.js";
import { expandInstance } from "./instance.js";
import type { OpOutcome } from "../jobs/queue.js";
import { nodeTarget } from "../config/store.js";
import { diskArg, nodeOf } from "./instance-disks.js";

export class LUClusterRepairDiskSizes extends LogicalUnit {
  override readonly reqBgl = false;
  private instances: Instance[] = [];
  override expandNames(): void {
    const names = (this.op["instances"] as string[] | undefined) ?? [];
    this.instances = names.length > 0 ? names.map((n) => expandInstance(this.cfg, n)) : Object.values(this.cfg.instances);
    this.lock(Levels.instance, this.instances.map((i) => i.uuid), "shared");
    this.lock(Levels.nodeRes, "all", "shared");
  }
  checkPrereq(): void {}
  async exec(): Promise<OpOutcome> {
    const cfg = this.cfg;
    const changed: Array<[string, number, string, number]> = [];
    const fixes = new Map<string, Disk>();
    for (const inst of [...this.instances].sort((a, b) => a.name.localeCompare(b.name))) {
      const pnode = nodeOf(cfg, inst.primary_node);
      if (pnode.offline) continue;
      const disks = instanceDisks(cfg, inst);
      const r = await this.env.rpc.call(nodeTarget(pnode), "blockdev_getdimensions", { disks: disks.map((d) => diskArg(cfg, inst, d)) });
      if (!r.ok || r.payload === null) {
        this.logWarning(`Failure in blockdev_getdimensions call to node ${pnode.name}, ignoring`);
        continue;
      }
      disks.forEach((d, idx) => {
        const bytes = r.payload?.[idx];
        if (d.dev_type === "diskless") return;
        if (bytes === null || bytes === undefined) {
          this.logWarning(`Disk ${idx} of instance ${inst.name} did not return size information, ignoring`);
          return;
        }
        const size = Math.floor(bytes / 1048576);
        if (size === d.size) return;
        this.logInfo(`Disk ${idx} of instance ${inst.name} has mismatched size, correcting: recorded ${d.size}, actual ${size}`);
        fixes.set(d.uuid ?? "", { ...d, size, ...(d.children !== undefined && d.children.length > 0
          ? { children: d.children.map((c, i) => (i === 0 ? { ...c, size } : c)) } : {}) } as Disk);
        changed.push([inst.name, idx, "size", size]);
      });
    }
    if (fixes.size > 0) {
      await this.env.config.update((c) => ({ ...c, disks: { ...c.disks, ...Object.fromEntries(fixes) } }), (w) => this.logWarning(w));
    }
    return { result: changed };
  }
}
