// The opcode processor (Ganeti's mcpu.Processor): builds the LU for an opcode, acquires
// the locks it declared level by level, runs prerequisites, hooks and execution, and
// always releases its locks.
import { LOCK_LEVELS, LockLevel, BGL, HOOKS_VERSION } from "../constants.js";
import type { LockManager } from "../locking/lock-manager.js";
import type { OpInput, OpOutcome, OpRunContext } from "../jobs/queue.js";
import type { ConfigData } from "../objects/types.js";
import { type HookNodeResult, type LogicalUnit, type LuEnv } from "./base.js";
import { OpCodeUnknown, HooksAbort } from "../errors.js";
import { nodeTarget } from "../config/store.js";

export type LuFactory = (op: OpInput, env: LuEnv) => LogicalUnit;

function namesAtLevel(cfg: ConfigData, level: LockLevel): string[] {
  switch (level) {
    case LockLevel.node:
    case LockLevel.nodeRes: return Object.keys(cfg.nodes);
    case LockLevel.instance: return Object.keys(cfg.instances);
    case LockLevel.nodegroup: return Object.keys(cfg.nodegroups);
    case LockLevel.network: return Object.keys(cfg.networks ?? {});
    case LockLevel.cluster: return [BGL];
    case LockLevel.nodeAlloc: return ["NAL"];
  }
}

export interface ProcessorDeps {
  readonly locks: LockManager;
  readonly registry: ReadonlyMap<string, LuFactory>;
  readonly env: (run: OpRunContext) => LuEnv;
}

export async function processOpcode(deps: ProcessorDeps, op: OpInput, run: OpRunContext): Promise<OpOutcome> {
  const factory = deps.registry.get(op.OP_ID);
  if (factory === undefined) throw new OpCodeUnknown(op.OP_ID);
  const owner = `job${run.jobId}/${run.opIndex}`;
  const env: LuEnv = { ...deps.env(run), releaseLocks: (level) => deps.locks.releaseLevel(owner, level) };
  const lu = factory(op, env);
  try {
    lu.checkArguments();
    lu.expandNames();
    await deps.locks.acquire(owner, { level: LockLevel.cluster, names: [BGL], mode: lu.reqBgl ? "exclusive" : "shared" },
      run.priority, run.signal);
    for (const level of LOCK_LEVELS) {
      if (level === LockLevel.cluster) continue;
      lu.declareLocks(level);
      const need = lu.needed.get(level);
      if (need === undefined) continue;
      if (need.names === "all") deps.locks.setNames(level, namesAtLevel(env.config.get(), level));
      await deps.locks.acquire(owner, { level, names: need.names, mode: need.mode }, run.priority, run.signal);
    }
    run.notifyStart();
    await lu.checkPrereq();
    // The hook environment is built once before the pre phase; post hooks get it again
    // (GANETI_*) beside the environment as it is after the operation (GANETI_POST_*), as Ganeti's.
    const preEnv = lu.hooksPath === null ? {} : lu.buildHooksEnv();
    await runHooks(lu, env, "pre", preEnv);
    // Ganeti's dry run: every check and the pre hooks ran; nothing is executed or written.
    if (op["dry_run"] === true) {
      env.feedback(" - INFO: dry-run mode requested, not actually executing the operation");
      return { result: null };
    }
    const outcome = await lu.exec();
    let post: Map<string, HookNodeResult> | null = null;
    try {
      post = await runHooks(lu, env, "post", preEnv);
    } catch (e) {
      env.feedback(` - WARNING: post hooks failed: ${(e as Error).message}`);
    }
    return post === null ? outcome : lu.hooksCallBack(post, outcome);
  } finally {
    deps.locks.releaseAll(owner);
  }
}

/** Runs the LU's hooks on its nodes; a failing pre hook aborts the opcode (HooksAbort). */
async function runHooks(lu: LogicalUnit, env: LuEnv, phase: "pre" | "post", preEnv: Readonly<Record<string, string>>):
  Promise<Map<string, HookNodeResult> | null> {
  if (lu.hooksPath === null) return null;
  const [pre, post] = lu.buildHooksNodes();
  const names = phase === "pre" ? pre : post;
  if (names.length === 0) return null;
  const cfg = env.config.get();
  const targets = Object.values(cfg.nodes).filter((n) => names.includes(n.name)).map(nodeTarget);
  const hookEnv: Record<string, string> = {
    GANETI_HOOKS_VERSION: String(HOOKS_VERSION),
    GANETI_HOOKS_PHASE: phase,
    GANETI_HOOKS_PATH: lu.hooksPath,
    GANETI_OBJECT_TYPE: lu.hooksType,
    GANETI_OP_CODE: lu.opId,
    GANETI_CLUSTER: cfg.cluster.cluster_name,
    GANETI_MASTER: env.masterName,
    GANETI_DATA_DIR: "/var/lib/ganeti",
  };
  for (const [k, v] of Object.entries(preEnv)) hookEnv[`GANETI_${k}`] = v;
  if (phase === "post") {
    let postEnv: Record<string, string> = {};
    try {
      postEnv = lu.buildHooksEnv();
    } catch {
      // The object may be gone (a removal): the pre-phase values stand alone.
    }
    for (const [k, v] of Object.entries(postEnv)) hookEnv[`GANETI_POST_${k}`] = v;
  }
  const res = await env.rpc.callMany(targets, "hooks_runner", { hpath: lu.hooksPath, phase, env: hookEnv });
  const failures: Array<[string, string, string]> = [];
  for (const r of res.values()) {
    if (!r.ok) {
      if (!r.offline) env.feedback(` - WARNING: Communication failure to node ${r.node}: ${r.failMsg}`);
      continue;
    }
    for (const [script, status, output] of r.payload ?? []) {
      if (status !== "fail") continue;
      // Ganeti's HooksMaster: a failed pre hook aborts, a failed post hook is a warning.
      if (phase === "pre") failures.push([r.node, script, output]);
      else env.feedback(` - WARNING: On ${r.node} script ${script} failed, output: ${output === "" ? "(no output)" : output}`);
    }
  }
  if (failures.length > 0 && phase === "pre") {
    throw new HooksAbort(failures.map(([n, s, o]) => (o === "" ? `  node: ${n}, script: ${s} (no output)` : `  node: ${n}, script: ${s}, output: ${o}`)).join("\n"));
  }
  return new Map([...res.values()].map((r) => [r.node, { ok: r.ok, offline: r.offline, failMsg: r.failMsg, scripts: r.payload ?? [] }]));
}
