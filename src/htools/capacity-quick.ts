// A quick verdict on Ganeti's canEvacuateNode for a node whose primaries are all
// re-created (not DRBD, not movable): their re-creation places them one by one on the
// best-scored node of the group that takes them (forced checks only: free memory and
// free disk stay positive). With each node's capacity counted in copies of the largest
// and of the smallest instance, the answer is known without scoring when
//  * the largest fits at least k times in all (each placement uses at most one copy
//    of one node's count, so every step finds a node): evacuable;
//  * the smallest fits fewer than k times in all (every placement uses at least one):
//    not evacuable.
// Otherwise (or in any case not modelled here) the caller runs Ganeti's procedure.
import * as C from "./container.js";
import type { Container } from "./container.js";
import * as I from "./instance.js";
import type { Instance } from "./instance.js";
import type { Node } from "./node.js";

/** How many more instances using `mem` memory and `dsk` disk the node takes under the
 * forced checks (addPriEx with force: free memory > 0, free disk > 0); -1: not known. */
function copies(m: Node, mem: number, usesDisk: boolean, dsk: number): number {
  const a = availMem(m);
  if (!Number.isSafeInteger(a) || !Number.isSafeInteger(m.fDsk)) return -1;
  return copiesAt(a, m.fDsk, mem, usesDisk, dsk);
}

/** The memory the forced checks see as free (placing an instance lowers it by its memory). */
function availMem(m: Node): number {
  return Math.trunc(m.tMem) - m.nMem - m.iMem - Math.max(0, m.xMem);
}

/** `copies` for a node with this much free memory and disk. */
function copiesAt(freeMem: number, freeDsk: number, mem: number, usesDisk: boolean, dsk: number): number {
  const mc = fits(freeMem, mem);
  return usesDisk ? Math.min(mc, fits(freeDsk, dsk)) : mc;
}

/** The most instances of one shape a two-shape node can hold (larger counts: no verdict). */
const TWO_SHAPE_MAX = 32;

/**
 * How much more than one copy of `b` each placement of `a` can take from the node at
 * most, over up to TWO_SHAPE_MAX placements of `a` on it: max over t of
 * (copies of b now − copies of b after t of a − t), at least 0; -1: not known.
 */
function extraTaken(m: Node, a: Use, b: Use, usesDisk: boolean): number {
  const free = availMem(m);
  if (!Number.isSafeInteger(free) || !Number.isSafeInteger(m.fDsk)) return -1;
  const bNow = copiesAt(free, m.fDsk, b.mem, usesDisk, b.dsk);
  const tMax = Math.min(copiesAt(free, m.fDsk, a.mem, usesDisk, a.dsk), TWO_SHAPE_MAX);
  let e = 0;
  for (let t = 1; t <= tMax; t++) {
    e = Math.max(e, bNow - copiesAt(free - t * a.mem, m.fDsk - (usesDisk ? t * a.dsk : 0), b.mem, usesDisk, b.dsk) - t);
  }
  return e;
}

/** An instance's use under the forced checks. */
interface Use {
  readonly mem: number;
  readonly dsk: number;
}

/** What a node can hold in all of instances at least this size (free memory and disk
 * stay above zero): its available amounts minus one, or nothing when the smallest does not
 * fit; null: not known. */
function holds(m: Node, minMem: number, usesDisk: boolean, minDsk: number): readonly [number, number] | null {
  const a = Math.trunc(m.tMem) - m.nMem - m.iMem - Math.max(0, m.xMem);
  if (!Number.isSafeInteger(a) || !Number.isSafeInteger(m.fDsk)) return null;
  if (a - 1 < minMem || (usesDisk && m.fDsk - 1 < minDsk)) return [0, 0];
  return [a - 1, m.fDsk - 1];
}

/** No limit (kept finite: totals are sums of integers). */
const MANY = 1e9;

/** The largest t with free - t × use > 0 (checked in integers; at most MANY). */
function fits(free: number, use: number): number {
  if (free <= 0) return 0;
  if (use <= 0 || free / use > MANY) return MANY;
  let t = Math.max(0, Math.ceil(free / use) - 1);
  while (t > 0 && !(free - t * use > 0)) t--;
  while (free - (t + 1) * use > 0) t++;
  return t;
}

type PolicyPair = readonly [Node["iPolicy"], boolean];

