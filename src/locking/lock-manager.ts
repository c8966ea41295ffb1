// Ganeti's lock manager: named locks in levels (cluster, instance, node-alloc, nodegroup,
// node, node-res, network), shared or exclusive. Every owner acquires in one global order
// (level order; at each level the level's set lock first, then names sorted), so no
// deadlock is possible. Waiters are served by priority, then arrival (no overtaking).
import { LOCK_LEVELS, ALL_SET, type LockLevel } from "../constants.js";
import { LockError } from "../errors.js";

export type LockMode = "shared" | "exclusive";

interface Waiter {
  readonly owner: string;
  readonly mode: LockMode;
  readonly priority: number;
  readonly seq: number;
  readonly grant: () => void;
  readonly fail: (e: Error) => void;
}

class Lock {
  readonly holders = new Map<string, LockMode>();
  waiters: Waiter[] = [];

  compatible(mode: LockMode): boolean {
    if (this.holders.size === 0) return true;
    if (mode === "exclusive") return false;
    for (const m of this.holders.values()) if (m === "exclusive") return false;
    return true;
  }

  /** Grants from the head of the queue while compatible (several shared at once). */
  wake(): void {
    while (this.waiters.length > 0) {
      const w = this.waiters[0] as Waiter;
      if (!this.compatible(w.mode)) return;
      this.waiters.shift();
      this.holders.set(w.owner, w.mode);
      w.grant();
    }
  }

  enqueue(w: Waiter): void {
    // sorted by (priority, seq): a lower priority number is more urgent, as in Ganeti
    let i = this.waiters.length;
    while (i > 0) {
      const prev = this.waiters[i - 1] as Waiter;
      if (prev.priority < w.priority || (prev.priority === w.priority && prev.seq < w.seq)) break;
      i--;
    }
    this.waiters.splice(i, 0, w);
  }
}

export interface LockRequest {
  readonly level: LockLevel;
  /** Lock names, or "all" for every lock of the level. */
  readonly names: readonly string[] | "all";
  readonly mode: LockMode;
}

export interface LockSnapshotEntry {
  readonly name: string;
  readonly mode: LockMode | null;
  readonly owners: readonly string[];
  readonly pending: ReadonlyArray<readonly [LockMode, string]>;
}

export class LockManager {
  private readonly locks = new Map<string, Lock>();
  /** Known names per level (instances, nodes, ...), for "all" acquisitions. */
  private readonly known = new Map<LockLevel, Set<string>>();
  private seq = 0;
  private readonly held = new Map<string, Set<string>>();

  constructor(names: Partial<Record<LockLevel, readonly string[]>> = {}) {
    for (const l of LOCK_LEVELS) this.known.set(l, new Set(names[l] ?? []));
  }

  /** Keeps the lock names of a level in step with the configuration. */
  setNames(level: LockLevel, names: readonly string[]): void {
    this.known.set(level, new Set(names));
  }

  private key(level: LockLevel, name: string): string {
    return `${level}/${name}`;
  }

  private lock(key: string): Lock {
    let l = this.locks.get(key);
    if (l === undefined) {
      l = new Lock();
      this.locks.set(key, l);
    }
    return l;
  }

  private acquireOne(owner: string, key: string, mode: LockMode, priority: number, signal?: AbortSignal): Promise<void> {
    const l = this.lock(key);
    const cur = l.holders.get(owner);
    if (cur !== undefined) {
      if (cur === "shared" && mode === "exclusive") {
        return Promise.reject(new LockError(`Owner ${owner} cannot upgrade lock ${key} from shared to exclusive`));
      }
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = {
        owner, mode, priority, seq: this.seq++,
        grant: () => {
          this.noteHeld(owner, key);
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        fail: reject,
      };
      const onAbort = (): void => {
        const i = l.waiters.indexOf(w);
        if (i >= 0) {
          l.waiters.splice(i, 1);
          l.wake();
          reject(new LockError(`Lock acquisition of ${key} cancelled`));
        }
      };
      if (signal?.aborted === true) {
        reject(new LockError(`Lock acquisition of ${key} cancelled`));
        return;
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      l.enqueue(w);
      l.wake();
    });
  }

  private noteHeld(owner: string, key: string): void {
    let s = this.held.get(owner);
    if (s === undefined) {
      s = new Set();
      this.held.set(owner, s);
    }
    s.add(key);
  }

  /**
   * Acquires the locks of one level. Callers go through levels in LOCK_LEVELS order; an
   * owner asking for a level below one it already holds is refused (it could deadlock).
   */
  async acquire(owner: string, req: LockRequest, priority = 0, signal?: AbortSignal): Promise<readonly string[]> {
    const li = LOCK_LEVELS.indexOf(req.level);
    for (const k of this.held.get(owner) ?? []) {
      const lvl = k.slice(0, k.indexOf("/")) as LockLevel;
      if (LOCK_LEVELS.indexOf(lvl) > li) {
        throw new LockError(`Owner ${owner} must acquire level ${req.level} before ${lvl}`);
      }
    }
    const all = req.names === "all";
    const names = all ? [...(this.known.get(req.level) ?? [])].sort() : [...new Set(req.names)].sort();
    // The set lock: exclusive when taking the whole level (blocks adds/removes), shared otherwise.
    await this.acquireOne(owner, this.key(req.level, ALL_SET), all ? req.mode : "shared", priority, signal);
    try {
      for (const n of names) await this.acquireOne(owner, this.key(req.level, n), req.mode, priority, signal);
    } catch (e) {
      this.releaseLevel(owner, req.level);
      throw e;
    }
    return names;
  }

  /** Releases some or all of an owner's locks at one level. */
  releaseLevel(owner: string, level: LockLevel, names?: readonly string[]): void {
    const s = this.held.get(owner);
    if (s === undefined) return;
    const prefix = `${level}/`;
    const only = names === undefined ? null : new Set(names.map((n) => this.key(level, n)));
    for (const k of [...s]) {
      if (!k.startsWith(prefix) || (only !== null && !only.has(k))) continue;
      if (only === null || k !== this.key(level, ALL_SET)) this.releaseKey(owner, k, s);
    }
  }

  private releaseKey(owner: string, key: string, s: Set<string>): void {
    s.delete(key);
    const l = this.locks.get(key);
    if (l === undefined) return;
    l.holders.delete(owner);
    l.wake();
    if (l.holders.size === 0 && l.waiters.length === 0) this.locks.delete(key);
  }

  releaseAll(owner: string): void {
    const s = this.held.get(owner);
    if (s === undefined) return;
    for (const k of [...s]) this.releaseKey(owner, k, s);
    this.held.delete(owner);
  }

  /** Names an owner holds at a level (without the set lock). */
  owned(owner: string, level: LockLevel): string[] {
    const prefix = `${level}/`;
    return [...(this.held.get(owner) ?? [])]
      .filter((k) => k.startsWith(prefix) && k !== this.key(level, ALL_SET))
      .map((k) => k.slice(prefix.length)).sort();
  }

  /** For gnt-debug locks: every lock with holders or waiters. */
  snapshot(): LockSnapshotEntry[] {
    const out: LockSnapshotEntry[] = [];
    for (const [name, l] of [...this.locks].sort(([a], [b]) => a.localeCompare(b))) {
      const modes = new Set(l.holders.values());
      out.push({
        name,
        mode: modes.size === 0 ? null : modes.has("exclusive") ? "exclusive" : "shared",
        owners: [...l.holders.keys()].sort(),
        pending: l.waiters.map((w) => [w.mode, w.owner] as const),
      });
    }
    return out;
  }
}
