// Out-of-band management (Ganeti's LUOobCommand): power on, off, cycle, status and health
// of nodes through the program named by each node's `oob_program` parameter, run on the
// master as `PROGRAM COMMAND NODE`. Power changes are recorded in the node's `powered`.
import type { Node } from "../objects/types.js";
import { nodeOobProgram as oobProgram } from "../objects/fill.js";
import { ResultStatus } from "../query/types.js";
import { LogicalUnit, Levels, expandNodeName, masterNodeOf } from "./base.js";
import type { OpOutcome } from "../jobs/queue.js";
import { OpPrereqError, ErrorCode } from "../errors.js";
import { nodeTarget } from "../config/store.js";

/** Commands that may not touch the master (it would take the cluster down with it). */
const SKIP_MASTER: ReadonlySet<string> = new Set(["power-off", "power-cycle"]);
const OOB_STATUSES: ReadonlySet<string> = new Set(["OK", "WARNING", "CRITICAL", "UNKNOWN"]);

type NodeResult = [[number, string], [number, unknown]];

export class LUOobCommand extends LogicalUnit {
  override readonly reqBgl = false;
  private nodes: Node[] = [];

  override expandNames(): void {
    const names = (this.op["node_names"] ?? []) as string[];
    this.nodes = names.map((n) => expandNodeName(this.cfg, n));
    this.lock(Levels.node, names.length > 0 ? this.nodes.map((n) => n.uuid) : "all");
  }

  checkPrereq(): void {
    const cfg = this.cfg;
    const command = String(this.op["command"]);
    const master = masterNodeOf(cfg);
    if ((this.op["node_names"] as string[] | undefined ?? []).length > 0) {
      if (SKIP_MASTER.has(command) && this.nodes.some((n) => n.uuid === master.uuid)) {
        const prog = oobProgram(cfg, master);
        const more = prog !== null ? `run '${prog} ${command} ${master.name}' if you want to operate on the master regardless`
          : "it does not support out-of-band operations";
        throw new OpPrereqError(`Operating on the master node ${master.name} is not allowed for ${command}; ${more}`, ErrorCode.inval);
      }
    } else {
      this.nodes = Object.values(cfg.nodes).filter((n) => !(SKIP_MASTER.has(command) && n.uuid === master.uuid));
    }
    this.nodes = this.nodes.map((n) => cfg.nodes[n.uuid] ?? n);
    for (const n of this.nodes) {
      if (this.op["ignore_status"] !== true && command === "power-off" && !n.offline) {
        throw new OpPrereqError(`Cannot power off node ${n.name} because it is not marked offline`, ErrorCode.state);
      }
    }
  }

  async exec(): Promise<OpOutcome> {
    const cfg = this.cfg;
    const command = String(this.op["command"]);
    const master = masterNodeOf(cfg);
    const nodes = [...this.nodes].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
    const out: NodeResult[] = [];
    for (const [idx, node] of nodes.entries()) {
      const prog = oobProgram(cfg, node);
      if (prog === null) {
        out.push([[ResultStatus.normal, node.name], [ResultStatus.unavail, null]]);
        continue;
      }
      const r = await this.env.rpc.call(nodeTarget(master), "run_oob", { program: prog, command, node: node.name, timeout: Number(this.op["timeout"] ?? 60) });
      if (!r.ok) {
        this.logWarning(`Out-of-band RPC failed on node '${node.name}': ${r.failMsg ?? ""}`);
        out.push([[ResultStatus.normal, node.name], [ResultStatus.nodata, null]]);
        continue;
      }
      let payload: unknown;
      try {
        payload = (r.payload ?? "").trim() === "" ? null : JSON.parse(r.payload ?? "");
        checkPayload(command, payload);
      } catch (e) {
        this.logWarning(`Payload returned by node '${node.name}' is not valid: ${(e as Error).message}`);
        out.push([[ResultStatus.normal, node.name], [ResultStatus.nodata, null]]);
        continue;
      }
      if (command === "health") {
        for (const [item, status] of payload as Array<[string, string]>) {
          if (status === "WARNING" || status === "CRITICAL") this.logWarning(`Item '${item}' on node '${node.name}' has status '${status}'`);
        }
      }
      if (command === "power-on" || command === "power-off") {
        const powered = command === "power-on";
        await this.env.config.update((c) => {
          const n = c.nodes[node.uuid];
          return n === undefined ? c : { ...c, nodes: { ...c.nodes, [n.uuid]: { ...n, powered, serial_no: n.serial_no + 1, mtime: Date.now() / 1000 } } };
        }, (w) => this.logWarning(w));
      }
      out.push([[ResultStatus.normal, node.name], [ResultStatus.normal, payload]]);
      if (command === "power-on" && idx < nodes.length - 1) {
        await new Promise((res) => setTimeout(res, Number(this.op["power_delay"] ?? 2) * 1000));
      }
    }
    return { result: out };
  }
}

/** Ganeti's _CheckPayload: what each command must print. */
function checkPayload(command: string, payload: unknown): void {
  const errs: string[] = [];
  if (command === "health") {
    if (!Array.isArray(payload)) errs.push(`command 'health' is expected to return a list but got ${typeof payload}`);
    else for (const [item, status] of payload as Array<[string, string]>) if (!OOB_STATUSES.has(status)) errs.push(`health item '${item}' has invalid status '${status}'`);
  }
  if (command === "power-status" && (payload === null || typeof payload !== "object" || Array.isArray(payload))) {
    errs.push(`power-status is expected to return a dict but got ${typeof payload}`);
  }
  if ((command === "power-on" || command === "power-off" || command === "power-cycle") && payload !== null) {
    errs.push(`${command} is expected to not return payload but got '${JSON.stringify(payload)}'`);
  }
  if (errs.length > 0) throw new Error(`Check of out-of-band payload failed due to ${errs.join(", ")}`);
}
