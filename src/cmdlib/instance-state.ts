// Ganeti's CheckInstanceState for operations that need an instance down: marked down in
// the configuration and not running on its primary node.
import type { ConfigData, Instance } from "../objects/types.js";
import { OpPrereqError, ErrorCode } from "../errors.js";
import { nodeTarget } from "../config/store.js";
import type { RpcClient } from "../rpc/client.js";

export async function checkInstanceDown(rpc: RpcClient, cfg: ConfigData, inst: Instance, msg: string): Promise<void> {
  if (inst.admin_state !== "down") {
    throw new OpPrereqError(`Instance '${inst.name}' is marked to be ${inst.admin_state}, ${msg}`, ErrorCode.state);
  }
  const pnode = cfg.nodes[inst.primary_node];
  if (pnode === undefined || pnode.offline) return;
  const r = await rpc.call(nodeTarget(pnode), "all_instances_info", { hypervisors: [inst.hypervisor] });
  if (!r.ok) throw new OpPrereqError(`Can't contact node ${pnode.name} for instance information: ${r.failMsg ?? ""}`, ErrorCode.environ);
  if (r.payload?.[inst.name] !== undefined) throw new OpPrereqError(`Instance ${inst.name} is running, ${msg}`, ErrorCode.state);
}
