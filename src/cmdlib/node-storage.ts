// Node storage units and volumes (gnt-node list-storage, modify-storage, repair-storage,
// volumes) and gnt-node powercycle, as Ganeti's LUs.
import type { Node } from "../objects/types.js";
import { instanceDisks } from "../objects/fill.js";
import { LogicalUnit, expandNodeName, Levels } from "./base.js";
import type { OpOutcome } from "../jobs/queue.js";
import { OpPrereqError, ErrorCode } from "../errors.js";
import { nodeTarget } from "../config/store.js";

const STORAGE_FIELDS: ReadonlySet<string> = new Set(["node", "type", "name", "size", "used", "free", "allocatable"]);
const VOLUME_FIELDS: ReadonlySet<string> = new Set(["node", "phys", "vg", "name", "size", "instance"]);
/** Ganeti's storage type of a disk template (the default storage type is the first enabled template's). */
const TEMPLATE_STORAGE: Readonly<Record<string, string>> = {
  file: "file", sharedfile: "sharedfile", plain: "lvm-vg", drbd: "lvm-vg", diskless: "diskless",
};

function selectedNodes(lu: LogicalUnit & { cfgNow(): import("../objects/types.js").ConfigData }, names: unknown): Node[] {
  const cfg = lu.cfgNow();
  const list = Array.isArray(names) && names.length > 0 ? (names as string[]).map((n) => expandNodeName(cfg, n))
    : Object.values(cfg.nodes);
  return list.sort((a, b) => a.name.localeCompare(b.name));
}

abstract class StorageLU extends LogicalUnit {
  override readonly reqBgl = false;
  cfgNow() {
    return this.cfg;
  }
  protected storageDirs(type: string): string[] {
    const c = this.cfg.cluster;
    return type === "sharedfile" ? [c.shared_file_storage_dir ?? "/srv/ganeti/shared-file-storage"]
      : [c.file_storage_dir ?? "/srv/ganeti/file-storage"];
  }
}

export class LUNodeQueryStorage extends StorageLU {
  private type = "";
  private fields: string[] = [];
  override expandNames(): void {
    this.lock(Levels.node, "all", "shared");
  }
  checkPrereq(): void {
    const first = this.cfg.cluster.enabled_disk_templates?.[0] ?? "file";
    this.type = typeof this.op["storage_type"] === "string" ? this.op["storage_type"] : TEMPLATE_STORAGE[first] ?? "file";
    if (this.type === "diskless") throw new OpPrereqError("Storage type 'diskless' has no storage units to report", ErrorCode.inval);
    this.fields = (this.op["output_fields"] as string[] | undefined) ?? [];
    const bad = this.fields.filter((f) => !STORAGE_FIELDS.has(f));
    if (bad.length > 0) throw new OpPrereqError(`Unknown output fields selected: ${bad.join(",")}`, ErrorCode.inval);
  }
  async exec(): Promise<OpOutcome> {
    const rows: unknown[][] = [];
    for (const n of selectedNodes(this, this.op["nodes"]).filter((x) => !x.offline)) {
      const r = await this.env.rpc.call(nodeTarget(n), "storage_list", { type: this.type, dirs: this.storageDirs(this.type) });
      if (!r.ok || r.payload === null) {
        this.logWarning(`Can't get storage data from node ${n.name}: ${r.failMsg ?? ""}`);
        continue;
      }
      for (const u of r.payload.sort((a, b) => String(a["name"]).localeCompare(String(b["name"])))) {
        rows.push(this.fields.map((f) => (f === "node" ? n.name : f === "type" ? this.type : u[f])));
      }
    }
    return { result: rows };
  }
}

