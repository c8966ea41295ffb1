// The opcode table keyed by OP_ID, and what the rest of the system does with an opcode
// before running it: validate it (Ganeti's LoadOpCode + Validate(set_defaults=True)) and
// summarise it (OpCode.Summary / TinySummary) for job listings and logs.
import type { Static, TObject, TSchema } from "@sinclair/typebox";
import { OptionalKind } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { ErrorCode, OpCodeUnknown, OpPrereqError } from "../errors.js";
import type { CommonParams, OpDef } from "./define.js";
import { BACKUP_OPCODES } from "./backup.js";
import * as cluster from "./cluster.js";
import * as group from "./group.js";
import { INSTANCE_OPCODES } from "./instance.js";
import * as misc from "./misc.js";
import * as network from "./network.js";
import * as node from "./node.js";
import { OS_OPCODES } from "./os.js";
import * as tags from "./tags.js";
import * as test from "./test.js";

/** Every opcode of Ganeti 3.0, in OpCodes.hs order within each family. */
const ALL: readonly OpDef[] = [
  ...cluster.CLUSTER_OPCODES, ...misc.MISC_OPCODES, ...node.NODE_OPCODES,
  ...INSTANCE_OPCODES, ...group.GROUP_OPCODES, ...OS_OPCODES, ...BACKUP_OPCODES,
  ...tags.TAGS_OPCODES, ...test.TEST_OPCODES, ...network.NETWORK_OPCODES,
];

export const OPCODES: Readonly<Record<string, OpDef>> = Object.freeze(
  Object.fromEntries(ALL.map((d) => [d.id, d])),
);
export const OP_IDS: readonly string[] = Object.freeze(ALL.map((d) => d.id));

/** Any validated opcode: its OP_ID plus its fields. */
export type Opcode = { OP_ID: string; [k: string]: unknown };

/** The validated form of one opcode: OP_ID literal, own fields and common fields. */
export type OpOf<D> = D extends OpDef<infer P, infer I>
  ? { OP_ID: I } & Static<TObject<P & CommonParams>>
  : never;

export type OpClusterPostInit = OpOf<typeof cluster.OpClusterPostInit>;
export type OpClusterDestroy = OpOf<typeof cluster.OpClusterDestroy>;
export type OpClusterQuery = OpOf<typeof cluster.OpClusterQuery>;
export type OpClusterVerify = OpOf<typeof cluster.OpClusterVerify>;
export type OpClusterVerifyConfig = OpOf<typeof cluster.OpClusterVerifyConfig>;
export type OpClusterVerifyGroup = OpOf<typeof cluster.OpClusterVerifyGroup>;
export type OpClusterVerifyDisks = OpOf<typeof cluster.OpClusterVerifyDisks>;
export type OpClusterRedistConf = OpOf<typeof cluster.OpClusterRedistConf>;
export type OpClusterRename = OpOf<typeof cluster.OpClusterRename>;
export type OpClusterSetParams = OpOf<typeof cluster.OpClusterSetParams>;
export type OpClusterActivateMasterIp = OpOf<typeof cluster.OpClusterActivateMasterIp>;
export type OpClusterDeactivateMasterIp = OpOf<typeof cluster.OpClusterDeactivateMasterIp>;
export type OpQuery = OpOf<typeof misc.OpQuery>;
export type OpQueryFields = OpOf<typeof misc.OpQueryFields>;
export type OpNodeAdd = OpOf<typeof node.OpNodeAdd>;
export type OpNodeRemove = OpOf<typeof node.OpNodeRemove>;
export type OpNodeSetParams = OpOf<typeof node.OpNodeSetParams>;
/** Ganeti 3.0 has no OP_NODE_QUERY (nodes are queried with OP_QUERY, what=node). */
export type OpNodeQuery = OpQuery & { what: "node" };
export type OpNodeMigrate = OpOf<typeof node.OpNodeMigrate>;
export type OpNodeEvacuate = OpOf<typeof node.OpNodeEvacuate>;
export type OpNodePowercycle = OpOf<typeof node.OpNodePowercycle>;
export type OpGroupAdd = OpOf<typeof group.OpGroupAdd>;
export type OpGroupAssignNodes = OpOf<typeof group.OpGroupAssignNodes>;
export type OpGroupRename = OpOf<typeof group.OpGroupRename>;
export type OpGroupSetParams = OpOf<typeof group.OpGroupSetParams>;
export type OpGroupRemove = OpOf<typeof group.OpGroupRemove>;
export type OpGroupEvacuate = OpOf<typeof group.OpGroupEvacuate>;
export type OpGroupVerifyDisks = OpOf<typeof group.OpGroupVerifyDisks>;
export type OpTagsGet = OpOf<typeof tags.OpTagsGet>;
export type OpTagsSearch = OpOf<typeof tags.OpTagsSearch>;
export type OpTagsSet = OpOf<typeof tags.OpTagsSet>;
export type OpTagsDel = OpOf<typeof tags.OpTagsDel>;
export type OpTestDelay = OpOf<typeof test.OpTestDelay>;
export type OpTestJqueue = OpOf<typeof test.OpTestJqueue>;
export type OpTestDummy = OpOf<typeof test.OpTestDummy>;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** Python's type name of a JSON value, for messages that mirror Ganeti's. */
function pyTypeName(x: unknown): string {
  if (x === null || x === undefined) return "NoneType";
  if (Array.isArray(x)) return "list";
  switch (typeof x) {
    case "string": return "str";
    case "boolean": return "bool";
    case "number": return Number.isInteger(x) ? "int" : "float";
    default: return typeof x;
  }
}

