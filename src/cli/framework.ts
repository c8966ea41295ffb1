// The gnt-* command framework (Ganeti's cli.GenericMain): subcommands with their options
// parsed by node's util.parseArgs, errors rendered as Ganeti renders them, exit codes.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { formatError, OpPrereqError, ErrorCode } from "../errors.js";

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>[string] & { help?: string; metavar?: string };
export type Options = Record<string, string | boolean | string[] | undefined>;

export interface Command {
  readonly summary: string;
  /** Argument synopsis shown in help, e.g. "<node>". */
  readonly usage: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Minimum and maximum number of positional arguments (null: unbounded). */
  readonly args: readonly [number, number | null];
  run(opts: Options, args: string[]): Promise<number>;
}

export type CommandTable = Readonly<Record<string, Command>>;

export function out(line = ""): void {
  process.stdout.write(`${line}\n`);
}
export function err(line: string): void {
  process.stderr.write(`${line}\n`);
}

function usage(program: string, table: CommandTable): string {
  const lines = [`Usage: ${program} {command} [options...] [argument...]`, `${program} <command> --help to see details, or man ${program}`, "", "Commands:"];
  const width = Math.max(...Object.keys(table).map((k) => k.length));
  for (const [name, c] of Object.entries(table).sort(([a], [b]) => a.localeCompare(b))) lines.push(` ${name.padEnd(width)} - ${c.summary}`);
  return lines.join("\n");
}

function commandHelp(program: string, name: string, c: Command): string {
  const lines = [`Usage: ${program} ${name} ${c.usage}`.trimEnd(), "", c.summary, "", "Options:"];
  for (const [long, spec] of Object.entries(c.options).sort(([a], [b]) => a.localeCompare(b))) {
    const flag = `${spec.short !== undefined ? `-${spec.short}, ` : "    "}--${long}${spec.type === "string" ? `=${spec.metavar ?? "VALUE"}` : ""}`;
    lines.push(`  ${flag.padEnd(34)} ${spec.help ?? ""}`);
  }
  return lines.join("\n");
}

export async function runProgram(program: string, table: CommandTable, argv = process.argv.slice(2)): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h") {
    out(usage(program, table));
    return name === undefined ? 1 : 0;
  }
  if (name === "--version") {
    const { RELEASE_VERSION } = await import("../constants.js");
    out(`${program} (ganeti-ts) ${RELEASE_VERSION}`);
    return 0;
  }
  const cmd = table[name];
  if (cmd === undefined) {
    err(`Unknown command '${name}'.\n${usage(program, table)}`);
    return 1;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    out(commandHelp(program, name, cmd));
    return 0;
  }
  let parsed: { values: Options; positionals: string[] };
  try {
    const options = Object.fromEntries(Object.entries(cmd.options).map(([k, v]) => {
      const { help: _h, metavar: _m, ...spec } = v;
      return [k, spec];
    }));
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true }) as { values: Options; positionals: string[] };
  } catch (e) {
    err(`Error: ${(e as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, "")}`);
    err(commandHelp(program, name, cmd));
    return 1;
  }
  const [min, max] = cmd.args;
  if (parsed.positionals.length < min || (max !== null && parsed.positionals.length > max)) {
    err(`Error: wrong number of arguments, usage: ${program} ${name} ${cmd.usage}`);
    return 1;
  }
  try {
    return await cmd.run(parsed.values, parsed.positionals);
  } catch (e) {
    const f = formatError(e);
    err(f.text);
    return f.exitCode;
  }
}

export function main(program: string, table: CommandTable): void {
  runProgram(program, table).then((code) => {
    process.exitCode = code;
  }, (e: unknown) => {
    err(formatError(e).text);
    process.exitCode = 1;
  });
}

/** Ganeti's yes/no values for flags like --drained=yes. */
export function parseBool(v: unknown, what: string): boolean | undefined {
  if (v === undefined) return undefined;
  const s = String(v).toLowerCase();
  if (["yes", "true", "y", "1"].includes(s)) return true;
  if (["no", "false", "n", "0"].includes(s)) return false;
  throw new OpPrereqError(`Invalid value '${String(v)}' for option ${what}, expected yes or no`, ErrorCode.inval);
}

/** "k=v,k2=v2" into a dict; "no_k" → false and "-k" → reset, as Ganeti's keyval option type. */
export function parseKeyVal(text: string, what: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (text === "") return out;
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) {
      if (part.startsWith("no_")) out[part.slice(3)] = false;
      else if (part.startsWith("-")) out[part.slice(1)] = null;
      else out[part] = true;
      continue;
    }
    const k = part.slice(0, eq);
    if (k === "") throw new OpPrereqError(`Invalid ${what} parameter '${part}'`, ErrorCode.inval);
    out[k] = coerce(part.slice(eq + 1));
  }
  return out;
}

function coerce(v: string): unknown {
  if (/^-?\d+$/.test(v)) return Number(v);
  if (v === "true" || v === "True") return true;
  if (v === "false" || v === "False") return false;
  return v;
}

/** "-H kvm:k=v,k=v" style: "name:k=v,..." into {name: {...}}. */
export function parseIdentKeyVal(text: string, what: string): [string, Record<string, unknown>] {
  const colon = text.indexOf(":");
  if (colon < 0) return [text, {}];
  return [text.slice(0, colon), parseKeyVal(text.slice(colon + 1), what)];
}

export const COMMON = {
  submit: { type: "boolean", help: "Submit the job and return the job ID, but don't wait for the job to finish" },
  priority: { type: "string", help: "Priority for opcode processing (low, normal, high)", metavar: "PRIO" },
  "dry-run": { type: "boolean", help: "Do not execute the operation, just run the check steps and verify if it could be executed" },
  debug: { type: "boolean", short: "d", help: "Turn debugging on" },
  verbose: { type: "boolean", short: "v", help: "Increase the verbosity of the operation" },
  force: { type: "boolean", short: "f", help: "Force the operation" },
  yes: { type: "boolean", help: "Do not ask for confirmation" },
  "no-headers": { type: "boolean", help: "Don't display column headers" },
  separator: { type: "string", help: "Separator between output fields (defaults to one space)", metavar: "SEP" },
  units: { type: "string", help: "Specify units for output (one of h/m/g/t)", metavar: "UNITS" },
  output: { type: "string", short: "o", help: "Comma separated list of output fields", metavar: "FIELDS" },
  reason: { type: "string", help: "The reason for executing the command", metavar: "REASON" },
} as const satisfies Record<string, OptionSpec>;
