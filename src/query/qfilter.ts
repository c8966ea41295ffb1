// Ganeti's query filter language (lib/qlang.py), evaluated over computed field values:
// ["|", f1, f2], ["&", ...], ["!", f], ["==", field, value] (or "="), ["!=", ...], ["=~", field, regexp],
// ["<", ...], ["<=", ...], [">", ...], [">=", ...], ["?", field] (truthy), ["=[]", field, value] (list contains).
import { OpPrereqError, ErrorCode, QueryFilterParseError } from "../errors.js";
import { toJsRegExp } from "./qlang.js";

export type QFilter = readonly unknown[] | null;

/** The field names a filter reads, so the caller can compute them. */
export function filterFields(f: QFilter): string[] {
  if (f === null) return [];
  const out = new Set<string>();
  const walk = (x: unknown): void => {
    if (!Array.isArray(x) || x.length === 0) throw new QueryFilterParseError(`Invalid filter ${JSON.stringify(x)}`);
    const [op, ...args] = x as [unknown, ...unknown[]];
    if (op === "|" || op === "&") args.forEach(walk);
    else if (op === "!") walk(args[0]);
    else if (typeof args[0] === "string") out.add(args[0]);
    else throw new QueryFilterParseError(`Invalid filter ${JSON.stringify(x)}`);
  };
  walk(f);
  return [...out];
}

export function evalFilter(f: QFilter, get: (field: string) => unknown): boolean {
  if (f === null) return true;
  const [op, a, b] = f as [string, unknown, unknown];
  switch (op) {
    case "|": return f.slice(1).some((x) => evalFilter(x as QFilter, get));
    case "&": return f.slice(1).every((x) => evalFilter(x as QFilter, get));
    case "!": return !evalFilter(a as QFilter, get);
    case "?": return Boolean(get(String(a)));
    case "==": // Ganeti 2.6+; "=" is its legacy spelling
    case "=": return get(String(a)) === b;
    case "!=": return get(String(a)) !== b;
    case "=~": {
      let re: RegExp;
      try {
        re = toJsRegExp(String(b));
      } catch {
        throw new OpPrereqError(`Invalid regular expression '${String(b)}'`, ErrorCode.inval);
      }
      return re.test(String(get(String(a)) ?? ""));
    }
    case "=[]": {
      const v = get(String(a));
      return Array.isArray(v) && v.includes(b);
    }
    case "<": return Number(get(String(a))) < Number(b);
    case "<=": return Number(get(String(a))) <= Number(b);
    case ">": return Number(get(String(a))) > Number(b);
    case ">=": return Number(get(String(a))) >= Number(b);
    default: throw new QueryFilterParseError(`Unknown filter operator '${op}'`);
  }
}
