// Parameters every opcode accepts (Ganeti's CommonOpParams / the OpCode base class):
// dry_run, debug_level, priority, depends, comment, reason.
import { Type } from "@sinclair/typebox";
import { OP_PRIO_HIGH, OP_PRIO_LOW, OP_PRIO_NORMAL } from "../constants.js";
import {
  Bool, Enum, FINALIZED_JOB_STATUSES, NonNegInt, Str, def, opt,
} from "./types.js";

/** A job id as Ganeti accepts it: a non-negative integer or its decimal string. */
const JobId = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: "^[0-9]+$" })]);
/** Relative dependencies (negative ids) count back from the job being submitted. */
const RelativeJobId = Type.Integer({ maximum: -1 });

/** One dependency: [job id, statuses the job must have finished in]. */
export const JobDependency = Type.Tuple([
  Type.Union([JobId, RelativeJobId]),
  Type.Array(Enum(FINALIZED_JOB_STATUSES)),
]);

/** One reason-trail entry: [source, reason, timestamp in nanoseconds]. */
export const ReasonElem = Type.Tuple([Type.String(), Type.String(), Type.Integer()]);

/** Submit priorities: only low/normal/high may be asked for (OP_PRIO_SUBMIT_VALID). */
const Priority = Type.Union([
  Type.Literal(OP_PRIO_LOW), Type.Literal(OP_PRIO_NORMAL), Type.Literal(OP_PRIO_HIGH),
]);

export const COMMON_PARAMS = {
  dry_run: opt(Bool(), "Only run the prerequisite checks, change nothing"),
  debug_level: opt(NonNegInt(), "Verbosity of the logical unit's debug output"),
  priority: def(Priority, OP_PRIO_NORMAL, "Scheduling priority of the opcode (-10, 0 or 10)"),
  depends: opt(Type.Array(JobDependency),
    "Jobs this one waits for, as [job id, [final statuses]]; negative ids are relative"),
  comment: opt(Str(), "Free-text note on why the opcode was submitted"),
  reason: def(Type.Array(ReasonElem), [], "Reason trail: [source, text, timestamp] entries"),
} as const;

export const COMMON_PARAM_NAMES: readonly string[] = Object.keys(COMMON_PARAMS);
