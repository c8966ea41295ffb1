// The gnt-* command framework (Ganeti's cli.GenericMain): subcommands with their options
// parsed by node's util.parseArgs, errors rendered as Ganeti renders them, exit codes.
import { formatError, OpPrereqError, ErrorCode, ParameterError, TypeEnforcementError, UnitParseError } from "../errors.js";
import { parseUnit } from "./units.js";
import { quietOnClosedStdout } from "../util/stdio.js";
import { CLID_GATE, type ClidGate } from "../clid/protocol.js";

export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  readonly multiple?: boolean;
  readonly help?: string;
  readonly metavar?: string;
  /** Ganeti's optparse value types checked while parsing: "int" and "unit" (a size). */
  readonly check?: "int" | "unit";
  /** The only values the option takes (optparse's "choice" type). */
  readonly choices?: readonly string[];
}
export type Options = Record<string, string | boolean | string[] | undefined>;

export interface Command {
  readonly summary: string;
  /** Argument synopsis shown in help, e.g. "<node>". */
  readonly usage: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Minimum and maximum number of positional arguments (null: unbounded). */
  readonly args: readonly [number, number | null];
  run(opts: Options, args: string[]): Promise<number>;
  /**
   * true: a warm ganeti-clid worker may run it (src/clid/): it only asks the master over
   * luxi and prints, never reads standard input nor starts another program on it.
   */
  readonly resident?: boolean;
  /** false: options end at the first argument, the rest is a command line (optparse's disable_interspersed_args). */
  readonly interspersed?: boolean;
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
  const cmd = name !== undefined && Object.hasOwn(table, name) ? table[name] : undefined;
  // In a ganeti-clid worker, a command that is not resident goes back to the launcher
  // (usage and help only print: they are).
  ((globalThis as Record<symbol, unknown>)[CLID_GATE] as ClidGate | undefined)?.(cmd === undefined || cmd.resident === true);
  if (name === undefined || name === "--help" || name === "-h") {
    out(usage(program, table));
    return name === undefined ? 1 : 0;
  }
  if (name === "--version") {
    const { RELEASE_VERSION } = await import("../constants.js");
    out(`${program} (ganeti-ts) ${RELEASE_VERSION}`);
    return 0;
  }
  if (cmd === undefined) {
    // Ganeti's _ShowUsage(exit_error=True): the command list on stdout, exit code 1.
    out(usage(program, table));
    return 1;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    out(commandHelp(program, name, cmd));
    return 0;
  }
  let parsed: { values: Options; positionals: string[] };
  try {
    parsed = parseOptions(cmd.options, rest, cmd.interspersed !== false);
  } catch (e) {
    if (!(e instanceof OptParseError)) throw e;
    // optparse's error(): the usage, then "prog: error: ...", exit code 2.
    err(`Usage\n=====\n  ${program} ${name} ${cmd.usage}`.trimEnd() + `\n\n${program}: error: ${e.message}`);
    return 2;
  }
  const why = checkArgCount(name, cmd.args, parsed.positionals.length);
  if (why !== null) {
    err(why);
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
  quietOnClosedStdout();
  runProgram(program, table).then((code) => {
    process.exitCode = code;
  }, (e: unknown) => {
    err(formatError(e).text);
    process.exitCode = 1;
  });
}

/** Ganeti's "bool" option type (check_bool) for flags like --drained=yes. */
export function parseBool(v: unknown, _what: string): boolean | undefined {
  if (v === undefined) return undefined;
  const s = String(v).toLowerCase();
  if (s === "yes" || s === "true") return true;
  if (s === "no" || s === "false") return false;
  throw new ParameterError(`Invalid boolean value '${s}'`);
}

/** The option a `what` of parseKeyVal names in Ganeti's messages ("Duplicate key 'x' in option -B"). */
const KEYVAL_OPTION: Readonly<Record<string, string>> = {
  backend: "-B", hypervisor: "-H", OS: "-O", nic: "--net", disk: "--disk", node: "--node-parameters", ext: "--ext-params",
};

/** "k=v,k2=v2" into a dict; "no_k" → false and "-k" → reset, as Ganeti's keyval option type. */
export function parseKeyVal(text: string, what: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (text === "") return out;
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    let k: string;
    let v: unknown;
    if (eq < 0) {
      if (part.startsWith("no_")) [k, v] = [part.slice(3), false];
      else if (part.startsWith("-")) [k, v] = [part.slice(1), null];
      else [k, v] = [part, true];
    } else {
      k = part.slice(0, eq);
      if (k === "") throw new OpPrereqError(`Invalid ${what} parameter '${part}'`, ErrorCode.inval);
      v = coerce(part.slice(eq + 1));
    }
    if (Object.hasOwn(out, k)) throw new ParameterError(`Duplicate key '${k}' in option ${KEYVAL_OPTION[what] ?? what}`);
    out[k] = v;
  }
  return out;
}

/** Parameter types as Ganeti's ForceDictType knows them. */
export type ParamType = "size" | "int" | "bool" | "string" | "any";

/**
 * Ganeti's utils.ForceDictType as the command line runs it before submitting: unknown keys
 * and values of the wrong type are refused with Ganeti's TypeEnforcementError messages
 * (printed as "Parameter Error: ..."); sizes are converted to MiB.
 */
