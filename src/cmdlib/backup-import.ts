// The import half of gnt-backup: finding an export and reading its config.ini, then
// pulling its disk images into the OS import script on the new instance's primary node.
import type { ConfigData, Instance, Node } from "../objects/types.js";
import { instanceDisks } from "../objects/fill.js";
import { expandNodeName } from "./base.js";
import { OpPrereqError, OpExecError, ErrorCode } from "../errors.js";
import { nodeTarget } from "../config/store.js";
import type { RpcClient } from "../rpc/client.js";
import { followTransfer } from "./transfer-progress.js";
import { osInstance } from "./instance-disks.js";

/** A parsed config.ini: section → key → value. */
export function parseExportConfig(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let section = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec !== null) {
      section = sec[1] ?? "";
      out[section] = out[section] ?? {};
      continue;
    }
    const eq = line.indexOf("=");
    if (eq > 0 && section !== "") (out[section] as Record<string, string>)[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

/** Ganeti's CheckCompressionTool: "none", or one of the cluster's compression tools. */
export function checkCompressionTool(cfg: ConfigData, tool: string): void {
  const allowed = cfg.cluster.compression_tools ?? [];
  if (tool !== "none" && !allowed.includes(tool)) {
    throw new OpPrereqError(`Compression tool not allowed, tools allowed are [${allowed.join(", ")}]`, ErrorCode.inval);
  }
}

/** Where an import comes from: the node holding the export, and its config.ini parsed. */
export async function findExport(rpc: RpcClient, cfg: ConfigData, srcNode: string | null, name: string):
  Promise<{ node: Node; info: Record<string, Record<string, string>> }> {
  const nodes = srcNode !== null ? [expandNodeName(cfg, srcNode)] : Object.values(cfg.nodes).filter((n) => !n.offline);
  for (const n of nodes) {
    const r = await rpc.call(nodeTarget(n), "export_info", { name });
    if (r.ok && r.payload !== null) return { node: n, info: parseExportConfig(r.payload) };
  }
  throw new OpPrereqError(`No export found for relative path ${name}`, ErrorCode.inval);
}

/** Pulls every disk image of the export into the OS import script on the primary node. */
export async function importDisks(env: { rpc: RpcClient; feedback(m: string): void; warn(m: string): void }, cfg: ConfigData, inst: Instance,
  pnode: Node, src: Node, exportName: string, info: Record<string, Record<string, string>>): Promise<void> {
  const oi = osInstance(cfg, inst, pnode);
  const ins = info["instance"] ?? {};
  for (const [idx] of instanceDisks(cfg, inst).entries()) {
    const dump = ins[`disk${idx}_dump`];
    if (dump === undefined) continue;
    const r = await env.rpc.call(nodeTarget(pnode), "import_start", { instance: oi, index: idx,
      src: { name: src.name, ip: src.secondary_ip ?? src.primary_ip }, name: exportName, file: dump, size: Number(ins[`disk${idx}_size`] ?? 0) * 1048576,
      compress: info["export"]?.["compression"] ?? "none" });
    const id = r.raise(`Could not start importing disk/${idx} on ${pnode.name}`).id;
    if (!(await followTransfer(env, `disk/${idx}`, pnode, id))) throw new OpExecError(`Could not import disk/${idx} of instance ${inst.name}`);
  }
}
