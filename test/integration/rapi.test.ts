// ganeti-rapi on a 3-node devcluster: Ganeti's RAPI v2 read resources with rlib2's field
// lists, its error bodies, its authentication (users file, HTTP Basic), writes as Ganeti's
// rlib2 (bad requests refused with 400 before anything runs), Ganeti's own Python client
// (python3-ganeti-rapi) reading and writing through it,
// the htools RAPI backend (-m, hscan CLUSTER) against the luxi one (-L), and the daemon
// following the master role over master-failover.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:https";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DevCluster, runBin } from "../helpers/devcluster.js";

// lib/rapi/rlib2.py (Ganeti 3.0.2)
const COMMON = ["ctime", "mtime", "uuid", "serial_no", "tags"];
const I_FIELDS = ["name", "admin_state", "os", "pnode", "snodes", "disk_template", "nic.ips", "nic.macs", "nic.modes", "nic.uuids",
  "nic.names", "nic.links", "nic.networks", "nic.networks.names", "nic.bridges", "network_port", "disk.sizes", "disk.spindles",
  "disk_usage", "disk.uuids", "disk.names", "beparams", "hvparams", "oper_state", "oper_ram", "oper_vcpus", "status",
  "custom_hvparams", "custom_beparams", "custom_nicparams", "custom_osparams", ...COMMON];
const N_FIELDS = ["name", "offline", "master_candidate", "drained", "dtotal", "dfree", "sptotal", "spfree", "mtotal", "mnode",
  "mfree", "pinst_cnt", "sinst_cnt", "ctotal", "cnos", "cnodes", "csockets", "pip", "sip", "role", "pinst_list", "sinst_list",
  "master_capable", "vm_capable", "ndparams", "group.uuid", ...COMMON];
const G_FIELDS = ["alloc_policy", "name", "node_cnt", "node_list", "ipolicy", "custom_ipolicy", "diskparams", "custom_diskparams",
  "ndparams", "custom_ndparams", ...COMMON];
const NET_FIELDS = ["name", "network", "gateway", "network6", "gateway6", "mac_prefix", "free_count", "reserved_count", "map", "group_list",
  "inst_list", "external_reservations", ...COMMON];
const J_FIELDS_BULK = ["id", "ops", "status", "summary", "opstatus", "received_ts", "start_ts", "end_ts"];
const J_FIELDS = [...J_FIELDS_BULK, "oplog", "opresult"];
const OSI_FIELDS_BULK = ["name", "valid", "variants", "parameters", "api_versions", "blacklisted", "hidden", "trusted"];

let c: DevCluster;
const sorted = (xs: Iterable<string>): string[] => [...xs].sort();

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
}

