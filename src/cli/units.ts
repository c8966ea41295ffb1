// Sizes as Ganeti's command line takes them ("512", "10G", "1.5t"), in MiB.
import { OpPrereqError, ErrorCode } from "../errors.js";

export function parseUnit(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([mgtMGT]?)[bB]?\s*$/.exec(text);
  if (m === null) throw new OpPrereqError(`Invalid size specification '${text}'`, ErrorCode.inval);
  const mult = { "": 1, m: 1, g: 1024, t: 1024 * 1024 }[(m[2] ?? "").toLowerCase()] ?? 1;
  return Math.ceil(Number(m[1]) * mult);
}
