// hspace: cluster capacity estimation (Ganeti 3.0's options and output); text (-t)
// and simulation (--simulate) backends.
import { writeFileSync } from "node:fs";
import { type AllocNodes, type AllocOptions, FAIL_MODES, genAllocNodes } from "../htools/alloc.js";
import { allocGlobalN1, redundantGrp } from "../htools/capacity.js";
import { computeBadItems } from "../htools/cluster.js";
import { printNodes } from "../htools/cluster-output.js";
import * as C from "../htools/container.js";
import type { Container } from "../htools/container.js";
import { fixed, padL, printTable, showDouble } from "../htools/format.js";
import { isAllocable } from "../htools/group.js";
import type { Group } from "../htools/group.js";
import {
  type AllocResult, type CStats, type IterCtx, type RSpec, computeAllocationDelta, instFromSpec, iterateAlloc,
  requiredNodes, sameSpec, specOf, tieredAlloc, totalResources,
} from "../htools/hspace-alloc.js";
import type { Instance } from "../htools/instance.js";
import { getTotalSpindles } from "../htools/instance.js";
import { type ClusterData, commonSuffix } from "../htools/loader.js";
import { compCV, printStats } from "../htools/metrics.js";
import type { Node } from "../htools/node.js";
import { parseUnit } from "../htools/simu.js";
import { serializeCluster } from "../htools/text.js";
import { DISK_TEMPLATES, type DiskTemplate, type FailMode } from "../htools/types.js";
import {
  COMMON_SPECS as S, HELP_SPECS, type Out, applyNodeStatus, commonOpts, emit, exitErr, has, last, loadExternalData, numOpt, runMain,
} from "./common.js";
import { type OptSpec, UsageError } from "./options.js";
import { type Preloaded, preload } from "./luxi.js";

const X = {
  diskTemplate: { long: "disk-template", arg: "req", argName: "TEMPLATE", help: "select the desired disk template" },
  spindleUse: { long: "spindle-use", arg: "req", argName: "SPINDLES", help: "select how many virtual spindle instances use [default read from cluster]" },
  simulate: { long: "simulate", arg: "req", argName: "SPEC", help: "simulate an empty cluster, given as 'alloc_policy,num_nodes,disk,ram,cpu'" },
  indepGroups: { long: "independent-groups", arg: "none", help: "Consider groups independently" },
  acceptExisting: { long: "accept-existing-errors", arg: "none", help: "Accept existing N+1 violations; just don't add new ones" },
  noCapacity: { long: "no-capacity-checks", arg: "none", help: "disable capacity checks (like global N+1 redundancy)" },
  stdSpec: { long: "standard-alloc", arg: "req", argName: "STDSPEC", help: "enable standard specs allocation, given as 'disk,ram,cpu'" },
  tieredSpec: { long: "tiered-alloc", arg: "req", argName: "TSPEC", help: "enable tiered specs allocation, given as 'disk,ram,cpu'" },
  save: { short: "S", long: "save", arg: "req", argName: "FILE", help: "Save cluster state at the end of the processing to FILE" },
} satisfies Record<string, OptSpec>;

export const HSPACE_SPECS: readonly OptSpec[] = [
  S.printNodes!, S.textData!, X.diskTemplate, X.spindleUse, X.simulate, S.master!, S.luxi!, S.iallocSrc!, S.verbose!,
  S.quiet!, X.indepGroups, X.acceptExisting, S.offline!, X.noCapacity, S.machineReadable!, S.maxCpu!, S.maxLength!,
  S.minDisk!, X.stdSpec, X.tieredSpec, X.save, S.staticKvm!, ...HELP_SPECS,
];

/** Ganeti's parseISpecString ("disk,ram,cpu[,spindles]"). */
export function parseISpecString(descr: string, inp: string): RSpec {
  const sp = inp.split(",");
  const err = `Invalid ${descr} specification: '${inp}', expected disk,ram,cpu`;
  if (sp.length < 3 || sp.length > 4) throw new UsageError(err);
  const dsk = parseUnit(sp[0]!);
  if (!dsk.ok) throw new UsageError(`${descr} specs disk: ${dsk.error}`);
  const mem = parseUnit(sp[1]!);
  if (!mem.ok) throw new UsageError(`${descr} specs memory: ${mem.error}`);
  const int = (what: string, v: string): number => {
    if (!/^\s*-?\d+\s*$/.test(v)) throw new UsageError(`${descr} specs ${what}: cannot parse string '${v}'`);
    return Number(v);
  };
  const cpu = int("cpus", sp[2]!);
  const spn = sp.length === 4 ? int("spindles", sp[3]!) : 1;
  return { cpu, mem: mem.value, dsk: dsk.value, spn };
}

