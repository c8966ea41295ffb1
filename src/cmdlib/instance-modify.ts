// gnt-instance modify (Ganeti's LUInstanceSetParams): backend and hypervisor parameters,
// NICs and disks added, removed or changed, runtime memory of a running instance, the OS
// and its parameters, offline/online. Every check runs before anything changes.
import { randomUUID } from "node:crypto";
import type { ConfigData, Disk, Nic, Node } from "../objects/types.js";
import { fillInstanceBe, fillOsParams, instanceDisks } from "../objects/fill.js";
import { checkOsParams } from "./os.js";
import { instanceDiskTemplate, instanceNodes, instanceSecondaryNodes } from "../objects/topology.js";
import { Levels } from "./base.js";
import { LUInstanceOne, checkNodeHasOs } from "./instance.js";
import type { OpOutcome } from "../jobs/queue.js";
import { OpPrereqError, OpExecError, ErrorCode } from "../errors.js";
import { nodeTarget } from "../config/store.js";
import { buildDisks, createDisks, removeDisks, shutdownDisks, assembleDisks, waitForSync } from "./instance-disks.js";
import { checkAddedDisks, checkExtDisks, extSpec } from "./extstorage.js";
import { expandNodeName } from "./base.js";
import { checkConversion, convertDisks, type ConversionRequest } from "./instance-convert.js";
import { absIndex, planNicMods, type Mod, type NicModPlan } from "./instance-nic-mods.js";
import { commitNicIps } from "./instance-nics.js";
import { allocateSecondary, iallocatorName } from "./iallocator.js";
import { checkTargetNodeIPolicy } from "./ipolicy.js";
import { commaJoin, computeIPolicyInstanceSpecViolation, groupIPolicy, pyReprNodeGroup, type InstanceSpecDict, type SpecValue }
  from "../objects/ipolicy.js";

/** Both of Ganeti's forms: [(add|remove|idx, params)] and [(add|remove|modify, idx, params)]. */
function normalizeMods(raw: unknown): Mod[] {
  const list = Array.isArray(raw) ? raw : [];
  return list.map((m: unknown[]) => {
    if (m.length === 3) return { op: m[0] as Mod["op"], idx: Number(m[1]), params: (m[2] ?? {}) as Record<string, unknown> };
    const [a, params] = m as [unknown, Record<string, unknown>];
    return typeof a === "number" ? { op: "modify", idx: a, params } : { op: a as Mod["op"], idx: -1, params };
  });
}


const NIC_KEYS: ReadonlySet<string> = new Set(["mac", "ip", "mode", "link", "vlan", "network", "name"]);
const DISK_MODIFY_KEYS: ReadonlySet<string> = new Set(["mode", "name"]);

export class LUInstanceSetParams extends LUInstanceOne {
  override readonly hooksPath = "instance-modify";
  override readonly hooksType = "INSTANCE" as const;
  private nicMods: Mod[] = [];
  private diskMods: Mod[] = [];
  private running = false;
  private conversion: ConversionRequest | null = null;
  /** The NIC list after --net changes, with the network addresses to give back and take. */
  private nicPlan: NicModPlan | null = null;

  override expandNames(): void {
    super.expandNames();
    const nodes = instanceNodes(this.cfg, this.inst);
    const template = this.op["disk_template"];
    if (typeof template === "string" && template === "drbd") {
      // A new secondary: the named node, or any the allocator may choose.
      const remote = this.op["remote_node"];
      if (typeof remote === "string") nodes.push(expandNodeName(this.cfg, remote).uuid);
      else {
        this.lock(Levels.node, "all");
        this.lock(Levels.nodeRes, "all");
        return;
      }
    }
    this.lock(Levels.node, nodes);
    this.lock(Levels.nodeRes, nodes);
  }

