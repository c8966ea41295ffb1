// A small backtracking parser library with the failure behaviour of the attoparsec
// parsers Ganeti's data collectors are written with, so that bad input is reported the
// way mon-collector reports it: the text left at the point of failure, the labels
// ("contexts") around the failing parser, and its message. Alternatives always
// backtrack; when all fail, the last one's failure is reported. The input is complete
// (there is never more to come), so running out of it fails with "not enough input".

export type Res<T> =
  | { readonly ok: true; readonly value: T; readonly pos: number }
  | { readonly ok: false; readonly pos: number; readonly ctx: readonly string[]; readonly msg: string };

export type Parser<T> = (s: string, pos: number) => Res<T>;

type Fail = Extract<Res<unknown>, { ok: false }>;

const ASCII_NAMES = [
  "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "a", "b", "t", "n", "v", "f", "r", "SO", "SI",
  "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC", "FS", "GS", "RS", "US",
];

/** One character escaped as in Haskell's showLitChar (next: the following character,
 * for the "\&" that keeps an escape from running into it). */
function litChar(c: string, next: string | undefined): string {
  const code = c.codePointAt(0)!;
  if (code > 127) return `\\${code}` + (next !== undefined && isDigit(next) ? "\\&" : "");
  if (code === 127) return "\\DEL";
  if (c === "\\") return "\\\\";
  if (code >= 32) return c;
  const esc = `\\${ASCII_NAMES[code]!}`;
  return esc + (c === "\x0e" && next === "H" ? "\\&" : "");
}

/** Haskell's `show` of a String. */
export function showHsString(s: string): string {
  const cs = [...s];
  return `"${cs.map((c, i) => (c === '"' ? '\\"' : litChar(c, cs[i + 1]))).join("")}"`;
}

/** Haskell's `show` of a Char. */
export function showHsChar(c: string): string {
  return c === "'" ? "'\\''" : `'${litChar(c, undefined)}'`;
}

const NOT_ENOUGH = "not enough input";

function done<T>(value: T, pos: number): Res<T> {
  return { ok: true, value, pos };
}
function lose(pos: number, msg: string): Fail {
  return { ok: false, pos, ctx: [], msg };
}

/** `fail m`: "Failed reading: m" where it stands. */
export function fail<T = never>(m: string): Parser<T> {
  return (_s, pos) => lose(pos, `Failed reading: ${m}`);
}

export function pure<T>(v: T): Parser<T> {
  return (_s, pos) => done(v, pos);
}

export function map<A, B>(p: Parser<A>, f: (a: A) => B): Parser<B> {
  return (s, pos) => {
    const r = p(s, pos);
    return r.ok ? done(f(r.value), r.pos) : r;
  };
}

/** Runs p then q on what p left, keeping q's value (`p *> q`). */
export function then<A, B>(p: Parser<A>, q: Parser<B>): Parser<B> {
  return (s, pos) => {
    const r = p(s, pos);
    return r.ok ? q(s, r.pos) : r;
  };
}

/** Runs p then q, keeping p's value (`p <* q`). */
export function before<A, B>(p: Parser<A>, q: Parser<B>): Parser<A> {
  return (s, pos) => {
    const r = p(s, pos);
    if (!r.ok) return r;
    const r2 = q(s, r.pos);
    return r2.ok ? done(r.value, r2.pos) : r2;
  };
}

/** Monadic bind: the next parser chosen from the value of the first. */
export function bind<A, B>(p: Parser<A>, f: (a: A) => Parser<B>): Parser<B> {
  return (s, pos) => {
    const r = p(s, pos);
    return r.ok ? f(r.value)(s, r.pos) : r;
  };
}

type Values<T extends readonly Parser<unknown>[]> = { -readonly [K in keyof T]: T[K] extends Parser<infer V> ? V : never };

/** The parsers in sequence, all their values. */
export function seq<T extends readonly Parser<unknown>[]>(...ps: T): Parser<Values<T>> {
  return (s, pos) => {
    const out: unknown[] = [];
    let at = pos;
    for (const p of ps) {
      const r = p(s, at);
      if (!r.ok) return r;
      out.push(r.value);
      at = r.pos;
    }
    return done(out as Values<T>, at);
  };
}

/** Tries each alternative from the same place; the last failure is the one reported. */
export function alt<T>(...ps: readonly Parser<T>[]): Parser<T> {
  return (s, pos) => {
    let last: Res<T> = lose(pos, "empty");
    for (const p of ps) {
      last = p(s, pos);
      if (last.ok) return last;
    }
    return last;
  };
}

/** `p <?> name`: name is added to the failure's contexts, outermost first. */
export function label<T>(p: Parser<T>, name: string): Parser<T> {
  return (s, pos) => {
    const r = p(s, pos);
    return r.ok ? r : { ...r, ctx: [name, ...r.ctx] };
  };
}

/** Never fails: the value, or null where p does not parse (nothing consumed then). */
export function optional<T>(p: Parser<T>): Parser<T | null> {
  return (s, pos) => {
    const r = p(s, pos);
    return r.ok ? r : done(null, pos);
  };
}

