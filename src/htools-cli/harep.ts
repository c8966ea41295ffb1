// harep: Ganeti's auto-repair tool (the guide's "Autorepair"), with Ganeti 3.0's options and
// output. Each run moves every instance one step: finished repair jobs become result tags,
// broken instances get the repair their tags allow (or an enoperm result), and the
// counts of the states are printed. The decisions are in src/htools/harep.ts.
import { randomUUID } from "node:crypto";
import {
  type ArStatus, type InstanceRepair, type RepairOp, SHOW_TYPE, detectBroken, initialState, instancePolicy, showPolicy,
  stateName, tagsToDrop, typeAllowed, withTag,
} from "../htools/harep.js";
import * as C from "../htools/container.js";
import type { ClusterData } from "../htools/loader.js";
import { LuxiMethod } from "../luxi/protocol.js";
import type { LuxiClient } from "../luxi/client.js";
import { COMMON_SPECS as S, HELP_SPECS, ExitError, VERSION, emit, exitErr, last, readOpt, runMain } from "./common.js";
import { annotateOp, execJobsWaitOk, type Op } from "./exec-jobs.js";
import { fetchLuxiData, luxiSocket, openLuxi } from "./luxi.js";
import type { OptSpec } from "./options.js";

const X = {
  jobDelay: { long: "job-delay", arg: "req", argName: "SECONDS", help: "insert this much delay before the execution of repair jobs to allow the tool to continue processing instances" },
  reason: { long: "reason", arg: "req", argName: "REASON", help: "The reason to pass to the submitted jobs" },
  dryRun: { long: "dry-run", arg: "none", help: "do not execute any commands and just report what would be done" },
} satisfies Record<string, OptSpec>;

export const HAREP_SPECS: readonly OptSpec[] = [S.luxi!, X.jobDelay, X.reason, X.dryRun, ...HELP_SPECS];

interface Settings {
  readonly socket: string;
  readonly delay: number;
  readonly reason: string | null;
  readonly dryRun: boolean;
}

const say = (s: string): void => void process.stdout.write(`${s}\n`);

/** Haskell's show of a ClockTime (local time, as harep prints suspension ends). */
function showTime(s: number): string {
  return new Date(s * 1000).toString().replace(/ GMT[+-]\d{4} \((.+)\)$/, " $1").replace(/^(\w{3}) (\w{3}) (\d\d) (\d{4}) (\S+) (.+)$/, "$1 $2 $3 $5 $6 $4");
}

class Harep {
  constructor(private readonly s: Settings, private readonly c: LuxiClient) {}

  private annotate(op: RepairOp, tsNs: number): Op {
    return annotateOp(op, "harep", this.s.reason ?? `harep ${VERSION} called`, `automated repairs by harep ${VERSION}`, null, tsNs);
  }

  /** Ganeti's commitChange: the state's tag added, older ones removed, each in a job waited for. */
  private async commit(r: InstanceRepair): Promise<InstanceRepair> {
    const ts = Date.now() * 1e6;
    const run = async (op: RepairOp): Promise<void> => {
      if (this.s.dryRun) return;
      const res = await execJobsWaitOk(this.c, [[this.annotate(op, ts)]]);
      if (!res.ok) exitErr(res.error);
    };
    const data = r.state.data;
    if (data !== null) {
      say(`>>> Adding the following tag to ${r.name}:\n${JSON.stringify(data.tag)}`);
      await run({ OP_ID: "OP_TAGS_SET", kind: "instance", tags: [data.tag], name: r.name });
    }
    if (r.tagsToRemove.length > 0) {
      process.stdout.write(`>>> Removing the following tags from ${r.name}:\n${r.tagsToRemove.map((t) => `${JSON.stringify(t)}\n`).join("")}`);
      await run({ OP_ID: "OP_TAGS_DEL", kind: "instance", tags: [...r.tagsToRemove], name: r.name });
    }
    return { ...r, tagsToRemove: [] };
  }

  /** Ganeti's processPending: a repair whose jobs all ended becomes a success or a failure. */
  async processPending(r: InstanceRepair): Promise<InstanceRepair> {
    if (r.state.kind !== "pending") return r;
    const d = r.state.data;
    let rows: unknown;
    try {
      rows = await this.c.call(LuxiMethod.queryJobs, [[...d.jobs], ["status"]]);
    } catch (e) {
      exitErr(`could not check job status: ${(e as Error).message}`);
    }
    const sts = (Array.isArray(rows) ? rows : []).map((row) => (Array.isArray(row) ? String(row[0]) : "error"));
    if (sts.some((s) => ["queued", "waiting", "canceling", "running"].includes(s))) return r;
    const time = Math.floor(Date.now() / 1000);
    const next: ArStatus = sts.every((s) => s === "success")
      ? { kind: "healthy", data: withTag({ ...d, result: "success", time }) }
      : { kind: "failed", data: withTag({ ...d, result: "failure", time }) };
    say(`Moving ${r.name} from ${JSON.stringify(stateName(r.state))} to ${JSON.stringify(stateName(next))}`);
    return this.commit({ ...r, state: next, tagsToRemove: tagsToDrop(r) });
  }

