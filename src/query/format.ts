// Ganeti's text rendering of query results (lib/cli.py FormatQueryResult, FormatTable,
// GenerateTable; utils.FormatUnit, FormatTime). Output must match Ganeti's byte for byte
// because administrators' scripts parse it (`--no-headers --separator=:` especially).

import type { FieldInfo, FieldKind, ResultCell } from "./types.js";

export type Units = "h" | "m" | "g" | "t";
export type FieldDefinition = FieldInfo;
export type QueryResultRow = readonly ResultCell[];

/** Python's "%0.Nf": round half to even on exact ties, where JS's toFixed rounds up. */
export function pyFixed(x: number, digits: number): string {
  const scale = 10 ** digits;
  const scaled = x * scale;
  const floor = Math.floor(scaled);
  if (scaled - floor === 0.5) {
    const even = floor % 2 === 0 ? floor : floor + 1;
    return (even / scale).toFixed(digits);
  }
  return x.toFixed(digits);
}

/** A size in MiB as Ganeti shows it: "512M", "29.1G", "1.5T" (h) or plain m/g/t numbers. */
export function formatUnit(mib: number, units: Units): string {
  if (units === "m" || (units === "h" && mib < 1024)) return pyFixed(mib, 0) + (units === "h" ? "M" : "");
  if (units === "g" || (units === "h" && mib < 1024 * 1024)) return pyFixed(mib / 1024, 1) + (units === "h" ? "G" : "");
  return pyFixed(mib / 1024 / 1024, 1) + (units === "h" ? "T" : "");
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/** utils.FormatTime: "%F %T" in local time, "N/A" for non-numbers. */
export function formatTime(value: unknown, usecs?: number): string {
  if (typeof value !== "number" || !Number.isFinite(value)) return "N/A";
  const d = new Date(value * 1000);
  let s = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  if (usecs !== undefined) s += `.${String(usecs).padStart(6, "0")}`;
  return s;
}

function pyRepr(v: unknown): string {
  if (typeof v === "string") return v.includes("'") && !v.includes('"') ? `"${v}"` : `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  return pyStr(v);
}

/** Python's str() of a JSON value, which Ganeti uses for "other" columns. */
export function pyStr(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(", ")}]`;
  if (typeof v === "object") {
    return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(", ")}}`;
  }
  return String(v);
}

/** gnt-group's _FmtDict: "k=v, k=v" or "(empty)". */
export function formatDict(v: unknown): string {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return pyStr(v);
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) return "(empty)";
  return entries.map(([k, x]) => `${k}=${pyStr(x)}`).join(", ");
}

/** Lists shown as "a,b,c" — the ",".join override Ganeti's list commands install. */
export function formatList(v: unknown): string {
  return Array.isArray(v) ? v.map(pyStr).join(",") : pyStr(v);
}

/** Status texts for abnormal cells (constants.RSS_DESCRIPTION): [verbose, normal]. */
const RSS_DESCRIPTION: Readonly<Record<number, readonly [string, string]>> = {
  1: ["(unknown)", "??"],
  2: ["(nodata)", "?"],
  3: ["(unavail)", "-"],
  4: ["(offline)", "*"],
};

export type ValueFormatter = (value: unknown) => string;

/**
 * Per-field overrides Ganeti's list commands install (gnt-node, gnt-group,
 * gnt-instance): list fields joined by commas, group ndparams as k=v.
 */
export const LIST_FORMAT_OVERRIDES: Readonly<Record<string, ValueFormatter>> = {
  tags: formatList, pinst_list: formatList, sinst_list: formatList, node_list: formatList,
  snodes: formatList, "snodes.group": formatList, "snodes.group.uuid": formatList,
  "nic.macs": formatList, "nic.ips": formatList, "nic.modes": formatList, "nic.links": formatList,
  "nic.bridges": formatList, "nic.networks": formatList, "nic.names": formatList, "nic.uuids": formatList,
  "nic.vlans": formatList, "nic.networks.names": formatList,
  "disk.sizes": formatList, "disk.spindles": formatList, "disk.names": formatList, "disk.uuids": formatList,
  ndparams: formatDict,
  // gnt-network list: "name (mode, link, vlan)" per connected group.
  group_list: (v) => (Array.isArray(v) ? v.map((g) => (Array.isArray(g) ? `${pyStr(g[0])} (${g.slice(1).map(pyStr).join(", ")})` : pyStr(g))).join(", ") : pyStr(v)),
  inst_list: formatList,
};

function isRightAligned(kind: FieldKind): boolean {
  return kind === "number" || kind === "float" || kind === "unit";
}

export interface FormatValueOptions {
  readonly units?: Units;
  readonly verbose?: boolean;
  /** Formatter for this field instead of the kind's default. */
  readonly override?: ValueFormatter;
}

/** One cell as cli.FormatQueryResult renders it. */
export function formatQueryValue(kind: FieldKind, cell: ResultCell, opts: FormatValueOptions = {}): string {
  const [status, value] = cell;
  if (status !== 0) {
    const d = RSS_DESCRIPTION[status];
    return d === undefined ? "??" : opts.verbose === true ? d[0] : d[1];
  }
  if (opts.override !== undefined) return opts.override(value);
  switch (kind) {
    case "bool": return value ? "Y" : "N";
    case "unit": return typeof value === "number" ? formatUnit(value, opts.units ?? "h") : pyStr(value);
    case "timestamp": return formatTime(value);
    case "text": case "number": case "float": case "unknown": return pyStr(value);
    case "other": return Array.isArray(value) ? formatList(value) : pyStr(value);
  }
}

export interface FormatTableOptions {
  readonly headers: boolean;
  readonly separator?: string | undefined;
  /** Default: "m" with a separator, "h" without (as Ganeti). */
  readonly units?: Units;
  readonly verbose?: boolean;
  readonly fields: readonly FieldDefinition[];
  readonly rows: readonly QueryResultRow[];
  /** Field name → formatter; defaults to LIST_FORMAT_OVERRIDES. */
  readonly overrides?: Readonly<Record<string, ValueFormatter>>;
}

/** Lines of a query result table (cli.FormatQueryResult + FormatTable). */
export function formatTable(o: FormatTableOptions): string[] {
  const units = o.units ?? (o.separator ? "m" : "h");
  const overrides = o.overrides ?? LIST_FORMAT_OVERRIDES;
  const data: string[][] = [];
  if (o.headers) data.push(o.fields.map((f) => f.title));
  for (const row of o.rows) {
    data.push(o.fields.map((f, i) => formatQueryValue(f.kind, row[i] ?? [1, null],
      { units, verbose: o.verbose === true, override: overrides[f.name] })));
  }
  if (o.separator !== undefined) return data.map((r) => r.join(o.separator));
  return alignColumns(data, o.fields.map((f) => isRightAligned(f.kind)));
}

/** Pads columns to their widest cell; the last left-aligned column is not padded. */
function alignColumns(data: readonly string[][], right: readonly boolean[]): string[] {
  const widths = right.map((_, i) => Math.max(0, ...data.map((r) => (r[i] ?? "").length)));
  if (right.length > 0 && !right[right.length - 1]) widths[widths.length - 1] = 0;
  return data.map((r) => r.map((cell, i) => (right[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join(" "));
}

export interface GenerateTableOptions {
  /** Field name → header; undefined for no header line. Missing names use the field name. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly fields: readonly string[];
  readonly separator?: string | undefined;
  /** Rows of already-computed values; a null row prints "-" in every column. */
  readonly data: readonly (readonly unknown[] | null)[];
  readonly numfields?: readonly string[];
  readonly unitfields?: readonly string[];
  readonly units?: Units;
}

/** The older cli.GenerateTable (used by volume and storage listings). */
export function generateTable(o: GenerateTableOptions): string[] {
  const units = o.units ?? (o.separator ? "m" : "h");
  const num = new Set(o.numfields ?? []);
  const unit = new Set(o.unitfields ?? []);
  const rows: string[][] = o.data.map((row) => (row === null ? o.fields.map(() => "-") : o.fields.map((f, i) => {
    const v = row[i];
    if (unit.has(f)) {
      const n = typeof v === "number" ? Math.trunc(v) : typeof v === "string" && /^\s*[-+]?\d+\s*$/.test(v) ? Number.parseInt(v, 10) : NaN;
      if (!Number.isNaN(n)) return formatUnit(n, units);
    }
    return pyStr(v);
  })));
  const all = o.headers === undefined ? rows : [o.fields.map((f) => o.headers?.[f] ?? f), ...rows];
  if (o.separator !== undefined) return all.map((r) => r.join(o.separator));
  return alignColumns(all, o.fields.map((f) => num.has(f)));
}
