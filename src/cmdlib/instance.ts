// Instance logical units, first stage: create (diskless, file, sharedfile templates on the
// fake hypervisor, without OS installation), remove, startup, shutdown. Templates and
// features not built yet are refused with a clear error, never pretended.
import { randomUUID } from "node:crypto";
import type { ConfigData, Instance, Nic, Node } from "../objects/types.js";
import { fillInstanceBe, fillOsParams, instanceDisks } from "../objects/fill.js";
import { checkOsParams } from "./os.js";
import { LogicalUnit, expandName, expandNodeName, Levels, masterName } from "./base.js";
import type { OpOutcome } from "../jobs/queue.js";
import { OpPrereqError, OpExecError, ErrorCode, TypeEnforcementError, ConfigurationError } from "../errors.js";
import { isIP } from "node:net";
import { nodeTarget } from "../config/store.js";
import { resolveHost } from "../util/identity.js";
import type { RpcClient } from "../rpc/client.js";
import { allocateNodes, iallocatorName } from "./iallocator.js";
import { checkCompressionTool, findExport, importDisks } from "./backup-import.js";
import { assembleDisks, buildDisks, createDisks, diskArg, isDrbd, removeDisks, shutdownDisks, waitForSync, osInstance, type DiskOpsEnv,
  checkDiskExtProvider, extDiskParams, IDISK_PARAMS } from "./instance-disks.js";
import { checkExtDisks } from "./extstorage.js";
import { validateTag } from "./tags.js";
import { checkAdoptArguments, checkAdoptedVolumes, renameAdoptedVolumes, undoAdoptRename } from "./instance-adopt.js";
import { planNics, commitNicIps, newMac, reserveNewNics, type NicSpec, type PlannedNic } from "./instance-nics.js";
import { instanceHookEnv, instanceHookNodes } from "./instance-hooks.js";
import { commaJoin, computeIPolicyInstanceSpecViolation, groupIPolicy, type InstanceSpecDict } from "../objects/ipolicy.js";
export { osInstance };

const SUPPORTED_TEMPLATES: ReadonlySet<string> = new Set(["diskless", "file", "sharedfile", "drbd", "plain", "ext", "blockdev"]);
/** Ganeti's INIC_PARAMS: the keys a new NIC may have. */
const INIC_PARAMS: ReadonlySet<string> = new Set(["mac", "ip", "mode", "link", "network", "name", "vlan", "bridge"]);
export const MIRRORED_TEMPLATES: ReadonlySet<string> = new Set(["drbd"]);

export function expandInstance(cfg: ConfigData, name: string): Instance {
  const i = expandName(Object.values(cfg.instances), name);
  if (i === null) throw new OpPrereqError(`Instance '${name}' not known`, ErrorCode.noent);
  return i;
}

function diskArgs(cfg: ConfigData, inst: Instance) {
  return instanceDisks(cfg, inst).map((d) => diskArg(cfg, inst, d));
}

/** Free memory on the node must cover at least minmem (Ganeti's CheckNodeFreeMemory). */
async function checkNodeMemory(env: { rpc: RpcClient }, node: Node,
  inst: { name: string; minmem: number; maxmem: number }, dirs: string[]): Promise<void> {
  const r = await env.rpc.call(nodeTarget(node), "node_info", { storage_dirs: dirs });
  const info = r.raise(`Can't compute free memory on node ${node.name}`);
  if (info.memory_free < inst.minmem) {
    throw new OpPrereqError(`Not enough memory on node ${node.name} for starting instance ${inst.name}: needed ${inst.minmem} MiB, ` +
      `available ${info.memory_free} MiB`, ErrorCode.norm);
  }
}

export class LUInstanceCreate extends LogicalUnit {
  override readonly reqBgl = false;
  override readonly hooksPath = "instance-add";
  override readonly hooksType = "INSTANCE" as const;
  private name = "";
  private pnode!: Node;
  private snode: Node | null = null;
  /** The disks and OS to create with (from the opcode, or an import's export). */
  private diskSpecs: Array<Record<string, unknown>> = [];
  private osType: string | null = null;
  private importFrom: { node: Node; name: string; info: Record<string, Record<string, string>> } | null = null;
  private template = "";
  /** The allocator to run when no primary node was given. */
  private allocator: string | null = null;
  /** The NICs to create, networks and pool addresses resolved (checkPrereq). */
  private nicPlan: PlannedNic[] = [];
  private nics: Nic[] | undefined;
  /** The disks are existing volumes taken over (`adopt=`), not created. */
  private adopt = false;