export function forceDictType(target: Record<string, unknown>, types: Readonly<Record<string, ParamType>>,
  allowed: readonly unknown[] = []): void {
  for (const [key, value] of Object.entries(target)) {
    const t = types[key];
    if (t === undefined) throw new TypeEnforcementError(`Unknown parameter '${key}'`);
    if (allowed.includes(value) || value === null || t === "any") continue;
    if (t === "size" && typeof value === "string") {
      try {
        target[key] = parseUnit(value);
      } catch (e) {
        if (!(e instanceof UnitParseError)) throw e;
        throw new TypeEnforcementError(`'${key}' (value ${value}) is not a valid size. error: ${e.message}`);
      }
    } else if ((t === "int" || t === "size") && (typeof value !== "number" || !Number.isInteger(value))) {
      throw new TypeEnforcementError(`'${key}' (value ${String(value)}) is not a valid integer`);
    } else if (t === "bool" && typeof value !== "boolean") {
      throw new TypeEnforcementError(`'${key}' (value ${String(value)}) is not a valid boolean`);
    } else if (t === "string" && typeof value !== "string") {
      target[key] = String(value);
    }
  }
}

/** Ganeti's backend parameters with their types (constants.BES_PARAMETER_COMPAT). */
export const BES_PARAMETER_TYPES: Readonly<Record<string, ParamType>> = {
  always_failover: "bool", auto_balance: "bool", maxmem: "size", memory: "size", minmem: "size", spindle_use: "int", vcpus: "int",
};

/** Ganeti's NIC parameters of --net (constants.INIC_PARAMS_TYPES). */
export const INIC_PARAMS_TYPES: Readonly<Record<string, ParamType>> = {
  bridge: "any", ip: "any", link: "string", mac: "string", mode: "string", name: "any", network: "any", vlan: "any",
};

/** An error of the option parser, shown as optparse shows it (exit code 2). */
class OptParseError extends Error {}

/**
 * Ganeti's option parsing (Python's optparse): long options as --name=value or --name value,
 * unambiguous abbreviations of long options, clustered short flags, "-sVALUE", "--" ending
 * the options; typed values checked ("int", "unit").
 */
export function parseOptions(specs: Readonly<Record<string, OptionSpec>>, argv: readonly string[], interspersed = true):
  { values: Options; positionals: string[] } {
  const values: Options = {};
  const positionals: string[] = [];
  const shorts = new Map(Object.entries(specs).filter(([, s]) => s.short !== undefined).map(([k, s]) => [s.short as string, k]));
  const store = (name: string, raw: string, value: string | true): void => {
    const spec = specs[name] as OptionSpec;
    if (typeof value === "string" && spec.check !== undefined) checkValue(spec.check, raw, value);
    if (typeof value === "string" && spec.choices !== undefined && !spec.choices.includes(value)) {
      throw new OptParseError(`option ${raw}: invalid choice: '${value}' (choose from ${spec.choices.map((c) => `'${c}'`).join(", ")})`);
    }
    if (spec.multiple === true) values[name] = [...((values[name] as string[] | undefined) ?? []), String(value)];
    else values[name] = value;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const given = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const name = matchLong(Object.keys(specs), given);
      const spec = specs[name] as OptionSpec;
      const raw = `--${name}`;
      if (spec.type === "boolean") {
        if (eq >= 0) throw new OptParseError(`${raw} option does not take a value`);
        store(name, raw, true);
      } else if (eq >= 0) {
        store(name, raw, a.slice(eq + 1));
      } else {
        if (i + 1 >= argv.length) throw new OptParseError(`${raw} option requires 1 argument`);
        store(name, raw, argv[++i] as string);
      }
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const ch = a[j] as string;
        const name = shorts.get(ch);
        if (name === undefined) throw new OptParseError(`no such option: -${ch}`);
        const spec = specs[name] as OptionSpec;
        if (spec.type === "boolean") {
          store(name, `-${ch}`, true);
          continue;
        }
        if (j + 1 < a.length) store(name, `-${ch}`, a.slice(j + 1));
        else if (i + 1 < argv.length) store(name, `-${ch}`, argv[++i] as string);
        else throw new OptParseError(`-${ch} option requires 1 argument`);
        break;
      }
      continue;
    }
    if (!interspersed) {
      positionals.push(...argv.slice(i));
      break;
    }
    positionals.push(a);
  }
  return { values, positionals };
}

/** optparse's _match_abbrev: the exact long option, or the only one it abbreviates. */
function matchLong(names: readonly string[], given: string): string {
  if (names.includes(given)) return given;
  const hits = names.filter((n) => n.startsWith(given)).sort();
  if (hits.length === 1) return hits[0] as string;
  if (hits.length === 0) throw new OptParseError(`no such option: --${given}`);
  throw new OptParseError(`ambiguous option: --${given} (${hits.map((h) => `--${h}`).join(", ")}?)`);
}

function checkValue(check: "int" | "unit", raw: string, value: string): void {
  if (check === "int") {
    if (!/^\s*[-+]?\d+\s*$/.test(value)) throw new OptParseError(`option ${raw}: invalid integer value: '${value}'`);
    return;
  }
  try {
    parseUnit(value);
  } catch (e) {
    if (e instanceof UnitParseError) throw new OptParseError(`option ${raw}: ${e.message}`);
    throw e;
  }
}

/** Ganeti's _CheckArguments: the message for a wrong number of arguments, or null. */
function checkArgCount(cmd: string, [min, max]: readonly [number, number | null], n: number): string | null {
  if (n > 0 && max === 0) return `Error: Command ${cmd} expects no arguments`;
  if (max !== null && min === max && n !== min) return `Error: Command ${cmd} expects ${min} argument(s)`;
  if (max !== null && n > max) return `Error: Command ${cmd} expects only ${max} argument(s)`;
  if (n < min) return `Error: Command ${cmd} expects at least ${min} argument(s)`;
  return null;
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
  "ignore-ipolicy": { type: "boolean", help: "Ignore instance policy violations" },
} as const satisfies Record<string, OptionSpec>;
