// Global N+1 ("can every node be evacuated?") as Ganeti's GlobalN1.canEvacuateNode.
import * as C from "./container.js";
import type { Container } from "./container.js";
import { applyMove, move } from "./cluster.js";
import * as I from "./instance.js";
import type { Instance } from "./instance.js";
import { compCVPatched } from "./metrics.js";
import * as N from "./node.js";
import type { Node } from "./node.js";
import { NO_SECONDARY, type Ndx } from "./types.js";

type State = { nl: Container<Node>; il: Container<Instance> };

/** Best single-node placement by score (first of the lowest), as allocateOnSingle with force. */
function bestSingle(st: State, inst: Instance, targets: readonly Ndx[]): State | null {
  let best: { score: number; st: State } | null = null;
  for (const t of targets) {
    const p = C.find(st.nl, t);
    if (!I.instMatchesPolicy(inst, p.iPolicy, p.exclStorage).ok) continue;
    const np = N.addPriEx(true, p, inst);
    if (!np.ok) continue;
    const score = compCVPatched(st.nl, [[t, np.value]]);
    if (best === null || score < best.score) {
      best = {
        score,
        st: { nl: C.add(st.nl, t, np.value), il: C.add(st.il, inst.idx, I.setBoth(inst, t, NO_SECONDARY)) },
      };
    }
  }
  return best?.st ?? null;
}

/** Moves a shared-storage instance to the best escape node (change-primary evacuation). */
function evacShared(st: State, inst: Instance, targets: readonly Ndx[]): State | null {
  let best: { score: number; st: State } | null = null;
  for (const t of targets) {
    const r = applyMove(true, st.nl, inst, { kind: "FailoverToAny", node: t });
    if (!r.ok) continue;
    const score = compCVPatched(st.nl, r.value.nodes);
    if (best === null || score < best.score) {
      best = { score, st: { nl: C.addAll(st.nl, r.value.nodes), il: C.add(st.il, inst.idx, r.value.inst) } };
    }
  }
  return best?.st ?? null;
}

export function canEvacuateNode(nl: Container<Node>, il: Container<Instance>, n: Node): boolean {
  const insts = n.pList.map((i) => C.find(il, i));
  const drbd = insts.filter((i) => i.diskTemplate === "drbd");
  const other = insts.filter((i) => i.diskTemplate !== "drbd");
  const shared = other.filter((i) => I.mirrorType(i) === "external");
  const nonMove = other.filter((i) => I.mirrorType(i) !== "external");
  let st: State = { nl, il };
  for (const i of drbd) {
    const r = move(st.nl, st.il, i.idx, { kind: "Failover" });
    if (!r.ok) return false;
    st = r.value;
  }
  const escape = C.elems(st.nl).filter((x) => x.group === n.group && x.idx !== n.idx).map((x) => x.idx);
  for (const i of shared) {
    const r = evacShared(st, C.find(st.il, i.idx), escape);
    if (r === null) return false;
    st = r;
  }
  const recreate = nonMove.map((i) => C.find(st.il, i.idx)).sort((a, b) => b.mem - a.mem);
  for (const i of recreate) {
    const r = bestSingle(st, i, escape);
    if (r === null) return false;
    st = r;
  }
  return true;
}
