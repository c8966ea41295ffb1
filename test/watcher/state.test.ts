// The watcher's decisions (src/watcher/state.ts): restarts with Ganeti's limits, reboots
// seen through boot ids, the state file read leniently.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MAXTRIES, RETRY_EXPIRATION, parseState, planDiskActivation, planRestarts, instanceStatusText, type InstanceRow } from "../../src/watcher/state.js";

const inst = (name: string, status: string, extra: Partial<InstanceRow> = {}): InstanceRow => ({ name, status, disksActive: true, snodes: [], ...extra });

test("ERROR_down instances are restarted, attempts counted, then given up after MAXTRIES", () => {
  let state = parseState(null).state;
  const msgs: string[] = [];
  for (let run = 1; run <= MAXTRIES + 2; run++) {
    const p = planRestarts([inst("a", "ERROR_down"), inst("b", "running"), inst("c", "ERROR_nodedown")], state, 1000 + run);
    msgs.push(...p.log.map((l) => `${l.level}: ${l.msg}`));
    assert.deepEqual(p.restart, run <= MAXTRIES ? ["a"] : []);
    state = p.state;
  }
  assert.deepEqual(msgs.slice(0, 2), ["info: Restarting instance 'a' (attempt #1)", "info: Restarting instance 'a' (attempt #2)"]);
  assert.equal(msgs[MAXTRIES], `error: Could not restart instance 'a' after ${MAXTRIES} attempts, giving up`);
  assert.equal(msgs[MAXTRIES + 1], "warning: Not restarting instance 'a', retries exhausted");
  assert.equal(state.instance["a"]?.restart_count, MAXTRIES + 1);
  // Running again: the count is dropped and the success noted.
  const ok = planRestarts([inst("a", "running")], state, 2000);
  assert.deepEqual(ok.log, [{ level: "info", msg: "Restart of instance 'a' succeeded" }]);
  assert.deepEqual(ok.state.instance, {});
});

test("attempts older than RETRY_EXPIRATION and instances gone from the cluster are forgotten", () => {
  const state = { instance: { a: { restart_count: MAXTRIES + 1, restart_when: 0 }, gone: { restart_count: 1, restart_when: 10 } }, node: {} };
  const p = planRestarts([inst("a", "ERROR_down")], state, RETRY_EXPIRATION + 1);
  assert.deepEqual(p.restart, ["a"]);
  assert.deepEqual(Object.keys(p.state.instance), ["a"]);
  assert.equal(p.state.instance["a"]?.restart_count, 1);
});

test("a changed boot id activates the disks of the instances the node is secondary for", () => {
  const insts = [inst("x", "running", { snodes: ["n2"] }), inst("y", "ADMIN_down", { disksActive: false, snodes: ["n2"] }),
    inst("z", "running", { snodes: ["n2"] })];
  const nodes = [{ name: "n1", bootid: "b1", offline: false, secondaries: [] }, { name: "n2", bootid: "b2-new", offline: false, secondaries: ["x", "y", "z"] },
    { name: "n3", bootid: null, offline: false, secondaries: [] }];
  const prev = { instance: {}, node: { n1: { bootid: "b1" }, n2: { bootid: "b2-old" } } };
  const p = planDiskActivation(nodes, insts, prev, new Set(["z"]));
  assert.deepEqual(p.activate, ["x"]);
  assert.deepEqual(p.log.map((l) => l.msg), ["Node 'n3' missing boot ID, skipping secondary checks", "Activating disks for instance 'x'",
    "Skipping disk activation for instance with not activated disks 'y'", "Skipping disk activation for instance 'z' as it was already started"]);
  assert.deepEqual(p.state.node, { n1: { bootid: "b1" }, n2: { bootid: "b2-new" } });
  // Nothing changed since: nothing to do.
  assert.deepEqual(planDiskActivation(nodes, insts, p.state, new Set()).activate, []);
});

test("a damaged state file is replaced by an empty one with Ganeti's warning; status file lines", () => {
  const r = parseState("{not json");
  assert.deepEqual(r.state, { instance: {}, node: {} });
  assert.equal(r.log[0]?.level, "warning");
  assert.match(r.log[0]?.msg ?? "", /^Invalid state file\. Using defaults\. Error message: /);
  assert.equal(instanceStatusText([inst("b", "running"), inst("a", "ERROR_down")]), "a ERROR_down\nb running\n");
});
