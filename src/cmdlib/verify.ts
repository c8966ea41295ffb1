// gnt-cluster verify: OP_CLUSTER_VERIFY submits one config check and one check per node
// group as separate jobs, as Ganeti does. This stage checks the configuration and the
// nodes: offline nodes, unreachable nodes, node-to-node connectivity and files whose
// checksums differ between nodes.
import type { ConfigData, Instance, Node } from "../objects/types.js";
import { candidateStats, instanceDiskTemplate, fillInstanceBe } from "../objects/fill.js";
import { LogicalUnit, masterNodeOf, Levels, type HookNodeResult } from "./base.js";
import type { OpOutcome } from "../jobs/queue.js";
import { SSCONF_KEYS } from "../constants.js";
import { nodeTarget } from "../config/store.js";
import { drbdNodeFindings, drbdInstanceFindings, nPlusOneFindings, orphanFindings } from "./verify-storage.js";
import { extStorageFindings } from "./verify-extstorage.js";
import { diagnoseNodes } from "./extstorage.js";
import { readFile } from "node:fs/promises";
import { verifyCertificate } from "../rpc/certs.js";
import { verifyConfig, verifyHvParams } from "../objects/verify-config.js";
import { displayPath } from "../util/paths.js";

const CONFIG_FILE = "/var/lib/ganeti/config.data";
const SERVER_PEM = "/var/lib/ganeti/server.pem";
/** Ganeti's DTS_MIRRORED: templates whose instances survive the loss of their primary node. */
const MIRRORED: ReadonlySet<string> = new Set(["drbd", "sharedfile", "rbd", "ext", "gluster", "blockdev"]);

export class LUClusterVerify extends LogicalUnit {
  override readonly reqBgl = false;
  checkPrereq(): void {}
  async exec(): Promise<OpOutcome> {
    const base = { debug_simulate_errors: this.op["debug_simulate_errors"], error_codes: this.op["error_codes"],
      ignore_errors: this.op["ignore_errors"], verbose: this.op["verbose"] };
    const jobs: Array<Array<{ OP_ID: string; [k: string]: unknown }>> = [];
    const groupName = this.op["group_name"];
    if (groupName === undefined || groupName === null) jobs.push([{ OP_ID: "OP_CLUSTER_VERIFY_CONFIG", ...clean(base) }]);
    for (const g of Object.values(this.cfg.nodegroups).sort((a, b) => a.name.localeCompare(b.name))) {
      if (typeof groupName === "string" && g.name !== groupName && g.uuid !== groupName) continue;
      jobs.push([{ OP_ID: "OP_CLUSTER_VERIFY_GROUP", group_name: g.uuid, skip_checks: this.op["skip_checks"], ...clean(base) }]);
    }
    return { result: {}, jobs };
  }
}

/** Leaves out unset fields, so the follow-up opcodes get their own defaults. */
function clean(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));
}

abstract class VerifyBase extends LogicalUnit {
  protected bad = false;
  protected error(kind: string, item: string, msg: string): void {
    this.bad = true;
    this.env.feedback(`  - ERROR: ${kind}${item === "" ? "" : ` ${item}`}: ${msg}`);
  }
  protected warning(kind: string, item: string, msg: string): void {
    this.env.feedback(`  - WARNING: ${kind}${item === "" ? "" : ` ${item}`}: ${msg}`);
  }
  protected notice(msg: string): void {
    this.env.feedback(`  - NOTICE: ${msg}`);
  }
  protected step(msg: string): void {
    this.env.feedback(`* ${msg}`);
  }
}

