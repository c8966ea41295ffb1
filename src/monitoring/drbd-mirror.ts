// The drbd collector's view of ganeti-ts's own drbd devices. Our drbd template mirrors
// disks in the node daemons, not in the kernel, so there is no /proc/drbd to read: the
// monitoring daemon asks the local node daemon for its active devices (drbd_list) and
// describes them as /proc/drbd would, with the instance each belongs to. DRBD's I/O
// counters are not kept by the mirror, so the devices carry no perfIndicators.
import type { DeviceInfo, DrbdStatus, SyncStatus } from "./drbd.js";

/** One active device as the node daemon's drbd_list reports it. */
export interface MirrorDevice {
  readonly minor: number;
  readonly instance: string;
  readonly conn: string;
  readonly role: string;
  readonly local_disk: string;
  readonly peer_disk: string;
  readonly estimated_time: number | null;
  readonly sync: { readonly done_kib: number; readonly total_kib: number; readonly rate_kib: number } | null;
}

const CONNECTED = new Set(["Connected", "SyncSource", "SyncTarget"]);
export const MIRROR_VERSION = "ganeti-ts userspace mirror";

function roleName(r: string): string {
  return r === "primary" ? "Primary" : r === "secondary" ? "Secondary" : "Unknown";
}

function syncStatus(d: MirrorDevice): SyncStatus | null {
  if (d.sync === null) return null;
  const { done_kib: done, total_kib: total, rate_kib: rate } = d.sync;
  const eta = Math.max(0, Math.round(d.estimated_time ?? 0));
  return {
    percentage: total === 0 ? 100 : Math.floor((1000 * done) / total) / 10, partial: done, total, unit: "KiloByte",
    finish: [Math.floor(eta / 3600), Math.floor(eta / 60) % 60, eta % 60], speed: rate, want: null, speedUnit: "KiloByte",
  };
}

export function mirrorDrbdStatus(devices: readonly MirrorDevice[]): DrbdStatus {
  const infos = [...devices].sort((a, b) => a.minor - b.minor).map((d): DeviceInfo => {
    const connected = CONNECTED.has(d.conn);
    return {
      configured: true, minor: d.minor, connectionState: d.conn as Extract<DeviceInfo, { configured: true }>["connectionState"],
      localRole: roleName(d.role),
      // A connected peer holds the other role (the mirror has one primary).
      remoteRole: connected ? roleName(d.role === "primary" ? "secondary" : "primary") : "Unknown",
      localState: d.local_disk, remoteState: d.peer_disk, protocol: "C", ioFlags: "r-----",
      perf: null, sync: syncStatus(d), resync: null, actLog: null, instance: d.instance,
    };
  });
  return { version: { version: MIRROR_VERSION, api: null, proto: null, srcversion: null, gitHash: null, buildBy: null }, devices: infos };
}
