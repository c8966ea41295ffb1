// Text formatting helpers reproducing the Haskell printf/show output Ganeti's tools use.

/** printf "%.Nf" as Haskell does it: from the shortest decimal digits of x,
 * rounded half to even (so 0.125 gives "0.12", not JavaScript's "0.13"). */
export function fixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  const neg = x < 0 || Object.is(x, -0);
  const [mant, expS] = Math.abs(x).toExponential().split("e") as [string, string];
  const ds = mant.replace(".", "").split("").map(Number);
  const e = Number(expS);
  // value = 0.d1d2d3... * 10^(e+1); build integer digits scaled by 10^digits
  const point = e + 1 + digits; // number of digits kept before rounding
  let kept: number[];
  if (point <= 0) {
    kept = [];
  } else {
    kept = ds.slice(0, point);
    while (kept.length < point) kept.push(0);
  }
  const rest = point >= 0 ? ds.slice(Math.max(point, 0)) : [...new Array<number>(-point).fill(0), ...ds];
  const first = rest[0] ?? 0;
  const tailNonZero = rest.slice(1).some((d) => d !== 0);
  const lastEven = ((kept[kept.length - 1] ?? 0) % 2) === 0;
  const roundUp = first > 5 || (first === 5 && (tailNonZero || !lastEven));
  if (roundUp) {
    let k = kept.length - 1;
    for (; k >= 0; k--) {
      if (kept[k]! < 9) {
        kept[k]!++;
        break;
      }
      kept[k] = 0;
    }
    if (k < 0) kept.unshift(1);
  }
  while (kept.length < digits + 1) kept.unshift(0);
  const intPart = kept.slice(0, kept.length - digits).join("").replace(/^0+(?=\d)/, "");
  const frac = kept.slice(kept.length - digits).join("");
  const body = digits > 0 ? `${intPart}.${frac}` : intPart;
  return neg && /[1-9]/.test(body) ? "-" + body : body;
}

/** Right-justify to `width` (printf "%Nd" / "%N.Mf" width). */
export function padL(s: string, width: number): string {
  return s.length >= width ? s : " ".repeat(width - s.length) + s;
}
export function padR(s: string, width: number): string {
  return s.length >= width ? s : s + " ".repeat(width - s.length);
}

/** Haskell's `show` for a Double (shortest round-trip digits, Haskell layout). */
export function showDouble(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (x < 0 || Object.is(x, -0)) return "-" + showDouble(-x);
  if (x === 0) return "0.0";
  if (x >= 0.1 && x < 1e7) {
    const s = String(x);
    return s.includes(".") ? s : s + ".0";
  }
  // exponent form: d.ddde<n>
  const e = x.toExponential(); // like 1.5e-7 or 1e+21
  const [mant, exp] = e.split("e") as [string, string];
  const m = mant.includes(".") ? mant : mant + ".0";
  return `${m}e${Number(exp)}`;
}

/** Haskell printf "%.Ng": fixed notation with N decimals when 0.1 <= |x| < 10^7
 * (or x is 0), else d.<N digits>e<exp>, as the messages of Ganeti's hbal show. */
export function generalG(x: number, prec: number): string {
  if (x === 0 || !Number.isFinite(x)) return fixed(x, prec);
  const ax = Math.abs(x);
  const e = Math.floor(Math.log10(ax)) + 1; // x = 0.d1d2.. * 10^e
  if (e < 0 || e > 7) {
    let [mant, ex] = ax.toExponential(prec).split("e") as [string, string];
    if (!mant.includes(".") && prec > 0) mant += "." + "0".repeat(prec);
    return `${x < 0 ? "-" : ""}${mant}e${Number(ex)}`;
  }
  return fixed(x, prec);
}

/** Ganeti's formatTable + printTable: columns padded, numeric ones right-aligned. */
export function printTable(
  prefix: string,
  header: readonly string[],
  rows: readonly (readonly string[])[],
  isNum: readonly boolean[],
): string {
  const all = [header, ...rows];
  const ncol = header.length;
  const widths: number[] = [];
  for (let c = 0; c < ncol; c++) {
    let w = 0;
    for (const r of all) w = Math.max(w, (r[c] ?? "").length);
    widths.push(w);
  }
  let out = "";
  for (const r of all) {
    const cells: string[] = [];
    for (let c = 0; c < ncol; c++) {
      const v = r[c] ?? "";
      cells.push((isNum[c] ?? true) ? padL(v, widths[c]!) : padR(v, widths[c]!));
    }
    out += prefix + " " + cells.join(" ") + "\n";
  }
  return out;
}
