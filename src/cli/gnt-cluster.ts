// gnt-cluster: cluster administration.
import { arch } from "node:os";
import { ganetiPaths } from "../util/paths.js";
import { readSsconf } from "../util/ssconf.js";
// Only init and master-failover need it (node:child_process): loaded there.
const enterNodeNetns = async (paths: import("../util/paths.js").GanetiPaths): Promise<void> => (await import("../util/netns.js")).enterNodeNetns(paths);
import { LuxiMethod } from "../luxi/protocol.js";
import {
  RELEASE_VERSION, PROTOCOL_VERSION, CONFIG_VERSION, OS_API_VERSION, EXPORT_VERSION, TS_VERSION,
} from "../constants.js";
import { main, out, err, COMMON, parseKeyVal, parseIdentKeyVal, parseBool, forceDictType, BES_PARAMETER_TYPES, type CommandTable } from "./framework.js";
import { withMaster, connectMaster, runOpcode, pollJob, commonOpFields, ctime } from "./jobs.js";
// Bootstrap code (certificates, config writer, node RPC) is loaded only by the commands
// that need it, so everyday commands start fast.
const bootstrap = (): Promise<typeof import("./bootstrap.js")> => import("./bootstrap.js");
import { tagCommands } from "./tags.js";
import { renewCryptoCommand } from "./cluster-crypto.js";
import { nodeCommands } from "./cluster-node-commands.js";
import { epoCommand } from "./cluster-epo.js";
import { confirm } from "./prompt.js";
import { formatInfo } from "./info-format.js";
import { OpPrereqError, ErrorCode, formatError } from "../errors.js";
import { parseTimespec } from "./units.js";
import { IPOLICY_OPTIONS, ipolicyFromOptions, ipolicyCommand } from "./ipolicy-opts.js";

function splitList(v: unknown): string[] | undefined {
  return typeof v === "string" ? v.split(",").filter((x) => x !== "") : undefined;
}

function hvOptions(list: string[] | undefined): Record<string, Record<string, unknown>> | undefined {
  if (list === undefined) return undefined;
  const out: Record<string, Record<string, unknown>> = {};
  for (const item of list) {
    const [hv, params] = parseIdentKeyVal(item, "hypervisor");
    out[hv] = { ...(out[hv] ?? {}), ...params };
  }
  return out;
}


