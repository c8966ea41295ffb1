// Text formatting helpers reproducing the Haskell printf/show output Ganeti's tools use.

/** printf "%.Nf". */
export function fixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  return x.toFixed(digits);
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

/** Haskell printf "%.Ng" (as Ganeti's hbal uses for scores). */
export function generalG(x: number, prec: number): string {
  if (x === 0) return "0.0";
  const p = prec === 0 ? 1 : prec;
  const exp = Math.floor(Math.log10(Math.abs(x)));
  if (exp < -4 || exp >= p) {
    const e = x.toExponential(p - 1);
    const [mant, ex] = e.split("e") as [string, string];
    return `${mant}e${Number(ex)}`;
  }
  return x.toFixed(Math.max(0, p - 1 - exp));
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