  /** Ganeti's doRepair: the repair if the policy allows it, else an enoperm result. */
  async repair(r: InstanceRepair, broken: { type: keyof typeof SHOW_TYPE; ops: RepairOp[] }): Promise<InstanceRepair> {
    const p = r.policy;
    if (p.kind !== "enabled") {
      say(`Not repairing ${r.name} because it's in state ${showPolicy(p, showTime)}`);
      return r;
    }
    const time = Math.floor(Date.now() / 1000);
    if (!typeAllowed(p, broken.type)) {
      say(`Not performing a repair of type ${SHOW_TYPE[broken.type]} on ${r.name} because only repairs up to ${SHOW_TYPE[p.max]} are allowed`);
      const state: ArStatus = { kind: "needs-repair", data: withTag({ type: broken.type, uuid: randomUUID(), time, jobs: [], result: "enoperm" }) };
      return this.commit({ ...r, state, tagsToRemove: tagsToDrop(r) });
    }
    say(`Executing ${SHOW_TYPE[broken.type]} repair on ${r.name}`);
    const ts = Date.now() * 1e6;
    const ops = [
      ...(this.s.delay > 0 ? [{ OP_ID: "OP_TEST_DELAY", duration: this.s.delay, on_master: true, on_nodes: [], repeat: 0, interruptible: false, no_locks: false }] : []),
      ...broken.ops,
    ].map((op) => this.annotate(op, ts));
    let jobs: number[] = [];
    if (this.s.dryRun) {
      say(`jobs: ${JSON.stringify([ops])}`);
    } else {
      const sub = (await this.c.call(LuxiMethod.submitManyJobs, [[ops]])) as unknown;
      const first = Array.isArray(sub) ? (sub[0] as unknown) : null;
      if (!Array.isArray(first) || first[0] !== true) exitErr(`Job submission error: ${Array.isArray(first) ? String(first[1]) : JSON.stringify(sub)}`);
      jobs = [Number(first[1])];
    }
    const state: ArStatus = { kind: "pending", data: withTag({ type: broken.type, uuid: randomUUID(), time, jobs, result: null }) };
    return this.commit({ ...r, state, tagsToRemove: tagsToDrop(r) });
  }
}

async function harep(s: Settings, cd: ClusterData): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  const insts = C.elems(cd.instances);
  let states: InstanceRepair[];
  try {
    states = insts.map((i) => initialState(i.name, instancePolicy(cd, i, now), i.allTags));
  } catch (e) {
    exitErr(`when parsing auto-repair tags: ${(e as Error).message}`);
  }
  const cr = await openLuxi(s.socket);
  if (!cr.ok) exitErr(cr.error);
  const h = new Harep(s, cr.value);
  try {
    const processed: InstanceRepair[] = [];
    for (const r of states) processed.push(await h.processPending(r));
    const done: InstanceRepair[] = [];
    for (const [k, r] of processed.entries()) {
      const broken = detectBroken(cd, insts[k]!);
      done.push(broken !== null && r.state.kind === "healthy" ? await h.repair(r, broken) : r);
    }
    const counts = new Map<string, number>();
    for (const r of done) counts.set(stateName(r.state), (counts.get(stateName(r.state)) ?? 0) + 1);
    say("---------------------");
    say("Instance status count");
    say("---------------------");
    for (const k of [...counts.keys()].sort()) say(`${k}: ${counts.get(k) ?? 0}`);
  } finally {
    cr.value.close();
  }
}

export async function run(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  let settings: Settings | null = null;
  const r = runMain("harep", HAREP_SPECS, argv, (p) => {
    if (p.args.length > 0) exitErr("this program doesn't take any arguments.");
    settings = {
      socket: luxiSocket(last(p, S.luxi!)), delay: readOpt(p, X.jobDelay, "job delay", false) ?? 10,
      reason: last(p, X.reason) ?? null, dryRun: p.values.has(X.dryRun.long),
    };
    return 0;
  }, true);
  if (r.code !== 0 || settings === null) {
    emit(r);
    process.exitCode = r.code;
    return;
  }
  const s: Settings = settings;
  try {
    const data = await fetchLuxiData(s.socket);
    if (!data.ok) exitErr(`failed to load data, aborting: ${data.error}`);
    await harep(s, data.value);
  } catch (e) {
    if (!(e instanceof ExitError)) throw e;
    process.stderr.write(`${e.message}\n`);
    process.exitCode = e.code;
  }
}
