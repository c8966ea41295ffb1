// The node's part of renewing the cluster certificate (gnt-cluster renew-crypto) without
// cutting any node off: the master stages the new certificate on every node (each then
// also accepts peers presenting it), activates it node by node (each presents it and
// still accepts the old one), then settles every node on it. The steps are files beside
// server.pem (server.pem.new, server.pem.old), so a daemon restarted midway trusts what it
// trusted before (loadNodeCert).
import { rename, rm, copyFile } from "node:fs/promises";
import type { RpcArgs } from "../../rpc/catalogue.js";
import type { NodedContext } from "../context.js";
import { atomicWrite } from "../../util/fs.js";
import { loadNodeCert, loadServerPem, parseServerPem } from "../../rpc/certs.js";
import { GenericError } from "../../errors.js";

async function reload(ctx: NodedContext): Promise<void> {
  const cert = await loadNodeCert(ctx.paths.serverPem);
  if (cert === null) throw new GenericError("This node lost its cluster certificate");
  ctx.installCert(cert);
}

/** Keeps the next certificate beside the current one and accepts peers presenting it. */
export async function certStage(args: RpcArgs<"cluster_cert_stage">, ctx: NodedContext): Promise<null> {
  parseServerPem(args.pem); // a certificate and its key, or refused before anything is written
  await atomicWrite(`${ctx.paths.serverPem}.new`, args.pem, { mode: 0o600 });
  await reload(ctx);
  ctx.log.info("next cluster certificate staged");
  return null;
}

/** Presents the staged certificate from now on; the previous one stays accepted from peers. */
export async function certActivate(args: RpcArgs<"cluster_cert_activate">, ctx: NodedContext): Promise<null> {
  const pem = ctx.paths.serverPem;
  const current = await loadServerPem(pem);
  if (current?.fingerprint === args.fingerprint) return null; // done before (a repeated call)
  const staged = await loadServerPem(`${pem}.new`).catch(() => null);
  if (staged === null || staged.fingerprint !== args.fingerprint) {
    throw new GenericError(`No staged cluster certificate with fingerprint ${args.fingerprint} on this node`);
  }
  await copyFile(pem, `${pem}.old`);
  await rename(`${pem}.new`, pem);
  await reload(ctx);
  ctx.log.info({ fingerprint: args.fingerprint }, "cluster certificate switched");
  return null;
}

/** Accepts only the certificate this node presents (the new one, or the old one on an abort). */
export async function certSettle(args: RpcArgs<"cluster_cert_settle">, ctx: NodedContext): Promise<null> {
  const pem = ctx.paths.serverPem;
  const current = await loadServerPem(pem);
  if (current === null || current.fingerprint !== args.fingerprint) {
    throw new GenericError(`This node presents another cluster certificate than ${args.fingerprint}`);
  }
  await rm(`${pem}.new`, { force: true });
  await rm(`${pem}.old`, { force: true });
  await reload(ctx);
  return null;
}
