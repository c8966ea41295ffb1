// A network's IPv4 address pool (Ganeti's network.AddressPool), as plain data: the
// network's `reservations` (addresses instances use) and `ext_reservations` (network,
// broadcast, gateway, nodes, administrator's reservations) are strings of one "0"/"1" per
// address of the subnet, as config.data stores them. Every function returns a new network
// object; nothing here touches I/O.
import type { Network } from "./types.js";

/** Ganeti's limits: at most a /16 (for speed), at least a /30. */
export const IPV4_NETWORK_MAX_PREFIX = 16;
export const IPV4_NETWORK_MIN_PREFIX = 30;

/** Why an address can't be reserved or released (Ganeti's AddressPoolError). */
export class AddressPoolError extends Error {
  override readonly name = "AddressPoolError";
}

const OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
const IPV4_RE = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

/** The address as a 32-bit number, or null when it is not a dotted IPv4 address. */
export function parseIPv4(text: string): number | null {
  if (!IPV4_RE.test(text)) return null;
  return text.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

export function formatIPv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/** Whether `text` is an IPv6 address (RFC 4291 text forms, an embedded IPv4 tail included). */
export function isIPv6(text: string): boolean {
  let s = text;
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4 !== null) {
    if (parseIPv4(v4[2] ?? "") === null) return false;
    s = `${v4[1] ?? ""}0:0`; // the IPv4 tail stands for two groups
  }
  const halves = s.split("::");
  if (halves.length > 2) return false;
  const parts = halves.map((h) => (h === "" ? [] : h.split(":")));
  if (!parts.every((p) => p.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g)))) return false;
  const n = parts.reduce((acc, p) => acc + p.length, 0);
  return halves.length === 2 ? n <= 7 : n === 8;
}

/** An IPv6 subnet in CIDR notation. */
export function isIPv6Network(text: string): boolean {
  const m = /^(.*)\/(\d{1,3})$/.exec(text);
  return m !== null && isIPv6(m[1] ?? "") && Number(m[2]) <= 128;
}

export interface Subnet {
  /** The network address as a number. */
  readonly base: number;
  readonly prefix: number;
  readonly size: number;
}

/** Parses "a.b.c.d/p" with the host bits clear (Python's ip_network, strict). */
export function parseSubnet(cidr: string): Subnet {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(cidr);
  const addr = m === null ? null : parseIPv4(m[1] ?? "");
  const prefix = Number(m?.[2]);
  if (m === null || addr === null || prefix > 32) throw new AddressPoolError(`'${cidr}' does not appear to be an IPv4 network`);
  const size = 2 ** (32 - prefix);
  if (addr % size !== 0) throw new AddressPoolError(`${cidr} has host bits set`);
  return { base: addr, prefix, size };
}

/** Checks the subnet's size against Ganeti's limits. */
export function checkSubnetSize(s: Subnet): void {
  if (s.prefix < IPV4_NETWORK_MAX_PREFIX) {
    throw new AddressPoolError(`A big network with ${s.size} host(s) is currently not supported. please specify at most a /${IPV4_NETWORK_MAX_PREFIX} network`);
  }
  if (s.prefix > IPV4_NETWORK_MIN_PREFIX) {
    throw new AddressPoolError(`A network with only ${s.size} host(s) is too small, please specify at least a /${IPV4_NETWORK_MIN_PREFIX} network`);
  }
}

type PoolNetwork = Pick<Network, "network" | "reservations" | "ext_reservations">;

function subnetOf(net: PoolNetwork): Subnet {
  return parseSubnet(net.network);
}

/** Whether the address lies in the network's subnet (null and non-IPv4 addresses do not). */
export function poolContains(net: PoolNetwork, address: string | null | undefined): boolean {
  if (address === null || address === undefined) return false;
  const a = parseIPv4(address);
  const s = subnetOf(net);
  return a !== null && a >= s.base && a < s.base + s.size;
}