  override checkArguments(): void {
    if (this.op["mode"] !== undefined && this.op["mode"] !== "create" && this.op["mode"] !== "import") {
      throw new OpPrereqError(`Instance creation mode '${String(this.op["mode"])}' is not supported yet by ganeti-ts`, ErrorCode.inval);
    }
    // Ganeti's Hostname.GetNormalizedName: lower case, valid characters, no empty label,
    // no trailing dot.
    const name = String(this.op["instance_name"]).toLowerCase();
    if (!/^[a-z0-9._-]{1,255}$/.test(name) || name.includes("..") || name.startsWith(".")) {
      throw new OpPrereqError(`Invalid hostname '${name}'`, ErrorCode.inval);
    }
    this.name = name.replace(/\.+$/, "");
    if (this.op["ip_check"] === true && this.op["name_check"] === false) {
      throw new OpPrereqError("Cannot do IP address check without a name check", ErrorCode.inval);
    }
    for (const nic of (this.op["nics"] as Array<Record<string, unknown>> | undefined) ?? []) {
      for (const k of Object.keys(nic)) if (!INIC_PARAMS.has(k)) throw new TypeEnforcementError(`Unknown parameter '${k}'`);
    }
    for (const tag of (this.op["tags"] as string[] | undefined) ?? []) validateTag(tag);
    const template = this.op["disk_template"];
    if (template !== "ext") {
      for (const disk of (this.op["disks"] as Array<Record<string, unknown>> | undefined) ?? []) {
        for (const k of Object.keys(disk)) if (!IDISK_PARAMS.has(k)) throw new TypeEnforcementError(`Unknown parameter '${k}'`);
      }
    }
    if (typeof this.op["file_driver"] === "string" && !["loop", "blktap", "blktap2"].includes(this.op["file_driver"])) {
      throw new OpPrereqError(`Invalid file driver name '${this.op["file_driver"]}'`, ErrorCode.inval);
    }
    // Ganeti's CheckIAllocatorOrNode.
    if (typeof this.op["pnode"] === "string" && typeof this.op["iallocator"] === "string") {
      throw new OpPrereqError("Do not specify both, iallocator and node", ErrorCode.inval);
    }
    if (typeof this.op["pnode"] === "string") {
      if (MIRRORED_TEMPLATES.has(String(template))) {
        if (typeof this.op["snode"] !== "string") throw new OpPrereqError("The networked disk templates need a mirror node", ErrorCode.inval);
      } else if (typeof this.op["snode"] === "string" && this.op["snode"] !== "") {
        this.logWarning("Secondary node will be ignored on non-mirrored disk template");
      }
    }
  }

  override expandNames(): void {
    const cfg = this.cfg;
    this.template = typeof this.op["disk_template"] === "string" ? this.op["disk_template"] : cfg.cluster.enabled_disk_templates?.[0] ?? "diskless";
    // Ganeti checks the template (CheckArguments) before anything else about the disks.
    const enabled = cfg.cluster.enabled_disk_templates ?? [];
    if (!enabled.includes(this.template)) {
      // Ganeti's CheckDiskTemplateEnabled raises this without an error type.
      throw new OpPrereqError(`Disk template '${this.template}' is not enabled in cluster. Enabled disk templates are: ${enabled.join(",")}`);
    }
    this.adopt = checkAdoptArguments(this.template, (this.op["disks"] as Array<Record<string, unknown>> | undefined) ?? [],
      this.op["iallocator"], this.op["mode"]);
    this.lock(Levels.instance, [this.name]);
    if (typeof this.op["pnode"] === "string") {
      this.pnode = expandNodeName(cfg, this.op["pnode"]);
      if (MIRRORED_TEMPLATES.has(this.template) && typeof this.op["snode"] === "string") this.snode = expandNodeName(cfg, this.op["snode"]);
      const nodes = [this.pnode.uuid, ...(this.snode !== null ? [this.snode.uuid] : [])];
      this.lock(Levels.node, nodes);
      this.lock(Levels.nodeRes, nodes);
    } else {
      // The allocator may pick any node: hold them all while it decides.
      this.allocator = iallocatorName(cfg, this.op["iallocator"]);
      this.lock(Levels.node, "all");
      this.lock(Levels.nodeRes, "all");
    }
  }

