// Cluster-wide logical units: redistribute config, rename, modify, master IP, destroy.
import type { Cluster } from "../objects/types.js";
import { LogicalUnit, masterNodeOf, Levels } from "./base.js";
import type { OpOutcome } from "../jobs/queue.js";
import { OpPrereqError, ErrorCode } from "../errors.js";
import { checkOsParams } from "./os.js";
import { nodeTarget } from "../config/store.js";
import { resolveHost } from "../util/identity.js";
import { adjustCandidatePool } from "./node.js";
import { computeNewInstanceViolations, getUpdatedIPolicy, groupInstances, groupIPolicy, commaJoin, checkIpolicyVsDiskTemplates } from "../objects/ipolicy.js";
import { clusterIPolicy, fillIPolicy } from "../objects/fill.js";
import { IPOLICY_DEFAULTS } from "../objects/param-defaults.js";
import { niceSort } from "../query/common.js";
import { describeDisk } from "../objects/disk-describe.js";

export class LUClusterRedistConf extends LogicalUnit {
  override readonly reqBgl = false;
  override expandNames(): void {
    this.lock(Levels.node, "all", "shared");
  }
  checkPrereq(): void {}
  async exec(): Promise<OpOutcome> {
    // Every file to every node, whatever the master believes they hold.
    this.env.config.forgetSsconfAcks();
    await this.env.config.update((cfg) => ({ ...cfg }), (w) => this.logWarning(w));
    return { result: null };
  }
}

function masterIpArgs(c: Cluster): { ip: string; netmask: number; netdev: string } {
  return { ip: c.master_ip, netmask: Number(c.master_netmask), netdev: c.master_netdev };
}

export class LUClusterActivateMasterIp extends LogicalUnit {
  checkPrereq(): void {}
  async exec(): Promise<OpOutcome> {
    const cfg = this.cfg;
    const r = await this.env.rpc.call(nodeTarget(masterNodeOf(cfg)), "node_activate_master_ip", masterIpArgs(cfg.cluster));
    r.raise("Could not activate the master IP");
    return { result: null };
  }
}

export class LUClusterDeactivateMasterIp extends LogicalUnit {
  checkPrereq(): void {}
  async exec(): Promise<OpOutcome> {
    const cfg = this.cfg;
    const r = await this.env.rpc.call(nodeTarget(masterNodeOf(cfg)), "node_deactivate_master_ip", masterIpArgs(cfg.cluster));
    r.raise("Could not deactivate the master IP");
    return { result: null };
  }
}

export class LUClusterRename extends LogicalUnit {
  override readonly hooksPath = "cluster-rename";
  private newName = "";
  private newIp = "";

  async checkPrereq(): Promise<void> {
    const r = await resolveHost(this.env.paths, String(this.op["name"]));
    this.newName = r.name;
    this.newIp = r.ip;
    const c = this.cfg.cluster;
    if (this.newName === c.cluster_name && this.newIp === c.master_ip) {
      throw new OpPrereqError("Neither the name nor the IP address of the cluster has changed", ErrorCode.inval);
    }
  }

  override buildHooksNodes(): [string[], string[]] {
    const m = masterNodeOf(this.cfg).name;
    return [[m], [m]];
  }

  async exec(): Promise<OpOutcome> {
    const cfg = this.cfg;
    const master = masterNodeOf(cfg);
    const old = masterIpArgs(cfg.cluster);
    const d = await this.env.rpc.call(nodeTarget(master), "node_deactivate_master_ip", old);
    if (!d.ok) this.logWarning(`Could not disable the master role: ${d.failMsg}`);
    try {
      await this.env.config.update((c) => ({
        ...c, cluster: { ...c.cluster, cluster_name: this.newName, master_ip: this.newIp },
      }), (w) => this.logWarning(w));
    } finally {
      const cur = this.cfg.cluster;
      const a = await this.env.rpc.call(nodeTarget(master), "node_activate_master_ip", masterIpArgs(cur));
      if (!a.ok) this.logWarning(`Could not re-enable the master role on the master, please restart manually: ${a.failMsg}`);
    }
    return { result: this.newName };
  }
}

