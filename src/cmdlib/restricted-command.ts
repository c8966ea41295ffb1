// OP_RESTRICTED_COMMAND (gnt-node restricted-command): one of the nodes' restricted
// commands on each named node; per node [success, output or Ganeti's failure text].
import { LogicalUnit, expandNodeName, Levels } from "./base.js";
import type { OpOutcome } from "../jobs/queue.js";
import type { Node } from "../objects/types.js";
import { nodeTarget } from "../config/store.js";

export class LURestrictedCommand extends LogicalUnit {
  override readonly reqBgl = false;
  private nodes: Node[] = [];

  override expandNames(): void {
    this.nodes = ((this.op["nodes"] as string[] | undefined) ?? []).map((n) => expandNodeName(this.cfg, n));
    this.lock(Levels.node, this.nodes.map((n) => n.uuid), this.op["use_locking"] === true ? "exclusive" : "shared");
  }

  checkPrereq(): void {}

  async exec(): Promise<OpOutcome> {
    const cmd = String(this.op["command"]);
    const res = await this.env.rpc.callMany(this.nodes.map(nodeTarget), "restricted_command", { cmd });
    return {
      result: this.nodes.map((n) => {
        const r = res.get(n.name);
        return r?.ok === true ? [true, r.payload ?? ""] : [false, `Command '${cmd}' on node '${n.name}' failed: ${r?.failMsg ?? "no answer"}`];
      }),
    };
  }
}
