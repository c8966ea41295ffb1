// The watcher's decisions, as Ganeti's ganeti-watcher takes them, over plain data: which
// instances to restart (ERROR_down, at most MAXTRIES attempts, forgotten after
// RETRY_EXPIRATION), which nodes rebooted since the last run (their boot id changed), and
// the state file that carries this between runs (Ganeti's watcher.<group>.data layout).

export const MAXTRIES = 5;
/** Restart attempts older than this are forgotten (Ganeti's RETRY_EXPIRATION, 8 h). */
export const RETRY_EXPIRATION = 8 * 3600;
/** The instance must be restarted: it should run, its node is up, it does not run. */
export const BAD_STATES: ReadonlySet<string> = new Set(["ERROR_down"]);
/** Nothing the watcher can do from here: the node is down or offline. */
export const HELPLESS_STATES: ReadonlySet<string> = new Set(["ERROR_nodedown", "ERROR_nodeoffline"]);

export interface WatcherState {
  instance: Record<string, { restart_count: number; restart_when: number }>;
  node: Record<string, { bootid: string }>;
}

export interface InstanceRow {
  readonly name: string;
  readonly status: string;
  readonly disksActive: boolean;
  readonly snodes: readonly string[];
}

export interface NodeRow {
  readonly name: string;
  readonly bootid: string | null;
  readonly offline: boolean;
  /** Instances with this node as secondary. */
  readonly secondaries: readonly string[];
}

export type LogLevel = "debug" | "info" | "warning" | "error";
export interface LogLine {
  readonly level: LogLevel;
  readonly msg: string;
}

/** A state file's text, tolerating garbage as Ganeti does ("Invalid state file. Using defaults."). */
export function parseState(text: string | null): { state: WatcherState; log: LogLine[] } {
  const empty = (): WatcherState => ({ instance: {}, node: {} });
  if (text === null || text.trim() === "") return { state: empty(), log: [] };
  try {
    const raw = JSON.parse(text) as Partial<WatcherState>;
    return { state: { instance: { ...(raw.instance ?? {}) }, node: { ...(raw.node ?? {}) } }, log: [] };
  } catch (e) {
    return { state: empty(), log: [{ level: "warning", msg: `Invalid state file. Using defaults. Error message: ${(e as Error).message}` }] };
  }
}

export interface RestartPlan {
  readonly restart: readonly string[];
  readonly state: WatcherState;
  readonly log: readonly LogLine[];
}

/**
 * Ganeti's _CheckInstances: forget instances gone from the cluster and stale attempts;
 * restart ERROR_down instances (each attempt counted); give up after MAXTRIES; note
 * restarts that worked.
 */
export function planRestarts(instances: readonly InstanceRow[], prev: WatcherState, now: number): RestartPlan {
  const names = new Set(instances.map((i) => i.name));
  const inst: WatcherState["instance"] = {};
  for (const [name, v] of Object.entries(prev.instance)) {
    if (names.has(name) && now - v.restart_when <= RETRY_EXPIRATION) inst[name] = { ...v };
  }
  const restart: string[] = [];
  const log: LogLine[] = [];
  const attempt = (name: string): void => {
    inst[name] = { restart_count: (inst[name]?.restart_count ?? 0) + 1, restart_when: now };
  };
  for (const i of [...instances].sort((a, b) => a.name.localeCompare(b.name))) {
    const n = inst[i.name]?.restart_count ?? 0;
    if (BAD_STATES.has(i.status)) {
      if (n > MAXTRIES) {
        log.push({ level: "warning", msg: `Not restarting instance '${i.name}', retries exhausted` });
      } else if (n === MAXTRIES) {
        attempt(i.name);
        log.push({ level: "error", msg: `Could not restart instance '${i.name}' after ${MAXTRIES} attempts, giving up` });
      } else {
        log.push({ level: "info", msg: `Restarting instance '${i.name}' (attempt #${n + 1})` });
        restart.push(i.name);
        attempt(i.name);
      }
    } else if (n > 0) {
      delete inst[i.name];
      if (!HELPLESS_STATES.has(i.status)) log.push({ level: "info", msg: `Restart of instance '${i.name}' succeeded` });
    }
  }
  return { restart, state: { ...prev, instance: inst }, log };
}

export interface DiskPlan {
  readonly activate: readonly string[];
  readonly state: WatcherState;
  readonly log: readonly LogLine[];
}

/**
 * Ganeti's _CheckDisks: a node whose boot id changed has rebooted, so the disks of the
 * instances it is secondary for must be activated again there (unless the instance was
 * just started, or its disks are not meant to be active).
 */
export function planDiskActivation(nodes: readonly NodeRow[], instances: readonly InstanceRow[], prev: WatcherState,
  started: ReadonlySet<string>): DiskPlan {
  const log: LogLine[] = [];
  const byName = new Map(instances.map((i) => [i.name, i]));
  const rebooted = nodes.filter((n) => {
    if (n.bootid === null || n.bootid === "") {
      if (!n.offline) log.push({ level: "debug", msg: `Node '${n.name}' missing boot ID, skipping secondary checks` });
      return false;
    }
    return prev.node[n.name]?.bootid !== n.bootid;
  });
  const activate: string[] = [];
  for (const n of rebooted) {
    for (const name of n.secondaries) {
      const i = byName.get(name);
      if (i === undefined) {
        log.push({ level: "info", msg: `Can't find instance '${name}', maybe it was ignored` });
      } else if (!i.disksActive) {
        log.push({ level: "info", msg: `Skipping disk activation for instance with not activated disks '${name}'` });
      } else if (started.has(name)) {
        log.push({ level: "debug", msg: `Skipping disk activation for instance '${name}' as it was already started` });
      } else if (!activate.includes(name)) {
        log.push({ level: "info", msg: `Activating disks for instance '${name}'` });
        activate.push(name);
      }
    }
  }
  const node = { ...prev.node };
  for (const n of rebooted) node[n.name] = { bootid: n.bootid ?? "" };
  return { activate, state: { ...prev, node }, log };
}

/** Ganeti's instance status file: "name status" per line, sorted. */
export function instanceStatusText(instances: readonly InstanceRow[]): string {
  return [...instances].sort((a, b) => a.name.localeCompare(b.name)).map((i) => `${i.name} ${i.status}\n`).join("");
}
