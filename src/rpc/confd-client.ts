// Ganeti's confd client, over the node RPC: the question goes to every master candidate
// (they hold the configuration; a node's own ssconf may be stale, an offline node's is),
// and only agreeing answers count, as Ganeti's ConfdFilterCallback's consistency check.
import type { GanetiPaths } from "../util/paths.js";
import { readSsconf, ssconfLines, ssconfPairs } from "../util/ssconf.js";
import { myHostname } from "../util/identity.js";
import { loadNodeCert } from "./certs.js";
import { RpcClient } from "./client.js";
import type { RpcArgs, RpcName, RpcResultOf } from "./catalogue.js";

export type ConfdAnswer<T> =
  | { readonly kind: "ok"; readonly value: T }
  | { readonly kind: "none"; readonly why: string }
  | { readonly kind: "inconsistent" };

export async function askMasterCandidates<N extends RpcName>(paths: GanetiPaths, name: N, args: RpcArgs<N>,
  opts: { excludeSelf?: boolean } = {}): Promise<ConfdAnswer<RpcResultOf<N>>> {
  const cert = await loadNodeCert(paths.serverPem);
  if (cert === null) return { kind: "none", why: "this node is not part of a cluster" };
  const me = await myHostname(paths);
  const ips = ssconfPairs(await readSsconf(paths, "node_primary_ips"));
  const asked = ssconfLines(await readSsconf(paths, "master_candidates")).filter((n) => ips.has(n) && !(opts.excludeSelf === true && n === me));
  const rpc = new RpcClient({ cert, connectTimeout: 3 });
  try {
    const answers = [...(await rpc.callMany(asked.map((n) => ({ name: n, ip: ips.get(n) ?? "" })), name, args, 10)).values()];
    const good = answers.filter((r) => r.ok);
    if (good.length === 0) return { kind: "none", why: answers.map((r) => `${r.node}: ${r.failMsg ?? ""}`).join("; ") || "no master candidates known" };
    const texts = new Set(good.map((r) => JSON.stringify(r.payload)));
    if (texts.size > 1) return { kind: "inconsistent" };
    return { kind: "ok", value: good[0]?.payload as RpcResultOf<N> };
  } finally {
    await rpc.close();
  }
}