function call(node: number, path: string, o: { method?: string; auth?: [string, string]; body?: string; type?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (o.auth !== undefined) headers["authorization"] = `Basic ${Buffer.from(`${o.auth[0]}:${o.auth[1]}`).toString("base64")}`;
  if (o.body !== undefined) headers["content-type"] = o.type ?? "application/json";
  return new Promise((resolve, reject) => {
    const req = request({ host: c.ip(node), port: 5080, path, method: o.method ?? "GET", headers, rejectUnauthorized: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => { text += d; });
      res.on("end", () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          // not JSON: kept as text, which the assertions then show
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.on("error", reject);
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}

async function get(path: string): Promise<unknown> {
  const r = await call(1, path);
  assert.equal(r.status, 200, `GET ${path}: ${JSON.stringify(r.body)}`);
  assert.match(String(r.headers["content-type"]), /^application\/json/);
  return r.body;
}

async function ok(node: string, program: string, ...args: string[]): Promise<string> {
  const r = await c.on(node, program, ...args);
  assert.equal(r.code, 0, `${program} ${args.join(" ")}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const WRITER_HA1 = createHash("md5").update("writer:Ganeti Remote API:w-secret").digest("hex");

before(async () => {
  c = await DevCluster.up(3, 24);
  const dir = join(c.root("node1"), "var/lib/ganeti/rapi");
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "users"), `# RAPI users\nreader {cleartext}r-secret\nviewer v-secret read\nwriter {HA1}${WRITER_HA1} write\n`);
  const pid = Number((await readFile(join(c.root("node1"), "var/run/ganeti/ganeti-rapi.pid"), "utf8")).trim());
  process.kill(pid, "SIGHUP");
  for (const n of ["s1", "s2", "s3"]) {
    await ok("node1", "gnt-instance", "add", "-t", "sharedfile", "-s", "1G", "--no-install", "-o", "image+default", "--no-name-check", "-n", "node1", n);
  }
  await ok("node1", "gnt-instance", "add", "-t", "drbd", "-s", "1G", "--no-install", "-o", "image+default", "--no-name-check", "-n", "node1:node2", "d1");
  await ok("node1", "gnt-instance", "add", "-t", "diskless", "--no-install", "--no-start", "-o", "image+default", "--no-name-check", "-n", "node3", "x1");
  await ok("node1", "gnt-cluster", "add-tags", "env:test");
  await ok("node1", "gnt-node", "add-tags", "node2", "rack:a");
});

after(async () => {
  await c?.destroy();
});

test("/, /version, /2/features, /2/info, /2/tags and /2/os answer with Ganeti's shapes", async () => {
  assert.equal(await get("/"), null);
  assert.equal(await get("/2"), null);
  assert.equal(await get("/version"), 2);
  assert.deepEqual(await get("/2/features"), ["instance-create-reqv1", "instance-reinstall-reqv1", "node-migrate-reqv1", "node-evac-res1"]);
  const info = (await get("/2/info")) as Record<string, unknown>;
  for (const k of ["name", "master", "software_version", "protocol_version", "config_version", "os_api_version", "export_version",
    "architecture", "default_hypervisor", "enabled_hypervisors", "hvparams", "beparams", "ipolicy", "nicparams", "ndparams",
    "diskparams", "candidate_pool_size", "uuid", "ctime", "mtime", "tags", "enabled_disk_templates"]) {
    assert.ok(k in info, `/2/info lacks ${k}`);
  }
  assert.equal(info["name"], "cluster");
  assert.equal(info["master"], "node1");
  assert.deepEqual(info["tags"], ["env:test"]);
  assert.deepEqual(await get("/2/tags"), ["env:test"]);
  assert.deepEqual(await get("/2/os"), ["image+default"]);
  const os = (await get("/2/os?bulk=1")) as Array<Record<string, unknown>>;
  assert.equal(os.length, 1);
  assert.deepEqual(sorted(Object.keys(os[0]!)), sorted(OSI_FIELDS_BULK));
  assert.equal(os[0]!["name"], "image");
  for (const p of os[0]!["parameters"] as Array<Record<string, unknown>>) assert.deepEqual(sorted(Object.keys(p)), ["description", "name"]);
});

test("/2/nodes: id/uri list, bulk and single node with rlib2's N_FIELDS, role, tags, fields=", async () => {
  assert.deepEqual(await get("/2/nodes"), ["node1", "node2", "node3"].map((id) => ({ id, uri: `/2/nodes/${id}` })));
  const bulk = (await get("/2/nodes?bulk=1")) as Array<Record<string, unknown>>;
  assert.deepEqual(bulk.map((n) => n["name"]), ["node1", "node2", "node3"]);
  for (const n of bulk) assert.deepEqual(sorted(Object.keys(n)), sorted(N_FIELDS));
  assert.deepEqual(bulk.map((n) => n["role"]), ["M", "C", "C"]);
  assert.deepEqual(bulk[0]!["pinst_list"], ["d1", "s1", "s2", "s3"]);
  assert.deepEqual(bulk[1]!["sinst_list"], ["d1"]);
  assert.equal(bulk[1]!["pip"], c.ip(2));
  const one = (await get("/2/nodes/node2")) as Record<string, unknown>;
  assert.deepEqual(sorted(Object.keys(one)), sorted(N_FIELDS));
  assert.deepEqual(one["tags"], ["rack:a"]);
  assert.equal(await get("/2/nodes/node1/role"), "master");
  assert.equal(await get("/2/nodes/node3/role"), "master-candidate");
  assert.deepEqual(await get("/2/nodes/node2/tags"), ["rack:a"]);
  assert.deepEqual(await get("/2/nodes?bulk=1&fields=name,pinst_cnt"),
    [{ name: "node1", pinst_cnt: 4 }, { name: "node2", pinst_cnt: 0 }, { name: "node3", pinst_cnt: 1 }]);
  const bad = await call(1, "/2/nodes?bulk=1&fields=name,nosuch");
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.body, { code: 400, message: "Unknown output fields selected: nosuch", explain: "Bad request syntax or unsupported method" });
  const badBulk = await call(1, "/2/nodes?bulk=yes");
  assert.deepEqual(badBulk.body, { code: 400, message: "Invalid value for the &#x27;bulk&#x27; parameter", explain: "Bad request syntax or unsupported method" });
});

test("/2/instances: id/uri list, bulk and single instance with rlib2's I_FIELDS and beparams.memory", async () => {
  assert.deepEqual(await get("/2/instances"), ["d1", "s1", "s2", "s3", "x1"].map((id) => ({ id, uri: `/2/instances/${id}` })));
  const bulk = (await get("/2/instances?bulk=1")) as Array<Record<string, unknown>>;
  assert.deepEqual(bulk.map((i) => i["name"]), ["d1", "s1", "s2", "s3", "x1"]);
  for (const i of bulk) {
    assert.deepEqual(sorted(Object.keys(i)), sorted(I_FIELDS));
    const be = i["beparams"] as Record<string, unknown>;
    assert.equal(be["memory"], be["maxmem"], "rlib2._UpdateBeparams");
  }
  const d1 = (await get("/2/instances/d1")) as Record<string, unknown>;
  assert.deepEqual(sorted(Object.keys(d1)), sorted(I_FIELDS));
  assert.equal(d1["pnode"], "node1");
  assert.deepEqual(d1["snodes"], ["node2"]);
  assert.equal(d1["disk_template"], "drbd");
  assert.deepEqual(d1["disk.sizes"], [1024]);
  assert.equal(d1["status"], "running");
  const x1 = (await get("/2/instances/x1")) as Record<string, unknown>;
  assert.equal(x1["status"], "ADMIN_down");
  assert.equal(x1["oper_ram"], null, "a stopped instance's memory is unavailable, as in Ganeti");
  assert.deepEqual(await get("/2/instances/s1/tags"), []);
});

test("/2/groups (name/uri list), /2/jobs (id/uri list), single items and their fields", async () => {
  assert.deepEqual(await get("/2/groups"), [{ name: "default", uri: "/2/groups/default" }]);
  const groups = (await get("/2/groups?bulk=1")) as Array<Record<string, unknown>>;
  assert.equal(groups.length, 1);
  assert.deepEqual(sorted(Object.keys(groups[0]!)), sorted(G_FIELDS));
  assert.deepEqual(groups[0]!["node_list"], ["node1", "node2", "node3"]);
  const g = (await get("/2/groups/default")) as Record<string, unknown>;
  assert.deepEqual(sorted(Object.keys(g)), sorted(G_FIELDS));
  assert.equal(g["node_cnt"], 3);
  const jobs = (await get("/2/jobs")) as Array<{ id: number; uri: string }>;
  assert.ok(jobs.length >= 7, JSON.stringify(jobs));
  assert.deepEqual(jobs[0], { id: 1, uri: "/2/jobs/1" });
  assert.deepEqual(jobs.map((j) => j.id), [...jobs.map((j) => j.id)].sort((a, b) => a - b));
  const bulk = (await get("/2/jobs?bulk=1")) as Array<Record<string, unknown>>;
  for (const j of bulk) assert.deepEqual(sorted(Object.keys(j)), sorted(J_FIELDS_BULK));
  const j1 = (await get("/2/jobs/1")) as Record<string, unknown>;
  assert.deepEqual(sorted(Object.keys(j1)), sorted(J_FIELDS));
  assert.equal(j1["id"], 1);
  assert.equal(j1["status"], "success");
  assert.deepEqual(j1["summary"], ["NODE_ADD(node2)"]);
});

test("/2/networks: name/uri list, bulk and single network with rlib2's NET_FIELDS, tags", async () => {
  await ok("node1", "gnt-network", "add", "--network=192.0.2.0/29", "--gateway=192.0.2.1", "--tags=lan", "rn1");
  await ok("node1", "gnt-network", "connect", "-N", "mode=bridged,link=br0", "rn1", "default");
  try {
    assert.deepEqual(await get("/2/networks"), [{ name: "rn1", uri: "/2/networks/rn1" }]);
    const bulk = (await get("/2/networks?bulk=1")) as Array<Record<string, unknown>>;
    assert.deepEqual(sorted(Object.keys(bulk[0] ?? {})), sorted(NET_FIELDS));
    const n = (await get("/2/networks/rn1")) as Record<string, unknown>;
    assert.deepEqual(n, bulk[0]);
    assert.deepEqual([n["network"], n["gateway"], n["free_count"], n["reserved_count"], n["map"], n["group_list"], n["external_reservations"]],
      ["192.0.2.0/29", "192.0.2.1", 5, 3, "XX.....X", [["default", "bridged", "br0", ""]], "192.0.2.0, 192.0.2.1, 192.0.2.7"]);
    assert.deepEqual(await get("/2/networks/rn1/tags"), ["lan"]);
  } finally {
    await ok("node1", "gnt-network", "disconnect", "rn1");
    await ok("node1", "gnt-network", "remove", "rn1");
  }
});

test("unknown resources and items are 404 with Ganeti's JSON error body", async () => {
  const notFound = { code: 404, message: "Not Found", explain: "Nothing matches the given URI" };
  for (const p of ["/2/nodes/nosuch", "/2/instances/nosuch", "/2/groups/nosuch", "/2/jobs/99999", "/2/nowhere", "/3", "/2/nodes/node1/nosuch"]) {
    const r = await call(1, p);
    assert.equal(r.status, 404, p);
    assert.deepEqual(r.body, notFound, p);
    assert.match(String(r.headers["content-type"]), /^application\/json/);
  }
  const m = await call(1, "/2/nodes", { method: "PATCH" });
  assert.deepEqual([m.status, m.body], [501, { code: 501, message: "Method PATCH is unsupported for path /2/nodes", explain: "Server does not support this operation" }]);
});

test("authentication: writes need a user with write access; bad write requests are refused before anything runs", async () => {
  const noAuth = await call(1, "/2/instances", { method: "POST", body: "{}" });
  assert.equal(noAuth.status, 401);
  assert.deepEqual(noAuth.body, { code: 401, message: "Unauthorized", explain: "No permission -- see authorization schemes" });
  assert.equal(noAuth.headers["www-authenticate"], 'Basic realm="Ganeti Remote API"');
  const wrong = await call(1, "/2/instances/s1", { method: "DELETE", auth: ["writer", "not-it"] });
  assert.equal(wrong.status, 401);
  for (const user of [["reader", "r-secret"], ["viewer", "v-secret"]] as const) {
    const ro = await call(1, "/2/instances/s1/shutdown", { method: "PUT", auth: [...user] });
    assert.equal(ro.status, 403, user[0]);
    assert.deepEqual(ro.body, { code: 403, message: "Forbidden", explain: "Request forbidden -- authorization will not help" });
  }
  const w = await call(1, "/2/instances", { method: "POST", auth: ["writer", "w-secret"], body: JSON.stringify({ __version__: 1 }) });
  assert.equal(w.status, 400);
  assert.match((w.body as { message: string }).message, /^Invalid body parameters: /);
  const v0 = await call(1, "/2/instances", { method: "POST", auth: ["writer", "w-secret"], body: JSON.stringify({ name: "x" }) });
  assert.deepEqual([v0.status, (v0.body as { message: string }).message], [400, "Instance creation request version 0 is no longer supported"]);
  const stat = await call(1, "/2/instances/s1/rename", { method: "PUT", auth: ["writer", "w-secret"],
    body: JSON.stringify({ instance_name: "other", new_name: "s9" }) });
  assert.deepEqual([stat.status, (stat.body as { message: string }).message], [400, "Can&#x27;t overwrite static parameters {&#x27;instance_name&#x27;}"]);
  const role = await call(1, "/2/nodes/node2/role", { method: "PUT", auth: ["writer", "w-secret"], body: JSON.stringify("boss") });
  assert.deepEqual([role.status, (role.body as { message: string }).message], [400, "Can&#x27;t set &#x27;boss&#x27; role"]);
  // nothing happened
  assert.equal(((await get("/2/instances")) as unknown[]).length, 5);
  // a body that is not JSON, after authentication
  const t = await call(1, "/2/tags?tag=x", { method: "PUT", auth: ["writer", "w-secret"], body: "x", type: "text/plain" });
  assert.equal(t.status, 415);
  // reads stay anonymous; credentials sent anyway are checked
  assert.equal((await call(1, "/2/nodes", { auth: ["reader", "bad"] })).status, 401);
  assert.equal((await call(1, "/2/nodes", { auth: ["reader", "r-secret"] })).status, 200);
  // and the password never reaches the log
  const log = await readFile(join(c.root("node1"), "var/log/ganeti/rapi.log"), "utf8");
  for (const secret of ["r-secret", "v-secret", "w-secret", "not-it", WRITER_HA1]) assert.ok(!log.includes(secret), `${secret} in rapi.log`);
});

test("/2/query needs a user with read or write access and answers luxi's query result", async () => {
  assert.equal((await call(1, "/2/query/node?fields=name,role")).status, 401);
  assert.equal((await call(1, "/2/query/node?fields=name,role", { auth: ["reader", "r-secret"] })).status, 403);
  const r = await call(1, "/2/query/node?fields=name,role", { auth: ["viewer", "v-secret"] });
  assert.equal(r.status, 200);
  const q = r.body as { fields: Array<Record<string, unknown>>; data: unknown[][] };
  assert.deepEqual(q.fields.map((f) => sorted(Object.keys(f))), [["doc", "kind", "name", "title"], ["doc", "kind", "name", "title"]]);
  assert.deepEqual(q.data, [[[0, "node1"], [0, "M"]], [[0, "node2"], [0, "C"]], [[0, "node3"], [0, "C"]]]);
  const put = await call(1, "/2/query/instance", { method: "PUT", auth: ["writer", "w-secret"],
    body: JSON.stringify({ fields: ["name"], qfilter: ["=", "pnode", "node3"] }) });
  assert.deepEqual([put.status, (put.body as { data: unknown }).data], [200, [[[0, "x1"]]]]);
  const missing = await call(1, "/2/query/node", { auth: ["viewer", "v-secret"] });
  assert.deepEqual([missing.status, (missing.body as { message: string }).message], [400, "Missing &#x27;fields&#x27; query argument"]);
  const fields = (await get("/2/query/group/fields?fields=name")) as { fields: Array<Record<string, unknown>> };
  assert.deepEqual(fields.fields, [{ name: "name", title: "Group", kind: "text", doc: "Group name" }]);
});

const PY = "/usr/bin/python3";
const hasPyClient = existsSync(PY) && spawnSync(PY, ["-c", "import ganeti.rapi.client"]).status === 0;

/** Runs a script with Ganeti's Python RAPI client against node1; what it printed as JSON. */
function pyClient(script: string, timeoutMs: number): { o: Record<string, unknown>; stdout: string } {
  const r = spawnSync(PY, ["-c", script, c.ip(1)], { encoding: "utf8", timeout: timeoutMs });
  assert.equal(r.status, 0, r.stderr);
  return { o: JSON.parse(r.stdout) as Record<string, unknown>, stdout: r.stdout };
}

test("Ganeti's own Python RAPI client reads the cluster", { skip: !hasPyClient && process.env["CI"] !== "true" ? "python3-ganeti-rapi is not installed (apt-get install python3-ganeti-rapi)" : false }, async () => {
  assert.ok(hasPyClient, "python3-ganeti-rapi is needed (scripts/install-system-deps.sh installs it)");
  const script = `
import json, sys
from ganeti.rapi import client
c = client.GanetiRapiClient(sys.argv[1], username="writer", password="w-secret")
out = {
  "version": c.GetVersion(),
  "info": c.GetInfo(),
  "nodes": c.GetNodes(bulk=True),
  "node_names": c.GetNodes(),
  "instances": c.GetInstances(bulk=True),
  "groups": c.GetGroups(bulk=True),
  "group_names": c.GetGroups(),
  "job": c.GetJobStatus(1),
}
try:
  c.GetNode("nosuch")
except client.GanetiApiError as e:
  out["missing"] = [e.code, str(e)]
print(json.dumps(out))
`;
  const { o } = pyClient(script, 60_000);
  assert.equal(o["version"], 2);
  assert.deepEqual(o["info"], await get("/2/info"));
  assert.deepEqual((o["nodes"] as Array<Record<string, unknown>>).map((n) => n["name"]), ["node1", "node2", "node3"]);
  assert.deepEqual(o["node_names"], ["node1", "node2", "node3"]);
  for (const n of o["nodes"] as Array<Record<string, unknown>>) assert.deepEqual(sorted(Object.keys(n)), sorted(N_FIELDS));
  assert.deepEqual((o["instances"] as Array<Record<string, unknown>>).map((i) => i["name"]), ["d1", "s1", "s2", "s3", "x1"]);
  assert.deepEqual(o["groups"], await get("/2/groups?bulk=1"));
  assert.deepEqual(o["group_names"], ["default"]);
  assert.equal((o["job"] as Record<string, unknown>)["status"], "success");
  assert.deepEqual(o["missing"], [404, "404 Not Found: Nothing matches the given URI"]);
});

test("Ganeti's own Python RAPI client drives the cluster: create, tags, stop, start, modify, reinstall, roles, groups, remove", {
  skip: !hasPyClient && process.env["CI"] !== "true" ? "python3-ganeti-rapi is not installed (apt-get install python3-ganeti-rapi)" : false,
}, async () => {
  assert.ok(hasPyClient, "python3-ganeti-rapi is needed (scripts/install-system-deps.sh installs it)");
  const script = `
import json, sys, time
from ganeti.rapi import client
c = client.GanetiRapiClient(sys.argv[1], username="writer", password="w-secret")
def wait(jid):
  for _ in range(600):
    st = c.GetJobStatus(jid)
    if st["status"] in ("success", "error", "canceled"):
      return st["status"]
    time.sleep(0.1)
  return "timeout"
out = {}
jid = c.CreateInstance("create", "r1", "file", [{"size": 16}], [{}], os="image+default", pnode="node2",
                       name_check=False, ip_check=False)
out["create"] = wait(jid)
out["wfjc"] = c.WaitForJobChange(jid, ["status", "id"], None, None)
out["tag"] = wait(c.AddInstanceTags("r1", ["rapi-made"]))
out["tags"] = c.GetInstanceTags("r1")
out["shutdown"] = wait(c.ShutdownInstance("r1"))
out["state_down"] = c.GetInstance("r1")["oper_state"]
out["startup"] = wait(c.StartupInstance("r1"))
out["modify"] = wait(c.ModifyInstance("r1", beparams={"maxmem": 256}))
out["maxmem"] = c.GetInstance("r1")["beparams"]["maxmem"]
out["reinstall"] = wait(c.ReinstallInstance("r1", os="image+default"))
out["state_up"] = c.GetInstance("r1")["oper_state"]
out["drain"] = wait(c.SetNodeRole("node3", "drained", force=True))
out["role"] = c.GetNodeRole("node3")
out["undrain"] = wait(c.SetNodeRole("node3", "master-candidate", force=True))
out["role_back"] = c.GetNodeRole("node3")
out["group_add"] = wait(c.CreateGroup("rapi-group"))
out["groups"] = c.GetGroups()
out["group_del"] = wait(c.DeleteGroup("rapi-group"))
out["ctag"] = wait(c.AddClusterTags(["rapi-cluster"]))
out["ctags"] = c.GetClusterTags()
out["ctag_del"] = wait(c.DeleteClusterTags(["rapi-cluster"]))
out["remove"] = wait(c.DeleteInstance("r1"))
out["instances"] = c.GetInstances()
out["info"] = wait(c.GetInstanceInfo("s1"))
out["missing_job"] = wait(c.DeleteInstance("no-such-instance"))
try:
  c.CreateInstance("create", "r2", "file", [{"size": 16}], [{}], os="image+default", pnode="node2", nosuch=1)
except client.GanetiApiError as e:
  out["bad"] = [e.code, str(e)]
print(json.dumps(out))
`;
  const { o, stdout } = pyClient(script, 300_000);
  for (const k of ["info", "create", "tag", "shutdown", "startup", "modify", "reinstall", "drain", "undrain", "group_add", "group_del", "ctag", "ctag_del", "remove"]) {
    assert.equal(o[k], "success", `${k}: ${stdout}`);
  }
  const wfjc = o["wfjc"] as { job_info: unknown[]; log_entries: unknown[] };
  assert.equal(wfjc.job_info[0], "success");
  assert.equal(typeof wfjc.job_info[1], "number");
  assert.ok(wfjc.log_entries.length > 0, "the creation's log");
  assert.deepEqual(o["tags"], ["rapi-made"]);
  assert.equal(o["state_down"], false);
  assert.equal(o["state_up"], true);
  assert.equal(o["maxmem"], 256);
  assert.deepEqual([o["role"], o["role_back"]], ["drained", "master-candidate"]);
  assert.ok((o["groups"] as string[]).includes("rapi-group"));
  assert.ok((o["ctags"] as string[]).includes("rapi-cluster"), String(o["ctags"]));
  assert.deepEqual(o["instances"], ["d1", "s1", "s2", "s3", "x1"]);
  assert.equal(o["missing_job"], "error");
  const bad = o["bad"] as [number, string];
  assert.equal(bad[0], 400);
  assert.equal(bad[1], "400 Invalid body parameters: Object OpInstanceCreate doesn&#x27;t support the parameter &#x27;nosuch&#x27;: " +
    "Bad request syntax or unsupported method");
});

/** The programs' output with every number masked: what must match even while free memory moves. */
const shape = (s: string): string => s.replace(/\d+(\.\d+)?/g, "#");

/**
 * Runs the -L and -m forms until one -m output equals an -L output taken right before or
 * after it: node memory is live data (the host's), which moves between two queries, and
 * can change the numbers and even the solution (a move whose gain it tips over the
 * minimum), so an attempt whose outputs differ is repeated.
 */
async function sameAsLuxi(program: string, ...args: string[]): Promise<string> {
  let last = "";
  for (let attempt = 0; attempt < 12; attempt++) {
    const l1 = await ok("node1", program, "-L", ...args);
    const m = await ok("node1", program, "-m", c.ip(1), ...args);
    const l2 = await ok("node1", program, "-L", ...args);
    if (m === l1 || m === l2) return m;
    last = `-L:\n${l1}\n-m:\n${m}\nshapes ${shape(m) === shape(l1) ? "equal" : "differ"}`;
  }
  assert.fail(`${program} -m never matched -L exactly:\n${last}`);
}

test("hbal -m and hinfo -m print what -L prints on the same cluster", async () => {
  const h = await sameAsLuxi("hbal");
  assert.match(h, /^Loaded 3 nodes, 5 instances$/m);
  assert.match(h, /Solution length=\d+/);
  const i = await sameAsLuxi("hinfo");
  assert.match(i, /^Cluster score: /m);
  await sameAsLuxi("hcheck");
});

test("hscan CLUSTER writes the data file hscan writes over luxi", async () => {
  const dir = await mkdtemp(join(tmpdir(), "hscan-"));
  try {
    // live node columns: total memory, node memory, free memory, total disk, free disk
    const live = (data: string): string => data.split("\n").map((l) => {
      const f = l.split("|");
      return f.length >= 15 && /^node\d$/.test(f[0] ?? "") ? [f[0], f[1], "#", "#", f[4], "#", ...f.slice(6)].join("|") : l;
    }).join("\n");
    let local = "";
    let remote = "";
    for (let attempt = 0; attempt < 12; attempt++) {
      await ok("node1", "hscan", "-d", dir);
      local = await readFile(join(dir, "LOCAL.data"), "utf8");
      const out = await ok("node1", "hscan", "-d", dir, c.ip(1));
      assert.match(out, new RegExp(`^${c.ip(1).replace(/\./g, "\\.")} +3 +5 `, "m"));
      remote = await readFile(join(dir, `${c.ip(1)}.data`), "utf8");
      assert.equal(live(remote), live(local));
      if (remote === local) break;
    }
    // The live columns are the node's memory and disk use at the moment of asking: on a
    // busy machine they may never hold still across the two reads, so they must agree
    // within 2 % of the node's total memory or disk (the same figures in the same units:
    // a unit mix-up is off by 1024×), and exactly when they held still.
    if (remote !== local) {
      const cells = (data: string): string[][] => data.split("\n").filter((l) => /^node\d\|/.test(l)).map((l) => l.split("|"));
      const [a, b] = [cells(remote), cells(local)];
      assert.equal(a.length, b.length);
      a.forEach((row, r) => {
        for (const k of [2, 3, 5]) {
          const [x, y] = [Number(row[k]), Number(b[r]![k])];
          const total = Number(row[k === 5 ? 4 : 1]);
          assert.ok(Number.isFinite(x) && Number.isFinite(y) && Math.abs(x - y) <= 0.02 * total, `${row[0]} column ${k}: ${x} vs ${y} (total ${total})`);
        }
      });
    }
    // an unreachable cluster is reported as Ganeti reports it
    const nobody = c.ip(250); // inside the cluster's loopback subnet, no node there
    const r = await c.on("node1", "hscan", "-d", dir, nobody);
    assert.equal(r.code, 2);
    const esc = nobody.replace(/\./g, "\\.");
    assert.match(r.stdout, new RegExp(`Error for ${esc}: failed to load data\\. Details:\\nCurl error for 'https://${esc}:5080/2/groups\\?bulk=1', error CurlCouldntConnect\\n`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("master-failover moves ganeti-rapi to the new master", async () => {
  await ok("node2", "gnt-cluster", "master-failover");
  const r = await call(2, "/2/info");
  assert.equal(r.status, 200);
  assert.equal((r.body as Record<string, unknown>)["master"], "node2");
  await assert.rejects(call(1, "/version"), /ECONNREFUSED/);
  assert.ok(!existsSync(join(c.root("node1"), "var/run/ganeti/ganeti-rapi.pid")));
  const h = await runBin("hinfo", ["-m", c.ip(2)]);
  assert.equal(h.code, 0, h.stderr);
  assert.match(h.stdout, /^Cluster score: /m);
});
