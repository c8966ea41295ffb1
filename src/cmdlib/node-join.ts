// The master's half of the join protocol (docs/design/node-join.md): learn which token the
// new node holds, then send it the cluster certificate sealed with that token.
import { RpcClient, type RpcTarget } from "../rpc/client.js";
import { loadServerPem, serializeServerPem } from "../rpc/certs.js";
import { sealForNode } from "../rpc/join-token.js";
import { takeJoinToken } from "../config/join-tokens.js";
import type { LuEnv } from "./base.js";
import { OpPrereqError, ErrorCode } from "../errors.js";

export async function joinNode(env: LuEnv, target: RpcTarget): Promise<void> {
  const cert = await loadServerPem(env.paths.serverPem);
  if (cert === null) throw new OpPrereqError("The master has no cluster certificate", ErrorCode.environ);
  // The joining node presents a throw-away certificate: it is not pinned; the node is
  // authenticated by being able to open what we seal with its token.
  const client = new RpcClient({ cert, pinPeer: false, connectTimeout: 10 });
  try {
    const info = await client.call(target, "join_info", {});
    if (!info.ok) {
      throw new OpPrereqError(`Node ${target.name} is not reachable as a cluster member and cannot join: ${info.failMsg}`,
        ErrorCode.environ);
    }
    const tokenId = (info.payload as { token_id: string }).token_id;
    const token = await takeJoinToken(env.paths, tokenId);
    if (token === null) {
      throw new OpPrereqError(`Node ${target.name} presents join token ${tokenId}, which this master did not issue or ` +
        "which was already used or expired (create one with gnt-cluster create-join-token)", ErrorCode.environ);
    }
    const sealed = sealForNode(token, serializeServerPem(cert));
    const r = await client.call(target, "node_join", { token_id: token.id, ...sealed });
    r.raise(`Node ${target.name} failed to join`, ErrorCode.environ);
  } finally {
    await client.close();
  }
}