export class LUClusterVerifyConfig extends VerifyBase {
  override readonly reqBgl = false;
  override expandNames(): void {
    this.lock(Levels.node, "all", "shared");
    this.lock(Levels.nodegroup, "all", "shared");
  }
  checkPrereq(): void {}
  async exec(): Promise<OpOutcome> {
    const cfg = this.cfg;
    this.step("Verifying cluster config");
    const groups = new Set(Object.keys(cfg.nodegroups));
    if (cfg.nodes[cfg.cluster.master_node] === undefined) this.error("cluster", "", "master node not in the node list");
    for (const msg of verifyConfig(cfg)) this.error("cluster", "", msg);
    this.step("Verifying cluster certificate files");
    // Ganeti's clock-skew allowance (NODE_MAX_CLOCK_SKEW, 150 s) is added to now, as its check does.
    const now = Date.now() / 1000 + 150;
    for (const [file, required] of [[this.env.paths.serverPem, true], [this.env.paths.rapiPem, false]] as const) {
      const pem = await readFile(file, "utf8").catch(() => null);
      if (pem === null && !required) continue; // no rapi.pem: the RAPI presents the cluster certificate
      const r = verifyCertificate(displayPath(this.env.paths, file), pem, now);
      if (r !== null) (r.level === "error" ? this.error.bind(this) : this.warning.bind(this))("cluster", "", r.msg);
    }
    this.step("Verifying hypervisor parameters");
    for (const msg of verifyHvParams(cfg)) this.error("cluster", "", msg);
    this.step("Verifying all nodes belong to an existing group");
    const orphans = Object.values(cfg.nodes).filter((n) => !groups.has(n.group));
    if (orphans.length > 0) {
      this.error("cluster", "", `the following nodes (and their instances) belong to a non existing group: ${orphans.map((n) => n.name).join(", ")}`);
    }
    const st = candidateStats(cfg);
    if (st.mc_now < st.mc_should) {
      this.error("cluster", "", `not enough master candidates: ${st.mc_now} (should be ${st.mc_should})`);
    }
    return { result: !this.bad };
  }
}

export class LUClusterVerifyGroup extends VerifyBase {
  override readonly reqBgl = false;
  override readonly hooksPath = "cluster-verify";
  override readonly hooksType = "CLUSTER" as const;
  private nodes: Node[] = [];

  /** Ganeti's: the cluster's tags and each node's, for the post hooks on the group's nodes. */
  override buildHooksEnv(): Record<string, string> {
    const env: Record<string, string> = { CLUSTER_TAGS: (this.cfg.cluster.tags ?? []).join(" ") };
    for (const n of this.nodes) env[`NODE_TAGS_${n.name}`] = (n.tags ?? []).join(" ");
    return env;
  }
  override buildHooksNodes(): [string[], string[]] {
    return [[], this.nodes.map((n) => n.name)];
  }
  /** Ganeti's HooksCallBack: every failed post hook script is an error, its output indented. */
  override hooksCallBack(results: ReadonlyMap<string, HookNodeResult>, outcome: OpOutcome): OpOutcome {
    if (this.nodes.length === 0) return outcome;
    this.step("Hooks Results");
    let ok = outcome.result === true;
    for (const [node, r] of results) {
      if (!r.ok && !r.offline) {
        this.error("node", node, `Communication failure in hooks execution: ${r.failMsg ?? ""}`);
        ok = false;
        continue;
      }
      for (const [script, status, output] of r.scripts) {
        if (status !== "fail") continue;
        this.error("node", node, `Script ${script} failed, output:`);
        this.env.feedback(output.replace(/^/gm, "      "));
        ok = false;
      }
    }
    return { ...outcome, result: ok };
  }

  override expandNames(): void {
    this.lock(Levels.node, "all", "shared");
  }

  checkPrereq(): void {
    const want = String(this.op["group_name"]);
    const g = Object.values(this.cfg.nodegroups).find((x) => x.uuid === want || x.name === want);
    this.nodes = Object.values(this.cfg.nodes).filter((n) => n.group === g?.uuid).sort((a, b) => a.name.localeCompare(b.name));
  }