  async checkPrereq(): Promise<void> {
    const cfg = this.cfg;
    if (this.op["name_check"] !== false) this.name = (await resolveHost(this.env.paths, this.name)).name;
    this.diskSpecs = (this.op["disks"] as Array<Record<string, unknown>> | undefined) ?? [];
    this.osType = typeof this.op["os_type"] === "string" ? this.op["os_type"] : null;
    if (this.op["mode"] === "import") {
      // Ganeti's import: disks, sizes and OS default to the export's.
      const exportName = typeof this.op["src_path"] === "string" ? this.op["src_path"] : this.name;
      const found = await findExport(this.env.rpc, cfg, typeof this.op["src_node"] === "string" ? this.op["src_node"] : null, exportName);
      checkCompressionTool(cfg, found.info["export"]?.["compression"] ?? "none");
      this.importFrom = { ...found, name: exportName };
      const ins = found.info["instance"] ?? {};
      if (this.diskSpecs.length === 0) {
        this.diskSpecs = Array.from({ length: Number(ins["disk_count"] ?? 0) }, (_, i) => ({ size: Number(ins[`disk${i}_size`] ?? 0), mode: "rw" }));
      }
      this.osType ??= found.info["export"]?.["os"] ?? null;
    }
    if (this.allocator !== null) {
      const be = fillInstanceBe(cfg.cluster, { beparams: (this.op["beparams"] ?? {}) as Record<string, unknown> } as unknown as Instance);
      const nodes = await allocateNodes(this.env.rpc, cfg, this.allocator, {
        name: this.name, disk_template: this.template, memory: Number(be["maxmem"]), vcpus: Number(be["vcpus"]),
        spindle_use: Number(be["spindle_use"]), tags: (this.op["tags"] as string[] | undefined) ?? [], os: this.osType ?? "",
        disks: this.diskSpecs.map((d) => ({ size: Number(d["size"]), mode: typeof d["mode"] === "string" ? d["mode"] : "rw",
          ...(typeof d["spindles"] === "number" ? { spindles: d["spindles"] } : {}) })),
        nics: (this.op["nics"] as Array<Record<string, unknown>> | undefined) ?? [],
        hypervisor: typeof this.op["hypervisor"] === "string" ? this.op["hypervisor"] : cfg.cluster.enabled_hypervisors[0] ?? "",
        group_name: null, node_whitelist: null,
      }, Number(be["minmem"]));
      this.pnode = nodes[0] as Node;
      if (MIRRORED_TEMPLATES.has(this.template)) this.snode = nodes[1] ?? null;
      this.logInfo(`Selected nodes for instance ${this.name} via iallocator ${this.allocator}: ${nodes.map((n) => n.name).join(", ")}`);
    }
    if (Object.values(cfg.instances).some((i) => i.name === this.name)) {
      throw new OpPrereqError(`Instance '${this.name}' is already in the cluster`, ErrorCode.exists);
    }
    if (!SUPPORTED_TEMPLATES.has(this.template)) {
      throw new OpPrereqError(`Disk template '${this.template}' is not supported yet by ganeti-ts`, ErrorCode.inval);
    }
    const disks = this.diskSpecs;
    if (this.template === "diskless" && disks.length > 0) throw new OpPrereqError("Diskless instances can't have disks", ErrorCode.inval);
    if (this.template !== "diskless" && disks.length === 0) throw new OpPrereqError("Instance must have at least one disk", ErrorCode.inval);
    this.checkNics();
    // Ganeti's ComputeDisks.
    for (const [i, d] of disks.entries()) {
      const mode = d["mode"] ?? "rw";
      if (mode !== "rw" && mode !== "ro") throw new OpPrereqError(`Invalid disk access mode '${String(mode)}'`, ErrorCode.inval);
      if (d["size"] === undefined || d["size"] === null) throw new OpPrereqError("Missing disk size", ErrorCode.inval);
      if (typeof d["size"] !== "number" || !Number.isInteger(d["size"])) {
        throw new OpPrereqError(`Invalid disk size '${String(d["size"])}'`, ErrorCode.inval);
      }
      if (d["size"] <= 0 && !this.adopt) throw new OpPrereqError(`Missing or invalid size for disk ${i}`, ErrorCode.inval);
      checkDiskExtProvider(d, this.template);
    }
    const hv = typeof this.op["hypervisor"] === "string" ? this.op["hypervisor"] : cfg.cluster.enabled_hypervisors[0] ?? "";
    if (!cfg.cluster.enabled_hypervisors.includes(hv)) {
      throw new OpPrereqError(`Selected hypervisor (${hv}) not enabled in the cluster (${cfg.cluster.enabled_hypervisors.join(",")})`, ErrorCode.state);
    }
    const n = cfg.nodes[this.pnode.uuid] ?? this.pnode;
    if (this.osType === null && this.op["no_install"] !== true) {
      throw new OpPrereqError("No guest OS or OS image specified", ErrorCode.inval);
    }
    // Blacklisting "name" covers all its variants ("name+variant"), as gnt-os modify names the OS.
    if (this.osType !== null && this.op["no_install"] !== true &&
      (cfg.cluster.blacklisted_os ?? []).some((b) => b === this.osType || b === this.osType?.split("+")[0])) {
      throw new OpPrereqError(`Guest OS '${this.osType}' is not allowed for installation`, ErrorCode.state);
    }
    if (n.offline) throw new OpPrereqError(`Cannot use offline primary node '${n.name}'`, ErrorCode.state);
    if (this.template === "ext") await checkExtDisks(this.env.rpc, n, this.diskSpecs);
    if (this.template === "plain" && !this.adopt) {
      const vg = cfg.cluster.volume_group_name ?? "xenvg";
      const st = (await this.env.rpc.call(nodeTarget(n), "lvm_status", { vg })).raise(`Can't check volume group ${vg} on node ${n.name}`);
      if (st.error !== null) throw new OpPrereqError(`Can't create plain disks on node ${n.name}: ${st.error}`, ErrorCode.environ);
      const need = this.diskSpecs.reduce((a, d) => a + Number(d["size"] ?? 0), 0);
      if (st.free < need) {
        throw new OpPrereqError(`Not enough disk space on target node ${n.name} vg ${vg}: required ${need} MiB, available ${st.free} MiB`,
          ErrorCode.norm);
      }
    }
    if (this.snode !== null) {
      const sn = cfg.nodes[this.snode.uuid] ?? this.snode;
      if (sn.uuid === n.uuid) throw new OpPrereqError("The secondary node cannot be the primary node", ErrorCode.inval);
      if (sn.offline) throw new OpPrereqError(`Can't use offline node: ${sn.name}`, ErrorCode.state);
      if (sn.drained) throw new OpPrereqError(`Can't use drained node ${sn.name}`, ErrorCode.state);
      if (!sn.vm_capable) throw new OpPrereqError(`Can't use non-vm_capable node ${sn.name}`, ErrorCode.state);
    }
    if (n.drained) throw new OpPrereqError(`Cannot use drained primary node '${n.name}'`, ErrorCode.state);
    if (!n.vm_capable) throw new OpPrereqError(`Cannot use non-vm_capable primary node '${n.name}'`, ErrorCode.state);
    if (this.adopt) this.diskSpecs = await checkAdoptedVolumes(this.env.rpc, cfg, n, this.template, this.diskSpecs);
    // Ganeti fills the NICs' networks and pool addresses here, once the primary node is known.
    this.nicPlan = planNics(cfg, n, (this.op["nics"] as NicSpec[] | undefined) ?? [],
      { conflictsCheck: this.op["conflicts_check"] !== false, info: (m) => this.logInfo(m) });
    this.checkIPolicy(n);
    // Ganeti checks the OS (CheckOSParams) after the policy.
    if (this.osType !== null && this.op["no_install"] !== true) await checkNodeHasOs(this.env.rpc, n, this.osType);
    if (this.osType !== null) {
      const nodes = this.snode !== null ? [n, cfg.nodes[this.snode.uuid] ?? this.snode] : [n];
      await checkOsParams(this.env.rpc, (m) => this.logInfo(m), true, nodes, this.osType,
        fillOsParams(cfg.cluster, this.osType, (this.op["osparams"] ?? {}) as Record<string, unknown>), this.op["force_variant"] === true);
    }
    if (this.op["start"] !== false) {
      const be = fillInstanceBe(cfg.cluster, { beparams: (this.op["beparams"] ?? {}) as Record<string, unknown> } as unknown as Instance);
      await checkNodeMemory(this.env, n, { name: this.name, minmem: Number(be["minmem"]), maxmem: Number(be["maxmem"]) },
        [cfg.cluster.file_storage_dir ?? "/srv/ganeti/file-storage"]);
    }
  }

