// Graphs of nodes and their colourings (facts from Ganeti's HTools/Graph.hs and the
// node graphs of Node.hs), as hroller uses them to find nodes that can be rebooted
// together: vertices are node indices, an edge joins two nodes that must not be down
// at the same time. The shapes follow Haskell's Data.Graph exactly (adjacency lists in
// reverse edge order, duplicate edges and self-loops kept), because the colouring
// heuristics and their tie-breaks depend on them.
export interface Graph {
  /** Smallest vertex. */
  readonly lo: number;
  /** Largest vertex (lo..hi are all vertices, as Data.Graph's bounds). */
  readonly hi: number;
  /** adj[v - lo]: the out-neighbours of v, as Data.Graph.buildG lists them. */
  readonly adj: readonly (readonly number[])[];
}

export type Edge = readonly [number, number];

/** Data.Graph.buildG: accumArray (flip (:)), so later edges come first in a list. */
export function buildGraph(lo: number, hi: number, edges: readonly Edge[]): Graph {
  const adj: number[][] = [];
  for (let v = lo; v <= hi; v++) adj.push([]);
  for (const [a, b] of edges) adj[a - lo]!.unshift(b);
  return { lo, hi, adj };
}

export function vertices(g: Graph): number[] {
  const out: number[] = [];
  for (let v = g.lo; v <= g.hi; v++) out.push(v);
  return out;
}

export function neighbors(g: Graph, v: number): readonly number[] {
  return g.adj[v - g.lo]!;
}

/** Haskell's `show` of the graph (an Array Int [Int]). */
export function showGraph(g: Graph): string {
  const assocs = vertices(g).map((v) => `(${v},[${neighbors(g, v).join(",")}])`);
  return `array (${g.lo},${g.hi}) [${assocs.join(",")}]`;
}

/** Vertex to colour. */
export type VertColorMap = ReadonlyMap<number, number>;
/** Colour to its vertices (ascending colours, each list ascending). */
export type ColorVertMap = readonly (readonly [number, readonly number[]])[];

function colorNode(g: Graph, cmap: Map<number, number>, v: number): number {
  const used = new Set<number>();
  for (const n of neighbors(g, v)) {
    const c = cmap.get(n);
    if (c !== undefined) used.add(c);
  }
  let c = 0;
  while (used.has(c)) c++;
  return c;
}

/** Ganeti's colorLF: greedy in order of degree (foldr over the ascending list, so the
 * highest degree, and among equal degrees the highest vertex, is coloured first). */
export function colorLF(g: Graph): VertColorMap {
  const order = vertices(g)
    .map((v, k) => ({ v, d: neighbors(g, v).length, k }))
    .sort((a, b) => a.d - b.d || a.k - b.k)
    .map((x) => x.v);
  const cmap = new Map<number, number>();
  for (let k = order.length - 1; k >= 0; k--) {
    const v = order[k]!;
    cmap.set(v, colorNode(g, cmap, v));
  }
  return cmap;
}

/** Ganeti's colorDynamicOrder: each round colours the remaining vertex with the largest
 * key (Haskell's maximumBy: the last of equal maxima). */
function colorDynamicOrder(g: Graph, key: (cmap: ReadonlyMap<number, number>, v: number) => readonly [number, number]): VertColorMap {
  const cmap = new Map<number, number>();
  const rest = vertices(g);
  while (rest.length > 0) {
    let bestK = 0;
    let best = key(cmap, rest[0]!);
    for (let k = 1; k < rest.length; k++) {
      const c = key(cmap, rest[k]!);
      if (!(best[0] > c[0] || (best[0] === c[0] && best[1] > c[1]))) {
        best = c;
        bestK = k;
      }
    }
    const v = rest[bestK]!;
    rest.splice(bestK, 1);
    cmap.set(v, colorNode(g, cmap, v));
  }
  return cmap;
}

/** Dsatur: most distinct neighbour colours, then highest degree. */
export function colorDsatur(g: Graph): VertColorMap {
  return colorDynamicOrder(g, (cmap, v) => {
    const ns = neighbors(g, v);
    const cs = new Set<number>();
    for (const n of ns) {
      const c = cmap.get(n);
      if (c !== undefined) cs.add(c);
    }
    return [cs.size, ns.length];
  });
}

/** Dcolor: most coloured neighbours (counted with multiplicity), then highest degree. */
export function colorDcolor(g: Graph): VertColorMap {
  return colorDynamicOrder(g, (cmap, v) => {
    const ns = neighbors(g, v);
    let colored = 0;
    for (const n of ns) if (cmap.has(n)) colored++;
    return [colored, ns.length];
  });
}

export function colorVertMap(m: VertColorMap): ColorVertMap {
  const by = new Map<number, number[]>();
  for (const v of [...m.keys()].sort((a, b) => a - b)) {
    const c = m.get(v)!;
    const l = by.get(c);
    if (l === undefined) by.set(c, [v]);
    else l.push(v);
  }
  return [...by.entries()].sort((a, b) => a[0] - b[0]);
}

/** Data.List.union on edges: xs unchanged, then the distinct ys not already in xs. */
export function unionEdges(xs: readonly Edge[], ys: readonly Edge[]): Edge[] {
  const key = (e: Edge): string => `${e[0]},${e[1]}`;
  const inX = new Set(xs.map(key));
  const seen = new Set<string>();
  const out = [...xs];
  for (const y of ys) {
    const k = key(y);
    if (seen.has(k)) continue;
    seen.add(k);
    if (!inX.has(k)) out.push(y);
  }
  return out;
}
