// The target sides of candidate moves (move-contribs.ts), cached per target node: node x
// after it takes an instance of a given shape in a given role, kept as that node's metric
// values (nodeComponents) in flat arenas. A candidate's bound (ScoreBase.boundFromSides)
// derives the target's contribution from them and the base's old values of x. Bounding
// reads thousands of target sides per step; as six per-metric arrays per side (≈ 1.3 kB,
// 100,000 of them) their cache misses were about half of the bound's cost, as 20 doubles
// in one array they are a few lines of cache. The sides without a peer-map entry (nearly
// all) have fixed places, slot-major and then by node, so one slot's sides over nodes in
// increasing order are read in address order, however long the cache has lived (entries
// reused from a free list scatter them). Pure: no I/O.
import { NMETRICS } from "./metrics.js";
import type { Node } from "./node.js";
import * as N from "./node.js";
import { type Envelope, ENV_FLAT, writeEnvelopeFlat } from "./class-bounds.js";
import type { Ndx } from "./types.js";
import type { TargetSideValues } from "./score-bound.js";

/**
 * A lookup's answer: not computed yet, no such move, no bound (not cached), or an entry:
 * FIRST + its index in the fixed arena, or OTHER_FIRST + its index in the other one.
 */
export const NOT_COMPUTED = 0;
export const INFEASIBLE_SIDE = 1;
export const NO_BOUND = 2;
export const FIRST = 3;
export const OTHER_FIRST = 1 << 30;

/** Target sides' metric values (entry e's at e * NMETRICS), masks and same bits (Contrib.mask, .same). */
export class SideArena implements TargetSideValues {
  ys: Float64Array;
  xs: Float64Array;
  mask: Int32Array;
  same: Int32Array;

  constructor(entries: number) {
    this.ys = new Float64Array(entries * NMETRICS);
    this.xs = new Float64Array(entries * NMETRICS);
    this.mask = new Int32Array(entries);
    this.same = new Int32Array(entries);
  }

  write(e: number, y: readonly number[], x: readonly number[], mask: number, same: number): void {
    const o = e * NMETRICS;
    for (let m = 0; m < NMETRICS; m++) {
      this.ys[o + m] = y[m]!;
      this.xs[o + m] = x[m]!;
    }
    this.mask[e] = mask;
    this.same[e] = same;
  }

  /** A copy with room for `entries`, entry e at `place(e)` (-1: dropped), for e < `from`. */
  moved(entries: number, from: number, place: (e: number) => number): SideArena {
    const a = new SideArena(entries);
    for (let e = 0; e < from; e++) {
      const to = place(e);
      if (to < 0) continue;
      for (let m = 0; m < NMETRICS; m++) {
        a.ys[to * NMETRICS + m] = this.ys[e * NMETRICS + m]!;
        a.xs[to * NMETRICS + m] = this.xs[e * NMETRICS + m]!;
      }
      a.mask[to] = this.mask[e]!;
      a.same[to] = this.same[e]!;
    }
    return a;
  }
}

/**
 * A class target range's code (MoveContribs.classPart): no such move, no bound, or its
 * envelope's place in the range arena (code * ENV_FLAT).
 */
export const RANGE_INFEASIBLE = -1;
export const RANGE_UNKNOWN = -2;

/**
 * Target sides by node and slot (shape, role, force flag; MoveContribs numbers them) and,
 * for a secondary whose target has a peer-map entry for the instance's other node, by that
 * entry's value. A node's sides are kept for the node object they were computed for: when
 * another node object is asked about at the same index (the node changed), its entries
 * are freed for reuse.
 */