const fails = (id: string, field: string): OpPrereqError =>
  new OpPrereqError(`Parameter '${id}.${field}' fails validation`, ErrorCode.inval);

/** Looks an opcode up by OP_ID, throwing OpCodeUnknown for ids Ganeti does not have. */
export function getOpDef(id: string): OpDef {
  const d = Object.hasOwn(OPCODES, id) ? OPCODES[id] : undefined;
  if (d === undefined) throw new OpCodeUnknown(id);
  return d;
}

function isOptional(s: TSchema): boolean {
  return (s as { [OptionalKind]?: unknown })[OptionalKind] === "Optional";
}

/**
 * Checks an opcode in its JSON form and returns a new, complete opcode: defaults filled,
 * nulls of unset optional fields dropped, values deep-copied. Throws OpCodeUnknown for an
 * unknown OP_ID and OpPrereqError(wrong_input) for anything else Ganeti would refuse.
 */
/**
 * A copy of a JSON value as JSON.parse makes it: a key "__proto__" stays an own property
 * (a generic deep clone assigns it, which sets the prototype instead and loses the data).
 */
function jsonClone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

export function validateOpcode(input: unknown): Opcode {
  if (!isPlainObject(input)) {
    throw new OpPrereqError(`Invalid data to LoadOpCode (${pyTypeName(input)})`, ErrorCode.inval);
  }
  const id = input["OP_ID"];
  if (id === undefined) {
    throw new OpPrereqError("Invalid data to LoadOpCode, missing OP_ID", ErrorCode.inval);
  }
  if (typeof id !== "string") throw new OpCodeUnknown(String(id));
  const d = getOpDef(id);
  const props = d.schema.properties as Readonly<Record<string, TSchema>>;
  for (const key of Object.keys(input)) {
    // Ganeti refuses keys an opcode does not declare (Python's slots, Haskell's
    // "superfluous dictionary keys"), so a misspelt option never goes unnoticed.
    if (key !== "OP_ID" && !Object.hasOwn(props, key)) {
      throw new OpPrereqError(`Object ${d.className} doesn't support the parameter '${key}'`, ErrorCode.inval);
    }
  }
  const out: Opcode = { OP_ID: id };
  for (const [name, schema] of Object.entries(props)) {
    const given = Object.hasOwn(input, name) ? input[name] : undefined;
    // Like Ganeti's Haskell reader, null stands for "not given" unless null is a value.
    const absent = given === undefined || (given === null && !Value.Check(schema, null));
    if (absent) {
      if ("default" in schema) out[name] = jsonClone(schema["default"] as unknown);
      else if (!isOptional(schema)) throw fails(id, name);
      continue;
    }
    if (!Value.Check(schema, given)) throw fails(id, name);
    out[name] = jsonClone(given);
  }
  if (id === "OP_INSTANCE_MULTI_ALLOC") {
    // Each instance is a full OP_INSTANCE_CREATE, validated like a top-level opcode.
    const insts = out["instances"] as unknown[];
    out["instances"] = insts.map((inst) => {
      if (!isPlainObject(inst) || inst["OP_ID"] !== "OP_INSTANCE_CREATE") throw fails(id, "instances");
      return validateOpcode(inst);
    });
  }
  return out;
}

/** Python's str() of a JSON value, as Summary() prints it. */
function pyStr(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  return JSON.stringify(v);
}

/** Python 3's round(): halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Ganeti's FormatDuration for OP_TEST_DELAY: seconds shown as whole nanoseconds. */
function formatDuration(v: unknown): string {
  if (typeof v !== "number") return pyStr(v);
  return `${roundHalfEven(v * 1e9).toFixed(0)} ns`;
}

/** OP_ID without "OP_" and, if the opcode has a summary field, its value in parentheses. */
export function opSummary(op: Opcode): string {
  const d = getOpDef(op.OP_ID);
  const text = op.OP_ID.slice(3);
  if (d.summaryField === undefined) return text;
  const value = op[d.summaryField];
  let shown: string;
  if (op.OP_ID === "OP_TEST_DELAY") shown = formatDuration(value);
  else if (Array.isArray(value)) shown = value.map(pyStr).join(",");
  else shown = pyStr(value);
  return `${text}(${shown})`;
}

/** Ganeti's short prefixes for TinySummary. */
const TINY_PREFIX: readonly (readonly [string, string])[] = [
  ["CLUSTER_", "C_"], ["GROUP_", "G_"], ["NODE_", "N_"], ["INSTANCE_", "I_"],
];

/** Compact form used in tight listings: "I_STARTUP", "C_VERIFY", "TAGS_GET". */
export function opTinySummary(op: Pick<Opcode, "OP_ID">): string {
  const text = op.OP_ID.slice(3);
  for (const [prefix, short] of TINY_PREFIX) {
    if (text.startsWith(prefix)) return short + text.slice(prefix.length);
  }
  return text;
}