  async checkPrereq(): Promise<void> {
    const op = this.op;
    this.nicMods = normalizeMods(op["nics"]);
    this.diskMods = normalizeMods(op["disks"]);
    const be = (op["beparams"] ?? {}) as Record<string, unknown>;
    const hv = (op["hvparams"] ?? {}) as Record<string, unknown>;
    const osp = (op["osparams"] ?? {}) as Record<string, unknown>;
    const any = this.nicMods.length > 0 || this.diskMods.length > 0 || Object.keys(be).length > 0 || Object.keys(hv).length > 0 ||
      Object.keys(osp).length > 0 || op["runtime_mem"] !== undefined || typeof op["os_name"] === "string" ||
      typeof op["offline"] === "boolean" || typeof op["disk_template"] === "string";
    if (!any) throw new OpPrereqError("No changes submitted", ErrorCode.inval);
    if (typeof op["disk_template"] === "string" && this.diskMods.length > 0) {
      throw new OpPrereqError("Disk template conversion and other disk changes not supported at the same time", ErrorCode.inval);
    }
    const merged = fillInstanceBe(this.cfg.cluster, { ...this.inst, beparams: { ...this.inst.beparams, ...be } });
    if (Number(merged["minmem"]) > Number(merged["maxmem"])) {
      throw new OpPrereqError(`Minimum memory size (${String(merged["minmem"])}) must be less or equal to maximum memory size ` +
        `(${String(merged["maxmem"])})`, ErrorCode.inval);
    }
    const pnode = this.pnode;
    if (!pnode.offline) {
      const r = await this.env.rpc.call(nodeTarget(pnode), "all_instances_info", { hypervisors: [this.inst.hypervisor] });
      this.running = r.ok && r.payload?.[this.inst.name] !== undefined;
    }
    if (op["runtime_mem"] !== undefined) {
      if (!this.running) throw new OpPrereqError(`Instance ${this.inst.name} is not running`, ErrorCode.state);
      const mem = Number(op["runtime_mem"]);
      if ((mem < Number(merged["minmem"]) || mem > Number(merged["maxmem"])) && op["force"] !== true) {
        throw new OpPrereqError(`Instance ${this.inst.name} must have memory between ${String(merged["minmem"])} and ` +
          `${String(merged["maxmem"])} MB of memory unless --force is given`, ErrorCode.inval);
      }
    }
    if (typeof op["offline"] === "boolean" && op["offline"] && this.inst.admin_state === "up") {
      throw new OpPrereqError(`Instance '${this.inst.name}' is marked to be up, cannot change instance state to offline`, ErrorCode.state);
    }
    if (op["offline"] === false && this.inst.admin_state !== "offline") {
      throw new OpPrereqError(`Instance '${this.inst.name}' is not offline`, ErrorCode.state);
    }
    if (typeof op["os_name"] === "string") await checkNodeHasOs(this.env.rpc, pnode, op["os_name"]);
    if (typeof op["os_name"] === "string" || Object.keys(osp).length > 0) {
      // The parameters as they will be, for the OS the instance will have.
      const osName = typeof op["os_name"] === "string" ? op["os_name"] : this.inst.os;
      const merged = Object.fromEntries(Object.entries({ ...this.inst.osparams, ...osp }).filter(([, v]) => v !== "default" && v !== null));
      await checkOsParams(this.env.rpc, (m) => this.logInfo(m), true, instanceNodes(this.cfg, this.inst).map((u) => this.cfg.nodes[u])
        .filter((n): n is Node => n !== undefined), osName, fillOsParams(this.cfg.cluster, osName, merged), op["force_variant"] === true);
    }
    const nicCount = this.checkNics();
    this.nicPlan = this.nicMods.length === 0 ? null : planNicMods(this.cfg, this.inst, pnode, this.nicMods,
      { conflictsCheck: op["conflicts_check"] !== false, info: (m) => this.logInfo(m) });
    this.checkDisks();
    await checkAddedDisks(this.env.rpc, this.cfg, instanceDiskTemplate(this.cfg, this.inst), pnode,
      this.diskMods.filter((m) => m.op === "add").map((m) => m.params));
    if (typeof op["disk_template"] === "string") await this.checkConversion(op["disk_template"]);
    this.checkIPolicy(nicCount);
  }

  /** Ganeti's CheckArguments and _PreCheckDiskTemplate for `-t`; the new secondary from -n or the allocator. */
  private async checkConversion(template: string): Promise<void> {
    const op = this.op;
    const named = typeof op["remote_node"] === "string" ? expandNodeName(this.cfg, op["remote_node"]) : null;
    if (template !== "drbd" && named !== null) {
      this.logWarning("Changing the disk template to a non-mirrored one, the secondary node will be ignored");
    }
    const req: ConversionRequest = {
      template, remoteNode: template === "drbd" ? named : null, waitForSync: op["wait_for_sync"] !== false,
      fileStorageDir: typeof op["file_storage_dir"] === "string" ? op["file_storage_dir"] : null,
      fileDriver: typeof op["file_driver"] === "string" ? op["file_driver"] : "loop",
      extParams: (op["ext_params"] ?? {}) as Record<string, unknown>,
    };
    checkConversion(this.cfg, this.inst, req, this.running);
    if (template === "ext") await checkExtDisks(this.env.rpc, this.pnode, [req.extParams]);
    if (template === "drbd" && named === null) {
      const allocator = iallocatorName(this.cfg, op["iallocator"]);
      this.env.feedback(`Using ${allocator} to choose new secondary`);
      const snode = await allocateSecondary(this.env.rpc, this.cfg, allocator, this.inst);
      this.env.feedback(`${allocator} choose ${snode.name} as new secondary`);
      this.conversion = { ...req, remoteNode: snode };
      checkConversion(this.cfg, this.inst, this.conversion, this.running);
    } else {
      this.conversion = req;
    }
    this.checkConversionPolicy(this.conversion);
  }

