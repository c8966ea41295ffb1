// Running the instance allocator for a logical unit. `-I .` (or no node at all) means the
// cluster's default_iallocator, "hail" unless changed: Ganeti's request is built from the
// configuration and the nodes' live data and answered in-process (iallocator-request.ts).
// `-I builtin` names the older built-in allocator (most free memory, allocator.ts).
import type { ConfigData, Instance, Node } from "../objects/types.js";
import type { RpcClient } from "../rpc/client.js";
import { nodeTarget } from "../config/store.js";
import { allocNodes, allocatePrimary, BUILTIN_ALLOCATOR } from "./allocator.js";
import { OpPrereqError, OpExecError, ErrorCode } from "../errors.js";
import { type EvacMode, type IARequest, type NewInstanceSpec, runIAllocatorRequest } from "./iallocator-request.js";

export const HAIL = "hail";

/**
 * Ganeti's CheckIAllocatorOrNode: "." or nothing means the cluster's default allocator.
 * Unknown names fail when run, as Ganeti's iallocator runner does.
 */
export function iallocatorName(cfg: ConfigData, requested: unknown): string {
  if (typeof requested === "string" && requested !== "" && requested !== ".") return requested;
  const def = cfg.cluster.default_iallocator ?? HAIL;
  if (def === "") {
    throw new OpPrereqError("No iallocator or node given and no cluster-wide default iallocator found; please specify either an " +
      "iallocator or a node, or set a cluster-wide default iallocator", ErrorCode.inval);
  }
  return def;
}

function checkKnown(name: string): void {
  if (name !== HAIL && name !== BUILTIN_ALLOCATOR) {
    throw new OpExecError(`Failure while running the iallocator script: iallocator module '${name}' not found in the search path`);
  }
}

/** The built-in allocator: the usable node with the most free memory, not in `exclude`. */
export async function choosePrimary(rpc: RpcClient, cfg: ConfigData, requested: string, memory: number,
  exclude: readonly string[], what: string): Promise<{ node: Node; allocator: string }> {
  const online = Object.values(cfg.nodes).filter((n) => !n.offline);
  const res = await rpc.callMany(online.map(nodeTarget), "node_info", { storage_dirs: [] }, 15);
  const free = new Map<string, number>();
  for (const n of online) {
    const r = res.get(n.name);
    if (r !== undefined && r.ok && r.payload !== null) free.set(n.uuid, r.payload.memory_free);
  }
  void requested;
  const choice = allocatePrimary(allocNodes(cfg, free), memory, exclude);
  if (!choice.ok) {
    throw new OpPrereqError(`Can't compute nodes using iallocator '${BUILTIN_ALLOCATOR}' for ${what}: ${choice.reason}`, ErrorCode.norm);
  }
  const node = cfg.nodes[choice.node.uuid];
  if (node === undefined) throw new OpPrereqError("Allocator chose an unknown node", ErrorCode.fault);
  return { node, allocator: BUILTIN_ALLOCATOR };
}

function nodeByName(cfg: ConfigData, name: unknown): Node {
  const n = Object.values(cfg.nodes).find((x) => x.name === name);
  if (n === undefined) throw new OpPrereqError(`Node ${String(name)} not found in configuration`, ErrorCode.noent);
  return n;
}

async function runHailOrFail(rpc: RpcClient, cfg: ConfigData, req: IARequest, what = "nodes"): Promise<unknown> {
  const ans = await runIAllocatorRequest(rpc, cfg, req);
  if (!ans.success) throw new OpPrereqError(`Can't compute ${what} using iallocator '${HAIL}': ${ans.info}`, ErrorCode.norm);
  return ans.result;
}

/** Nodes for a new instance (Ganeti's allocate request): [primary] or [primary, secondary]. */
export async function allocateNodes(rpc: RpcClient, cfg: ConfigData, allocator: string, spec: NewInstanceSpec,
  builtinMemory: number): Promise<Node[]> {
  checkKnown(allocator);
  if (allocator === BUILTIN_ALLOCATOR) {
    const what = `instance ${spec.name}`;
    const p = (await choosePrimary(rpc, cfg, allocator, builtinMemory, [], what)).node;
    if (spec.disk_template !== "drbd") return [p];
    return [p, (await choosePrimary(rpc, cfg, allocator, 0, [p.uuid], what)).node];
  }
  const res = (await runHailOrFail(rpc, cfg, { mode: "allocate", ...spec })) as unknown[];
  return res.map((n) => nodeByName(cfg, n));
}

