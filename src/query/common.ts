// Building blocks shared by the field tables: the row constructor, timestamp and tag
// fields every object has, and Ganeti's "nice" sort for name lists.

import { FS_UNAVAIL, type FieldDef, type FieldKind, type Needs } from "./types.js";

export function field<Ctx, Item>(
  name: string, title: string, kind: FieldKind, needs: Needs, doc: string, get: (ctx: Ctx, item: Item) => unknown,
): FieldDef<Ctx, Item> {
  return { name, title, kind, needs, doc, get };
}

interface Stamped { readonly ctime?: number; readonly mtime?: number }

/** ctime/mtime; absent timestamps are unavailable, as in Ganeti's _GetItemTimestamp. */
export function timestampFields<Ctx, Item extends Stamped>(needs: Needs): FieldDef<Ctx, Item>[] {
  return [
    field("ctime", "CTime", "timestamp", needs, "Creation timestamp", (_c, i: Item) => i.ctime ?? FS_UNAVAIL),
    field("mtime", "MTime", "timestamp", needs, "Modification timestamp", (_c, i: Item) => i.mtime ?? FS_UNAVAIL),
  ];
}

/** Ganeti's English ordinals for indexed field docs ("1st", "2nd", ...). */
export function ordinal(n: number): string {
  const mod100 = n % 100;
  if (mod100 >= 11 && mod100 <= 13) return `${n}th`;
  const suffix = ({ 1: "st", 2: "nd", 3: "rd" } as Record<number, string>)[n % 10] ?? "th";
  return `${n}${suffix}`;
}

/** Orders names so "node2" sorts before "node10" (utils.NiceSort). */
export function niceCompare(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) return Number(x) - Number(y) || (x < y ? -1 : 1);
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

export function niceSort(names: readonly string[]): string[] {
  return [...names].sort(niceCompare);
}