  /** _PreCheckDiskTemplate's policy checks: the new secondary's group, the template allowed in the primary's. */
  private checkConversionPolicy(req: ConversionRequest): void {
    const cfg = this.cfg;
    if (req.remoteNode !== null) {
      checkTargetNodeIPolicy((m) => this.logWarning(m), cfg, this.inst, cfg.nodes[req.remoteNode.uuid] ?? req.remoteNode,
        this.op["ignore_ipolicy"] === true);
    }
    const allowed = groupIPolicy(cfg, this.pnode.group)["disk-templates"] ?? [];
    if (!allowed.includes(req.template)) {
      // Ganeti's text, "in not allowed" included.
      throw new OpPrereqError(`Disk template '${req.template}' in not allowed (allowed templates: ${commaJoin(allowed)})`, ErrorCode.state);
    }
  }

  /**
   * The instance as it will be against its primary group's policy, once with maxmem and
   * once with minmem (Ganeti's CheckPrereq, skipped with --ignore-ipolicy). As Ganeti's,
   * the disk count is the current disks plus the added ones.
   */
  private checkIPolicy(nicCount: number): void {
    if (this.op["ignore_ipolicy"] === true) return;
    const cfg = this.cfg;
    const group = cfg.nodegroups[this.pnode.group];
    if (group === undefined) return;
    const oldDisks = instanceDisks(cfg, this.inst);
    const added = this.diskMods.filter((m) => m.op === "add");
    const sizes = [...oldDisks.map((d) => d.size), ...added.map((m) => Number(m.params["size"]))];
    const beNew = fillInstanceBe(cfg.cluster, { ...this.inst, beparams: Object.fromEntries(Object.entries({
      ...this.inst.beparams, ...((this.op["beparams"] ?? {}) as Record<string, unknown>) }).filter(([, v]) => v !== "default")) });
    const num = (v: unknown): SpecValue => (typeof v === "number" ? v : v === "auto" ? "auto" : null);
    const template = this.op["disk_template"];
    const types = typeof template === "string" ? sizes.map(() => template)
      : [...oldDisks.map((d) => d.dev_type), ...added.map(() => instanceDiskTemplate(cfg, this.inst))];
    const ispec: InstanceSpecDict = { "disk-count": sizes.length, "disk-size": sizes, "nic-count": nicCount,
      "spindle-use": num(beNew["spindle_use"]), "cpu-count": num(beNew["vcpus"]) };
    const policy = groupIPolicy(cfg, this.pnode.group);
    const resMax = computeIPolicyInstanceSpecViolation(policy, { ...ispec, "memory-size": num(beNew["maxmem"]) }, types);
    const resMin = computeIPolicyInstanceSpecViolation(policy, { ...ispec, "memory-size": num(beNew["minmem"]) }, types);
    if (resMax.length > 0 || resMin.length > 0) {
      // Ganeti formats the group object itself here (its repr), then its name; the
      // violations are a Python set there, here in order of first appearance.
      throw new OpPrereqError(`Instance allocation to group ${pyReprNodeGroup(group)} (${group.name}) violates policy: ` +
        commaJoin(new Set([...resMax, ...resMin])), ErrorCode.inval);
    }
  }

  /** Returns the number of NICs the instance will have. */
  private checkNics(): number {
    let count = this.inst.nics.length;
    for (const m of this.nicMods) {
      const bad = Object.keys(m.params).filter((k) => !NIC_KEYS.has(k));
      if (bad.length > 0) throw new OpPrereqError(`Invalid NIC parameter(s): ${bad.join(", ")}`, ErrorCode.inval);
      absIndex(m.idx, count, "NIC", m.op === "add");
      if (m.op === "add") count++;
      if (m.op === "remove") count--;
      const mode = m.params["mode"];
      if (mode !== undefined && mode !== "bridged" && mode !== "routed" && mode !== "openvswitch") {
        throw new OpPrereqError(`Invalid NIC mode '${String(mode)}'`, ErrorCode.inval);
      }
      if (m.params["mode"] === "routed" && (m.params["ip"] === undefined || m.params["ip"] === null) && m.op === "add") {
        throw new OpPrereqError("Cannot set the NIC IP address to None on a routed NIC", ErrorCode.inval);
      }
    }
    return count;
  }