/**
 * A new node for an instance (Ganeti's relocate request): a new primary for shared storage
 * (relocating from the primary), a new secondary for drbd (from the secondary).
 */
export async function relocateNode(rpc: RpcClient, cfg: ConfigData, allocator: string, inst: Instance,
  relocateFrom: readonly string[], builtinMemory: number, builtinExclude: readonly string[]): Promise<Node> {
  checkKnown(allocator);
  if (allocator === BUILTIN_ALLOCATOR) {
    return (await choosePrimary(rpc, cfg, allocator, builtinMemory, builtinExclude, `instance ${inst.name}`)).node;
  }
  const res = (await runHailOrFail(rpc, cfg, { mode: "relocate", instance: inst.uuid, relocateFrom })) as unknown[];
  return nodeByName(cfg, res[0]);
}

/** A secondary node for an instance becoming drbd (Ganeti's allocate-secondary request). */
export async function allocateSecondary(rpc: RpcClient, cfg: ConfigData, allocator: string, inst: Instance): Promise<Node> {
  checkKnown(allocator);
  if (allocator === BUILTIN_ALLOCATOR) {
    return (await choosePrimary(rpc, cfg, allocator, 0, [inst.primary_node], `instance ${inst.name}`)).node;
  }
  const ans = await runIAllocatorRequest(rpc, cfg, { mode: "allocate-secondary", instance: inst.uuid });
  if (!ans.success) throw new OpPrereqError(`Can's find secondary node using iallocator ${allocator}: ${ans.info}`, ErrorCode.norm);
  return nodeByName(cfg, ans.result);
}

export interface EvacAnswer {
  /** [instance, group, [node, ...]] per instance moved. */
  readonly moved: readonly (readonly [string, string, readonly string[]])[];
  readonly failed: readonly (readonly [string, string])[];
  /** The jobs (lists of opcodes) that carry out the moves. */
  readonly jobs: readonly (readonly Record<string, unknown>[])[];
}

/** Ganeti's node-evacuate request, answered by hail. */
export async function evacuateNode(rpc: RpcClient, cfg: ConfigData, instances: readonly string[], mode: EvacMode,
  ignoreSoftErrors: boolean): Promise<EvacAnswer> {
  const ans = await runIAllocatorRequest(rpc, cfg, { mode: "node-evacuate", instances, evacMode: mode, ignoreSoftErrors });
  if (!ans.success) {
    throw new OpPrereqError(`Can't compute node evacuation using iallocator '${HAIL}': ${ans.info}`, ErrorCode.norm);
  }
  const [moved, failed, jobs] = ans.result as [EvacAnswer["moved"], EvacAnswer["failed"], EvacAnswer["jobs"]];
  return { moved, failed, jobs };
}

/** Ganeti's change-group request, answered by hail: the moves to the target groups. */
export async function changeGroup(rpc: RpcClient, cfg: ConfigData, allocator: string, instances: readonly string[],
  targetGroups: readonly string[], failure: (info: string) => string): Promise<EvacAnswer> {
  checkKnown(allocator);
  if (allocator !== HAIL) throw new OpPrereqError(`The ${allocator} allocator does not answer change-group requests; use hail`, ErrorCode.inval);
  const ans = await runIAllocatorRequest(rpc, cfg, { mode: "change-group", instances, targetGroups });
  if (!ans.success) throw new OpPrereqError(failure(ans.info), ErrorCode.norm);
  const [moved, failed, jobs] = ans.result as [EvacAnswer["moved"], EvacAnswer["failed"], EvacAnswer["jobs"]];
  return { moved, failed, jobs };
}

/** Ganeti's multi-allocate request: the placed instances with their nodes, and those that failed. */
export async function multiAllocate(rpc: RpcClient, cfg: ConfigData, specs: readonly NewInstanceSpec[]):
  Promise<{ allocatable: [string, string[]][]; failed: string[] }> {
  const res = (await runHailOrFail(rpc, cfg, { mode: "multi-allocate", instances: specs })) as [[string, string[]][], unknown[]];
  const failed = res[1].map((f) => (Array.isArray(f) ? String(f[0]) : String(f)));
  return { allocatable: res[0], failed };
}