/** A node's primaries as the verdicts see them. */
interface Load {
  readonly insts: readonly Instance[];
  /** Their extremes; null: one of them is not modelled here (DRBD, movable, forthcoming,
   * mixed local and other storage, sizes that are not safe integers). */
  readonly shape: { readonly maxMem: number; readonly minMem: number; readonly maxDsk: number; readonly minDsk: number; readonly disk: boolean } | null;
  /** The policy pairs the instances were last checked against, and the answer. */
  polChecked?: { readonly pairs: readonly PolicyPair[]; readonly ok: boolean };
  /** The instances' uses in Ganeti's re-creation order (placeable's). */
  ordered?: readonly { readonly mem: number; readonly dsk: number }[];
}

// Nodes and instances are immutable: a node object whose keys name the same instances has
// the same load. Most nodes are the same objects from one N+1 check to the next.
const LOADS = new WeakMap<Node, Load>();

function loadOf(n: Node, lookup: (k: number) => Instance): Load {
  const keys = n.pList;
  const known = LOADS.get(n);
  if (known !== undefined && sameInsts(keys, lookup, known.insts)) return known;
  const insts = keys.map(lookup);
  const load: Load = { insts, shape: shapeOf(insts) };
  LOADS.set(n, load);
  return load;
}

function sameInsts(keys: readonly number[], lookup: (k: number) => Instance, insts: readonly Instance[]): boolean {
  for (let j = 0; j < keys.length; j++) if (lookup(keys[j]!) !== insts[j]) return false;
  return true;
}

/** shapeOf of one instance, kept per instance object (stuckFor asks it per node). */
const SHAPES = new WeakMap<Instance, Load["shape"]>();
function shapeOfOne(i: Instance): Load["shape"] {
  let sh = SHAPES.get(i);
  if (sh === undefined) SHAPES.set(i, (sh = shapeOf([i])));
  return sh;
}

function shapeOf(insts: readonly Instance[]): Load["shape"] {
  let maxMem = -Infinity;
  let minMem = Infinity;
  let maxDsk = -Infinity;
  let minDsk = Infinity;
  let disk: boolean | null = null;
  for (const i of insts) {
    if (i.diskTemplate === "drbd" || !(i.diskTemplate === "plain" || i.diskTemplate === "file" || i.diskTemplate === "blockdev")) return null;
    if (i.forthcoming) return null;
    const d = I.usesLocalStorage(i);
    if (disk !== null && disk !== d) return null;
    disk = d;
    const mem = I.usesMemory(i) ? i.mem : 0;
    if (!Number.isSafeInteger(mem) || !Number.isSafeInteger(i.dsk)) return null;
    maxMem = Math.max(maxMem, mem);
    minMem = Math.min(minMem, mem);
    maxDsk = Math.max(maxDsk, i.dsk);
    minDsk = Math.min(minDsk, i.dsk);
  }
  return disk === null ? null : { maxMem, minMem, maxDsk, minDsk, disk };
}

/** Whether the counted verdicts model instances like this one (stuckFor can hold for it). */
export function countedShape(i: Instance): boolean {
  return shapeOfOne(i) !== null;
}

/** Values by group, memory and disk (NaN: no disk), computed and kept on first use (no
 * key strings: these are asked for per node and check). */
class Cache3<V> {
  private readonly m = new Map<number, Map<number, Map<number, V>>>();
  /** The kept value (undefined: none; V never is). */
  peek(a: number, b: number, c: number): V | undefined {
    return this.m.get(a)?.get(b)?.get(c);
  }
  put(a: number, b: number, c: number, v: V): V {
    let m1 = this.m.get(a);
    if (m1 === undefined) this.m.set(a, (m1 = new Map()));
    let m2 = m1.get(b);
    if (m2 === undefined) m1.set(b, (m2 = new Map()));
    m2.set(c, v);
    return v;
  }
}

/** The cached value for `key`, computed and kept on first use. */
function cached<V>(m: Map<string, V>, key: string, compute: () => V): V {
  if (m.has(key)) return m.get(key) as V;
  const v = compute();
  m.set(key, v);
  return v;
}

function samePairs(a: readonly PolicyPair[], b: readonly PolicyPair[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let j = 0; j < a.length; j++) if (a[j]![0] !== b[j]![0] || a[j]![1] !== b[j]![1]) return false;
  return true;
}

