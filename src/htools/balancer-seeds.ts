// The balancer's seeds (balancer.ts): the best candidates of one step, scored anew at the
// next, where the least of them is a bar before any instance is scanned.
import * as I from "./instance.js";
import type { Instance } from "./instance.js";
import type { StepScorer } from "./balancer-exact.js";
import { countExact } from "./balancer-scan.js";
import type { IMove, Ndx } from "./types.js";
import { type AlgorithmOptions, type Table, MoveContext, applyMoveIn, possibleMoves } from "./cluster.js";

/** A candidate of an earlier step: instance index, move, its score then. */
export interface Seed {
  readonly idx: number;
  readonly mv: IMove;
  readonly score: number;
}

/** Seeds kept for the next step. */
const SEEDS = 8;

/** The best candidate of each of the SEEDS best instances in `kept`, other than `winner`. */
export function bestSeeds(kept: Seed[], winner: number): Seed[] {
  kept.sort((a, b) => a.score - b.score || a.idx - b.idx);
  const out: Seed[] = [];
  for (const s of kept) {
    if (out.length >= SEEDS) break;
    if (s.idx !== winner && !out.some((o) => o.idx === s.idx)) out.push(s);
  }
  return out;
}

/**
 * The exact score of moving `v` with `mv` when that move is one of this step's
 * candidates (scanInstance's and tryBalanceFull's: the Failover when the secondary is
 * usable, else a move possibleMoves gives onto an online node other than the
 * instance's own, and the move applies); null otherwise.
 */
export function seedScore(
  opts: AlgorithmOptions, v: Instance, mv: IMove, ini: Table, online: ReadonlySet<Ndx>, useSecondary: boolean,
  scorer: StepScorer,
): number | null {
  const mir = I.mirrorType(v);
  const ctx = new MoveContext(opts.ignoreSoftErrors, ini.nl, v);
  if (mv.kind === "Failover") {
    if (mir !== "internal" || !useSecondary) return null;
  } else {
    const t = mv.node;
    if (!online.has(t) || t === v.pNode || t === v.sNode) return null;
    const moves = possibleMoves(
      mir, useSecondary, opts.instanceMoves, opts.diskMoves, opts.restrictedMigration, ctx.oldP.offline, t,
    );
    if (!moves.some((m) => m.kind === mv.kind)) return null;
  }
  const r = applyMoveIn(ctx, mv);
  if (!r.ok) return null;
  countExact(1);
  return scorer.score(r.value.nodes);
}
