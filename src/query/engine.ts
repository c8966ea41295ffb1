// Running a query over field tables: resolving field names (unknown names are an error,
// as in Ganeti's OldStyleQuery), computing each cell as [status, value] and telling the
// caller which kinds of data the chosen fields need.

import { ErrorCode, OpPrereqError } from "../errors.js";
import { Abnormal, FieldKind, ResultStatus, type FieldDef, type FieldInfo, type Needs, type ResultCell } from "./types.js";

export type FieldTable<Ctx, Item> = readonly FieldDef<Ctx, Item>[];

/** The definitions of `names`, in order; throws OpPrereqError for unknown names. */
export function resolveFields<Ctx, Item>(table: FieldTable<Ctx, Item>, names: readonly string[]): FieldDef<Ctx, Item>[] {
  const byName = new Map(table.map((f) => [f.name, f]));
  const unknown = names.filter((n) => !byName.has(n));
  if (unknown.length > 0) {
    const uniq = [...new Set(unknown)];
    throw new OpPrereqError(`Unknown output fields selected: ${uniq.join(", ")}`, ErrorCode.inval);
  }
  return names.map((n) => byName.get(n)!);
}

/** The kinds of data these fields need (so the caller can skip RPCs nobody asked for). */
export function neededData<Ctx, Item>(fields: readonly FieldDef<Ctx, Item>[]): Set<Needs> {
  return new Set(fields.map((f) => f.needs));
}

function cell(value: unknown): ResultCell {
  if (value instanceof Abnormal) return [value.status, null];
  return [ResultStatus.normal, value === undefined ? null : value];
}

/** Rows of [status, value] cells, one row per item, one cell per field. */
export function query<Ctx, Item>(
  table: FieldTable<Ctx, Item> | readonly FieldDef<Ctx, Item>[], names: readonly string[], items: readonly Item[], ctx: Ctx,
): ResultCell[][] {
  const fields = resolveFields(table, names);
  return items.map((item) => fields.map((f) => cell(f.get(ctx, item))));
}

/**
 * Like `query` but unknown names become columns of kind "unknown" whose cells have
 * status unknown (Ganeti's query2 behaviour for `gnt-* list -o`, which warns instead).
 */
export function queryLenient<Ctx, Item>(
  table: FieldTable<Ctx, Item>, names: readonly string[], items: readonly Item[], ctx: Ctx,
): { fields: FieldInfo[]; rows: ResultCell[][] } {
  const byName = new Map(table.map((f) => [f.name, f]));
  const defs: FieldDef<Ctx, Item>[] = names.map((n) => byName.get(n) ?? {
    name: n, title: n, kind: FieldKind.unknown, doc: `Unknown field '${n}'`, needs: "none",
    get: () => new Abnormal(ResultStatus.unknown),
  });
  return { fields: defs.map(fieldInfo), rows: items.map((item) => defs.map((f) => cell(f.get(ctx, item)))) };
}

export function fieldInfo<Ctx, Item>(f: FieldDef<Ctx, Item>): FieldInfo {
  return { name: f.name, title: f.title, kind: f.kind, doc: f.doc };
}

/** Field descriptions for `list-fields`: all, or the named ones (unknown names error). */
export function listFields<Ctx, Item>(table: FieldTable<Ctx, Item>, names?: readonly string[]): FieldInfo[] {
  const defs = names === undefined || names.length === 0 ? [...table].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    : resolveFields(table, names);
  return defs.map(fieldInfo);
}
