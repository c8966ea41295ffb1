// Ganeti's PrintGenericInfo: nested "key: value" blocks in a YAML-like layout. Objects are
// printed with sorted keys; ordered key/value lists keep their order; lists get "- ".
import { pyStr } from "../query/format.js";

/**
 * An ordered dictionary: key/value pairs printed in this order; entries given the same
 * alignment group (a third element) have their values aligned, as Ganeti's.
 */
export class Pairs {
  constructor(readonly entries: ReadonlyArray<readonly [string, GenericInfo] | readonly [string, GenericInfo, string]>) {}
}

/** A tuple of plain values, printed inline as "[a, b, c]" (Python's tuples in Ganeti's data). */
export class Inline {
  constructor(readonly items: ReadonlyArray<string | number | boolean | null>) {}
}

export type GenericInfo = string | number | boolean | null | undefined | Pairs | Inline | readonly GenericInfo[] |
  { readonly [k: string]: GenericInfo };

const IND = "  ";

function isDict(v: GenericInfo): v is { readonly [k: string]: GenericInfo } {
  return v !== null && typeof v === "object" && !(v instanceof Pairs) && !(v instanceof Inline) && !Array.isArray(v);
}

function serialize(out: string[], data: GenericInfo, level: number, afterKey: boolean): void {
  if (data instanceof Inline) {
    out.push(`[${data.items.map((x) => pyStr(x)).join(", ")}]\n`);
    return;
  }
  const entries: ReadonlyArray<readonly [string, GenericInfo, string?]> | null = data instanceof Pairs ? data.entries
    : isDict(data) ? Object.keys(data).sort().map((k) => [k, data[k]] as const) : null;
  if (entries !== null) {
    if (entries.length === 0) {
      out.push("\n");
      return;
    }
    const width = new Map<string, number>();
    for (const [k, , g] of entries) if (g !== undefined) width.set(g, Math.max(width.get(g) ?? 0, k.length));
    let indent = afterKey;
    if (afterKey) out.push("\n");
    for (const [k, v, g] of entries) {
      if (indent) out.push(IND.repeat(level));
      indent = true;
      out.push(`${k}: ${g !== undefined ? " ".repeat((width.get(g) ?? 0) - k.length) : ""}`);
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

/**
 * Ganeti's FormatPolicyInfo: the bounds specs ("max/0", "min/0", ...), the standard specs
 * (cluster level only), the allowed disk templates and the ratios, own values as given and
 * the others "default (...)". Ganeti iterates frozensets here (ISPECS_MINMAX_KEYS,
 * IPOLICY_PARAMETERS), so its order varies between runs; this one is fixed.
 */
export function formatPolicyInfo(custom: Readonly<Record<string, unknown>>, effective: Readonly<Record<string, unknown>> | null,
  isCluster: boolean): Pairs {
  const eff = isCluster || effective === null ? custom : effective;
  type MinMax = Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  const own = custom["minmax"] as readonly MinMax[] | undefined;
  const bounds = (own !== undefined && own.length > 0 ? own : (eff["minmax"] as readonly MinMax[] | undefined) ?? []).map((mm, k) =>
    new Pairs(["max", "min"].map((key) => [`${key}/${k}`, formatParamsDictInfo(own !== undefined && own.length > 0 ? mm[key] ?? {} : {},
      mm[key] ?? {})] as const)));
  const out: Array<readonly [string, GenericInfo]> = [["bounds specs", bounds]];
  if (isCluster) {
    const std = (custom["std"] ?? {}) as Record<string, unknown>;
    out.push(["std", formatParamsDictInfo(std, std)]);
  }
  const dts = custom["disk-templates"] as readonly string[] | undefined;
  out.push(["allowed disk templates", dts !== undefined ? dts.join(", ") : `default (${((eff["disk-templates"] ?? []) as string[]).join(", ")})`]);
  for (const key of ["vcpu-ratio", "spindle-ratio"]) out.push([key, key in custom ? pyStr(custom[key]) : `default (${pyStr(eff[key])})`]);
  return new Pairs(out);
}
