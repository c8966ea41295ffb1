// Sizes as Ganeti's command line takes them ("512", "10G", "1.5t"), in MiB: utils.ParseUnit,
// rounded up to whole MiB and then to a multiple of 4, with its errors.
import { UnitParseError, OpPrereqError, ErrorCode } from "../errors.js";

export function parseUnit(text: string): number {
  const m = /^([.\d]+)\s*([a-zA-Z]+)?$/.exec(text);
  if (m === null) throw new UnitParseError("Invalid format");
  let value = Number(m[1]);
  if (Number.isNaN(value)) throw new UnitParseError("Invalid format");
  const unit = m[2];
  const lc = (unit ?? "m").toLowerCase();
  if (lc === "g" || lc === "gb" || lc === "gib") value *= 1024;
  else if (lc === "t" || lc === "tb" || lc === "tib") value *= 1024 * 1024;
  else if (lc !== "m" && lc !== "mb" && lc !== "mib") throw new UnitParseError(`Unknown unit: ${unit ?? ""}`);
  value = Math.ceil(value);
  if (value % 4 !== 0) value += 4 - (value % 4);
  return value;
}

/** Ganeti's ParseTimespec: "30", "30s", "5m", "2h", "1d", "1w" in seconds, with its errors. */
export function parseTimespec(text: string): number {
  if (text === "") throw new OpPrereqError("Empty time specification passed", ErrorCode.inval);
  const mult: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  const m = mult[text.slice(-1)];
  const digits = m === undefined ? text : text.slice(0, -1);
  if (digits === "") throw new OpPrereqError("Invalid time specification (only suffix passed)", ErrorCode.inval);
  if (!/^[+-]?\d+$/.test(digits.trim())) throw new OpPrereqError(`Invalid time specification '${digits}'`, ErrorCode.inval);
  return Number(digits) * (m ?? 1);
}
