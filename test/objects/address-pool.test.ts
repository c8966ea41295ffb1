// The pure IPv4 address pool of Ganeti networks: parsing, limits, reservations (by
// instances and external), the counts and map gnt-network shows, first free address.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AddressPoolError, checkSubnetSize, externalReservations, firstFree, formatIPv4, freeCount, initializePool, isIPv6, isIPv6Network,
  isReserved, parseIPv4, parseSubnet, poolContains, release, reservedCount, reserve, usageMap,
} from "../../src/objects/address-pool.js";

const net = (network: string, gateway: string | null = null) => initializePool({ network, gateway, reservations: "", ext_reservations: "" });

test("IPv4 parsing and formatting round-trip; malformed addresses refused", () => {
  for (const a of ["0.0.0.0", "192.0.2.1", "255.255.255.255", "198.51.100.77"]) assert.equal(formatIPv4(parseIPv4(a) as number), a);
  assert.equal(parseIPv4("192.0.2.1"), 3221225985);
  for (const bad of ["256.0.0.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "a.b.c.d", "", " 1.2.3.4"]) assert.equal(parseIPv4(bad), null, bad);
});

test("IPv6 addresses and subnets (network6, gateway6)", () => {
  for (const ok of ["::", "::1", "2001:db8::1", "fe80::1", "2001:db8:0:0:0:0:0:1", "::ffff:192.0.2.1", "1:2:3:4:5:6:7::"]) assert.ok(isIPv6(ok), ok);
  for (const bad of ["", ":1", "1:::2", "2001:db8::1::2", "12345::", "1:2:3:4:5:6:7:8:9", "::ffff:300.1.1.1", "g::1"]) assert.ok(!isIPv6(bad), bad);
  assert.ok(isIPv6Network("2001:db8::/64"));
  assert.ok(!isIPv6Network("2001:db8::/129"));
  assert.ok(!isIPv6Network("2001:db8::"));
});

test("subnets: host bits, Ganeti's size limits (/16 to /30)", () => {
  assert.deepEqual(parseSubnet("192.0.2.0/24"), { base: 3221225984, prefix: 24, size: 256 });
  assert.throws(() => parseSubnet("192.0.2.1/24"), { message: "192.0.2.1/24 has host bits set" });
  assert.throws(() => parseSubnet("192.0.2.0"), AddressPoolError);
  assert.throws(() => checkSubnetSize(parseSubnet("198.0.0.0/8")),
    { message: "A big network with 16777216 host(s) is currently not supported. please specify at most a /16 network" });
  assert.throws(() => checkSubnetSize(parseSubnet("192.0.2.0/31")),
    { message: "A network with only 2 host(s) is too small, please specify at least a /30 network" });
  checkSubnetSize(parseSubnet("198.18.0.0/16"));
  checkSubnetSize(parseSubnet("192.0.2.0/30"));
});

test("a new pool reserves the network, broadcast and gateway addresses externally", () => {
  const n = net("192.0.2.0/28", "192.0.2.1");
  assert.equal(n.reservations, "0".repeat(16));
  assert.equal(n.ext_reservations, "1100000000000001");
  assert.equal(usageMap(n), "XX.............X");
  assert.equal(freeCount(n), 13);
  assert.equal(reservedCount(n), 3);
  assert.deepEqual(externalReservations(n), ["192.0.2.0", "192.0.2.1", "192.0.2.15"]);
  assert.equal(firstFree(n), "192.0.2.2");
  assert.throws(() => net("192.0.2.0/28", "198.51.100.1"), { message: "192.0.2.0/28 does not contain 198.51.100.1" });
});

test("reserve and release, by instances and externally, with Ganeti's messages", () => {
  let n = net("192.0.2.0/29", null);
  n = reserve(n, "192.0.2.3");
  assert.ok(isReserved(n, "192.0.2.3"));
  assert.ok(!isReserved(n, "192.0.2.3", true));
  assert.throws(() => reserve(n, "192.0.2.3"), { message: "IP 192.0.2.3 is already used by an instance" });
  n = reserve(n, "192.0.2.4", true);
  assert.throws(() => reserve(n, "192.0.2.4", true), { message: "IP 192.0.2.4 is already externally reserved" });
  assert.throws(() => release(n, "192.0.2.5"), { message: "IP 192.0.2.5 is not used by an instance" });
  assert.throws(() => release(n, "192.0.2.5", true), { message: "IP 192.0.2.5 is not externally reserved" });
  assert.throws(() => reserve(n, "198.51.100.7"), { message: "192.0.2.0/29 does not contain 198.51.100.7" });
  assert.equal(usageMap(n), "X..XX..X");
  assert.equal(firstFree(n), "192.0.2.1");
  n = release(n, "192.0.2.3");
  assert.equal(usageMap(n), "X...X..X");
  // Filling the pool: the first free address each time, then none.
  const taken: string[] = [];
  for (let ip = firstFree(n); ip !== null; ip = firstFree(n)) {
    taken.push(ip);
    n = reserve(n, ip);
  }
  assert.deepEqual(taken, ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.5", "192.0.2.6"]);
  assert.equal(freeCount(n), 0);
  assert.equal(reservedCount(n), 8);
});

test("containment ignores non-addresses; a /16 pool stays usable", () => {
  const n = net("198.18.0.0/16", "198.18.0.1");
  assert.ok(poolContains(n, "198.18.255.254"));
  assert.ok(!poolContains(n, "198.19.0.0"));
  assert.ok(!poolContains(n, null));
  assert.ok(!poolContains(n, "none"));
  assert.equal(freeCount(n), 65533);
  assert.equal(firstFree(reserve(n, "198.18.0.2")), "198.18.0.3");
});