/** The parameter families `gnt-cluster modify` merges (key = value, "default" resets). */
function mergeDict(old: Record<string, unknown> | undefined, upd: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(old ?? {}) };
  for (const [k, v] of Object.entries(upd)) {
    if (v === "default" || v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** Ganeti's CheckCompressionTools: names of executables; gzip always among them; "none" reserved. */
function checkCompressionTools(tools: readonly string[]): void {
  const illegal = tools.filter((t) => !/^[-_a-zA-Z0-9]+$/.test(t));
  if (illegal.length > 0) {
    throw new OpPrereqError(`The tools '${illegal.join(", ")}' contain illegal characters: only alphanumeric values, dashes, and underscores are allowed`,
      ErrorCode.inval);
  }
  if (!tools.includes("gzip")) throw new OpPrereqError("For compatibility reasons, the gzip utility must be present among the compression tools", ErrorCode.inval);
  if (tools.includes("none")) throw new OpPrereqError("none is a reserved value used for no compression, and cannot be used as the name of a tool", ErrorCode.inval);
}

export class LUClusterSetParams extends LogicalUnit {
  override readonly hooksPath = "cluster-modify";
  /** The cluster's policy after the change (GetUpdatedIPolicy), when the opcode changes it. */
  private newIPolicy: Cluster["ipolicy"] | null = null;

  /** Ganeti's _CheckInstancesOfDisabledDiskTemplates: a template still in use stays enabled. */
  private checkDisabledDiskTemplates(): void {
    const wanted = this.op["enabled_disk_templates"];
    if (!Array.isArray(wanted) || wanted.length === 0) return;
    const cfg = this.cfg;
    const disabled = (cfg.cluster.enabled_disk_templates ?? []).filter((t) => !wanted.includes(t));
    const owner = new Map<string, string>();
    for (const inst of Object.values(cfg.instances)) for (const d of inst.disks) owner.set(d, inst.name);
    for (const template of disabled) {
      const using = Object.entries(cfg.disks ?? {}).filter(([, d]) => d.dev_type === template);
      if (using.length > 0) {
        const desc = using.map(([uuid, d]) => `${describeDisk(d)} (${owner.has(uuid) ? `on ${owner.get(uuid)!}` : "detached"})`);
        throw new OpPrereqError(`Cannot disable disk template '${template}', because there is at least one disk using it:\n * ${desc.join("\n * ")}`,
          ErrorCode.state);
      }
    }
    if (disabled.includes("diskless")) {
      const inst = Object.values(cfg.instances).find((i) => i.disks.length === 0);
      if (inst !== undefined) {
        throw new OpPrereqError(`Cannot disable disk template 'diskless', because there is at least one instance using it:\n * ${inst.name}`, ErrorCode.state);
      }
    }
  }

  async checkPrereq(): Promise<void> {
    this.checkDisabledDiskTemplates();
    const tools = this.op["compression_tools"];
    if (Array.isArray(tools)) checkCompressionTools(tools.map(String));
    const dts = this.op["enabled_disk_templates"];
    if (Array.isArray(dts) && dts.includes("plain") && !(this.cfg.cluster.enabled_disk_templates ?? []).includes("plain")) {
      // Enabling plain needs working LVM on every node that may hold instances.
      const vg = typeof this.op["vg_name"] === "string" ? this.op["vg_name"] : this.cfg.cluster.volume_group_name ?? "xenvg";
      const nodes = Object.values(this.cfg.nodes).filter((n) => !n.offline && n.vm_capable !== false).sort((a, b) => a.name.localeCompare(b.name));
      const res = await this.env.rpc.callMany(nodes.map(nodeTarget), "lvm_status", { vg });
      for (const n of nodes) {
        const r = res.get(n.name);
        const why = r === undefined ? "no answer" : !r.ok ? r.failMsg : r.payload?.error ?? null;
        if (why !== null) {
          throw new OpPrereqError(`Disk template 'plain' can't be enabled: volume group '${vg}' on node ${n.name}: ${why}`, ErrorCode.environ);
        }
      }
    }
    const pool = this.op["candidate_pool_size"];
    if (pool !== undefined && pool !== null && (typeof pool !== "number" || pool < 1)) {
      throw new OpPrereqError(`Invalid candidate_pool_size: ${String(pool)}, must be at least 1`, ErrorCode.inval);
    }
    const hvs = this.op["enabled_hypervisors"];
    if (Array.isArray(hvs) && hvs.length === 0) {
      throw new OpPrereqError("Enabled hypervisors list must contain at least one member", ErrorCode.inval);
    }
    // Cluster-level OS parameters: checked by the OS itself on the master (skipped where it has no such OS), as Ganeti does;
    // unlike Ganeti, a base name ("image") is accepted for an OS with variants, as the parameters then apply to all of them.
    const osp = this.op["osparams"] as Record<string, Record<string, unknown>> | undefined | null;
    for (const [os, upd] of Object.entries(osp ?? {})) {
      const merged = mergeDict((this.cfg.cluster.osparams ?? {})[os] as Record<string, unknown> | undefined, upd);
      await checkOsParams(this.env.rpc, (m) => this.logInfo(m), false, [masterNodeOf(this.cfg)], os, merged, true);
    }
    this.checkIPolicy();
    this.checkDataCollectors();
  }

  /** Unlike Ganeti (which warns, then fails on a missing key), unknown collectors are refused. */
  private checkDataCollectors(): void {
    const known = this.cfg.cluster.data_collectors ?? {};
    for (const key of ["enabled_data_collectors", "data_collector_interval"] as const) {
      const upd = this.op[key] as Record<string, unknown> | undefined | null;
      const unknown = Object.keys(upd ?? {}).filter((n) => known[n] === undefined);
      if (unknown.length > 0) {
        throw new OpPrereqError(`Data collector names not recognized: ${unknown.join(", ")}`, ErrorCode.inval);
      }
      if (key === "data_collector_interval") {
        for (const [n, v] of Object.entries(upd ?? {})) {
          if (typeof v !== "number" || !(v > 0)) throw new OpPrereqError(`Invalid interval for data collector ${n}: it must be above zero`, ErrorCode.inval);
        }
      }
    }
  }

  /**
   * Ganeti's _CheckIpolicy: the policy (new or current) allows only enabled disk templates,
   * and the instances a new policy makes violate it are named (a warning).
   */
  private checkIPolicy(): void {
    const upd = this.op["ipolicy"];
    const wanted = this.op["enabled_disk_templates"];
    const enabled = Array.isArray(wanted) && wanted.length > 0 ? wanted.map(String) : this.cfg.cluster.enabled_disk_templates ?? [];
    if (upd === undefined || upd === null) {
      checkIpolicyVsDiskTemplates(clusterIPolicy(this.cfg.cluster), enabled);
      return;
    }
    const cfg = this.cfg;
    const newPolicy = getUpdatedIPolicy(cfg.cluster.ipolicy ?? {}, upd as Record<string, unknown>, false);
    checkIpolicyVsDiskTemplates(fillIPolicy(IPOLICY_DEFAULTS, newPolicy), enabled);
    this.newIPolicy = newPolicy;
    const violations = new Set<string>();
    for (const group of Object.values(cfg.nodegroups)) {
      const instances = groupInstances(cfg, group);
      const next = fillIPolicy(clusterIPolicy({ ...cfg.cluster, ipolicy: newPolicy }), group.ipolicy ?? {});
      for (const name of computeNewInstanceViolations(groupIPolicy(cfg, group.uuid ?? ""), next, instances, cfg)) violations.add(name);
    }
    if (violations.size > 0) {
      this.logWarning(`After the ipolicy change the following instances violate them: ${commaJoin(niceSort([...violations]))}`);
    }
  }

  override buildHooksNodes(): [string[], string[]] {
    const m = masterNodeOf(this.cfg).name;
    return [[m], [m]];
  }

  async exec(): Promise<OpOutcome> {
    const op = this.op;
    await this.env.config.update((cfg) => {
      let c: Cluster = { ...cfg.cluster };
      const set = <K extends keyof Cluster>(k: K, v: unknown): void => {
        if (v !== undefined && v !== null) c = { ...c, [k]: v };
      };
      set("candidate_pool_size", op["candidate_pool_size"]);
      set("enabled_hypervisors", op["enabled_hypervisors"]);
      set("enabled_disk_templates", op["enabled_disk_templates"]);
      set("master_netdev", op["master_netdev"]);
      set("master_netmask", op["master_netmask"]);
      set("maintain_node_health", op["maintain_node_health"]);
      set("default_iallocator", op["default_iallocator"]);
      set("default_iallocator_params", op["default_iallocator_params"]);
      set("compression_tools", op["compression_tools"]);
      set("reserved_lvs", op["reserved_lvs"]);
      set("drbd_usermode_helper", op["drbd_helper"]);
      set("volume_group_name", op["vg_name"]);
      set("file_storage_dir", op["file_storage_dir"]);
      set("shared_file_storage_dir", op["shared_file_storage_dir"]);
      set("prealloc_wipe_disks", op["prealloc_wipe_disks"]);
      set("modify_etc_hosts", op["modify_etc_hosts"]);
      for (const fam of ["beparams", "nicparams", "ndparams"] as const) {
        const upd = op[fam] as Record<string, unknown> | undefined | null;
        if (upd !== undefined && upd !== null) {
          const old = (c[fam] ?? {}) as Record<string, Record<string, unknown>>;
          c = { ...c, [fam]: fam === "ndparams" ? mergeDict(old as Record<string, unknown>, upd) : { ...old, default: mergeDict(old["default"], upd) } };
        }
      }
      for (const fam of ["hvparams", "diskparams", "os_hvp", "osparams"] as const) {
        const upd = op[fam] as Record<string, Record<string, unknown>> | undefined | null;
        if (upd === undefined || upd === null) continue;
        const old = { ...((c as Record<string, unknown>)[fam] as Record<string, Record<string, unknown>> | undefined ?? {}) };
        for (const [k, v] of Object.entries(upd)) old[k] = mergeDict(old[k], v);
        c = { ...c, [fam]: old };
      }
      if (this.newIPolicy !== null) c = { ...c, ipolicy: this.newIPolicy };
      const active = op["enabled_data_collectors"] as Record<string, boolean> | undefined | null;
      const interval = op["data_collector_interval"] as Record<string, number> | undefined | null;
      if (active || interval) {
        const dcs: Record<string, Record<string, unknown>> = {};
        for (const [n, p] of Object.entries(c.data_collectors ?? {})) {
          dcs[n] = { ...p, ...(active?.[n] !== undefined ? { active: active[n] } : {}), ...(interval?.[n] !== undefined ? { interval: interval[n] } : {}) };
        }
        c = { ...c, data_collectors: dcs as Cluster["data_collectors"] };
      }
      for (const key of ["hidden_os", "blacklisted_os"] as const) {
        for (const [k, v] of (op[key] as Array<[string, string]> | undefined | null) ?? []) {
          const cur = new Set(c[key] ?? []);
          if (k === "add") cur.add(v); else cur.delete(v);
          c = { ...c, [key]: [...cur] };
        }
      }
      const next = { ...cfg, cluster: { ...c, serial_no: (c.serial_no ?? 0) + 1, mtime: Date.now() / 1000 } };
      return op["candidate_pool_size"] !== undefined && op["candidate_pool_size"] !== null
        ? adjustCandidatePool(next, (m) => this.logInfo(m)) : next;
    }, (w) => this.logWarning(w));
    return { result: null };
  }
}

export class LUClusterDestroy extends LogicalUnit {
  checkPrereq(): void {
    const cfg = this.cfg;
    const others = Object.values(cfg.nodes).filter((n) => n.uuid !== cfg.cluster.master_node);
    if (others.length > 0) {
      throw new OpPrereqError(`There are still ${others.length} node(s) in this cluster.`, ErrorCode.inval);
    }
    const insts = Object.keys(cfg.instances).length;
    if (insts > 0) throw new OpPrereqError(`There are still ${insts} instance(s) in this cluster.`, ErrorCode.inval);
  }

  async exec(): Promise<OpOutcome> {
    const cfg = this.cfg;
    const master = masterNodeOf(cfg);
    const r = await this.env.rpc.call(nodeTarget(master), "node_deactivate_master_ip", masterIpArgs(cfg.cluster));
    if (!r.ok) this.logWarning(`Error disabling the master IP address: ${r.failMsg}`);
    // The master daemon stops after this job; the CLI then removes the node's cluster files.
    this.env.daemon.requestShutdown("cluster destroyed");
    return { result: master.uuid };
  }
}
