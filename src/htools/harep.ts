// harep's decisions (Ganeti's HTools/Program/Harep.hs and Loader's auto-repair policy),
// pure: which repairs the tags allow where, what state an instance's repair tags put it
// in, what is broken and which opcodes repair it, and the tags that record it all.
import type { ClusterData } from "./loader.js";
import * as C from "./container.js";
import type { Instance } from "./instance.js";

export const AR_TAG = "ganeti:watcher:autorepair:";
const AR_PENDING = `${AR_TAG}pending:`;
const AR_RESULT = `${AR_TAG}result:`;
const AR_SUSPEND = `${AR_TAG}suspend`;

/** Repair types from least to most destructive (the order matters: a tag allows all below it). */
export const REPAIR_TYPES = ["fix-storage", "migrate", "failover", "reinstall"] as const;
export type RepairType = (typeof REPAIR_TYPES)[number];
/** Results in Ganeti's precedence order (higher wins among a repair's tags). */
export const REPAIR_RESULTS = ["enoperm", "success", "failure"] as const;
export type RepairResult = (typeof REPAIR_RESULTS)[number];

/** Haskell's `show` of the repair types, as harep prints them. */
export const SHOW_TYPE: Readonly<Record<RepairType, string>> = {
  "fix-storage": "ArFixStorage", migrate: "ArMigrate", failover: "ArFailover", reinstall: "ArReinstall",
};

export type ArPolicy =
  | { readonly kind: "enabled"; readonly max: RepairType }
  | { readonly kind: "suspended"; readonly until: number | null } // seconds; null: forever
  | { readonly kind: "not-enabled" };

export interface RepairData {
  readonly type: RepairType;
  readonly uuid: string;
  /** Seconds since the epoch. */
  readonly time: number;
  readonly jobs: readonly number[];
  readonly result: RepairResult | null;
  readonly tag: string;
}

export type ArStatus =
  | { readonly kind: "healthy"; readonly data: RepairData | null }
  | { readonly kind: "needs-repair"; readonly data: RepairData }
  | { readonly kind: "pending"; readonly data: RepairData }
  | { readonly kind: "failed"; readonly data: RepairData };

export interface InstanceRepair {
  readonly name: string;
  readonly policy: ArPolicy;
  readonly state: ArStatus;
  /** Older repair tags to remove with the next change. */
  readonly tagsToRemove: readonly string[];
}

const typeRank = (t: RepairType): number => REPAIR_TYPES.indexOf(t);

/**
 * Ganeti's getArPolicy: the policy the tags of one object set, or null when they say
 * nothing. A suspension without a time wins, then the latest future one, then the least
 * destructive enabled type. `...:suspend` without a colon counts as permanent too (the
 * guide's syntax; Ganeti itself only recognises `...:suspend:`).
 */
export function tagsPolicy(tags: readonly string[], now: number): ArPolicy | null {
  const enabled: RepairType[] = [];
  const suspended: string[] = [];
  for (const t of tags) {
    if (t === AR_SUSPEND) suspended.push("");
    else if (t.startsWith(`${AR_SUSPEND}:`)) suspended.push(t.slice(AR_SUSPEND.length + 1));
    else if (t.startsWith(AR_TAG)) {
      const rest = t.slice(AR_TAG.length);
      if ((REPAIR_TYPES as readonly string[]).includes(rest)) enabled.push(rest as RepairType);
    }
  }
  if (suspended.includes("")) return { kind: "suspended", until: null };
  const future = suspended.map((s) => (/^\d+$/.test(s) ? Number(s) : NaN)).filter((s) => s > now);
  if (future.length > 0) return { kind: "suspended", until: Math.max(...future) };
  if (enabled.length > 0) return { kind: "enabled", max: enabled.reduce((a, b) => (typeRank(b) < typeRank(a) ? b : a)) };
  return null;
}

/** Ganeti's setArPolicy: the instance's own tags, else its primary node's group's, else the cluster's. */
export function instancePolicy(cd: ClusterData, inst: Instance, now: number): ArPolicy {
  const own = tagsPolicy(inst.allTags, now);
  if (own !== null) return own;
  const group = C.find(cd.groups, C.find(cd.nodes, inst.pNode).group);
  return tagsPolicy(group.allTags, now) ?? tagsPolicy(cd.tags, now) ?? { kind: "not-enabled" };
}

/** Ganeti's parseInitTag: a pending or result tag, or null for any other tag (a malformed one is an error). */
export function parseRepairTag(tag: string): RepairData | null {
  const pending = tag.startsWith(AR_PENDING);
  if (!pending && !tag.startsWith(AR_RESULT)) return null;
  const parts = tag.slice(pending ? AR_PENDING.length : AR_RESULT.length).split(":");
  if (parts.length !== (pending ? 4 : 5)) throw new Error(`Invalid tag: ${JSON.stringify(tag)}`);
  const [type, uuid, ts] = parts as [string, string, string];
  const jobs = parts[parts.length - 1] as string;
  if (!(REPAIR_TYPES as readonly string[]).includes(type)) throw new Error(`Invalid auto-repair type: ${JSON.stringify(type)}`);
  if (!/^-?\d+$/.test(ts)) throw new Error(`Cannot parse auto-repair time: ${JSON.stringify(ts)}`);
  // Haskell's sepSplit: an empty list (an enoperm result ran no job) has no element.
  const jobIds = (jobs === "" ? [] : jobs.split("+")).map((j) => {
    if (!/^\d+$/.test(j)) throw new Error(`Invalid job ID ${JSON.stringify(j)}`);
    return Number(j);
  });
  let result: RepairResult | null = null;
  if (!pending) {
    const r = parts[3] as string;
    if (!(REPAIR_RESULTS as readonly string[]).includes(r)) throw new Error(`Invalid auto-repair result: ${JSON.stringify(r)}`);
    result = r as RepairResult;
  }
  return { type: type as RepairType, uuid, time: Number(ts), jobs: jobIds, result, tag };
}