/** p repeated until end parses (end is tried first); a failure of p is the result. */
export function manyTill<T>(p: Parser<T>, end: Parser<unknown>): Parser<T[]> {
  return (s, pos) => {
    const out: T[] = [];
    let at = pos;
    for (;;) {
      const e = end(s, at);
      if (e.ok) return done(out, e.pos);
      const r = p(s, at);
      if (!r.ok) return r;
      out.push(r.value);
      at = r.pos;
    }
  };
}

export function many<T>(p: Parser<T>): Parser<T[]> {
  return (s, pos) => {
    const out: T[] = [];
    let at = pos;
    for (;;) {
      const r = p(s, at);
      if (!r.ok || r.pos === at) return done(out, at);
      out.push(r.value);
      at = r.pos;
    }
  };
}

export function skipMany1<T>(p: Parser<T>): Parser<null> {
  return map(seq(p, many(p)), () => null);
}

export function count<T>(n: number, p: Parser<T>): Parser<T[]> {
  return seq(...Array.from({ length: n }, () => p)) as Parser<T[]>;
}

export function satisfy(pred: (c: string) => boolean): Parser<string> {
  return (s, pos) => {
    if (pos >= s.length) return lose(pos, NOT_ENOUGH);
    const c = s[pos]!;
    return pred(c) ? done(c, pos + 1) : lose(pos, "Failed reading: satisfy");
  };
}

export const anyChar: Parser<string> = satisfy(() => true);

/** A given character (labelled with its Haskell rendering, as attoparsec's `char` is). */
export function char(c: string): Parser<string> {
  return label(satisfy((x) => x === c), showHsChar(c));
}

export const isDigit = (c: string): boolean => c >= "0" && c <= "9";
export const isHorizontalSpace = (c: string): boolean => c === " " || c === "\t";
export const isEndOfLine = (c: string): boolean => c === "\n" || c === "\r";
export const isSpace = (c: string): boolean => /^[\s\u00a0]$/u.test(c) && c !== "\ufeff";

export const digit: Parser<string> = label(satisfy(isDigit), "digit");
export const space: Parser<string> = satisfy(isSpace);

/** A literal string: "string" when it differs, "not enough input" when the input stops short. */
export function string(lit: string): Parser<string> {
  return (s, pos) => {
    if (s.startsWith(lit, pos)) return done(lit, pos + lit.length);
    const rest = s.slice(pos, pos + lit.length);
    if (rest.length < lit.length && lit.startsWith(rest) && (rest.length > 0 || lit.length > 0)) return lose(pos, NOT_ENOUGH);
    return lose(pos, "string");
  };
}

export function takeWhile(pred: (c: string) => boolean): Parser<string> {
  return (s, pos) => {
    let i = pos;
    while (i < s.length && pred(s[i]!)) i++;
    return done(s.slice(pos, i), i);
  };
}

export function takeTill(pred: (c: string) => boolean): Parser<string> {
  return takeWhile((c) => !pred(c));
}

export function skipWhile(pred: (c: string) => boolean): Parser<null> {
  return map(takeWhile(pred), () => null);
}

export function takeWhile1(pred: (c: string) => boolean): Parser<string> {
  return (s, pos) => {
    if (pos >= s.length) return lose(pos, NOT_ENOUGH);
    let i = pos;
    while (i < s.length && pred(s[i]!)) i++;
    return i === pos ? lose(pos, "Failed reading: takeWhile1") : done(s.slice(pos, i), i);
  };
}

/** Unsigned decimal digits. */
export const decimal: Parser<number> = map(takeWhile1(isDigit), Number);

export function signed(p: Parser<number>): Parser<number> {
  return alt(
    map(then(char("-"), p), (n) => -n),
    then(char("+"), p),
    p,
  );
}

/** A floating point number: optional sign, digits, optional fraction and exponent. */
export const double: Parser<number> = (s, pos) => {
  if (pos >= s.length) return lose(pos, NOT_ENOUGH);
  let at = pos;
  if (s[at] === "+" || s[at] === "-") at++;
  const int = decimal(s, at);
  if (!int.ok) return int;
  at = int.pos;
  if (s[at] === ".") {
    at++;
    while (at < s.length && isDigit(s[at]!)) at++;
  }
  if (s[at] === "e" || s[at] === "E") {
    const ex = signed(decimal)(s, at + 1);
    if (ex.ok) at = ex.pos;
  }
  return done(Number(s.slice(pos, at).replace(/\.(?=$|[eE])/, "")), at);
};

export const endOfInput: Parser<null> = (s, pos) => (pos < s.length ? lose(pos, "endOfInput") : done(null, pos));

export const endOfLine: Parser<null> = alt(
  map(char("\n"), () => null),
  map(string("\r\n"), () => null),
);

/** What attoparsec's Fail shows: the unparsed text (its first `chars` characters, as
 * Haskell's `show` writes a string), the contexts as a Haskell list, the message. */
export function describeFailure(s: string, f: Fail, chars = 80 * 20): string {
  return `${showHsString(s.slice(f.pos, f.pos + chars))}\n[${f.ctx.map(showHsString).join(",")}]\n${f.msg}`;
}

export function parseAll<T>(p: Parser<T>, s: string): { ok: true; value: T } | { ok: false; error: string } {
  const r = p(s, 0);
  return r.ok ? { ok: true, value: r.value } : { ok: false, error: describeFailure(s, r) };
}
