// hsqueeze: powers standby nodes off or on by cluster load (Ganeti 3.0's options and output).
import { type MoveJob, formatCmds, splitJobs } from "../htools/cluster-output.js";
import * as C from "../htools/container.js";
import { moveToJob } from "../htools/evacuate.js";
import type { Node } from "../htools/node.js";
import { type JobSetSpec, type Op, annotateOp, execWithCancel } from "./exec-jobs.js";
import { STANDBY_AUTO, planSqueeze, squeezeCandidates } from "../htools/hsqueeze.js";
import {
  COMMON_SPECS as S,
  HELP_SPECS,
  PRINT_COMMANDS_SPEC,
  commonOpts,
  emit,
  exitErr,
  has,
  last,
  loadExternalData,
  maybeSaveCommands,
  readOpt,
  runMain,
  saveClusterData,
  VERSION,
} from "./common.js";
import type { OptSpec } from "./options.js";
import { type Preloaded, luxiSocket, preload } from "./luxi.js";

const X = {
  exec: { short: "X", long: "exec", arg: "none", help: "execute the suggested moves via Luxi (only available when using it for data gathering)" },
  minResources: { long: "minimal-resources", arg: "req", argName: "FACTOR", help: "minimal resources to be present on each in multiples of the standard allocation for not onlining standby nodes" },
  targetResources: { long: "target-resources", arg: "req", argName: "FACTOR", help: "target resources to be left on each node after squeezing in multiples of the standard allocation" },
  save: { short: "S", long: "save", arg: "req", argName: "FILE", help: "Save cluster state at the end of the processing to FILE" },
  noHeaders: { long: "no-headers", arg: "none", help: "do not show a header line" },
} satisfies Record<string, OptSpec>;

export const HSQUEEZE_SPECS: readonly OptSpec[] = [
  S.luxi!, S.textData!, X.exec, X.minResources, X.targetResources, X.save, PRINT_COMMANDS_SPEC, S.verbose!, X.noHeaders,
  S.staticKvm!, ...HELP_SPECS,
];

export interface HsqueezeResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  /** With -L -X: the job sets to execute after the output is written. */
  readonly exec?: { readonly socket: string; readonly sets: readonly JobSetSpec[] };
}

/** Ganeti's OpNodeSetParams for (un)offlining a node, and OpOobCommand for its power. */
function powerOps(nodes: readonly Node[], on: boolean): Op[] {
  return [
    ...nodes.map((n): Op => ({ OP_ID: "OP_NODE_SET_PARAMS", node_name: n.name, force: false, offline: !on, auto_promote: false })),
    { OP_ID: "OP_OOB_COMMAND", node_names: nodes.map((n) => n.name), command: on ? "power-on" : "power-off", timeout: 60, ignore_status: false, power_delay: 2.0 },
  ];
}

