// What Ganeti asks ganeti-confd, answered by any node holding the configuration (the
// master candidates) from its copy: a node's role (CONFD_REQ_NODE_ROLE_BYNAME, for node
// auto-maintenance) and a node's DRBD minors (CONFD_REQ_NODE_DRBD, gnt-node list-drbd).
// Also the node's part of auto-maintenance (maintain_node_health): a node that learns it
// is offline stops the guests still running on it and shuts its DRBD devices down — the
// cluster has failed them over elsewhere, so they must not write any more.
import { readFile } from "node:fs/promises";
import type { RpcArgs, RpcResultOf } from "../../rpc/catalogue.js";
import type { NodedContext } from "../context.js";
import { parseConfigText } from "../../objects/config-data.js";
import { fakeList, fakeStop } from "../../hypervisor/fake.js";
import { GenericError } from "../../errors.js";
import type { ConfigData, Node } from "../../objects/types.js";
import { nodeDrbdMinors, nodeRole } from "../../objects/topology.js";

async function localConfig(ctx: NodedContext): Promise<ConfigData> {
  const text = await readFile(ctx.paths.configFile, "utf8").catch(() => null);
  if (text === null) throw new GenericError("This node holds no copy of the configuration");
  return parseConfigText(text);
}

function nodeByName(cfg: ConfigData, name: string): Node {
  const node = Object.values(cfg.nodes).find((n) => n.name === name);
  if (node === undefined) throw new GenericError(`Node ${name} is not in the configuration`);
  return node;
}

const ROLE_WORDS = { M: "master", C: "candidate", O: "offline", D: "drained", R: "regular" } as const;

export async function nodeRoleQuery(args: RpcArgs<"node_role_query">, ctx: NodedContext): Promise<RpcResultOf<"node_role_query">> {
  const cfg = await localConfig(ctx);
  return ROLE_WORDS[nodeRole(cfg, nodeByName(cfg, args.name))];
}

export async function nodeDrbdQuery(args: RpcArgs<"node_drbd_query">, ctx: NodedContext): Promise<RpcResultOf<"node_drbd_query">> {
  const cfg = await localConfig(ctx);
  return nodeDrbdMinors(cfg, nodeByName(cfg, args.name).uuid);
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
