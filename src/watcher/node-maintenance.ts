// The watcher's node auto-maintenance (Ganeti's watcher/nodemaint.py), on every node when
// the cluster's maintain_node_health is set: the node asks the master candidates which role
// it has (Ganeti asks ganeti-confd; the candidates hold the configuration, and an offline
// node's own ssconf is stale, since offline nodes are never contacted); only when every
// answer agrees that it is offline does it stop its guests and shut down its DRBD devices.
import type { GanetiPaths } from "../util/paths.js";
import { readSsconf, ssconfPairs } from "../util/ssconf.js";
import { myHostname } from "../util/identity.js";
import { loadNodeCert } from "../rpc/certs.js";
import { RpcClient } from "../rpc/client.js";
import { askMasterCandidates } from "../rpc/confd-client.js";
import type { LogLevel } from "./state.js";

export async function maintainNode(paths: GanetiPaths, log: (level: LogLevel, msg: string) => void): Promise<void> {
  if ((await readSsconf(paths, "maintain_node_health")) !== "True") return;
  const cert = await loadNodeCert(paths.serverPem);
  if (cert === null) return;
  const me = await myHostname(paths);
  const answer = await askMasterCandidates(paths, "node_role_query", { name: me }, { excludeSelf: true });
  if (answer.kind === "none") {
    log("warning", `No master candidate answered, cannot do maintenance actions (${answer.why})`);
    return;
  }
  if (answer.kind === "inconsistent") {
    log("warning", "Inconsistent replies, not doing anything");
    return;
  }
  if (answer.value !== "offline") {
    log("debug", `Not doing anything for role ${answer.value}`);
    return;
  }
  const ips = ssconfPairs(await readSsconf(paths, "node_primary_ips"));
  const rpc = new RpcClient({ cert, connectTimeout: 3 });
  try {
    const done = (await rpc.call({ name: me, ip: ips.get(me) ?? "127.0.0.1" }, "node_maintenance", {})).raise("Node maintenance");
    if (done.instances.length > 0) {
      log("info", `Following instances should not be running, shutting them down: ${done.instances.join(", ")}`);
    }
    if (done.minors.length > 0) {
      log("info", `Following DRBD minors should not be active, shutting them down: ${done.minors.join(", ")}`);
    }
  } finally {
    await rpc.close();
  }
}
