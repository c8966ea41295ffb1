// GetOpt-style option parsing for the htools programs (Ganeti's syntax: -tFILE or
// -t FILE, --opt=VAL or --opt VAL, optional arguments only attached: -pname,pcnt).

export type ArgKind = "none" | "req" | "opt";

export interface OptSpec {
  readonly short?: string;
  readonly long: string;
  readonly arg: ArgKind;
  readonly help: string;
  readonly argName?: string;
}

export interface Parsed {
  /** Values by long name, in order of appearance ("" for flags / absent optional args). */
  readonly values: ReadonlyMap<string, readonly (string | null)[]>;
  readonly args: readonly string[];
}

export class UsageError extends Error {}

export function parseArgs(specs: readonly OptSpec[], argv: readonly string[]): Parsed {
  const values = new Map<string, (string | null)[]>();
  const args: string[] = [];
  const put = (s: OptSpec, v: string | null): void => {
    const l = values.get(s.long);
    if (l === undefined) values.set(s.long, [v]);
    else l.push(v);
  };
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!;
    if (a === "--") {
      args.push(...argv.slice(k + 1));
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const matches = specs.filter((s) => s.long === name);
      const prefixed = matches.length > 0 ? matches : specs.filter((s) => s.long.startsWith(name));
      if (prefixed.length !== 1) {
        throw new UsageError(
          prefixed.length === 0 ? `unrecognized option \`--${name}'` : `option \`--${name}' is ambiguous`,
        );
      }
      const s = prefixed[0]!;
      if (s.arg === "none") {
        if (eq >= 0) throw new UsageError(`option \`--${s.long}' doesn't allow an argument`);
        put(s, null);
      } else if (eq >= 0) put(s, a.slice(eq + 1));
      else if (s.arg === "req") {
        if (k + 1 >= argv.length) throw new UsageError(`option \`--${s.long}' requires an argument ${s.argName ?? "ARG"}`);
        put(s, argv[++k]!);
      } else put(s, null);
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      let j = 1;
      while (j < a.length) {
        const c = a[j]!;
        const s = specs.find((x) => x.short === c);
        if (s === undefined) throw new UsageError(`unrecognized option \`-${c}'`);
        const rest = a.slice(j + 1);
        if (s.arg === "none") {
          put(s, null);
          j++;
          continue;
        }
        if (rest !== "") put(s, rest);
        else if (s.arg === "req") {
          if (k + 1 >= argv.length) throw new UsageError(`option \`-${c}' requires an argument ${s.argName ?? "ARG"}`);
          put(s, argv[++k]!);
        } else put(s, null);
        break;
      }
      continue;
    }
    args.push(a);
  }
  return { values, args };
}

export function usage(prog: string, version: string, specs: readonly OptSpec[]): string {
  const rows = specs.map((s) => {
    const arg = s.arg === "none" ? "" : s.arg === "req" ? `=${s.argName ?? "ARG"}` : `[=${s.argName ?? "ARG"}]`;
    const sh = s.short !== undefined ? `-${s.short}${s.arg === "req" ? ` ${s.argName ?? "ARG"}` : s.arg === "opt" ? `[${s.argName ?? "ARG"}]` : ""}` : "";
    return [sh, `--${s.long}${arg}`, s.help] as const;
  });
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  return (
    `${prog} ${version}\nUsage: ${prog} [OPTION...]\n` +
    rows.map((r) => `  ${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2]}`).join("\n") +
    "\n"
  );
}
