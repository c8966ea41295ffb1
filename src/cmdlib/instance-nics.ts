// Instance NICs in Ganeti networks (LUInstanceCreate / LUInstanceSetParams's NIC part):
// a NIC in a network takes its mode and link from the network's connection to the primary
// node's group, its MAC prefix from the network, and an address the network's pool
// reserves for it ("ip=pool": the first free one). Addresses are committed to the pool in
// the same configuration update that records the NICs, and released with them.
import { randomBytes } from "node:crypto";
import type { ConfigData, Network, Nic, Node } from "../objects/types.js";
import { AddressPoolError, firstFree, isReserved, poolContains, release, reserve } from "../objects/address-pool.js";
import { OpPrereqError, OpExecError, ErrorCode } from "../errors.js";
import { expandNetwork } from "./network.js";

/** A NIC as the opcode gives it (Ganeti's INIC_* keys). */
export type NicSpec = Readonly<Record<string, unknown>>;

/** What a new NIC will be: its network (uuid), parameters and address ("pool" resolved). */
export interface PlannedNic {
  readonly network: string | null;
  readonly ip: string | null;
  /** The address came from "ip=pool": another free one will do if a parallel job took it. */
  readonly fromPool: boolean;
  readonly nicparams: Readonly<Record<string, unknown>>;
  readonly macPrefix: string;
}

/** A random MAC address with the given three-octet prefix. */
export function newMac(prefix: string): string {
  return `${prefix}:${[...randomBytes(3)].map((b) => b.toString(16).padStart(2, "0")).join(":")}`;
}

function networkOf(spec: NicSpec): string | null {
  const n = spec["network"];
  return typeof n === "string" && n !== "" && n.toLowerCase() !== "none" ? n : null;
}

function ipOf(spec: NicSpec): string | null {
  const ip = spec["ip"];
  return typeof ip === "string" && ip !== "" && ip.toLowerCase() !== "none" ? ip : null;
}

/** Ganeti's GetGroupNetParams: the connection's parameters in the node's group, or null. */
export function groupNetParams(cfg: ConfigData, networkUuid: string, node: Node): Readonly<Record<string, unknown>> | null {
  return (cfg.nodegroups[node.group]?.networks[networkUuid] as Readonly<Record<string, unknown>> | undefined) ?? null;
}

/** Ganeti's CheckForConflictingIp: an address outside any network must not lie in one the node's group uses. */
export function checkConflictingIp(cfg: ConfigData, ip: string, node: Node): void {
  for (const uuid of Object.keys(cfg.nodegroups[node.group]?.networks ?? {})) {
    const net = cfg.networks[uuid];
    if (net !== undefined && poolContains(net, ip)) {
      throw new OpPrereqError(`The requested IP address (${ip}) belongs to network ${net.name}, but the target NIC does not.`, ErrorCode.state);
    }
  }
}

/**
 * Plans new NICs on `pnode` (Ganeti's CheckPrereq part): networks resolved, parameters
 * inherited from the group's connection, addresses taken from the pools (as seen in `cfg`,
 * with the earlier NICs' choices) or checked free.
 */
