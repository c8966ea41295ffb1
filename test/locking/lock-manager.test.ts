import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { LockManager, type LockMode } from "../../src/locking/lock-manager.js";
import { LOCK_LEVELS, type LockLevel } from "../../src/constants.js";

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test("exclusive excludes, shared shares", async () => {
  const lm = new LockManager({ node: ["n1", "n2"] });
  await lm.acquire("a", { level: "node", names: ["n1"], mode: "shared" });
  await lm.acquire("b", { level: "node", names: ["n1"], mode: "shared" });
  let cGot = false;
  const c = lm.acquire("c", { level: "node", names: ["n1"], mode: "exclusive" }).then(() => { cGot = true; });
  await tick();
  assert.equal(cGot, false);
  lm.releaseAll("a");
  await tick();
  assert.equal(cGot, false);
  lm.releaseAll("b");
  await c;
  assert.equal(cGot, true);
  assert.deepEqual(lm.owned("c", "node"), ["n1"]);
});

test("acquiring a whole level excludes holders of any name in it", async () => {
  const lm = new LockManager({ instance: ["i1", "i2"] });
  await lm.acquire("a", { level: "instance", names: ["i2"], mode: "shared" });
  let got = false;
  const p = lm.acquire("b", { level: "instance", names: "all", mode: "exclusive" });
  void p.then(() => { got = true; });
  await tick();
  assert.equal(got, false);
  lm.releaseAll("a");
  assert.deepEqual(await p, ["i1", "i2"]);
  assert.equal(got, true);
});

test("shared whole-level acquisition waits for an exclusive holder of one name", async () => {
  const lm = new LockManager({ node: ["n1", "n2"] });
  await lm.acquire("a", { level: "node", names: ["n2"], mode: "exclusive" });
  let got = false;
  const p = lm.acquire("b", { level: "node", names: "all", mode: "shared" }).then(() => { got = true; });
  await tick();
  assert.equal(got, false);
  lm.releaseAll("a");
  await p;
  assert.equal(got, true);
});

test("higher priority waiters are served first", async () => {
  const lm = new LockManager();
  await lm.acquire("holder", { level: "cluster", names: ["BGL"], mode: "exclusive" });
  const order: string[] = [];
  const low = lm.acquire("low", { level: "cluster", names: ["BGL"], mode: "exclusive" }, 10).then(() => {
    order.push("low");
    lm.releaseAll("low");
  });
  const high = lm.acquire("high", { level: "cluster", names: ["BGL"], mode: "exclusive" }, -10).then(() => {
    order.push("high");
    lm.releaseAll("high");
  });
  await tick(); // both are queued behind the holder
  lm.releaseAll("holder");
  await Promise.all([low, high]);
  assert.deepEqual(order, ["high", "low"]);
});

test("acquiring out of level order is refused", async () => {
  const lm = new LockManager();
  await lm.acquire("a", { level: "node", names: ["n1"], mode: "shared" });
  await assert.rejects(lm.acquire("a", { level: "instance", names: ["i1"], mode: "shared" }), /must acquire level instance before node/);
});

test("cancelling a waiting acquisition leaves no trace", async () => {
  const lm = new LockManager();
  await lm.acquire("a", { level: "node", names: ["n1"], mode: "exclusive" });
  const ac = new AbortController();
  const p = lm.acquire("b", { level: "node", names: ["n1"], mode: "exclusive" }, 0, ac.signal);
  ac.abort();
  await assert.rejects(p, /cancelled/);
  lm.releaseAll("a");
  assert.deepEqual(lm.snapshot(), []);
});

// Many concurrent jobs with random, overlapping lock sets over all levels: every job
// finishes (no deadlock) and no two jobs ever hold conflicting modes of one lock.
test("many concurrent conflicting jobs: exclusion holds and none deadlocks", async () => {
  const names = ["a", "b", "c", "d"];
  const levels = LOCK_LEVELS.filter((l) => l !== "cluster");
  const req = fc.record({
    level: fc.constantFrom(...levels),
    names: fc.oneof(fc.constant("all" as const), fc.subarray(names, { minLength: 1 })),
    mode: fc.constantFrom<LockMode>("shared", "exclusive"),
  });
  const job = fc.record({
    bgl: fc.constantFrom<LockMode>("shared", "exclusive"),
    reqs: fc.array(req, { maxLength: 4 }),
    priority: fc.integer({ min: -20, max: 19 }),
    hold: fc.integer({ min: 0, max: 3 }),
  });
  await fc.assert(fc.asyncProperty(fc.array(job, { minLength: 2, maxLength: 25 }), async (jobs) => {
    const lm = new LockManager(Object.fromEntries(levels.map((l) => [l, names])) as Record<LockLevel, string[]>);
    const holding = new Map<string, Map<string, LockMode>>(); // lock -> owner -> mode
    const check = (owner: string, key: string, mode: LockMode): void => {
      let m = holding.get(key);
      if (m === undefined) holding.set(key, (m = new Map()));
      for (const [o, om] of m) {
        if (o !== owner) assert.ok(mode === "shared" && om === "shared", `conflict on ${key}: ${o}/${om} vs ${owner}/${mode}`);
      }
      m.set(owner, mode);
    };
    const run = async (j: (typeof jobs)[number], idx: number): Promise<void> => {
      const owner = `job${idx}`;
      await lm.acquire(owner, { level: "cluster", names: ["BGL"], mode: j.bgl }, j.priority);
      check(owner, "cluster/BGL", j.bgl);
      // Requests are issued level by level, as the processor does.
      const byLevel = [...j.reqs].sort((x, y) => LOCK_LEVELS.indexOf(x.level) - LOCK_LEVELS.indexOf(y.level));
      const merged = new Map<LockLevel, { names: Set<string> | "all"; mode: LockMode }>();
      for (const r of byLevel) {
        const cur = merged.get(r.level);
        const mode: LockMode = cur?.mode === "exclusive" || r.mode === "exclusive" ? "exclusive" : "shared";
        const ns = cur?.names === "all" || r.names === "all" ? "all" : new Set([...(cur?.names ?? []), ...r.names]);
        merged.set(r.level, { names: ns, mode });
      }
      for (const [level, r] of merged) {
        const got = await lm.acquire(owner, { level, names: r.names === "all" ? "all" : [...r.names], mode: r.mode }, j.priority);
        for (const n of got) check(owner, `${level}/${n}`, r.mode);
      }
      for (let i = 0; i < j.hold; i++) await tick();
      for (const m of holding.values()) m.delete(owner);
      lm.releaseAll(owner);
    };
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error("deadlock: jobs did not finish")), 5000); });
    await Promise.race([Promise.all(jobs.map(run)), deadline]);
    clearTimeout(timer);
    assert.deepEqual(lm.snapshot(), []);
  }), { numRuns: 150 });
});