export const commands: CommandTable = {
  init: {
    summary: "Initialises a new cluster configuration",
    usage: "[options...] <cluster-name>",
    args: [1, 1],
    options: {
      "master-netdev": { type: "string", help: "Network device for the master IP", metavar: "NETDEV" },
      "master-netmask": { type: "string", help: "Netmask of the master IP", metavar: "NETMASK" },
      "enabled-hypervisors": { type: "string", help: "Comma-separated list of hypervisors", metavar: "HYPERVISORS" },
      "enabled-disk-templates": { type: "string", help: "Comma-separated list of disk templates", metavar: "TEMPLATES" },
      "hypervisor-parameters": { type: "string", short: "H", multiple: true, help: "Hypervisor parameters (hv:k=v,...)" },
      "backend-parameters": { type: "string", short: "B", help: "Backend parameters (k=v,...)" },
      "nic-parameters": { type: "string", short: "N", help: "NIC parameters (k=v,...)" },
      "node-parameters": { type: "string", help: "Node parameters (k=v,...)" },
      "disk-parameters": { type: "string", short: "D", multiple: true, help: "Disk parameters (template:k=v,...)" },
      "secondary-ip": { type: "string", short: "s", help: "Secondary (replication) IP of this node", metavar: "ADDRESS" },
      "candidate-pool-size": { type: "string", short: "C", help: "Number of master candidates to keep", metavar: "SIZE", check: "int" },
      "file-storage-dir": { type: "string", help: "Directory for file-based disks", metavar: "DIR" },
      "shared-file-storage-dir": { type: "string", help: "Directory for sharedfile disks", metavar: "DIR" },
      "no-etc-hosts": { type: "boolean", help: "Don't modify the cluster's hosts file" },
      "no-ssh-init": { type: "boolean", help: "Accepted for compatibility: nodes join by token, not SSH" },
      "vg-name": { type: "string", short: "g", help: "Volume group name for LVM-based disks", metavar: "VG" },
      ...IPOLICY_OPTIONS,
      debug: COMMON.debug,
    },
    async run(o, [name]) {
      const paths = ganetiPaths();
      await enterNodeNetns(paths);
      const bep = typeof o["backend-parameters"] === "string" ? parseKeyVal(o["backend-parameters"], "backend") : undefined;
      const token = await (await bootstrap()).initCluster(paths, {
        clusterName: name ?? "",
        masterNetdev: typeof o["master-netdev"] === "string" ? o["master-netdev"] : "lo",
        masterNetmask: typeof o["master-netmask"] === "string" ? Number(o["master-netmask"]) : undefined,
        enabledHypervisors: splitList(o["enabled-hypervisors"]) ?? ["fake"],
        enabledDiskTemplates: splitList(o["enabled-disk-templates"]) ?? (await (await bootstrap()).defaultDiskTemplates()),
        secondaryIp: typeof o["secondary-ip"] === "string" ? o["secondary-ip"] : undefined,
        candidatePoolSize: typeof o["candidate-pool-size"] === "string" ? Number(o["candidate-pool-size"]) : undefined,
        fileStorageDir: typeof o["file-storage-dir"] === "string" ? o["file-storage-dir"] : undefined,
        sharedFileStorageDir: typeof o["shared-file-storage-dir"] === "string" ? o["shared-file-storage-dir"] : undefined,
        hvparams: hvOptions(o["hypervisor-parameters"] as string[] | undefined),
        beparams: bep,
        nicparams: typeof o["nic-parameters"] === "string" ? parseKeyVal(o["nic-parameters"], "nic") : undefined,
        ndparams: typeof o["node-parameters"] === "string" ? parseKeyVal(o["node-parameters"], "node") : undefined,
        diskparams: hvOptions(o["disk-parameters"] as string[] | undefined),
        ipolicy: ipolicyFromOptions(o),
      });
      out(`Join token for new nodes (one-time, valid 24h): ${token}`);
      out("Start ganeti-noded --join-token TOKEN on a new node, then run gnt-node add on this node.");
      return 0;
    },
  },
  "create-join-token": {
    summary: "Creates a one-time token with which a new node's daemon can join this cluster",
    usage: "",
    args: [0, 0],
    options: {},
    async run() {
      const paths = ganetiPaths();
      await connectMaster(paths).then((c) => c.close()); // only on the master
      const { loadServerPem } = await import("../rpc/certs.js");
      const { createJoinToken } = await import("../config/join-tokens.js");
      const cert = await loadServerPem(paths.serverPem);
      if (cert === null) throw new OpPrereqError("This node has no cluster certificate", ErrorCode.state);
      out(await createJoinToken(paths, cert.fingerprint));
      return 0;
    },
  },
  getmaster: {
    summary: "Prints the name of the master node",
    resident: true,
    usage: "",
    args: [0, 0],
    options: {},
    async run() {
      const m = await readSsconf(ganetiPaths(), "master_node");
      if (m === null) throw new OpPrereqError("Cluster not initialized or this machine is not part of a cluster", ErrorCode.inval);
      out(m);
      return 0;
    },
  },
  version: {
    summary: "Shows the cluster version",
    resident: true,
    usage: "",
    args: [0, 0],
    options: {},
    async run() {
      out(`Software version: ${RELEASE_VERSION}`);
      out(`Internode protocol: ${PROTOCOL_VERSION}`);
      out(`Configuration format: ${CONFIG_VERSION}`);
      out(`OS api version: ${OS_API_VERSION}`);
      out(`Export interface: ${EXPORT_VERSION}`);
      out(`VCS version: ganeti-ts ${TS_VERSION}`);
      return 0;
    },
  },
  info: {
    summary: "Shows the cluster configuration",
    resident: true,
    usage: "[--roman]",
    args: [0, 0],
    options: { roman: { type: "boolean", help: "Use roman numbers for positive integers" } },
    async run() {
      await withMaster(async (c) => {
        const info = (await c.call(LuxiMethod.queryClusterInfo, [])) as Record<string, unknown>;
        out(formatInfo(info, arch()));
      });
      return 0;
    },
  },
  "master-failover": {
    summary: "Makes this node the master",
    usage: "[--no-voting] [--yes-do-it]",
    args: [0, 0],
    options: {
      "no-voting": { type: "boolean", help: "Skip node agreement check (dangerous)" },
      "yes-do-it": { type: "boolean", help: "Do not ask for confirmation with --no-voting" },
      "ignore-offline-nodes": { type: "boolean", help: "Ignore offline nodes in the majority check" },
    },
    async run(o) {
      await enterNodeNetns(ganetiPaths());
      const noVoting = o["no-voting"] === true;
      if (noVoting && o["yes-do-it"] !== true) {
        const ok = await confirm("This will perform the failover even if most other nodes are down, or if this node is outdated. " +
          "This is dangerous as it can lead to a non-consistent cluster. Check the gnt-cluster(8) man page before proceeding. Continue?");
        if (!ok) return 1;
      }
      const warnings = await (await bootstrap()).masterFailover(ganetiPaths(), noVoting);
      for (const w of warnings) err(w);
      return 0;
    },
  },
  "redist-conf": {
    summary: "Forces a push of the cluster configuration",
    usage: "",
    args: [0, 0],
    options: { submit: COMMON.submit, priority: COMMON.priority },
    async run(o) {
      await runOpcode(o, { OP_ID: "OP_CLUSTER_REDIST_CONF" });
      return 0;
    },
  },
  verify: {
    summary: "Does a check on the cluster configuration",
    usage: "[options...]",
    args: [0, 0],
    options: {
      verbose: COMMON.verbose, "error-codes": { type: "boolean", help: "Print error codes" }, debug: COMMON.debug,
      "node-group": { type: "string", help: "Only verify this node group", metavar: "GROUP" },
      "ignore-errors": { type: "string", multiple: true, help: "Ignore errors of this type" },
      "skip-checks": { type: "string", help: "Skip these checks (nplusone_mem)" },
      priority: COMMON.priority,
    },
    async run(o) {
      return await withMaster(async (c) => {
        const op: Record<string, unknown> = { OP_ID: "OP_CLUSTER_VERIFY", verbose: o["verbose"] === true, error_codes: o["error-codes"] === true,
          debug_simulate_errors: false, skip_checks: splitList(o["skip-checks"]) ?? [], ignore_errors: o["ignore-errors"] ?? [] };
        if (typeof o["node-group"] === "string") op["group_name"] = o["node-group"];
        const id = (await c.call(LuxiMethod.submitJob, [[{ ...commonOpFields(o), ...op }]])) as number;
        const [res] = (await pollJob(c, id)) as [{ jobs: Array<[boolean, number]> }];
        const ids = res.jobs.map(([, j]) => j);
        out(`Submitted jobs ${ids.join(", ")}`);
        let bad = false;
        for (const j of ids) {
          out(`Waiting for job ${j} ...`);
          const r = await pollJob(c, j);
          if (r[0] !== true) bad = true;
        }
        return bad ? 1 : 0;
      });
    },
  },
  "repair-disk-sizes": {
    summary: "Updates mismatches in recorded disk sizes", usage: "[<instance>...]", args: [0, Infinity],
    options: { submit: COMMON.submit, priority: COMMON.priority },
    async run(o, names) {
      await runOpcode(o, { OP_ID: "OP_CLUSTER_REPAIR_DISK_SIZES", instances: names });
      return 0;
    },
  },
  "verify-disks": {
    summary: "Checks the disks of all instances and activates those that should be active",
    usage: "[--node-group GROUP] [--no-strict]",
    args: [0, 0],
    options: { "node-group": { type: "string", help: "Only verify this node group", metavar: "GROUP" }, priority: COMMON.priority },
    async run(o) {
      return await withMaster(async (c) => {
        const op: Record<string, unknown> = { OP_ID: "OP_CLUSTER_VERIFY_DISKS" };
        if (typeof o["node-group"] === "string") op["group_name"] = o["node-group"];
        const id = (await c.call(LuxiMethod.submitJob, [[{ ...commonOpFields(o), ...op }]])) as number;
        const [res] = (await pollJob(c, id)) as [{ jobs: Array<[boolean, number]> }];
        const ids = res.jobs.map(([, j]) => j);
        out(`Submitted jobs ${ids.join(", ")}`);
        let rc = 0;
        let activated = 0;
        for (const j of ids) {
          out(`Waiting for job ${j} ...`);
          let r: unknown[];
          try {
            r = await pollJob(c, j);
          } catch (e) {
            out(`Job failed: ${formatError(e).text}`);
            rc = 1;
            continue;
          }
          const [badNodes, instances] = r[0] as [Record<string, string>, string[], Record<string, unknown>];
          for (const [node, text] of Object.entries(badNodes)) {
            out(`Error gathering data on node ${node}: ${text.slice(-400)}`);
            out("You need to fix these nodes first before fixing instances");
            rc = 1;
          }
          for (const name of instances) {
            out(`Activating disks for instance '${name}'`);
            activated++;
            try {
              const aid = (await c.call(LuxiMethod.submitJob, [[{ ...commonOpFields(o), OP_ID: "OP_INSTANCE_ACTIVATE_DISKS", instance_name: name }]])) as number;
              await pollJob(c, aid, () => undefined);
            } catch (e) {
              process.stderr.write(`Error activating disks for instance ${name}: ${formatError(e).text}\n`);
              rc = 1;
            }
          }
        }
        if (activated === 0 && rc === 0) out("No disks need to be activated.");
        return rc;
      });
    },
  },
  queue: {
    summary: "Queue operations (info, drain, undrain)",
    usage: "{info | drain | undrain}",
    args: [1, 1],
    options: {},
    async run(_o, [what]) {
      await withMaster(async (c) => {
        if (what === "drain" || what === "undrain") await c.call(LuxiMethod.setDrainFlag, [what === "drain"]);
        else if (what === "info") {
          const [drained] = (await c.call(LuxiMethod.queryConfigValues, [["drain_flag"]])) as [boolean];
          out(`The drain flag is ${drained ? "set" : "unset"}`);
        } else throw new OpPrereqError(`Command '${what ?? ""}' is not valid.`, ErrorCode.inval);
      });
      return 0;
    },
  },
  watcher: {
    summary: "Watcher operations (pause, continue, info)",
    usage: "{pause <timespec> | continue | info}",
    args: [1, 2],
    options: {},
    async run(_o, [what, spec]) {
      const c = await connectMaster();
      const fmt = ctime; // Python's time.ctime, as Ganeti prints the pause's end
      try {
        if (what === "pause") {
          if (spec === undefined) throw new OpPrereqError("Missing time specification for watcher pause", ErrorCode.inval);
          const until = Date.now() / 1000 + parseTimespec(spec);
          await c.call(LuxiMethod.setWatcherPause, [until]);
          out(`The watcher is paused until ${fmt(until)}.`);
        } else if (what === "continue") {
          await c.call(LuxiMethod.setWatcherPause, [null]);
          out("The watcher is no longer paused.");
        } else if (what === "info") {
          const [until] = (await c.call(LuxiMethod.queryConfigValues, [["watcher_pause"]])) as [number | null];
          out(until === null ? "The watcher is not paused." : `The watcher is paused until ${fmt(until)}.`);
        } else throw new OpPrereqError(`Unknown watcher subcommand '${what ?? ""}'; valid: pause, continue, info`, ErrorCode.inval);
      } finally {
        c.close();
      }
      return 0;
    },
  },
  modify: {
    summary: "Alters the parameters of the cluster",
    usage: "[options...]",
    args: [0, 0],
    options: {
      "candidate-pool-size": { type: "string", short: "C", help: "Number of master candidates", metavar: "SIZE", check: "int" },
      "hypervisor-parameters": { type: "string", short: "H", multiple: true, help: "hv:k=v,..." },
      "backend-parameters": { type: "string", short: "B", help: "k=v,..." },
      "nic-parameters": { type: "string", short: "N", help: "k=v,..." },
      "node-parameters": { type: "string", help: "k=v,..." },
      "disk-parameters": { type: "string", short: "D", multiple: true, help: "template:k=v,..." },
      "enabled-hypervisors": { type: "string", help: "Comma-separated hypervisors" },
      "enabled-disk-templates": { type: "string", help: "Comma-separated disk templates" },
      "master-netdev": { type: "string", help: "Master network device" },
      "master-netmask": { type: "string", help: "Master netmask" },
      "default-iallocator": { type: "string", short: "I", help: "Default instance allocator" },
      "default-iallocator-params": { type: "string", help: "iallocator template parameters, in the format template:option=value, option=value,..." },
      "compression-tools": { type: "string", help: "Comma-separated list of compression tools which are allowed to be used by Ganeti in various operations" },
      "maintain-node-health": { type: "string", help: "yes/no" },
      "vg-name": { type: "string", short: "g", help: "Volume group" },
      "file-storage-dir": { type: "string", help: "File storage directory" },
      "enabled-data-collectors": { type: "string", help: "Deactivate or reactivate data collectors: collector=bool,..." },
      "data-collector-interval": { type: "string", help: "Set collection intervals in seconds of data collectors: collector=seconds,..." },
      ...IPOLICY_OPTIONS,
      submit: COMMON.submit, priority: COMMON.priority,
    },
    async run(o) {
      const op: Record<string, unknown> = { OP_ID: "OP_CLUSTER_SET_PARAMS" };
      const ipolicy = ipolicyFromOptions(o);
      if (ipolicy !== undefined) op["ipolicy"] = ipolicy;
      if (typeof o["candidate-pool-size"] === "string") op["candidate_pool_size"] = Number(o["candidate-pool-size"]);
      if (o["hypervisor-parameters"] !== undefined) op["hvparams"] = hvOptions(o["hypervisor-parameters"] as string[]);
      if (o["disk-parameters"] !== undefined) op["diskparams"] = hvOptions(o["disk-parameters"] as string[]);
      if (typeof o["backend-parameters"] === "string") {
        const be = parseKeyVal(o["backend-parameters"], "backend");
        forceDictType(be, BES_PARAMETER_TYPES);
        op["beparams"] = be;
      }
      if (typeof o["nic-parameters"] === "string") op["nicparams"] = parseKeyVal(o["nic-parameters"], "nic");
      if (typeof o["node-parameters"] === "string") op["ndparams"] = parseKeyVal(o["node-parameters"], "node");
      if (typeof o["enabled-hypervisors"] === "string") op["enabled_hypervisors"] = splitList(o["enabled-hypervisors"]);
      if (typeof o["enabled-disk-templates"] === "string") op["enabled_disk_templates"] = splitList(o["enabled-disk-templates"]);
      if (typeof o["master-netdev"] === "string") op["master_netdev"] = o["master-netdev"];
      if (typeof o["master-netmask"] === "string") op["master_netmask"] = Number(o["master-netmask"]);
      if (typeof o["default-iallocator"] === "string") op["default_iallocator"] = o["default-iallocator"];
      if (typeof o["compression-tools"] === "string") op["compression_tools"] = o["compression-tools"].split(",");
      if (typeof o["default-iallocator-params"] === "string") {
        op["default_iallocator_params"] = parseKeyVal(o["default-iallocator-params"], "default-iallocator-params");
      }
      if (o["maintain-node-health"] !== undefined) op["maintain_node_health"] = parseBool(o["maintain-node-health"], "--maintain-node-health");
      if (typeof o["vg-name"] === "string") op["vg_name"] = o["vg-name"];
      if (typeof o["file-storage-dir"] === "string") op["file_storage_dir"] = o["file-storage-dir"];
      if (typeof o["enabled-data-collectors"] === "string") {
        const kv = parseKeyVal(o["enabled-data-collectors"], "data collectors");
        op["enabled_data_collectors"] = Object.fromEntries(Object.entries(kv).map(([k, v]) => [k, String(v).toLowerCase().startsWith("t")]));
      }
      if (typeof o["data-collector-interval"] === "string") {
        const kv = parseKeyVal(o["data-collector-interval"], "data collector intervals");
        const us = Object.entries(kv).map(([k, v]) => [k, typeof v === "boolean" ? NaN : Math.trunc(1e6 * Number(v))] as const);
        if (us.some(([, v]) => !Number.isFinite(v))) {
          err(`Can't transform all values to integers: ${o["data-collector-interval"]}`);
          return 1;
        }
        if (us.some(([, v]) => v <= 0)) {
          err("Some interval times where not above zero.");
          return 1;
        }
        op["data_collector_interval"] = Object.fromEntries(us);
      }
      if (Object.keys(op).length === 1) {
        err("Please give at least one of the parameters.");
        return 1;
      }
      await runOpcode(o, op);
      return 0;
    },
  },
  rename: {
    summary: "Renames the cluster",
    usage: "<new-name>",
    args: [1, 1],
    options: { force: COMMON.force, submit: COMMON.submit },
    async run(o, [name]) {
      if (o["force"] !== true && !(await confirm(`This will rename the cluster to '${name}'. If\nyou are connected over the network to the cluster name, the operation\nis very dangerous as the IP address will be removed from the node and\nthe change may not go through. Continue?`))) return 1;
      await runOpcode(o, { OP_ID: "OP_CLUSTER_RENAME", name });
      return 0;
    },
  },
  destroy: {
    summary: "Destroys the cluster (only when it has no other node)",
    usage: "--yes-do-it",
    args: [0, 0],
    options: { "yes-do-it": { type: "boolean", help: "Confirm the destruction" } },
    async run(o) {
      if (o["yes-do-it"] !== true) {
        err("Destroying a cluster is irreversible. If you really want destroy this cluster, supply the --yes-do-it option.");
        return 1;
      }
      await runOpcode({}, { OP_ID: "OP_CLUSTER_DESTROY" });
      await (await bootstrap()).cleanupDestroyedCluster(ganetiPaths());
      return 0;
    },
  },
  "activate-master-ip": {
    summary: "Activates the master IP", usage: "", args: [0, 0], options: {},
    async run(o) {
      await runOpcode(o, { OP_ID: "OP_CLUSTER_ACTIVATE_MASTER_IP" });
      return 0;
    },
  },
  "deactivate-master-ip": {
    summary: "Deactivates the master IP", usage: "[--yes]", args: [0, 0], options: { yes: COMMON.yes },
    async run(o) {
      if (o["yes"] !== true && !(await confirm("This will disable the master IP. All the open connections to the master IP will be closed. To reach the master you will need to use its node IP. Continue?"))) return 1;
      await runOpcode(o, { OP_ID: "OP_CLUSTER_DEACTIVATE_MASTER_IP" });
      return 0;
    },
  },
  "show-ispecs-cmd": {
    summary: "Show the command line to re-create the cluster", usage: "", args: [0, 0], options: {},
    async run() {
      const info = (await withMaster((c) => c.call(LuxiMethod.queryClusterInfo, []))) as Record<string, unknown>;
      out(`gnt-cluster init${ipolicyCommand((info["ipolicy"] ?? {}) as Record<string, unknown>, false)} ${String(info["name"])}`);
      return 0;
    },
  },
  "master-ping": {
    summary: "Checks if the master is alive", usage: "", args: [0, 0], options: {},
    async run() {
      // Ganeti's MasterPing: 0 when the master answers a cluster-info query, 1 otherwise, no output.
      try {
        await withMaster((c) => c.call(LuxiMethod.queryClusterInfo, []));
        return 0;
      } catch {
        return 1;
      }
    },
  },
  "search-tags": {
    summary: "Searches the tags on all objects on the cluster for a given pattern (regex)", usage: "<pattern>", args: [1, 1],
    options: { priority: COMMON.priority },
    async run(o, [pattern]) {
      const result = (await runOpcode(o, { OP_ID: "OP_TAGS_SEARCH", pattern })) as Array<[string, string]> | null;
      if (result === null || result.length === 0) return 1;
      // Python's sort of (path, tag) tuples.
      const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
      for (const [path, tag] of [...result].sort((a, b) => cmp(a[0], b[0]) || cmp(a[1], b[1]))) out(`${path} ${tag}`);
      return 0;
    },
  },
  ...tagCommands("cluster", false),
  ...renewCryptoCommand,
  ...nodeCommands,
  ...epoCommand,
};

export function run(): void {
  main("gnt-cluster", commands);
}
