// An instance's disks across its nodes, as Ganeti's instance_storage helpers: building the
// disk objects of a template (drbd minors, port, secret), creating and removing them on
// every node, assembling (activating) and shutting them down, waiting for the mirror to
// sync, and checking a node's copy before it takes over.
import { randomBytes, randomUUID } from "node:crypto";
import type { ConfigData, Disk, Instance, Node } from "../objects/types.js";
import { fillGroupDiskParams, fillInstanceBe, fillInstanceOs, instanceDisks } from "../objects/fill.js";
import { OpExecError, OpPrereqError, ErrorCode } from "../errors.js";
import { nodeTarget } from "../config/store.js";
import type { RpcClient } from "../rpc/client.js";
import type { DiskArg, MirrorStatusResult } from "../rpc/catalogue.js";
import { networkHooksDict } from "./instance-hooks.js";

/** What these helpers need from the running LU. */
export interface DiskOpsEnv {
  readonly rpc: RpcClient;
  readonly cfg: ConfigData;
  info(msg: string): void;
  warn(msg: string): void;
}

const DRBD_META_SIZE = 128; // MiB, as Ganeti's DRBD_META_SIZE

export function nodeOf(cfg: ConfigData, uuid: string): Node {
  const n = cfg.nodes[uuid];
  if (n === undefined) throw new OpExecError(`Node ${uuid} not in the configuration`);
  return n;
}

/** The disk as a node needs it: children, filled parameters of its template. */
export function diskArg(cfg: ConfigData, inst: Instance, d: Disk): DiskArg {
  const group = cfg.nodegroups[nodeOf(cfg, inst.primary_node).group];
  const params = fillGroupDiskParams(cfg.cluster, group)[d.dev_type] ?? {};
  return {
    uuid: d.uuid ?? "", dev_type: d.dev_type, logical_id: [...d.logical_id], size: d.size, name: d.name ?? null,
    params: { ...params, ...(d.params ?? {}) },
    ...(d.children !== undefined && d.children.length > 0
      ? { children: d.children.map((c) => ({ dev_type: c.dev_type, logical_id: [...c.logical_id], size: c.size })) } : {}),
  };
}

export function isDrbd(d: Disk): boolean {
  return d.dev_type === "drbd" || d.dev_type === "drbd8";
}

/** Where a disk lives: both drbd nodes, or the primary only. */
export function diskNodes(inst: Instance, d: Disk): string[] {
  return isDrbd(d) ? [String(d.logical_id[0]), String(d.logical_id[1])] : [inst.primary_node];
}

/** The drbd device's minor on `node` and its peer's address. */
export function drbdLocal(cfg: ConfigData, d: Disk, node: string): { minor: number; peer: { name: string; ip: string } } {
  const [a, b, , ma, mb] = d.logical_id as [string, string, number, number, number];
  const peer = nodeOf(cfg, node === a ? b : a);
  return { minor: node === a ? ma : mb, peer: { name: peer.name, ip: peer.secondary_ip ?? peer.primary_ip } };
}

/** The lowest drbd minor free on each node (Ganeti's AllocateDRBDMinor), counting `taken`. */
export function freeMinor(cfg: ConfigData, node: string, taken: readonly number[] = []): number {
  const used = new Set(taken);
  for (const d of Object.values(cfg.disks ?? {})) {
    if (!isDrbd(d)) continue;
    if (d.logical_id[0] === node) used.add(Number(d.logical_id[3]));
    if (d.logical_id[1] === node) used.add(Number(d.logical_id[4]));
  }
  let m = 0;
  while (used.has(m)) m++;
  return m;
}

/** Disk parameters that are Ganeti's own (IDISK_PARAMS); any other key of an ext disk is an ext-param of its provider. */
export const IDISK_PARAMS: ReadonlySet<string> = new Set(["size", "spindles", "mode", "adopt", "vg", "metavg", "provider", "name", "access", "type"]);

/** Ganeti's CheckDiskExtProvider: `provider` is needed for ext disks and refused for the others. */
export function checkDiskExtProvider(disk: Readonly<Record<string, unknown>>, template: string): void {
  const provider = disk["provider"];
  if (provider !== undefined && provider !== null && provider !== "" && template !== "ext") {
    throw new OpPrereqError(`The 'provider' option is only valid for the ext disk template, not ${template}`, ErrorCode.inval);
  }
  if ((provider === undefined || provider === null) && template === "ext") {
    throw new OpPrereqError("Missing provider for template 'ext'", ErrorCode.inval);
  }
}

/** An ext disk's provider and ext-params (the keys that are not Ganeti's disk parameters), as strings. */
export function extDiskParams(disk: Readonly<Record<string, unknown>>): { provider: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(disk)) if (!IDISK_PARAMS.has(k) && v !== undefined && v !== null) params[k] = String(v);
  return { provider: String(disk["provider"] ?? ""), params };
}

