// hsqueeze: powers standby nodes off or on by cluster load (Ganeti 3.0's options and output).
import { formatCmds, splitJobs } from "../htools/cluster-output.js";
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
} from "./common.js";
import type { OptSpec } from "./options.js";
import { type Preloaded, preload } from "./luxi.js";

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

export function hsqueezeMain(argv: readonly string[], pre: Preloaded = {}): { code: number; out: string; err: string } {
  return runMain("hsqueeze", HSQUEEZE_SPECS, argv, (p, io) => {
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
    const execCheck = (): void => {
      if (has(p, X.exec) && !o.luxi) exitErr("hsqueeze: Execution of commands possible only on LUXI");
    };
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
        execCheck();
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
        execCheck();
        saveClusterData(io, save, "squeezed", "after hsqueeze run", { ...cd, nodes: plan.conf.nl, instances: plan.conf.il });
        return 0;
      }
    }
  });
}

export async function run(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  emit(hsqueezeMain(argv, await preload(HSQUEEZE_SPECS, argv)));
}
