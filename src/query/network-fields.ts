// Network fields (Ganeti's Query/Network.hs): the network's own settings, its address pool's
// figures, the node groups it is connected to and the instances with a NIC in it.

import type { Network } from "../objects/types.js";
import { externalReservations, freeCount, reservedCount, usageMap } from "../objects/address-pool.js";
import { field, niceSort, timestampFields } from "./common.js";
import { FS_UNAVAIL, type FieldDef, type QueryContext } from "./types.js";

type NetworkField = FieldDef<QueryContext, Network>;

/** (group name, NIC mode, link, vlan) per connected group; "-" where a parameter is unset. */
function groupConnections(c: QueryContext, n: Network): Array<[string, string, string, string]> {
  return Object.values(c.cfg.nodegroups).flatMap((g) => {
    const p = g.networks[n.uuid] as Record<string, unknown> | undefined;
    if (p === undefined) return [];
    const s = (k: string): string => (typeof p[k] === "string" ? (p[k] as string) : "-");
    return [[g.name, s("mode"), s("link"), s("vlan")] as [string, string, string, string]];
  });
}

function instanceNames(c: QueryContext, n: Network): string[] {
  return niceSort(Object.values(c.cfg.instances).filter((i) => i.nics.some((nic) => nic.network === n.uuid)).map((i) => i.name));
}

const maybe = (v: string | null | undefined): unknown => (v === null || v === undefined ? FS_UNAVAIL : v);

export const NETWORK_FIELDS: readonly NetworkField[] = [
  field("name", "Network", "text", "config", "Name", (_c, n: Network) => n.name),
  field("network", "Subnet", "text", "config", "IPv4 subnet", (_c, n: Network) => n.network),
  field("gateway", "Gateway", "other", "config", "IPv4 gateway", (_c, n: Network) => maybe(n.gateway)),
  field("network6", "IPv6Subnet", "other", "config", "IPv6 subnet", (_c, n: Network) => maybe(n.network6)),
  field("gateway6", "IPv6Gateway", "other", "config", "IPv6 gateway", (_c, n: Network) => maybe(n.gateway6)),
  field("mac_prefix", "MacPrefix", "other", "config", "MAC address prefix", (_c, n: Network) => maybe(n.mac_prefix)),
  field("free_count", "FreeCount", "number", "config", "Number of available addresses", (_c, n: Network) => freeCount(n)),
  field("map", "Map", "text", "config", "Actual mapping", (_c, n: Network) => usageMap(n)),
  field("reserved_count", "ReservedCount", "number", "config", "Number of reserved addresses", (_c, n: Network) => reservedCount(n)),
  field("group_list", "GroupList", "other", "config", "List of nodegroups (group name, NIC mode, NIC link)",
    (c: QueryContext, n: Network) => groupConnections(c, n)),
  field("group_cnt", "NodeGroups", "number", "config", "Number of nodegroups", (c: QueryContext, n: Network) => groupConnections(c, n).length),
  field("inst_list", "InstanceList", "other", "config", "List of instances", (c: QueryContext, n: Network) => instanceNames(c, n)),
  field("inst_cnt", "Instances", "number", "config", "Number of instances", (c: QueryContext, n: Network) => instanceNames(c, n).length),
  field("external_reservations", "ExternalReservations", "text", "config", "External reservations",
    (_c, n: Network) => externalReservations(n).join(", ")),
  ...timestampFields<QueryContext, Network>("config"),
  field("uuid", "UUID", "text", "config", "Network UUID", (_c, n: Network) => n.uuid),
  field("serial_no", "SerialNo", "number", "config", "Network object serial number, incremented on each modification",
    (_c, n: Network) => n.serial_no),
  field("tags", "Tags", "other", "config", "Tags", (_c, n: Network) => [...(n.tags ?? [])]),
];

/** `gnt-network list` without -o. */
export const NETWORK_DEFAULT_FIELDS: readonly string[] = ["name", "network", "gateway", "mac_prefix", "group_list", "tags"];
