// The simulation backend (Ganeti's Backend/Simu.hs): empty clusters described as
// "policy,nodes,disk,memory,cpus[,spindles[,exclusive storage]]", one per group.
import * as C from "./container.js";
import { createGroup } from "./group.js";
import type { Group } from "./group.js";
import type { ClusterData } from "./loader.js";
import * as N from "./node.js";
import type { Node } from "./node.js";
import { type AllocPolicy, DEF_IPOLICY, type Result, bad, ok } from "./types.js";

/** Ganeti's parseUnit: an integer with an optional unit, in MiB (SI units decimal). */
export function parseUnit(s: string): Result<number> {
  const m = /^\s*(-?\d+)(.*)$/s.exec(s);
  if (m === null) return bad(`Can't parse string '${s}'`);
  const v = Number(m[1]);
  const unit = m[2]!.replace(/^ */, "");
  const up = unit.toUpperCase();
  const dec = (1000 / 1024) * (1000 / 1024);
  let scale: number;
  if (unit === "") scale = 1;
  else if (unit === "m" || up === "MIB") scale = 1;
  else if (unit === "g" || up === "GIB") scale = 1024;
  else if (unit === "t" || up === "TIB") scale = 1024 * 1024;
  else if (unit === "M" || up === "MB") scale = dec;
  else if (unit === "G" || up === "GB") scale = dec * 1000;
  else if (unit === "T" || up === "TB") scale = dec * 1000 * 1000;
  else return bad(`Unknown unit '${unit}'`);
  // Ganeti multiplies exact rationals: v * (1000/1024)^2 * 1000^k is exact here in
  // integers: v * 1000^(k+2) / 1024^2.
  if (scale === 1 || scale === 1024 || scale === 1024 * 1024) return ok(v * scale);
  const k = up.startsWith("T") ? 2 : up.startsWith("G") ? 1 : 0;
  const num = BigInt(v) * 1000n ** BigInt(k + 2);
  const q = num / 1048576n; // BigInt division truncates toward zero, as Haskell's truncate
  return ok(Number(q));
}

/** Ganeti's tryRead for Int: the whole string (leading/trailing spaces allowed). */
function readInt(name: string, s: string): Result<number> {
  if (/^\s*-?\d+\s*$/.test(s)) return ok(Number(s));
  return bad(`${name}: cannot parse string '${s}'`);
}

function readBool(name: string, s: string): Result<boolean> {
  const t = s.trim();
  if (t === "True") return ok(true);
  if (t === "False") return ok(false);
  return bad(`${name}: cannot parse string '${s}'`);
}

const APOL: Record<string, AllocPolicy> = {
  preferred: "preferred", last_resort: "last_resort", unallocable: "unallocable", p: "preferred", a: "last_resort", u: "unallocable",
};

interface Desc {
  apol: AllocPolicy; count: number; disk: number; mem: number; cpu: number; spindles: number; excl: boolean;
}

function parseDesc(desc: string, es: readonly string[]): Result<Desc> {
  if (es.length === 5) return parseDesc(desc, [...es, "1"]);
  if (es.length === 6) return parseDesc(desc, [...es, "False"]);
  if (es.length !== 7) {
    return bad(
      "Invalid cluster specification, expected 6 comma-separated sections (allocation policy, node count, disk size," +
        ` memory size, number of CPUs, spindles) but got ${es.length}: '${desc}'`,
    );
  }
  const apol = APOL[es[0]!];
  if (apol === undefined) return bad(`Cannot parse AllocPolicy abbreviation '${es[0]}'`);
  const count = readInt("node count", es[1]!);
  if (!count.ok) return count;
  const disk = parseUnit(es[2]!);
  if (!disk.ok) return bad(`disk size: ${disk.error}`);
  const mem = parseUnit(es[3]!);
  if (!mem.ok) return bad(`memory size: ${mem.error}`);
  const cpu = readInt("cpu count", es[4]!);
  if (!cpu.ok) return cpu;
  const sp = readInt("spindles", es[5]!);
  if (!sp.ok) return sp;
  const ex = readBool("exclusive storage", es[6]!);
  if (!ex.ok) return ex;
  return ok({ apol, count: count.value, disk: disk.value, mem: mem.value, cpu: cpu.value, spindles: sp.value, excl: ex.value });
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, "0");
}

/** Ganeti's Simu.parseData: groups (and nodes) are numbered from 1. */
export function parseSimu(specs: readonly string[]): Result<ClusterData> {
  const groups: Group[] = [];
  const nodes: Node[] = [];
  for (let g = 1; g <= specs.length; g++) {
    const spec = specs[g - 1]!;
    const d = parseDesc(spec, spec.split(","));
    if (!d.ok) return d;
    const { apol, count, disk, mem, cpu, spindles, excl } = d.value;
    for (let i = 1; i <= count; i++) {
      let n = N.createNode({
        name: `node-${pad(g, 2)}-${pad(i, 3)}`, tMem: mem, nMem: 0, fMem: mem, tDsk: disk, fDsk: disk, tCpu: cpu, nCpu: 1,
        offline: false, tSpindles: spindles, fSpindles: 0, group: g, exclStorage: excl,
      });
      n = N.setMaster(n, g === 1 && i === 1);
      nodes.push(n);
    }
    groups.push({ ...createGroup(`group-${pad(g, 2)}`, `fake-uuid-${pad(g, 2)}`, apol, [], [], DEF_IPOLICY), idx: g });
  }
  const nl = C.fromList(nodes.map((n, k) => N.setIdx(n, k + 1)));
  return ok({ groups: C.fromList(groups), nodes: nl, instances: [], tags: [], ipolicy: DEF_IPOLICY });
}
