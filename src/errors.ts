// Ganeti's error classes and error types. The class name and the error type travel on
// the wire (job results, luxi, RPC) exactly as Ganeti encodes them: [ClassName, [args]].

/** Ganeti's ECODE_* values: the stable "error type" shown to administrators. */
export const ErrorCode = {
  resolver: "resolver_error",
  norm: "insufficient_resources",
  tempNorm: "temp_insufficient_resources",
  inval: "wrong_input",
  state: "wrong_state",
  noent: "unknown_entity",
  exists: "already_exists",
  notUnique: "resource_not_unique",
  fault: "internal_error",
  environ: "environment_error",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const ALL_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));
export function isErrorCode(x: unknown): x is ErrorCode {
  return typeof x === "string" && ALL_CODES.has(x);
}

/** Base of every Ganeti error; `args` is what goes on the wire. */
export class GanetiError extends Error {
  readonly args: readonly unknown[];
  constructor(message: string, ...rest: unknown[]) {
    super(message);
    this.args = [message, ...rest];
    this.name = new.target.name;
  }
}

/** An error that carries an error type (wrong_input, wrong_state, ...). */
export class CodedError extends GanetiError {
  readonly code: ErrorCode | undefined;
  constructor(message: string, code?: ErrorCode) {
    super(message, ...(code === undefined ? [] : [code]));
    this.code = code;
  }
}

export class GenericError extends CodedError {}
export class OpPrereqError extends CodedError {}
export class OpExecError extends CodedError {}
export class OpResultError extends GanetiError {}
export class OpCodeUnknown extends GanetiError {}
export class ProgrammerError extends GanetiError {}
export class ConfigurationError extends GanetiError {}
export class ConfigVersionMismatch extends GanetiError {}
export class LockError extends GanetiError {}
export class ParameterError extends GanetiError {}
export class TypeEnforcementError extends GanetiError {}
export class ResolverError extends GanetiError {}
export class HooksFailure extends GanetiError {}
export class HooksAbort extends GanetiError {}
export class TagError extends GanetiError {}
export class JobLost extends GanetiError {}
export class JobFileCorrupted extends GanetiError {}
export class JobQueueError extends GanetiError {}
export class JobQueueDrainError extends JobQueueError {}
export class JobQueueFull extends JobQueueError {}
export class LuxiError extends GanetiError {}
export class NoMasterError extends GanetiError {}
export class RpcError extends GanetiError {}
export class RemoteError extends GanetiError {}
export class BlockDeviceError extends GanetiError {}
export class HypervisorError extends GanetiError {}
export class StorageError extends GanetiError {}
export class CommandError extends GanetiError {}
export class X509CertError extends GanetiError {}
export class UnitParseError extends GanetiError {}
export class ParseError extends GanetiError {}
export class QueryFilterParseError extends GanetiError {}
export class IPAddressError extends GanetiError {}
export class FileStoragePathError extends GanetiError {}
export class QuitGanetiException extends GanetiError {}
export class TimeoutError extends GanetiError {}

const CLASSES: Readonly<Record<string, new (message: string, ...rest: never[]) => GanetiError>> = {
  GenericError, OpPrereqError, OpExecError, OpResultError, OpCodeUnknown, ProgrammerError,
  ConfigurationError, ConfigVersionMismatch, LockError, ParameterError, TypeEnforcementError,
  ResolverError, HooksFailure, HooksAbort, TagError, JobLost, JobFileCorrupted, JobQueueError,
  JobQueueDrainError, JobQueueFull, LuxiError, NoMasterError, RpcError,
  RemoteError, BlockDeviceError, HypervisorError, StorageError, CommandError, X509CertError,
  UnitParseError, ParseError, QueryFilterParseError, IPAddressError, FileStoragePathError,
  QuitGanetiException, TimeoutError,
};

/** Ganeti's wire encoding of an error: [class name, args]. */
export type EncodedError = readonly [string, readonly unknown[]];

export function encodeError(err: unknown): EncodedError {
  if (err instanceof GanetiError) return [err.name, err.args];
  const msg = err instanceof Error ? err.message : String(err);
  return ["GenericError", [msg]];
}

