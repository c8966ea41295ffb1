// gnt-cluster verify: the ExtStorage providers of a node group must be the same, valid, on
// every node (ext disks move freely between them), checked as Ganeti checks OS definitions
// (_VerifyNodeOS): invalid entries, and each node against a reference node of the group.
import type { ConfigData, Node } from "../objects/types.js";
import type { RpcResultOf } from "../rpc/catalogue.js";
import type { VerifyFinding } from "./verify-storage.js";

type Diagnosis = RpcResultOf<"extstorage_diagnose">;

const paramText = (ps: ReadonlyArray<readonly [string, string]>): string => ps.map(([n]) => n).sort().join(", ");

/** `answers`: node name → the node's provider list, for the group's online vm_capable nodes that answered. */
export function extStorageFindings(cfg: ConfigData, nodes: readonly Node[], answers: ReadonlyMap<string, Diagnosis>): VerifyFinding[] {
  const out: VerifyFinding[] = [];
  const withData = nodes.filter((n) => answers.has(n.name)).sort((a, b) => a.name.localeCompare(b.name));
  const ref = withData[0];
  if (ref === undefined) return out;
  const refList = answers.get(ref.name) ?? [];
  const used = new Set<string>();
  for (const d of Object.values(cfg.disks ?? {})) if (d.dev_type === "ext" && typeof d.logical_id[0] === "string") used.add(d.logical_id[0]);
  for (const n of withData) {
    const list = answers.get(n.name) ?? [];
    for (const p of list) {
      if (!p.status) out.push(["node", n.name, `Invalid ExtStorage provider ${p.name} (located at ${p.path}): ${p.diagnose}`]);
    }
    const missingUsed = [...used].filter((u) => !list.some((p) => p.name === u)).sort();
    if (missingUsed.length > 0) {
      out.push(["node", n.name, `ExtStorage providers used by instances but missing on this node: ${missingUsed.join(", ")}`]);
    }
    if (n === ref) continue;
    for (const p of list) {
      const r = refList.find((x) => x.name === p.name);
      if (r === undefined) {
        out.push(["node", n.name, `Extra ExtStorage provider ${p.name} not present on reference node (${ref.name})`]);
      } else if (p.status && r.status && paramText(p.parameters) !== paramText(r.parameters)) {
        out.push(["node", n.name, `ExtStorage provider ${p.name} parameters differ from reference node ${ref.name}: ` +
          `[${paramText(p.parameters)}] vs. [${paramText(r.parameters)}]`]);
      }
    }
    const missing = refList.filter((r) => !list.some((p) => p.name === r.name)).map((r) => r.name).filter((m) => !missingUsed.includes(m));
    if (missing.length > 0) {
      out.push(["node", n.name, `ExtStorage providers present on reference node ${ref.name} but missing on this node: ${missing.join(", ")}`]);
    }
  }
  return out;
}