const stateData = (s: ArStatus): RepairData | null => s.data;

/** Ganeti's delCurTag: the current state's tag goes with the next change, with those already queued. */
export function tagsToDrop(r: InstanceRepair): string[] {
  const d = stateData(r.state);
  return d !== null ? [d.tag, ...r.tagsToRemove] : [...r.tagsToRemove];
}

/** Ganeti's setInitialState: the instance's repair tags, grouped by repair, oldest repair first. */
export function initialState(name: string, policy: ArPolicy, tags: readonly string[]): InstanceRepair {
  const data = tags.map(parseRepairTag).filter((d): d is RepairData => d !== null);
  const groups = new Map<string, RepairData[]>();
  for (const d of [...data].sort((a, b) => (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0))) {
    const g = groups.get(d.uuid);
    if (g === undefined) groups.set(d.uuid, [d]);
    else g.push(d);
  }
  const ordered = [...groups.values()].sort((a, b) => Math.min(...a.map((d) => d.time)) - Math.min(...b.map((d) => d.time)));
  let cur: InstanceRepair = { name, policy, state: { kind: "healthy", data: null }, tagsToRemove: [] };
  for (const g of ordered) {
    // The repair's latest word: by result (none < enoperm < success < failure), then time.
    const rank = (d: RepairData): number => (d.result === null ? -1 : REPAIR_RESULTS.indexOf(d.result));
    const newest = [...g].sort((a, b) => rank(a) - rank(b) || a.time - b.time).at(-1) as RepairData;
    const next: ArStatus = newest.result === "success" || newest.result === "enoperm" ? { kind: "healthy", data: newest }
      : newest.result === "failure" ? { kind: "failed", data: newest } : { kind: "pending", data: newest };
    switch (cur.state.kind) {
      case "failed":
        break; // the earliest failure stays
      case "healthy":
        cur = { ...cur, state: next, tagsToRemove: tagsToDrop(cur) };
        break;
      case "pending":
        throw new Error(`An unfinished repair was found in instance ${name}: found tag ${JSON.stringify(newest.tag)}, but older pending tag ` +
          `${JSON.stringify(cur.state.data.tag)}exists.`);
      case "needs-repair":
        throw new Error("programming error: ArNeedsRepair found as an initial state");
    }
  }
  return cur;
}

/** Ganeti's updateTag: the tag that records a repair's data. */
export function repairTag(d: Omit<RepairData, "tag">): string {
  const head = [d.type, d.uuid, String(d.time)];
  const jobs = d.jobs.join("+");
  return d.result === null ? `${AR_PENDING}${[...head, jobs].join(":")}` : `${AR_RESULT}${[...head, d.result, jobs].join(":")}`;
}

export function withTag(d: Omit<RepairData, "tag">): RepairData {
  return { ...d, tag: repairTag(d) };
}

/** Ganeti's arStateName. */
export function stateName(s: ArStatus): string {
  return { healthy: "Healthy", failed: "Failure", pending: "Pending repair", "needs-repair": "Needs repair" }[s.kind];
}

export type RepairOp = Readonly<Record<string, unknown>>;

/**
 * Ganeti's detectBroken: what is wrong with the instance (its nodes offline) and the
 * opcodes that repair it. Only drbd and plain instances are looked at, as Ganeti's.
 */
export function detectBroken(cd: ClusterData, inst: Instance): { type: RepairType; ops: RepairOp[] } | null {
  const offline = (idx: number): boolean => idx >= 0 && C.find(cd.nodes, idx).offline;
  const offPri = offline(inst.pNode);
  const reinstall = (): RepairOp[] => [
    { OP_ID: "OP_INSTANCE_RECREATE_DISKS", instance_name: inst.name, disks: [], nodes: [], iallocator: "hail" },
    { OP_ID: "OP_INSTANCE_REINSTALL", instance_name: inst.name, force_variant: false },
  ];
  if (inst.diskTemplate === "drbd") {
    const offSec = offline(inst.sNode);
    if (offPri && offSec) return { type: "reinstall", ops: reinstall() };
    if (offPri) {
      return { type: "failover", ops: [{ OP_ID: "OP_INSTANCE_FAILOVER", instance_name: inst.name, shutdown_timeout: 120,
        ignore_consistency: false, ignore_ipolicy: false, cleanup: false }] };
    }
    if (offSec) {
      return { type: "fix-storage", ops: [{ OP_ID: "OP_INSTANCE_REPLACE_DISKS", instance_name: inst.name, mode: "replace_new_secondary",
        disks: [], iallocator: "hail", early_release: false, ignore_ipolicy: false }] };
    }
    return null;
  }
  if (inst.diskTemplate === "plain" && offPri) return { type: "reinstall", ops: reinstall() };
  return null;
}

/** Haskell's `show` of a policy, as harep prints it for an instance it won't touch. */
export function showPolicy(p: ArPolicy, fmtTime: (s: number) => string): string {
  if (p.kind === "not-enabled") return "ArNotEnabled";
  if (p.kind === "suspended") return p.until === null ? "ArSuspended Forever" : `ArSuspended (Until ${fmtTime(p.until)})`;
  return `ArEnabled ${SHOW_TYPE[p.max]}`;
}

export function typeAllowed(p: ArPolicy, t: RepairType): boolean {
  return p.kind === "enabled" && typeRank(t) <= typeRank(p.max);
}
