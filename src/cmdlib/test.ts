// OP_TEST_DELAY (gnt-debug delay): sleeps on the master and/or on nodes, holding the
// node locks it names, to exercise the job queue and the lock manager.
import { LogicalUnit, expandNodeName, Levels } from "./base.js";
import type { OpOutcome } from "../jobs/queue.js";
import type { Node } from "../objects/types.js";
import { OpExecError } from "../errors.js";
import { nodeTarget } from "../config/store.js";

export class LUTestDelay extends LogicalUnit {
  override readonly reqBgl = false;
  private nodes: Node[] = [];

  override expandNames(): void {
    const names = (this.op["on_nodes"] as string[] | undefined) ?? [];
    this.nodes = names.map((n) => expandNodeName(this.cfg, n));
    if (this.nodes.length > 0) this.lock(Levels.node, this.nodes.map((n) => n.uuid));
  }

  checkPrereq(): void {}

  async exec(): Promise<OpOutcome> {
    const duration = Number(this.op["duration"] ?? 0);
    const repeat = Math.max(0, Number(this.op["repeat"] ?? 0));
    for (let i = 0; i <= repeat; i++) {
      if (repeat > 0) this.logInfo(`Test delay iteration ${i}/${repeat}`);
      const parts: Array<Promise<unknown>> = [];
      if (this.op["on_master"] !== false) parts.push(new Promise((r) => setTimeout(r, duration * 1000)));
      if (this.nodes.length > 0) {
        parts.push(this.env.rpc.callMany(this.nodes.map(nodeTarget), "test_delay", { duration }).then((res) => {
          for (const r of res.values()) if (!r.ok) throw new OpExecError(`Failure during rpc call to node ${r.node}: ${r.failMsg}`);
        }));
      }
      await Promise.all(parts);
    }
    return { result: null };
  }
}
