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
