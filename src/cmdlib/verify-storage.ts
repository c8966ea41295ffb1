// The storage part of gnt-cluster verify: drbd minors and mirror states (Ganeti's
// _VerifyNodeDrbd and the disk half of _VerifyInstance), N+1 memory, orphan volumes.
import type { ConfigData, Disk, Instance, Node } from "../objects/types.js";
import { instanceDisks } from "../objects/fill.js";
import type { MirrorStatusResult } from "../rpc/catalogue.js";
import type { RpcClient } from "../rpc/client.js";
import { nodeTarget } from "../config/store.js";
import { diskArg, isDrbd } from "./instance-disks.js";

export type VerifyFinding = readonly [kind: "node" | "instance", item: string, msg: string];
type LiveMinor = { minor: number; uuid: string };

/** Minors a node must have active (instances whose disks are active) or must not have. */
export function drbdNodeFindings(cfg: ConfigData, node: Node, live: readonly LiveMinor[]): VerifyFinding[] {
  const out: VerifyFinding[] = [];
  const expected = new Map<number, { inst: Instance; mustExist: boolean }>();
  for (const inst of Object.values(cfg.instances)) {
    for (const d of instanceDisks(cfg, inst).filter(isDrbd)) {
      const [a, b, , ma, mb] = d.logical_id as [string, string, number, number, number];
      if (a === node.uuid) expected.set(ma, { inst, mustExist: inst.disks_active === true });
      if (b === node.uuid) expected.set(mb, { inst, mustExist: inst.disks_active === true });
    }
  }
  const used = new Set(live.map((m) => m.minor));
  for (const [minor, { inst, mustExist }] of [...expected.entries()].sort(([x], [y]) => x - y)) {
    if (mustExist && !used.has(minor)) out.push(["node", node.name, `drbd minor ${minor} of instance ${inst.name} is not active`]);
  }
  for (const minor of [...used].sort((x, y) => x - y)) {
    if (!expected.has(minor)) out.push(["node", node.name, `unallocated drbd minor ${minor} is in use`]);
  }
  return out;
}

/** The device as Ganeti's Disk.__str__ names it in "Can't find device" messages. */
function describe(d: Disk): string {
  const [a, b, port, ma, mb] = d.logical_id as [string, string, number, number, number];
  return `<DRBD8(hosts=${a}/${ma}-${b}/${mb}, port=${port}, visible as /dev/${d.iv_name ?? ""}, size=${d.size}m)>`;
}

/** The mirror of every drbd disk of an instance with active disks, on each of its online nodes. */
export async function drbdInstanceFindings(rpc: RpcClient, cfg: ConfigData, inst: Instance): Promise<VerifyFinding[]> {
  const disks = instanceDisks(cfg, inst).filter(isDrbd);
  if (!inst.disks_active || disks.length === 0) return [];
  const nodes = [...new Set(disks.flatMap((d) => [String(d.logical_id[0]), String(d.logical_id[1])]))]
    .sort((x, y) => (x === inst.primary_node ? -1 : y === inst.primary_node ? 1 : 0));
  const out: VerifyFinding[] = [];
  for (const uuid of nodes) {
    const node = cfg.nodes[uuid];
    if (node === undefined || node.offline) continue;
    const r = await rpc.call(nodeTarget(node), "blockdev_getmirrorstatus", { disks: disks.map((d) => diskArg(cfg, inst, d)) });
    disks.forEach((d, idx) => {
      const st: MirrorStatusResult | null | undefined = r.ok ? r.payload?.[idx] : undefined;
      if (st === null || st === undefined) {
        out.push(["instance", inst.name, `couldn't retrieve status for disk/${idx} on ${node.name}: ` +
          (r.ok ? `Can't find device ${describe(d)}` : String(r.failMsg))]);
      } else if (st.is_degraded || st.ldisk_status !== "ok") {
        out.push(["instance", inst.name, `disk/${idx} on ${node.name} is degraded`]);
      }
    });
  }
  return out;
}

/** Ganeti's N+1 check: each node must hold the minimum memory of the instances it is secondary for, per primary. */
export function nPlusOneFindings(cfg: ConfigData, nodes: readonly Node[], memoryFree: ReadonlyMap<string, number>,
  minmem: (inst: Instance) => { minmem: number; autoBalance: boolean }): VerifyFinding[] {
  const out: VerifyFinding[] = [];
  for (const node of nodes) {
    const free = memoryFree.get(node.uuid);
    if (node.offline || free === undefined) continue;
    const byPrimary = new Map<string, number>();
    for (const inst of Object.values(cfg.instances)) {
      const drbd = instanceDisks(cfg, inst).filter(isDrbd);
      if (!drbd.some((d) => d.logical_id[0] === node.uuid || d.logical_id[1] === node.uuid) || inst.primary_node === node.uuid) continue;
      const be = minmem(inst);
      if (be.autoBalance) byPrimary.set(inst.primary_node, (byPrimary.get(inst.primary_node) ?? 0) + be.minmem);
    }
    for (const [p, needed] of [...byPrimary.entries()].sort(([a], [b]) => (cfg.nodes[a]?.name ?? a).localeCompare(cfg.nodes[b]?.name ?? b))) {
      if (free < needed) {
        out.push(["node", node.name, `not enough memory to accomodate instance failovers should node ${cfg.nodes[p]?.name ?? p} fail ` +
          `(${needed}MiB needed, ${free}MiB available)`]);
      }
    }
  }
  return out;
}

/** Files in a node's file storage directory that no instance's disk owns (Ganeti's orphan volumes). */
export function orphanFindings(cfg: ConfigData, node: Node, files: readonly string[]): VerifyFinding[] {
  const mine = new Set<string>();
  for (const inst of Object.values(cfg.instances)) {
    for (const d of instanceDisks(cfg, inst)) {
      if (d.dev_type === "file" && inst.primary_node === node.uuid) mine.add(String(d.logical_id[1]));
      if (isDrbd(d) && (d.logical_id[0] === node.uuid || d.logical_id[1] === node.uuid)) {
        for (const c of d.children ?? []) if (c.dev_type === "file") mine.add(String(c.logical_id[1]));
      }
    }
  }
  return files.filter((f) => !mine.has(f)).map((f): VerifyFinding => ["node", node.name, `volume ${f} is unknown`]);
}