/** Ganeti's ensureQuoted. */
function ensureQuoted(v: string): string {
  return /^[A-Za-z0-9.]*$/.test(v) ? v : `'${v}'`;
}

type Phase = "INI" | "FIN" | "TRL";
type SpecType = "normal" | "tiered";

const eff = (a: number, b: number): number => a / b;
const memEff = (cs: CStats): number => eff(cs.imem, cs.tmem);
const dskEff = (cs: CStats): number => eff(cs.idsk, cs.tdsk);
const cpuEff = (cs: CStats): number => eff(cs.icpu, cs.vcpu);
const spnEff = (cs: CStats): number => eff(cs.ispn, cs.tspn);

function statsData(cs: CStats): [string, string][] {
  return [
    ["SCORE", fixed(cs.score, 8)], ["INST_CNT", `${cs.ninst}`], ["MEM_FREE", `${cs.fmem}`], ["MEM_AVAIL", `${cs.amem}`],
    ["MEM_RESVD", `${cs.fmem - cs.amem}`], ["MEM_INST", `${cs.imem}`], ["MEM_OVERHEAD", `${cs.xmem + cs.nmem}`],
    ["MEM_EFF", fixed(memEff(cs), 8)], ["DSK_FREE", `${cs.fdsk}`], ["DSK_AVAIL", `${cs.adsk}`],
    ["DSK_RESVD", `${cs.fdsk - cs.adsk}`], ["DSK_INST", `${cs.idsk}`], ["DSK_EFF", fixed(dskEff(cs), 8)],
    ["SPN_FREE", `${cs.fspn}`], ["SPN_INST", `${cs.ispn}`], ["SPN_EFF", fixed(spnEff(cs), 8)],
    ["CPU_INST", `${cs.icpu}`], ["CPU_EFF", fixed(cpuEff(cs), 8)], ["MNODE_MEM_AVAIL", `${cs.mmem}`],
    ["MNODE_DSK_AVAIL", `${cs.mdsk}`],
  ];
}

function specData(r: RSpec, spn: boolean): [string, string][] {
  const d: [string, string][] = [["MEM", `${r.mem}`], ["DSK", `${r.dsk}`], ["CPU", `${r.cpu}`]];
  return spn ? [...d, ["SPN", `${r.spn}`]] : d;
}

function clusterData(cs: CStats, spn: boolean): [string, string][] {
  const d: [string, string][] = [["MEM", fixed(cs.tmem, 0)], ["DSK", fixed(cs.tdsk, 0)], ["CPU", fixed(cs.tcpu, 0)], ["VCPU", `${cs.vcpu}`]];
  return spn ? [...d, ["SPN", fixed(cs.tspn, 0)]] : d;
}

const formatResources = (d: readonly [string, string][]): string => d.map(([a, v]) => `${a} ${v}`).join(", ");
const haveExclStorage = (nl: Container<Node>): boolean => C.elems(nl).some((n) => n.exclStorage);

function stats(nl: Container<Node>): CStats {
  const cs = totalResources(nl);
  cs.score = compCV(nl);
  return cs;
}

/** Haskell's show of a list of strings. */
const showStrs = (xs: readonly string[]): string => `[${xs.map((x) => JSON.stringify(x)).join(",")}]`;

function showAllocNodes(a: AllocNodes): string {
  if (a.kind === "single") return `Left [${a.nodes.join(",")}]`;
  return `Right [${a.pairs.map(([p, ss]) => `(${p},[${ss.join(",")}])`).join(",")}]`;
}

function sortReasons(r: readonly (readonly [FailMode, number])[]): (readonly [FailMode, number])[] {
  return r.map((x, k) => [x, k] as const).sort((a, b) => b[0][1] - a[0][1] || a[1] - b[1]).map(([x]) => x);
}

function tieredSpecMap(ixes: readonly Instance[]): [RSpec, number][] {
  const out: [RSpec, number][] = [];
  for (let k = ixes.length - 1; k >= 0; k--) {
    const s = specOf(ixes[k]!);
    const lastE = out[out.length - 1];
    if (lastE !== undefined && sameSpec(lastE[0], s)) lastE[1]++;
    else out.push([s, 1]);
  }
  return out;
}

