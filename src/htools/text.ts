// Ganeti's htools text format (Backend/Text.hs facts): sections separated by an
// empty line — groups, nodes, instances, cluster tags, instance policies — with
// '|'-separated fields. Parser and serialiser are pure functions of strings.
import { assignIndices } from "./loader.js";
import * as C from "./container.js";
import type { Container } from "./container.js";
import { createGroup, type Group } from "./group.js";
import { createInstance, getTotalSpindles, type Instance } from "./instance.js";
import type { ClusterData } from "./loader.js";
import * as N from "./node.js";
import type { Node } from "./node.js";
import { showDouble } from "./format.js";
import {
  ALLOC_POLICIES,
  type AllocPolicy,
  DEF_IPOLICY,
  DISK_TEMPLATES,
  type DiskTemplate,
  type DynUtil,
  INSTANCE_STATUSES,
  type InstanceStatus,
  type IPolicy,
  type ISpec,
  type MinMaxISpecs,
  NO_SECONDARY,
  type Result,
  bad,
  ok,
} from "./types.js";

/** Haskell's sepSplit. */
export function sepSplit<T>(sep: T, s: readonly T[]): T[][] {
  const out: T[][] = [];
  let rest = s;
  for (;;) {
    if (rest.length === 0) return out;
    const i = rest.indexOf(sep);
    if (i < 0) {
      out.push(rest.slice());
      return out;
    }
    out.push(rest.slice(0, i));
    rest = rest.slice(i + 1);
    if (rest.length === 0) {
      out.push([]);
      return out;
    }
  }
}

function splitChars(sep: string, s: string): string[] {
  return sepSplit(sep, [...s]).map((cs) => cs.join(""));
}
const commaSplit = (s: string): string[] => splitChars(",", s);

/** Haskell's `lines`. */
export function hsLines(s: string): string[] {
  if (s === "") return [];
  const parts = s.split("\n");
  if (parts[parts.length - 1] === "") parts.pop();
  return parts;
}

/** Haskell `show` of a list of strings, as in Ganeti's error messages. */
function showStrings(xs: readonly string[]): string {
  return `[${xs.map((x) => JSON.stringify(x)).join(",")}]`;
}

const NUM_RE = /^\s*-?\d+(\.\d+)?([eE][-+]?\d+)?/;

/** Ganeti's tryRead for Int (integral = true) or Double. */
export function tryRead(name: string, s: string, integral: boolean): Result<number> {
  const m = NUM_RE.exec(s);
  let value: number | null = null;
  let rest = "";
  if (m !== null && !(integral && (m[1] !== undefined || m[2] !== undefined))) {
    value = Number(m[0].trim());
    rest = s.slice(m[0].length);
  } else if (!integral && /^\s*(NaN|Infinity)/.test(s)) {
    const mm = /^\s*(NaN|Infinity)/.exec(s)!;
    value = mm[1] === "NaN" ? NaN : Infinity;
    rest = s.slice(mm[0].length);
  }
  if (value === null) return bad(`${name}: cannot parse string '${s}'`);
  if (rest !== "") return bad(`${name}: leftover characters when parsing '${s}': '${rest}'`);
  return ok(value);
}

/** One line of a dynamic utilisation file (-U): "instance cpu mem dsk net", single
 * spaces between the fields, the four weights numbers (Ganeti's parseUtilisation). */
export function parseUtilisation(line: string): Result<readonly [string, DynUtil]> {
  const f = line.split(" ");
  if (f.length !== 5) return bad(`Cannot parse line ${line}`);
  const [name, ...ws] = f as [string, string, string, string, string];
  const nums: number[] = [];
  for (const w of ws) {
    const r = tryRead(name, w, false);
    if (!r.ok) return r;
    nums.push(r.value);
  }
  const [cpu, mem, dsk, net] = nums as [number, number, number, number];
  return ok([name, { cpu, mem, dsk, net }]);
}

/** A whole utilisation file, line by line (the first bad line is the error). */
export function parseUtilisationFile(text: string): Result<(readonly [string, DynUtil])[]> {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const out: (readonly [string, DynUtil])[] = [];
  for (const l of lines) {
    const r = parseUtilisation(l);
    if (!r.ok) return r;
    out.push(r.value);
  }
  return ok(out);
}

function fromRaw<T extends string>(type: string, all: readonly T[], s: string): Result<T> {
  return (all as readonly string[]).includes(s)
    ? ok(s as T)
    : bad(`Invalid string value for type ${type}: ${JSON.stringify(s)}`);
}

