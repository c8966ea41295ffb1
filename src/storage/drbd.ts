// The drbd template without the kernel module: each disk has a data file and a metadata
// file on both of its nodes (the children, as DRBD's data and meta volumes); the node
// daemons keep the copies mirrored. With the fake hypervisor no guest writes, so the
// mirror is kept at block level by the primary's daemon: a checksum resync of the whole
// device on connect (create, new secondary, a node's return) and after every write the
// daemon itself makes (OS installation, import), which returns only once the peer has it
// (protocol C's promise for those writes).
//
// Active devices live in the daemon's memory, as DRBD's live in the kernel: a node that
// reboots has none until the master assembles them again (activate-disks, verify-disks).
import { mkdir, open, rm, rmdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { GanetiPaths } from "../util/paths.js";
import { atomicWrite } from "../util/fs.js";
import { BlockDeviceError } from "../errors.js";
import type { DiskSpec } from "./types.js";
import { localPath, growFile } from "./file.js";
import { resync, resyncPull, readRange, localHashes, writeChunk, syncFigures, type SyncPeer, type SyncProgress } from "./drbd-sync.js";

export type DiskState = "UpToDate" | "Inconsistent" | "Outdated" | "DUnknown";
export type ConnState = "StandAlone" | "WFConnection" | "Connected" | "SyncSource" | "SyncTarget";
export type DrbdRole = "primary" | "secondary";

export interface DrbdPeerAddr {
  readonly name: string;
  readonly ip: string;
  readonly port?: number;
}

/** How the daemon reaches the peer's daemon (node RPC over the cluster's mutual TLS). */
export interface DrbdTransport {
  hello(peer: DrbdPeerAddr, uuid: string): Promise<{ role: DrbdRole; disk_state: DiskState }>;
  peer(peer: DrbdPeerAddr, uuid: string): SyncPeer & { done(): Promise<void> };
}

export interface MirrorStatus {
  dev_path: string;
  minor: number;
  sync_percent: number | null;
  estimated_time: number | null;
  is_degraded: boolean;
  /** Local disk: ok (up to date), sync (being resynced), unknown (inconsistent/outdated). */
  ldisk_status: "ok" | "sync" | "unknown";
  conn: ConnState;
  role: DrbdRole;
  peer_disk: DiskState;
}

/** An active device as drbd_list reports it. */
export type DrbdDeviceListing = MirrorStatus & {
  uuid: string;
  instance: string;
  local_disk: DiskState;
  peer_name: string | null;
  sync: { done_kib: number; total_kib: number; rate_kib: number } | null;
};

interface Device {
  disk: DiskSpec;
  instance: string;
  minor: number;
  role: DrbdRole;
  peer: DrbdPeerAddr | null;
  conn: ConnState;
  local: DiskState;
  peerDisk: DiskState;
  data: string;
  meta: string;
  progress: SyncProgress | null;
  lastHello: number;
  /** Set when the data changed locally and the peer must be compared again. */
  dirty: boolean;
  active: boolean;
  waiters: Array<() => void>;
  /** Cuts the primary loop's heartbeat sleep short. */
  wake: (() => void) | null;
}

/** Seconds without a word from the primary after which a secondary calls itself disconnected. */
const PEER_TIMEOUT_MS = 3000;
const HEARTBEAT_MS = 1000;
const DEFAULT_RATE_KIB = 61440; // Ganeti's default drbd resync-rate

function childPaths(disk: DiskSpec): [DiskSpec["children"] & object, number] {
  const ch = disk.children ?? [];
  if (disk.dev_type !== "drbd" || ch.length !== 2) throw new BlockDeviceError(`Invalid drbd disk ${disk.uuid}: it needs a data and a meta child`);
  return [ch, disk.size];
}

export class DrbdManager {
  private readonly devices = new Map<string, Device>();

  constructor(private readonly paths: GanetiPaths, private readonly hostname: string, private readonly transport: () => DrbdTransport) {}

  private async files(disk: DiskSpec): Promise<{ data: string; meta: string }> {
    const [ch] = childPaths(disk);
    return { data: await localPath(this.paths, ch[0]!), meta: await localPath(this.paths, ch[1]!) };
  }

  /** The metadata's disk state; a blank (all-zero) meta volume is a fresh, inconsistent one. */
  private async readMeta(meta: string): Promise<DiskState> {
    let text: string;
    try {
      text = (await readRange(meta, 0, 4096)).toString("utf8").replace(/\0+$/, "");
    } catch {
      throw new BlockDeviceError(`Can't read the drbd metadata ${meta}`);
    }
    if (text === "") return "Inconsistent";
    try {
      return (JSON.parse(text) as { disk_state?: DiskState }).disk_state ?? "Inconsistent";
    } catch {
      throw new BlockDeviceError(`Invalid drbd metadata in ${meta}`);
    }
  }

  private async writeMeta(dev: { meta: string; disk: DiskSpec }, state: DiskState): Promise<void> {
    await atomicWrite(dev.meta, JSON.stringify({ disk_state: state, size: dev.disk.size, uuid: dev.disk.uuid }));
  }

  /** Data and metadata volumes; the primary's copy is the authoritative one from the start. */
  async create(disk: DiskSpec, onPrimary: boolean): Promise<string> {
    const { data, meta } = await this.files(disk);
    await mkdir(dirname(data), { recursive: true });
    // A new secondary's volumes left from when this node last held the disk (it was offline
    // when the disk moved away, so nothing removed them, and its device may still be up
    // here) are stale by the master's word: the device goes down, the volumes are reused,
    // marked inconsistent below, and the resync from the primary brings them up to date.
    // On a primary an existing volume is a clash.
    const stale = !onPrimary;
    if (stale) this.shutdown(disk.uuid);
    const fh = await open(data, stale ? "a" : "wx").catch((e: NodeJS.ErrnoException) => {
      throw new BlockDeviceError(e.code === "EEXIST" ? `drbd data volume ${data} already exists` : e.message);
    });
    try {
      await fh.truncate(disk.size * 1048576);
    } finally {
      await fh.close();
    }
    await this.writeMeta({ meta, disk }, onPrimary ? "UpToDate" : "Inconsistent");
    return String(disk.children?.[0]?.logical_id[1] ?? data);
  }

  async remove(disk: DiskSpec): Promise<void> {
    this.shutdown(disk.uuid ?? "");
    const { data, meta } = await this.files(disk);
    await rm(data, { force: true });
    await rm(meta, { force: true });
    await rmdir(dirname(data)).catch(() => undefined);
  }

  /** Brings the device up (or reconfigures it): role and network peer. */
  async assemble(disk: DiskSpec, instance: string, minor: number, asPrimary: boolean, peer: DrbdPeerAddr | null): Promise<string> {
    const existing = this.devices.get(disk.uuid);
    const { data, meta } = await this.files(disk);
    const local = existing?.local ?? (await this.readMeta(meta));
    const dev: Device = existing ?? {
      disk, instance, minor, role: "secondary", peer: null, conn: "StandAlone", local, peerDisk: "DUnknown", data, meta,
      progress: null, lastHello: 0, dirty: true, active: true, waiters: [], wake: null,
    };
    dev.disk = disk;
    dev.minor = minor;
    if (peer !== null && (dev.peer === null || dev.peer.name !== peer.name)) {
      dev.peer = peer;
      dev.conn = "WFConnection";
      dev.dirty = true;
    } else if (peer === null) {
      dev.peer = null;
      dev.conn = "StandAlone";
    }
    this.devices.set(disk.uuid, dev);
    this.setRole(dev, asPrimary ? "primary" : dev.role);
    return this.devPath(dev);
  }

  private devPath(dev: Device): string {
    return `/dev/drbd${dev.minor}`;
  }

  private setRole(dev: Device, role: DrbdRole): void {
    const was = dev.role;
    dev.role = role;
    if (role === "primary" && (was !== "primary" || !this.loops.has(dev))) void this.primaryLoop(dev);
  }

  /** Switches an active device's role (migration: dual-primary, then back to one). */
  setDeviceRole(uuid: string, role: DrbdRole): void {
    const dev = this.active(uuid);
    this.setRole(dev, role);
  }

  /** Takes the device off the network (standalone) or back onto it. */
  setNetwork(uuid: string, peer: DrbdPeerAddr | null): void {
    const dev = this.active(uuid);
    if (peer === null) {
      dev.peer = null;
      dev.conn = "StandAlone";
      dev.peerDisk = "DUnknown";
    } else {
      dev.peer = peer;
      dev.conn = "WFConnection";
      dev.dirty = true;
      if (dev.role === "primary" && !this.loops.has(dev)) void this.primaryLoop(dev);
      dev.wake?.();
    }
  }

  shutdown(uuid: string): void {
    const dev = this.devices.get(uuid);
    if (dev === undefined) return;
    dev.active = false;
    this.devices.delete(uuid);
    for (const w of dev.waiters.splice(0)) w();
  }

  private active(uuid: string): Device {
    const dev = this.devices.get(uuid);
    if (dev === undefined) throw new BlockDeviceError(`drbd device of disk ${uuid} is not active on this node`);
    return dev;
  }

  isActive(uuid: string): boolean {
    return this.devices.has(uuid);
  }

  /** Grows the data volume; an active device takes the new size and resyncs the new part. */
  async grow(disk: DiskSpec, amount: number, dryRun: boolean): Promise<void> {
    const { data } = await this.files(disk);
    await growFile(data, disk.size + amount, dryRun);
    if (dryRun) return;
    const dev = this.devices.get(disk.uuid);
    if (dev !== undefined) {
      dev.disk = { ...dev.disk, size: disk.size + amount };
      dev.dirty = true;
      // The new part must reach the peer before the mirror counts as whole again.
      if (dev.role === "primary" && dev.peer !== null && dev.conn === "Connected") dev.conn = "WFConnection";
      dev.wake?.();
    }
  }

  /** The local data volume's path, for the daemon's own writers (OS scripts, import). */
  async dataPath(disk: DiskSpec): Promise<string> {
    return (await this.files(disk)).data;
  }

  status(uuid: string): MirrorStatus | null {
    const dev = this.devices.get(uuid);
    if (dev === undefined) return null;
    if (dev.role === "secondary" && dev.peer !== null && dev.conn !== "StandAlone" && Date.now() - dev.lastHello > PEER_TIMEOUT_MS) {
      dev.conn = "WFConnection";
      dev.peerDisk = "DUnknown";
    }
    const syncing = dev.conn === "SyncSource" || dev.conn === "SyncTarget";
    const fig = syncing && dev.progress !== null ? syncFigures(dev.progress) : null;
    return {
      dev_path: this.devPath(dev), minor: dev.minor,
      sync_percent: fig?.percent ?? null, estimated_time: fig?.eta ?? null,
      is_degraded: dev.conn !== "Connected" || dev.local !== "UpToDate",
      ldisk_status: dev.local === "UpToDate" ? "ok" : dev.conn === "SyncTarget" ? "sync" : "unknown",
      conn: dev.conn, role: dev.role, peer_disk: dev.peerDisk,
    };
  }

  /** Every active device, with what /proc/drbd would tell of it (for the monitoring daemon). */
  list(): DrbdDeviceListing[] {
    return [...this.devices.values()].map((d) => {
      const st = this.status(d.disk.uuid) as MirrorStatus;
      const syncing = d.progress !== null && (d.conn === "SyncSource" || d.conn === "SyncTarget");
      return {
        uuid: d.disk.uuid, instance: d.instance, ...st, local_disk: d.local, peer_name: d.peer?.name ?? null,
        sync: syncing && d.progress !== null
          ? { done_kib: Math.floor(d.progress.done / 1024), total_kib: Math.floor(d.progress.total / 1024), rate_kib: syncFigures(d.progress).rateKiB }
          : null,
      };
    });
  }

  /** After a local write: resync to the peer and return once it has the data (or is not connected). */
  async flush(uuid: string): Promise<void> {
    const dev = this.active(uuid);
    if (dev.role !== "primary" || dev.peer === null || dev.conn === "WFConnection" || dev.conn === "StandAlone") {
      dev.dirty = true;
      return;
    }
    await new Promise<void>((resolve) => {
      dev.waiters.push(resolve);
      dev.dirty = true;
      dev.wake?.();
    });
  }

  // ---- the primary's replication loop ----

  private readonly loops = new Set<Device>();

  private async primaryLoop(dev: Device): Promise<void> {
    if (this.loops.has(dev)) return;
    this.loops.add(dev);
    try {
      while (dev.active && dev.role === "primary" && this.devices.get(dev.disk.uuid) === dev) {
        const peer = dev.peer;
        if (peer === null) {
          await sleep(HEARTBEAT_MS);
          continue;
        }
        let hello: { role: DrbdRole; disk_state: DiskState };
        try {
          hello = await this.transport().hello(peer, dev.disk.uuid);
        } catch {
          dev.conn = "WFConnection";
          dev.peerDisk = "DUnknown";
          dev.dirty = true; // the peer missed whatever happens now: compare on reconnect
          for (const w of dev.waiters.splice(0)) w();
          await sleep(HEARTBEAT_MS);
          continue;
        }
        dev.peerDisk = hello.disk_state;
        let synced = false;
        if (hello.role === "primary") {
          dev.conn = "Connected"; // dual-primary during a migration: nobody writes, nothing to send
        } else if (dev.local !== "UpToDate" && hello.disk_state === "UpToDate") {
          await this.pullPass(dev, peer); // our storage was replaced: the secondary has the data
          synced = true;
        } else if (dev.dirty || dev.conn !== "Connected" || hello.disk_state !== "UpToDate") {
          await this.resyncPass(dev, peer);
          synced = true;
        }
        if (dev.conn === "Connected" && !dev.dirty) for (const w of dev.waiters.splice(0)) w();
        // Right after a pass, go again at once if more was written meanwhile; else heartbeat.
        if (!(synced && dev.dirty)) await this.wait(dev, HEARTBEAT_MS);
      }
    } finally {
      this.loops.delete(dev);
      for (const w of dev.waiters.splice(0)) w();
    }
  }

  /** Sleeps until the heartbeat or until a local write asks for a pass. */
  private wait(dev: Device, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        dev.wake = null;
        resolve();
      }, ms);
      dev.wake = () => {
        clearTimeout(t);
        dev.wake = null;
        resolve();
      };
    });
  }

  private async resyncPass(dev: Device, peer: DrbdPeerAddr): Promise<void> {
    const size = dev.disk.size * 1048576;
    const rate = Number(dev.disk.params?.["resync-rate"] ?? DEFAULT_RATE_KIB) || DEFAULT_RATE_KIB;
    dev.dirty = false;
    dev.conn = "SyncSource";
    dev.progress = { done: 0, total: size, sent: 0, started: Date.now() };
    const link = this.transport().peer(peer, dev.disk.uuid);
    try {
      const ok = await resync(dev.data, size, link, rate, dev.progress, () => !dev.active || dev.role !== "primary" || dev.peer !== peer);
      if (ok) {
        await link.done();
        dev.conn = "Connected";
        dev.peerDisk = "UpToDate";
        dev.progress = null;
      }
    } catch {
      dev.conn = "WFConnection";
      dev.peerDisk = "DUnknown";
      dev.dirty = true;
      dev.progress = null;
      await sleep(HEARTBEAT_MS);
    }
  }

  private async pullPass(dev: Device, peer: DrbdPeerAddr): Promise<void> {
    const size = dev.disk.size * 1048576;
    const rate = Number(dev.disk.params?.["resync-rate"] ?? DEFAULT_RATE_KIB) || DEFAULT_RATE_KIB;
    dev.conn = "SyncTarget";
    dev.progress = { done: 0, total: size, sent: 0, started: Date.now() };
    const link = this.transport().peer(peer, dev.disk.uuid);
    try {
      const ok = await resyncPull(dev.data, size, link, rate, dev.progress, () => !dev.active || dev.role !== "primary" || dev.peer !== peer);
      if (ok) {
        dev.local = "UpToDate";
        await this.writeMeta(dev, "UpToDate");
        await link.done();
        dev.conn = "Connected";
        dev.dirty = false;
        dev.progress = null;
      }
    } catch {
      dev.conn = "WFConnection";
      dev.progress = null;
      await sleep(HEARTBEAT_MS);
    }
  }

  // ---- the secondary's side of the link ----

  private asSecondary(uuid: string, from: string): Device {
    const dev = this.active(uuid);
    if (dev.peer === null || dev.peer.name !== from) {
      throw new BlockDeviceError(`drbd device of disk ${uuid} on ${this.hostname} is not configured for peer ${from}`);
    }
    dev.lastHello = Date.now();
    return dev;
  }

  peerHello(uuid: string, from: string): { role: DrbdRole; disk_state: DiskState } {
    const dev = this.asSecondary(uuid, from);
    if (dev.conn === "WFConnection" || dev.conn === "StandAlone") dev.conn = dev.role === "primary" ? "Connected" : "SyncTarget";
    if (dev.role === "secondary" && dev.conn === "Connected" && dev.local !== "UpToDate") dev.conn = "SyncTarget";
    return { role: dev.role, disk_state: dev.local };
  }

  async peerHashes(uuid: string, from: string, offset: number, count: number): Promise<string[]> {
    const dev = this.asSecondary(uuid, from);
    return localHashes(dev.data, dev.disk.size * 1048576, offset, count);
  }

  async peerWrite(uuid: string, from: string, offset: number, data: Buffer, progress: SyncProgress): Promise<void> {
    const dev = this.asSecondary(uuid, from);
    if (dev.role !== "secondary") throw new BlockDeviceError(`drbd device of disk ${uuid} is primary on ${this.hostname}; refusing a resync onto it`);
    if (dev.local === "UpToDate") {
      dev.local = "Inconsistent";
      await this.writeMeta(dev, "Inconsistent");
    }
    dev.conn = "SyncTarget";
    dev.progress = { ...progress, started: Date.now() - (Date.now() - progress.started) };
    await writeChunk(dev.data, offset, data);
  }

  /** The primary pulls from us (its own storage was replaced). */
  async peerRead(uuid: string, from: string, offset: number, length: number, progress: SyncProgress): Promise<Buffer> {
    const dev = this.asSecondary(uuid, from);
    if (dev.local !== "UpToDate") throw new BlockDeviceError(`drbd device of disk ${uuid} on ${this.hostname} is not up to date`);
    dev.conn = "SyncSource";
    dev.progress = { ...progress };
    return readRange(dev.data, offset, length);
  }

  async peerDone(uuid: string, from: string): Promise<void> {
    const dev = this.asSecondary(uuid, from);
    if (dev.local !== "UpToDate") {
      dev.local = "UpToDate";
      await this.writeMeta(dev, "UpToDate");
    }
    dev.conn = "Connected";
    dev.peerDisk = "UpToDate";
    dev.progress = null;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