/** A new disk as buildDisks takes it (ext: its provider and the provider's parameters). */
export interface NewDiskSpec {
  readonly size: number;
  readonly mode?: string;
  readonly name?: string | null;
  readonly provider?: string;
  readonly extParams?: Readonly<Record<string, string>>;
  /** blockdev: the adopted device's path. */
  readonly adopt?: string;
}

/** Template-specific disk objects for a new instance (or new disks of one). */
export function buildDisks(cfg: ConfigData, template: string, name: string, pnode: string, snode: string | null,
  specs: ReadonlyArray<NewDiskSpec>, baseIndex: number, fileDir: string, fileDriver: string):
  { disks: Disk[]; highestPort: number } {
  const now = Date.now() / 1000;
  let port = cfg.cluster.highest_used_port ?? 11000;
  const minorsP: number[] = [];
  const minorsS: number[] = [];
  const disks = specs.map((s, k) => {
    const i = baseIndex + k;
    const uuid = randomUUID();
    const base = { uuid, name: s.name ?? null, iv_name: `disk/${i}`, size: s.size, mode: s.mode ?? "rw", params: {}, serial_no: 1, ctime: now, mtime: now };
    if (template === "plain") {
      return { ...base, dev_type: "plain", logical_id: [cfg.cluster.volume_group_name ?? "xenvg", `${uuid}.disk${i}`], nodes: [pnode] } as Disk;
    }
    if (template === "blockdev") {
      // Ganeti's logical id (BLOCKDEV_DRIVER_MANUAL, path): the adopted device as it is.
      if (s.adopt === undefined) throw new OpPrereqError("Disk template blockdev requires disk adoption, but no 'adopt' parameter given", ErrorCode.inval);
      return { ...base, dev_type: "blockdev", logical_id: ["manual", s.adopt], nodes: [pnode] } as Disk;
    }
    if (template === "ext") {
      // Ganeti's logical id (provider, "UUID.ext.diskN"); the provider and its parameters in the disk's params.
      if (s.provider === undefined || s.provider === "") throw new OpPrereqError("Missing provider for template 'ext'", ErrorCode.inval);
      return { ...base, dev_type: "ext", logical_id: [s.provider, `${uuid}.ext.disk${i}`], params: { provider: s.provider, ...(s.extParams ?? {}) },
        nodes: [pnode] } as Disk;
    }
    if (template !== "drbd") {
      return { ...base, dev_type: template, logical_id: [fileDriver, `${fileDir}/${name}/${uuid}.file.disk${i}`], nodes: [pnode] } as Disk;
    }
    if (snode === null) throw new OpExecError("drbd disks need a secondary node");
    const pm = freeMinor(cfg, pnode, minorsP);
    const sm = freeMinor(cfg, snode, minorsS);
    minorsP.push(pm);
    minorsS.push(sm);
    port += 1;
    const child = (suffix: string, size: number): Disk =>
      ({ dev_type: "file", logical_id: ["loop", `${fileDir}/${name}/${uuid}.drbd_${suffix}`], size, params: {} }) as Disk;
    return {
      ...base, dev_type: "drbd", logical_id: [pnode, snode, port, pm, sm, randomBytes(20).toString("hex")],
      children: [child("data", s.size), child("meta", DRBD_META_SIZE)], nodes: [pnode, snode],
    } as Disk;
  });
  return { disks, highestPort: port };
}

/** Creates each disk on its nodes, the secondary first (Ganeti's CreateDisks); undoes on failure. */
export async function createDisks(env: DiskOpsEnv, inst: Instance, disks: readonly Disk[]): Promise<void> {
  const done: Array<[Disk, string]> = [];
  try {
    for (const d of disks) {
      for (const node of [...diskNodes(inst, d)].reverse()) {
        const n = nodeOf(env.cfg, node);
        const r = await env.rpc.call(nodeTarget(n), "blockdev_create",
          { disk: diskArg(env.cfg, inst, d), on_primary: node === inst.primary_node, info: `originstname+${inst.name}` });
        if (!r.ok) throw new OpExecError(`Can't create block device ${d.iv_name ?? ""} on node ${n.name}: ${r.failMsg}`);
        done.push([d, node]);
      }
    }
  } catch (e) {
    for (const [d, node] of done.reverse()) {
      await env.rpc.call(nodeTarget(nodeOf(env.cfg, node)), "blockdev_remove", { disk: diskArg(env.cfg, inst, d) });
    }
    throw e;
  }
}

