// ExtStorage providers across the cluster: OP_EXT_STORAGE_DIAGNOSE (gnt-storage diagnose and
// info, Ganeti's ExtStorageQuery: per node, per node group, common parameters) and the
// check that a new ext disk's provider is usable on its node with the parameters given.
import { LogicalUnit } from "./base.js";
import type { OpOutcome } from "../jobs/queue.js";
import type { ConfigData, Node } from "../objects/types.js";
import { nodeTarget } from "../config/store.js";
import type { RpcClient } from "../rpc/client.js";
import type { RpcResultOf } from "../rpc/catalogue.js";
import { OpPrereqError, ErrorCode } from "../errors.js";
import { checkDiskExtProvider, extDiskParams } from "./instance-disks.js";

/** One node's view of a provider: Ganeti's (path, status, diagnose, parameters). */
export type ExtNodeEntry = [path: string, status: boolean, diagnose: string, parameters: Array<[string, string]>];

export interface ExtStorageInfo {
  readonly name: string;
  /** Per node name: the provider as found in each search path directory ([] when missing there). */
  readonly node_status: Record<string, ExtNodeEntry[]>;
  /** Per node group name: valid on every node of the group. */
  readonly nodegroup_status: Record<string, boolean>;
  /** The parameters every node agrees on. */
  readonly parameters: Array<[string, string]>;
}

const FIELDS = ["name", "node_status", "nodegroup_status", "parameters"] as const;
type Field = (typeof FIELDS)[number];

type Diagnosis = RpcResultOf<"extstorage_diagnose">;

/** Ganeti's ExtStorageQuery._GetQueryData, on the answers of the online vm_capable nodes. */
export function extStorageInfos(cfg: ConfigData, answers: ReadonlyMap<string, Diagnosis>): ExtStorageInfo[] {
  const nodes = [...answers.keys()];
  const byName = new Map(Object.values(cfg.nodes).map((n) => [n.name, n]));
  const providers = new Set<string>();
  for (const d of answers.values()) for (const p of d) providers.add(p.name);
  const out: ExtStorageInfo[] = [];
  for (const name of [...providers].sort()) {
    const perNode: Record<string, ExtNodeEntry[]> = {};
    for (const n of nodes) {
      perNode[n] = (answers.get(n) ?? []).filter((p) => p.name === name)
        .map((p) => [p.path, p.status, p.diagnose, p.parameters.map(([a, b]) => [a, b] as [string, string])]);
    }
    const groups: Record<string, boolean> = {};
    for (const g of Object.values(cfg.nodegroups)) {
      const members = nodes.filter((n) => byName.get(n)?.group === g.uuid);
      groups[g.name] = members.every((n) => perNode[n]?.[0]?.[1] === true);
    }
    // The parameters all nodes report (Ganeti stops at the first node without a valid provider).
    let params: Array<[string, string]> | null = null;
    for (const n of nodes) {
      const e = perNode[n]?.[0];
      if (e === undefined || !e[1]) break;
      params = params === null ? [...e[3]] : params.filter(([p, d]) => e[3].some(([q, f]) => q === p && f === d));
    }
    out.push({ name, node_status: perNode, nodegroup_status: groups, parameters: params ?? [] });
  }
  return out;
}

/** The online vm_capable nodes' provider lists (nodes that did not answer: warned, left out). */
export async function diagnoseNodes(rpc: RpcClient, nodes: readonly Node[], warn: (m: string) => void): Promise<Map<string, Diagnosis>> {
  const targets = nodes.filter((n) => !n.offline && n.vm_capable !== false).sort((a, b) => a.name.localeCompare(b.name));
  const res = await rpc.callMany(targets.map(nodeTarget), "extstorage_diagnose", {});
  const out = new Map<string, Diagnosis>();
  for (const n of targets) {
    const r = res.get(n.name);
    if (r?.ok === true && r.payload !== null) out.set(n.name, r.payload);
    else warn(`Can't get the ExtStorage provider list of node ${n.name}: ${r?.failMsg ?? "no answer"}`);
  }
  return out;
}

export class LUExtStorageDiagnose extends LogicalUnit {
  override readonly reqBgl = false;
  private fields: Field[] = [];

  override checkArguments(): void {
    const want = (this.op["output_fields"] as string[] | undefined) ?? [];
    const bad = want.filter((f) => !(FIELDS as readonly string[]).includes(f));
    if (bad.length > 0) throw new OpPrereqError(`Unknown output fields selected: ${bad.join(",")}`, ErrorCode.inval);
    this.fields = want as Field[];
  }

  override expandNames(): void {
    // As Ganeti's: no locks (the query only reads the nodes' directories).
  }

  checkPrereq(): void {}

  async exec(): Promise<OpOutcome> {
    const answers = await diagnoseNodes(this.env.rpc, Object.values(this.cfg.nodes), (m) => this.logWarning(m));
    const names = (this.op["names"] as string[] | undefined) ?? [];
    const infos = extStorageInfos(this.cfg, answers).filter((i) => names.length === 0 || names.includes(i.name));
    return { result: infos.map((i) => this.fields.map((f) => i[f])) };
  }
}

/**
 * A new ext disk's provider must be valid on the node that runs its scripts, and the disk's
 * ext-params must be ones the provider declares in parameters.list (Ganeti leaves this as a
 * TODO, "_CheckExtParams (remotely)"; the texts follow its OS checks).
 */
export async function checkExtDisks(rpc: RpcClient, node: Node, disks: ReadonlyArray<Readonly<Record<string, unknown>>>): Promise<void> {
  if (disks.length === 0) return;
  const r = await rpc.call(nodeTarget(node), "extstorage_diagnose", {});
  const found = r.raise(`Can't get the ExtStorage provider list of node ${node.name}`);
  for (const d of disks) {
    const { provider, params } = extDiskParams(d);
    const p = found.find((x) => x.name === provider);
    if (p === undefined || !p.status) {
      const why = p?.diagnose ?? `Directory for External Storage Provider ${provider} not found in search path`;
      throw new OpPrereqError(`ExtStorage provider '${provider}' not usable on node ${node.name}: ${why}`, ErrorCode.inval);
    }
    const supported = new Set(p.parameters.map(([n]) => n));
    const unknown = Object.keys(params).filter((k) => !supported.has(k)).sort();
    if (unknown.length > 0) {
      throw new OpPrereqError(`The following parameters are not supported by the ExtStorage provider ${provider}: ${unknown.join(", ")}`,
        ErrorCode.inval);
    }
  }
}

/**
 * Disks added to an existing instance (gnt-instance modify --disk add): `provider` as for a
 * new instance, and for ext the provider usable on the primary with the parameters given.
 */
export async function checkAddedDisks(rpc: RpcClient, cfg: ConfigData, template: string, pnode: Node,
  added: ReadonlyArray<Readonly<Record<string, unknown>>>): Promise<void> {
  for (const d of added) checkDiskExtProvider(d, template);
  if (template === "ext" && !pnode.offline) await checkExtDisks(rpc, cfg.nodes[pnode.uuid] ?? pnode, added);
}

/** The ext part of a new disk's spec for buildDisks (nothing for other templates). */
export function extSpec(template: string, d: Readonly<Record<string, unknown>>): { provider?: string; extParams?: Record<string, string> } {
  if (template !== "ext") return {};
  const { provider, params } = extDiskParams(d);
  return { provider, extParams: params };
}