interface Keyed<T> {
  readonly key: string;
  readonly value: T;
}

function loadTabular<T extends { readonly idx: number }>(
  lines: readonly string[],
  conv: (fields: string[]) => Result<Keyed<T>>,
): Result<{ assoc: Map<string, number>; container: Container<T> }> {
  const rows: Keyed<T>[] = [];
  for (const l of lines) {
    const r = conv(splitChars("|", l));
    if (!r.ok) return r;
    rows.push(r.value);
  }
  return ok(assignIndices(rows.map((r) => [r.key, r.value] as const), (v, idx) => ({ ...v, idx })));
}

function loadGroup(f: string[]): Result<Keyed<Group>> {
  if (f.length === 4) f = [...f, ""];
  if (f.length < 5) return bad(`Invalid/incomplete group data: '${showStrings(f)}'`);
  const [name, gid, apol, tags, nets] = f as [string, string, string, string, string];
  const ap = fromRaw<AllocPolicy>("AllocPolicy", ALLOC_POLICIES, apol);
  if (!ap.ok) return ap;
  return ok({ key: gid, value: createGroup(name, gid, ap.value, commaSplit(nets), commaSplit(tags)) });
}

const NODE_DEFAULTS = ["1", "", "N", "0", "1", "1.0"];

function loadNode(ktg: Map<string, number>, f0: string[]): Result<Keyed<Node>> {
  let f = f0;
  if (f.length >= 9 && f.length < 15) f = [...f, ...NODE_DEFAULTS.slice(f.length - 9)];
  if (f.length < 15) return bad(`Invalid/incomplete node data: '${showStrings(f0)}'`);
  const [name, tm, nm, fm, td, fd, tc, fo, gu, spindles, tags, exclStor, freeSp, nosCpu, cpuSpeed] = f as [
    string, string, string, string, string, string, string, string, string, string, string, string, string, string, string,
  ];
  const gdx = ktg.get(gu);
  if (gdx === undefined) return bad(`Unknown group '${gu}' for node ${name}`);
  if ([tm, nm, fm, td, fd, tc].includes("?")) {
    const n = N.createNode({
      name, tMem: 0, nMem: 0, fMem: 0, tDsk: 0, fDsk: 0, tCpu: 0, nCpu: 0, offline: true,
      tSpindles: 0, fSpindles: 0, group: gdx, exclStorage: false,
    });
    return ok({ key: name, value: n });
  }
  const nums: number[] = [];
  const specs: [string, boolean][] = [
    [tm, false], [nm, true], [fm, true], [td, false], [fd, true], [tc, false], [nosCpu, true], [spindles, true],
    [cpuSpeed, false], [freeSp, true],
  ];
  for (const [s, integral] of specs) {
    const r = tryRead(name, s, integral);
    if (!r.ok) return r;
    nums.push(r.value);
  }
  const [vtm, vnm, vfm, vtd, vfd, vtc, vnc, vsp, vspeed, vfsp] = nums as [
    number, number, number, number, number, number, number, number, number, number,
  ];
  if (exclStor !== "Y" && exclStor !== "N") {
    return bad(`Invalid exclusive_storage value for node '${name}': ${exclStor}`);
  }
  let n = N.createNode({
    name, tMem: vtm, nMem: vnm, fMem: vfm, tDsk: vtd, fDsk: vfd, tCpu: vtc, nCpu: vnc, offline: fo === "Y",
    tSpindles: vsp, fSpindles: vfsp, group: gdx, exclStorage: exclStor === "Y",
  });
  n = N.setMaster(N.setNodeTags(N.setCpuSpeed(n, vspeed), commaSplit(tags)), fo === "M");
  return ok({ key: name, value: n });
}

const INST_DEFAULTS_10 = ["1", "-", "N"];

