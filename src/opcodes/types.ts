// Building blocks for opcode schemas: Ganeti's value types (NonEmptyString, NonNegative Int,
// the string enumerations of Ganeti.Types) as TypeBox schemas, and the three ways a field
// can behave (required, optional, defaulted). Every opcode file composes these, so a type
// is written once and its checks, TS type and help text all follow from it.
import {
  Type,
  type TArray, type TBoolean, type TInteger, type TLiteral, type TNumber, type TOptional,
  type TRecord, type TSchema, type TString, type TUnion, type TUnknown,
} from "@sinclair/typebox";

/** Ganeti's NonEmptyString. */
export const NonEmptyString = (): TString => Type.String({ minLength: 1 });
/** A plain string (Ganeti's String: may be empty). */
export const Str = (): TString => Type.String();
export const Bool = (): TBoolean => Type.Boolean();
export const Int = (): TInteger => Type.Integer();
export const NonNegInt = (): TInteger => Type.Integer({ minimum: 0 });
export const PositiveInt = (): TInteger => Type.Integer({ minimum: 1 });
/** Ganeti's Double; JSON integers are accepted as Python's Validate accepts them. */
export const Float = (): TNumber => Type.Number();
/** Ganeti's JSObject JSValue: a dict with string keys and any values. */
export const Dict = (): TRecord<TString, TUnknown> => Type.Record(Type.String(), Type.Unknown());
/** A dict of dicts (GenericContainer String (JSObject JSValue)), e.g. per-hypervisor params. */
export const DictOfDicts = (): TRecord<TString, TRecord<TString, TUnknown>> =>
  Type.Record(Type.String(), Dict());
export const ListOf = <T extends TSchema>(item: T): TArray<T> => Type.Array(item);
export const NonEmptyStrings = (): TArray<TString> => Type.Array(NonEmptyString());
export const Any = (): TUnknown => Type.Unknown();

/** A closed set of strings (Ganeti's declareLADT/declareSADT types). */
export function Enum<const T extends readonly [string, ...string[]]>(
  values: T,
): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(values.map((v) => Type.Literal(v))) as TUnion<TLiteral<T[number]>[]>;
}

// The enumerations' values come from Ganeti.Types (and Ganeti.Query.Language for queries);
// they are declared as const tuples so both the schema and the TS union derive from them.
export const DISK_TEMPLATES = [
  "diskless", "file", "sharedfile", "plain", "blockdev", "drbd", "rbd", "ext", "gluster",
] as const;
export const HYPERVISORS = ["kvm", "xen-pvm", "chroot", "xen-hvm", "lxc", "fake"] as const;
export const TAG_KINDS = ["instance", "node", "nodegroup", "cluster", "network"] as const;
export const ALLOC_POLICIES = ["preferred", "last_resort", "unallocable"] as const;
export const MIGRATION_MODES = ["live", "non-live"] as const;
export const VERIFY_OPTIONAL_CHECKS = ["nplusone_mem", "hvparam_assessment"] as const;
export const CV_ERROR_CODES = [
  "ECLUSTERCFG", "ECLUSTERCERT", "ECLUSTERCLIENTCERT", "ECLUSTERFILECHECK",
  "ECLUSTERDANGLINGNODES", "ECLUSTERDANGLINGINST", "EINSTANCEBADNODE", "EINSTANCEDOWN",
  "EINSTANCELAYOUT", "EINSTANCEMISSINGDISK", "EINSTANCEFAULTYDISK", "EINSTANCEWRONGNODE",
  "EINSTANCESPLITGROUPS", "EINSTANCEPOLICY", "EINSTANCEUNSUITABLENODE",
  "EINSTANCEMISSINGCFGPARAMETER", "ENODEDRBD", "ENODEDRBDVERSION", "ENODEDRBDHELPER",
  "ENODEFILECHECK", "ENODEHOOKS", "ENODEHV", "ENODELVM", "ENODEN1", "ENODENET", "ENODEOS",
  "ENODEORPHANINSTANCE", "ENODEORPHANLV", "ENODERPC", "ENODESSH", "ENODEVERSION",
  "ENODESETUP", "ENODETIME", "ENODEOOBPATH", "ENODEUSERSCRIPTS", "ENODEFILESTORAGEPATHS",
  "ENODEFILESTORAGEPATHUNUSABLE", "ENODESHAREDFILESTORAGEPATHUNUSABLE",
  "ENODEGLUSTERSTORAGEPATHUNUSABLE", "EGROUPDIFFERENTPVSIZE", "EEXTAGS",
] as const;
export const DDM_SIMPLE = ["add", "attach", "remove", "detach"] as const;
export const DDM_FULL = ["add", "attach", "remove", "detach", "modify"] as const;
export const OOB_COMMANDS = ["health", "power-cycle", "power-off", "power-on", "power-status"] as const;
export const STORAGE_TYPES = [
  "file", "sharedfile", "gluster", "lvm-pv", "lvm-vg", "diskless", "blockdev", "rados", "ext",
] as const;
export const EVAC_MODES = ["primary-only", "secondary-only", "all"] as const;
export const FILE_DRIVERS = ["loop", "blktap", "blktap2"] as const;
export const INST_CREATE_MODES = ["create", "import", "remote-import"] as const;
export const REBOOT_TYPES = ["soft", "hard", "full"] as const;
export const EXPORT_MODES = ["local", "remote"] as const;
export const IALLOCATOR_DIRECTIONS = ["in", "out"] as const;
export const IALLOCATOR_MODES = [
  "allocate", "allocate-secondary", "multi-allocate", "relocate", "node-evacuate", "change-group",
] as const;
export const NIC_MODES = ["bridged", "routed", "openvswitch", "pool", "ext"] as const;
export const ADMIN_STATE_SOURCES = ["admin", "user"] as const;
export const SSH_KEY_TYPES = ["rsa", "dsa", "ecdsa"] as const;
export const REPLACE_DISKS_MODES = [
  "replace_on_primary", "replace_on_secondary", "replace_new_secondary", "replace_auto",
] as const;
/** Resources an OP_QUERY can ask for (QueryTypeOp). */
export const QUERY_TYPES_OP = ["cluster", "instance", "node", "group", "os", "export", "network"] as const;
export const FINALIZED_JOB_STATUSES = ["canceled", "success", "error"] as const;
/** Ganeti's MAX_DISKS: disk indices are 0 .. MAX_DISKS-1. */
export const MAX_DISKS = 16;
/** Constants used as defaults (Ganeti's C.defaultShutdownTimeout, C.oobTimeout, ...). */
export const DEFAULT_SHUTDOWN_TIMEOUT = 120;
export const OOB_TIMEOUT = 60;
export const OOB_POWER_DELAY = 2.0;
export const IEC_NONE = "none";

