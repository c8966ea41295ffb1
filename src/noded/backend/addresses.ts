// The node's addresses: whether it owns one (Ganeti's node_has_ip_address, netutils'
// IPAddress.Own: can a socket be bound to it), and serving RPC on its secondary IP, where
// DRBD's peers reach it. Ganeti's noded listens on every address; ours listens on the
// node's own ones only, so that devcluster nodes can share one machine.
import { createServer } from "node:net";
import type { RpcArgs } from "../../rpc/catalogue.js";
import type { NodedContext } from "../context.js";
import { readSsconf, ssconfPairs } from "../../util/ssconf.js";

function owns(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(0, address, () => s.close(() => resolve(true)));
  });
}

/**
 * Whether this node has the address; if it does, the node also serves RPC on it from now
 * on (as Ganeti's, which listens everywhere), so the master can check that it reaches it.
 */
export async function nodeHasIpAddress(args: RpcArgs<"node_has_ip_address">, ctx: NodedContext): Promise<boolean> {
  if (!(await owns(args.address))) return false;
  await ctx.serveSecondary(args.address);
  return true;
}

/** Serves on this node's secondary IP as the ssconf names it (at start, after every ssconf update). */
export async function serveOwnSecondary(ctx: NodedContext): Promise<void> {
  const sips = ssconfPairs(await readSsconf(ctx.paths, "node_secondary_ips"));
  const mine = sips.get(ctx.hostname);
  if (mine === undefined) return; // not part of a cluster (yet): keep what is served
  await ctx.serveSecondary(mine);
}
