// The textual outputs of the htools programs: hbal's solution lines and job sets, node and
// instance tables (Ganeti's formats, byte for byte).
import * as C from "./container.js";
import type { Container } from "./container.js";
import { fixed, padL, padR, printTable } from "./format.js";
import * as I from "./instance.js";
import type { Instance } from "./instance.js";
import * as N from "./node.js";
import type { Node } from "./node.js";
import { type Idx, type IMove, type Ndx, type Placement, NO_SECONDARY } from "./types.js";

// ---- output -------------------------------------------------------------------

function nodeAlias(nl: Container<Node>, i: Ndx): string {
  return C.find(nl, i).alias;
}

export function computeMoves(inst: Instance, inam: string, mv: IMove, c: string, d: string): [string, string[]] {
  const morf = I.isRunning(inst) ? "migrate" : "failover";
  const mig = `${morf} -f ${inam}`;
  const rep = (n: string): string => `replace-disks -n ${n} ${inam}`;
  switch (mv.kind) {
    case "Failover":
      return ["f", [mig]];
    case "FailoverToAny":
      return [`fa:${c}`, [`${morf} -f -n ${c} ${inam}`]];
    case "FailoverAndReplace":
      return [`f r:${d}`, [mig, rep(d)]];
    case "ReplaceSecondary":
      return [`r:${d}`, [rep(d)]];
    case "ReplaceAndFailover":
      return [`r:${c} f`, [rep(c), mig]];
    case "ReplacePrimary":
      return [`f r:${c} f`, [mig, rep(c), mig]];
  }
}

/** The solution line hbal prints for one step, and the gnt-instance commands of the move. */
export function printSolutionLine(
  nl: Container<Node>,
  il: Container<Instance>,
  nmlen: number,
  imlen: number,
  plc: Placement,
  pos: number,
): [string, string[]] {
  const pmlen = 2 * nmlen + 1;
  const inst = C.find(il, plc.inst);
  const inam = inst.alias;
  const npri = nodeAlias(nl, plc.pnode);
  const nsec = plc.snode === NO_SECONDARY ? "" : nodeAlias(nl, plc.snode);
  const opri = nodeAlias(nl, inst.pNode);
  const ostr = inst.sNode === NO_SECONDARY ? opri : `${opri}:${nodeAlias(nl, inst.sNode)}`;
  const nstr = plc.snode === NO_SECONDARY ? npri : `${npri}:${nsec}`;
  const [moves, cmds] = computeMoves(inst, inam, plc.move, npri, nsec);
  const line =
    `  ${padL(String(pos), 3)}. ${padR(inam, imlen)} ${padR(ostr, pmlen)} => ${padR(nstr, pmlen)} ` +
    `${padL(fixed(plc.score, 8), 12)} a=${moves}`;
  return [line, cmds];
}

export interface MoveJob {
  readonly nodes: readonly Ndx[];
  readonly inst: Idx;
  readonly move: IMove;
  readonly cmds: readonly string[];
}

export function involvedNodes(il: Container<Instance>, plc: Placement): Ndx[] {
  const inst = C.find(il, plc.inst);
  const out: Ndx[] = [];
  for (const n of [plc.pnode, plc.snode, ...I.allNodes(inst)]) if (n >= 0 && !out.includes(n)) out.push(n);
  return out;
}

/** Groups moves (newest first, as hbal accumulates them) into job sets touching disjoint nodes. */
export function splitJobs(moves: readonly MoveJob[]): MoveJob[][] {
  let sets: MoveJob[][] = [];
  let buf: Ndx[] = [];
  for (const m of moves) {
    if (sets.length === 0) {
      sets = [[m]];
      buf = [...m.nodes];
    } else if (!m.nodes.some((n) => buf.includes(n))) {
      sets = [[m, ...sets[0]!], ...sets.slice(1)];
      buf = [...m.nodes, ...buf];
    } else {
      sets = [[m], ...sets];
      buf = [...m.nodes];
    }
  }
  return sets;
}

export function formatCmds(jobsets: readonly (readonly MoveJob[])[]): string {
  const lines: string[] = [];
  jobsets.forEach((js, k) => {
    const jsn = k + 1;
    js.forEach((job, j) => {
      const sn = j + 1;
      if (sn === 1) lines.push("", `echo jobset ${jsn}, ${js.length} jobs`);
      lines.push(`  echo job ${jsn}/${sn}`, "  check", ...job.cmds.map((c) => "  gnt-instance " + c));
    });
  });
  return lines.map((l) => l + "\n").join("");
}

// ---- node and instance tables ---------------------------------------------------

export const DEFAULT_NODE_FIELDS: readonly string[] = [
  "status", "name", "tmem", "nmem", "imem", "xmem", "fmem", "umem", "rmem", "tdsk", "fdsk",
  "tcpu", "ucpu", "pcnt", "scnt", "pfmem", "pfdsk", "rcpu", "cload", "mload", "dload", "nload",
];

const UNKNOWN_FIELD = "<unknown field>";

function showList(l: readonly number[]): string {
  return `[${l.join(",")}]`;
}

