// gnt-instance info (Ganeti's LUInstanceQueryData): an instance's configuration with its
// filled parameters, and — unless static — its state on the primary node and every disk's
// status on each of its nodes (path, sync percent, degraded, local disk state).
import type { ConfigData, Disk, Instance, Node } from "../objects/types.js";
import { fillInstanceBe, fillInstanceHv, fillNic, fillOsParams, instanceDisks } from "../objects/fill.js";
import { instanceDiskTemplate, instanceSecondaryNodes } from "../objects/topology.js";
import { LogicalUnit, Levels } from "./base.js";
import { expandInstance } from "./instance.js";
import type { OpOutcome } from "../jobs/queue.js";
import { nodeTarget } from "../config/store.js";
import { diskArg, isDrbd, nodeOf } from "./instance-disks.js";
import type { DiskArg } from "../rpc/catalogue.js";

/** Ganeti's BlockDevStatus as the info command gets it: path, major, minor, sync %, ETA, degraded, local disk state. */
export type DevStatus = [string, number | null, number | null, number | null, number | null, boolean, string];

export interface DevInfo {
  readonly iv_name: string | null;
  readonly dev_type: string;
  readonly logical_id: readonly unknown[];
  readonly drbd_info: { primary_node: string; primary_minor: number; secondary_node: string; secondary_minor: number; port: number } | null;
  readonly pstatus: DevStatus | null;
  readonly sstatus: DevStatus | null;
  readonly children: readonly DevInfo[];
  readonly mode: string | null;
  readonly size: number;
  readonly spindles: number | null;
  readonly name: string | null;
  readonly uuid: string | null;
}

const DRBD_MAJOR = 147; // the kernel's major number of drbd devices, as Ganeti reports it

export class LUInstanceQueryData extends LogicalUnit {
  override readonly reqBgl = false;
  private wanted: Instance[] = [];

  override expandNames(): void {
    const names = (this.op["instances"] ?? []) as string[];
    this.wanted = names.length > 0 ? names.map((n) => expandInstance(this.cfg, n))
      : Object.values(this.cfg.instances).sort((a, b) => a.name.localeCompare(b.name));
    if (this.op["static"] === true && this.op["use_locking"] !== true) return;
    this.lock(Levels.instance, names.length > 0 ? this.wanted.map((i) => i.uuid) : "all", "shared");
    this.lock(Levels.node, [...new Set(this.wanted.flatMap((i) => [i.primary_node, ...instanceSecondaryNodes(this.cfg, i)]))], "shared");
  }

  checkPrereq(): void {
    // Re-read under the locks: the instances may have changed since the names were expanded.
    this.wanted = this.wanted.map((i) => this.cfg.instances[i.uuid] ?? i);
  }

  async exec(): Promise<OpOutcome> {
    const cfg = this.cfg;
    const result: Record<string, unknown> = {};
    for (const inst of this.wanted) {
      const pnode = nodeOf(cfg, inst.primary_node);
      const snodes = instanceSecondaryNodes(cfg, inst).map((u) => nodeOf(cfg, u));
      const live = this.op["static"] !== true && !pnode.offline;
      if (this.op["static"] !== true && pnode.offline) {
        this.logWarning(`Primary node ${pnode.name} is marked offline, returning static information only for instance ${inst.name}`);
      }
      const groupName = (g: string): string => cfg.nodegroups[g]?.name ?? g;
      result[inst.name] = {
        name: inst.name, config_state: inst.admin_state, run_state: live ? await this.runState(inst, pnode) : null,
        pnode: pnode.name, pnode_group_uuid: pnode.group, pnode_group_name: groupName(pnode.group),
        snodes: snodes.map((n) => n.name), snodes_group_uuids: snodes.map((n) => n.group), snodes_group_names: snodes.map((n) => groupName(n.group)),
        os: inst.os, nics: nicTuples(cfg, inst), disk_template: instanceDiskTemplate(cfg, inst),
        disks: await Promise.all(instanceDisks(cfg, inst).map((d) => this.diskInfo(inst, d, live))),
        hypervisor: inst.hypervisor, network_port: inst.network_port ?? null,
        hv_instance: inst.hvparams, hv_actual: fillInstanceHv(cfg.cluster, inst, true),
        be_instance: inst.beparams, be_actual: fillInstanceBe(cfg.cluster, inst),
        os_instance: inst.osparams, os_actual: fillOsParams(cfg.cluster, inst.os, inst.osparams),
        serial_no: inst.serial_no, mtime: inst.mtime, ctime: inst.ctime, uuid: inst.uuid,
      };
    }
    return { result };
  }

