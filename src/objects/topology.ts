// Read-only questions about a configuration: which node has which role, which instances
// run where, how full the master-candidate pool is. Instances reference disks by uuid;
// like Ganeti 3.0, the nodes an instance spans are derived from its disks (a drbd disk
// names both its nodes in logical_id[0..1]).

import { NodeRole } from "../constants.js";
import type { ConfigData, Disk, Instance, Node } from "./types.js";

/** Ganeti's role letter: master, candidate, drained, offline, regular, in that precedence. */
export function nodeRole(cfg: ConfigData, node: Node): NodeRole {
  if (node.uuid === cfg.cluster.master_node) return NodeRole.master;
  if (node.master_candidate) return NodeRole.candidate;
  if (node.drained) return NodeRole.drained;
  if (node.offline) return NodeRole.offline;
  return NodeRole.regular;
}

/** The instance's disks in order; dangling uuids are skipped. */
export function instanceDisks(cfg: ConfigData, inst: Instance): Disk[] {
  const disks = cfg.disks ?? {};
  const out: Disk[] = [];
  for (const uuid of inst.disks) {
    const d = disks[uuid];
    if (d !== undefined) out.push(d);
  }
  return out;
}

function collectDiskNodes(disk: Disk, into: Set<string>): void {
  if (disk.dev_type === "drbd" || disk.dev_type === "drbd8") {
    for (const n of disk.logical_id.slice(0, 2)) if (typeof n === "string") into.add(n);
  }
  for (const child of disk.children ?? []) collectDiskNodes(child, into);
}

/** Secondary node uuids of an instance (all disk nodes except the primary). */
export function instanceSecondaryNodes(cfg: ConfigData, inst: Instance): string[] {
  const all = new Set<string>();
  for (const d of instanceDisks(cfg, inst)) collectDiskNodes(d, all);
  all.delete(inst.primary_node);
  return [...all];
}

/** Primary first, then secondaries (Ganeti's GetInstanceNodes). */
export function instanceNodes(cfg: ConfigData, inst: Instance): string[] {
  return [inst.primary_node, ...instanceSecondaryNodes(cfg, inst)];
}

/** diskless without disks, the common dev_type when homogeneous, else "mixed". */
export function instanceDiskTemplate(cfg: ConfigData, inst: Instance): string {
  const disks = instanceDisks(cfg, inst);
  if (disks.length === 0) return inst.disks.length === 0 && inst.disk_template !== undefined ? inst.disk_template : "diskless";
  const types = new Set(disks.map((d) => (d.dev_type === "drbd8" ? "drbd" : d.dev_type)));
  return types.size === 1 ? [...types][0]! : "mixed";
}

function sortedInstances(cfg: ConfigData): Instance[] {
  return Object.values(cfg.instances).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Uuids of the instances whose primary node is `nodeUuid`, sorted by instance name. */
export function primaryInstances(cfg: ConfigData, nodeUuid: string): string[] {
  return sortedInstances(cfg).filter((i) => i.primary_node === nodeUuid).map((i) => i.uuid);
}

/** Uuids of the instances that use `nodeUuid` as a secondary, sorted by instance name. */
export function secondaryInstances(cfg: ConfigData, nodeUuid: string): string[] {
  return sortedInstances(cfg).filter((i) => instanceSecondaryNodes(cfg, i).includes(nodeUuid)).map((i) => i.uuid);
}

export function masterCandidates(cfg: ConfigData): Node[] {
  return Object.values(cfg.nodes).filter((n) => n.master_candidate);
}

export interface CandidateStats {
  /** Current number of master candidates. */
  readonly mc_now: number;
  /** How many there should be: min(possible, candidate_pool_size). */
  readonly mc_should: number;
  /** How many there could be: online, undrained, master-capable nodes. */
  readonly mc_max: number;
}

/** Ganeti's GetMasterCandidateStats; `exceptions` are node uuids left out of the count. */
export function candidateStats(cfg: ConfigData, exceptions: readonly string[] = []): CandidateStats {
  let mcNow = 0;
  let mcMax = 0;
  for (const node of Object.values(cfg.nodes)) {
    if (exceptions.includes(node.uuid)) continue;
    if (!(node.offline || node.drained) && node.master_capable) mcMax += 1;
    if (node.master_candidate) mcNow += 1;
  }
  const pool = cfg.cluster.candidate_pool_size;
  return { mc_now: mcNow, mc_should: Math.min(mcMax, pool), mc_max: mcMax };
}

/**
 * Node uuids to promote so the pool reaches its desired size (Ganeti's
 * MaintainCandidatePool). Ganeti picks at random; we pick by name so the decision is
 * reproducible and testable.
 */
export function decideMasterCandidates(cfg: ConfigData, exceptions: readonly string[] = []): string[] {
  const { mc_now: now, mc_should: should } = candidateStats(cfg, exceptions);
  if (now >= should) return [];
  const eligible = Object.values(cfg.nodes)
    .filter((n) => !n.master_candidate && !n.offline && !n.drained && n.master_capable && !exceptions.includes(n.uuid))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return eligible.slice(0, should - now).map((n) => n.uuid);
}

/**
 * The DRBD minors a node's configuration assigns (Ganeti's getInstMinorsForNode, what
 * confd answers for gnt-node list-drbd): [node, minor, instance, "disk/N", role, peer],
 * node names, sorted.
 */
export function nodeDrbdMinors(cfg: ConfigData, nodeUuid: string): Array<[string, number, string, string, string, string]> {
  const name = (u: string): string => cfg.nodes[u]?.name ?? u;
  const out: Array<[string, number, string, string, string, string]> = [];
  const walk = (inst: Instance, idx: number, d: Disk): void => {
    if (d.dev_type === "drbd" || d.dev_type === "drbd8") {
      const [a, b, , ma, mb] = d.logical_id as [string, string, unknown, number, number];
      const role = inst.primary_node === nodeUuid ? "primary" : "secondary";
      if (a === nodeUuid) out.push([name(nodeUuid), ma, inst.name, `disk/${idx}`, role, name(b)]);
      else if (b === nodeUuid) out.push([name(nodeUuid), mb, inst.name, `disk/${idx}`, role, name(a)]);
    }
    for (const c of d.children ?? []) walk(inst, idx, c);
  };
  for (const inst of Object.values(cfg.instances)) instanceDisks(cfg, inst).forEach((d, i) => walk(inst, i, d));
  const cmp = (x: unknown, y: unknown): number => (x === y ? 0 : (x as string | number) < (y as string | number) ? -1 : 1);
  return out.sort((x, y) => x.reduce<number>((acc, v, i) => acc || cmp(v, y[i]), 0));
}
