// harep's decisions (src/htools/harep.ts) against Ganeti's Harep.hs and Loader.hs rules:
// policy precedence (the guide's example), suspensions, repair tags and their states,
// what is broken and the opcodes that repair it (valid against our opcode schemas).
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseData } from "../../src/htools/text.js";
import * as C from "../../src/htools/container.js";
import type { ClusterData } from "../../src/htools/loader.js";
import {
  AR_TAG, detectBroken, initialState, instancePolicy, parseRepairTag, repairTag, stateName, tagsPolicy, tagsToDrop, typeAllowed,
} from "../../src/htools/harep.js";
import { validateOpcode } from "../../src/opcodes/index.js";

function cluster(nodeOffline: Record<string, boolean>, insts: string[], groupTags = "", clusterTags: string[] = []): ClusterData {
  const nodes = ["n1", "n2", "n3"].map((n) => `${n}|8192|512|7000|100000|90000|4|${nodeOffline[n] === true ? "Y" : "N"}|u1|1`);
  const r = parseData([`g1|u1|preferred|${groupTags}|`, "", ...nodes, "", ...insts, "", ...clusterTags, ""].join("\n"));
  assert.ok(r.ok, r.ok ? "" : r.error);
  return r.value;
}
const inst = (cd: ClusterData, name: string) => C.elems(cd.instances).find((i) => i.name === name)!;

test("policy: the nearest object wins, the least destructive tag of one object, suspensions first", () => {
  const now = 1_000_000;
  // The guide's example: I1 has failover, the cluster fix-storage and reinstall.
  const cd = cluster({}, ["i1|128|1024|1|running|Y|n1|n2|drbd|" + `${AR_TAG}failover|1`, "i2|128|1024|1|running|Y|n1|n2|drbd||1"], "",
    [`${AR_TAG}fix-storage`, `${AR_TAG}reinstall`]);
  assert.deepEqual(instancePolicy(cd, inst(cd, "i1"), now), { kind: "enabled", max: "failover" });
  assert.deepEqual(instancePolicy(cd, inst(cd, "i2"), now), { kind: "enabled", max: "fix-storage" });
  // A group's suspension covers its instances; the instance's own tag still comes first.
  const g = cluster({}, ["i1|128|1024|1|running|Y|n1|n2|drbd||1", "i2|128|1024|1|running|Y|n1|n2|drbd|" + `${AR_TAG}migrate|1`],
    `${AR_TAG}suspend`, [`${AR_TAG}reinstall`]);
  assert.deepEqual(instancePolicy(g, inst(g, "i1"), now), { kind: "suspended", until: null });
  assert.deepEqual(instancePolicy(g, inst(g, "i2"), now), { kind: "enabled", max: "migrate" });
  assert.deepEqual(instancePolicy(cluster({}, ["i1|128|1024|1|running|Y|n1|n2|drbd||1"]), inst(g, "i1"), now), { kind: "not-enabled" });
  // Timed suspensions: only future ones count, the latest wins; the untimed one beats them.
  assert.deepEqual(tagsPolicy([`${AR_TAG}suspend:${now - 5}`, `${AR_TAG}migrate`], now), { kind: "enabled", max: "migrate" });
  assert.deepEqual(tagsPolicy([`${AR_TAG}suspend:${now + 5}`, `${AR_TAG}suspend:${now + 50}`], now), { kind: "suspended", until: now + 50 });
  assert.deepEqual(tagsPolicy([`${AR_TAG}suspend:${now + 5}`, `${AR_TAG}suspend:`], now), { kind: "suspended", until: null });
  assert.equal(tagsPolicy(["other", `${AR_TAG}nonsense`], now), null);
  assert.ok(typeAllowed({ kind: "enabled", max: "failover" }, "migrate"));
  assert.ok(!typeAllowed({ kind: "enabled", max: "failover" }, "reinstall"));
  assert.ok(!typeAllowed({ kind: "suspended", until: null }, "fix-storage"));
});

