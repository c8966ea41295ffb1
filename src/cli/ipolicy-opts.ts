// The --ipolicy-* options of gnt-cluster init/modify and gnt-group add/modify (Ganeti's
// CreateIPolicyFromOpts): the opcode's ipolicy dictionary.
import { parseKeyVal, type Options } from "./framework.js";
import { OpPrereqError, ErrorCode } from "../errors.js";

export const IPOLICY_OPTIONS = {
  "ipolicy-vcpu-ratio": { type: "string", help: "The maximum allowed vcpu-to-cpu ratio" },
  "ipolicy-spindle-ratio": { type: "string", help: "The maximum allowed instances to spindle ratio" },
  "ipolicy-disk-templates": { type: "string", help: "Comma-separated list of enabled disk templates" },
  "ipolicy-bounds-specs": { type: "string", help: "Instance specs bounds: min:k=v,.../max:k=v,...[//min:.../max:...]" },
} as const;

/** The ipolicy the options ask for, or undefined when none is given. */
export function ipolicyFromOptions(o: Options): Record<string, unknown> | undefined {
  const ipolicy: Record<string, unknown> = {};
  for (const [opt, key] of [["ipolicy-vcpu-ratio", "vcpu-ratio"], ["ipolicy-spindle-ratio", "spindle-ratio"]] as const) {
    if (typeof o[opt] !== "string") continue;
    const v = Number(o[opt]);
    if (!Number.isFinite(v) || v <= 0) throw new OpPrereqError(`Invalid value for --${opt}: ${String(o[opt])}`, ErrorCode.inval);
    ipolicy[key] = v;
  }
  if (typeof o["ipolicy-disk-templates"] === "string") {
    ipolicy["disk-templates"] = o["ipolicy-disk-templates"].split(",").filter((s) => s !== "");
  }
  if (typeof o["ipolicy-bounds-specs"] === "string") ipolicy["minmax"] = parseBoundsSpecs(o["ipolicy-bounds-specs"]);
  return Object.keys(ipolicy).length > 0 ? ipolicy : undefined;
}

/** Ganeti's --ipolicy-bounds-specs: "min:k=v,.../max:k=v,..." pairs separated by "//". */
export function parseBoundsSpecs(text: string): Array<{ min: Record<string, number>; max: Record<string, number> }> {
  return text.split("//").map((pair) => {
    const out: Record<string, Record<string, number>> = {};
    for (const part of pair.split("/")) {
      const colon = part.indexOf(":");
      const which = part.slice(0, colon);
      if (colon < 0 || (which !== "min" && which !== "max")) throw new OpPrereqError(`Invalid instance specs bounds '${pair}'`, ErrorCode.inval);
      out[which] = Object.fromEntries(Object.entries(parseKeyVal(part.slice(colon + 1), "ipolicy")).map(([k, v]) => {
        const n = typeof v === "number" ? v : parseUnitValue(String(v));
        return [k, n];
      }));
    }
    if (out["min"] === undefined || out["max"] === undefined) throw new OpPrereqError(`Instance specs bounds need min and max: '${pair}'`, ErrorCode.inval);
    return { min: out["min"], max: out["max"] };
  });
}

function parseUnitValue(v: string): number {
  const m = /^(\d+)([mgt]?)$/i.exec(v);
  if (m === null) throw new OpPrereqError(`Invalid value '${v}' in instance specs`, ErrorCode.inval);
  return Number(m[1]) * ({ "": 1, m: 1, g: 1024, t: 1048576 }[(m[2] ?? "").toLowerCase()] ?? 1);
}

/** Ganeti's PrintIPolicyCommand: the --ipolicy-std-specs/--ipolicy-bounds-specs options that recreate a policy's specs. */
export function ipolicyCommand(ipolicy: Readonly<Record<string, unknown>>, isGroup: boolean): string {
  type Specs = Readonly<Record<string, unknown>>;
  const specs = (x: Specs): string => Object.keys(x).sort().map((k) => `${k}=${String(x[k])}`).join(",");
  let buf = "";
  const std = ipolicy["std"] as Specs | undefined;
  if (!isGroup && std !== undefined && Object.keys(std).length > 0) buf += ` --ipolicy-std-specs ${specs(std)}`;
  let first = true;
  for (const mm of (ipolicy["minmax"] ?? []) as ReadonlyArray<Readonly<Record<string, Specs>>>) {
    const [min, max] = [mm["min"], mm["max"]];
    if (min === undefined || max === undefined || Object.keys(min).length === 0 || Object.keys(max).length === 0) continue;
    buf += first ? " --ipolicy-bounds-specs " : "//";
    first = false;
    buf += `min:${specs(min)}/max:${specs(max)}`;
  }
  return buf;
}