  /** The new instance's specs against its primary node group's policy, unless --ignore-ipolicy. */
  private checkIPolicy(pnode: Node): void {
    const cfg = this.cfg;
    const be = fillInstanceBe(cfg.cluster, { beparams: (this.op["beparams"] ?? {}) as Record<string, unknown> } as unknown as Instance);
    const num = (v: unknown): number | null => (typeof v === "number" ? v : null);
    const ispec: InstanceSpecDict = {
      "memory-size": num(be["maxmem"]), "cpu-count": num(be["vcpus"]), "disk-count": this.diskSpecs.length,
      "disk-size": this.diskSpecs.map((d) => Number(d["size"])),
      "nic-count": ((this.op["nics"] as unknown[] | undefined) ?? []).length, "spindle-use": num(be["spindle_use"]),
    };
    const res = computeIPolicyInstanceSpecViolation(groupIPolicy(cfg, pnode.group), ispec, this.diskSpecs.map(() => this.template));
    if (this.op["ignore_ipolicy"] !== true && res.length > 0) {
      throw new OpPrereqError(`Instance allocation to group ${pnode.group} (${cfg.nodegroups[pnode.group]?.name ?? ""}) violates policy: ` +
        commaJoin(res), ErrorCode.inval);
    }
  }

  /** Ganeti's ComputeNics checks: network, IP, MAC and mode of each new NIC. */
  private checkNics(): void {
    const cfg = this.cfg;
    for (const nic of (this.op["nics"] as Array<Record<string, unknown>> | undefined) ?? []) {
      const net = typeof nic["network"] === "string" && nic["network"].toLowerCase() !== "none" ? nic["network"] : null;
      if (net !== null && (nic["mode"] !== undefined || nic["link"] !== undefined)) {
        throw new OpPrereqError("If network is given, no mode or link is allowed to be passed", ErrorCode.inval);
      }
      const ip = nic["ip"];
      if (typeof ip === "string" && !["none", "auto", "pool"].includes(ip.toLowerCase()) && isIP(ip) === 0) {
        throw new OpPrereqError(`Invalid IP address '${ip}'`, ErrorCode.inval);
      }
      if (typeof ip === "string" && ip.toLowerCase() === "pool" && net === null) {
        throw new OpPrereqError("if ip=pool, parameter network must be passed too", ErrorCode.inval);
      }
      const mac = nic["mac"];
      if (typeof mac === "string" && mac !== "auto" && mac !== "generate" && !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(mac)) {
        throw new OpPrereqError(`Invalid MAC address '${mac}'`, ErrorCode.inval);
      }
      const mode = nic["mode"];
      if (mode !== undefined && !["bridged", "routed", "openvswitch", "auto"].includes(String(mode))) {
        throw new ConfigurationError(`Invalid NIC mode '${String(mode)}'`);
      }
      if (net !== null && !Object.values(cfg.networks ?? {}).some((n) => n.name === net || n.uuid === net)) {
        throw new OpPrereqError(`Network '${net}' not found`, ErrorCode.noent);
      }
    }
  }

