// The built-in instance allocator, `-I builtin` (the cluster's default is hail, see
// iallocator.ts): the online, undrained, vm-capable node with the most free memory that
// fits the instance, ties broken by name. Pure: node facts in, a choice (or the reason
// there is none) out.
import type { ConfigData } from "../objects/types.js";

export const BUILTIN_ALLOCATOR = "builtin";

export interface AllocNode {
  readonly uuid: string;
  readonly name: string;
  readonly offline: boolean;
  readonly drained: boolean;
  readonly vmCapable: boolean;
  readonly memoryFree: number | null;
}

export type AllocResult = { readonly ok: true; readonly node: AllocNode } | { readonly ok: false; readonly reason: string };

export function allocatePrimary(nodes: readonly AllocNode[], memory: number, exclude: readonly string[] = []): AllocResult {
  const usable = nodes.filter((n) => !n.offline && !n.drained && n.vmCapable && !exclude.includes(n.uuid) && n.memoryFree !== null);
  const fits = usable.filter((n) => (n.memoryFree ?? 0) >= memory);
  if (fits.length === 0) {
    return { ok: false, reason: usable.length === 0 ? "no usable node (all are offline, drained, not vm_capable or excluded)"
      : `no node has ${memory} MiB of free memory` };
  }
  const best = [...fits].sort((a, b) => (b.memoryFree ?? 0) - (a.memoryFree ?? 0) || a.name.localeCompare(b.name))[0] as AllocNode;
  return { ok: true, node: best };
}

/** The allocator's view of the nodes, with live free memory where a node answered. */
export function allocNodes(cfg: ConfigData, memoryFree: ReadonlyMap<string, number>): AllocNode[] {
  return Object.values(cfg.nodes).map((n) => ({
    uuid: n.uuid, name: n.name, offline: n.offline, drained: n.drained, vmCapable: n.vm_capable !== false,
    memoryFree: memoryFree.get(n.uuid) ?? null,
  }));
}