export function showNodeField(n: Node, field: string): string {
  const d = (x: number, w: number): string => padL(String(Math.trunc(x)), w);
  const div = (a: number, b: number): number => Math.floor(a / b);
  switch (field) {
    case "idx": return d(n.idx, 4);
    case "name": return n.alias;
    case "fqdn": return n.name;
    case "status": return n.offline ? "-" : n.failN1 ? "*" : " ";
    case "tmem": return padL(fixed(n.tMem, 0), 5);
    case "nmem": return d(n.nMem, 5);
    case "xmem": return d(n.xMem, 5);
    case "fmem": return d(n.fMem, 5);
    case "umem": return d(N.unallocatedMem(n), 5);
    case "imem": return d(n.iMem, 5);
    case "rmem": return d(n.rMem, 5);
    case "amem": return d(N.availMem(n), 5);
    case "tdsk": return padL(fixed(n.tDsk / 1024, 0), 5);
    case "fdsk": return d(div(n.fDsk, 1024), 5);
    case "tcpu": return padL(fixed(n.tCpu, 0), 4);
    case "ucpu": return d(n.uCpu, 4);
    case "pcnt": return d(n.pList.length, 3);
    case "scnt": return d(n.sList.length, 3);
    case "plist": return showList(n.pList);
    case "slist": return showList(n.sList);
    case "pfmem": return padL(fixed(n.pMem, 4), 6);
    case "pfdsk": return padL(fixed(n.pDsk, 4), 6);
    case "rcpu": return padL(fixed(n.pCpu, 2), 5);
    case "cload": return padL(fixed(n.utilLoad.cpu, 3), 5);
    case "mload": return padL(fixed(n.utilLoad.mem, 3), 5);
    case "dload": return padL(fixed(n.utilLoad.dsk, 3), 5);
    case "nload": return padL(fixed(n.utilLoad.net, 3), 5);
    case "ptags": return [...n.pTags.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join(",");
    case "peermap": return `[${n.peers.map(([k, v]) => `(${k},${v})`).join(",")}]`;
    case "spindle_count": return String(n.tSpindles);
    case "hi_spindles": return showDoubleLocal(n.hiSpindles);
    case "inst_spindles": return showDoubleLocal(n.instSpindles);
    default: return UNKNOWN_FIELD;
  }
}

function showDoubleLocal(x: number): string {
  const s = String(x);
  return Number.isInteger(x) ? s + ".0" : s;
}

const NODE_HEADERS: Readonly<Record<string, readonly [string, boolean]>> = {
  idx: ["Index", true], name: ["Name", false], fqdn: ["Name", false], status: ["F", false],
  tmem: ["t_mem", true], nmem: ["n_mem", true], xmem: ["x_mem", true], fmem: ["f_mem", true],
  umem: ["u_mem", true], amem: ["a_mem", true], imem: ["i_mem", true], rmem: ["r_mem", true],
  tdsk: ["t_dsk", true], fdsk: ["f_dsk", true], tcpu: ["pcpu", true], ucpu: ["vcpu", true],
  pcnt: ["pcnt", true], scnt: ["scnt", true], plist: ["primaries", true], slist: ["secondaries", true],
  pfmem: ["p_fmem", true], pfdsk: ["p_fdsk", true], rcpu: ["r_cpu", true], cload: ["lCpu", true],
  mload: ["lMem", true], dload: ["lDsk", true], nload: ["lNet", true], ptags: ["PrimaryTags", false],
  peermap: ["PeerMap", false], spindle_count: ["NodeSpindles", true], hi_spindles: ["MaxSpindles", true],
  inst_spindles: ["InstSpindles", true],
};

/** Ganeti's printNodes: fields [] = defaults, ["+", ...] = defaults plus more. */
export function printNodes(nl: Container<Node>, fs: readonly string[]): string {
  const fields = fs.length === 0 ? DEFAULT_NODE_FIELDS : fs[0] === "+" ? [...DEFAULT_NODE_FIELDS, ...fs.slice(1)] : fs;
  const nodes = C.elems(nl);
  const hdr = fields.map((f) => NODE_HEADERS[f] ?? ([UNKNOWN_FIELD, false] as const));
  return printTable(
    "",
    hdr.map((h) => h[0]),
    nodes.map((n) => fields.map((f) => showNodeField(n, f))),
    hdr.map((h) => h[1]),
  );
}

/** Ganeti's printInsts. */
export function printInsts(nl: Container<Node>, il: Container<Instance>): string {
  const rows = C.elems(il).map((i) => [
    I.isRunning(i) ? "R" : " ",
    i.name,
    C.find(nl, i.pNode).name,
    i.sNode === NO_SECONDARY ? "" : C.find(nl, i.sNode).name,
    i.autoBalance ? "Y" : "N",
    padL(String(i.vcpus), 3),
    padL(String(i.mem), 5),
    padL(String(Math.floor(i.dsk / 1024)), 5),
    padL(fixed(i.util.cpu, 3), 5),
    padL(fixed(i.util.mem, 3), 5),
    padL(fixed(i.util.dsk, 3), 5),
    padL(fixed(i.util.net, 3), 5),
  ]);
  return printTable(
    "",
    ["F", "Name", "Pri_node", "Sec_node", "Auto_bal", "vcpu", "mem", "dsk", "lCpu", "lMem", "lDsk", "lNet"],
    rows,
    [false, false, false, false, false, true, true, true, true, true, true, true],
  );
}

/** Free memory and disk totals (the part of Ganeti's totalResources hbal -v -v -v -v prints). */
export function totalFree(nl: Container<Node>): { mem: number; disk: number } {
  let mem = 0;
  let disk = 0;
  for (const n of C.elems(nl)) {
    mem += N.unallocatedMem(n);
    disk += n.fDsk;
  }
  return { mem, disk };
}
