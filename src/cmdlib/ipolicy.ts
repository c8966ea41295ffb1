// The logical units' instance-policy checks (Ganeti's CheckTargetNodeIPolicy and the
// "violates policy" errors), on top of the pure computations of objects/ipolicy.ts.
import type { ConfigData, Instance, Node } from "../objects/types.js";
import { commaJoin, computeIPolicyNodeViolation, groupIPolicy } from "../objects/ipolicy.js";
import { OpPrereqError, ErrorCode } from "../errors.js";

/**
 * CheckTargetNodeIPolicy: an instance going to a node of another group must meet that
 * group's policy; with ignore (--ignore-ipolicy) a violation is only a warning.
 */
export function checkTargetNodeIPolicy(warn: (msg: string) => void, cfg: ConfigData, inst: Instance, node: Node, ignore: boolean): void {
  const current = cfg.nodes[inst.primary_node]?.group ?? "";
  const res = computeIPolicyNodeViolation(groupIPolicy(cfg, node.group), inst, current, node.group, cfg);
  if (res.length === 0) return;
  const msg = `Instance does not meet target node group's (${node.group}) instance policy: ${commaJoin(res)}`;
  if (ignore) warn(msg);
  else throw new OpPrereqError(msg, ErrorCode.inval);
}