export class LUNodeQueryvols extends StorageLU {
  private fields: string[] = [];
  override expandNames(): void {
    this.lock(Levels.node, "all", "shared");
  }
  checkPrereq(): void {
    this.fields = (this.op["output_fields"] as string[] | undefined) ?? [];
    const bad = this.fields.filter((f) => !VOLUME_FIELDS.has(f));
    if (bad.length > 0) throw new OpPrereqError(`Unknown output fields selected: ${bad.join(",")}`, ErrorCode.inval);
  }
  async exec(): Promise<OpOutcome> {
    const cfg = this.cfg;
    // Which instance owns a logical volume (plain disks; drbd children when they are LVs).
    const owner = new Map<string, string>();
    for (const inst of Object.values(cfg.instances)) {
      for (const d of instanceDisks(cfg, inst)) {
        for (const v of [d, ...(d.children ?? [])]) if (v.dev_type === "plain") owner.set(`${String(v.logical_id[0])}/${String(v.logical_id[1])}`, inst.name);
      }
    }
    const rows: unknown[][] = [];
    for (const n of selectedNodes(this, this.op["nodes"]).filter((x) => !x.offline)) {
      const r = await this.env.rpc.call(nodeTarget(n), "lv_list", {});
      if (!r.ok || r.payload === null) {
        this.logWarning(`Can't compute volume data on node ${n.name}: ${r.failMsg ?? ""}`);
        continue;
      }
      for (const v of [...r.payload].sort((a, b) => a.name.localeCompare(b.name))) {
        const vals: Record<string, unknown> = { node: n.name, phys: v.dev, vg: v.vg, name: v.name, size: v.size,
          instance: owner.get(`${v.vg}/${v.name}`) ?? "-" };
        rows.push(this.fields.map((f) => vals[f]));
      }
    }
    return { result: rows };
  }
}

export class LUNodeModifyStorage extends StorageLU {
  checkPrereq(): void {
    const type = String(this.op["storage_type"]);
    if (type !== "lvm-pv") throw new OpPrereqError(`Storage units of type '${type}' can not be modified`, ErrorCode.inval);
    const changes = Object.keys((this.op["changes"] ?? {}) as Record<string, unknown>);
    const bad = changes.filter((c) => c !== "allocatable");
    if (bad.length > 0) {
      throw new OpPrereqError(`Storage fields of type '${type}' can not be modified (only allocatable): ${bad.join(", ")}`, ErrorCode.inval);
    }
  }
  async exec(): Promise<OpOutcome> {
    const n = expandNodeName(this.cfg, String(this.op["node_name"]));
    (await this.env.rpc.call(nodeTarget(n), "storage_modify", { type: "lvm-pv", name: String(this.op["name"]),
      changes: (this.op["changes"] ?? {}) as Record<string, unknown> })).raise(`Failed to modify storage unit '${String(this.op["name"])}' on ${n.name}`);
    return { result: null };
  }
}

export class LURepairNodeStorage extends StorageLU {
  checkPrereq(): void {
    const type = String(this.op["storage_type"]);
    if (type !== "lvm-vg") throw new OpPrereqError(`Storage units of type '${type}' can not be repaired`, ErrorCode.inval);
  }
  async exec(): Promise<OpOutcome> {
    const n = expandNodeName(this.cfg, String(this.op["node_name"]));
    (await this.env.rpc.call(nodeTarget(n), "storage_repair", { type: "lvm-vg", name: String(this.op["name"]) }))
      .raise(`Failed to repair storage unit '${String(this.op["name"])}' on ${n.name}`);
    return { result: null };
  }
}

export class LUNodePowercycle extends LogicalUnit {
  override readonly reqBgl = false;
  private node!: Node;
  override checkArguments(): void {
    this.node = expandNodeName(this.cfg, String(this.op["node_name"]));
    if (this.node.uuid === this.cfg.cluster.master_node && this.op["force"] !== true) {
      throw new OpPrereqError("The node is the master and the force parameter was not set", ErrorCode.inval);
    }
  }
  checkPrereq(): void {}
  async exec(): Promise<OpOutcome> {
    const r = await this.env.rpc.call(nodeTarget(this.node), "node_powercycle", {});
    return { result: r.raise("Failed to schedule the reboot") };
  }
}
