// Exact left-to-right folds for a group of single-node candidates that replace the
// same value x of a column by the same value y, each at its own row: the doubles of
// compCV's additions, shared between the members where they provably agree.
//
// Member i (row p_i) and a later member j (row p_j > p_i) add the same values after
// row p_j (both columns are the unchanged one there). So once member i's running sum
// after row p_j (where it adds x) is the same double as member j's running sum at row
// p_j (the unchanged prefix before p_j plus y), every later sum agrees and member i's
// result is member j's. Likewise a member whose running sum meets the unchanged
// fold's has the unchanged result. Members are taken from the last row back, each
// walking forward only until it meets a later member (on alike candidates the sums of
// different rows mostly differ by nothing or meet after a row or two: at 300 nodes,
// 96 % of the members meet one, ≈ 4 rows walked per member); once a group has walked
// its budget, a member that does not meet one within `cap` rows is left open for the
// caller's Fold.

/** Left-to-right prefix sums of `a`: s[k] = a[0] + … + a[k-1], compCV's additions (s[0] = 0). */
export function prefixSums(a: Float64Array, s: Float64Array): void {
  let t = 0;
  s[0] = 0;
  for (let k = 0; k < a.length; k++) {
    t += a[k]!;
    s[k + 1] = t;
  }
}

/** The same double, zero signs told apart (NaN equals NaN: it propagates alike). */
function same(a: number, b: number): boolean {
  return a === b ? a !== 0 || 1 / a === 1 / b : a !== a && b !== b;
}

/** `link` values besides a later member's number. */
export const OWN = -1;
export const OPEN = -2;

/**
 * For members i0 ≤ i < i1 (rows pos[i], 1-based, strictly ascending, the column holding
 * the same double at each): out[i] = the left-to-right sum of `a` with row pos[i]
 * replaced by y, or link[i] = a later member with the same sum (its out then set by
 * resolveLinks), or link[i] = OPEN (out[i] is the caller's). A member walks as far as it
 * must while the group has walked fewer than `budget` rows in all, then at most `cap`
 * rows while later members are ahead (else it is left open: a Fold answers it). `s`: a's
 * prefix sums. Returns the number of open members.
 */
export function chainSums(
  a: Float64Array, s: Float64Array, pos: Int32Array, i0: number, i1: number, y: number, out: Float64Array, link: Int32Array, budget: number, cap: number,
): number {
  const len = a.length;
  const whole = s[len]!;
  let open = 0;
  let left = budget;
  for (let i = i1 - 1; i >= i0; i--) {
    const p = pos[i]!;
    let c = s[p - 1]! + y;
    let k = p;
    let j = i + 1;
    const limit = left > 0 || len - k <= cap ? len : k + cap;
    let lk = OPEN;
    walk: for (;;) {
      const next = j < i1 ? pos[j]! : len + 1;
      const end = next < limit ? next : limit;
      // rows up to the next member's (or the limit), watching for the unchanged fold
      // (a NaN sum is not seen meeting it: it walks on and stays NaN, the same result)
      while (k < end) {
        const sk = s[k]!;
        if (c === sk && (c !== 0 || 1 / c === 1 / sk)) {
          c = whole;
          lk = OWN;
          break walk;
        }
        c += a[k++]!;
      }
      if (k === next) {
        if (same(c, s[k - 1]! + y)) {
          lk = j;
          break;
        }
        j++;
        continue;
      }
      if (k === len) lk = OWN;
      else if (j >= i1) {
        // past every later member: only the end (or the unchanged fold) is left to meet
        while (k < len && !same(c, s[k]!)) c += a[k++]!;
        if (k < len) c = whole;
        lk = OWN;
      }
      break;
    }
    left -= k - p;
    link[i] = lk;
    if (lk === OWN) out[i] = c;
    else if (lk === OPEN) open++;
  }
  return open;
}

/** Linked members take their later member's result (after the open ones are computed). */
export function resolveLinks(i0: number, i1: number, out: Float64Array, link: Int32Array): void {
  for (let i = i1 - 1; i >= i0; i--) {
    const l = link[i]!;
    if (l >= 0) out[i] = out[l]!;
  }
}

/** More groups than this: the caller scores the candidates one by one (few share a group). */
export const MAX_GROUPS = 32;

/**
 * Groups items by up to three double keys (the same doubles, zero signs told apart),
 * keeping their order within a group: `order` receives the items group by group,
 * `start` each group's first place (and one past the last group's end). Returns the
 * number of groups, or -1 beyond MAX_GROUPS.
 */
export class Grouper {
  private readonly k1 = new Float64Array(MAX_GROUPS);
  private readonly k2 = new Float64Array(MAX_GROUPS);
  private readonly k3 = new Float64Array(MAX_GROUPS);
  private readonly cnt = new Int32Array(MAX_GROUPS);
  private gid = new Int32Array(0);
  order = new Int32Array(0);
  readonly start = new Int32Array(MAX_GROUPS + 1);

  group(n: number, key1: Float64Array, key2: Float64Array, key3: Float64Array | null): number {
    if (this.gid.length < n) {
      this.gid = new Int32Array(n);
      this.order = new Int32Array(n);
    }
    let g = 0;
    let last = -1;
    for (let t = 0; t < n; t++) {
      const a = key1[t]!;
      const b = key2[t]!;
      const c = key3 === null ? 0 : key3[t]!;
      let f = -1;
      if (last >= 0 && same(this.k1[last]!, a) && same(this.k2[last]!, b) && same(this.k3[last]!, c)) f = last;
      else {
        for (let q = 0; q < g; q++) {
          if (same(this.k1[q]!, a) && same(this.k2[q]!, b) && same(this.k3[q]!, c)) {
            f = q;
            break;
          }
        }
      }
      if (f < 0) {
        if (g === MAX_GROUPS) return -1;
        f = g++;
        this.k1[f] = a;
        this.k2[f] = b;
        this.k3[f] = c;
        this.cnt[f] = 0;
      }
      this.cnt[f]!++;
      this.gid[t] = f;
      last = f;
    }
    let at = 0;
    for (let q = 0; q < g; q++) {
      this.start[q] = at;
      at += this.cnt[q]!;
      this.cnt[q] = this.start[q]!;
    }
    this.start[g] = at;
    for (let t = 0; t < n; t++) this.order[this.cnt[this.gid[t]!]!++] = t;
    return g;
  }
}