  async exec(): Promise<OpOutcome> {
    const cfg = this.cfg;
    const online = this.nodes.filter((n) => !n.offline);
    const offline = this.nodes.filter((n) => n.offline);
    this.step(`Verifying group '${groupName(cfg, this.nodes[0]?.group)}'`);
    this.step(`Gathering data (${this.nodes.length} nodes)`);
    const files = [CONFIG_FILE, SERVER_PEM, ...SSCONF_KEYS.map((k) => `/var/lib/ganeti/ssconf_${k}`)];
    const allNodes = Object.values(cfg.nodes).filter((n) => !n.offline);
    const fileDir = cfg.cluster.file_storage_dir ?? "/srv/ganeti/file-storage";
    const [res, running, drbd, info, stored] = await Promise.all([
      this.env.rpc.callMany(online.map(nodeTarget), "node_verify", {
        checksum_files: files,
        node_names_to_check: allNodes.map((n) => ({ name: n.name, ip: n.primary_ip })),
      }),
      this.env.rpc.callMany(online.map(nodeTarget), "all_instances_info", { hypervisors: [...cfg.cluster.enabled_hypervisors] }),
      this.env.rpc.callMany(online.map(nodeTarget), "drbd_list", {}),
      this.env.rpc.callMany(online.map(nodeTarget), "node_info", { storage_dirs: [] }),
      this.env.rpc.callMany(online.map(nodeTarget), "file_storage_list", { dirs: [fileDir] }),
    ]);
    this.step("Verifying configuration file consistency");
    this.verifyFiles(cfg, online, files, res);
    this.step("Verifying node status");
    for (const n of online) {
      const r = res.get(n.name);
      if (r === undefined || !r.ok) {
        this.error("node", n.name, `while contacting node: ${r?.failMsg ?? "no answer"}`);
        continue;
      }
      const p = r.payload;
      if (p === null) continue;
      for (const [other, err] of Object.entries(p.nodelist)) {
        if (err !== null) this.error("node", n.name, `tcp communication with node '${other}': ${err}`);
      }
      const skew = Math.abs(p.time - Date.now() / 1000);
      if (skew > 150) this.error("node", n.name, `Node time diverges by at least ${skew.toFixed(1)}s from master node time`);
      const minors = drbd.get(n.name);
      if (minors !== undefined && minors.ok && minors.payload !== null) {
        for (const [kind, item, msg] of drbdNodeFindings(cfg, n, minors.payload)) this.error(kind, item, msg);
      }
    }
    if ((cfg.cluster.enabled_disk_templates ?? []).includes("plain")) {
      const vg = cfg.cluster.volume_group_name ?? "xenvg";
      const lvm = await this.env.rpc.callMany(online.filter((n) => n.vm_capable !== false).map(nodeTarget), "lvm_status", { vg });
      for (const [name, r] of [...lvm.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        if (r.ok && r.payload !== null && r.payload.error !== null) this.error("node", name, `volume group '${vg}' can't be used: ${r.payload.error}`);
      }
    }
    if ((cfg.cluster.enabled_disk_templates ?? []).includes("ext")) {
      this.step("Verifying ExtStorage providers");
      // A node that does not answer is reported by the node checks above.
      const es = await diagnoseNodes(this.env.rpc, online, () => undefined);
      for (const [kind, item, msg] of extStorageFindings(cfg, online, es)) this.error(kind, item, msg);
    }
    this.step("Verifying instance status");
    const inGroup = new Set(this.nodes.map((n) => n.uuid));
    for (const inst of Object.values(cfg.instances).sort((a, b) => a.name.localeCompare(b.name))) {
      if (!inGroup.has(inst.primary_node)) continue;
      for (const [kind, item, msg] of await drbdInstanceFindings(this.env.rpc, cfg, inst)) this.error(kind, item, msg);
    }
    const nonRedundant = this.verifyInstances(cfg, running);
    this.step("Verifying orphan volumes");
    for (const n of online) {
      const f = stored.get(n.name);
      if (f !== undefined && f.ok && f.payload !== null) for (const [kind, item, msg] of orphanFindings(cfg, n, f.payload)) this.error(kind, item, msg);
    }
    this.step("Verifying N+1 Memory redundancy");
    if (!((this.op["skip_checks"] as string[] | undefined) ?? []).includes("nplusone_mem")) {
      const free = new Map<string, number>();
      for (const n of online) {
        const r = info.get(n.name);
        if (r !== undefined && r.ok && r.payload !== null) free.set(n.uuid, r.payload.memory_free);
      }
      const be = (i: Instance) => {
        const f = fillInstanceBe(cfg.cluster, i);
        return { minmem: Number(f["minmem"]), autoBalance: f["auto_balance"] !== false };
      };
      for (const [kind, item, msg] of nPlusOneFindings(cfg, this.nodes, free, be)) this.error(kind, item, msg);
    }
    this.step("Other Notes");
    if (nonRedundant > 0) this.notice(`${nonRedundant} non-redundant instance(s) found.`);
    const offlineInstances = Object.values(cfg.instances).filter((i) => i.admin_state === "offline").length;
    if (offlineInstances > 0) this.notice(`${offlineInstances} offline instance(s) found.`);
    if (offline.length > 0) this.notice(`${offline.length} offline node(s) found.`);
    const drained = this.nodes.filter((n) => n.drained).length;
    if (drained > 0) this.notice(`${drained} drained node(s) found.`);
    return { result: !this.bad };
  }

  /**
   * Instances against what the nodes' hypervisors run: down where they should run, on an
   * offline node, or running where they should not. Returns the non-redundant count.
   */
  private verifyInstances(cfg: ConfigData,
    running: ReadonlyMap<string, { ok: boolean; payload: Record<string, unknown> | null }>): number {
    const inGroup = new Set(this.nodes.map((n) => n.uuid));
    const byName = new Map(Object.values(cfg.instances).map((i) => [i.name, i]));
    let nonRedundant = 0;
    for (const inst of Object.values(cfg.instances).sort((a, b) => a.name.localeCompare(b.name))) {
      if (!inGroup.has(inst.primary_node)) continue;
      const pnode = cfg.nodes[inst.primary_node];
      if (pnode === undefined) continue;
      if (!MIRRORED.has(instanceDiskTemplate(cfg, inst))) nonRedundant++;
      if (inst.admin_state !== "up") continue;
      if (pnode.offline) {
        this.error("instance", inst.name, `instance is marked as running and lives on offline node ${pnode.name}`);
        continue;
      }
      const r = running.get(pnode.name);
      if (r !== undefined && r.ok && r.payload?.[inst.name] === undefined) {
        this.error("instance", inst.name, `instance not running on its primary node ${pnode.name}`);
      }
    }
    for (const n of this.nodes) {
      const r = running.get(n.name);
      if (r === undefined || !r.ok || r.payload === null) continue;
      for (const name of Object.keys(r.payload).sort()) {
        const inst = byName.get(name);
        if (inst === undefined) this.error("node", n.name, `node is running unknown instance ${name}`);
        else if (inst.primary_node !== n.uuid) this.error("instance", name, `instance should not run on node ${n.name}`);
      }
    }
    return nonRedundant;
  }

  /** Every file must be the same on every node that should have it (config.data: candidates). */
  private verifyFiles(cfg: ConfigData, online: readonly Node[],
    files: readonly string[], res: ReadonlyMap<string, { ok: boolean; payload: { file_checksums: Record<string, string | null> } | null }>): void {
    const master = masterNodeOf(cfg);
    for (const f of files) {
      const should = f === CONFIG_FILE ? online.filter((n) => n.master_candidate || n.uuid === master.uuid) : online;
      const byChecksum = new Map<string, string[]>();
      const missing: string[] = [];
      for (const n of should) {
        const r = res.get(n.name);
        if (r === undefined || !r.ok || r.payload === null) continue;
        const sum = r.payload.file_checksums[f];
        if (sum === null || sum === undefined) missing.push(n.name);
        else byChecksum.set(sum, [...(byChecksum.get(sum) ?? []), n.name]);
      }
      if (f === CONFIG_FILE) {
        const extra = online.filter((n) => !n.master_candidate && n.uuid !== master.uuid)
          .filter((n) => { const s = res.get(n.name)?.payload?.file_checksums[f]; return s !== null && s !== undefined; });
        if (extra.length > 0) this.error("cluster", "", `File ${f} should not exist on node(s) ${extra.map((n) => n.name).join(", ")}`);
      }
      if (missing.length > 0) this.error("cluster", "", `File ${f} is missing from node(s) ${missing.join(", ")}`);
      if (byChecksum.size > 1) {
        const variants = [...byChecksum.entries()].sort(([a], [b]) => a.localeCompare(b))
          .map(([, nodes], i) => `variant ${i + 1} on ${nodes.sort().join(", ")}`);
        this.error("cluster", "", `File ${f} found with ${byChecksum.size} different checksums (${variants.join("; ")})`);
      }
    }
  }
}

function groupName(cfg: ConfigData, uuid: string | undefined): string {
  return uuid === undefined ? "" : cfg.nodegroups[uuid]?.name ?? uuid;
}
