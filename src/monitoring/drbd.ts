// /proc/drbd as Ganeti's drbd data collector reads it (DRBD 8.0 to 8.4 layouts): the
// version lines, then one block per minor (connection state, roles, disk states,
// protocol, I/O flags, performance counters, the sync progress of a syncing minor, and
// DRBD 8.0's resync/act_log lines). The report's data and status follow Ganeti's.
import * as P from "./parser.js";
import type { Parser } from "./parser.js";
import { type DCStatus, type Json, StatusCode, hsDouble, worstStatus } from "./report.js";
import { type JResult, type JValue, ReadError, decodeWith, readInt, readList, readString } from "./textjson.js";

export const CONN_STATES = [
  "StandAlone", "Disconnecting", "Unconnected", "Timeout", "BrokenPipe", "NetworkFailure", "ProtocolError",
  "TearDown", "WFConnection", "WFReportParams", "Connected", "StartingSyncS", "StartingSyncT", "WFBitMapS",
  "WFBitMapT", "WFSyncUUID", "SyncSource", "SyncTarget", "PausedSyncS", "PausedSyncT", "VerifyS", "VerifyT",
  "Unconfigured",
] as const;
export type ConnState = (typeof CONN_STATES)[number];

const ROLES = ["Primary", "Secondary", "Unknown"] as const;
const DISK_STATES = [
  "Diskless", "Attaching", "Failed", "Negotiating", "Inconsistent", "Outdated", "DUnknown", "Consistent", "UpToDate",
] as const;

export interface VersionInfo {
  readonly version: string | null;
  readonly api: string | null;
  readonly proto: string | null;
  readonly srcversion: string | null;
  readonly gitHash: string | null;
  readonly buildBy: string | null;
}

export interface PerfIndicators {
  readonly networkSend: number;
  readonly networkReceive: number;
  readonly diskWrite: number;
  readonly diskRead: number;
  readonly activityLog: number;
  readonly bitMap: number;
  readonly localCount: number;
  readonly pending: number;
  readonly unacknowledged: number;
  readonly applicationPending: number;
  readonly epochs: number | null;
  readonly writeOrder: string | null;
  readonly outOfSync: number | null;
}

export type SizeUnit = "KiloByte" | "MegaByte";

export interface SyncStatus {
  readonly percentage: number;
  readonly partial: number;
  readonly total: number;
  readonly unit: SizeUnit;
  readonly finish: readonly [number, number, number];
  readonly speed: number;
  readonly want: number | null;
  readonly speedUnit: SizeUnit;
}

/** DRBD 8.0's resync / act_log statistics (parsed, not reported, as in Ganeti). */
export interface AdditionalInfo {
  readonly used: number;
  readonly total: number;
  readonly hits: number;
  readonly misses: number;
  readonly starving: number;
  readonly dirty: number;
  readonly changed: number;
}

export type DeviceInfo =
  | { readonly minor: number; readonly connectionState: "Unconfigured"; readonly configured: false }
  | {
      readonly configured: true;
      readonly minor: number;
      readonly connectionState: ConnState;
      readonly localRole: string;
      readonly remoteRole: string;
      readonly localState: string;
      readonly remoteState: string;
      readonly protocol: string;
      readonly ioFlags: string;
      /** null: the device keeps no counters (ganeti-ts's userspace mirror). */
      readonly perf: PerfIndicators | null;
      readonly sync: SyncStatus | null;
      readonly resync: AdditionalInfo | null;
      readonly actLog: AdditionalInfo | null;
      readonly instance: string | null;
    };

export interface DrbdStatus {
  readonly version: VersionInfo;
  readonly devices: readonly DeviceInfo[];
}

/** One row of the minor-to-instance pairing (node, minor, instance, disk, role, peer). */
export interface DrbdInstMinor {
  readonly node: string;
  readonly minor: number;
  readonly instance: string;
  readonly disk: string;
  readonly role: string;
  readonly peer: string;
}