/** Every replaced node of the group has one of the pairs. */
function pairsCover(replaced: ReadonlyMap<number, Node>, group: number, pairs: readonly PolicyPair[]): boolean {
  for (const m of replaced.values()) {
    if (m.group !== group) continue;
    let found = false;
    for (let j = 0; j < pairs.length && !found; j++) found = pairs[j]![0] === m.iPolicy && pairs[j]![1] === m.exclStorage;
    if (!found) return false;
  }
  return true;
}

/** instMatchesPolicy's verdict per policy object, exclusive storage and instance. */
const POLICY_OK = [new WeakMap<object, WeakMap<Instance, boolean>>(), new WeakMap<object, WeakMap<Instance, boolean>>()] as const;

function policyOk(i: Instance, pol: Node["iPolicy"], excl: boolean): boolean {
  const byPol = POLICY_OK[excl ? 1 : 0];
  let byInst = byPol.get(pol);
  if (byInst === undefined) byPol.set(pol, (byInst = new WeakMap<Instance, boolean>()));
  let okp = byInst.get(i);
  if (okp === undefined) byInst.set(i, (okp = I.instMatchesPolicy(i, pol, excl).ok));
  return okp;
}

/**
 * Per redundant() call: the group's total copies per instance use. A variant of the
 * cluster with a few nodes replaced (one candidate allocation, `patched`) derives its
 * totals from the base cluster's instead of counting every node again.
 */
export class QuickEvac {
  private readonly totals = new Cache3<number>();
  private readonly pols = new Map<number, readonly PolicyPair[]>();
  private groupsCache: Map<number, Node[]> | null = null;

  private constructor(
    /** The cluster's nodes, or for a variant a function making them (built only if asked). */
    private nodesOr: readonly Node[] | (() => readonly Node[]),
    private readonly lookup: (k: number) => Instance,
    /** For a variant: the cluster it was derived from and the nodes replaced in it. */
    private readonly base: { readonly quick: QuickEvac; readonly replaced: ReadonlyMap<number, Node> } | null,
  ) {}

  private get nodes(): readonly Node[] {
    if (typeof this.nodesOr === "function") this.nodesOr = this.nodesOr();
    return this.nodesOr;
  }

  static of(nl: Container<Node>, il: Container<Instance>): QuickEvac {
    return new QuickEvac(C.elems(nl), (k) => C.find(il, k), null);
  }

  /** The cluster with `replaced` nodes (same indices) and the instance being placed,
   * which their lists name by -1 or by `placedKey` (the key elementInstances stores it
   * under: an allocation element before it is stored). */
  patched(replaced: readonly Node[], placed: Instance, placedKey: number): QuickEvac {
    const r = new Map(replaced.map((n) => [n.idx, n] as const));
    const nodes = (): readonly Node[] => this.nodes.map((n) => r.get(n.idx) ?? n);
    return new QuickEvac(nodes, (k) => (k < 0 || k === placedKey ? placed : this.lookup(k)), { quick: this, replaced: r });
  }

  private groups(): Map<number, Node[]> {
    if (this.groupsCache === null) {
      const gs = new Map<number, Node[]>();
      for (const x of this.nodes) {
        let g = gs.get(x.group);
        if (g === undefined) gs.set(x.group, (g = []));
        g.push(x);
      }
      this.groupsCache = gs;
    }
    return this.groupsCache;
  }

  /** The group's distinct (policy, exclusive storage) pairs (exclusive storage: no quick verdict). */
  private policies(group: number): readonly PolicyPair[] {
    let ps = this.pols.get(group);
    if (ps === undefined) {
      const b = this.base;
      const inherited = b?.quick.policies(group);
      if (inherited !== undefined && pairsCover(b!.replaced, group, inherited)) {
        ps = inherited;
      } else {
        const own: PolicyPair[] = [];
        for (const m of this.groups().get(group)!) if (!own.some(([p, e]) => p === m.iPolicy && e === m.exclStorage)) own.push([m.iPolicy, m.exclStorage]);
        ps = own;
      }
      this.pols.set(group, ps);
    }
    return ps;
  }

  private total(group: number, mem: number, usesDisk: boolean, dsk: number): number {
    const d = usesDisk ? dsk : NaN;
    return this.totals.peek(group, mem, d) ?? this.totals.put(group, mem, d, this.count(group, mem, usesDisk, dsk));
  }

