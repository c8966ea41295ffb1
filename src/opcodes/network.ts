// Network opcodes (OP_NETWORK_*).
import { defineOp } from "./define.js";
import { redoc } from "./types.js";
import * as p from "./params.js";

export const OpNetworkAdd = defineOp("OP_NETWORK_ADD", "Create an IP network", {
  network_name: p.pNetworkName,
  network: p.pNetworkAddress4,
  gateway: p.pNetworkGateway4,
  network6: p.pNetworkAddress6,
  gateway6: p.pNetworkGateway6,
  mac_prefix: p.pNetworkMacPrefix,
  add_reserved_ips: p.pNetworkAddRsvdIps,
  conflicts_check: p.pIpConflictsCheck,
  tags: redoc(p.pInstTags, "Tags of the network"),
}, { summary: "network_name" });

export const OpNetworkRemove = defineOp("OP_NETWORK_REMOVE", "Remove a network", {
  network_name: p.pNetworkName,
  force: p.pForce,
}, { summary: "network_name" });

export const OpNetworkRename = defineOp("OP_NETWORK_RENAME", "Rename a network", {
  network_name: p.pNetworkName,
  new_name: redoc(p.pNewName, "New network name"),
});

export const OpNetworkSetParams = defineOp("OP_NETWORK_SET_PARAMS", "Change a network's parameters", {
  network_name: p.pNetworkName,
  gateway: p.pNetworkGateway4,
  network6: p.pNetworkAddress6,
  gateway6: p.pNetworkGateway6,
  mac_prefix: p.pNetworkMacPrefix,
  add_reserved_ips: redoc(p.pNetworkAddRsvdIps, "External addresses to reserve"),
  remove_reserved_ips: p.pNetworkRemoveRsvdIps,
}, { summary: "network_name" });

export const OpNetworkConnect = defineOp("OP_NETWORK_CONNECT", "Connect a network to a node group", {
  group_name: p.pGroupName,
  network_name: p.pNetworkName,
  network_mode: p.pNetworkMode,
  network_link: p.pNetworkLink,
  network_vlan: p.pNetworkVlan,
  conflicts_check: p.pIpConflictsCheck,
}, { summary: "network_name" });

export const OpNetworkDisconnect = defineOp("OP_NETWORK_DISCONNECT", "Disconnect a network from a node group", {
  group_name: p.pGroupName,
  network_name: p.pNetworkName,
}, { summary: "network_name" });

export const NETWORK_OPCODES = [
  OpNetworkAdd, OpNetworkRemove, OpNetworkRename, OpNetworkSetParams, OpNetworkConnect,
  OpNetworkDisconnect,
] as const;
