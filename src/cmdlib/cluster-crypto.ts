// gnt-cluster renew-crypto's cluster part (OP_CLUSTER_RENEW_CRYPTO): a new cluster
// certificate for every node. Ganeti stops the daemons and copies files over SSH; here the
// nodes are told over the RPC they already trust, in three steps that keep every pair of
// nodes able to talk at every moment (src/noded/backend/crypto.ts): stage the next
// certificate everywhere, switch node by node (the master last), settle. Our nodes'
// certificates are the cluster certificate, so Ganeti's "node certificates" are this one.
import { LogicalUnit, Levels } from "./base.js";
import type { OpOutcome } from "../jobs/queue.js";
import { OpPrereqError, OpExecError, ErrorCode } from "../errors.js";
import { nodeTarget } from "../config/store.js";
import { generateClusterCert, loadNodeCert, serializeServerPem } from "../rpc/certs.js";
import type { Node } from "../objects/types.js";
import { daemonPid } from "../util/daemon.js";

export class LUClusterRenewCrypto extends LogicalUnit {
  override readonly reqBgl = true; // no other job's RPC runs while certificates change

  override expandNames(): void {
    this.lock(Levels.node, "all");
  }

  checkPrereq(): void {
    if (this.op["renew_ssh_keys"] === true) {
      throw new OpPrereqError("Renewing SSH keys is not supported by ganeti-ts: nodes join and talk without SSH", ErrorCode.inval);
    }
  }

  async exec(): Promise<OpOutcome> {
    if (this.op["node_certificates"] !== true) return { result: null };
    const cfg = this.cfg;
    const master = cfg.nodes[cfg.cluster.master_node];
    if (master === undefined) throw new OpExecError("The master node is not in the configuration");
    const old = await loadNodeCert(this.env.paths.serverPem);
    if (old === null) throw new OpExecError("The master node has no cluster certificate");
    // Certificates an interrupted renewal left trusted stay trusted until this one settles.
    const earlier = old.peerCerts ?? [];
    const online = Object.values(cfg.nodes).filter((n) => !n.offline).sort((a, b) => a.name.localeCompare(b.name));
    for (const n of Object.values(cfg.nodes).filter((x) => x.offline).sort((a, b) => a.name.localeCompare(b.name))) {
      this.logWarning(`Node ${n.name} is offline and keeps the old certificate: remove it and add it again with a join token once it is back`);
    }
    // The master's own daemon goes last, so that the master always reaches it.
    const order: Node[] = [...online.filter((n) => n.uuid !== master.uuid), master];
    this.env.feedback("Updating the cluster SSL certificate.");
    const next = await generateClusterCert(cfg.cluster.cluster_name);
    const staged: Node[] = [];
    const stage = await this.env.rpc.callMany(order.map(nodeTarget), "cluster_cert_stage", { pem: serializeServerPem(next) });
    for (const n of order) if (stage.get(n.name)?.ok === true) staged.push(n);
    const failed = order.filter((n) => stage.get(n.name)?.ok !== true);
    if (failed.length > 0) {
      // Nothing switched yet: the staged nodes forget the new certificate again.
      await this.env.rpc.callMany(staged.map(nodeTarget), "cluster_cert_settle", { fingerprint: old.fingerprint });
      throw new OpExecError(`Could not send the new certificate to node(s) ${failed.map((n) => `${n.name} (${stage.get(n.name)?.failMsg ?? "no answer"})`).join(", ")}; nothing was changed`);
    }
    // From here both certificates are accepted everywhere, whoever presents which.
    this.env.rpc.replaceCert({ ...old, peerCerts: [...earlier, next.certPem] });
    for (const n of order) {
      this.env.feedback(`Switching ${n.name} to the new certificate`);
      (await this.env.rpc.call(nodeTarget(n), "cluster_cert_activate", { fingerprint: next.fingerprint }))
        .raise(`Could not switch node ${n.name} to the new certificate (run renew-crypto again; nodes accept both certificates until it completes)`);
      if (n.uuid === master.uuid) this.env.rpc.replaceCert({ ...next, peerCerts: [old.certPem, ...earlier] });
    }
    const settle = await this.env.rpc.callMany(order.map(nodeTarget), "cluster_cert_settle", { fingerprint: next.fingerprint });
    this.env.rpc.replaceCert(next);
    // The RAPI presents the cluster certificate until an own one is installed: it reloads.
    const rapi = await daemonPid(this.env.paths, "ganeti-rapi");
    if (rapi !== null) process.kill(rapi, "SIGHUP");
    for (const n of order) {
      const r = settle.get(n.name);
      if (r?.ok !== true) this.logWarning(`Node ${n.name} still accepts the old certificate too: ${r?.failMsg ?? "no answer"}`);
    }
    return { result: null };
  }
}
