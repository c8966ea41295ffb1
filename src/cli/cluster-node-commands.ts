// gnt-cluster command and copyfile (the guide's "Global node commands"), with Ganeti's
// options and output. Ganeti wraps ssh/scp; here the node daemons run the command or write
// the file (node_run_command, node_copy_file), since ganeti-ts nodes have no SSH trust.
// Also gnt-node restricted-command (OP_RESTRICTED_COMMAND), which goes through the master.
import { readFile, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { ganetiPaths, displayPath } from "../util/paths.js";
import { out, err, COMMON, type CommandTable } from "./framework.js";
import { withMaster, runOpcode } from "./jobs.js";
import { queryRows } from "./list.js";
import { OpPrereqError, ErrorCode } from "../errors.js";
import type { RpcClient, RpcTarget } from "../rpc/client.js";

interface NodeRow { name: string; pip: string; sip: string; offline: boolean; group: string; master: boolean }

/** Ganeti's GetOnlineNodes: the named nodes (or all), of one group if asked, offline ones skipped with a note. */
async function onlineNodes(names: readonly string[], group: string | undefined, filterMaster: boolean): Promise<NodeRow[]> {
  const rows = (await withMaster((c) => queryRows(c, "node", ["name", "pip", "sip", "offline", "group", "role"], names)))
    .map(([name, pip, sip, offline, group, role]) => ({ name: String(name), pip: String(pip), sip: String(sip), offline: offline === true,
      group: String(group), master: role === "M" }));
  const missing = names.filter((n) => !rows.some((x) => x.name === n || x.name.startsWith(`${n}.`)));
  if (missing.length > 0) throw new OpPrereqError(`Node '${missing[0] ?? ""}' not known`, ErrorCode.noent);
  const inGroup = rows.filter((x) => group === undefined || x.group === group);
  const offline = inGroup.filter((x) => x.offline).map((x) => x.name);
  if (offline.length > 0) err(`Note: skipping offline node(s): ${offline.join(", ")}`);
  return inGroup.filter((x) => !x.offline && !(filterMaster && x.master));
}

async function nodeRpc(): Promise<RpcClient> {
  const { rpcFromLocalCert } = await import("./bootstrap.js");
  return (await rpcFromLocalCert(ganetiPaths())).rpc;
}

const MAX_COPY_BYTES = 32 * 1024 * 1024;
const NODE_LIST = { type: "string", short: "n", multiple: true, help: "Node to run on (may be repeated)", metavar: "NODE" } as const;
const NODEGROUP = { type: "string", short: "g", help: "Node group (name or uuid)", metavar: "NODEGROUP" } as const;

export const nodeCommands: CommandTable = {
  command: {
    summary: "Runs a command on all (or only some) nodes",
    usage: "[-n <node-name>...] <command>",
    args: [1, null],
    interspersed: false,
    options: {
      node: NODE_LIST, nodegroup: NODEGROUP,
      "show-machine-names": { type: "boolean", short: "M", help: "Show machine name for every line in output" },
      "failure-only": { type: "boolean", help: "Only show command output when the command failed" },
    },
    async run(o, args) {
      const command = args.join(" ");
      const nodes = await onlineNodes((o["node"] as string[] | undefined) ?? [], o["nodegroup"] as string | undefined, false);
      // The master last, as Ganeti does.
      nodes.sort((a, b) => Number(a.master) - Number(b.master));
      const rpc = await nodeRpc();
      try {
        for (const n of nodes) {
          const target: RpcTarget = { name: n.name, ip: n.pip };
          const r = await rpc.call(target, "node_run_command", { command });
          const res = r.ok && r.payload !== null ? r.payload : { output: `${r.failMsg ?? "no answer"}\n`, exit_code: 255 };
          if (o["failure-only"] === true && res.exit_code === 0) continue;
          out("------------------------------------------------");
          if (o["show-machine-names"] === true) {
            for (const line of res.output.split("\n").slice(0, res.output.endsWith("\n") ? -1 : undefined)) out(`${n.name}: ${line}`);
          } else {
            out(`node: ${n.name}`);
            out(res.output);
          }
          out(`return code = ${res.exit_code}`);
        }
      } finally {
        await rpc.close();
      }
      return 0;
    },
  },
  copyfile: {
    summary: "Copies a file to all (or only some) nodes",
    usage: "[-n <node-name>...] <filename>",
    args: [1, 1],
    options: {
      node: NODE_LIST, nodegroup: NODEGROUP,
      "use-replication-network": { type: "boolean", help: "Whether to use the replication network for talking to the nodes" },
    },
    async run(o, [file]) {
      const filename = resolve(file ?? "");
      const st = await stat(filename).catch(() => null);
      if (st === null) throw new OpPrereqError(`No such filename '${filename}'`, ErrorCode.inval);
      // The file travels in one RPC request (the node daemon reads at most 64 MiB of body).
      if (st.size > MAX_COPY_BYTES) {
        throw new OpPrereqError(`File '${filename}' is too large to copy (${st.size} bytes; at most ${MAX_COPY_BYTES})`, ErrorCode.inval);
      }
      const content = (await readFile(filename)).toString("base64");
      // The same path on every node; a devcluster node's paths are below its root.
      const path = displayPath(ganetiPaths(), filename);
      const nodes = await onlineNodes((o["node"] as string[] | undefined) ?? [], o["nodegroup"] as string | undefined, true);
      const rpc = await nodeRpc();
      try {
        for (const n of nodes) {
          const target: RpcTarget = { name: n.name, ip: o["use-replication-network"] === true ? n.sip : n.pip };
          const r = await rpc.call(target, "node_copy_file",
            { path, content, mode: st.mode, atime: st.atimeMs / 1000, mtime: st.mtimeMs / 1000 });
          if (!r.ok) err(`Copy of file ${filename} to node ${n.name} failed: ${r.failMsg ?? ""}`);
        }
      } finally {
        await rpc.close();
      }
      return 0;
    },
  },
};

export const restrictedCommand: CommandTable = {
  "restricted-command": {
    summary: "Executes a restricted command on node(s)",
    usage: "<command> <node-name>...",
    args: [1, Infinity],
    options: {
      sync: { type: "boolean", help: "Grab locks while doing the queries in order to ensure more consistent results" },
      nodegroup: NODEGROUP, "show-machine-names": { type: "boolean", short: "M", help: "Show machine name for every line in output" },
      submit: COMMON.submit, priority: COMMON.priority,
    },
    async run(o, [command, ...names]) {
      if (names.length === 0 && typeof o["nodegroup"] !== "string") {
        throw new OpPrereqError("Node group or node names must be given", ErrorCode.inval);
      }
      const nodes = (await onlineNodes(names, o["nodegroup"] as string | undefined, false)).map((n) => n.name);
      const result = (await runOpcode(o, { OP_ID: "OP_RESTRICTED_COMMAND", command, nodes, use_locking: o["sync"] === true })) as
        Array<[boolean, string]> | null;
      if (result === null) return 0; // --submit
      let code = 0;
      nodes.forEach((node, k) => {
        const [ok, text] = result[k] ?? [false, "no result"];
        out("------------------------------------------------");
        if (!ok) {
          code = 1;
          out(text);
        } else if (o["show-machine-names"] === true) {
          for (const line of text.split("\n").slice(0, text.endsWith("\n") ? -1 : undefined)) out(`${node}: ${line}`);
        } else {
          out(`Node: ${node}`);
          out(text);
        }
      });
      return code;
    },
  },
};
