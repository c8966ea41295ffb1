// The snapshots of an export (Ganeti's ExportInstanceHelper: CreateSnapshots, Cleanup):
// every disk of the instance is snapshotted on its primary node, or none is kept, so the
// export either sends point-in-time copies while the instance runs again, or the disks
// themselves while it stays down.
import { randomUUID } from "node:crypto";
import type { ConfigData, Instance, Node } from "../objects/types.js";
import type { RpcClient } from "../rpc/client.js";
import { instanceDisks } from "../objects/fill.js";
import { nodeTarget } from "../config/store.js";
import { diskArg, isDrbd, osInstance } from "./instance-disks.js";

/** A disk as the OS export script gets it (the instance's own or a snapshot). */
export type ExportDisk = ReturnType<typeof osInstance>["disks"][number];

export interface SnapshotEnv {
  readonly rpc: RpcClient;
  readonly cfg: ConfigData;
  feedback(msg: string): void;
  warn(msg: string): void;
}

export class ExportSnapshots {
  private readonly snapshots: Array<ExportDisk | null> = [];
  private readonly removed: boolean[] = [];

  constructor(private readonly env: SnapshotEnv, private readonly inst: Instance, private readonly node: Node) {}

  /** Snapshots every disk (`live`: the instance runs meanwhile); true when all were taken, else none is kept. */
  async create(live: boolean): Promise<boolean> {
    const { cfg, rpc } = this.env;
    for (const [idx, d] of instanceDisks(cfg, this.inst).entries()) {
      this.env.feedback(`Creating a snapshot of disk/${idx} on node ${this.node.name}`);
      const arg = diskArg(cfg, this.inst, d);
      const r = await rpc.call(nodeTarget(this.node), "blockdev_snapshot", { disk: arg, snap_name: null, snap_size: null, live });
      const id = r.payload;
      if (!r.ok || !Array.isArray(id) || id.length !== 2) {
        this.env.warn(`Could not snapshot disk/${idx} on node ${this.node.name}: ${r.ok ? `invalid result '${JSON.stringify(id)}'` : r.failMsg ?? ""}`);
        this.snapshots.push(null);
        this.removed.push(true);
        continue;
      }
      // A drbd disk's snapshot is one of its data volume, of that volume's type.
      const base = isDrbd(d) ? arg.children?.[0] ?? arg : arg;
      this.snapshots.push({ uuid: randomUUID(), dev_type: base.dev_type, logical_id: id, size: d.size, name: d.name ?? null,
        mode: d.mode ?? "rw", params: arg.params ?? {} });
      this.removed.push(false);
    }
    if (this.ready()) return true;
    await this.cleanup(); // a partial set is of no use
    return false;
  }

  /** Whether every disk has its snapshot. */
  ready(): boolean {
    return this.snapshots.length > 0 && this.snapshots.every((s, i) => s !== null && this.removed[i] === false);
  }

  /** The disks to send: the snapshots when all were taken, else the instance's own. */
  disksToTransfer(own: readonly ExportDisk[]): readonly ExportDisk[] {
    return this.ready() ? this.snapshots.filter((s): s is ExportDisk => s !== null) : own;
  }

  label(idx: number): string {
    return this.ready() ? `snapshot/${idx}` : `disk/${idx}`;
  }

  /** Removes the snapshots taken (failures are warnings: the volume is left for the administrator). */
  async cleanup(): Promise<void> {
    for (const [idx, s] of this.snapshots.entries()) {
      if (s === null || this.removed[idx] === true) continue;
      this.env.feedback(`Removing snapshot of disk/${idx} on node ${this.node.name}`);
      const r = await this.env.rpc.call(nodeTarget(this.node), "blockdev_remove", { disk: s });
      if (r.ok) this.removed[idx] = true;
      else this.env.warn(`Could not remove snapshot for disk/${idx} from node ${this.node.name}: ${r.failMsg ?? ""}`);
    }
  }
}
