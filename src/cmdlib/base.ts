// Logical units: one per opcode, with Ganeti's fixed lifecycle
//   checkArguments → expandNames → declareLocks(level) → checkPrereq → hooks pre → exec → hooks post
// An LU declares the locks it needs as data (this.needed); the processor acquires them.
// The submitted opcode is never rewritten: resolved values live in the LU's own fields.
import type { ConfigData, Node } from "../objects/types.js";
import type { ConfigStore } from "../config/store.js";
import type { RpcClient } from "../rpc/client.js";
import type { GanetiPaths } from "../util/paths.js";
import type { OpInput, OpOutcome } from "../jobs/queue.js";
import { LockLevel, type LockLevel as LockLevelT } from "../constants.js";
import type { LockMode } from "../locking/lock-manager.js";
import { OpPrereqError, ErrorCode } from "../errors.js";

export interface LockNeed {
  names: string[] | "all";
  mode: LockMode;
}

export type HookType = "CLUSTER" | "NODE" | "INSTANCE" | "GROUP" | "NETWORK";

/** What an LU may use: the config, node RPC, feedback to the job log. */
export interface LuEnv {
  readonly config: ConfigStore;
  readonly rpc: RpcClient;
  readonly paths: GanetiPaths;
  readonly jobId: number;
  feedback(msg: string): void;
  /** The master's own name (this node). */
  readonly masterName: string;
  /** Daemon-level actions the master may be asked for (e.g. stop itself after destroy). */
  readonly daemon: { requestShutdown(reason: string): void };
  /** Gives up this opcode's locks at one level early (Ganeti's ReleaseLocks), set by the processor. */
  releaseLocks?(level: LockLevelT): void;
}

/** One node's answer to the hooks runner: the scripts' [name, status, output], or why it failed. */
export interface HookNodeResult {
  readonly ok: boolean;
  readonly offline: boolean;
  readonly failMsg: string | null;
  readonly scripts: ReadonlyArray<readonly [string, "success" | "fail" | "skip", string]>;
}

export abstract class LogicalUnit<Op extends OpInput = OpInput> {
  /** Exclusive Big Ganeti Lock (cluster-wide changes); otherwise the BGL is shared. */
  readonly reqBgl: boolean = true;
  /** Hooks path (directory prefix) and object type; null: no hooks. */
  readonly hooksPath: string | null = null;
  readonly hooksType: HookType = "CLUSTER";
  readonly needed = new Map<LockLevelT, LockNeed>();

  constructor(protected readonly op: Op, protected readonly env: LuEnv) {}

  /** The opcode's OP_ID (for hooks and logs). */
  get opId(): string {
    return this.op.OP_ID;
  }

  protected get cfg(): ConfigData {
    return this.env.config.get();
  }

  checkArguments(): void {}
  /** Resolve names to objects and declare locks in `needed`. */
  expandNames(): void {}
  /** Refine the locks of `level` once the levels before it are held. */
  declareLocks(_level: LockLevelT): void {}
  abstract checkPrereq(): Promise<void> | void;
  abstract exec(): Promise<OpOutcome>;

  /** Hooks environment (without the GANETI_ prefix) and the nodes to run on [pre, post]. */
  buildHooksEnv(): Record<string, string> {
    return {};
  }
  buildHooksNodes(): [string[], string[]] {
    return [[], []];
  }
  /**
   * Ganeti's HooksCallBack: what the post hooks answered, per node, may change the outcome
   * (cluster verify reports failed scripts). By default they change nothing.
   */
  hooksCallBack(_results: ReadonlyMap<string, HookNodeResult>, outcome: OpOutcome): OpOutcome {
    return outcome;
  }

  /** The LU's view for the disk helpers of instance-disks.ts (config as of now). */
  protected diskEnv(): { readonly rpc: RpcClient; readonly cfg: ConfigData; info(m: string): void; warn(m: string): void } {
    return { rpc: this.env.rpc, cfg: this.cfg, info: (m) => this.logInfo(m), warn: (m) => this.logWarning(m) };
  }

  protected logInfo(msg: string): void {
    this.env.feedback(` - INFO: ${msg}`);
  }
  protected logWarning(msg: string): void {
    this.env.feedback(` - WARNING: ${msg}`);
  }
  /** Releases the locks held at `level` before the opcode ends, so other jobs may proceed. */
  protected releaseLocks(level: LockLevelT): void {
    this.env.releaseLocks?.(level);
  }

  protected lock(level: LockLevelT, names: string[] | "all", mode: LockMode = "exclusive"): void {
    this.needed.set(level, { names, mode });
  }
}

/** Ganeti's name expansion (utils.MatchNameComponent): exact, or a unique first component. */
export function expandName<T extends { name: string }>(items: Iterable<T>, name: string): T | null {
  const all = [...items];
  const exact = all.find((x) => x.name === name);
  if (exact !== undefined) return exact;
  const lower = name.toLowerCase();
  const matches = all.filter((x) => x.name.toLowerCase() === lower || x.name.toLowerCase().startsWith(`${lower}.`));
  return matches.length === 1 ? (matches[0] as T) : null;
}

export function expandNodeName(cfg: ConfigData, name: string): Node {
  const n = expandName(Object.values(cfg.nodes), name);
  if (n === null) throw new OpPrereqError(`Node '${name}' not known`, ErrorCode.noent);
  return n;
}

/** The master node's name ("" when the configuration lacks it): the usual hooks node. */
export function masterName(cfg: ConfigData): string {
  return cfg.nodes[cfg.cluster.master_node]?.name ?? "";
}

/** The master and a node group's members (hooks of group-wide operations), by name. */
export function groupHookNodes(cfg: ConfigData, groupUuid: string): string[] {
  const m = masterName(cfg);
  return [m, ...Object.values(cfg.nodes).filter((n) => n.group === groupUuid && n.name !== m).map((n) => n.name)];
}

export function masterNodeOf(cfg: ConfigData): Node {
  const n = cfg.nodes[cfg.cluster.master_node];
  if (n === undefined) throw new OpPrereqError("Master node not in the configuration", ErrorCode.fault);
  return n;
}

export const Levels = LockLevel;