export function planNics(cfg: ConfigData, pnode: Node, specs: readonly NicSpec[], opts: { conflictsCheck: boolean; info(m: string): void },
  baseIndex = 0): PlannedNic[] {
  const pools = new Map<string, Network>();
  return specs.map((spec, k) => {
    const idx = baseIndex + k;
    const netName = networkOf(spec);
    const ip = ipOf(spec);
    const own = Object.fromEntries(["mode", "link", "vlan"].filter((p) => spec[p] !== undefined).map((p) => [p, spec[p]]));
    if (netName === null) {
      if (ip !== null && ip.toLowerCase() !== "pool" && opts.conflictsCheck) checkConflictingIp(cfg, ip, pnode);
      return { network: null, ip, nicparams: own, macPrefix: cfg.cluster.mac_prefix, fromPool: false };
    }
    const net = pools.get(netName) ?? expandNetwork(cfg, netName);
    const netparams = groupNetParams(cfg, net.uuid, pnode);
    if (netparams === null) {
      throw new OpPrereqError(`No netparams found for network ${net.name}. Probably not connected to node's ${pnode.name} nodegroup`,
        ErrorCode.inval);
    }
    opts.info(`NIC/${idx} inherits netparams ${pyList(Object.values(netparams))}`);
    let chosen = ip;
    let pool = net;
    if (ip !== null && ip.toLowerCase() === "pool") {
      chosen = firstFree(net);
      if (chosen === null) throw new OpPrereqError(`Unable to get a free IP for NIC ${idx} from the address pool`, ErrorCode.state);
      opts.info(`Chose IP ${chosen} from network ${net.name}`);
      pool = reserve(net, chosen);
    } else if (ip !== null) {
      try {
        // Ganeti's ReserveIp: with conflicts_check an externally reserved address is refused too.
        if (opts.conflictsCheck && isReserved(net, ip, true)) throw new AddressPoolError(`IP ${ip} is already externally reserved`);
        pool = reserve(net, ip);
      } catch (e) {
        if (!(e instanceof AddressPoolError)) throw e;
        throw new OpPrereqError(`IP address ${ip} already in use or does not belong to network ${net.name}`, ErrorCode.notUnique);
      }
    }
    pools.set(netName, pool);
    return { network: net.uuid, ip: chosen, nicparams: { ...netparams }, macPrefix: net.mac_prefix ?? cfg.cluster.mac_prefix,
      fromPool: ip !== null && ip.toLowerCase() === "pool" };
  });
}

/** Python's repr of a list of strings: ['bridged', 'br100', '']. */
function pyList(values: readonly unknown[]): string {
  return `[${values.map((v) => (typeof v === "string" ? `'${v}'` : String(v))).join(", ")}]`;
}

/**
 * Commits (reserve) or gives back (release) the addresses of NICs in networks, as one step
 * of a configuration update; a reservation another job took meanwhile fails the update.
 */
export function commitNicIps(cfg: ConfigData, nics: ReadonlyArray<Pick<Nic, "network" | "ip">>, action: "reserve" | "release"): ConfigData {
  let networks = cfg.networks;
  for (const nic of nics) {
    const net = nic.network !== null && nic.network !== undefined ? networks[nic.network] : undefined;
    const ip = nic.ip ?? null;
    if (net === undefined || ip === null || !poolContains(net, ip)) continue;
    try {
      const next = action === "reserve" ? reserve(net, ip) : release(net, ip);
      networks = { ...networks, [net.uuid]: { ...next, serial_no: net.serial_no + 1 } };
    } catch (e) {
      if (!(e instanceof AddressPoolError)) throw e;
      // Releasing an address nobody holds is harmless; taking a taken one is not.
      if (action === "reserve") throw new OpExecError(`IP address ${ip} of network ${net.name} was taken meanwhile: ${e.message}`);
    }
  }
  return networks === cfg.networks ? cfg : { ...cfg, networks };
}

/**
 * The new NICs' addresses committed to their pools in the configuration update that adds
 * them: a pool address that a parallel job took since checkPrereq is replaced by the next
 * free one (Ganeti holds temporary reservations instead); an explicit one fails the update.
 */
export function reserveNewNics(cfg: ConfigData, nics: readonly Nic[], fromPool: readonly boolean[]): { cfg: ConfigData; nics: Nic[] } {
  let out = cfg;
  const placed = nics.map((nic, i) => {
    const net = nic.network !== null && nic.network !== undefined ? out.networks[nic.network] : undefined;
    if (net === undefined || nic.ip === null || nic.ip === undefined) return nic;
    let ip = nic.ip;
    if (fromPool[i] === true && isReserved(net, ip)) {
      const next = firstFree(net);
      if (next === null) throw new OpExecError(`Unable to get a free IP for NIC ${i} from the address pool`);
      ip = next;
    }
    out = commitNicIps(out, [{ network: nic.network, ip }], "reserve");
    return ip === nic.ip ? nic : { ...nic, ip };
  });
  return { cfg: out, nics: placed };
}