  /** Ganeti's LUInstanceCreate.BuildHooksEnv: the instance as it will be (INSTANCE_STATUS is op.start, as there). */
  override buildHooksEnv(): Record<string, string> {
    const nics = this.newNics();
    const draft = { uuid: "", name: this.name, primary_node: this.pnode.uuid, os: this.osType ?? "", hypervisor: this.hypervisor(),
      hvparams: (this.op["hvparams"] ?? {}) as Record<string, unknown>, beparams: (this.op["beparams"] ?? {}) as Record<string, unknown>,
      osparams: {}, admin_state: "down", nics, disks: [], disk_template: this.template, serial_no: 0,
      tags: (this.op["tags"] as string[] | undefined) ?? [] } as unknown as Instance;
    const env: Record<string, string> = { ADD_MODE: String(this.op["mode"] ?? "create") };
    if (this.importFrom !== null) Object.assign(env, { SRC_NODE: this.importFrom.node.name, SRC_PATH: this.importFrom.name });
    const disks: Record<string, string> = { INSTANCE_DISK_COUNT: String(this.diskSpecs.length) };
    this.diskSpecs.forEach((d, i) => {
      if (typeof d["name"] === "string" && d["name"] !== "") disks[`INSTANCE_DISK${i}_NAME`] = d["name"];
      Object.assign(disks, { [`INSTANCE_DISK${i}_UUID`]: "", [`INSTANCE_DISK${i}_SIZE`]: String(d["size"]), [`INSTANCE_DISK${i}_MODE`]: String(d["mode"] ?? "rw") });
    });
    return { ...env, ...instanceHookEnv(this.cfg, draft, { INSTANCE_SECONDARIES: this.snode?.name ?? "",
      INSTANCE_STATUS: this.op["start"] === false ? "False" : "True", INSTANCE_DISK_TEMPLATE: this.template, ...disks }) };
  }

  override buildHooksNodes(): [string[], string[]] {
    const nodes = [...new Set([masterName(this.cfg), this.pnode.name, ...(this.snode !== null ? [this.snode.name] : [])])];
    return [nodes, nodes];
  }

  private hypervisor(): string {
    return typeof this.op["hypervisor"] === "string" ? this.op["hypervisor"] : this.cfg.cluster.enabled_hypervisors[0] ?? "fake";
  }

  /** The new NICs, from the plan of checkPrereq (MAC addresses made once, as Ganeti does there). */
  private newNics(): Nic[] {
    this.nics ??= ((this.op["nics"] as Array<Record<string, unknown>> | undefined) ?? []).map((n, i) => {
      const plan = this.nicPlan[i];
      return {
        uuid: randomUUID(), name: typeof n["name"] === "string" ? n["name"] : null,
        mac: typeof n["mac"] === "string" && n["mac"] !== "auto" && n["mac"] !== "generate" ? n["mac"]
          : newMac(plan?.macPrefix ?? this.cfg.cluster.mac_prefix),
        ip: plan?.ip ?? null, network: plan?.network ?? null, nicparams: { ...(plan?.nicparams ?? {}) },
      } as Nic;
    });
    return this.nics;
  }

