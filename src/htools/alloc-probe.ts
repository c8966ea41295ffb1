// What tiered shrinking asks of an allocation: would tryAlloc find a solution, and if
// not, is a given failure among its reasons? Candidates are placed, not scored (the
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

/**
 * Whether tryAlloc would find a solution ("fits"), else whether `fm` is among its
 * failures ("failed") or not ("no"): what tiered shrinking asks. Candidates are only
 * placed, not scored, except where many pairs make the pair classes cheaper.
 */
export function probeAlloc(
  opts: AllocOptions, nl: Container<Node>, il: Container<Instance>, inst: Instance, targets: AllocNodes, fm: FailMode,
  n1: N1Pred | null,
): "fits" | "failed" | "no" {
  const pred = opts.capacity && n1 !== null ? n1(nl, il) : null;
  if (targets.kind === "single") return probeSingle(opts, nl, inst, targets.nodes, fm, pred);
  if (pairCount(targets.pairs) < CLASS_PAIRS_MIN) return probePairs(opts, nl, inst, targets.pairs, fm, pred);
  const r = tryAlloc(opts, nl, il, inst, targets, n1);
  if (!r.ok) return "no";
  if (r.value.solution !== null) return "fits";
  return collapseSolution(r.value).some(([k, c]) => k === fm && c > 0) ? "failed" : "no";
}

/** probeSingle for node pairs: whether tryAlloc would find a pair (that passes `pred`),
 * else whether `fm` is among its failures; no scoring. */
function probePairs(
  opts: AllocOptions, nl: Container<Node>, inst: Instance, pairs: readonly (readonly [Ndx, readonly Ndx[]])[], fm: FailMode,
  pred: ((el: AllocElement) => boolean) | null,
): "fits" | "failed" | "no" {
  let seen = false;
  for (const [pdx, ss] of pairs) {
    const place = pairPlacer(opts, nl, inst, pdx);
    for (const sdx of ss) {
      const r = place(sdx);
      if (!r.ok) {
        if (r.error === fm) seen = true;
        continue;
      }
      const { np, ns } = r.value;
      if (pred === null || pred({ base: nl, patches: [[pdx, np], [sdx, ns]], inst: r.value.inst, nodes: [np, ns], score: NaN })) return "fits";
      if (fm === "FailN1") seen = true;
    }
  }
  return seen ? "failed" : "no";
}

/** The same on single nodes: tryAlloc's solution would be the best-scored candidate
 * (that passes `pred`): there is one as soon as one candidate fits (and passes). */
function probeSingle(
  opts: AllocOptions, nl: Container<Node>, inst: Instance, nodes: readonly Ndx[], fm: FailMode,
  pred: ((el: AllocElement) => boolean) | null = null,
): "fits" | "failed" | "no" {
  const pc = new PolicyCache(inst);
  let seen = false;
  for (const pdx of nodes) {
    const r = singleNode(opts.ignoreSoftErrors, nl, inst, pdx, pc);
    if (!r.ok) {
      if (r.error === fm) seen = true;
      continue;
    }
    if (pred === null) return "fits";
    // With a predicate (capacity checks) tryAlloc's solution is the best-scored candidate
    // that passes it, and each one that does not is a FailN1: existence needs no score.
    if (pred({ base: nl, patches: [[pdx, r.value]], inst: I.setBoth(inst, pdx, NO_SECONDARY), nodes: [r.value], score: NaN })) return "fits";
    if (fm === "FailN1") seen = true;
  }
  return seen ? "failed" : "no";
}

