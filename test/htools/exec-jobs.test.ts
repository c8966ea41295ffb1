// Executing solutions as jobs (hbal -X, hsqueeze -X) against a scripted luxi server:
// job sets one after the other, the jobs of a set submitted together, Ganeti's messages
// on failure, Ctrl-C stopping after the current set; and -X without luxi.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { MessageSplitter, encodeResponse } from "../../src/luxi/protocol.js";
import { annotateOp, execWithCancel, type JobSetSpec } from "../../src/htools-cli/exec-jobs.js";
import { hbalMain } from "../../src/htools-cli/hbal.js";
import { hsqueezeMain } from "../../src/htools-cli/hsqueeze.js";
import { parseLuxiData } from "../../src/htools/luxi-data.js";

const DATA = join(resolve(import.meta.dirname, "../../.."), ".cache/ganeti-testsuite/usr/share/ganeti/testsuite/test/data/htools");

interface Fake {
  readonly server: Server;
  readonly socket: string;
  /** Calls in order: "submit:<instance names per job>" and "query:<ids>". */
  readonly calls: string[];
  close(): Promise<void>;
}

/** A luxi server whose jobs run for `polls` status queries and then end in `final(names)`. */
async function fakeMaster(final: (instance: string) => string, polls = 1): Promise<Fake> {
  const dir = mkdtempSync(join(tmpdir(), "fake-luxi-"));
  const socket = join(dir, "sock");
  const calls: string[] = [];
  const jobs = new Map<number, { left: number; status: string }>();
  let next = 100;
  const server = createServer((conn) => {
    const split = new MessageSplitter();
    conn.setEncoding("utf8");
    conn.on("data", (chunk: string) => {
      for (const msg of split.push(chunk)) {
        const req = JSON.parse(msg) as { method: string; args: unknown[] };
        if (req.method === "SubmitManyJobs") {
          const js = req.args[0] as { instance_name?: string; OP_ID: string }[][];
          calls.push(`submit:${js.map((ops) => ops.map((o) => o.instance_name ?? o.OP_ID).join("+")).join(",")}`);
          const ids = js.map((ops) => {
            const id = next++;
            jobs.set(id, { left: polls, status: final(ops[0]!.instance_name ?? "") });
            return id;
          });
          conn.write(encodeResponse(true, ids.map((id) => [true, id])));
        } else if (req.method === "QueryJobs") {
          const ids = req.args[0] as number[];
          calls.push(`query:${ids.join(",")}`);
          conn.write(encodeResponse(true, ids.map((id) => {
            const j = jobs.get(id)!;
            if (j.left > 0) {
              j.left--;
              return ["running"];
            }
            return [j.status];
          })));
        } else conn.write(encodeResponse(false, `unexpected ${req.method}`));
      }
    });
  });
  await new Promise<void>((ok) => server.listen(socket, ok));
  return {
    server, socket, calls,
    close: () => new Promise<void>((ok) => server.close(() => {
      rmSync(dir, { recursive: true, force: true });
      ok();
    })),
  };
}

const op = (instance: string): Record<string, unknown> => ({ OP_ID: "OP_INSTANCE_MIGRATE", instance_name: instance });
const SETS: JobSetSpec[] = [
  { jobs: [[op("a")], [op("b")]], descr: "Executing jobset for instances a,b" },
  { jobs: [[op("c"), op("c")]], descr: "Executing jobset for instances c" },
];

function collector(): { lines: string[]; io: { say: (l: string) => void; sleep: () => Promise<void> } } {
  const lines: string[] = [];
  return { lines, io: { say: (l) => void lines.push(l), sleep: () => new Promise((ok) => setImmediate(ok)) } };
}

test("job sets run in order; the jobs of a set are submitted together and polled to the end", async () => {
  const m = await fakeMaster(() => "success", 2);
  try {
    const { lines, io } = collector();
    const r = await execWithCancel(m.socket, SETS, io);
    assert.deepEqual(r, { ok: true, value: null });
    assert.deepEqual(lines, ["Got job IDs 100,101", "Got job IDs 102"]);
    // the second set is only submitted once both jobs of the first have finished
    assert.deepEqual(m.calls, ["submit:a,b", "query:100,101", "query:100,101", "query:100,101", "submit:c+c", "query:102", "query:102", "query:102"]);
  } finally {
    await m.close();
  }
});

test("a failed job stops the run with Ganeti's message", async () => {
  const m = await fakeMaster((i) => (i === "b" ? "error" : "success"));
  try {
    const { lines, io } = collector();
    const r = await execWithCancel(m.socket, SETS, io);
    assert.deepEqual(r, { ok: false, error: "Not all jobs completed successfully: [(JobId {fromJobId = 101},JOB_STATUS_ERROR)]\nAborting.\n" });
    assert.deepEqual(lines, ["Got job IDs 100,101"]);
    assert.ok(!m.calls.some((c) => c.startsWith("submit:c")));
  } finally {
    await m.close();
  }
});