export function hsqueezeMain(argv: readonly string[], pre: Preloaded = {}): HsqueezeResult {
  let exec: HsqueezeResult["exec"];
  const r = runMain("hsqueeze", HSQUEEZE_SPECS, argv, (p, io) => {
    const minf = readOpt(p, X.minResources, "minimal resources", false) ?? 2.0;
    const targetf = readOpt(p, X.targetResources, "target resources", false) ?? 2.0;
    const o = commonOpts(p);
    const say = (s: string): void => void io.out.push(s + "\n");
    const cd = loadExternalData(o, io, [], pre);
    const save = last(p, X.save);
    saveClusterData(io, save, "original", "before hsqueeze run", cd);
    const conf = { nl: cd.nodes, il: cd.instances };
    const cands = squeezeCandidates(conf);
    if (o.verbose > 1) {
      say(`Offline candidates: ${cands.offline.map((n) => n.name).join(",")}`);
      say(`Online candidates: ${cands.online.map((n) => n.name).join(",")}`);
    }
    const plan = planSqueeze(conf, cd.ipolicy.stdSpec, targetf, minf);
    const noHeaders = has(p, X.noHeaders);
    const execCheck = (comment: string, sets: () => JobSetSpec[]): void => {
      if (!has(p, X.exec)) return;
      if (!o.luxi) exitErr("hsqueeze: Execution of commands possible only on LUXI");
      const ts = Date.now() * 1e6;
      const annotate = (op: Op): Op => annotateOp(op, "hsqueeze", `hsqueeze ${VERSION} called`, `${comment} ${VERSION}`, null, ts);
      exec = {
        socket: luxiSocket(last(p, S.luxi!)),
        sets: sets().map((js) => ({ descr: js.descr, jobs: js.jobs.map((ops) => ops.map(annotate)) })),
      };
    };
    const moveSets = (moves: readonly MoveJob[]): JobSetSpec[] =>
      splitJobs(moves).map((js) => ({
        jobs: js.map((j) => moveToJob(cd.nodes, cd.instances, j.inst, j.move)),
        descr: `Moving instances ${js.map((j) => C.find(cd.instances, j.inst).name).join(",")}`,
      }));
    switch (plan.kind) {
      case "online": {
        if (!noHeaders) say("'Nodes to online'");
        for (const n of plan.nodes) say(n.name);
        if (o.verbose > 1 && !plan.enough) say("Onlining all nodes will not yield enough capacity");
        const cmds =
          "echo Power Commands\n" +
          plan.nodes.map((n) => `  gnt-node power -f on ${n.alias}\n`).join("") +
          formatCmds(splitJobs(plan.moves));
        maybeSaveCommands(io, p, "Commands to run:", cmds);
        execCheck(`expanding by ${plan.nodes.length} nodes`, () => [
          { jobs: [powerOps(plan.nodes, true)], descr: "Powering on nodes" },
          ...moveSets(plan.moves),
        ]);
        saveClusterData(io, save, "squeezed", "after hsqueeze expansion", { ...cd, nodes: plan.conf.nl, instances: plan.conf.il });
        return 0;
      }
      case "none":
        if (!noHeaders) say("'No action'");
        maybeSaveCommands(io, p, "Commands to run:", "echo Nothing to do");
        saveClusterData(io, save, "squeezed", "after hsqueeze doing nothing", cd);
        return 0;
      case "offline": {
        if (!noHeaders) say("'Nodes to offline'");
        for (const n of plan.nodes) say(n.name);
        const cmds =
          formatCmds(splitJobs(plan.moves)) +
          "\necho Tagging Commands\n" +
          plan.nodes.map((n) => `  gnt-node add-tags ${n.alias} ${STANDBY_AUTO}\n`).join("") +
          "\necho Power Commands\n" +
          plan.nodes.map((n) => `  gnt-node power -f off ${n.alias}\n`).join("");
        maybeSaveCommands(io, p, "Commands to run:", cmds);
        execCheck(`condensing by ${plan.nodes.length} nodes`, () => [
          ...moveSets(plan.moves),
          ...plan.nodes.map((n) => ({
            jobs: [[{ OP_ID: "OP_TAGS_SET", kind: "node", tags: [STANDBY_AUTO], name: n.name }]],
            descr: `Tagging node ${n.name} with standby`,
          })),
          { jobs: [powerOps(plan.nodes, false)], descr: "Powering off nodes" },
        ]);
        saveClusterData(io, save, "squeezed", "after hsqueeze run", { ...cd, nodes: plan.conf.nl, instances: plan.conf.il });
        return 0;
      }
    }
  });
  return { ...r, exec };
}

export async function run(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const r = hsqueezeMain(argv, await preload(HSQUEEZE_SPECS, argv));
  emit(r);
  if (r.exec === undefined || r.code !== 0) return;
  const say = (line: string): void => void process.stdout.write(line + "\n");
  const res = await execWithCancel(r.exec.socket, r.exec.sets, { say, sleep: (ms) => new Promise((ok) => setTimeout(ok, ms)) });
  if (!res.ok) {
    process.stderr.write(`Error: hsqueeze: ${res.error}\n`);
    process.exitCode = 1;
  }
}
