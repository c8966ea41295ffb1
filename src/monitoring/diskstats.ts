// /proc/diskstats as Ganeti's diskstats data collector reads it: one line per block
// device, fourteen whitespace-separated fields (major, minor, name, then counters).
import * as P from "./parser.js";
import type { Parser } from "./parser.js";
import type { Json } from "./report.js";

export interface Diskstats {
  readonly major: number;
  readonly minor: number;
  readonly name: string;
  readonly readsNum: number;
  readonly mergedReads: number;
  readonly secRead: number;
  readonly timeRead: number;
  readonly writes: number;
  readonly mergedWrites: number;
  readonly secWritten: number;
  readonly timeWrite: number;
  readonly ios: number;
  readonly timeIO: number;
  readonly wIOmillis: number;
}

const skipSpaces = P.skipWhile(P.isHorizontalSpace);
const num = P.then(skipSpaces, P.decimal);
const word = P.then(skipSpaces, P.takeWhile((c) => !P.isHorizontalSpace(c)));

const line: Parser<Diskstats> = P.map(
  P.before(P.seq(num, num, word, num, num, num, num, num, num, num, num, num, num, num), P.endOfLine),
  ([major, minor, name, readsNum, mergedReads, secRead, timeRead, writes, mergedWrites, secWritten, timeWrite, ios, timeIO, wIOmillis]) => ({
    major, minor, name, readsNum, mergedReads, secRead, timeRead, writes, mergedWrites, secWritten, timeWrite, ios,
    timeIO, wIOmillis,
  }),
);

export function parseDiskstats(text: string): { ok: true; value: Diskstats[] } | { ok: false; error: string } {
  return P.parseAll(P.manyTill(line, P.endOfInput), text);
}

export function diskstatsReportData(ds: readonly Diskstats[]): Json {
  return ds.map((d) => ({ ...d }));
}

/**
 * The same records from a kernel newer than Ganeti's parser (Linux 4.18 added four discard
 * fields, 5.5 two flush fields: 18 or 20 per line, where Ganeti's collector fails): the
 * first fourteen fields of each line, the later ones ignored. Used by the monitoring daemon.
 */
export function parseDiskstatsAnyKernel(text: string): { ok: true; value: Diskstats[] } | { ok: false; error: string } {
  const out: Diskstats[] = [];
  for (const raw of text.split("\n")) {
    const f = raw.trim().split(/\s+/);
    if (f.length === 1 && f[0] === "") continue;
    const n = f.map(Number);
    if (f.length < 14 || [0, 1, ...Array.from({ length: 11 }, (_, k) => k + 3)].some((k) => !Number.isSafeInteger(n[k]))) {
      return { ok: false, error: `Unparsable /proc/diskstats line: ${raw}` };
    }
    const [major, minor, , readsNum, mergedReads, secRead, timeRead, writes, mergedWrites, secWritten, timeWrite, ios, timeIO, wIOmillis] =
      n as [number, number, number, number, number, number, number, number, number, number, number, number, number, number];
    out.push({ major, minor, name: f[2]!, readsNum, mergedReads, secRead, timeRead, writes, mergedWrites, secWritten, timeWrite, ios, timeIO, wIOmillis });
  }
  return { ok: true, value: out };
}
