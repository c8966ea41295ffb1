// Help text derived from the schemas: what `gnt-* --help`, RAPI docs and `gnt-debug`
// show about an opcode's fields. Nothing here is written per opcode.
import { Kind, OptionalKind, type TSchema } from "@sinclair/typebox";
import { COMMON_PARAM_NAMES } from "./common.js";
import { getOpDef } from "./registry.js";

export interface FieldDescription {
  readonly name: string;
  /** Human-readable type, e.g. "non-empty string", "list of int (0-15)", "live|non-live". */
  readonly type: string;
  /** Present only when validation fills the field in. */
  readonly default?: unknown;
  readonly doc: string;
  /** True when the field may be left out on input (optional or defaulted). */
  readonly optional: boolean;
  /** True for the parameters every opcode has (dry_run, priority, ...). */
  readonly common: boolean;
}

type Loose = TSchema & Record<string, unknown>;

/** Renders a schema as a short type description. */
export function typeText(schema: TSchema): string {
  const s = schema as Loose;
  switch (s[Kind]) {
    case "String":
      return typeof s["minLength"] === "number" && s["minLength"] > 0 ? "non-empty string" : "string";
    case "Integer": {
      const min = s["minimum"], max = s["maximum"];
      if (typeof min === "number" && typeof max === "number") return `int (${min}-${max})`;
      if (min === 0) return "non-negative int";
      if (min === 1) return "positive int";
      if (typeof max === "number" && max < 0) return "negative int";
      return "int";
    }
    case "Number": return "float";
    case "Boolean": return "bool";
    case "Null": return "null";
    case "Unknown": return "any";
    case "Literal": return JSON.stringify(s["const"]);
    case "Union": {
      const parts = (s["anyOf"] as TSchema[]);
      if (parts.every((x) => (x as Loose)[Kind] === "Literal" && typeof (x as Loose)["const"] === "string")) {
        return parts.map((x) => String((x as Loose)["const"])).join("|");
      }
      return parts.map(typeText).join(" or ");
    }
    case "Array": return `list of ${typeText(s["items"] as TSchema)}`;
    case "Tuple": return `(${((s["items"] as TSchema[] | undefined) ?? []).map(typeText).join(", ")})`;
    case "Record": {
      const values = Object.values(s["patternProperties"] as Record<string, TSchema>);
      const v = values[0];
      return v === undefined || (v as Loose)[Kind] === "Unknown" ? "dict" : `dict of ${typeText(v)}`;
    }
    case "Object": return `dict with keys ${Object.keys(s["properties"] as object).join(", ")}`;
    default: return String(s[Kind]);
  }
}

/** Describes every field of an opcode (own fields first, then the common ones). */
export function describeFields(opId: string): FieldDescription[] {
  const d = getOpDef(opId);
  const common = new Set(COMMON_PARAM_NAMES);
  return Object.entries(d.schema.properties as Record<string, TSchema>).map(([name, schema]) => {
    const s = schema as Loose;
    const hasDefault = "default" in s;
    return {
      name,
      type: typeText(schema),
      ...(hasDefault ? { default: s["default"] } : {}),
      doc: typeof s["description"] === "string" ? s["description"] : "",
      optional: hasDefault || s[OptionalKind] === "Optional",
      common: common.has(name),
    };
  });
}