export class TargetSides {
  /**
   * The sides without a peer-map entry: (slot, x) at slot * cap + x, its status in `zero`
   * (NOT_COMPUTED, INFEASIBLE_SIDE or FIRST: computed, then the code is FIRST + place).
   */
  fixed = new SideArena(0);
  /** The sides with a peer-map entry (few), from a free list. */
  other = new SideArena(64);
  /** Entries in use in both arenas (the cache is emptied past a budget). */
  live = 0;
  private top = 0;
  private readonly free: number[] = [];
  /**
   * Per node index x: the node its sides are for; the statuses of its sides by slot,
   * slot-major as the fixed arena; its codes by slot and peer value; its ranges.
   */
  private nodeAt: (Node | undefined)[] = [];
  private cap = 0;
  private slots = 0;
  private zero = new Uint8Array(0);
  private byPeer: (Map<number, Map<number, number>> | null)[] = [];
  private ranges: (number | undefined)[][] = [];
  /**
   * The class target ranges' envelopes, flat (writeEnvelopeFlat), by code, from a free
   * list: read by every class bound, in one array they are a few lines of cache instead
   * of fourteen objects each.
   */
  rangeArena = new Float64Array(64 * ENV_FLAT);
  private rangeTop = 0;
  private readonly rangeFree: number[] = [];
  /**
   * Peer-map values by key, then node (peerT[k][x]: N.peerMap.find(k, peers of x), NaN
   * until asked): key-major for the same reason.
   */
  private peerT: (Float64Array | undefined)[] = [];

  /** Forgets every entry (their memory is kept). */
  clear(): void {
    this.live = 0;
    this.top = 0;
    this.free.length = 0;
    this.nodeAt.fill(undefined);
    this.zero.fill(NOT_COMPUTED);
    this.byPeer = [];
    this.ranges = [];
    this.rangeTop = 0;
    this.rangeFree.length = 0;
    this.peerT = [];
  }

  /** Makes index x hold `node`'s sides (a new node there: the old ones freed). */
  at(x: Ndx, node: Node): void {
    if (this.nodeAt[x] === node) return;
    if (x >= this.cap) this.grow(Math.max(x + 1, 2 * this.cap), this.slots);
    if (this.nodeAt[x] !== undefined) this.dropNode(x);
    this.nodeAt[x] = node;
  }

  /** The code of x's side in `slot` for peer-map value `pv` (0: no entry). x must be at() first. */
  get(x: Ndx, slot: number, pv: number): number {
    if (pv === 0) {
      if (slot >= this.slots) return NOT_COMPUTED;
      const i = slot * this.cap + x;
      const z = this.zero[i]!;
      return z === FIRST ? FIRST + i : z;
    }
    return this.byPeer[x]?.get(slot)?.get(pv) ?? NOT_COMPUTED;
  }

  /** Records that x has no side in `slot` for `pv` (the move is infeasible). */
  putInfeasible(x: Ndx, slot: number, pv: number): void {
    if (pv === 0) {
      this.room(slot);
      this.zero[slot * this.cap + x] = INFEASIBLE_SIDE;
    } else this.peerCodes(x, slot).set(pv, INFEASIBLE_SIDE);
  }

  /**
   * Stores x's side in `slot` for `pv`: `y` (a node's metric values), `old` (x's before,
   * the base's), its mask and same bits. Returns its code.
   */
  store(x: Ndx, slot: number, pv: number, y: readonly number[], old: readonly number[], mask: number, same: number): number {
    this.live++;
    if (pv === 0) {
      this.room(slot);
      const i = slot * this.cap + x;
      this.fixed.write(i, y, old, mask, same);
      this.zero[i] = FIRST;
      return FIRST + i;
    }
    let e = this.free.pop();
    if (e === undefined) {
      e = this.top++;
      if (e >= this.other.mask.length) {
        const n = 2 * this.other.mask.length;
        this.other = this.other.moved(n, e, (j) => j);
      }
    }
    this.other.write(e, y, old, mask, same);
    this.peerCodes(x, slot).set(pv, OTHER_FIRST + e);
    return OTHER_FIRST + e;
  }

  /** The arena of an entry's code, and its index there (arenaIndex). */
  arenaOf(code: number): SideArena {
    return code >= OTHER_FIRST ? this.other : this.fixed;
  }

  arenaIndex(code: number): number {
    return code >= OTHER_FIRST ? code - OTHER_FIRST : code - FIRST;
  }

  /** The metric values of entry `code`. */
  values(code: number): Float64Array {
    const o = this.arenaIndex(code) * NMETRICS;
    return this.arenaOf(code).ys.subarray(o, o + NMETRICS);
  }

