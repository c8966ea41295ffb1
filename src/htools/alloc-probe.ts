// What tiered shrinking asks of an allocation: would tryAlloc find a solution, and if
// not, which failures are among its reasons? Candidates are placed, not scored (the
// answer does not depend on which one would win), and with capacity checks the N+1
// predicate stops at the first candidate that passes it.
import type { Container } from "./container.js";
import * as I from "./instance.js";
import type { Instance } from "./instance.js";
import type { Node } from "./node.js";
import { type FailMode, type Ndx, NO_SECONDARY } from "./types.js";
import {
  type AllocElement, type AllocNodes, type AllocOptions, CLASS_PAIRS_MIN, type N1Pred, PolicyCache, collapseSolution, pairCount,
  pairPlacer, singleNode, tryAlloc,
} from "./alloc.js";

/** tryAlloc would find a solution ("fits"), or fail for these reasons. */
export type Probe = "fits" | ReadonlySet<FailMode>;

/**
 * Whether tryAlloc would find a solution, else the failures among its reasons: what
 * tiered shrinking asks. Candidates are only placed, not scored, except where many pairs
 * make the pair classes cheaper.
 */
export function probeAlloc(
  opts: AllocOptions, nl: Container<Node>, il: Container<Instance>, inst: Instance, targets: AllocNodes, n1: N1Pred | null,
): Probe {
  const pred = opts.capacity && n1 !== null ? n1(nl, il) : null;
  if (targets.kind === "single") return probeSingle(opts, nl, inst, targets.nodes, pred);
  if (pairCount(targets.pairs) < CLASS_PAIRS_MIN) return probePairs(opts, nl, inst, targets.pairs, pred);
  const r = tryAlloc(opts, nl, il, inst, targets, n1);
  if (!r.ok) return new Set();
  if (r.value.solution !== null) return "fits";
  return new Set(collapseSolution(r.value).filter(([, c]) => c > 0).map(([k]) => k));
}

/** probeSingle for node pairs: whether tryAlloc would find a pair (that passes `pred`),
 * else its failures; no scoring. */
function probePairs(
  opts: AllocOptions, nl: Container<Node>, inst: Instance, pairs: readonly (readonly [Ndx, readonly Ndx[]])[],
  pred: ((el: AllocElement) => boolean) | null,
): Probe {
  const seen = new Set<FailMode>();
  for (const [pdx, ss] of pairs) {
    const place = pairPlacer(opts, nl, inst, pdx);
    for (const sdx of ss) {
      const r = place(sdx);
      if (!r.ok) {
        seen.add(r.error);
        continue;
      }
      const { np, ns } = r.value;
      if (pred === null || pred({ base: nl, patches: [[pdx, np], [sdx, ns]], inst: r.value.inst, nodes: [np, ns], score: NaN })) return "fits";
      seen.add("FailN1");
    }
  }
  return seen;
}

/** The same on single nodes: tryAlloc's solution would be the best-scored candidate
 * (that passes `pred`): there is one as soon as one candidate fits (and passes). */
function probeSingle(
  opts: AllocOptions, nl: Container<Node>, inst: Instance, nodes: readonly Ndx[], pred: ((el: AllocElement) => boolean) | null = null,
): Probe {
  const pc = new PolicyCache(inst);
  const seen = new Set<FailMode>();
  for (const pdx of nodes) {
    const r = singleNode(opts.ignoreSoftErrors, nl, inst, pdx, pc);
    if (!r.ok) {
      seen.add(r.error);
      continue;
    }
    if (pred === null) return "fits";
    // With a predicate (capacity checks) tryAlloc's solution is the best-scored candidate
    // that passes it, and each one that does not is a FailN1: existence needs no score.
    if (pred({ base: nl, patches: [[pdx, r.value]], inst: I.setBoth(inst, pdx, NO_SECONDARY), nodes: [r.value], score: NaN })) return "fits";
    seen.add("FailN1");
  }
  return seen;
}

/**
 * Probes remembered per cluster state and instance shape. Backtracking, tiered shrinking
 * asks the same questions again: every frame whose allocation placed nothing holds the
 * same cluster (the same node container: it is replaced by every placement) and walks
 * down through the sizes the deeper frames already probed (at 100 nodes, 134,904 probes of
 * which 1,613 distinct).
 */
export class ProbeMemo {
  private readonly byNodes = new WeakMap<Container<Node>, { readonly ils: Container<Instance>[]; readonly probes: Map<string, Probe> }>();

  constructor(private readonly opts: AllocOptions, private readonly targets: AllocNodes, private readonly n1: N1Pred | null) {}

  probe(nl: Container<Node>, il: Container<Instance>, inst: Instance): Probe {
    let e = this.byNodes.get(nl);
    if (e === undefined || !(e.ils.includes(il) || (sameInstances(e.ils[0]!, il) && e.ils.push(il) > 0))) {
      e = { ils: [il], probes: new Map() };
      this.byNodes.set(nl, e);
    }
    const key = shapeKey(inst);
    let p = e.probes.get(key);
    if (p === undefined) {
      p = probeAlloc(this.opts, nl, il, inst, this.targets, this.n1);
      e.probes.set(key, p);
    }
    return p;
  }
}

function sameInstances(a: Container<Instance>, b: Container<Instance>): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/** Every field of an instance to be placed but its names and index (which no check reads). */
function shapeKey(i: Instance): string {
  const { name: _name, alias: _alias, idx: _idx, ...shape } = i;
  return JSON.stringify(shape);
}