test("repair tags: written and read back, malformed ones refused", () => {
  const d = { type: "fix-storage" as const, uuid: "u-1", time: 1700000000, jobs: [12, 13], result: null };
  const pend = repairTag(d);
  assert.equal(pend, `${AR_TAG}pending:fix-storage:u-1:1700000000:12+13`);
  assert.deepEqual(parseRepairTag(pend), { ...d, tag: pend });
  const res = repairTag({ ...d, result: "success" });
  assert.equal(res, `${AR_TAG}result:fix-storage:u-1:1700000000:success:12+13`);
  assert.equal(parseRepairTag(res)?.result, "success");
  assert.equal(parseRepairTag("unrelated"), null);
  assert.deepEqual(parseRepairTag(`${AR_TAG}result:failover:u-2:5:enoperm:`)?.jobs, [], "an enoperm result ran no job");
  assert.throws(() => parseRepairTag(`${AR_TAG}pending:fix-storage:u-1:1`), /Invalid tag/);
  assert.throws(() => parseRepairTag(`${AR_TAG}result:bogus:u:1:success:1`), /Invalid auto-repair type/);
  assert.throws(() => parseRepairTag(`${AR_TAG}result:migrate:u:1:maybe:1`), /Invalid auto-repair result/);
});

test("initial states: the latest word of each repair, the earliest failure kept, two pending refused", () => {
  const p = { kind: "not-enabled" } as const;
  const t = (type: string, uuid: string, time: number, result: string | null): string =>
    repairTag({ type: type as "migrate", uuid, time, jobs: [1], result: result as null });
  assert.equal(stateName(initialState("x", p, []).state), "Healthy");
  const pending = initialState("x", p, [t("migrate", "a", 10, null)]);
  assert.equal(stateName(pending.state), "Pending repair");
  // A repair with its pending and success tags: healthy by its latest word; the next
  // change replaces that word's tag (harep itself never leaves both: it swaps them).
  const done = initialState("x", p, [t("migrate", "a", 10, null), t("migrate", "a", 20, "success")]);
  assert.equal(done.state.kind, "healthy");
  assert.equal(done.state.data?.result, "success");
  assert.deepEqual(tagsToDrop(done), [t("migrate", "a", 20, "success")]);
  // Two repairs one after the other: the older one's tag goes with the next change.
  const two = initialState("x", p, [t("migrate", "a", 10, "enoperm"), t("failover", "b", 30, "success")]);
  assert.equal(two.state.data?.type, "failover");
  assert.deepEqual(two.tagsToRemove, [t("migrate", "a", 10, "enoperm")]);
  // An older failure stays what the instance is, whatever came later.
  const failed = initialState("x", p, [t("migrate", "a", 10, "failure"), t("failover", "b", 30, "success")]);
  assert.equal(failed.state.kind, "failed");
  assert.throws(() => initialState("x", p, [t("migrate", "a", 10, null), t("failover", "b", 30, null)]), /An unfinished repair was found in instance x/);
});

test("broken instances and their repairs, as Ganeti's detectBroken", () => {
  const drbd = "i|128|1024|1|running|Y|n1|n2|drbd||1";
  const ops = (cd: ClusterData) => detectBroken(cd, inst(cd, "i"));
  assert.equal(ops(cluster({}, [drbd])), null);
  assert.equal(ops(cluster({ n2: true }, [drbd]))?.type, "fix-storage");
  assert.equal(ops(cluster({ n1: true }, [drbd]))?.type, "failover");
  assert.equal(ops(cluster({ n1: true, n2: true }, [drbd]))?.type, "reinstall");
  assert.equal(ops(cluster({ n1: true }, ["i|128|1024|1|running|Y|n1||plain||1"]))?.type, "reinstall");
  assert.equal(ops(cluster({ n1: true }, ["i|128|1024|1|running|Y|n1||file||1"])), null);
  for (const offline of [{ n2: true }, { n1: true }, { n1: true, n2: true }] as Array<Record<string, boolean>>) {
    for (const op of ops(cluster(offline, [drbd]))?.ops ?? []) assert.doesNotThrow(() => validateOpcode(op), JSON.stringify(op));
  }
});
