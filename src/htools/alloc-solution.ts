// An allocation's outcome (Ganeti's AllocSolution): the placement found, if any, and the
// failures counted by mode — kept as counts, since a drbd allocation over every node pair
// can fail a million times — with Ganeti's description line.
import type { Container } from "./container.js";
import type { Instance } from "./instance.js";
import type { Node } from "./node.js";
import { fixed } from "./format.js";
import type { FailMode, Ndx } from "./types.js";

export const FAIL_MODES: readonly FailMode[] = [
  "FailMem", "FailDisk", "FailCPU", "FailN1", "FailTags", "FailMig", "FailDiskCount", "FailSpindles", "FailInternal",
];

/** One successful placement: the changed nodes (not yet applied), the placed instance,
 * the nodes used (primary first) and the score. */
export interface AllocElement {
  readonly base: Container<Node>;
  readonly patches: readonly (readonly [Ndx, Node])[];
  readonly inst: Instance;
  readonly nodes: readonly Node[];
  readonly score: number;
}

export interface AllocSolution {
  /** Failure modes, one per failed candidate (order irrelevant: only counted). */
  readonly failures: readonly FailMode[];
  /** The failures counted per FAIL_MODES entry, when the solution was built from counts
   * (`failures` is then made on first use: it may hold a million entries). */
  readonly failCounts?: Int32Array;
  readonly allocs: number;
  readonly solution: AllocElement | null;
  readonly log: readonly string[];
}

export const EMPTY_SOLUTION: AllocSolution = Object.freeze({ failures: [], allocs: 0, solution: null, log: [] });

/** A solution whose failures are given as counts per FAIL_MODES entry. */
export function countedSolution(counts: Int32Array, allocs: number, solution: AllocElement | null, log: readonly string[]): AllocSolution {
  let list: FailMode[] | null = null;
  return {
    get failures(): readonly FailMode[] {
      if (list === null) {
        let n = 0;
        for (let k = 0; k < counts.length; k++) n += counts[k]!;
        list = new Array<FailMode>(n);
        let at = 0;
        for (let k = 0; k < counts.length; k++) list.fill(FAIL_MODES[k]!, at, (at += counts[k]!));
      }
      return list;
    },
    failCounts: counts, allocs, solution, log,
  };
}

/** collapseFailures of a solution's failures. */
export function collapseSolution(as: AllocSolution): [FailMode, number][] {
  const c = as.failCounts;
  return c === undefined ? collapseFailures(as.failures) : FAIL_MODES.map((k, i) => [k, c[i]!]);
}

/** How many failures a solution has. */
export function failureCount(as: AllocSolution): number {
  const c = as.failCounts;
  if (c === undefined) return as.failures.length;
  let n = 0;
  for (let k = 0; k < c.length; k++) n += c[k]!;
  return n;
}

/** Ganeti's collapseFailures: count per failure mode, in FailMode order. */
export function collapseFailures(fs: readonly FailMode[]): [FailMode, number][] {
  const counts = new Array<number>(FAIL_MODES.length).fill(0);
  for (let i = 0; i < fs.length; i++) {
    const k = failIndex(fs[i]!);
    if (k >= 0) counts[k]!++;
  }
  return FAIL_MODES.map((k, i) => [k, counts[i]!]);
}

/** A failure mode's position in FAIL_MODES (-1: none). */
export function failIndex(f: FailMode): number {
  switch (f) {
    case "FailMem": return 0;
    case "FailDisk": return 1;
    case "FailCPU": return 2;
    case "FailN1": return 3;
    case "FailTags": return 4;
    case "FailMig": return 5;
    case "FailDiskCount": return 6;
    case "FailSpindles": return 7;
    case "FailInternal": return 8;
    default: return -1;
  }
}

/** Ganeti's annotateSolution: the description line first in the log. */
export function annotateSolution(as: AllocSolution): AllocSolution {
  const log = [describeSolution(as), ...as.log];
  if (as.failCounts !== undefined) return countedSolution(as.failCounts, as.allocs, as.solution, log);
  return { ...as, log };
}

function fixed8(x: number): string {
  return fixed(x, 8);
}

export function describeSolution(as: AllocSolution, fmt: (x: number) => string = fixed8): string {
  const reasons = collapseSolution(as)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k}: ${n}`)
    .join(", ");
  if (as.solution === null) {
    return `No valid allocation solutions, failure reasons: ${failureCount(as) === 0 ? "unknown reasons" : reasons}`;
  }
  return (
    `score: ${fmt(as.solution.score)}, successes ${as.allocs}, failures ${failureCount(as)} (${reasons})` +
    ` for node(s) ${as.solution.nodes.map((n) => n.name).join("/")}`
  );
}
