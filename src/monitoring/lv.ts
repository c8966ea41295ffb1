// The output of `lvs --noheadings --units B --separator ; -o <LV_FIELDS>` as Ganeti's lv
// data collector reads it, and the pairing of logical volumes with the instances whose
// disks (plain, or the children of DRBD disks) they back.
import * as P from "./parser.js";
import type { Parser } from "./parser.js";
import type { Json } from "./report.js";
import { type JResult, type JValue, ReadError, decodeWith, field, readList, readObject, readPair, readString } from "./textjson.js";

/** The lvs fields, in the order the parser expects them. */
export const LV_FIELDS = [
  "lv_uuid", "lv_name", "lv_attr", "lv_major", "lv_minor", "lv_kernel_major", "lv_kernel_minor", "lv_size",
  "seg_count", "lv_tags", "modules", "vg_uuid", "vg_name", "segtype", "seg_start", "seg_start_pe", "seg_size",
  "seg_tags", "seg_pe_ranges", "devices",
] as const;

export const LVS_ARGS: readonly string[] = ["--noheadings", "--units", "B", "--separator", ";", "-o", LV_FIELDS.join(",")];

export interface LvInfo {
  readonly uuid: string;
  readonly name: string;
  readonly attr: string;
  readonly major: number;
  readonly minor: number;
  readonly kernel_major: number;
  readonly kernel_minor: number;
  readonly size: number;
  readonly seg_count: number;
  readonly tags: string;
  readonly modules: string;
  readonly vg_uuid: string;
  readonly vg_name: string;
  readonly segtype: string;
  readonly seg_start: number;
  readonly seg_start_pe: number;
  readonly seg_size: number;
  readonly seg_tags: string;
  readonly seg_pe_ranges: string;
  readonly devices: string;
  readonly instance: string | null;
}

const SEP = ";";
const sep = P.char(SEP);
const bytes = P.before(P.then(sep, P.decimal), P.char("B"));
const int = P.then(sep, P.signed(P.decimal));
const text = P.then(sep, P.takeWhile((c) => c !== SEP && c !== "\n"));
const uuid = P.then(P.skipWhile(P.isHorizontalSpace), P.takeWhile((c) => c !== SEP));

const line: Parser<LvInfo> = P.map(
  P.before(
    P.seq(uuid, text, text, int, int, int, int, bytes, int, text, text, text, text, text, bytes, int, bytes, text, text, text),
    P.endOfLine,
  ),
  ([uuid, name, attr, major, minor, kernel_major, kernel_minor, size, seg_count, tags, modules, vg_uuid, vg_name, segtype, seg_start, seg_start_pe, seg_size, seg_tags, seg_pe_ranges, devices]) => ({
    uuid, name, attr, major, minor, kernel_major, kernel_minor, size, seg_count, tags, modules, vg_uuid, vg_name,
    segtype, seg_start, seg_start_pe, seg_size, seg_tags, seg_pe_ranges, devices, instance: null,
  }),
);

export function parseLvs(out: string): { ok: true; value: LvInfo[] } | { ok: false; error: string } {
  return P.parseAll(P.manyTill(line, P.endOfInput), out);
}

/** The parts of a configuration disk the pairing needs. */
export interface LvDisk {
  readonly devType: string;
  /** (vg, lv) of a plain disk. */
  readonly plain: readonly [string, string] | null;
  readonly children: readonly LvDisk[];
}

export interface InstanceDisks {
  readonly instance: string;
  readonly disks: readonly LvDisk[];
}

function usesLv(vg: string, lv: string, d: LvDisk): boolean {
  if (d.plain !== null) return d.plain[0] === vg && d.plain[1] === lv;
  return d.devType === "drbd" && d.children.some((c) => usesLv(vg, lv, c));
}

/** Each volume with the first instance having a disk on it. */
export function pairLvsWithInstances(lvs: readonly LvInfo[], insts: readonly InstanceDisks[]): LvInfo[] {
  return lvs.map((l) => {
    const owner = insts.find((i) => i.disks.some((d) => usesLv(l.vg_name, l.name, d)));
    return owner === undefined ? l : { ...l, instance: owner.instance };
  });
}

export function lvReportData(lvs: readonly LvInfo[]): Json {
  return lvs.map((l) => ({ ...l }));
}

/** The mandatory fields of a configuration instance, in the order Ganeti checks them. */
const INSTANCE_KEYS = ["name", "primary_node", "os", "hypervisor", "admin_state", "admin_state_source", "disks_active", "uuid", "serial_no"];

function readDisk(v: JValue): LvDisk {
  const o = readObject(v);
  const lid = field(o, "logical_id");
  const devType = readString(field(o, "dev_type"));
  let plain: [string, string] | null = null;
  if (devType === "plain") {
    if (lid.t !== "arr" || lid.v.length !== 2) throw new ReadError("Can't read logical_id for plain type");
    plain = [readString(lid.v[0]!), readString(lid.v[1]!)];
  } else if (devType === "drbd" && (lid.t !== "arr" || lid.v.length !== 6)) {
    throw new ReadError("Can't read logical_id for DRBD8 type");
  }
  const ch = o.get("children");
  const children = ch === undefined ? [] : readList(ch).map(readDisk);
  for (const k of ["size", "uuid", "serial_no"]) field(o, k);
  return { devType, plain, children };
}

/** The instances file: a JSON list of [instance object, [disk objects]]. */
export function readInstanceDisks(text: string): JResult<InstanceDisks[]> {
  return decodeWith(text, (v) =>
    readList(v).map((item) => {
      const [inst, disks] = readPair(item);
      const o = readObject(inst);
      for (const k of INSTANCE_KEYS) field(o, k);
      return { instance: readString(field(o, "name")), disks: readList(disks).map(readDisk) };
    }),
  );
}
