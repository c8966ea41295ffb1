// Ganeti's node auto-maintenance (cluster parameter maintain_node_health), the node's
// part: any node holding the configuration answers which role a node has (what Ganeti
// asks ganeti-confd, CONFD_REQ_NODE_ROLE_BYNAME), and a node that learns it is offline
// stops the guests still running on it and shuts its DRBD devices down — the cluster has
// failed them over elsewhere, so they must not write any more.
import { readFile } from "node:fs/promises";
import type { RpcArgs, RpcResultOf } from "../../rpc/catalogue.js";
import type { NodedContext } from "../context.js";
import { parseConfigText } from "../../objects/config-data.js";
import { fakeList, fakeStop } from "../../hypervisor/fake.js";
import { GenericError } from "../../errors.js";

export async function nodeRoleQuery(args: RpcArgs<"node_role_query">, ctx: NodedContext): Promise<RpcResultOf<"node_role_query">> {
  const text = await readFile(ctx.paths.configFile, "utf8").catch(() => null);
  if (text === null) throw new GenericError("This node holds no copy of the configuration");
  const cfg = parseConfigText(text);
  const node = Object.values(cfg.nodes).find((n) => n.name === args.name);
  if (node === undefined) throw new GenericError(`Node ${args.name} is not in the configuration`);
  if (node.uuid === cfg.cluster.master_node) return "master";
  if (node.offline) return "offline";
  if (node.drained) return "drained";
  return node.master_candidate ? "candidate" : "regular";
}

export async function nodeMaintenance(_a: unknown, ctx: NodedContext): Promise<RpcResultOf<"node_maintenance">> {
  const instances = (await fakeList(ctx.paths, ctx.bootId)).map((i) => i.name).sort();
  for (const name of instances) await fakeStop(ctx.paths, name);
  const devices = ctx.drbd.list();
  for (const d of devices) ctx.drbd.shutdown(d.uuid);
  if (instances.length > 0 || devices.length > 0) {
    ctx.log.warn({ instances, minors: devices.map((d) => d.minor) }, "offline node: guests stopped, DRBD devices shut down");
  }
  return { instances, minors: devices.map((d) => d.minor).sort((a, b) => a - b) };
}
