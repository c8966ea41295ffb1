// Index-keyed containers of nodes, instances and groups. A container is a
// read-only array whose slot i holds the element with index i (or nothing, for the
// sub-containers of one node group); iteration is in index order, like Ganeti's IntMap.

export type Container<T> = readonly (T | undefined)[];

export function elems<T>(c: Container<T>): T[] {
  const out: T[] = [];
  for (const x of c) if (x !== undefined) out.push(x);
  return out;
}
export function size<T>(c: Container<T>): number {
  let n = 0;
  for (const x of c) if (x !== undefined) n++;
  return n;
}
export function find<T>(c: Container<T>, i: number): T {
  const x = c[i];
  if (x === undefined) throw new RangeError(`htools: no element with index ${i}`);
  return x;
}
export function lookup<T>(c: Container<T>, i: number): T | undefined {
  return i >= 0 ? c[i] : undefined;
}
/** Returns a copy with the given slots replaced. */
export function addAll<T>(c: Container<T>, updates: readonly (readonly [number, T])[]): Container<T> {
  const r = c.slice();
  for (const [i, v] of updates) r[i] = v;
  return r;
}
export function add<T>(c: Container<T>, i: number, v: T): Container<T> {
  return addAll(c, [[i, v]]);
}
export function map<T, U>(c: Container<T>, f: (x: T) => U): Container<U> {
  return c.map((x) => (x === undefined ? undefined : f(x)));
}
export function filter<T>(c: Container<T>, p: (x: T) => boolean): Container<T> {
  return c.map((x) => (x !== undefined && p(x) ? x : undefined));
}
export function fromList<T extends { readonly idx: number }>(xs: readonly T[]): Container<T> {
  const r: (T | undefined)[] = [];
  for (const x of xs) r[x.idx] = x;
  for (let i = 0; i < r.length; i++) if (!(i in r)) r[i] = undefined;
  return r;
}
