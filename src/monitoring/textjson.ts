// JSON read the way Ganeti's Haskell JSON library (Text.JSON) reads it, with its
// messages for malformed text, and the typed readers the data collectors apply to the
// pairing and instance files they are given ("Unable to read Int", "key 'x' not found").
import { showHsChar, showHsString } from "./parser.js";

export type JValue =
  | { readonly t: "null" }
  | { readonly t: "bool"; readonly v: boolean }
  | { readonly t: "num"; readonly v: number }
  | { readonly t: "str"; readonly v: string }
  | { readonly t: "arr"; readonly v: readonly JValue[] }
  | { readonly t: "obj"; readonly v: ReadonlyArray<readonly [string, JValue]> };

export type JResult<T> = { ok: true; value: T } | { ok: false; error: string };

class JsonError extends Error {}

const context = (s: string, i: number): string => s.slice(i, i + 8);
const isWs = (c: string | undefined): boolean => c !== undefined && /^[\s\u00a0]$/u.test(c);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";

class Reader {
  i = 0;
  constructor(readonly s: string) {}

  skipWs(): void {
    while (isWs(this.s[this.i])) this.i++;
  }

  value(): JValue {
    const s = this.s;
    const c = s[this.i];
    if (c === '"') return { t: "str", v: this.string() };
    if (c === "[") return { t: "arr", v: this.sequence() };
    if (c === "{") return { t: "obj", v: this.object() };
    if (c === "t" || c === "f") {
      if (s.startsWith("true", this.i)) return this.advance(4, { t: "bool", v: true });
      if (s.startsWith("false", this.i)) return this.advance(5, { t: "bool", v: false });
      throw new JsonError(`Unable to parse JSON Bool: ${context(s, this.i)}`);
    }
    if (isDigit(c) || c === "-") return { t: "num", v: this.number() };
    if (s.startsWith("null", this.i)) return this.advance(4, { t: "null" });
    throw new JsonError(`Malformed JSON: invalid token in this context ${context(s, this.i)}`);
  }

  advance<T>(n: number, v: T): T {
    this.i += n;
    return v;
  }

  string(): string {
    const s = this.s;
    if (s[this.i] !== '"') throw new JsonError(`Malformed JSON: expecting string: ${context(s, this.i)}`);
    this.i++;
    let out = "";
    for (;;) {
      const c = s[this.i];
      if (c === undefined) throw new JsonError(`Unable to parse JSON String: unterminated String: ${context(s, this.i)}`);
      if (c === '"') {
        this.i++;
        return out;
      }
      if (c === "\\" && this.i + 1 < s.length) {
        const e = s[this.i + 1]!;
        this.i += 2;
        const simple: Record<string, string> = { "\\": "\\", '"': '"', n: "\n", r: "\r", t: "\t", f: "\f", b: "\b", "/": "/" };
        if (simple[e] !== undefined) out += simple[e];
        else if (e === "u") {
          const hex = s.slice(this.i, this.i + 4);
          if (hex.length < 4) throw new JsonError(`Unable to parse JSON String: invalid hex: ${context(s, this.i)}`);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            // Haskell's readHex of the four characters, shown: [] or [(n,"rest")].
            const digits = /^[0-9a-fA-F]*/.exec(hex)![0];
            const shown = digits === "" ? "[]" : `[(${parseInt(digits, 16)},${showHsString(hex.slice(digits.length))})]`;
            throw new JsonError(`Unable to parse JSON String: invalid hex: ${context(shown, 0)}`);
          }
          out += String.fromCharCode(parseInt(hex, 16));
          this.i += 4;
        } else throw new JsonError(`Unable to parse JSON String: invalid escape char: ${showHsChar(e)}`);
        continue;
      }
      if (c < " ") throw new JsonError(`Illegal unescaped character in string: ${context(s, this.i)}`);
      out += c;
      this.i++;
    }
  }

  number(): number {
    const s = this.s;
    const m = /^-?(0|[1-9][0-9]*)?(\.[0-9]*)?([eE][-+]?[0-9]+)?/.exec(s.slice(this.i))!;
    const neg = s[this.i] === "-";
    const first = s[this.i + (neg ? 1 : 0)];
    if (!isDigit(first)) throw new JsonError(`Unable to parse JSON Rational: ${context(s, this.i + (neg ? 2 : 1))}`);
    this.i += m[0].length;
    return Number(m[0].replace(/\.(?=$|[eE])/, ""));
  }

  sequence(): JValue[] {
    const s = this.s;
    this.i++;
    this.skipWs();
    if (s[this.i] === "]") {
      this.i++;
      this.skipWs();
      return [];
    }
    const out: JValue[] = [];
    for (;;) {
      out.push(this.value());
      const at = this.i;
      this.skipWs();
      const c = s[this.i];
      if (c === "," || c === "]") {
        this.i++;
        this.skipWs();
        if (c === "]") return out;
        continue;
      }
      throw new JsonError(`Unable to parse JSON array: unterminated array: ${context(s, at)}`);
    }
  }

  object(): [string, JValue][] {
    const s = this.s;
    this.i++;
    this.skipWs();
    if (s[this.i] === "}") {
      this.i++;
      this.skipWs();
      return [];
    }
    const out: [string, JValue][] = [];
    for (;;) {
      const k = this.string();
      const afterKey = this.i;
      this.skipWs();
      if (s[this.i] !== ":") throw new JsonError(`Malformed JSON labelled field: ${context(s, afterKey)}`);
      this.i++;
      this.skipWs();
      out.push([k, this.value()]);
      const at = this.i;
      this.skipWs();
      const c = s[this.i];
      if (c === "," || c === "}") {
        this.i++;
        this.skipWs();
        if (c === "}") return out;
        continue;
      }
      throw new JsonError(`Unable to parse JSON object: unterminated sequence: ${context(s, at)}`);
    }
  }
}