  async exec(): Promise<OpOutcome> {
    const cfg = this.cfg;
    const now = Date.now() / 1000;
    const c = cfg.cluster;
    const baseDir = this.template === "sharedfile" ? c.shared_file_storage_dir ?? "/srv/ganeti/shared-file-storage"
      : typeof this.op["file_storage_dir"] === "string" ? this.op["file_storage_dir"] : c.file_storage_dir ?? "/srv/ganeti/file-storage";
    const specs = this.diskSpecs
      .map((d) => ({ size: Number(d["size"]), mode: String(d["mode"] ?? "rw"), name: typeof d["name"] === "string" ? d["name"] : null,
        ...(this.template === "ext" ? { provider: extDiskParams(d).provider, extParams: extDiskParams(d).params } : {}),
        ...(this.template === "blockdev" ? { adopt: String(d["adopt"]) } : {}) }));
    const fileDir = this.template === "sharedfile" || this.template === "file" ? baseDir : c.file_storage_dir ?? "/srv/ganeti/file-storage";
    const { disks, highestPort } = buildDisks(cfg, this.template, this.name, this.pnode.uuid, this.snode?.uuid ?? null, specs, 0, fileDir,
      String(this.op["file_driver"] ?? "loop"));
    const nics = this.newNics();
    const start = this.op["start"] !== false;
    let inst = {
      uuid: randomUUID(), name: this.name, primary_node: this.pnode.uuid, os: this.osType ?? "",
      hypervisor: typeof this.op["hypervisor"] === "string" ? this.op["hypervisor"] : c.enabled_hypervisors[0] ?? "fake",
      hvparams: (this.op["hvparams"] ?? {}) as Record<string, unknown>, beparams: (this.op["beparams"] ?? {}) as Record<string, unknown>,
      osparams: (this.op["osparams"] ?? {}) as Record<string, unknown>, admin_state: start ? "up" : "down", admin_state_source: "admin",
      nics, disks: disks.map((d) => d.uuid ?? ""), disk_template: this.template, disks_active: start, network_port: null,
      serial_no: 1, tags: (this.op["tags"] as string[] | undefined) ?? [], ctime: now, mtime: now,
    } as Instance;
    const target = nodeTarget(this.pnode);
    if (this.adopt) {
      await renameAdoptedVolumes(this.env.rpc, cfg, inst, this.pnode, disks, this.diskSpecs);
    } else if (disks.length > 0) {
      this.env.feedback("* creating instance disks...");
      await createDisks(this.diskEnv(), inst, disks);
    }
    this.env.feedback(`adding instance ${this.name} to cluster config`);
    try {
      await this.env.config.update((cfg2) => {
        const r = reserveNewNics(cfg2, nics, this.nicPlan.map((p) => p.fromPool));
        const placed = r.nics === nics ? inst : { ...inst, nics: r.nics };
        return {
          ...r.cfg,
          cluster: MIRRORED_TEMPLATES.has(this.template) ? { ...r.cfg.cluster, highest_used_port: highestPort } : r.cfg.cluster,
          instances: { ...r.cfg.instances, [inst.uuid]: placed },
          disks: { ...r.cfg.disks, ...Object.fromEntries(disks.map((d) => [d.uuid ?? "", d])) },
        };
      }, (w) => this.logWarning(w));
    } catch (e) {
      // Not recorded (an address taken meanwhile): the new disks go again; adopted
      // volumes are never removed, plain ones get their old names back.
      if (this.adopt) await undoAdoptRename(this.env.rpc, cfg, inst, this.pnode, disks, this.diskSpecs).catch(() => undefined);
      else if (disks.length > 0) await removeDisks(this.diskEnv(), inst, disks).catch(() => undefined);
      throw e;
    }
    inst = this.cfg.instances[inst.uuid] ?? inst; // as recorded (a pool address may have been picked anew)
    // The instance is in the configuration: other jobs may use its nodes again (Ganeti
    // releases the node locks here, the node resource locks after the OS installation).
    this.releaseLocks(Levels.node);
    if (MIRRORED_TEMPLATES.has(this.template)) {
      // The mirror is assembled on both nodes and synced before anything is written on it.
      if (!(await assembleDisks(this.diskEnv(), inst))) {
        throw new OpExecError("There are some degraded disks for this instance, please cleanup manually");
      }
      if (this.op["wait_for_sync"] !== false && !(await waitForSync(this.diskEnv(), inst))) {
        this.logWarning("Disk syncing has not returned a good status; check the instance");
      }
    }
    if (this.adopt) {
      // Ganeti installs no OS on adopted disks: they hold the instance's data already.
    } else if (this.importFrom !== null && this.op["no_install"] !== true) {
      this.env.feedback("* running the instance OS import scripts...");
      await importDisks({ rpc: this.env.rpc, feedback: (m) => this.env.feedback(m), warn: (m) => this.logWarning(m) }, this.cfg,
        this.cfg.instances[inst.uuid] ?? inst, this.pnode, this.importFrom.node, this.importFrom.name, this.importFrom.info);
    } else if (this.op["no_install"] !== true && this.osType !== null) {
      this.env.feedback(`* running the instance OS create scripts...`);
      const r = await this.env.rpc.call(target, "instance_os_add", { instance: osInstance(this.cfg, inst, this.pnode), debug: 0 });
      r.raise(`Could not add os for instance ${this.name} on node ${this.pnode.name}`);
    }
    this.releaseLocks(Levels.nodeRes);
    if (!start && MIRRORED_TEMPLATES.has(this.template)) await shutdownDisks(this.diskEnv(), inst);
    if (start) {
      this.env.feedback("* starting instance...");
      await startInstance(this.diskEnv(), inst);
    }
    return { result: [this.pnode.name] };
  }
}