  private count(group: number, mem: number, usesDisk: boolean, dsk: number): number {
    const b = this.base;
    if (b !== null) {
      // the base's total with the replaced nodes' counts swapped
      let t = b.quick.total(group, mem, usesDisk, dsk);
      if (t < 0) return -1;
      for (const [idx, m] of b.replaced) {
        if (m.group !== group) continue;
        if (m.exclStorage) return -1;
        const before = copies(b.quick.nodeAt(idx), mem, usesDisk, dsk);
        const after = copies(m, mem, usesDisk, dsk);
        if (before < 0 || after < 0) return -1;
        t += after - before;
      }
      return t;
    }
    let t = 0;
    for (const m of this.groups().get(group) ?? []) {
      if (m.exclStorage) return -1;
      const c = copies(m, mem, usesDisk, dsk);
      if (c < 0) return -1;
      t += c;
    }
    return t;
  }

  private readonly caps = new Cache3<readonly [number, number] | null>();

  /** The group's nodes' summed holdings (`holds`) for instances of at least this size. */
  private capacity(group: number, minMem: number, usesDisk: boolean, minDsk: number): readonly [number, number] | null {
    const d = usesDisk ? minDsk : NaN;
    const v = this.caps.peek(group, minMem, d);
    return v !== undefined ? v : this.caps.put(group, minMem, d, this.sumHoldings(group, minMem, usesDisk, minDsk));
  }

  private sumHoldings(group: number, minMem: number, usesDisk: boolean, minDsk: number): readonly [number, number] | null {
    const b = this.base;
    if (b !== null) {
      // the base's sums with the replaced nodes' holdings swapped
      const c = b.quick.capacity(group, minMem, usesDisk, minDsk);
      if (c === null) return null;
      let [mem, dsk] = c;
      for (const [idx, m] of b.replaced) {
        if (m.group !== group) continue;
        const before = holds(b.quick.nodeAt(idx), minMem, usesDisk, minDsk);
        const after = holds(m, minMem, usesDisk, minDsk);
        if (before === null || after === null) return null;
        mem += after[0] - before[0];
        dsk += after[1] - before[1];
      }
      return [mem, dsk];
    }
    let mem = 0;
    let dsk = 0;
    for (const m of this.groups().get(group) ?? []) {
      const h = holds(m, minMem, usesDisk, minDsk);
      if (h === null) return null;
      mem += h[0];
      dsk += h[1];
    }
    return [mem, dsk];
  }

  private readonly extras = new Map<string, ReadonlyMap<number, number> | null>();

  /** The group's nodes counted by extraTaken(a, b); null: not known. */
  private extraCounts(group: number, a: Use, b: Use, usesDisk: boolean): ReadonlyMap<number, number> | null {
    return cached(this.extras, `${group},${a.mem},${a.dsk},${b.mem},${b.dsk},${usesDisk ? 1 : 0}`, () => this.countExtras(group, a, b, usesDisk));
  }

  private countExtras(group: number, a: Use, b: Use, usesDisk: boolean): ReadonlyMap<number, number> | null {
    const bq = this.base;
    let counts: Map<number, number>;
    let swaps: Iterable<readonly [Node | null, Node]>;
    if (bq !== null) {
      // the base's counts with the replaced nodes' values swapped
      const c = bq.quick.extraCounts(group, a, b, usesDisk);
      if (c === null) return null;
      counts = new Map(c);
      swaps = [...bq.replaced].filter(([, m]) => m.group === group).map(([idx, m]) => [bq.quick.nodeAt(idx), m] as const);
    } else {
      counts = new Map();
      swaps = (this.groups().get(group) ?? []).map((m) => [null, m] as const);
    }
    for (const [before, after] of swaps) {
      if (before !== null) {
        const e = extraTaken(before, a, b, usesDisk);
        if (e < 0) return null;
        counts.set(e, counts.get(e)! - 1);
      }
      const e = extraTaken(after, a, b, usesDisk);
      if (e < 0) return null;
      counts.set(e, (counts.get(e) ?? 0) + 1);
    }
    return counts;
  }

