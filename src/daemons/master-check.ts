// The start-up check of the daemons that run on the master only (ganeti-masterd,
// ganeti-rapi): Ganeti's CheckMaster / CheckRapi.
import { myHostname } from "../util/identity.js";
import type { GanetiPaths } from "../util/paths.js";
import { readSsconf } from "../util/ssconf.js";
import { type ClusterCert, loadNodeCert } from "../rpc/certs.js";
import { GenericError } from "../errors.js";

/** This node's name and the cluster certificate; refuses to go on unless ssconf names it master. */
export async function requireMasterNode(paths: GanetiPaths): Promise<{ me: string; cert: ClusterCert }> {
  const me = await myHostname(paths);
  const master = await readSsconf(paths, "master_node");
  if (master !== me) throw new GenericError(`Not master (the master is ${master ?? "unknown"}), exiting`);
  const cert = await loadNodeCert(paths.serverPem);
  if (cert === null) throw new GenericError("No cluster certificate; is this node part of a cluster?");
  return { me, cert };
}