const skipSpaces = P.skipWhile(P.isHorizontalSpace);
const str = (s: string): Parser<string> => P.string(s);
/** Spaces, then the literal, then p. */
function after<T>(lit: string, p: Parser<T>): Parser<T> {
  return P.then(P.then(skipSpaces, str(lit)), p);
}
const isBadEndOfLine = (c: string): boolean => c === "\0" || P.isEndOfLine(c);
const additionalEOL = P.skipWhile(P.isEndOfLine);

function oneOf<T extends string>(names: readonly T[]): Parser<T> {
  return P.alt(...names.map((n) => P.map(str(n), () => n)));
}

const versionInfo: Parser<VersionInfo> = (() => {
  const notHSpace = (c: string): boolean => !P.isHorizontalSpace(c);
  const versionP = P.then(P.then(str("version:"), skipSpaces), P.takeWhile(notHSpace));
  const apiP = after("(api:", P.takeWhile((c) => c !== "/"));
  const protoP = P.before(
    P.before(P.then(str("/proto:"), P.takeWhile((c) => c !== ")")), P.takeTill(P.isEndOfLine)),
    P.endOfLine,
  );
  const srcVersion = P.before(P.then(P.then(str("srcversion:"), P.skipMany1(P.space)), P.takeTill(P.isEndOfLine)), P.endOfLine);
  const gitHash = P.then(P.then(str("GIT-hash:"), skipSpaces), P.takeWhile(notHSpace));
  const builder = after("build by", P.before(P.then(skipSpaces, P.takeTill(P.isEndOfLine)), P.endOfLine));
  const opt = P.optional;
  return P.bind(
    P.seq(opt(versionP), opt(apiP), opt(protoP), opt(srcVersion), opt(gitHash), opt(builder)),
    ([version, api, proto, srcversion, gh, buildBy]): Parser<VersionInfo> =>
      [version, api, proto, srcversion, gh, buildBy].every((x) => x === null)
        ? P.fail("versionInfo")
        : P.pure({ version, api, proto, srcversion, gitHash: gh, buildBy }),
  );
})();

function localRemote<T>(p: Parser<T>): Parser<[T, T]> {
  return P.seq(p, P.then(P.char("/"), p));
}

const perfIndicators: Parser<PerfIndicators> = P.map(
  P.before(
    P.seq(
      after("ns:", P.decimal), after("nr:", P.decimal), after("dw:", P.decimal), after("dr:", P.decimal),
      after("al:", P.decimal), after("bm:", P.decimal), after("lo:", P.decimal), after("pe:", P.decimal),
      after("ua:", P.decimal), after("ap:", P.decimal),
      P.optional(after("ep:", P.decimal)), P.optional(after("wo:", P.anyChar)), P.optional(after("oos:", P.decimal)),
    ),
    P.then(skipSpaces, P.endOfLine),
  ),
  ([ns, nr, dw, dr, al, bm, lo, pe, ua, ap, ep, wo, oos]) => ({
    networkSend: ns, networkReceive: nr, diskWrite: dw, diskRead: dr, activityLog: al, bitMap: bm, localCount: lo,
    pending: pe, unacknowledged: ua, applicationPending: ap, epochs: ep, writeOrder: wo, outOfSync: oos,
  }),
);

/** DRBD's numbers with thousands separators ("59,392"); a leading run of more than three
 * digits leaves the rest unparsed, as Ganeti's parser does. */
const commaInt: Parser<number> = (s, pos) => {
  const first = P.alt(P.count(3, P.digit), P.count(2, P.digit), P.count(1, P.digit))(s, pos);
  if (!first.ok) return first;
  let acc = Number(first.value.join(""));
  let at = first.pos;
  for (;;) {
    const next = P.then(P.char(","), P.count(3, P.digit))(s, at);
    if (!next.ok) return { ok: true, value: acc, pos: at };
    acc = acc * 1000 + Number(next.value.join(""));
    at = next.pos;
  }
};

const sizeUnit: Parser<SizeUnit> = P.alt(
  P.map(str("K"), (): SizeUnit => "KiloByte"),
  P.map(str("M"), (): SizeUnit => "MegaByte"),
);

