// harep on a 3-node devcluster, run after run as a cron job would: a mirrored instance whose
// secondary went offline gets a new secondary (fix-storage, allowed by a cluster tag), its
// pending tag becomes a success tag once the job is done; when its primary goes offline the
// failover is refused (enoperm) until an instance tag allows it; a suspended instance is
// left alone. Outputs and tags asserted at each run.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { DevCluster, rows } from "../helpers/devcluster.js";

let c: DevCluster;
before(async () => {
  c = await DevCluster.up(3, 30);
});
after(async () => {
  await c?.destroy();
});

const AR = "ganeti:watcher:autorepair:";
const tags = async (i: string): Promise<string[]> => rows(await c.ok("gnt-instance", "list-tags", i)).map((r) => r[0] ?? "");
const place = async (i: string): Promise<string[]> => rows(await c.ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "pnode,snodes", i))[0] ?? [];

/** Runs harep until the instance's pending repair has become a result (the jobs take a moment). */
async function untilSettled(inst: string): Promise<string> {
  for (let k = 0; k < 60; k++) {
    const out = await c.ok("harep", "--job-delay=0");
    if (out.includes(`Moving ${inst} from "Pending repair"`)) return out;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the repair of ${inst} never finished`);
}

test("harep repairs step by step, within what the tags allow", async () => {
  await c.ok("gnt-instance", "add", "-t", "drbd", "-s", "8M", "-o", "image+default", "-n", "node2:node3", "--no-name-check", "web");
  await c.ok("gnt-instance", "add", "-t", "drbd", "-s", "8M", "-o", "image+default", "-n", "node2:node3", "--no-name-check", "db",
    "--tags", `${AR}suspend`);
  // Nothing broken, nothing allowed: nothing happens.
  assert.equal(await c.ok("harep", "--job-delay=0"), "---------------------\nInstance status count\n---------------------\nHealthy: 2\n");
  await c.ok("gnt-cluster", "add-tags", `${AR}fix-storage`);
  await c.ok("gnt-node", "modify", "-O", "yes", "node3");
  const first = await c.ok("harep", "--job-delay=0");
  const lines = first.split("\n");
  assert.equal(lines[0], "Not repairing db because it's in state ArSuspended Forever");
  assert.equal(lines[1], "Executing ArFixStorage repair on web");
  assert.equal(lines[2], ">>> Adding the following tag to web:");
  assert.match(lines[3] ?? "", new RegExp(`^"${AR}pending:fix-storage:[0-9a-f-]{36}:\\d+:\\d+"$`));
  assert.deepEqual(lines.slice(4), ["---------------------", "Instance status count", "---------------------", "Healthy: 1", "Pending repair: 1", ""]);
  const pending = JSON.parse(lines[3] ?? "") as string;
  assert.deepEqual(await tags("web"), [pending]);
  const second = await untilSettled("web");
  assert.match(second, /Moving web from "Pending repair" to "Healthy"\n>>> Adding the following tag to web:\n"ganeti:watcher:autorepair:result:fix-storage:[0-9a-f-]{36}:\d+:success:\d+"\n>>> Removing the following tags from web:\n"ganeti:watcher:autorepair:pending:fix-storage:/);
  assert.deepEqual(await place("web"), ["node2", "node1"], "a new secondary, chosen by hail");
  const [result] = await tags("web");
  assert.match(result ?? "", new RegExp(`^${AR}result:fix-storage:.*:success:`));
  // The primary goes offline: a failover is needed, the cluster only allows fix-storage.
  await c.ok("gnt-node", "modify", "-O", "yes", "node2");
  const third = await c.ok("harep", "--job-delay=0");
  assert.match(third, /Not performing a repair of type ArFailover on web because only repairs up to ArFixStorage are allowed\n/);
  const enoperm = (await tags("web"))[0] ?? "";
  assert.match(enoperm, new RegExp(`^${AR}result:failover:[0-9a-f-]{36}:\\d+:enoperm:$`));
  assert.deepEqual(await place("web"), ["node2", "node1"]);
  // node3 is back; the instance's own tag allows failovers: the next run does it.
  await c.ok("gnt-node", "modify", "-O", "no", "node3");
  await c.ok("gnt-instance", "add-tags", "web", `${AR}failover`);
  const fourth = await c.ok("harep", "--job-delay=0");
  assert.match(fourth, /Executing ArFailover repair on web\n/);
  // Once failed over, its secondary is the offline node2: the same run starts the next repair.
  const fifth = await untilSettled("web");
  assert.match(fifth, /Moving web from "Pending repair" to "Healthy"\n(.*\n)*Executing ArFixStorage repair on web\n/);
  assert.equal((await place("web"))[0], "node1", "failed over to its secondary");
  const sixth = await untilSettled("web");
  assert.match(sixth, /Moving web from "Pending repair" to "Healthy"\n/, `${sixth}\n${(await c.on("node1", "gnt-job", "info", /:(\d+)"\n/.exec(sixth)?.[1] ?? "")).stdout}`);
  assert.deepEqual(await place("web"), ["node1", "node3"]);
  assert.deepEqual(rows(await c.ok("gnt-instance", "list", "--no-headers", "-o", "status", "web")), [["running"]]);
  const final = await tags("web");
  assert.ok(final.includes(`${AR}failover`));
  assert.ok(final.some((t) => new RegExp(`^${AR}result:fix-storage:.*:success:\\d+$`).test(t)), final.join(" "));
  assert.equal(final.length, 2, final.join(" "));
  assert.match(await c.ok("harep", "--job-delay=0"), /Healthy: 2\n$/);
});
