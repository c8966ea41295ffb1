// OS definitions across the cluster (OP_OS_DIAGNOSE): what each online node has, and
// which are valid everywhere (the ones gnt-os list shows).
import { LogicalUnit, Levels } from "./base.js";
import type { OpOutcome } from "../jobs/queue.js";
import { nodeTarget } from "../config/store.js";
import type { OsDefinition } from "../os/definition.js";
import type { Node } from "../objects/types.js";
import type { RpcClient } from "../rpc/client.js";
import { OpExecError } from "../errors.js";

/** One node's view of an OS definition (as its noded diagnosed it). */
export type OsNodeStatus = Omit<OsDefinition, "name">;

export interface OsSummary {
  readonly name: string;
  readonly valid: boolean;
  readonly hidden: boolean;
  readonly blacklisted: boolean;
  /** Variants every node supports. */
  readonly variants: readonly string[];
  readonly parameters: ReadonlyArray<readonly [string, string]>;
  readonly api_versions: readonly number[];
  readonly node_status: Readonly<Record<string, OsNodeStatus | null>>;
}

export class LUOsDiagnose extends LogicalUnit {
  override readonly reqBgl = false;
  override expandNames(): void {
    this.lock(Levels.node, "all", "shared");
  }
  checkPrereq(): void {}
  async exec(): Promise<OpOutcome> {
    const cfg = this.cfg;
    const nodes = Object.values(cfg.nodes).filter((n) => !n.offline && n.vm_capable !== false).sort((a, b) => a.name.localeCompare(b.name));
    const res = await this.env.rpc.callMany(nodes.map(nodeTarget), "os_diagnose", {});
    const answered = nodes.filter((n) => res.get(n.name)?.ok === true);
    for (const n of nodes) if (res.get(n.name)?.ok !== true) this.logWarning(`Can't get the OS list of node ${n.name}: ${res.get(n.name)?.failMsg ?? ""}`);
    const names = new Set<string>();
    for (const n of answered) for (const o of res.get(n.name)?.payload ?? []) names.add(o.name);
    const out: OsSummary[] = [];
    for (const name of [...names].sort()) {
      const perNode: Record<string, OsNodeStatus | null> = {};
      for (const n of answered) perNode[n.name] = (res.get(n.name)?.payload ?? []).find((o) => o.name === name) ?? null;
      const all = Object.values(perNode);
      const valid = all.every((s) => s !== null && s.status);
      const first = all.find((s) => s !== null) ?? null;
      const variants = (first?.variants ?? []).filter((v) => all.every((s) => s?.variants.includes(v) === true));
      out.push({
        name, valid, hidden: (cfg.cluster.hidden_os ?? []).includes(name), blacklisted: (cfg.cluster.blacklisted_os ?? []).includes(name),
        variants, parameters: first?.parameters ?? [], api_versions: first?.api_versions ?? [], node_status: perNode,
      });
    }
    return { result: out };
  }
}

/**
 * Ganeti's CheckOSParams: every given node checks the OS, its variant and the parameters
 * (the OS's own verify script). A node without the OS is skipped with a notice unless
 * `required`.
 */
export async function checkOsParams(rpc: RpcClient, info: (msg: string) => void, required: boolean, nodes: readonly Node[], osName: string,
  osparams: Readonly<Record<string, unknown>>, forceVariant: boolean): Promise<void> {
  const vmNodes = nodes.filter((n) => n.vm_capable !== false && !n.offline);
  const res = await rpc.callMany(vmNodes.map(nodeTarget), "os_validate",
    { required, name: osName, checks: ["parameters"], osparams: { ...osparams }, force_variant: forceVariant });
  for (const n of vmNodes) {
    const r = res.get(n.name);
    if (r === undefined) throw new OpExecError(`OS Parameters validation failed on node ${n.name}: no answer`);
    const found = r.raise(`OS Parameters validation failed on node ${n.name}`);
    if (!found) info(`OS ${osName} not found on node ${n.name}, validation skipped`);
  }
}
