// Ganeti's data collector report: {"name", "version", "format_version", "timestamp",
// "category", "kind", "data"}, written compactly as Ganeti's JSON library writes it
// (integral numbers as integers, other doubles as Haskell shows them).
import { showDouble } from "../htools/format.js";

/** A double written as Haskell's Text.JSON writes it. */
export class HsDouble {
  constructor(readonly value: number) {}
}

export function hsDouble(x: number): HsDouble {
  return new HsDouble(x);
}

export type Json = null | boolean | number | string | HsDouble | readonly Json[] | { readonly [k: string]: Json };

export function encodeJson(v: Json): string {
  if (v instanceof HsDouble) {
    const x = v.value;
    return Number.isInteger(x) ? BigInt(x).toString() : showDouble(x);
  }
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${(v as readonly Json[]).map(encodeJson).join(",")}]`;
  const o = v as { readonly [k: string]: Json };
  return `{${Object.keys(o).map((k) => `${JSON.stringify(k)}:${encodeJson(o[k]!)}`).join(",")}}`;
}

/** A collector's verdict on what it saw (Ganeti's codes; larger is worse). */
export enum StatusCode {
  Ok = 0,
  TempBad = 1,
  Unknown = 2,
  Bad = 4,
}

export interface DCStatus {
  readonly code: StatusCode;
  readonly message: string;
}

export function worstStatus(codes: readonly StatusCode[]): StatusCode {
  return codes.reduce((a, b) => Math.max(a, b), StatusCode.Ok);
}

export type DCCategory = "instance" | "storage" | "daemon" | "hypervisor";

export enum DCKind {
  Perf = 0,
  Status = 1,
}

/** The version of the collectors built into Ganeti ("B"). */
export const BUILTIN_VERSION = "B";

export interface DCReport {
  readonly name: string;
  readonly version: string;
  readonly formatVersion: number;
  /** Nanoseconds since the epoch (Ganeti: microseconds × 1000). */
  readonly timestamp: bigint;
  readonly category: DCCategory | null;
  readonly kind: DCKind;
  readonly data: Json;
}

/** The timestamp of a report taken at `usecs` microseconds since the epoch. */
export function reportTimestamp(usecs: number): bigint {
  return BigInt(Math.floor(usecs)) * 1000n;
}

export function encodeReport(r: DCReport): string {
  return (
    `{"name":${JSON.stringify(r.name)},"version":${JSON.stringify(r.version)},` +
    `"format_version":${r.formatVersion},"timestamp":${r.timestamp},` +
    `"category":${r.category === null ? "null" : JSON.stringify(r.category)},"kind":${r.kind},` +
    `"data":${encodeJson(r.data)}}`
  );
}