/** Removes the disks on all their nodes; returns false if any node failed (warned). */
export async function removeDisks(env: DiskOpsEnv, inst: Instance, disks: readonly Disk[] = instanceDisks(env.cfg, inst),
  only?: string): Promise<boolean> {
  let ok = true;
  for (const d of disks) {
    for (const node of diskNodes(inst, d)) {
      if (only !== undefined && node !== only) continue;
      const n = nodeOf(env.cfg, node);
      const r = await env.rpc.call(nodeTarget(n), "blockdev_remove", { disk: diskArg(env.cfg, inst, d) });
      if (!r.ok) {
        env.warn(`Could not remove disk ${d.iv_name ?? ""} on node ${n.name}, continuing anyway: ${r.failMsg}`);
        ok = false;
      }
    }
  }
  return ok;
}

/**
 * Ganeti's AssembleInstanceDisks: first every node as secondary, then the primary as
 * primary. Returns whether all disks came up (secondaries may be ignored).
 */
export async function assembleDisks(env: DiskOpsEnv, inst: Instance, opts: { ignoreSecondaries?: boolean; primary?: string } = {}):
  Promise<boolean> {
  const cfg = env.cfg;
  const primary = opts.primary ?? inst.primary_node;
  let ok = true;
  const disks = instanceDisks(cfg, inst);
  for (const d of disks) {
    for (const node of diskNodes(inst, d)) {
      const n = nodeOf(cfg, node);
      const local = isDrbd(d) ? drbdLocal(cfg, d, node) : { minor: 0, peer: null };
      const r = await env.rpc.call(nodeTarget(n), "blockdev_assemble",
        { disk: diskArg(cfg, inst, d), instance: inst.name, minor: local.minor, peer: local.peer, as_primary: false });
      if (!r.ok) {
        env.warn(`Could not prepare block device ${d.iv_name ?? ""} on node ${n.name} (is_primary=False, pass=1): ${r.failMsg}`);
        if (!(node !== primary && opts.ignoreSecondaries === true)) ok = false;
      }
    }
  }
  for (const d of disks) {
    const n = nodeOf(cfg, primary);
    const local = isDrbd(d) ? drbdLocal(cfg, d, primary) : { minor: 0, peer: null };
    const r = await env.rpc.call(nodeTarget(n), "blockdev_assemble",
      { disk: diskArg(cfg, inst, d), instance: inst.name, minor: local.minor, peer: local.peer, as_primary: true });
    if (!r.ok) {
      env.warn(`Could not prepare block device ${d.iv_name ?? ""} on node ${n.name} (is_primary=True, pass=2): ${r.failMsg}`);
      ok = false;
    }
  }
  return ok;
}

/** Ganeti's ShutdownInstanceDisks: deactivates on all nodes (or only `only`). */
export async function shutdownDisks(env: DiskOpsEnv, inst: Instance, opts: { ignorePrimary?: boolean; only?: string } = {}):
  Promise<boolean> {
  let ok = true;
  for (const d of instanceDisks(env.cfg, inst)) {
    for (const node of diskNodes(inst, d)) {
      if (opts.only !== undefined && node !== opts.only) continue;
      const n = nodeOf(env.cfg, node);
      const r = await env.rpc.call(nodeTarget(n), "blockdev_shutdown", { disk: diskArg(env.cfg, inst, d) });
      if (!r.ok) {
        env.warn(`Could not shutdown block device ${d.iv_name ?? ""} on node ${n.name}: ${r.failMsg}`);
        if (!(node === inst.primary_node && opts.ignorePrimary === true) && !n.offline) ok = false;
      }
    }
  }
  return ok;
}

/** Mirror status of the instance's drbd disks on one node. */
export async function mirrorStatus(env: DiskOpsEnv, inst: Instance, node: string): Promise<Array<MirrorStatusResult | null>> {
  const disks = instanceDisks(env.cfg, inst).filter(isDrbd);
  const r = await env.rpc.call(nodeTarget(nodeOf(env.cfg, node)), "blockdev_getmirrorstatus", { disks: disks.map((d) => diskArg(env.cfg, inst, d)) });
  return r.raise(`Can't get mirror status from node ${nodeOf(env.cfg, node).name}`);
}

/** "1m 55s", as Ganeti's utils.FormatSeconds. */
export function formatSeconds(secs: number): string {
  let s = Math.round(secs);
  const parts: string[] = [];
  for (const [unit, n] of [["d", 86400], ["h", 3600], ["m", 60]] as const) {
    if (s >= n) {
      parts.push(`${Math.floor(s / n)}${unit}`);
      s %= n;
    }
  }
  parts.push(`${s}s`);
  return parts.join(" ");
}