  private checkDisks(): void {
    const template = instanceDiskTemplate(this.cfg, this.inst);
    let count = instanceDisks(this.cfg, this.inst).length;
    for (const m of this.diskMods) {
      absIndex(m.idx, count, "disk", m.op === "add");
      if (m.op === "add") {
        if (template === "diskless") throw new OpPrereqError("Can't add disks to a diskless instance", ErrorCode.state);
        const size = m.params["size"];
        if (typeof size !== "number" || size <= 0) throw new OpPrereqError("Required disk parameter 'size' missing", ErrorCode.inval);
        count++;
      } else if (m.op === "remove") {
        if (this.running) throw new OpPrereqError("Can't remove disks from a running instance", ErrorCode.state);
        if (count === 1) throw new OpPrereqError("Can't remove the last disk of an instance", ErrorCode.inval);
        count--;
      } else {
        const bad = Object.keys(m.params).filter((k) => !DISK_MODIFY_KEYS.has(k));
        if (bad.length > 0) throw new OpPrereqError(`Disk modification doesn't support additional arguments: ${bad.join(", ")}`, ErrorCode.inval);
      }
    }
  }

  async exec(): Promise<OpOutcome> {
    const result: Array<[string, unknown]> = [];
    if (this.conversion !== null) {
      this.inst = await convertDisks({ ...this.diskEnv(), rpc: this.env.rpc, feedback: (m) => this.env.feedback(m),
        update: (f) => this.env.config.update(f, (w) => this.logWarning(w)), releaseNodeLocks: () => this.releaseLocks(Levels.node) },
      this.inst, this.conversion);
      result.push(["disk_template", this.conversion.template]);
    }
    await this.applyDisks(result);
    const be = (this.op["beparams"] ?? {}) as Record<string, unknown>;
    const hv = (this.op["hvparams"] ?? {}) as Record<string, unknown>;
    const osp = (this.op["osparams"] ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(be)) result.push([`be/${k}`, String(v)]);
    for (const [k, v] of Object.entries(hv)) result.push([`hv/${k}`, String(v)]);
    for (const [k, v] of Object.entries(osp)) result.push([`os/${k}`, String(v)]);
    const nicPlan = this.nicPlan;
    if (nicPlan !== null) result.push(...nicPlan.result);
    const os = typeof this.op["os_name"] === "string" ? this.op["os_name"] : null;
    if (os !== null) result.push(["os_name", os]);
    const offline = typeof this.op["offline"] === "boolean" ? this.op["offline"] : null;
    if (offline !== null) result.push(["admin_state", offline ? "offline" : "down"]);
    const drop = (o: Record<string, unknown>, upd: Record<string, unknown>): Record<string, unknown> =>
      Object.fromEntries(Object.entries({ ...o, ...upd }).filter(([, v]) => v !== "default" && v !== null));
    await this.env.config.update((c0) => {
      const i = c0.instances[this.inst.uuid];
      if (i === undefined) return c0;
      // Addresses given back, then taken, in the same update as the NICs themselves.
      const c = nicPlan === null ? c0 : commitNicIps(commitNicIps(c0, nicPlan.release, "release"), nicPlan.reserve, "reserve");
      return { ...c, instances: { ...c.instances, [i.uuid]: { ...i, beparams: drop({ ...i.beparams }, be), hvparams: drop({ ...i.hvparams }, hv),
        osparams: drop({ ...i.osparams }, osp), ...(nicPlan !== null ? { nics: nicPlan.nics } : {}), ...(os !== null ? { os } : {}),
        ...(offline !== null ? { admin_state: offline ? "offline" : "down" } : {}),
        serial_no: i.serial_no + 1, mtime: Date.now() / 1000 } } };
    }, (w) => this.logWarning(w));
    if (this.op["runtime_mem"] !== undefined) {
      const mem = Number(this.op["runtime_mem"]);
      (await this.env.rpc.call(nodeTarget(this.pnode), "instance_balloon_memory", { name: this.inst.name, hypervisor: this.inst.hypervisor, memory: mem }))
        .raise(`Cannot modify memory of instance ${this.inst.name}`);
      result.push(["runtime_memory", mem]);
    }
    return { result };
  }