export function isEncodedError(x: unknown): x is EncodedError {
  return Array.isArray(x) && x.length === 2 && typeof x[0] === "string" && Array.isArray(x[1]);
}

/** Rebuilds a typed error from its wire form; unknown classes become GenericError. */
export function decodeError(enc: EncodedError): GanetiError {
  const [name, args] = enc;
  const message = typeof args[0] === "string" ? args[0] : JSON.stringify(args[0] ?? "");
  const cls = CLASSES[name];
  if (cls === undefined) return new GenericError(message);
  if (cls.prototype instanceof CodedError || cls === GenericError) {
    const code = isErrorCode(args[1]) ? args[1] : undefined;
    return new (cls as unknown as new (m: string, c?: ErrorCode) => CodedError)(message, code);
  }
  return new (cls as unknown as new (m: string, ...r: unknown[]) => GanetiError)(message, ...args.slice(1));
}

/**
 * The CLI's rendering of an error, as Ganeti's cli.FormatError does.
 * Returns the text and the exit code.
 */
export function formatError(err: unknown): { text: string; exitCode: number } {
  if (err instanceof OpPrereqError) {
    const head = "Failure: prerequisites not met for this operation:";
    const text = err.code !== undefined
      ? `${head}\nerror type: ${err.code}, error details:\n${err.message}`
      : `${head}\n${err.message}`;
    return { text, exitCode: 1 };
  }
  if (err instanceof OpExecError) return { text: `Failure: command execution error:\n${err.message}`, exitCode: 1 };
  if (err instanceof JobQueueDrainError) {
    return { text: "Failure: the job queue is marked for drain and doesn't accept new requests", exitCode: 1 };
  }
  if (err instanceof JobQueueFull) {
    return {
      text: "Failure: the job queue is full and doesn't accept new job submissions until old jobs are archived",
      exitCode: 1,
    };
  }
  if (err instanceof TypeEnforcementError) return { text: `Parameter Error: ${err.message}`, exitCode: 1 };
  if (err instanceof ParameterError) return { text: `Failure: unknown/wrong parameter name '${err.message}'`, exitCode: 1 };
  if (err instanceof ResolverError) return { text: `Failure: can't resolve hostname '${err.message}'`, exitCode: 1 };
  if (err instanceof HooksFailure) return { text: `Failure: hooks general failure: ${err.message}`, exitCode: 1 };
  if (err instanceof HooksAbort) return { text: `Failure: hooks execution failed:\n${err.message}`, exitCode: 1 };
  if (err instanceof JobLost) return { text: `Error checking job status: ${err.message}`, exitCode: 1 };
  if (err instanceof NoMasterError) {
    return {
      text: "Cannot communicate with the master daemon.\nIs the process running and listening for connections?",
      exitCode: 1,
    };
  }
  if (err instanceof TimeoutError) {
    return {
      text: `Timeout while talking to the master daemon. Jobs might have been submitted and will continue to run even if the call timed out. Useful commands in this situation are "gnt-job list", "gnt-job cancel" and "gnt-job watch". Error:\n${err.message}`,
      exitCode: 1,
    };
  }
  if (err instanceof OpCodeUnknown) return { text: `Unsupported operation code: ${err.message}`, exitCode: 1 };
  if (err instanceof ConfigurationError) return { text: `Corrupt configuration file: ${err.message}\nAborting.`, exitCode: 2 };
  if (err instanceof QueryFilterParseError) {
    // Ganeti: the message, then the filter with a caret under the failing column, and why.
    const details = Array.isArray(err.args[1]) ? (err.args[1] as unknown[]).map(String) : [];
    return { text: [`Error while parsing query filter: ${err.message}`, ...details].join("\n"), exitCode: 1 };
  }
  if (err instanceof TagError) return { text: `Failure: invalid tag(s) given:\n${err.message}`, exitCode: 1 };
  if (err instanceof GanetiError) return { text: `Unhandled Ganeti error: ${err.message}`, exitCode: 1 };
  const msg = err instanceof Error ? err.message : String(err);
  return { text: `Unhandled exception: ${msg}`, exitCode: 1 };
}
