// Network logical units (Ganeti's cmdlib/network.py): add, remove, rename, modify, and
// connect/disconnect to node groups. A network is an IPv4 pool (src/objects/address-pool.ts)
// plus the NIC parameters each connected node group gives its NICs.
import { randomUUID } from "node:crypto";
import type { ConfigData, Instance, Network, NodeGroup } from "../objects/types.js";
import { LogicalUnit, Levels, masterName } from "./base.js";
import type { OpOutcome } from "../jobs/queue.js";
import { OpPrereqError, OpExecError, ErrorCode } from "../errors.js";
import { AddressPoolError, initializePool, isReserved, poolContains, release, reserve } from "../objects/address-pool.js";
import { expandGroup } from "./group.js";
import { niceSort } from "../query/common.js";
import { validateTag } from "./tags.js";

/** Ganeti's LookupNetwork: by UUID or name. */
export function expandNetwork(cfg: ConfigData, name: string): Network {
  const n = cfg.networks[name] ?? Object.values(cfg.networks).find((x) => x.name === name);
  if (n === undefined) throw new OpPrereqError(`Network '${name}' not found`, ErrorCode.noent);
  return n;
}

/** Ganeti's NormalizeAndValidateThreeOctetMacPrefix. */
export function normalizeMacPrefix(prefix: string): string {
  if (!/^[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/i.test(prefix)) throw new OpPrereqError(`Invalid MAC address prefix '${prefix}'`, ErrorCode.inval);
  return prefix.toLowerCase();
}

/** Ganeti's _BuildNetworkHookEnv. */
function networkHookEnv(n: Partial<Pick<Network, "name" | "network" | "gateway" | "network6" | "gateway6" | "mac_prefix" | "tags">>):
  Record<string, string> {
  const env: Record<string, string> = {};
  const set = (k: string, v: string | null | undefined): void => {
    if (v !== null && v !== undefined && v !== "") env[k] = v;
  };
  set("NETWORK_NAME", n.name);
  set("NETWORK_SUBNET", n.network);
  set("NETWORK_GATEWAY", n.gateway);
  set("NETWORK_SUBNET6", n.network6);
  set("NETWORK_GATEWAY6", n.gateway6);
  set("NETWORK_MAC_PREFIX", n.mac_prefix);
  if ((n.tags ?? []).length > 0) env["NETWORK_TAGS"] = (n.tags ?? []).join(" ");
  return env;
}

function putNetwork(cfg: ConfigData, n: Network): ConfigData {
  return { ...cfg, networks: { ...cfg.networks, [n.uuid]: n } };
}

function bump<T extends { serial_no: number }>(o: T): T {
  return { ...o, serial_no: o.serial_no + 1, mtime: Date.now() / 1000 };
}

export class LUNetworkAdd extends LogicalUnit {
  override readonly reqBgl = false;
  override readonly hooksPath = "network-add";
  override readonly hooksType = "NETWORK" as const;
  private macPrefix: string | null = null;

  override checkArguments(): void {
    if (typeof this.op["mac_prefix"] === "string") this.macPrefix = normalizeMacPrefix(this.op["mac_prefix"]);
  }
  override expandNames(): void {
    if (this.op["conflicts_check"] !== false) this.lock(Levels.node, "all", "shared");
  }
  checkPrereq(): void {
    const name = String(this.op["network_name"]);
    const existing = Object.values(this.cfg.networks).find((n) => n.name === name);
    if (existing !== undefined) {
      throw new OpPrereqError(`Desired network name '${name}' already exists as a network (UUID: ${existing.uuid})`, ErrorCode.exists);
    }
    for (const t of (this.op["tags"] as string[] | undefined) ?? []) validateTag(t);
  }
  override buildHooksEnv(): Record<string, string> {
    return networkHookEnv({ name: String(this.op["network_name"]), network: String(this.op["network"]), gateway: this.str("gateway"),
      network6: this.str("network6"), gateway6: this.str("gateway6"), mac_prefix: this.macPrefix, tags: (this.op["tags"] as string[] | undefined) ?? [] });
  }
  override buildHooksNodes(): [string[], string[]] {
    return [[masterName(this.cfg)], [masterName(this.cfg)]];
  }
  private str(k: string): string | null {
    return typeof this.op[k] === "string" ? (this.op[k] as string) : null;
  }
  async exec(): Promise<OpOutcome> {
    const name = String(this.op["network_name"]);
    const now = Date.now() / 1000;
    let net: Network = {
      uuid: randomUUID(), name, network: String(this.op["network"]), gateway: this.str("gateway"), network6: this.str("network6"),
      gateway6: this.str("gateway6"), mac_prefix: this.macPrefix, reservations: "", ext_reservations: "",
      tags: [...((this.op["tags"] as string[] | undefined) ?? [])], serial_no: 1, ctime: now, mtime: now,
    };
    try {
      net = initializePool(net);
    } catch (e) {
      throw new OpExecError(`Cannot create IP address pool for network '${name}': ${(e as Error).message}`);
    }
    if (this.op["conflicts_check"] !== false) {
      // Addresses the cluster's own nodes and master IP use are taken out of the pool.
      for (const node of Object.values(this.cfg.nodes)) {
        for (const ip of new Set([node.primary_ip, node.secondary_ip ?? node.primary_ip])) {
          if (!poolContains(net, ip)) continue;
          try {
            net = reserve(net, ip, true);
            this.logInfo(`Reserved IP address of node '${node.name}' (${ip})`);
          } catch (e) {
            this.logWarning(`Cannot reserve IP address '${ip}' of node '${node.name}': ${(e as Error).message}`);
          }
        }
      }
      const masterIp = this.cfg.cluster.master_ip;
      if (poolContains(net, masterIp)) {
        try {
          net = reserve(net, masterIp, true);
          this.logInfo(`Reserved cluster master IP address (${masterIp})`);
        } catch (e) {
          this.logWarning(`Cannot reserve cluster master IP address (${masterIp}): ${(e as Error).message}`);
        }
      }
    }
    for (const ip of (this.op["add_reserved_ips"] as string[] | undefined) ?? []) {
      try {
        net = reserve(net, ip, true);
      } catch (e) {
        throw new OpExecError(`Cannot reserve IP address '${ip}': ${(e as Error).message}`);
      }
    }
    const added = net;
    await this.env.config.update((cfg) => {
      if (Object.values(cfg.networks).some((n) => n.name === name)) {
        throw new OpPrereqError(`Desired network name '${name}' already exists as a network`, ErrorCode.exists);
      }
      return putNetwork(cfg, added);
    }, (w) => this.logWarning(w));
    return { result: null };
  }
}

/** LUs that act on one existing network (locked at the network level). */
abstract class LUNetworkOne extends LogicalUnit {
  override readonly reqBgl = false;
  override readonly hooksType = "NETWORK" as const;
  protected net!: Network;
  override expandNames(): void {
    this.net = expandNetwork(this.cfg, String(this.op["network_name"]));
    this.lock(Levels.network, [this.net.uuid]);
  }
  override buildHooksNodes(): [string[], string[]] {
    return [[masterName(this.cfg)], [masterName(this.cfg)]];
  }
}

export class LUNetworkRemove extends LUNetworkOne {
  override readonly hooksPath = "network-remove";
  override expandNames(): void {
    super.expandNames();
    this.lock(Levels.nodegroup, "all", "shared");
  }
  checkPrereq(): void {
    const groups = niceSort(Object.values(this.cfg.nodegroups).filter((g) => this.net.uuid in g.networks).map((g) => g.name));
    if (groups.length > 0) {
      this.logWarning(`Network '${String(this.op["network_name"])}' is connected to the following node groups: ${groups.join(", ")}`);
      throw new OpPrereqError("Network still connected", ErrorCode.state);
    }
  }
  override buildHooksEnv(): Record<string, string> {
    return { NETWORK_NAME: String(this.op["network_name"]) };
  }
  async exec(): Promise<OpOutcome> {
    await this.env.config.update((cfg) => {
      if (cfg.networks[this.net.uuid] === undefined) {
        throw new OpExecError(`Network '${String(this.op["network_name"])}' with UUID ${this.net.uuid} disappeared`);
      }
      const networks = { ...cfg.networks };
      delete networks[this.net.uuid];
      return { ...cfg, networks };
    }, (w) => this.logWarning(w));
    return { result: null };
  }
}

export class LUNetworkRename extends LUNetworkOne {
  override readonly hooksPath = "network-rename";
  checkPrereq(): void {
    const nn = String(this.op["new_name"]);
    const clash = Object.values(this.cfg.networks).find((n) => n.name === nn);
    if (clash !== undefined) {
      throw new OpPrereqError(`Desired new name '${nn}' clashes with existing network (UUID: ${clash.uuid})`, ErrorCode.exists);
    }
  }
  override buildHooksEnv(): Record<string, string> {
    return { OLD_NAME: String(this.op["network_name"]), NEW_NAME: String(this.op["new_name"]) };
  }
  async exec(): Promise<OpOutcome> {
    const nn = String(this.op["new_name"]);
    await this.env.config.update((cfg) => {
      const n = cfg.networks[this.net.uuid];
      if (n === undefined) throw new OpExecError(`Could not retrieve network '${String(this.op["network_name"])}' (UUID: ${this.net.uuid})`);
      return putNetwork(cfg, bump({ ...n, name: nn }));
    }, (w) => this.logWarning(w));
    return { result: nn };
  }
}

/** `value` as a change: undefined (keep), null ("none": clear) or the new value. */
function change(v: unknown): string | null | undefined {
  if (typeof v !== "string" || v === "") return undefined;
  return v.toLowerCase() === "none" ? null : v;
}

export class LUNetworkSetParams extends LUNetworkOne {
  override readonly hooksPath = "network-modify";
  private gateway: string | null | undefined;
  private macPrefix: string | null | undefined;

  override checkArguments(): void {
    const ips = [...((this.op["add_reserved_ips"] as string[] | undefined) ?? []), ...((this.op["remove_reserved_ips"] as string[] | undefined) ?? [])];
    if (change(this.op["gateway"]) !== undefined && ips.length > 0) {
      throw new OpPrereqError("Cannot modify gateway and reserved ips at once", ErrorCode.inval);
    }
  }
  checkPrereq(): void {
    this.gateway = change(this.op["gateway"]);
    if (typeof this.gateway === "string") {
      try {
        if (isReserved(this.net, this.gateway)) {
          throw new OpPrereqError(`Gateway IP address '${this.gateway}' is already reserved`, ErrorCode.state);
        }
      } catch (e) {
        if (e instanceof AddressPoolError) throw new OpPrereqError(e.message, ErrorCode.inval);
        throw e;
      }
    }
    const mp = change(this.op["mac_prefix"]);
    this.macPrefix = typeof mp === "string" ? normalizeMacPrefix(mp) : mp;
  }
  override buildHooksEnv(): Record<string, string> {
    const n = this.net;
    return networkHookEnv({ name: n.name, network: n.network, gateway: this.gateway === undefined ? n.gateway : this.gateway,
      network6: change(this.op["network6"]) ?? n.network6, gateway6: change(this.op["gateway6"]) ?? n.gateway6,
      mac_prefix: this.macPrefix === undefined ? n.mac_prefix : this.macPrefix, tags: n.tags ?? [] });
  }
  async exec(): Promise<OpOutcome> {
    const warnings: string[] = [];
    await this.env.config.update((cfg) => {
      let n = cfg.networks[this.net.uuid];
      if (n === undefined) throw new OpExecError(`Network '${this.net.name}' disappeared`);
      warnings.length = 0;
      if (this.gateway !== undefined) {
        if (this.gateway === (n.gateway ?? null)) {
          warnings.push(`Gateway is already ${String(this.gateway)}`);
        } else {
          try {
            if (this.gateway !== null) n = reserve(n, this.gateway, true);
            if (n.gateway !== null && n.gateway !== undefined) n = release(n, n.gateway, true);
          } catch (e) {
            throw new OpExecError((e as Error).message);
          }
          n = { ...n, gateway: this.gateway };
        }
      }
      for (const ip of (this.op["add_reserved_ips"] as string[] | undefined) ?? []) {
        try {
          n = reserve(n, ip, true);
        } catch (e) {
          warnings.push(`Cannot reserve IP address ${ip}: ${(e as Error).message}`);
        }
      }
      for (const ip of (this.op["remove_reserved_ips"] as string[] | undefined) ?? []) {
        if (ip === n.gateway) {
          warnings.push("Cannot unreserve Gateway's IP");
          continue;
        }
        try {
          n = release(n, ip, true);
        } catch (e) {
          warnings.push(`Cannot release IP address ${ip}: ${(e as Error).message}`);
        }
      }
      if (this.macPrefix !== undefined) n = { ...n, mac_prefix: this.macPrefix };
      const n6 = change(this.op["network6"]);
      if (n6 !== undefined) n = { ...n, network6: n6 };
      const g6 = change(this.op["gateway6"]);
      if (g6 !== undefined) n = { ...n, gateway6: g6 };
      return putNetwork(cfg, bump(n));
    }, (w) => this.logWarning(w));
    for (const w of warnings) this.logWarning(w);
    return { result: null };
  }
}

/** Ganeti's _NetworkConflictCheck: NICs of the group's instances for which `conflicts` holds. */
function networkConflicts(warn: (m: string) => void, networkName: string, group: NodeGroup, action: string,
  instances: readonly Instance[], conflicts: (nic: Instance["nics"][number]) => boolean): void {
  const found: string[] = [];
  for (const inst of instances) {
    const bad = inst.nics.flatMap((nic, idx) => (conflicts(nic) ? [`nic${idx}/${String(nic.ip)}`] : []));
    if (bad.length > 0) found.push(`${inst.name}: ${bad.join(", ")}`);
  }
  if (found.length > 0) {
    warn(`IP addresses from network '${networkName}', which is about to ${action} node group '${group.name}', are in use: ${found.join(", ")}`);
    throw new OpPrereqError("Conflicting IP addresses found;  remove/modify the corresponding network interfaces", ErrorCode.state);
  }
}

/** Instances with their primary node in the group (Ganeti's GetNodeGroupInstances, primaries). */
function groupInstances(cfg: ConfigData, groupUuid: string): Instance[] {
  return Object.values(cfg.instances).filter((i) => cfg.nodes[i.primary_node]?.group === groupUuid);
}

abstract class LUNetworkGroup extends LogicalUnit {
  override readonly reqBgl = false;
  override readonly hooksType = "NETWORK" as const;
  protected net!: Network;
  protected group!: NodeGroup;
  override expandNames(): void {
    this.net = expandNetwork(this.cfg, String(this.op["network_name"]));
    this.group = expandGroup(this.cfg, String(this.op["group_name"]));
    this.lock(Levels.nodegroup, [this.group.uuid]);
    this.lock(Levels.instance, groupInstances(this.cfg, this.group.uuid).map((i) => i.uuid), "shared");
  }
  override buildHooksNodes(): [string[], string[]] {
    const members = Object.values(this.cfg.nodes).filter((n) => n.group === this.group.uuid).map((n) => n.name);
    return [members, members];
  }
}

export class LUNetworkConnect extends LUNetworkGroup {
  override readonly hooksPath = "network-connect";
  private connected = false;
  override expandNames(): void {
    super.expandNames();
    if (this.op["conflicts_check"] !== false) this.lock(Levels.network, [this.net.uuid], "shared");
  }
  checkPrereq(): void {
    const mode = String(this.op["network_mode"]);
    const link = String(this.op["network_link"]);
    if (mode === "routed" && link === "") throw new OpPrereqError("Missing link parameter for routed NIC mode", ErrorCode.inval);
    this.connected = this.net.uuid in this.group.networks;
    if (this.connected) {
      this.logWarning(`Network '${this.net.name}' is already mapped to group '${this.group.name}'`);
    } else if (this.op["conflicts_check"] !== false) {
      networkConflicts((m) => this.logWarning(m), this.net.name, this.group, "connect to", groupInstances(this.cfg, this.group.uuid), (nic) => poolContains(this.net, nic.ip));
    }
  }
  override buildHooksEnv(): Record<string, string> {
    return { GROUP_NAME: this.group.name, GROUP_NETWORK_MODE: String(this.op["network_mode"]), GROUP_NETWORK_LINK: String(this.op["network_link"]),
      GROUP_NETWORK_VLAN: String(this.op["network_vlan"] ?? "") };
  }
  async exec(): Promise<OpOutcome> {
    if (this.connected) return { result: null };
    const netparams = { mode: String(this.op["network_mode"]), link: String(this.op["network_link"]), vlan: String(this.op["network_vlan"] ?? "") };
    await this.env.config.update((cfg) => {
      const g = cfg.nodegroups[this.group.uuid];
      if (g === undefined) return cfg;
      return { ...cfg, nodegroups: { ...cfg.nodegroups, [g.uuid]: bump({ ...g, networks: { ...g.networks, [this.net.uuid]: netparams } }) } };
    }, (w) => this.logWarning(w));
    return { result: null };
  }
}

export class LUNetworkDisconnect extends LUNetworkGroup {
  override readonly hooksPath = "network-disconnect";
  private connected = true;
  checkPrereq(): void {
    this.connected = this.net.uuid in this.group.networks;
    if (!this.connected) {
      this.logWarning(`Network '${this.net.name}' is not mapped to group '${this.group.name}'`);
      return;
    }
    networkConflicts((m) => this.logWarning(m), this.net.name, this.group, "disconnect from", groupInstances(this.cfg, this.group.uuid), (nic) => nic.network === this.net.uuid);
  }
  override buildHooksEnv(): Record<string, string> {
    const p = this.group.networks[this.net.uuid] as Record<string, unknown> | undefined;
    return { GROUP_NAME: this.group.name, ...(p !== undefined ? { GROUP_NETWORK_MODE: String(p["mode"] ?? ""),
      GROUP_NETWORK_LINK: String(p["link"] ?? ""), GROUP_NETWORK_VLAN: String(p["vlan"] ?? "") } : {}) };
  }
  async exec(): Promise<OpOutcome> {
    if (!this.connected) return { result: null };
    await this.env.config.update((cfg) => {
      const g = cfg.nodegroups[this.group.uuid];
      if (g === undefined) return cfg;
      const networks = { ...g.networks };
      delete networks[this.net.uuid];
      return { ...cfg, nodegroups: { ...cfg.nodegroups, [g.uuid]: bump({ ...g, networks }) } };
    }, (w) => this.logWarning(w));
    return { result: null };
  }
}