function indexOf(net: PoolNetwork, address: string): number {
  const a = parseIPv4(address);
  const s = subnetOf(net);
  if (a === null || a < s.base || a >= s.base + s.size) throw new AddressPoolError(`${net.network} does not contain ${address}`);
  return a - s.base;
}

function bits(net: PoolNetwork, external: boolean): string {
  const s = subnetOf(net);
  const b = external ? net.ext_reservations : net.reservations;
  return b === "" ? "0".repeat(s.size) : b;
}

/** Reserved by an instance or externally: "1" per address. */
function allReservations(net: PoolNetwork): string {
  const r = bits(net, false);
  const e = bits(net, true);
  let out = "";
  for (let i = 0; i < r.length; i++) out += r[i] === "1" || e[i] === "1" ? "1" : "0";
  return out;
}

export function isReserved(net: PoolNetwork, address: string, external = false): boolean {
  return bits(net, external)[indexOf(net, address)] === "1";
}

function mark<N extends PoolNetwork>(net: N, address: string, value: boolean, external: boolean): N {
  const i = indexOf(net, address);
  const b = bits(net, external);
  const next = `${b.slice(0, i)}${value ? "1" : "0"}${b.slice(i + 1)}`;
  return external ? { ...net, ext_reservations: next, reservations: bits(net, false) } : { ...net, reservations: next, ext_reservations: bits(net, true) };
}

/** Ganeti's Reserve: an address used by an instance (or, `external`, reserved otherwise). */
export function reserve<N extends PoolNetwork>(net: N, address: string, external = false): N {
  if (isReserved(net, address, external)) {
    throw new AddressPoolError(external ? `IP ${address} is already externally reserved` : `IP ${address} is already used by an instance`);
  }
  return mark(net, address, true, external);
}

/** Ganeti's Release. */
export function release<N extends PoolNetwork>(net: N, address: string, external = false): N {
  if (!isReserved(net, address, external)) {
    throw new AddressPoolError(external ? `IP ${address} is not externally reserved` : `IP ${address} is not used by an instance`);
  }
  return mark(net, address, false, external);
}

export function freeCount(net: PoolNetwork): number {
  return [...allReservations(net)].filter((c) => c === "0").length;
}

export function reservedCount(net: PoolNetwork): number {
  return [...allReservations(net)].filter((c) => c === "1").length;
}

/** Ganeti's GetMap: "X" used, "." free, one character per address. */
export function usageMap(net: PoolNetwork): string {
  return allReservations(net).replaceAll("1", "X").replaceAll("0", ".");
}

/** The first free address, or null when the pool is full. */
export function firstFree(net: PoolNetwork): string | null {
  const i = allReservations(net).indexOf("0");
  return i < 0 ? null : formatIPv4(subnetOf(net).base + i);
}

/** Externally reserved addresses, in order. */
export function externalReservations(net: PoolNetwork): string[] {
  const s = subnetOf(net);
  const out: string[] = [];
  const e = bits(net, true);
  for (let i = 0; i < e.length; i++) if (e[i] === "1") out.push(formatIPv4(s.base + i));
  return out;
}

/** Ganeti's InitializeNetwork: empty pools with the network, broadcast and gateway addresses reserved externally. */
export function initializePool<N extends PoolNetwork & Pick<Network, "gateway">>(net: N): N {
  const s = subnetOf(net);
  checkSubnetSize(s);
  let n = { ...net, reservations: "0".repeat(s.size), ext_reservations: "0".repeat(s.size) };
  n = reserve(n, formatIPv4(s.base), true);
  n = reserve(n, formatIPv4(s.base + s.size - 1), true);
  if (net.gateway !== null && net.gateway !== undefined) {
    if (!poolContains(n, net.gateway)) throw new AddressPoolError(`${net.network} does not contain ${net.gateway}`);
    n = reserve(n, net.gateway, true);
  }
  return n;
}