const syncStatus: Parser<SyncStatus> = (() => {
  const statusBar = P.seq(
    skipSpaces, P.char("["), P.skipWhile((c) => c === "="), P.skipWhile((c) => c === ">"),
    P.skipWhile((c) => c === "."), P.char("]"),
  );
  const time = P.seq(P.decimal, P.then(P.char(":"), P.decimal), P.then(P.char(":"), P.decimal));
  return P.map(
    P.seq(
      statusBar,
      after("sync'ed:", P.before(P.then(skipSpaces, P.double), P.char("%"))),
      P.then(P.then(skipSpaces, P.char("(")), P.decimal),
      P.before(P.then(P.char("/"), P.decimal), P.char(")")),
      P.before(sizeUnit, P.optional(P.endOfLine)),
      after("finish:", P.then(skipSpaces, time)),
      after("speed:", P.before(P.then(skipSpaces, commaInt), P.seq(skipSpaces, P.char("("), commaInt, P.char(")")))),
      P.alt<number | null>(after("want:", P.then(skipSpaces, commaInt)), P.pure(null)),
      P.then(skipSpaces, sizeUnit),
      P.then(P.char("/"), str("sec")),
      P.endOfLine,
    ),
    ([, percentage, partial, total, unit, finish, speed, want, speedUnit]) => ({
      percentage, partial, total, unit, finish, speed, want, speedUnit,
    }),
  );
})();

const additionalInfo: Parser<AdditionalInfo> = P.map(
  P.before(
    P.seq(
      after("used:", P.decimal), P.then(P.char("/"), P.decimal), after("hits:", P.decimal),
      after("misses:", P.decimal), after("starving:", P.decimal), after("dirty:", P.decimal),
      after("changed:", P.decimal),
    ),
    P.endOfLine,
  ),
  ([used, total, hits, misses, starving, dirty, changed]) => ({ used, total, hits, misses, starving, dirty, changed }),
);

function device(pairing: readonly DrbdInstMinor[]): Parser<DeviceInfo> {
  const head = P.seq(
    additionalEOL,
    P.before(P.then(skipSpaces, P.decimal), P.char(":")),
    after("cs:", oneOf(CONN_STATES)),
  );
  return P.bind(head, ([, minor, cs]): Parser<DeviceInfo> => {
    if (cs === "Unconfigured") {
      return P.map(additionalEOL, () => ({ minor, connectionState: "Unconfigured" as const, configured: false as const }));
    }
    const syncing = cs === "SyncSource" || cs === "SyncTarget";
    return P.map(
      P.seq(
        P.then(P.then(skipSpaces, P.alt(str("ro:"), str("st:"))), localRemote(oneOf(ROLES))),
        after("ds:", localRemote(oneOf(DISK_STATES))),
        P.then(P.space, P.anyChar),
        P.before(P.then(skipSpaces, P.takeWhile((c) => !isBadEndOfLine(c))), P.skipWhile(isBadEndOfLine)),
        perfIndicators,
        syncing ? syncStatus : P.pure(null),
        P.optional(after("resync:", additionalInfo)),
        P.optional(after("act_log:", additionalInfo)),
        additionalEOL,
      ),
      ([[localRole, remoteRole], [localState, remoteState], protocol, ioFlags, perf, sync, resync, actLog]) => ({
        configured: true as const,
        minor, connectionState: cs, localRole, remoteRole, localState, remoteState, protocol, ioFlags, perf, sync,
        resync, actLog,
        instance: pairing.find((p) => p.minor === minor)?.instance ?? null,
      }),
    );
  });
}

/** The whole of /proc/drbd (failures described as Ganeti's collector describes them). */
export function parseDrbdStatus(text: string, pairing: readonly DrbdInstMinor[]): { ok: true; value: DrbdStatus } | { ok: false; error: string } {
  const p = P.before(
    P.seq(versionInfo, P.manyTill(device(pairing), P.endOfInput)),
    P.endOfInput,
  );
  const r = P.parseAll(p, text);
  return r.ok ? { ok: true, value: { version: r.value[0], devices: r.value[1] } } : r;
}