function loadInst(ktn: Map<string, number>, f0: string[]): Result<Keyed<Instance>> {
  let f = f0;
  if (f.length >= 10 && f.length < 13) f = [...f, ...INST_DEFAULTS_10.slice(f.length - 10)];
  if (f.length < 13) return bad(`Invalid/incomplete instance data: '${showStrings(f0)}'`);
  const [name, mem, dsk, vcpus, status, autoBal, pnode, snode, dt, tags, su, spindles, forth] = f as [
    string, string, string, string, string, string, string, string, string, string, string, string, string,
  ];
  const pidx = ktn.get(pnode);
  if (pidx === undefined) return bad(`Unknown node '${pnode}' for instance ${name}`);
  let sidx = NO_SECONDARY;
  if (snode !== "") {
    const s = ktn.get(snode);
    if (s === undefined) return bad(`Unknown node '${snode}' for instance ${name}`);
    sidx = s;
  }
  const vmem = tryRead(name, mem, true);
  if (!vmem.ok) return vmem;
  const vdsk = tryRead(name, dsk, true);
  if (!vdsk.ok) return vdsk;
  const vcpu = tryRead(name, vcpus, true);
  if (!vcpu.ok) return vcpu;
  const st = fromRaw<InstanceStatus>("InstanceStatus", INSTANCE_STATUSES, status);
  if (!st.ok) return st;
  if (autoBal !== "Y" && autoBal !== "N") return bad(`Invalid auto_balance value '${autoBal}' for instance ${name}`);
  const tmpl = fromRaw<DiskTemplate>("DiskTemplate", DISK_TEMPLATES, dt);
  if (!tmpl.ok) return bad(`Instance ${name}: ${tmpl.error}`);
  const vsu = tryRead(name, su, true);
  if (!vsu.ok) return vsu;
  let vsp: number | null = null;
  if (spindles !== "-") {
    const r = tryRead(name, spindles, true);
    if (!r.ok) return r;
    vsp = r.value;
  }
  if (forth !== "Y" && forth !== "N") return bad(`Invalid forthcoming value '${forth}' for instance ${name}`);
  const inst = createInstance({
    name,
    mem: vmem.value,
    dsk: vdsk.value,
    disks: [{ size: vdsk.value, spindles: vsp }],
    vcpus: vcpu.value,
    runSt: st.value,
    tags: commaSplit(tags),
    autoBalance: autoBal === "Y",
    pNode: pidx,
    sNode: sidx,
    diskTemplate: tmpl.value,
    spindleUse: vsu.value,
    forthcoming: forth === "Y",
  });
  if (tmpl.value === "drbd" && sidx === pidx) {
    return bad(`Instance ${name} has same primary and secondary node - ${pnode}`);
  }
  return ok({ key: name, value: inst });
}

export function loadISpec(owner: string, f: readonly string[]): Result<ISpec> {
  if (f.length < 6) return bad(`Invalid ispec data for ${owner}: ${showStrings(f)}`);
  const names = ["memsize", "cpucount", "disksize", "diskcount", "niccount", "spindleuse"];
  const v: number[] = [];
  for (let k = 0; k < 6; k++) {
    const r = tryRead(`${owner}/${names[k]}`, f[k]!, true);
    if (!r.ok) return r;
    v.push(r.value);
  }
  return ok({ memorySize: v[0]!, cpuCount: v[1]!, diskSize: v[2]!, diskCount: v[3]!, nicCount: v[4]!, spindleUse: v[5]! });
}

export function loadIPolicy(f: readonly string[]): Result<{ owner: string; policy: IPolicy }> {
  if (f.length < 6) return bad(`Invalid ipolicy data: '${showStrings(f)}'`);
  const [owner, std, minmax, dts, vcpu, spindle] = f as [string, string, string, string, string, string];
  const stdSpec = loadISpec(`${owner}/stdspec`, commaSplit(std));
  if (!stdSpec.ok) return stdSpec;
  const parts = splitChars(";", minmax);
  if (parts.length % 2 !== 0) return bad(`Odd number of min/max specs for ${owner}`);
  const mms: MinMaxISpecs[] = [];
  for (let k = 0; k < parts.length; k += 2) {
    const mn = loadISpec(`${owner}/minspec`, commaSplit(parts[k]!));
    if (!mn.ok) return mn;
    const mx = loadISpec(`${owner}/maxspec`, commaSplit(parts[k + 1]!));
    if (!mx.ok) return mx;
    mms.push({ min: mn.value, max: mx.value });
  }
  const templates: DiskTemplate[] = [];
  for (const d of commaSplit(dts)) {
    const r = fromRaw<DiskTemplate>("DiskTemplate", DISK_TEMPLATES, d);
    if (!r.ok) return r;
    templates.push(r.value);
  }
  const vr = tryRead(`${owner}/vcpu_ratio`, vcpu, false);
  if (!vr.ok) return vr;
  const sr = tryRead(`${owner}/spindle_ratio`, spindle, false);
  if (!sr.ok) return sr;
  return ok({
    owner,
    policy: { minMaxISpecs: mms, stdSpec: stdSpec.value, diskTemplates: templates, vcpuRatio: vr.value, spindleRatio: sr.value },
  });
}

