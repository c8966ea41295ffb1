// Master voting (Ganeti's GatherMasterVotes): ask every node whom it believes to be the
// master. A master may only start, and a master-failover may only proceed, when a
// majority of the cluster's nodes agree.
import type { RpcClient, RpcTarget } from "../rpc/client.js";

export interface Votes {
  /** (master name or null for "no answer") → count, most votes first. */
  readonly tally: ReadonlyArray<readonly [string | null, number]>;
  readonly total: number;
}

export async function gatherMasterVotes(rpc: RpcClient, nodes: readonly RpcTarget[], self: { name: string; vote: string | null }): Promise<Votes> {
  const others = nodes.filter((n) => n.name !== self.name);
  const res = await rpc.callMany(others, "master_node_name", {}, 10);
  const counts = new Map<string | null, number>();
  const add = (k: string | null): void => {
    counts.set(k, (counts.get(k) ?? 0) + 1);
  };
  if (nodes.some((n) => n.name === self.name)) add(self.vote);
  for (const r of res.values()) add(r.ok ? r.payload?.master ?? null : null);
  const tally = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] === null ? 1 : b[0] === null ? -1 : 0));
  return { tally, total: nodes.length };
}

/** The name a strict majority of all nodes votes for, or null. */
export function majorityMaster(v: Votes): string | null {
  const top = v.tally[0];
  if (top === undefined || top[0] === null) return null;
  return top[1] * 2 > v.total ? top[0] : null;
}