  /**
   * Two shapes, the larger memory first (Ganeti's order places every instance of it
   * before any of the other): each of the `a` instances surely finds a node when the
   * other nodes hold at least as many copies of it (a placement takes exactly one copy
   * of its own shape). Each then takes one copy of `b` from its node, plus at most that
   * node's extraTaken; a node pays its extra only if it gets one of them, so at most the
   * largest extras of as many nodes as there are `a` instances. The `b` instances surely
   * find nodes when the copies of `b` left are at least their number.
   */
  private twoShapes(n: Node, insts: readonly Instance[], disk: boolean): boolean {
    const uses = insts.map((i) => ({ mem: I.usesMemory(i) ? i.mem : 0, dsk: disk ? i.dsk : 0 }));
    const a = uses.reduce((x, y) => (y.mem > x.mem ? y : x));
    const b = uses.reduce((x, y) => (y.mem < x.mem ? y : x));
    if (!(a.mem > b.mem) || b.mem <= 0 || (disk && (a.dsk <= 0 || b.dsk <= 0))) return false;
    let ca = 0;
    for (const u of uses) {
      if (u.mem === a.mem && u.dsk === a.dsk) ca++;
      else if (!(u.mem === b.mem && u.dsk === b.dsk)) return false;
    }
    const cb = uses.length - ca;
    if (ca > TWO_SHAPE_MAX) return false;
    const totalA = this.total(n.group, a.mem, disk, a.dsk);
    const ownA = copies(n, a.mem, disk, a.dsk);
    if (totalA < 0 || ownA < 0 || totalA - ownA < ca) return false;
    const totalB = this.total(n.group, b.mem, disk, b.dsk);
    const ownB = copies(n, b.mem, disk, b.dsk);
    const counts = this.extraCounts(n.group, a, b, disk);
    const ownE = extraTaken(n, a, b, disk);
    if (totalB < 0 || ownB < 0 || counts === null || ownE < 0) return false;
    // the largest extras of `ca` nodes other than n
    let extra = 0;
    let left = ca;
    let skipOwn = true;
    for (const e of [...counts.keys()].sort((x, y) => y - x)) {
      let c = counts.get(e)!;
      if (skipOwn && e === ownE) {
        c--;
        skipOwn = false;
      }
      const take = Math.min(c, left);
      extra += take * e;
      left -= take;
      if (left === 0) break;
    }
    return totalB - ownB - ca - extra >= cb;
  }

  private byIdx: Map<number, Node> | null = null;
  private nodeAt(idx: number): Node {
    this.byIdx ??= new Map(this.nodes.map((x) => [x.idx, x] as const));
    const n = this.byIdx.get(idx);
    if (n === undefined) throw new Error(`htools: node ${idx} not in the cluster`);
    return n;
  }

  /** Every instance of the node passes every target's policy (else a node would count that
   * cannot take it); the answer is kept on the load while the group's policies are alike. */
  private policiesPass(n: Node, load: Load): boolean {
    const pairs = this.policies(n.group);
    const pc = load.polChecked;
    if (pc !== undefined && samePairs(pc.pairs, pairs)) return pc.ok;
    let ok = true;
    for (let p = 0; p < pairs.length && ok; p++) {
      const [pol, excl] = pairs[p]!;
      for (let j = 0; j < load.insts.length && ok; j++) ok = policyOk(load.insts[j]!, pol, excl);
    }
    load.polChecked = { pairs, ok };
    return ok;
  }

  /** canEvacuateNode's answer, or null when it must be computed. */
  verdict(n: Node): boolean | null {
    if (n.pList.length === 0) return true; // nothing to move
    const load = loadOf(n, this.lookup);
    const sh = load.shape;
    if (sh === null) return null;
    const { insts } = load;
    const { maxMem, minMem, maxDsk, minDsk, disk } = sh;
    if (!this.policiesPass(n, load)) return null;
    const k = insts.length;
    const big = this.total(n.group, maxMem, disk, maxDsk);
    const small = this.total(n.group, minMem, disk, minDsk);
    if (big < 0 || small < 0) return null;
    const ownBig = copies(n, maxMem, disk, maxDsk);
    const ownSmall = copies(n, minMem, disk, minDsk);
    if (ownBig < 0 || ownSmall < 0) return null;
    if (big - ownBig >= k) return true;
    if (small - ownSmall < k) return false;
    if (this.overfull(n, insts, disk)) return false;
    return this.placeable(n, load, disk) || this.twoShapes(n, insts, disk) ? true : null;
  }

