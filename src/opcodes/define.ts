// How one opcode is declared: its OP_ID, a one-line doc, its own fields (the common ones
// are added here) and the field Summary() shows. Everything else — the Ganeti class name,
// the logical unit's name, the TS type, validation, help — is derived from this.
import { Type, type TObject, type TProperties } from "@sinclair/typebox";
import { ProgrammerError } from "../errors.js";
import { COMMON_PARAMS } from "./common.js";

export type CommonParams = typeof COMMON_PARAMS;

export interface OpDef<P extends TProperties = TProperties, I extends string = string> {
  /** Ganeti's OP_ID, e.g. "OP_CLUSTER_RENAME". */
  readonly id: I;
  /** Ganeti's class name, e.g. "OpClusterRename" (used in Ganeti's error messages). */
  readonly className: string;
  /** Schema of the whole opcode body (own fields then common ones), without OP_ID. */
  readonly schema: TObject<P & CommonParams>;
  /** Names of the opcode's own fields, in Ganeti's order. */
  readonly ownFields: readonly string[];
  readonly doc: string;
  /** Field whose value Summary() shows in parentheses (Ganeti's OP_DSC_FIELD). */
  readonly summaryField?: string;
  /** Name of the logical unit that runs it (Ganeti's LU<Name>); absent when none does. */
  readonly lu?: string;
}

/** "OP_EXT_STORAGE_DIAGNOSE" -> "OpExtStorageDiagnose" (inverse of Ganeti's _NameToId). */
export function opIdToClassName(id: string): string {
  return "Op" + id.slice(3).split("_")
    .map((w) => w.charAt(0) + w.slice(1).toLowerCase()).join("");
}

export interface OpOptions {
  readonly summary?: string;
  /** False for opcodes no logical unit executes (Ganeti's WITH_LU = False). */
  readonly withLu?: boolean;
}

export function defineOp<const I extends string, const P extends TProperties>(
  id: I, doc: string, fields: P, options: OpOptions = {},
): OpDef<P, I> {
  if (options.summary !== undefined && !(options.summary in fields)) {
    // A programming error in a declaration, caught the first time the module loads.
    throw new ProgrammerError(`${id}: summary field ${options.summary} is not a field`);
  }
  const className = opIdToClassName(id);
  const schema = Type.Object({ ...fields, ...COMMON_PARAMS }, { description: doc }) as TObject<P & CommonParams>;
  return {
    id,
    className,
    schema,
    ownFields: Object.keys(fields),
    doc,
    ...(options.summary !== undefined ? { summaryField: options.summary } : {}),
    ...(options.withLu === false ? {} : { lu: "LU" + className.slice(2) }),
  };
}
