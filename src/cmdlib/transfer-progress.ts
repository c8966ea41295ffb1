// Following a node-to-node transfer (move, export, import) from the master, with Ganeti's
// progress lines: "disk/0 sent 450M, 77.2 MiB/s, 21%, ETA 21s", then "finished".
import type { Node } from "../objects/types.js";
import type { RpcClient } from "../rpc/client.js";
import { nodeTarget } from "../config/store.js";
import { formatUnit } from "../query/format.js";
import { formatSeconds } from "./instance-disks.js";

export interface TransferEnv {
  readonly rpc: RpcClient;
  feedback(msg: string): void;
  warn(msg: string): void;
}

/** Polls transfer `id` on `node` until it ends; true when all data arrived. */
export async function followTransfer(env: TransferEnv, name: string, node: Node, id: string, poll = 500): Promise<boolean> {
  let last = 0;
  for (;;) {
    await new Promise((res) => setTimeout(res, poll));
    const st = (await env.rpc.call(nodeTarget(node), "blockdev_transfer_status", { id })).payload;
    if (st === null || st === undefined) {
      env.warn(`Lost track of the transfer of ${name}`);
      return false;
    }
    if (st.error !== null) {
      env.warn(`${name} failed to send data: ${st.error}`);
      return false;
    }
    if (st.finished) break;
    if (Date.now() - last >= 5000 || last === 0) {
      last = Date.now();
      const secs = Math.max(0.001, (Date.now() - st.started) / 1000);
      const rate = st.done / 1048576 / secs;
      const eta = rate > 0 ? (st.total - st.done) / 1048576 / rate : null;
      const pct = st.total > 0 ? Math.min(100, Math.floor((100 * st.done) / st.total)) : null;
      env.feedback(`${name} sent ${formatUnit(st.done / 1048576, "h")}, ${rate.toFixed(1)} MiB/s` +
        `${pct !== null ? `, ${pct}%` : ""}${eta !== null ? `, ETA ${formatSeconds(eta)}` : ""}`);
    }
  }
  env.feedback(`${name} finished receiving data`);
  env.feedback(`${name} finished sending data`);
  return true;
}
