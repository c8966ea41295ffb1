// Ganeti's PrintGenericInfo: nested "key: value" blocks in a YAML-like layout. Objects are
// printed with sorted keys; ordered key/value lists keep their order; lists get "- ".
import { pyStr } from "../query/format.js";

/** An ordered dictionary: key/value pairs printed in this order. */
export class Pairs {
  constructor(readonly entries: ReadonlyArray<readonly [string, GenericInfo]>) {}
}

export type GenericInfo = string | number | boolean | null | undefined | Pairs | readonly GenericInfo[] | { readonly [k: string]: GenericInfo };

const IND = "  ";

function isDict(v: GenericInfo): v is { readonly [k: string]: GenericInfo } {
  return v !== null && typeof v === "object" && !(v instanceof Pairs) && !Array.isArray(v);
}

function serialize(out: string[], data: GenericInfo, level: number, afterKey: boolean): void {
  const entries: Array<readonly [string, GenericInfo]> | null = data instanceof Pairs ? [...data.entries]
    : isDict(data) ? Object.keys(data).sort().map((k) => [k, data[k]] as const) : null;
  if (entries !== null) {
    if (entries.length === 0) {
      out.push("\n");
      return;
    }
    let indent = afterKey;
    if (afterKey) out.push("\n");
    for (const [k, v] of entries) {
      if (indent) out.push(IND.repeat(level));
      indent = true;
      out.push(`${k}: `);
      serialize(out, v, level + 1, true);
    }
    return;
  }
  if (Array.isArray(data)) {
    if (data.length === 0) {
      out.push("\n");
      return;
    }
    let indent = afterKey;
    if (afterKey) out.push("\n");
    for (const item of data as readonly GenericInfo[]) {
      if (indent) out.push(IND.repeat(level));
      indent = true;
      out.push("- ");
      serialize(out, item, level + 1, false);
    }
    return;
  }
  out.push(`${pyStr(data)}\n`);
}

/** The text Ganeti's PrintGenericInfo writes (without the final newline). */
export function formatGenericInfo(data: GenericInfo): string {
  const out: string[] = [];
  serialize(out, data, 0, false);
  return out.join("").replace(/\n+$/, "");
}

/** Ganeti's FormatParamsDictInfo: own values as given, the rest "default (value)". */
export function formatParamsDictInfo(own: Readonly<Record<string, unknown>>, actual: Readonly<Record<string, unknown>>): { [k: string]: GenericInfo } {
  const ret: { [k: string]: GenericInfo } = {};
  for (const [k, v] of Object.entries(actual)) {
    if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length > 0) {
      ret[k] = formatParamsDictInfo((own[k] ?? {}) as Record<string, unknown>, v as Record<string, unknown>);
    } else {
      ret[k] = k in own ? pyStr(own[k]) : `default (${pyStr(v)})`;
    }
  }
  return ret;
}