  /** Ganeti's remote_state: up, down, user down or offline. */
  private async runState(inst: Instance, pnode: Node): Promise<string> {
    const r = await this.env.rpc.call(nodeTarget(pnode), "all_instances_info", { hypervisors: [inst.hypervisor] });
    const running = r.raise(`Error checking node ${pnode.name}`)?.[inst.name] !== undefined;
    if (running) return "up";
    if (inst.admin_state === "up") return "down";
    if (inst.admin_state === "down") return inst.admin_state_source === "user" ? "user down" : "down";
    return "offline";
  }

  private async diskInfo(inst: Instance, d: Disk, live: boolean): Promise<DevInfo> {
    const cfg = this.cfg;
    const arg = diskArg(cfg, inst, d);
    let snode: string | null = null;
    let drbdInfo: DevInfo["drbd_info"] = null;
    let logicalId: readonly unknown[] = d.logical_id;
    if (isDrbd(d)) {
      const [a, b, port, ma, mb] = d.logical_id as [string, string, number, number, number];
      const pIsA = a === inst.primary_node;
      snode = pIsA ? b : a;
      drbdInfo = { primary_node: nodeOf(cfg, inst.primary_node).name, primary_minor: pIsA ? ma : mb, secondary_node: nodeOf(cfg, snode).name,
        secondary_minor: pIsA ? mb : ma, port };
      logicalId = [...d.logical_id.slice(0, -1), null]; // the shared secret stays in the config
    }
    const status = (node: string | null, dev: DiskArg): Promise<DevStatus | null> =>
      live && node !== null ? this.devStatus(nodeOf(cfg, node), dev) : Promise.resolve(null);
    const children = await Promise.all((d.children ?? []).map(async (c): Promise<DevInfo> => {
      const cArg: DiskArg = { uuid: c.uuid ?? "", dev_type: c.dev_type, logical_id: [...c.logical_id], size: c.size, params: {} };
      return { iv_name: null, dev_type: c.dev_type, logical_id: c.logical_id, drbd_info: null, pstatus: await status(inst.primary_node, cArg),
        sstatus: await status(snode, cArg), children: [], mode: c.mode ?? null, size: c.size, spindles: c.spindles ?? null,
        name: c.name ?? null, uuid: c.uuid ?? null };
    }));
    return {
      iv_name: d.iv_name ?? null, dev_type: d.dev_type, logical_id: logicalId, drbd_info: drbdInfo,
      pstatus: await status(inst.primary_node, arg), sstatus: await status(snode, arg), children,
      mode: d.mode ?? null, size: d.size, spindles: d.spindles ?? null, name: d.name ?? null, uuid: d.uuid ?? null,
    };
  }

  /** One device's status on one node (Ganeti's blockdev_find); null where it is not active or the node is offline. */
  private async devStatus(node: Node, dev: DiskArg): Promise<DevStatus | null> {
    if (node.offline) return null;
    if (dev.dev_type === "drbd") {
      const r = await this.env.rpc.call(nodeTarget(node), "blockdev_getmirrorstatus", { disks: [dev] });
      const st = r.raise(`Can't compute disk status for ${node.name}`)[0] ?? null;
      return st === null ? null : [st.dev_path, DRBD_MAJOR, st.minor, st.sync_percent, st.estimated_time, st.is_degraded, st.ldisk_status];
    }
    const r = await this.env.rpc.call(nodeTarget(node), "blockdev_find", { disk: dev });
    const st = r.raise(`Can't compute disk status for ${node.name}`);
    return st === null ? null : [st.path, null, null, null, null, st.degraded, "ok"];
  }
}

/** Ganeti's NICListToTuple: (name, uuid, ip, mac, mode, link, vlan, network, network info). */
function nicTuples(cfg: ConfigData, inst: Instance): unknown[][] {
  return inst.nics.map((n) => {
    const f = fillNic(cfg.cluster, n);
    const net = typeof n.network === "string" ? Object.values(cfg.networks ?? {}).find((x) => x.uuid === n.network || x.name === n.network) : undefined;
    return [n.name ?? null, n.uuid ?? null, n.ip ?? null, n.mac, f["mode"] ?? null, f["link"] ?? null, f["vlan"] ?? "", net?.uuid ?? null,
      net !== undefined ? { name: net.name } : null];
  });
}
