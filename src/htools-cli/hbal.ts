// hbal: cluster balancer (Ganeti 3.0's options and output), text backend.
import { writeFileSync } from "node:fs";
import * as C from "../htools/container.js";
import { type Table, computeBadItems, doNextBalance, findSplitInstances, splitCluster } from "../htools/cluster.js";
import { Balancer } from "../htools/balancer.js";
import {
  type MoveJob,
  formatCmds,
  involvedNodes,
  printInsts,
  printNodes,
  printSolutionLine,
  splitJobs,
  totalFree,
} from "../htools/cluster-output.js";
import { fixed, generalG } from "../htools/format.js";
import { commonSuffix } from "../htools/loader.js";
import { compCV, optimalCVScore, printStats } from "../htools/metrics.js";
import { getPolicyHealth } from "../htools/node.js";
import { serializeCluster } from "../htools/text.js";
import {
  COMMON_SPECS as S,
  HELP_SPECS,
  type Out,
  applyNodeStatus,
  commonOpts,
  emit,
  exitErr,
  has,
  last,
  loadExternalData,
  runMain,
  balancingOptions,
  VERSION,
} from "./common.js";
import type { OptSpec } from "./options.js";
import { type Preloaded, luxiSocket, preload } from "./luxi.js";
import { type JobSetSpec, type Op, annotateOp, execWithCancel } from "./exec-jobs.js";
import { moveToJob } from "../htools/evacuate.js";
import { PRIORITY_NAMES } from "../constants.js";
import { showIPolicy } from "./show.js";

const X = {
  printCommands: { short: "C", long: "print-commands", arg: "opt", argName: "FILE", help: "print the command list at the end of the run" },
  exec: { short: "X", long: "exec", arg: "none", help: "execute the suggested moves via Luxi (only available when using it for data gathering)" },
  firstJobGroup: { long: "first-job-group", arg: "none", help: "only execute the first group of jobs" },
  reason: { long: "reason", arg: "req", argName: "REASON", help: "the reason to pass to the job" },
  save: { short: "S", long: "save", arg: "req", argName: "FILE", help: "save cluster state at the end of the processing to FILE" },
  priority: { long: "priority", arg: "req", argName: "PRIO", help: "set the priority of submitted jobs (low, normal, high)" },
} satisfies Record<string, OptSpec>;

export const HBAL_SPECS: readonly OptSpec[] = [
  S.printNodes!, S.printInsts!, X.printCommands, S.textData!, S.evacMode!, S.restrictedMigration!, S.master!,
  S.luxi!, S.iallocSrc!, X.exec, X.firstJobGroup, X.reason, S.group!, S.maxLength!, S.verbose!, S.quiet!,
  S.offline!, S.staticKvm!, S.minScore!, S.maxCpu!, S.minDisk!, S.minGain!, S.minGainLim!, S.diskMoves!,
  S.selInst!, S.instMoves!, S.ignoreSoft!, S.dynuFile!, S.ignoreDynu!, S.mond!, S.mondData!, S.mondExit!,
  S.mondXen!, S.exTags!, S.exInst!, X.save, X.priority, ...HELP_SPECS,
];

const SH_TEMPLATE =
  "#!/bin/sh\n\n# Auto-generated script for executing cluster rebalancing\n\n" +
  "# To stop, touch the file /tmp/stop-htools\n\nset -e\n\ncheck() {\n" +
  "  if [ -f /tmp/stop-htools ]; then\n    echo 'Stop requested, exiting'\n    exit 0\n  fi\n}\n\n";

function maybePrintNodes(io: Out, fields: readonly string[] | null, msg: string, table: () => string): void {
  if (fields === null) return;
  io.err.push(`\n${msg} status:\n${table()}\n`);
}
function maybePrintInsts(io: Out, show: boolean, msg: string, table: () => string): void {
  if (!show) return;
  io.err.push(`\n${msg} instance map:\n${table()}`);
}

export interface HbalResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  /** With -X: the job sets to execute after the output is written. */
  readonly exec?: { readonly socket: string; readonly sets: readonly JobSetSpec[] };
}

