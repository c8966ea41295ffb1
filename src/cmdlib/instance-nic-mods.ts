// `gnt-instance modify --net`: the NIC list after add/remove/modify changes, worked out in
// checkPrereq (Ganeti's _PrepareNicModification, _CreateNewNic, _ApplyNicMods, _RemoveNic)
// with the network addresses to give back and to take, which the LU commits in the same
// configuration update as the new NIC list.
import { randomUUID } from "node:crypto";
import type { ConfigData, Instance, Nic, Node } from "../objects/types.js";
import { AddressPoolError, firstFree, isReserved, release, reserve } from "../objects/address-pool.js";
import { OpPrereqError, ErrorCode } from "../errors.js";
import { expandNetwork } from "./network.js";
import { checkConflictingIp, groupNetParams, newMac, planNics } from "./instance-nics.js";

/** One change of `gnt-instance modify --net`/`--disk`. */
export interface Mod {
  readonly op: "add" | "remove" | "modify";
  /** The index (−1: the end) the change applies to. */
  readonly idx: number;
  readonly params: Readonly<Record<string, unknown>>;
}

type Addr = Pick<Nic, "network" | "ip">;

export interface NicModPlan {
  readonly nics: Nic[];
  /** Addresses given back to their networks, then those taken. */
  readonly release: Addr[];
  readonly reserve: Addr[];
  /** Ganeti's modify result entries for the NICs. */
  readonly result: Array<[string, unknown]>;
}

/** A change's index made absolute (−1: the end), or Ganeti's error for one out of range. */
export function absIndex(idx: number, len: number, what: string, forAdd: boolean): number {
  const max = forAdd ? len : len - 1;
  const i = idx === -1 ? max : idx;
  if (!Number.isInteger(i) || i < 0 || i > max) {
    throw new OpPrereqError(`Invalid ${what} index ${idx}, valid values are 0 to ${Math.max(0, max)}`, ErrorCode.inval);
  }
  return i;
}

const none = (v: unknown): boolean => v === null || (typeof v === "string" && v.toLowerCase() === "none");

/** Applies one pool change to the working configuration, so later NICs see it. */
function withPool(cfg: ConfigData, uuid: string, f: (n: ConfigData["networks"][string]) => ConfigData["networks"][string]): ConfigData {
  const net = cfg.networks[uuid];
  return net === undefined ? cfg : { ...cfg, networks: { ...cfg.networks, [uuid]: f(net) } };
}

