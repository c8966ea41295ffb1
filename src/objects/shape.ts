// A tiny shape checker for config.data objects. Ganeti's files are trusted-but-verified:
// we check the fields our code relies on (so a corrupt file fails at load with a path to
// the bad value, not later with a TypeError) and let every other key pass through.

import { ConfigurationError } from "../errors.js";

export type FieldKind = "string" | "number" | "boolean" | "object" | "array" | "string|null";
/** Field name → kind; a trailing "?" on the name marks an optional field. */
export type Shape = Readonly<Record<string, FieldKind>>;

export function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function kindOf(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "array";
  return typeof x;
}

function matches(value: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case "string": return typeof value === "string";
    case "number": return typeof value === "number" && Number.isFinite(value);
    case "boolean": return typeof value === "boolean";
    case "object": return isPlainObject(value);
    case "array": return Array.isArray(value);
    case "string|null": return value === null || typeof value === "string";
  }
}

/** Throws ConfigurationError naming `path` when `value` does not have `shape`. */
export function checkShape(value: unknown, shape: Shape, path: string): Record<string, unknown> {
  if (!isPlainObject(value)) {
    throw new ConfigurationError(`${path}: expected an object, got ${kindOf(value)}`);
  }
  for (const [spec, kind] of Object.entries(shape)) {
    const optional = spec.endsWith("?");
    const key = optional ? spec.slice(0, -1) : spec;
    const v = value[key];
    if (v === undefined) {
      if (optional) continue;
      throw new ConfigurationError(`${path}: missing field '${key}'`);
    }
    // Ganeti writes null for some optional values it has not set yet.
    if (optional && v === null) continue;
    if (!matches(v, kind)) {
      throw new ConfigurationError(`${path}.${key}: expected ${kind}, got ${kindOf(v)}`);
    }
  }
  return value;
}

/** Checks a uuid-keyed map of objects; each value must carry its own key as `uuid`. */
export function checkUuidMap(
  value: unknown, shape: Shape, path: string, uuidKey: string | undefined = "uuid",
): Record<string, Record<string, unknown>> {
  if (!isPlainObject(value)) {
    throw new ConfigurationError(`${path}: expected an object keyed by uuid, got ${kindOf(value)}`);
  }
  const out: Record<string, Record<string, unknown>> = {};
  for (const [key, item] of Object.entries(value)) {
    const obj = checkShape(item, shape, `${path}[${key}]`);
    if (uuidKey !== undefined && obj[uuidKey] !== undefined && obj[uuidKey] !== key) {
      throw new ConfigurationError(
        `${path}[${key}]: key does not match its ${uuidKey} '${String(obj[uuidKey])}'`);
    }
    out[key] = obj;
  }
  return out;
}
