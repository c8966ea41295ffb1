// Joining a cluster (see docs/design/node-join.md) and leaving it.
import type { TLSSocket } from "node:tls";
import { readFile, rm, readdir } from "node:fs/promises";
import type { RpcArgs, RpcResultOf } from "../../rpc/catalogue.js";
import type { NodedContext } from "../context.js";
import { parseJoinToken, openSealed, type JoinToken } from "../../rpc/join-token.js";
import { parseServerPem } from "../../rpc/certs.js";
import { atomicWrite } from "../../util/fs.js";
import { stopDaemon } from "../../util/daemon.js";
import { GenericError } from "../../errors.js";

async function myToken(ctx: NodedContext): Promise<JoinToken> {
  let text: string;
  try {
    text = await readFile(ctx.paths.joinTokenFile, "utf8");
  } catch {
    throw new GenericError("This node has no join token; start ganeti-noded with --join-token");
  }
  return parseJoinToken(text);
}

/** The peer must be the master holding the certificate the token names. */
function checkPeer(sock: TLSSocket, t: JoinToken): void {
  const peer = sock.getPeerCertificate();
  if (peer === null || peer.fingerprint256 !== t.fingerprint) {
    throw new GenericError("The peer's certificate is not the one named by this node's join token");
  }
}

export async function joinInfo(_a: unknown, ctx: NodedContext, sock: TLSSocket): Promise<RpcResultOf<"join_info">> {
  const t = await myToken(ctx);
  checkPeer(sock, t);
  return { token_id: t.id, hostname: ctx.hostname };
}

export async function nodeJoin(args: RpcArgs<"node_join">, ctx: NodedContext, sock: TLSSocket): Promise<RpcResultOf<"node_join">> {
  const t = await myToken(ctx);
  checkPeer(sock, t);
  if (args.token_id !== t.id) throw new GenericError("Join token mismatch");
  let pem: string;
  try {
    pem = openSealed(t, args);
  } catch {
    throw new GenericError("Could not decrypt the cluster certificate: wrong join token");
  }
  const cert = parseServerPem(pem);
  if (cert.fingerprint !== t.fingerprint) throw new GenericError("Received certificate does not match the join token");
  await atomicWrite(ctx.paths.serverPem, pem, { mode: 0o600 });
  await rm(ctx.paths.joinTokenFile, { force: true }); // one-time
  ctx.installCert(cert);
  ctx.log.info("joined the cluster");
  return { hostname: ctx.hostname };
}

/** Removes every trace of the cluster from this node (Ganeti's LeaveCluster), then exits. */
export async function leaveCluster(_a: unknown, ctx: NodedContext): Promise<null> {
  await stopDaemon(ctx.paths, "ganeti-rapi");
  await stopDaemon(ctx.paths, "ganeti-masterd");
  const p = ctx.paths;
  await rm(p.configFile, { force: true });
  await rm(p.queueDir, { recursive: true, force: true });
  for (const f of await readdir(p.dataDir).catch(() => [] as string[])) {
    if (f.startsWith("ssconf_")) await rm(`${p.dataDir}/${f}`, { force: true });
  }
  await rm(p.serverPem, { force: true });
  ctx.requestExit();
  return null;
}