test("Ctrl-C: the current set finishes, the rest is not submitted", async () => {
  const m = await fakeMaster(() => "success");
  try {
    const { lines, io } = collector();
    const said = io.say;
    let signalled = false;
    const r = await execWithCancel(m.socket, SETS, {
      ...io,
      say: (l) => {
        said(l);
        if (!signalled && l.startsWith("Got job IDs")) {
          signalled = true;
          process.emit("SIGINT", "SIGINT");
        }
      },
    });
    assert.deepEqual(r, { ok: true, value: null });
    assert.deepEqual(lines.slice(0, 6), [
      "Got job IDs 100,101",
      "Cancel request registered, will exit at the end of the current job set...",
      "Exiting early due to user request, ",
      "1jobset(s) submitted: ",
      '[("Executing jobset for instances a,b",[(100,JOB_STATUS_SUCCESS),(101,JOB_STATUS_SUCCESS)])]',
      "1 jobset(s) not submitted:",
    ]);
    assert.match(lines[6]!, /^\[\("Executing jobset for instances c",/);
    assert.deepEqual(m.calls.filter((c) => c.startsWith("submit")), ["submit:a,b"]);
    assert.equal(process.listenerCount("SIGINT"), 0, "the handler is removed afterwards");
  } finally {
    await m.close();
  }
});

test("no master: the connection error as Ganeti prints it", async () => {
  const { io } = collector();
  const r = await execWithCancel("/nonexistent/socket", SETS, io);
  assert.deepEqual(r, { ok: false, error: "Network.Socket.connect: <socket: 3>: does not exist (No such file or directory)" });
});

test("opcodes get Ganeti's annotations", () => {
  const a = annotateOp({ OP_ID: "OP_INSTANCE_MIGRATE", reason: [["gnt:user", "x", 1]] }, "hbal", "hbal 3.0.2-ts called", "rebalancing via hbal 3.0.2-ts", -10, 5);
  assert.deepEqual(a, {
    OP_ID: "OP_INSTANCE_MIGRATE", reason: [["gnt:user", "x", 1], ["hbal", "hbal 3.0.2-ts called", 5]],
    comment: "rebalancing via hbal 3.0.2-ts", priority: -10,
  });
});

test("-X needs luxi: Ganeti's message after the solution", (t) => {
  if (!existsSync(DATA)) {
    if (process.env.CI === "true") assert.fail(`missing ${DATA}`);
    t.skip(`missing ${DATA}`);
    return;
  }
  const r = hbalMain(["-t", join(DATA, "hbal-evac.data"), "-X"]);
  assert.equal(r.code, 1);
  assert.match(r.out, /Cluster score improved/);
  assert.equal(r.err, "Error: hbal: Execution of commands possible only on LUXI\n");
  assert.equal(r.exec, undefined);
  const s = hsqueezeMain(["-t", join(DATA, "hsqueeze-underutilized.data"), "-X"]);
  assert.equal(s.err, "Error: hsqueeze: Execution of commands possible only on LUXI\n");
  const ganeti = "/usr/lib/ganeti/3.0/usr/bin/hbal";
  if (existsSync(ganeti)) {
    const g = spawnSync(ganeti, ["-t", join(DATA, "hbal-evac.data"), "-X"], { encoding: "utf8", argv0: "hbal" });
    assert.deepEqual([r.code, r.out, r.err], [g.status, g.stdout, g.stderr]);
  }
});

test("luxi data: Ganeti's messages for unusable answers", () => {
  const group = [[0, "uuid-1"], [0, "default"], [0, "preferred"], [0, {
    "disk-templates": ["drbd"], minmax: [{ min: { "cpu-count": 1, "disk-count": 1, "disk-size": 1024, "memory-size": 128, "nic-count": 1, "spindle-use": 1 },
      max: { "cpu-count": 8, "disk-count": 16, "disk-size": 1048576, "memory-size": 32768, "nic-count": 8, "spindle-use": 12 } }],
    std: { "cpu-count": 1, "disk-count": 1, "disk-size": 1024, "memory-size": 128, "nic-count": 1, "spindle-use": 1 }, "spindle-ratio": 32, "vcpu-ratio": 4,
  }], [0, []]];
  const node = (name: string, mtotal: unknown = [0, 4096]) => [[0, name], mtotal, [0, 512], [0, 3000], [0, 100000], [0, 90000], [0, 4], [0, 0], [0, false], [0, false], [0, true],
    [0, 1], [0, "uuid-1"], [0, []], [0, false], [3, null], [3, null], [0, 1]];
  const cinfo = { tags: [], ipolicy: group[3]![1], master: "n1", default_hypervisor: "fake" };
  const good = parseLuxiData({ groups: { data: [group] }, nodes: { data: [node("n1"), node("n2")] }, instances: { data: [] }, cinfo });
  assert.ok(good.ok, good.ok ? "" : good.error);
  assert.deepEqual(good.value.nodes.map((n) => [n!.name, n!.isMaster, n!.tMem, n!.offline]), [["n1", true, 4096, false], ["n2", false, 4096, false]]);
  const unavail = parseLuxiData({ groups: { data: [group] }, nodes: { data: [node("n1", [3, null])] }, instances: { data: [] }, cinfo });
  assert.deepEqual(unavail, { ok: false, error: "Node 'n1', error while reading attribute 'mtotal': Ganeti reports unavailable data" });
  const noMaster = parseLuxiData({ groups: { data: [group] }, nodes: { data: [node("n2")] }, instances: { data: [] }, cinfo });
  assert.deepEqual(noMaster, { ok: false, error: "Master node n1 unknown" });
  assert.deepEqual(parseLuxiData({ groups: 5, nodes: {}, instances: {}, cinfo }), { ok: false, error: "Invalid input, expected dict entry but got 5" });
});
