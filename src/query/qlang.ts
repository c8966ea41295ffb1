// Ganeti's query filter language as the command line writes it (lib/qlang.py): the text of
// `gnt-node list -F 'offline or drained'`, and the filter a list command makes from its
// name arguments (plain names, DNS-style globs, numeric job IDs). Pure: text in, the filter
// structure that src/query/qfilter.ts evaluates out.
//
//   expr      := term ("or" term)*          term := factor ("and" factor)*
//   factor    := "not" factor | "(" expr ")" | condition
//   condition := field (== | = | != | < | <= | > | >=) value | field
//              | value "in" field | value "not" "in" field
//              | field (=~ | !~) regexp | field (=* | !*) "glob"
//   value     := integer | "string" | 'string'      regexp := [m]/re/[flags]  (or # ^ | for /)
import { ErrorCode, OpPrereqError, QueryFilterParseError } from "../errors.js";

export type Filter = readonly unknown[];

export const OP_OR = "|";
export const OP_AND = "&";
export const OP_NOT = "!";
export const OP_TRUE = "?";
export const OP_EQUAL = "==";
export const OP_NOT_EQUAL = "!=";
export const OP_REGEXP = "=~";
export const OP_CONTAINS = "=[]";

/** An argument with one of these characters is taken as a filter (Ganeti's QLANG_FILTER_DETECTION_CHARS). */
const FILTER_DETECTION = /[!\s"'()/<=>\\~]/;
/** An argument with one of these is a globbing pattern (QLANG_GLOB_DETECTION_CHARS). */
const GLOB_DETECTION = /[*?]/;

const BINARY_OPS: Readonly<Record<string, string>> = { "==": OP_EQUAL, "=": OP_EQUAL, "!=": OP_NOT_EQUAL, "<": "<", "<=": "<=", ">": ">", ">=": ">=" };
const REGEXP_DELIMITERS = "/#^|";
const REGEXP_FLAGS = new Set(["s", "i"]);
const KEYWORDS = new Set(["not", "and", "or", "in"]);

/** Ganeti's utils.DnsNameGlobPattern: `*` and `?` stop at a dot; a match may go on with `.domain`. */
export function dnsNameGlobPattern(pattern: string): string {
  const body = pattern.replace(/\*|\?|[^*?]+/g, (t) => (t === "*" ? "[^.]*" : t === "?" ? "[^.]" : t.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&")));
  return `^${body}(\\..*)?$`;
}

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parse(): Filter {
    this.skipSpace();
    const f = this.expr();
    this.skipSpace();
    if (this.pos < this.text.length) this.fail("Expected end of text");
    return f;
  }

  private expr(): Filter {
    const terms = [this.term()];
    while (this.keyword("or")) terms.push(this.term());
    return terms.length === 1 ? terms[0]! : [OP_OR, ...terms];
  }

  private term(): Filter {
    const factors = [this.factor()];
    while (this.keyword("and")) factors.push(this.factor());
    return factors.length === 1 ? factors[0]! : [OP_AND, ...factors];
  }

  private factor(): Filter {
    const at = this.pos;
    if (this.keyword("not")) {
      // "not" before "in" belongs to a condition ('"x" not in tags' starts with a value, so
      // a leading "not" is always the operator).
      return [OP_NOT, this.factor()];
    }
    this.pos = at;
    this.skipSpace();
    if (this.text[this.pos] === "(") {
      this.pos++;
      const f = this.expr();
      this.skipSpace();
      if (this.text[this.pos] !== ")") this.fail('Expected ")"');
      this.pos++;
      return f;
    }
    return this.condition();
  }

  private condition(): Filter {
    this.skipSpace();
    const start = this.pos;
    const value = this.tryValue();
    if (value !== undefined) {
      // value [not] in field
      const negated = this.keyword("not");
      if (!this.keyword("in")) this.fail('Expected "in"');
      const field = this.field();
      const c: Filter = [OP_CONTAINS, field, value];
      return negated ? [OP_NOT, c] : c;
    }
    this.pos = start;
    const field = this.field();
    this.skipSpace();
    const op = this.operator();
    if (op === null) return [OP_TRUE, field];
    this.skipSpace();
    if (op === "=~" || op === "!~") {
      const c: Filter = [OP_REGEXP, field, this.regexp()];
      return op === "!~" ? [OP_NOT, c] : c;
    }
    if (op === "=*" || op === "!*") {
      const s = this.quoted();
      if (s === undefined) this.fail("Expected quoted string");
      const c: Filter = [OP_REGEXP, field, dnsNameGlobPattern(s)];
      return op === "!*" ? [OP_NOT, c] : c;
    }
    const v = this.tryValue();
    if (v === undefined) this.fail("Expected a number or a quoted string");
    return [BINARY_OPS[op]!, field, v];
  }

  /** The longest operator at this point, or null (a bare field is a boolean condition). */
  private operator(): string | null {
    for (const op of ["==", "=~", "=*", "!=", "!~", "!*", "<=", ">=", "=", "<", ">"]) {
      if (this.text.startsWith(op, this.pos)) {
        this.pos += op.length;
        return op;
      }
    }
    return null;
  }

  private field(): string {
    this.skipSpace();
    const m = /^[A-Za-z][A-Za-z0-9_/.]*/.exec(this.text.slice(this.pos));
    if (m === null || KEYWORDS.has(m[0])) this.fail("Expected field name");
    this.pos += m[0].length;
    return m[0];
  }

  private tryValue(): string | number | undefined {
    this.skipSpace();
    const m = /^[-+]?[0-9]+/.exec(this.text.slice(this.pos));
    if (m !== null) {
      this.pos += m[0].length;
      return Number.parseInt(m[0], 10);
    }
    return this.quoted();
  }

  /** pyparsing's quotedString with removeQuotes: the text between the quotes, escapes as written. */
  private quoted(): string | undefined {
    const m = /^"(?:[^"\n\r\\]|""|\\.)*"|^'(?:[^'\n\r\\]|''|\\.)*'/.exec(this.text.slice(this.pos));
    if (m === null) return undefined;
    this.pos += m[0].length;
    return m[0].slice(1, -1);
  }

  /** m/re/flags: Python's inline flags in front, as Ganeti builds them ("(?i)re"). */
  private regexp(): string {
    if (this.text[this.pos] === "m") this.pos++;
    const delim = this.text[this.pos];
    if (delim === undefined || !REGEXP_DELIMITERS.includes(delim)) this.fail("Expected regular expression");
    let body = "";
    let i = this.pos + 1;
    for (;; i++) {
      const ch = this.text[i];
      if (ch === undefined) this.fail("Unterminated regular expression");
      if (ch === delim) break;
      if (ch === "\\" && i + 1 < this.text.length) {
        // pyparsing's QuotedString(escChar="\\"): whitespace escapes become the character,
        // any other escaped character stands for itself (m/a\/b/ is "a/b").
        const next = this.text[++i]!;
        body += ({ t: "\t", n: "\n", f: "\f", r: "\r" } as Record<string, string>)[next] ?? next;
        continue;
      }
      body += ch;
    }
    this.pos = i + 1;
    const flags = /^[A-Za-z]*/.exec(this.text.slice(this.pos))![0];
    this.pos += flags.length;
    const unknown = [...flags].filter((f) => !REGEXP_FLAGS.has(f));
    if (unknown.length > 0) this.fail(`Unknown regular expression flags: '${unknown.join("")}'`);
    const re = (flags === "" ? "" : `(?${[...flags].sort().join("")})`) + body;
    try {
      toJsRegExp(re);
    } catch (e) {
      this.fail(`Invalid regular expression (${(e as Error).message})`);
    }
    return re;
  }

  private keyword(word: string): boolean {
    const at = this.pos;
    this.skipSpace();
    if (this.text.startsWith(word, this.pos) && !/[A-Za-z0-9_/.]/.test(this.text[this.pos + word.length] ?? "")) {
      this.pos += word.length;
      return true;
    }
    this.pos = at;
    return false;
  }

  private skipSpace(): void {
    while (/\s/.test(this.text[this.pos] ?? "")) this.pos++;
  }

  private fail(what: string): never {
    // Ganeti prints the filter, a caret under the column, and the parser's message.
    const col = this.pos + 1;
    const msg = `${what} (at char ${this.pos}), (line:1, col:${col})`;
    throw new QueryFilterParseError(`Failed to parse query filter '${this.text}': ${msg}`, [this.text, `${" ".repeat(col - 1)}^`, msg]);
  }
}