  /** Disks are created (or removed) on their nodes first, then recorded. */
  private async applyDisks(result: Array<[string, unknown]>): Promise<void> {
    if (this.diskMods.length === 0) return;
    const cfg = this.cfg;
    let disks = instanceDisks(cfg, this.inst);
    const template = instanceDiskTemplate(cfg, this.inst);
    const removed: Disk[] = [];
    const added: Disk[] = [];
    let highestPort = cfg.cluster.highest_used_port;
    let work: ConfigData = cfg;
    for (const m of this.diskMods) {
      if (m.op === "add") {
        const idx = absIndex(m.idx, disks.length, "disk", true);
        const snode = instanceSecondaryNodes(work, this.inst)[0] ?? null;
        const fileDir = template === "sharedfile" ? work.cluster.shared_file_storage_dir ?? "/srv/ganeti/shared-file-storage"
          : work.cluster.file_storage_dir ?? "/srv/ganeti/file-storage";
        const built = buildDisks(work, template, this.inst.name, this.inst.primary_node, snode,
          [{ size: Number(m.params["size"]), mode: String(m.params["mode"] ?? "rw"), name: typeof m.params["name"] === "string" ? m.params["name"] : null,
            ...extSpec(template, m.params) }],
          idx, fileDir, "loop");
        const d = built.disks[0] as Disk;
        highestPort = built.highestPort;
        await createDisks({ ...this.diskEnv(), cfg: work }, this.inst, [d]);
        added.push(d);
        disks.splice(idx, 0, d);
        // Later minors and ports must see this disk.
        work = { ...work, disks: { ...work.disks, [d.uuid ?? ""]: d }, cluster: { ...work.cluster, highest_used_port: highestPort } };
        result.push([`disk/${idx}`, `add:size=${d.size},mode=${d.mode ?? "rw"}`]);
      } else if (m.op === "remove") {
        const idx = absIndex(m.idx, disks.length, "disk", false);
        const [d] = disks.splice(idx, 1) as [Disk];
        removed.push(d);
        result.push([`disk/${idx}`, "remove"]);
      } else {
        const idx = absIndex(m.idx, disks.length, "disk", false);
        const d = disks[idx] as Disk;
        disks[idx] = { ...d, ...(m.params["mode"] !== undefined ? { mode: String(m.params["mode"]) } : {}),
          ...(m.params["name"] !== undefined ? { name: m.params["name"] === "none" ? null : String(m.params["name"]) } : {}) } as Disk;
        for (const [k, v] of Object.entries(m.params)) result.push([`disk.${k}/${idx}`, v]);
      }
    }
    // Re-number iv_names as Ganeti does, and record.
    disks = disks.map((d, i) => ({ ...d, iv_name: `disk/${i}` }) as Disk);
    const cfg2 = await this.env.config.update((c) => {
      const i = c.instances[this.inst.uuid];
      if (i === undefined) return c;
      const all = { ...c.disks };
      for (const d of removed) delete all[d.uuid ?? ""];
      for (const d of disks) all[d.uuid ?? ""] = d;
      return { ...c, disks: all, cluster: { ...c.cluster, highest_used_port: Math.max(c.cluster.highest_used_port ?? 0, highestPort ?? 0) },
        instances: { ...c.instances, [i.uuid]: { ...i, disks: disks.map((d) => d.uuid ?? ""), serial_no: i.serial_no + 1 } } };
    }, (w) => this.logWarning(w));
    const inst = cfg2.instances[this.inst.uuid] ?? this.inst;
    if (removed.length > 0) {
      // The removed disks still exist on the nodes: take them down and delete them.
      const env = { ...this.diskEnv(), cfg };
      const ghost = { ...this.inst, disks: removed.map((d) => d.uuid ?? "") };
      await shutdownDisks(env, ghost);
      if (!(await removeDisks(env, ghost, removed))) this.logWarning("Some removed disks could not be deleted on their nodes");
    }
    if (added.length > 0 && inst.disks_active === true && added.some((d) => d.dev_type === "drbd")) {
      if (!(await assembleDisks({ ...this.diskEnv(), cfg: cfg2 }, inst))) throw new OpExecError("Cannot activate the new disks");
      await waitForSync({ ...this.diskEnv(), cfg: cfg2 }, inst);
    }
  }
}