/** Disk index (Ganeti's DiskIndex smart constructor: 0 <= i < MAX_DISKS). */
export const DiskIndex = (): TInteger => Type.Integer({ minimum: 0, maximum: MAX_DISKS - 1 });

// Addresses are strings in Ganeti's Haskell types; the Python side checks the notation,
// so a cheap pattern keeps obviously wrong values out at submission time.
const OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
const IPV4 = `${OCTET}(\\.${OCTET}){3}`;
export const IPv4Address = (): TString => Type.String({ pattern: `^${IPV4}$` });
export const IPv4Network = (): TString => Type.String({ pattern: `^${IPV4}/([0-9]|[12][0-9]|3[0-2])$` });
export const IPv6Address = (): TString => Type.String({ pattern: "^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*$" });
export const IPv6Network = (): TString =>
  Type.String({ pattern: "^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8])$" });

// ---- Field behaviours ------------------------------------------------------------------
// A schema property is either required on input (no default), optional (may stay absent
// after validation), or defaulted (filled by validateOpcode, so present in the output type).

/** A required field: validation fails when it is missing. */
export function req<T extends TSchema>(schema: T, doc: string): T {
  return { ...schema, description: doc };
}
/** An optional field without default (Ganeti's optionalField): absent or null means unset. */
export function opt<T extends TSchema>(schema: T, doc: string): TOptional<T> {
  const documented: T = { ...schema, description: doc };
  return Type.Optional(documented) as TOptional<T>;
}
/** A field with a default filled in by validation (Ganeti's defaultField). */
export function def<T extends TSchema>(schema: T, value: unknown, doc: string): T {
  return { ...schema, description: doc, default: value };
}
/** Same field, another description (Ganeti's withDoc on a shared parameter). */
export function redoc<T extends TSchema>(schema: T, doc: string): T {
  return { ...schema, description: doc };
}
/** Same field, another default (Ganeti's defaultField applied to a shared parameter). */
export function redefault<T extends TSchema>(schema: T, value: unknown): T {
  return { ...schema, default: value };
}

/** Shorthands for the common field shapes. */
export const defFalse = (doc: string): TBoolean => def(Bool(), false, doc);
export const defTrue = (doc: string): TBoolean => def(Bool(), true, doc);
export const optBool = (doc: string): TOptional<TBoolean> => opt(Bool(), doc);
export const optNEStr = (doc: string): TOptional<TString> => opt(NonEmptyString(), doc);
export const optStr = (doc: string): TOptional<TString> => opt(Str(), doc);