/** The OS definition must exist, be valid, and match the variant given (Ganeti's ValidateOS). */
export async function checkNodeHasOs(rpc: RpcClient, node: Node, osName: string): Promise<void> {
  const [name, variant] = osName.split("+") as [string, string | undefined];
  const r = await rpc.call(nodeTarget(node), "os_diagnose", {});
  const oses = r.raise(`Can't check the OS list of node ${node.name}`);
  const os = oses.find((o) => o.name === name);
  if (os === undefined || !os.status) {
    throw new OpPrereqError(`OS '${name}' not in supported OS list for node ${node.name}${os !== undefined ? `: ${os.diagnose}` : ""}`,
      ErrorCode.inval);
  }
  if (os.variants.length === 0 && variant !== undefined) {
    throw new OpPrereqError(`OS '${name}' does not support variants ('${variant}' passed)`, ErrorCode.inval);
  }
  if (os.variants.length > 0 && variant === undefined) throw new OpPrereqError(`OS name '${osName}' must include a variant`, ErrorCode.inval);
  if (variant !== undefined && !os.variants.includes(variant)) {
    throw new OpPrereqError(`OS '${name}' does not support variant '${variant}'`, ErrorCode.inval);
  }
}

/** Activates the disks (drbd: assembled, primary here) and starts the instance on its primary. */
export async function startInstance(env: DiskOpsEnv, inst: Instance): Promise<void> {
  const cfg = env.cfg;
  const node = cfg.nodes[inst.primary_node];
  if (node === undefined) throw new OpExecError(`Primary node of ${inst.name} not in the configuration`);
  // drbd: primary here; ext: attached (and opened) by the provider here.
  if (instanceDisks(cfg, inst).some((d) => isDrbd(d) || d.dev_type === "ext") && !(await assembleDisks(env, inst, { ignoreSecondaries: true }))) {
    throw new OpExecError("Disk consistency error");
  }
  const be = fillInstanceBe(cfg.cluster, inst);
  const r = await env.rpc.call(nodeTarget(node), "instance_start", {
    name: inst.name, hypervisor: inst.hypervisor, memory: await startMemory(env, node, inst.name, Number(be["minmem"]), Number(be["maxmem"])),
    vcpus: Number(be["vcpus"]), disks: diskArgs(cfg, inst),
  });
  r.raise(`Could not start instance ${inst.name}`);
}

/**
 * The memory to start with: maxmem, or what the node has free when that is less but still
 * at least minmem (the instance runs smaller until memory frees up); below minmem: refused.
 */
async function startMemory(env: DiskOpsEnv, node: Node, name: string, minmem: number, maxmem: number): Promise<number> {
  if (minmem >= maxmem) return maxmem;
  const r = await env.rpc.call(nodeTarget(node), "node_info", { storage_dirs: [] });
  if (!r.ok || r.payload === null) return maxmem;
  const free = r.payload.memory_free;
  if (free >= maxmem) return maxmem;
  if (free < minmem) {
    throw new OpExecError(`Not enough memory on node ${node.name} for starting instance ${name}: needed ${minmem} MiB, available ${free} MiB`);
  }
  env.info(`Node ${node.name} has ${free} MiB free, less than the instance's maximum memory (${maxmem} MiB): starting ${name} with ${free} MiB`);
  return free;
}

export abstract class LUInstanceOne extends LogicalUnit {
  override readonly reqBgl = false;
  protected inst!: Instance;
  override expandNames(): void {
    this.inst = expandInstance(this.cfg, String(this.op["instance_name"]));
    this.lock(Levels.instance, [this.inst.uuid]);
    this.lock(Levels.node, [this.inst.primary_node]);
  }
  protected setAdminState(state: "up" | "down"): Promise<ConfigData> {
    return this.env.config.update((cfg) => {
      const i = cfg.instances[this.inst.uuid];
      if (i === undefined || i.admin_state === state) return cfg;
      return { ...cfg, instances: { ...cfg.instances, [i.uuid]: { ...i, admin_state: state, disks_active: state === "up", serial_no: i.serial_no + 1, mtime: Date.now() / 1000 } } };
    }, (w) => this.logWarning(w));
  }
  /** Ganeti's BuildInstanceHookEnvByObject, plus what the operation adds. */
  override buildHooksEnv(): Record<string, string> {
    return instanceHookEnv(this.cfg, this.cfg.instances[this.inst.uuid] ?? this.inst, this.hooksExtra());
  }
  protected hooksExtra(): Record<string, string> {
    return {};
  }
  override buildHooksNodes(): [string[], string[]] {
    const nodes = instanceHookNodes(this.cfg, this.inst);
    return [nodes, nodes];
  }
  protected get pnode(): Node {
    const n = this.cfg.nodes[this.inst.primary_node];
    if (n === undefined) throw new OpPrereqError(`Primary node of instance ${this.inst.name} not found`, ErrorCode.fault);
    return n;
  }
}