/** Ganeti's WaitForSync: polls the primary until every mirror is in sync; false if degraded. */
export async function waitForSync(env: DiskOpsEnv, inst: Instance, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))):
  Promise<boolean> {
  const disks = instanceDisks(env.cfg, inst).filter(isDrbd);
  if (disks.length === 0) return true;
  env.info(`Waiting for instance ${inst.name} to sync disks`);
  let degradedRetries = 10;
  let failures = 0;
  for (;;) {
    let st: Array<MirrorStatusResult | null>;
    try {
      st = await mirrorStatus(env, inst, inst.primary_node);
      failures = 0;
    } catch (e) {
      env.warn(`Can't get any data from node ${nodeOf(env.cfg, inst.primary_node).name}: ${(e as Error).message}`);
      if (++failures >= 10) throw new OpExecError(`Can't contact node ${nodeOf(env.cfg, inst.primary_node).name} for mirror data, aborting.`);
      await sleep(6000);
      continue;
    }
    let done = true;
    let degraded = false;
    let wait = 0;
    st.forEach((s, i) => {
      if (s === null) {
        env.warn(`Can't compute data for node ${nodeOf(env.cfg, inst.primary_node).name}/${disks[i]?.iv_name ?? ""}`);
        return;
      }
      degraded = degraded || (s.is_degraded && s.sync_percent === null);
      if (s.sync_percent !== null) {
        done = false;
        const rem = s.estimated_time !== null ? `${formatSeconds(s.estimated_time)} remaining (estimated)` : "no time estimate";
        wait = Math.max(wait, s.estimated_time ?? 5);
        env.info(`- device ${disks[i]?.iv_name ?? ""}: ${s.sync_percent.toFixed(2).padStart(5)}% done, ${rem}`);
      }
    });
    if (done && degraded && degradedRetries > 0) {
      degradedRetries--;
      await sleep(1000);
      continue;
    }
    if (done) {
      env.info(`Instance ${inst.name}'s disks are in sync`);
      return !degraded;
    }
    // Ganeti sleeps up to the estimate (60 s at most); polling every second or two shows progress.
    await sleep(Math.min(2000, Math.max(500, wait * 1000)));
  }
}

/** Ganeti's CheckDiskConsistency: the node's copies are usable (not degraded). */
export async function disksConsistent(env: DiskOpsEnv, inst: Instance, node: string, ldiskOnly = false): Promise<Array<boolean>> {
  const st = await mirrorStatus(env, inst, node);
  return st.map((s) => s !== null && (ldiskOnly ? s.ldisk_status === "ok" : !s.is_degraded));
}

/** What the node's OS runner needs to know about an instance (filled parameters, disks, NICs). */
export function osInstance(cfg: ConfigData, inst: Instance, pnode: Node) {
  const nicDefaults = (cfg.cluster.nicparams["default"] ?? {}) as Record<string, unknown>;
  return {
    name: inst.name, uuid: inst.uuid, os: inst.os, hypervisor: inst.hypervisor, primary_node: pnode.name,
    disks: instanceDisks(cfg, inst).map((d) => ({ ...diskArg(cfg, inst, d), mode: d.mode ?? "rw", name: d.name ?? null })),
    nics: inst.nics.map((n) => {
      const p = { ...nicDefaults, ...((n.nicparams ?? {}) as Record<string, unknown>) };
      const net = typeof n.network === "string" ? cfg.networks[n.network] : undefined;
      return { mac: String(n.mac), uuid: String(n.uuid ?? ""), ip: (n.ip as string | null | undefined) ?? null,
        mode: String(p["mode"] ?? "bridged"), link: String(p["link"] ?? ""), name: (n.name as string | null | undefined) ?? null,
        ...(net !== undefined ? { network_env: networkHooksDict(net, "") } : {}) };
    }),
    beparams: fillInstanceBe(cfg.cluster, inst), hvparams: { ...inst.hvparams }, osparams: fillInstanceOs(cfg.cluster, inst),
  };
}

/**
 * After a migration (or a failed one), Ganeti unmaps ext (and rbd) volumes from the node
 * the instance no longer runs on: the provider's detach there. Failures are warnings.
 */
export async function unmapExtDisks(env: DiskOpsEnv & { feedback(m: string): void }, inst: Instance, node: string): Promise<void> {
  const disks = instanceDisks(env.cfg, inst).filter((d) => d.dev_type === "ext");
  if (disks.length === 0) return;
  const n = nodeOf(env.cfg, node);
  env.feedback(`* unmapping instance's disks ${disks.map((d) => d.name ?? "None").join(", ")} from ${n.name}`);
  for (const d of disks) {
    const r = await env.rpc.call(nodeTarget(n), "blockdev_shutdown", { disk: diskArg(env.cfg, inst, d) });
    if (!r.ok) env.warn(`Couldn't unmap the block device ${d.iv_name ?? ""} on node ${n.name}: ${r.failMsg}; unmap it manually`);
  }
}