/** Parses the text format (Ganeti's Text.parseData); no merging yet. */
export function parseData(text: string): Result<ClusterData> {
  const sections = sepSplit("", hsLines(text));
  if (sections.length < 4) {
    return bad(`Invalid format of the input file: ${sections.length} sections instead of 4 or more`);
  }
  const [glines, nlines, ilines, ctags] = sections as [string[], string[], string[], string[]];
  const pollines = sections[4] ?? [];
  const g = loadTabular(glines, loadGroup);
  if (!g.ok) return g;
  const n = loadTabular(nlines, (f) => loadNode(g.value.assoc, f));
  if (!n.ok) return n;
  const i = loadTabular(ilines, (f) => loadInst(n.value.assoc, f));
  if (!i.ok) return i;
  let cpol: IPolicy = DEF_IPOLICY;
  let gl = g.value.container;
  for (const line of pollines) {
    const r = loadIPolicy(splitChars("|", line));
    if (!r.ok) return r;
    if (r.value.owner === "") cpol = r.value.policy;
    else {
      const found = C.elems(gl).filter((x) => x.name === r.value.owner || x.uuid === r.value.owner);
      if (found.length !== 1) return bad(`Wrong number of elems found with name ${r.value.owner}`);
      gl = C.add(gl, found[0]!.idx, { ...found[0]!, iPolicy: r.value.policy });
    }
  }
  return ok({ groups: gl, nodes: n.value.container, instances: i.value.container, tags: ctags, ipolicy: cpol });
}

// ---- serialisation -------------------------------------------------------------

/** printf "%f" of Haskell: shortest digits with at least one decimal. */
function hsF(x: number): string {
  return showDoubleFixed(x);
}
function showDoubleFixed(x: number): string {
  const s = String(x);
  if (s.includes("e")) return x.toFixed(20).replace(/0+$/, "").replace(/\.$/, ".0");
  return s.includes(".") ? s : s + ".0";
}

export function serializeGroup(g: Group): string {
  return `${g.name}|${g.uuid}|${g.allocPolicy}|${g.allTags.join(",")}|${g.networks.join(",")}`;
}

export function serializeNode(gl: Container<Group>, n: Node): string {
  const flag = n.offline ? "Y" : n.isMaster ? "M" : "N";
  return [
    n.name, n.tMem.toFixed(0), n.nMem, n.fMem, n.tDsk.toFixed(0), n.fDsk, n.tCpu.toFixed(0), flag,
    C.find(gl, n.group).uuid, n.tSpindles, n.nTags.join(","), n.exclStorage ? "Y" : "N", n.fSpindles, n.nCpu,
    hsF(n.tCpuSpeed),
  ].join("|");
}

export function serializeInstance(nl: Container<Node>, i: Instance): string {
  const sp = getTotalSpindles(i);
  return [
    i.name, i.mem, i.dsk, i.vcpus, i.runSt, i.autoBalance ? "Y" : "N", C.find(nl, i.pNode).name,
    i.sNode === NO_SECONDARY ? "" : C.find(nl, i.sNode).name, i.diskTemplate, i.allTags.join(","), i.spindleUse,
    sp === null ? "-" : String(sp), i.forthcoming ? "Y" : "N",
  ].join("|");
}

function serializeISpec(s: ISpec): string {
  return [s.memorySize, s.cpuCount, s.diskSize, s.diskCount, s.nicCount, s.spindleUse].join(",");
}

export function serializeIPolicy(owner: string, p: IPolicy): string {
  return [
    owner,
    serializeISpec(p.stdSpec),
    p.minMaxISpecs.flatMap((mm) => [serializeISpec(mm.min), serializeISpec(mm.max)]).join(";"),
    p.diskTemplates.join(","),
    showDouble(p.vcpuRatio),
    showDouble(p.spindleRatio),
  ].join("|");
}

const unlines = (xs: readonly string[]): string => xs.map((x) => x + "\n").join("");

/** Ganeti's serializeCluster (what hbal -S writes). */
export function serializeCluster(cd: ClusterData): string {
  const gdata = unlines(C.elems(cd.groups).map(serializeGroup));
  const ndata = unlines(C.elems(cd.nodes).map((n) => serializeNode(cd.groups, n)));
  const idata = unlines(C.elems(cd.instances).map((i) => serializeInstance(cd.nodes, i)));
  const pdata = unlines([
    serializeIPolicy("", cd.ipolicy),
    ...C.elems(cd.groups).map((g) => serializeIPolicy(g.name, g.iPolicy)),
  ]);
  return [gdata, ndata, idata, unlines(cd.tags), pdata].join("\n");
}