/** Parses a whole text (no leading white space allowed, as in Text.JSON). */
export function decodeJson(text: string): JResult<JValue> {
  const r = new Reader(text);
  try {
    const v = r.value();
    if (r.i < text.length) {
      return { ok: false, error: `Invalid tokens at end of JSON string: ${showHsString(context(text, r.i))}` };
    }
    return { ok: true, value: v };
  } catch (e) {
    if (e instanceof JsonError) return { ok: false, error: e.message };
    throw e;
  }
}

/** Text.JSON's decodeStrict: the top level must be an array or an object. */
export function decodeJsonStrict(text: string): JResult<JValue> {
  if (text[0] !== "[" && text[0] !== "{") {
    return { ok: false, error: "Invalid JSON: a JSON text a serialized object or array at the top level." };
  }
  return decodeJson(text);
}

/** A number as the exact fraction Haskell reads from its decimal text: "n % d". */
export function showRational(x: number): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([-+]\d+))?$/.exec(String(x));
  if (m === null) return String(x);
  let num = BigInt(m[2]! + (m[3] ?? ""));
  let den = 10n ** BigInt((m[3] ?? "").length);
  const e = Number(m[4] ?? 0);
  if (e > 0) num *= 10n ** BigInt(e);
  else den *= 10n ** BigInt(-e);
  const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));
  const g = gcd(num, den) || 1n;
  return `${m[1]}${num / g} % ${den / g}`;
}

/** Haskell's derived `show` of a Text.JSON value (as Ganeti's messages quote it). */
export function showJValue(v: JValue): string {
  switch (v.t) {
    case "null":
      return "JSNull";
    case "bool":
      return `JSBool ${v.v ? "True" : "False"}`;
    case "num":
      return `JSRational False (${showRational(v.v)})`;
    case "str":
      return `JSString (JSONString {fromJSString = ${showHsString(v.v)}})`;
    case "arr":
      return `JSArray [${v.v.map(showJValue).join(",")}]`;
    case "obj":
      return `JSObject (JSONObject {fromJSObject = [${v.v.map(([k, x]) => `(${showHsString(k)},${showJValue(x)})`).join(",")}]})`;
  }
}

// ---- typed readers (Text.JSON's readJSON messages) ----

export class ReadError extends Error {}

export function readList(v: JValue): readonly JValue[] {
  if (v.t !== "arr") throw new ReadError("Unable to read list");
  return v.v;
}
export function readString(v: JValue): string {
  if (v.t !== "str") throw new ReadError("Unable to read String");
  return v.v;
}
export function readInt(v: JValue): number {
  if (v.t !== "num") throw new ReadError("Unable to read Int");
  return Math.round(v.v);
}
export function readPair(v: JValue): readonly [JValue, JValue] {
  if (v.t !== "arr" || v.v.length !== 2) throw new ReadError("Unable to read Pair");
  return [v.v[0]!, v.v[1]!];
}
export function readObject(v: JValue): ReadonlyMap<string, JValue> {
  if (v.t !== "obj") throw new ReadError("Unable to read JSObject");
  return new Map(v.v);
}
/** A mandatory field of a Ganeti object. */
export function field(o: ReadonlyMap<string, JValue>, key: string): JValue {
  const v = o.get(key);
  if (v === undefined) {
    throw new ReadError(`key '${key}' not found, object contains only [${[...o.keys()].map((k) => JSON.stringify(k)).join(",")}]`);
  }
  return v;
}

export function decodeWith<T>(text: string, read: (v: JValue) => T): JResult<T> {
  const d = decodeJson(text);
  if (!d.ok) return d;
  try {
    return { ok: true, value: read(d.value) };
  } catch (e) {
    if (e instanceof ReadError) return { ok: false, error: e.message };
    throw e;
  }
}