export function hspaceMain(argv: readonly string[], pre: Preloaded = {}): { code: number; out: string; err: string } {
  return runMain("hspace", HSPACE_SPECS, argv, (p, io) => {
    const o = commonOpts(p);
    const say = (s: string): void => void io.out.push(s);
    const warn = (s: string): void => void io.err.push(s);
    const mr = last(p, S.machineReadable!);
    let machine = false;
    if (mr !== undefined) {
      const v = mr === null ? "yes" : mr;
      if (v === "yes") machine = true;
      else if (v !== "no") throw new UsageError(`Invalid choice '${v}', allowed values are yes and no`);
    }
    const dtOpt = last(p, X.diskTemplate);
    if (dtOpt !== undefined && dtOpt !== null && !(DISK_TEMPLATES as readonly string[]).includes(dtOpt)) {
      throw new UsageError(`Unknown disk template '${dtOpt}'`);
    }
    const suOpt = numOpt(p, X.spindleUse, true);
    if (suOpt !== undefined && suOpt < 0) throw new UsageError("Invalid value of the spindle-use (expected >= 0)");
    if (o.mcpu !== undefined && o.mcpu <= 0) throw new UsageError("Invalid value of the max-cpu ratio, expected >0");
    const stdOpt = last(p, X.stdSpec);
    const tierOpt = last(p, X.tieredSpec);
    const stdSpec = stdOpt === undefined || stdOpt === null ? null : parseISpecString("standard", stdOpt);
    const tierSpec = tierOpt === undefined || tierOpt === null ? null : parseISpecString("tiered", tierOpt);
    const maxLength = numOpt(p, S.maxLength!, true) ?? -1;
    const saveTo = last(p, X.save) ?? null;
    const indep = has(p, X.indepGroups);
    const acceptExisting = has(p, X.acceptExisting);
    const algo: AllocOptions = {
      ignoreSoftErrors: false, capacity: !has(p, X.noCapacity), capacityIgnoreGroups: [], restrictToNodes: null, acceptExisting,
    };
    const simu = (p.values.get("simulate") ?? []).filter((x): x is string => x !== null).reverse();

    const orig = loadExternalData(o, io, simu, pre);
    const fixedNl = orig.nodes;
    const nl = applyNodeStatus(o, fixedNl);
    const il = orig.instances;
    const ipol = orig.ipolicy;
    const clusterDt = ipol.diskTemplates[0];
    if (clusterDt === undefined) exitErr("null list of disk templates received from cluster");
    const numInstances = C.size(il);
    const cdata: ClusterData = { ...orig, nodes: fixedNl };
    const dt = (dtOpt ?? clusterDt) as DiskTemplate;
    const reqNodes = requiredNodes(dt);
    const csf = commonSuffix(fixedNl, il);
    const su = suOpt ?? ipol.stdSpec.spindleUse;
    if (csf !== "" && o.verbose > 1) warn(`Note: Stripping common suffix of '${csf}' from names\n`);
    if (o.showNodes !== null) warn(`\nInitial cluster status:\n${printNodes(nl, o.showNodes)}\n`);
    if (o.verbose > 2) warn(`Initial coefficients: overall ${fixed(compCV(nl), 8)}\n${printStats("  ", nl)}`);

    const iniStats = stats(nl);
    const nodeCount = C.size(fixedNl);
    const keys = (kv: readonly (readonly [string, string])[]): void => {
      for (const [k, v] of kv) say(`HTS_${k.toUpperCase()}=${ensureQuoted(v)}\n`);
    };
    const phaseStats = (ph: Phase, cs: CStats): [string, string][] => statsData(cs).map(([k, v]) => [`${ph}_${k}`, v]);
    if (machine) {
      keys(clusterData(iniStats, true).map(([k, v]) => [`CLUSTER_${k}`, v]));
      keys([["CLUSTER_NODES", `${nodeCount}`]]);
      keys(phaseStats("INI", iniStats));
    } else {
      say(`The cluster has ${nodeCount} nodes and the following resources:\n  ${formatResources(clusterData(iniStats, haveExclStorage(nl)))}.\n`);
      say(`There are ${iniStats.ninst > 0 ? `${iniStats.ninst}` : "no"} initial instances on the cluster.\n`);
    }

    const badNodes = computeBadItems(nl, il).nodes;
    let badGrpCache: number[] | null = null;
    const badGrps = (): number[] => (badGrpCache ??= C.elems(orig.groups).map((g) => g.idx).filter((g) => !redundantGrp(algo, nl, il, g)));
    if (o.verbose > 3 && badNodes.length > 0) warn(`Bad nodes: ${showStrs(badNodes.map((n) => n.name))}\n`);
    if (o.verbose > 3 && badGrps().length > 0) warn(`Bad groups: ${showStrs(badGrps().map((g) => C.find(orig.groups, g).name))}\n`);
    const unalloc = (gl: Container<Group>, gdxs: readonly number[]): Container<Group> =>
      C.map(gl, (g) => (gdxs.includes(g.idx) ? { ...g, allocPolicy: "unallocable" as const } : g));
    const gl1 = acceptExisting ? orig.groups : unalloc(orig.groups, badNodes.map((n) => n.group));
    const gl2 = indep ? unalloc(gl1, badGrps()) : gl1;
    const algo2: AllocOptions = indep ? { ...algo, capacityIgnoreGroups: badGrps() } : algo;
    const remaining = C.elems(gl2).some(isAllocable);
    const stop = acceptExisting || (indep && remaining) || badNodes.length === 0 ? null : { failures: [["FailN1", 1]] as [FailMode, number][], nl, il, ixes: [] };
    const limit = maxLength === -1 ? null : maxLength;
    const an = genAllocNodes(algo2, gl2, nl, reqNodes, true);
    if (!an.ok) exitErr(`failure during allocation: ${an.error}`);
    if (o.verbose > 3) warn(`Allocatable nodes: ${showAllocNodes(an.value)}\n`);
    const ctx: IterCtx = { opts: algo2, targets: an.value, n1: allocGlobalN1(algo2) };

    const tspecs = tierSpec !== null ? [tierSpec] : ipol.minMaxISpecs.map((m) => ({ cpu: m.max.cpuCount, mem: m.max.memorySize, dsk: m.max.diskSize, spn: m.max.spindleUse }));
    const tspec = tspecs[0];
    if (tspec === undefined) exitErr("Empty list of specs received from the cluster");
    const start: AllocResult = { failures: [], nl, il, ixes: [] };

    const runAllocation = (compute: () => AllocResult, spec: RSpec, mode: SpecType) => {
      const res = stop ?? compute();
      const name = mode === "normal" ? "Standard" : "Tiered";
      const descr = `${name} allocation`;
      const excl = haveExclStorage(res.nl);
      const prefix = mode === "normal" ? "SPEC" : "TSPEC_INI";
      if (machine) {
        keys(specData(spec, true).map(([k, v]) => [`${prefix}_${k}`, v]));
        keys([[`${prefix}_RQN`, `${reqNodes}`]]);
        keys([[`${prefix}_DISK_TEMPLATE`, dt]]);
      } else {
        say(`${mode === "normal" ? "Standard (fixed-size)" : "Tiered (initial size)"} instance spec is:\n  ${formatResources(specData(spec, excl))}, using disk template '${dt}'.\n`);
      }
      if (o.verbose > 1) {
        const rows = [...res.ixes].reverse().map((i) => {
          const sp = getTotalSpindles(i);
          return [
            i.name, C.find(res.nl, i.pNode).name, i.sNode < 0 ? "" : C.find(res.nl, i.sNode).name, `${i.mem}`, `${i.dsk}`, `${i.vcpus}`,
            excl ? (sp === null ? "?" : `${sp}`) : "",
          ];
        });
        warn(`${descr} map\n${rows.length === 0 ? "" : printTable("", rows[0]!, rows.slice(1), [false, false, false, true, true, true, true])}`);
      }
      if (o.showNodes !== null) warn(`\n${descr} status:\n${printNodes(res.nl, o.showNodes)}\n`);
      if (saveTo !== null) {
        const path = `${saveTo}.${name.toLowerCase()}`;
        writeFileSync(path, serializeCluster({ ...cdata, nodes: res.nl, instances: res.il }));
        warn(`The cluster state after ${descr.toLowerCase()} has been written to file '${path}'\n`);
      }
      return { reasons: sortReasons(res.failures), nl: res.nl, allocs: res.ixes.length, specMap: tieredSpecMap(res.ixes) };
    };
    const bad = (r: { ok: true; value: AllocResult } | { ok: false; error: string }): AllocResult => {
      if (!r.ok) exitErr(`failure during allocation: ${r.error}`);
      return r.value;
    };

    const printFR = (fin: Container<Node>, reasons: readonly (readonly [FailMode, number])[]): void => {
      say(`  - most likely failure reason: ${reasons[0]![0]}\n`);
      say(`  - initial cluster score: ${fixed(compCV(nl), 8)}\n  -   final cluster score: ${fixed(compCV(fin), 8)}\n`);
      const cs = totalResources(fin);
      const fmt: [string, (c: CStats) => number][] = [["memory", memEff], ["disk", dskEff], ["vcpu", cpuEff]];
      if (haveExclStorage(fin)) fmt.push(["spindles", spnEff]);
      const len = Math.max(...fmt.map(([s]) => s.length));
      for (const [s, fn] of fmt) say(`  - ${padL(s, len)} usage efficiency: ${padL(fixed(fn(cs) * 100, 2), 5)}%\n`);
    };

    // tiered allocation
    const tinsts = tspecs.map((t) => instFromSpec(t, dt, su));
    const tier = runAllocation(() => {
      let acc = start;
      for (const inst of tinsts) {
        const cnt = acc.ixes.length;
        if (limit !== null && limit <= cnt) continue;
        acc = bad(tieredAlloc(ctx, acc, limit === null ? null : limit - cnt, inst));
      }
      return acc;
    }, tspec, "tiered");
    if (machine) {
      keys(phaseStats("TRL", stats(tier.nl)));
      keys([["TSPEC", tier.specMap.map(([s, c]) => `${s.mem},${s.dsk},${s.cpu},${s.spn}=${c}`).join(" ")]]);
      const [rini, ralo, runa] = computeAllocationDelta(totalResources(nl), totalResources(tier.nl));
      for (const [nm, r] of [["USED", rini], ["POOL", ralo], ["UNAV", runa]] as const) {
        keys([[`KM_${nm}_CPU`, `${r.vcpus}`], [`KM_${nm}_NPU`, showDouble(r.ncpus)], [`KM_${nm}_MEM`, `${r.mem}`], [`KM_${nm}_DSK`, `${r.dsk}`], [`KM_${nm}_SPN`, `${r.spn}`]]);
      }
    } else {
      say("Tiered allocation results:\n");
      const spn = haveExclStorage(nl);
      if (tier.specMap.length === 0) say("  - no instances allocated\n");
      else for (const [s, c] of tier.specMap) say(`  - ${padL(`${c}`, 3)} instances of spec ${formatResources(specData(s, spn))}\n`);
      printFR(tier.nl, tier.reasons);
    }

    // standard allocation
    const ispec = stdSpec ?? { cpu: ipol.stdSpec.cpuCount, mem: ipol.stdSpec.memorySize, dsk: ipol.stdSpec.diskSize, spn: ipol.stdSpec.spindleUse };
    const std = runAllocation(() => bad(iterateAlloc(ctx, start, limit, instFromSpec(ispec, dt, su))), ispec, "normal");
    if (machine) {
      const fin = stats(std.nl);
      if (numInstances + std.allocs !== fin.ninst) {
        exitErr(`internal inconsistency, allocated (${numInstances + std.allocs}) != counted (${fin.ninst})\n`);
      }
      const main = std.reasons[0];
      if (main === undefined) exitErr("Internal error, no failure reasons?!");
      keys(phaseStats("FIN", fin));
      keys([
        ["ALLOC_USAGE", fixed(numInstances / (numInstances + std.allocs), 8)], ["ALLOC_INSTANCES", `${std.allocs}`],
        ["ALLOC_FAIL_REASON", main[0].toUpperCase()],
      ]);
      keys(std.reasons.map(([k, n]) => [`ALLOC_${k}_CNT`, `${n}`]));
      keys([["OK", "1"]]);
    } else {
      say(`Normal (fixed-size) allocation results:\n  - ${padL(`${std.allocs}`, 3)} instances allocated\n`);
      printFR(std.nl, std.reasons);
    }
    void FAIL_MODES;
    void (io as Out);
    return 0;
  });
}

export async function run(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  emit(hspaceMain(argv, await preload(HSPACE_SPECS, argv)));
}