  /**
   * Whether `n` is not evacuable by the count of its smallest instance (fewer copies of it
   * fit on the other nodes than it has instances) or by `overfull`, in a way no placement
   * of `shape` anywhere can undo: placements elsewhere only lower the other nodes' copies
   * and holdings; one on `n` adds an instance and leaves its smallest sizes as they are
   * (`shape` is at least as large, of the same kind). Every later cluster of an unchecked
   * run of `shape` is then not N+1 redundant.
   */
  stuckFor(n: Node, shape: Instance): boolean {
    if (n.pList.length === 0) return false;
    const load = loadOf(n, this.lookup);
    const sh = load.shape;
    if (sh === null || shapeOfOne(shape)?.disk !== sh.disk) return false;
    const mem = I.usesMemory(shape) ? shape.mem : 0;
    if (mem < sh.minMem || (sh.disk && shape.dsk < sh.minDsk)) return false;
    if (!this.policiesPass(n, load) || !this.shapePasses(n.group, shape)) return false;
    const small = this.total(n.group, sh.minMem, sh.disk, sh.minDsk);
    const ownSmall = copies(n, sh.minMem, sh.disk, sh.minDsk);
    if (small >= 0 && ownSmall >= 0 && small - ownSmall < load.insts.length) return true;
    // overfull: the other nodes' holdings only shrink, the node's needs only grow
    return this.overfull(n, load.insts, sh.disk);
  }

  /** `shape` passes every policy pair of the group. */
  private shapePasses(group: number, shape: Instance): boolean {
    const pairs = this.policies(group);
    for (let p = 0; p < pairs.length; p++) if (!policyOk(shape, pairs[p]![0], pairs[p]![1])) return false;
    return true;
  }

  /**
   * Mixed sizes, the other way: a node keeps free memory (and disk) above zero, so it
   * holds at most its available amount minus one of them in all, and nothing when that
   * is less than the smallest instance. When the instances need more than the other
   * nodes can hold together, no placement takes them all.
   */
  private overfull(n: Node, insts: readonly Instance[], disk: boolean): boolean {
    let needMem = 0;
    let needDsk = 0;
    let minMem = Infinity;
    let minDsk = Infinity;
    for (const i of insts) {
      const mem = I.usesMemory(i) ? i.mem : 0;
      needMem += mem;
      needDsk += i.dsk;
      minMem = Math.min(minMem, mem);
      minDsk = Math.min(minDsk, i.dsk);
    }
    const cap = this.capacity(n.group, minMem, disk, minDsk);
    if (cap === null) return false;
    const own = holds(n, minMem, disk, minDsk);
    if (own === null) return false;
    const capMem = cap[0] - own[0];
    const capDsk = cap[1] - own[1];
    return needMem > capMem || (disk && needDsk > capDsk);
  }

  /**
   * Mixed sizes: the instances in Ganeti's order (decreasing memory, stable); the i-th
   * surely finds a node when the other nodes' copies of it exceed what the earlier ones
   * can have taken, wherever they went. Placing j on a node lowers its copies of i by at
   * most ceil(mem_j / mem_i) in memory and ceil(dsk_j / dsk_i) in disk (copies are the
   * least of the two, so by at most the larger); and the earlier ones together by at most
   * floor(their memory / mem_i) plus one per node they used (≤ i), likewise for disk.
   */
  private placeable(n: Node, load: Load, disk: boolean): boolean {
    const use = (load.ordered ??= load.insts.map((i, k) => ({ mem: I.usesMemory(i) ? i.mem : 0, dsk: i.dsk, k }))
      .sort((a, b) => b.mem - a.mem || a.k - b.k));
    for (const u of use) if (u.mem <= 0 || (disk && u.dsk <= 0)) return false;
    let memSum = 0;
    let dskSum = 0;
    for (let i = 0; i < use.length; i++) {
      const ui = use[i]!;
      let perItem = 0;
      for (let j = 0; j < i; j++) {
        const uj = use[j]!;
        perItem += Math.max(Math.ceil(uj.mem / ui.mem), disk ? Math.ceil(uj.dsk / ui.dsk) : 0);
      }
      const aggregate = Math.floor(memSum / ui.mem) + i + (disk ? Math.floor(dskSum / ui.dsk) + i : 0);
      const total = this.total(n.group, ui.mem, disk, ui.dsk);
      const own = copies(n, ui.mem, disk, ui.dsk);
      if (total < 0 || own < 0) return false;
      if (total - own - Math.min(perItem, aggregate) < 1) return false;
      memSum += ui.mem;
      dskSum += ui.dsk;
    }
    return true;
  }
}