export function hbalMain(argv: readonly string[], pre: Preloaded = {}): HbalResult {
  let exec: HbalResult["exec"];
  const r = runMain("hbal", HBAL_SPECS, argv, (p, io) => {
    const o = commonOpts(p);
    const say = (s: string): void => void io.out.push(s + "\n");
    const prio = last(p, X.priority);
    if (prio !== undefined && prio !== null && !["low", "normal", "high"].includes(prio)) {
      exitErr(`Unknown priority '${prio}'`);
    }
    const { algo, minScore, maxLength } = balancingOptions(p, has(p, S.restrictedMigration!));
    const cd = loadExternalData(o, io, [], pre);
    if (o.verbose > 1) {
      say(`Loaded cluster tags: ${cd.tags.join(",")}`);
      say(`Loaded cluster ipolicy: ${showIPolicy(cd.ipolicy)}`);
    }
    const nlf = applyNodeStatus(o, cd.nodes);
    const ilf = cd.instances;
    // checkCluster
    if (C.size(ilf) === 0) {
      say("Cluster is empty, exiting.");
      return 0;
    }
    const split = findSplitInstances(nlf, ilf);
    if (split.length > 0 && o.verbose > 1) {
      io.err.push("Found instances belonging to multiple node groups:\n");
      for (const i of split) io.err.push(`  ${i.name}\n`);
      io.err.push("These instances will not be moved.\n");
    }
    say(`Loaded ${C.size(nlf)} nodes, ${C.size(ilf)} instances`);
    const csf = commonSuffix(nlf, ilf);
    if (csf !== "" && o.verbose > 1) say(`Note: Stripping common suffix of '${csf}' from names`);
    const saveTo = last(p, X.save);
    if (saveTo !== undefined && saveTo !== null) saveData(io, saveTo, "original", "before balancing", serializeCluster({ ...cd, nodes: nlf }));
    // selectGroup
    const groups = splitCluster(nlf, ilf);
    const gopt = last(p, S.group!);
    let gname: string;
    let nl: C.Container<import("../htools/node.js").Node>;
    let il: C.Container<import("../htools/instance.js").Instance>;
    if (gopt === undefined || gopt === null) {
      if (groups.length > 1) {
        io.err.push("Found multiple node groups:\n");
        for (const g of groups) io.err.push(`  ${C.find(cd.groups, g.gdx).name}\n`);
        exitErr("Aborting.");
      }
      const g = groups[0];
      if (g === undefined) exitErr("No groups found by splitCluster?!");
      gname = C.find(cd.groups, g.gdx).name;
      nl = g.nl;
      il = g.il;
    } else {
      const found = C.elems(cd.groups).filter((g) => g.name === gopt || g.uuid === gopt);
      if (found.length !== 1) {
        io.err.push(`Node group ${gopt} not found. Node group list is:\n`);
        for (const g of C.elems(cd.groups)) io.err.push(`  ${g.name}\n`);
        exitErr("Aborting.");
      }
      const grp = found[0]!;
      gname = grp.name;
      const g = groups.find((x) => x.gdx === grp.idx);
      nl = g?.nl ?? [];
      il = g?.il ?? [];
    }
    // checkGroup
    say(`Group size ${C.size(nl)} nodes, ${C.size(il)} instances`);
    say(`Selected node group: ${gname}`);
    const badItems = computeBadItems(nl, il);
    if (o.verbose >= 1) {
      say(`Initial check done: ${badItems.nodes.length} bad nodes, ${badItems.instances.length} bad instances.`);
    }
    const badSet = new Set(badItems.nodes.map((n) => n.idx));
    const policyBad = C.elems(nl).filter((n) => !badSet.has(n.idx) && !getPolicyHealth(n).ok);
    if (badItems.nodes.length > 0) {
      say("Cluster is not N+1 happy, continuing but no guarantee that the cluster will end N+1 happy.");
    }
    if (policyBad.length > 0) {
      say(`The cluster contains ${policyBad.length} policy-violating nodes.`);
      say(
        algo.ignoreSoftErrors
          ? "Continuing, ignoring soft errors."
          : "Continuing, but the set of moves might be too restricted; consider using the --ignore-soft-errors option.",
      );
    }
    maybePrintInsts(io, o.showInsts, "Initial", () => printInsts(nl, il));
    maybePrintNodes(io, o.showNodes, "Initial cluster", () => printNodes(nl, o.showNodes ?? []));
    const iniCv = compCV(nl);
    const optCv = optimalCVScore(nl);
    const ini: Table = { nl, il, score: iniCv, plc: [] };
    if (o.verbose > 2) io.out.push(`Initial coefficients: overall ${fixed(iniCv, 8)}\n${printStats("  ", nl)}`);
    else say(`Initial score: ${fixed(iniCv, 8)}`);
    if (iniCv - optCv < minScore) {
      say(
        `Cluster is already well balanced (initial score ${generalG(iniCv, 6)},\n` +
          `optimum score due to N+1 reservations ${generalG(optCv, 6)},\n` +
          `minimum score ${generalG(minScore, 6)}).\nNothing to do, exiting`,
      );
      return 0;
    }
    say("Trying to minimize the CV...");
    const imlen = Math.max(...C.elems(il).map((i) => i.alias.length));
    const nmlen = Math.max(...C.elems(nl).map((n) => n.alias.length));
    let tbl = ini;
    const cmdStrs: MoveJob[] = [];
    const balancer = new Balancer(algo);
    while (doNextBalance(tbl, maxLength, optCv + minScore)) {
      const next = balancer.step(tbl);
      if (next === null) break;
      const cur = next.plc[0]!;
      const [line, cmds] = printSolutionLine(tbl.nl, tbl.il, nmlen, imlen, cur, next.plc.length);
      cmdStrs.unshift({ nodes: involvedNodes(tbl.il, cur), inst: cur.inst, move: cur.move, cmds });
      say(line);
      tbl = next;
    }
    const fin = tbl;
    if (fin.plc.length === 0) say("No solution found");
    else if (o.verbose > 2) io.out.push(`Final coefficients:   overall ${fixed(fin.score, 8)}\n${printStats("  ", fin.nl)}`);
    else say(`Cluster score improved from ${fixed(iniCv, 8)} to ${fixed(fin.score, 8)}`);
    if (o.verbose >= 1) say(`Solution length=${fin.plc.length}`);
    const firstOnly = has(p, X.firstJobGroup);
    let jobs = splitJobs(cmdStrs);
    if (firstOnly) jobs = jobs.slice(0, 1);
    const cmdText = formatCmds(jobs);
    if (has(p, X.printCommands)) {
      const dest = last(p, X.printCommands) ?? "-";
      const msg = firstOnly ? "First set of jobs:" : "Commands to run to reach the above solution:";
      if (dest === "-" || dest === null) {
        say("");
        say(msg);
        const ls = cmdText.split("\n");
        if (ls[ls.length - 1] === "") ls.pop();
        io.out.push(ls.filter((l) => l !== "  check").map((l) => `  ${l}\n`).join(""));
      } else {
        try {
          writeFileSync(dest, SH_TEMPLATE + cmdText);
        } catch (e) {
          exitErr(`${dest}: ${(e as Error).message}`);
        }
        say(`The commands have been written to file '${dest}'`);
      }
    }
    if (saveTo !== undefined && saveTo !== null) {
      const finNodes = C.addAll(nlf, C.elems(fin.nl).map((n) => [n.idx, n] as const));
      const finInsts = C.addAll(ilf, C.elems(fin.il).map((i) => [i.idx, i] as const));
      saveData(io, saveTo, "balanced", "after balancing", serializeCluster({ ...cd, nodes: finNodes, instances: finInsts }));
    }
    maybePrintInsts(io, o.showInsts, "Final", () => printInsts(fin.nl, fin.il));
    maybePrintNodes(io, o.showNodes, "Final cluster", () => printNodes(fin.nl, o.showNodes ?? []));
    if (o.verbose > 3) {
      const a = totalFree(nl);
      const b = totalFree(fin.nl);
      say(`Original: mem=${a.mem} disk=${a.disk}`);
      say(`Final:    mem=${b.mem} disk=${b.disk}`);
    }
    if (has(p, X.exec) && fin.plc.length > 0) {
      if (!o.luxi) exitErr("hbal: Execution of commands possible only on LUXI");
      const reason = last(p, X.reason);
      const prioName = last(p, X.priority);
      const prio = prioName === undefined || prioName === null ? null : PRIORITY_NAMES[prioName] ?? null;
      const ts = Date.now() * 1e6;
      const annotate = (op: Op): Op =>
        annotateOp(op, "hbal", reason ?? `hbal ${VERSION} called`, `rebalancing via hbal ${VERSION}`, prio, ts);
      exec = {
        socket: luxiSocket(last(p, S.luxi!)),
        sets: jobs.map((js) => ({
          jobs: js.map((j) => moveToJob(fin.nl, il, j.inst, j.move).map(annotate)),
          descr: `Executing jobset for instances ${js.map((j) => C.find(il, j.inst).name).join(",")}`,
        })),
      };
    }
    return 0;
  });
  return { ...r, exec };
}

function saveData(io: Out, path: string, ext: string, msg: string, data: string): void {
  const out = `${path}.${ext}`;
  try {
    writeFileSync(out, data);
  } catch (e) {
    exitErr(`${out}: ${(e as Error).message}`);
  }
  io.err.push(`The cluster state ${msg} has been written to file '${out}'\n`);
}

export async function run(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const r = hbalMain(argv, await preload(HBAL_SPECS, argv));
  emit(r);
  if (r.exec === undefined || r.code !== 0) return;
  const say = (line: string): void => void process.stdout.write(line + "\n");
  const res = await execWithCancel(r.exec.socket, r.exec.sets, { say, sleep: (ms) => new Promise((ok) => setTimeout(ok, ms)) });
  if (!res.ok) {
    process.stderr.write(`Error: hbal: ${res.error}\n`);
    process.exitCode = 1;
  }
}
