// Running the instance allocator for a logical unit: gather live node data, decide with the
// pure allocator, report the choice as Ganeti does.
import type { ConfigData, Node } from "../objects/types.js";
import type { RpcClient } from "../rpc/client.js";
import { nodeTarget } from "../config/store.js";
import { allocNodes, allocatePrimary, resolveAllocatorName, BUILTIN_ALLOCATOR } from "./allocator.js";
import { OpPrereqError, ErrorCode } from "../errors.js";

export async function choosePrimary(rpc: RpcClient, cfg: ConfigData, requested: string, memory: number,
  exclude: readonly string[], what: string): Promise<{ node: Node; allocator: string }> {
  if (resolveAllocatorName(requested) === null) {
    throw new OpPrereqError(`Instance allocator '${requested}' is not available yet; use '.' for the built-in default allocator`,
      ErrorCode.inval);
  }
  const online = Object.values(cfg.nodes).filter((n) => !n.offline);
  const res = await rpc.callMany(online.map(nodeTarget), "node_info", { storage_dirs: [] }, 15);
  const free = new Map<string, number>();
  for (const n of online) {
    const r = res.get(n.name);
    if (r !== undefined && r.ok && r.payload !== null) free.set(n.uuid, r.payload.memory_free);
  }
  const choice = allocatePrimary(allocNodes(cfg, free), memory, exclude);
  if (!choice.ok) {
    throw new OpPrereqError(`Can't compute nodes using iallocator '${BUILTIN_ALLOCATOR}' for ${what}: ${choice.reason}`, ErrorCode.norm);
  }
  const node = cfg.nodes[choice.node.uuid];
  if (node === undefined) throw new OpPrereqError("Allocator chose an unknown node", ErrorCode.fault);
  return { node, allocator: BUILTIN_ALLOCATOR };
}