/** A device's health: what an operator has to do about its connection state. */
function deviceStatus(d: DeviceInfo): [StatusCode, string] {
  if (!d.configured) return [StatusCode.Ok, ""];
  const msg = (s: string): string => `${d.minor}: ${s}`;
  switch (d.connectionState) {
    case "StandAlone":
      return [StatusCode.Bad, msg("No network config available")];
    case "Disconnecting":
      return [StatusCode.Bad, msg("The peer is being disconnected")];
    case "TearDown":
      return [StatusCode.Bad, msg("The peer is closing the connection")];
    case "Unconnected":
    case "WFConnection":
    case "WFReportParams":
      return [StatusCode.TempBad, msg("Trying to establish a network connection")];
    case "Timeout":
    case "BrokenPipe":
    case "NetworkFailure":
    case "ProtocolError":
      return [StatusCode.TempBad, msg("Communication problems between the peers")];
    default:
      return [StatusCode.Ok, ""];
  }
}

/** The worst device state; the message lists the devices' problems, last minor first,
 * after an empty line (Ganeti folds from the right, starting from an empty message). */
export function drbdHealth(st: DrbdStatus): DCStatus {
  const per = st.devices.map(deviceStatus);
  const code = worstStatus(per.map(([c]) => c));
  const msgs = [""];
  for (const [, m] of [...per].reverse()) if (m !== "") msgs.push(m);
  return { code, message: msgs.join("\n") };
}

function two(n: number): string {
  return String(n).padStart(2, "0");
}

/** The report's data: status first, then version and devices, fields as Ganeti names them. */
export function drbdReportData(st: DrbdStatus): Json {
  const v = st.version;
  const version: Record<string, Json> = {};
  for (const [k, x] of [
    ["version", v.version], ["api", v.api], ["proto", v.proto], ["srcversion", v.srcversion],
    ["gitHash", v.gitHash], ["buildBy", v.buildBy],
  ] as const) if (x !== null) version[k] = x;
  const devices = st.devices.map((d): Json => {
    if (!d.configured) return { minor: d.minor, connectionState: "Unconfigured" };
    const out: Record<string, Json> = {
      minor: d.minor, connectionState: d.connectionState, localRole: d.localRole, remoteRole: d.remoteRole,
      localState: d.localState, remoteState: d.remoteState, replicationProtocol: d.protocol, ioFlags: d.ioFlags,
    };
    const p = d.perf;
    if (p !== null) {
      const perf: Record<string, Json> = {
        networkSend: p.networkSend, networkReceive: p.networkReceive, diskWrite: p.diskWrite, diskRead: p.diskRead,
        activityLog: p.activityLog, bitMap: p.bitMap, localCount: p.localCount, pending: p.pending,
        unacknowledged: p.unacknowledged, applicationPending: p.applicationPending,
      };
      if (p.epochs !== null) perf.epochs = p.epochs;
      if (p.writeOrder !== null) perf.writeOrder = p.writeOrder;
      if (p.outOfSync !== null) perf.outOfSync = p.outOfSync;
      out.perfIndicators = perf;
    }
    if (d.sync !== null) {
      const s = d.sync;
      const sync: Record<string, Json> = {
        percentage: hsDouble(s.percentage),
        progress: `${s.partial}/${s.total}`,
        progressUnit: s.unit,
        timeToFinish: s.finish.map(two).join(":"),
        speed: s.speed,
      };
      if (s.want !== null) sync.want = s.want;
      sync.speedUnit = `${s.speedUnit}/Second`;
      out.syncStatus = sync;
    }
    out.instance = d.instance;
    return out;
  });
  const health = drbdHealth(st);
  return { status: { code: health.code, message: health.message }, versionInfo: version, deviceInfos: devices };
}

/** The pairing file (a JSON list of [node, minor, instance, disk, role, peer]). */
export function readPairing(text: string): JResult<DrbdInstMinor[]> {
  return decodeWith(text, (v) =>
    readList(v).map((row) => {
      if (row.t !== "arr" || row.v.length !== 6) throw new ReadError("Unable to read a DrbdInstMinor");
      const [a, b, c, d, e, f] = row.v as [JValue, JValue, JValue, JValue, JValue, JValue];
      return { node: readString(a), minor: readInt(b), instance: readString(c), disk: readString(d), role: readString(e), peer: readString(f) };
    }),
  );
}