export function planNicMods(cfgIn: ConfigData, inst: Instance, pnode: Node, mods: readonly Mod[],
  opts: { conflictsCheck: boolean; info(m: string): void }): NicModPlan {
  let cfg = cfgIn;
  const nics = [...inst.nics];
  const rel: Addr[] = [];
  const res: Addr[] = [];
  const result: Array<[string, unknown]> = [];
  for (const m of mods) {
    if (m.op === "add") {
      const idx = absIndex(m.idx, nics.length, "NIC", true);
      const [plan] = planNics(cfg, pnode, [m.params], opts, idx);
      if (plan === undefined) continue;
      const p = m.params;
      const mac = typeof p["mac"] === "string" && p["mac"] !== "auto" && p["mac"] !== "generate" ? p["mac"] : newMac(plan.macPrefix);
      const nic = { uuid: randomUUID(), name: typeof p["name"] === "string" ? p["name"] : null, mac, ip: plan.ip, network: plan.network,
        nicparams: { ...plan.nicparams } } as Nic;
      if (plan.network !== null && plan.ip !== null) {
        cfg = withPool(cfg, plan.network, (n) => reserve(n, plan.ip as string));
        res.push({ network: plan.network, ip: plan.ip });
      }
      nics.splice(idx, 0, nic);
      const filled = { ...(cfg.cluster.nicparams["default"] ?? {}), ...plan.nicparams } as Record<string, unknown>;
      result.push([`nic.${idx}`, `add:mac=${mac},ip=${nic.ip ?? "None"},mode=${String(filled["mode"] ?? "")},link=${String(filled["link"] ?? "")},` +
        `network=${nic.network ?? "None"}`]);
    } else if (m.op === "remove") {
      const idx = absIndex(m.idx, nics.length, "NIC", false);
      const [gone] = nics.splice(idx, 1);
      if (gone?.network && gone.ip) {
        cfg = withPool(cfg, gone.network, (n) => (isReserved(n, gone.ip as string) ? release(n, gone.ip as string) : n));
        rel.push({ network: gone.network, ip: gone.ip });
      }
      result.push([`nic/${idx}`, "remove"]);
    } else {
      const idx = absIndex(m.idx, nics.length, "NIC", false);
      const cur = nics[idx] as Nic;
      const p = m.params;
      const oldNet = cur.network ?? null;
      const oldIp = cur.ip ?? null;
      const netGiven = p["network"] !== undefined;
      const newNet = netGiven ? (none(p["network"]) ? null : expandNetwork(cfg, String(p["network"])).uuid) : oldNet;
      let next: Nic = cur;
      let np: Record<string, unknown> = { ...((cur.nicparams ?? {}) as Record<string, unknown>) };
      const reqL2 = p["mode"] !== undefined || p["link"] !== undefined;
      if (newNet !== null) {
        const netparams = groupNetParams(cfg, newNet, pnode);
        if (netparams === null) {
          throw new OpPrereqError(`No netparams found for the network ${cfg.networks[newNet]?.name ?? newNet}, probably not connected`, ErrorCode.inval);
        }
        if (newNet !== oldNet) np = { ...netparams };
        else if (reqL2) throw new OpPrereqError("Not allowed to change link or mode of a NIC that is connected to a network", ErrorCode.inval);
      }
      if (netGiven && reqL2) throw new OpPrereqError("If network is given, no mode or link is allowed to be passed", ErrorCode.inval);
      for (const [k, v] of Object.entries(p)) {
        if (k === "mode" || k === "link" || k === "vlan") np[k] = v;
        else if (k !== "network" && k !== "ip") next = { ...next, [k]: none(v) ? null : v } as Nic;
      }
      // A new network with another MAC prefix gives the NIC a new MAC (unless one was given).
      if (p["mac"] === undefined && newNet !== oldNet) {
        const prefix = (id: string | null): string | null => (id === null ? null : cfg.networks[id]?.mac_prefix ?? null);
        if (prefix(newNet) !== prefix(oldNet)) next = { ...next, mac: newMac(prefix(newNet) ?? cfg.cluster.mac_prefix) };
      }
      let newIp: string | null = p["ip"] === undefined ? oldIp : none(p["ip"]) ? null : String(p["ip"]);
      if (newIp !== oldIp || newNet !== oldNet) {
        if (oldIp !== null && oldNet !== null) {
          cfg = withPool(cfg, oldNet, (n) => (isReserved(n, oldIp) ? release(n, oldIp) : n));
          rel.push({ network: oldNet, ip: oldIp });
        }
        if (newIp !== null && newIp.toLowerCase() === "pool") {
          if (newNet === null) throw new OpPrereqError("ip=pool, but no network found", ErrorCode.inval);
          const chosen = firstFree(cfg.networks[newNet] as ConfigData["networks"][string]);
          if (chosen === null) throw new OpPrereqError("Unable to get a free IP from the address pool", ErrorCode.state);
          opts.info(`Chose IP ${chosen} from network ${cfg.networks[newNet]?.name ?? ""}`);
          newIp = chosen;
        } else if (newIp !== null && newNet !== null) {
          const net = cfg.networks[newNet] as ConfigData["networks"][string];
          try {
            if (opts.conflictsCheck && isReserved(net, newIp, true)) throw new AddressPoolError("externally reserved");
            reserve(net, newIp);
          } catch (e) {
            if (!(e instanceof AddressPoolError)) throw e;
            throw new OpPrereqError(`IP ${newIp} not available in network ${net.name}`, ErrorCode.notUnique);
          }
          opts.info(`Reserving IP ${newIp} in network ${net.name}`);
        } else if (newIp !== null && opts.conflictsCheck) {
          checkConflictingIp(cfg, newIp, pnode);
        }
        if (newIp !== null && newNet !== null) {
          const ip = newIp;
          cfg = withPool(cfg, newNet, (n) => reserve(n, ip));
          res.push({ network: newNet, ip });
        }
      }
      // One entry per given parameter, in the order given (the address as resolved).
      for (const [k, v] of Object.entries(p)) result.push([`nic.${k}/${idx}`, k === "ip" ? newIp : (k === "network" || k === "name") && none(v) ? null : v]);
      nics[idx] = { ...next, ip: newIp, network: newNet, nicparams: np } as Nic;
    }
  }
  return { nics, release: rel, reserve: res, result };
}