/** Ganeti's qlang.ParseFilter. */
export function parseFilter(text: string): Filter {
  return new Parser(text).parse();
}

/**
 * A regular expression of a filter as JavaScript runs it: Ganeti's filters carry Python's
 * inline flags in front ("(?i)^web"), which JavaScript takes as flags of the RegExp.
 */
export function toJsRegExp(re: string): RegExp {
  const m = /^\(\?([a-zA-Z]+)\)/.exec(re);
  if (m === null) return new RegExp(re);
  const flags = [...new Set(m[1]!)].filter((f) => f === "i" || f === "s" || f === "m").join("");
  return new RegExp(re.slice(m[0].length), flags);
}

/** Python's int() of a command-line argument, for the message Ganeti prints when it fails. */
function pythonInt(text: string): number {
  const t = text.trim();
  if (!/^[-+]?[0-9](?:_?[0-9])*$/.test(t)) throw new OpPrereqError(`Invalid job ID passed: invalid literal for int() with base 10: '${text}'`, ErrorCode.inval);
  return Number.parseInt(t.replaceAll("_", ""), 10);
}

/**
 * Ganeti's qlang.MakeFilter: the filter of a list command's arguments. One argument that
 * looks like a filter (or -F) is parsed as one; otherwise each argument is a name (a glob
 * when it has * or ?), or an ID when the name field is numeric (jobs).
 */
export function makeFilter(args: readonly string[], forceFilter: boolean, namefield = "name", numeric = false): Filter | null {
  if (forceFilter || (args.length === 1 && FILTER_DETECTION.test(args[0]!))) {
    if (args.length !== 1) throw new OpPrereqError("Exactly one argument must be given as a filter", ErrorCode.inval);
    return parseFilter(args[0]!);
  }
  if (args.length === 0) return null;
  return [OP_OR, ...args.map((a): Filter => numeric ? [OP_EQUAL, namefield, pythonInt(a)]
    : GLOB_DETECTION.test(a) ? [OP_REGEXP, namefield, dnsNameGlobPattern(a)]
    : [OP_EQUAL, namefield, a])];
}

/** Whether a list command's arguments are plain names (each must then exist). */
export function plainNames(args: readonly string[], forceFilter: boolean): boolean {
  return !forceFilter && !(args.length === 1 && FILTER_DETECTION.test(args[0]!)) && !args.some((a) => GLOB_DETECTION.test(a));
}