export class LUInstanceStartup extends LUInstanceOne {
  override readonly hooksPath = "instance-start";
  override readonly hooksType = "INSTANCE" as const;
  protected override hooksExtra(): Record<string, string> {
    return { FORCE: this.op["force"] === true ? "True" : "False" };
  }
  async checkPrereq(): Promise<void> {
    if (this.pnode.offline) throw new OpPrereqError(`Cannot start instance ${this.inst.name}: primary node ${this.pnode.name} is offline`, ErrorCode.state);
    const be = fillInstanceBe(this.cfg.cluster, this.inst);
    const running = await this.env.rpc.call(nodeTarget(this.pnode), "all_instances_info", { hypervisors: [this.inst.hypervisor] });
    if (running.ok && running.payload?.[this.inst.name] !== undefined) return;
    await checkNodeMemory(this.env, this.pnode, { name: this.inst.name, minmem: Number(be["minmem"]), maxmem: Number(be["maxmem"]) }, []);
  }
  async exec(): Promise<OpOutcome> {
    // no_remember: started now, its configured state left as it is (Ganeti's).
    const cfg = this.op["no_remember"] === true ? this.cfg : await this.setAdminState("up");
    const running = await this.env.rpc.call(nodeTarget(this.pnode), "all_instances_info", { hypervisors: [this.inst.hypervisor] });
    if (running.ok && running.payload?.[this.inst.name] !== undefined) return { result: null };
    await startInstance({ ...this.diskEnv(), cfg }, cfg.instances[this.inst.uuid] ?? this.inst);
    return { result: null };
  }
}

export class LUInstanceShutdown extends LUInstanceOne {
  override readonly hooksPath = "instance-stop";
  override readonly hooksType = "INSTANCE" as const;
  protected override hooksExtra(): Record<string, string> {
    return { TIMEOUT: String(this.op["timeout"] ?? 120) };
  }
  checkPrereq(): void {}
  async exec(): Promise<OpOutcome> {
    // no_remember: stopped now, still configured to run (gnt-cluster epo, Ganeti's).
    if (this.op["no_remember"] !== true) await this.setAdminState("down");
    const r = await this.env.rpc.call(nodeTarget(this.pnode), "instance_shutdown",
      { name: this.inst.name, hypervisor: this.inst.hypervisor, timeout: Number(this.op["timeout"] ?? 120) });
    if (!r.ok) this.logWarning(`Could not shutdown instance: ${r.failMsg}`);
    return { result: null };
  }
}

export class LUInstanceRemove extends LUInstanceOne {
  override readonly hooksPath = "instance-remove";
  override readonly hooksType = "INSTANCE" as const;
  protected override hooksExtra(): Record<string, string> {
    return { SHUTDOWN_TIMEOUT: String(this.op["shutdown_timeout"] ?? 120) };
  }
  /** Ganeti: the pre hooks on the master only, the post hooks also where the instance was. */
  override buildHooksNodes(): [string[], string[]] {
    const all = super.buildHooksNodes()[1];
    return [all.slice(0, 1), all];
  }
  checkPrereq(): void {}
  async exec(): Promise<OpOutcome> {
    const ignore = this.op["ignore_failures"] === true;
    const target = nodeTarget(this.pnode);
    this.logInfo(`Shutting down instance ${this.inst.name} on node ${this.pnode.name}`);
    const r = await this.env.rpc.call(target, "instance_shutdown", { name: this.inst.name, hypervisor: this.inst.hypervisor, timeout: 120 });
    if (!r.ok) {
      if (!ignore) throw new OpExecError(`Could not shutdown instance ${this.inst.name} on node ${this.pnode.name}: ${r.failMsg}`);
      this.logWarning(`Warning: can't shutdown instance: ${r.failMsg}`);
    }
    await shutdownDisks(this.diskEnv(), this.inst, { ignorePrimary: true });
    this.logInfo("Removing block devices for instance " + this.inst.name);
    if (!(await removeDisks(this.diskEnv(), this.inst)) && !ignore) {
      throw new OpExecError("Can't remove instance's disks");
    }
    this.logInfo(`Removing instance ${this.inst.name} out of cluster config`);
    await this.env.config.update((c) => {
      const instances = { ...c.instances };
      delete instances[this.inst.uuid];
      const disks = { ...c.disks };
      for (const d of this.inst.disks) delete disks[d];
      // Its NICs' addresses go back to their networks' pools (Ganeti's RemoveInstance).
      return commitNicIps({ ...c, instances, disks }, c.instances[this.inst.uuid]?.nics ?? [], "release");
    }, (w) => this.logWarning(w));
    return { result: null };
  }
}