  /** The value of x's peer-map entry for key k (N.peerMap.find). x must be at() first. */
  peerValue(x: Ndx, node: Node, k: Ndx): number {
    if (k < 0) return N.peerMap.find(k, node.peers);
    while (this.peerT.length <= k) this.peerT.push(undefined);
    const col = (this.peerT[k] ??= new Float64Array(this.cap).fill(NaN));
    let v = col[x]!;
    if (v !== v) {
      v = N.peerMap.find(k, node.peers);
      col[x] = v;
    }
    return v;
  }

  /** The cached class target range code of x and slot (undefined: not computed). */
  range(x: Ndx, slot: number): number | undefined {
    return this.ranges[x]?.[slot];
  }

  /** Caches x's class target range in `slot` (copied: `r` can be reused); returns its code. */
  setRange(x: Ndx, slot: number, r: Envelope | null | undefined): number {
    while (this.ranges.length <= x) this.ranges.push([]);
    const row = this.ranges[x]!;
    while (row.length <= slot) row.push(undefined); // dense: fast lookups
    let code: number;
    if (r === null) code = RANGE_INFEASIBLE;
    else if (r === undefined) code = RANGE_UNKNOWN;
    else {
      code = this.rangeFree.pop() ?? this.rangeTop++;
      if ((code + 1) * ENV_FLAT > this.rangeArena.length) {
        const a = new Float64Array(2 * this.rangeArena.length);
        a.set(this.rangeArena);
        this.rangeArena = a;
      }
      writeEnvelopeFlat(r, this.rangeArena, code * ENV_FLAT);
    }
    row[slot] = code;
    return code;
  }

  private peerCodes(x: Ndx, slot: number): Map<number, number> {
    let bySlot = this.byPeer[x];
    if (bySlot === undefined || bySlot === null) {
      while (this.byPeer.length <= x) this.byPeer.push(null);
      bySlot = this.byPeer[x] = new Map();
    }
    let codes = bySlot.get(slot);
    if (codes === undefined) bySlot.set(slot, (codes = new Map()));
    return codes;
  }

  /** Room for `slot` in the fixed places. */
  private room(slot: number): void {
    if (slot >= this.slots) this.grow(this.cap, Math.max(2 * this.slots, slot + 1, 16));
  }

  /** Frees x's entries and forgets its answers. */
  private dropNode(x: Ndx): void {
    const cap = this.cap;
    for (let slot = 0; slot < this.slots; slot++) {
      if (this.zero[slot * cap + x] === FIRST) this.live--;
      this.zero[slot * cap + x] = NOT_COMPUTED;
    }
    const bySlot = this.byPeer[x];
    if (bySlot !== undefined && bySlot !== null) {
      for (const codes of bySlot.values()) {
        for (const code of codes.values()) {
          if (code < OTHER_FIRST) continue;
          this.free.push(code - OTHER_FIRST);
          this.live--;
        }
      }
      this.byPeer[x] = null;
    }
    if (x < this.ranges.length) {
      for (const code of this.ranges[x]!) if (code !== undefined && code >= 0) this.rangeFree.push(code);
      this.ranges[x] = [];
    }
    for (const col of this.peerT) if (col !== undefined) col[x] = NaN;
  }

  /** Room for `cap` node indices and `slots` slots, the entries and peer values kept. */
  private grow(cap: number, slots: number): void {
    const oldCap = this.cap;
    const old = this.zero;
    const z = new Uint8Array(cap * slots);
    for (let slot = 0; slot < this.slots; slot++) z.set(old.subarray(slot * oldCap, (slot + 1) * oldCap), slot * cap);
    // only computed places are copied: the arena's untouched pages stay unwritten
    this.fixed = this.fixed.moved(
      cap * slots, oldCap * this.slots, (e) => (old[e] === FIRST ? Math.floor(e / oldCap) * cap + (e % oldCap) : -1),
    );
    this.zero = z;
    if (cap !== oldCap) {
      for (let k = 0; k < this.peerT.length; k++) {
        const col = this.peerT[k];
        if (col === undefined) continue;
        const c = new Float64Array(cap).fill(NaN);
        c.set(col);
        this.peerT[k] = c;
      }
    }
    this.cap = cap;
    this.slots = slots;
    while (this.nodeAt.length < cap) this.nodeAt.push(undefined);
  }
}
