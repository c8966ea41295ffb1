// The target sides of candidate moves (move-contribs.ts), cached per target node: node x
// after it takes an instance of a given shape in a given role, kept as that node's metric
// values (nodeComponents) in one flat arena. A candidate's bound (ScoreBase.boundFromSides)
// derives the target's contribution from them and the base's old values of x. Bounding
// reads thousands of target sides per step in no particular order; as six per-metric
// arrays per side (≈ 1.3 kB, 100,000 of them) their cache misses were about half of the
// bound's cost, as 20 doubles in one array they are a few lines of cache. Pure: no I/O.
import { NMETRICS } from "./metrics.js";
import type { Node } from "./node.js";
import * as N from "./node.js";
import type { Envelope } from "./class-bounds.js";
import type { Ndx } from "./types.js";

/** A lookup's answer: not computed yet, no such move, no bound (not cached), or an entry (FIRST + index). */
export const NOT_COMPUTED = 0;
export const INFEASIBLE_SIDE = 1;
export const NO_BOUND = 2;
export const FIRST = 3;

/** classTargetRange's cached answers by slot (UNKNOWN_RANGE: no bound). */
export type RangeAnswer = Envelope | null | typeof UNKNOWN_RANGE;
export const UNKNOWN_RANGE = 0;

/**
 * Target sides by node and slot (shape, role, force flag; MoveContribs numbers them) and,
 * for a secondary whose target has a peer-map entry for the instance's other node, by that
 * entry's value. A node's sides are kept for the node object they were computed for: when
 * another node object is asked about at the same index (the node changed), its entries
 * are freed for reuse.
 */
export class TargetSides {
  /** The arena: entry e's metric values at e * NMETRICS. */
  ys = new Float64Array(1024 * NMETRICS);
  /** Per entry: the metrics its contribution changes, and those equal to their DUP's (Contrib.mask, .same). */
  mask = new Int32Array(1024);
  same = new Int32Array(1024);
  /** Entries in use (the cache is emptied past a budget). */
  live = 0;
  private top = 0;
  private readonly free: number[] = [];
  /**
   * Per node index x: the node its sides are for; its codes by slot, stored slot-major
   * (zero[slot * cap + x]: a refresh or scan asks one slot of many nodes in turn, which
   * then share lines of cache); by slot and peer value; its ranges.
   */
  private nodeAt: (Node | undefined)[] = [];
  private cap = 0;
  private slots = 0;
  private zero = new Int32Array(0);
  private other: (Map<number, Map<number, number>> | null)[] = [];
  private ranges: (RangeAnswer | undefined)[][] = [];
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
    this.other = [];
    this.ranges = [];
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
    if (pv === 0) return slot < this.slots ? this.zero[slot * this.cap + x]! : NOT_COMPUTED;
    return this.other[x]?.get(slot)?.get(pv) ?? NOT_COMPUTED;
  }

  /** Records a code (from `add`, or INFEASIBLE_SIDE) as get() will answer it. */
  put(x: Ndx, slot: number, pv: number, code: number): void {
    if (pv === 0) {
      if (slot >= this.slots) this.grow(this.cap, Math.max(2 * this.slots, slot + 1, 16));
      this.zero[slot * this.cap + x] = code;
      return;
    }
    let bySlot = this.other[x];
    if (bySlot === undefined || bySlot === null) {
      while (this.other.length <= x) this.other.push(null);
      bySlot = this.other[x] = new Map();
    }
    let byPeer = bySlot.get(slot);
    if (byPeer === undefined) bySlot.set(slot, (byPeer = new Map()));
    byPeer.set(pv, code);
  }

  /** A new entry holding `y` (a node's metric values), its mask and same bits: its code. */
  add(y: readonly number[], mask: number, same: number): number {
    let e = this.free.pop();
    if (e === undefined) {
      e = this.top++;
      if (e >= this.mask.length) {
        const cap = 2 * this.mask.length;
        const ys = new Float64Array(cap * NMETRICS);
        ys.set(this.ys);
        this.ys = ys;
        const m = new Int32Array(cap);
        m.set(this.mask);
        this.mask = m;
        const s = new Int32Array(cap);
        s.set(this.same);
        this.same = s;
      }
    }
    const o = e * NMETRICS;
    for (let m = 0; m < NMETRICS; m++) this.ys[o + m] = y[m]!;
    this.mask[e] = mask;
    this.same[e] = same;
    this.live++;
    return e + FIRST;
  }

  /** The metric values of entry `code`. */
  values(code: number): Float64Array {
    const o = (code - FIRST) * NMETRICS;
    return this.ys.subarray(o, o + NMETRICS);
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

  /** classTargetRange's cached answer for x and slot (undefined: not computed). */
  range(x: Ndx, slot: number): RangeAnswer | undefined {
    return this.ranges[x]?.[slot];
  }

  setRange(x: Ndx, slot: number, r: RangeAnswer): void {
    while (this.ranges.length <= x) this.ranges.push([]);
    const row = this.ranges[x]!;
    while (row.length <= slot) row.push(undefined); // dense: fast lookups
    row[slot] = r;
  }

  /** Frees x's entries and forgets its answers. */
  private dropNode(x: Ndx): void {
    const cap = this.cap;
    for (let slot = 0; slot < this.slots; slot++) {
      const code = this.zero[slot * cap + x]!;
      if (code >= FIRST) this.release(code);
      this.zero[slot * cap + x] = NOT_COMPUTED;
    }
    const bySlot = this.other[x];
    if (bySlot !== undefined && bySlot !== null) {
      for (const byPeer of bySlot.values()) for (const code of byPeer.values()) if (code >= FIRST) this.release(code);
      this.other[x] = null;
    }
    if (x < this.ranges.length) this.ranges[x] = [];
    for (const col of this.peerT) if (col !== undefined) col[x] = NaN;
  }

  private release(code: number): void {
    this.free.push(code - FIRST);
    this.live--;
  }

  /** Room for `cap` node indices and `slots` slots, the codes and peer values kept. */
  private grow(cap: number, slots: number): void {
    const old = this.zero;
    const z = new Int32Array(cap * slots);
    for (let slot = 0; slot < this.slots; slot++) z.set(old.subarray(slot * this.cap, (slot + 1) * this.cap), slot * cap);
    this.zero = z;
    if (cap !== this.cap) {
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
