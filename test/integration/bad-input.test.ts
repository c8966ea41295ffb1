// Bad input to every gnt-* program on a 3-node devcluster: unknown, ambiguous and malformed
// names, bad sizes, templates, node specs, key=value parameters, argument counts, options,
// NIC specs, tags and job ids. Each case checks the exit code, the whole stderr (Ganeti's
// wording, error type and layout) and that config.data did not change (serial_no and the
// names of all objects), so nothing is half-created.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DevCluster } from "../helpers/devcluster.js";

let c: DevCluster;

const PRE = "Failure: prerequisites not met for this operation:\n";
/** An OpPrereqError with an error type, as Ganeti's FormatError prints it. */
const prereq = (type: string, msg: string): string => `${PRE}error type: ${type}, error details:\n${msg}\n`;
const inval = (msg: string): string => prereq("wrong_input", msg);
const noent = (msg: string): string => prereq("unknown_entity", msg);
const state = (msg: string): string => prereq("wrong_state", msg);
/** optparse's error: the command's usage, then "prog: error: msg", exit code 2. */
const optErr = (prog: string, cmd: string, msg: string): RegExp =>
  new RegExp(`^Usage\\n=====\\n  ${prog} ${cmd}( .*)?\\n\\n${prog}: error: ${msg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\n$`);

interface Case {
  readonly args: readonly string[];
  readonly code: number;
  /** The whole stderr (a RegExp only where the usage synopsis is part of it). */
  readonly stderr: string | RegExp;
  readonly stdout?: string;
}

/** serial_no and the names of every object of the master's config.data. */
async function configState(): Promise<{ serial: number; names: string }> {
  const cfg = JSON.parse(await readFile(join(c.root("node1"), "var/lib/ganeti/config.data"), "utf8")) as {
    serial_no: number; instances: Record<string, { name: string }>; nodes: Record<string, { name: string }>;
    nodegroups: Record<string, { name: string }>;
  };
  const names = (o: Record<string, { name: string }>): string => Object.values(o).map((x) => x.name).sort().join(",");
  return { serial: cfg.serial_no, names: `${names(cfg.instances)}|${names(cfg.nodes)}|${names(cfg.nodegroups)}` };
}

async function ok(program: string, ...args: string[]): Promise<void> {
  const r = await c.on("node1", program, ...args);
  assert.equal(r.code, 0, `${program} ${args.join(" ")}:\n${r.stdout}\n${r.stderr}`);
}

async function runCases(cases: readonly Case[]): Promise<void> {
  for (const k of cases) {
    const [prog, ...args] = k.args;
    const what = k.args.join(" ");
    const before = await configState();
    const r = await c.on("node1", prog ?? "", ...args);
    assert.equal(r.code, k.code, `${what}: exit code\n${r.stdout}\n${r.stderr}`);
    if (typeof k.stderr === "string") assert.equal(r.stderr, k.stderr, what);
    else assert.match(r.stderr, k.stderr, what);
    if (k.stdout !== undefined) assert.equal(r.stdout, k.stdout, what);
    assert.deepEqual(await configState(), before, `${what}: the configuration changed`);
  }
}

before(async () => {
  c = await DevCluster.up(3, 20);
  const add = ["add", "-o", "image+default", "--no-name-check", "--no-start"];
  await ok("gnt-instance", ...add, "-t", "file", "-s", "1G", "-n", "node1", "i1");
  await ok("gnt-instance", ...add, "-t", "drbd", "-s", "64M", "-n", "node1:node2", "i2");
  await ok("gnt-instance", ...add, "-t", "diskless", "--no-install", "-n", "node2", "web.a");
  await ok("gnt-instance", ...add, "-t", "diskless", "--no-install", "-n", "node2", "web.b");
  await ok("gnt-node", "modify", "--drained=yes", "node3");
});
after(async () => {
  await c?.destroy();
});

const A = ["gnt-instance", "add", "-t", "file", "-o", "image+default", "--no-name-check", "--no-start"];
const ADD = [...A, "-s", "1G", "-n", "node1"];

test("gnt-instance add: sizes, disks, templates, node specs, parameters, NICs, names", async () => {
  await runCases([
    // Sizes (-s is Ganeti's "unit" option type; --disk sizes go through ParseUnit unguarded, as in Ganeti 3.0).
    { args: [...A, "-s", "12X", "-n", "node1", "new1"], code: 2, stderr: optErr("gnt-instance", "add", "option -s: Unknown unit: X") },
    { args: [...A, "-s", "-1", "-n", "node1", "new1"], code: 2, stderr: optErr("gnt-instance", "add", "option -s: Invalid format") },
    { args: [...A, "--disk", "0:size=-1", "-n", "node1", "new1"], code: 1, stderr: "Unhandled Ganeti error: Invalid format\n" },
    { args: [...A, "--disk", "0:size=5Q", "-n", "node1", "new1"], code: 1, stderr: "Unhandled Ganeti error: Unknown unit: Q\n" },
    { args: [...A, "--disk", "x:size=1G", "-n", "node1", "new1"], code: 1,
      stderr: inval("Invalid disk index passed: invalid literal for int() with base 10: 'x'") },
    { args: [...A, "--disk", "0:mode=rw", "-n", "node1", "new1"], code: 1, stderr: inval("Missing size or adoption source for disk 0") },
    { args: [...A, "--disk", "1:size=1G", "-n", "node1", "new1"], code: 1, stderr: inval("Missing disk size") },
    { args: [...A, "--disk", "0:size=1G,mode=bad", "-n", "node1", "new1"], code: 1, stderr: inval("Invalid disk access mode 'bad'") },
    { args: [...A, "--disk", "0:size=1G,foo=bar", "-n", "node1", "new1"], code: 1, stderr: "Parameter Error: Unknown parameter 'foo'\n" },
    { args: [...A, "--disk", "0:size=1G", "-s", "1G", "-n", "node1", "new1"], code: 1,
      stderr: inval("Please use either the '--disk' or '-s' option") },
    { args: [...A, "-n", "node1", "new1"], code: 1, stderr: inval("No disk information specified") },
    { args: ["gnt-instance", "add", "-t", "diskless", "-s", "1G", "-n", "node1", "--no-name-check", "new1"], code: 1,
      stderr: inval("Diskless instance but disk information passed") },
    // Templates: unknown (the opcode's validation), known but not enabled (Ganeti gives no error type).
    { args: ["gnt-instance", "add", "-t", "nosuch", "-s", "1G", "-n", "node1", "--no-name-check", "new1"], code: 1,
      stderr: inval("Parameter 'OP_INSTANCE_CREATE.disk_template' fails validation") },
    { args: ["gnt-instance", "add", "-t", "blockdev", "-s", "1G", "-n", "node1", "--no-name-check", "new1"], code: 1,
      stderr: `${PRE}Disk template 'blockdev' is not enabled in cluster. Enabled disk templates are: file,diskless,sharedfile,drbd\n` },
    // Node specs.
    { args: [...A, "-s", "1G", "-n", "nosuch", "new1"], code: 1, stderr: noent("Node 'nosuch' not known") },
    { args: [...A, "-t", "drbd", "-s", "1G", "-n", "node1", "new1"], code: 1, stderr: inval("The networked disk templates need a mirror node") },
    { args: [...A, "-t", "drbd", "-s", "1G", "-n", "node1:node1", "new1"], code: 1, stderr: inval("The secondary node cannot be the primary node") },
    { args: [...A, "-t", "drbd", "-s", "1G", "-n", "node1:node2:node3", "new1"], code: 1, stderr: noent("Node 'node2:node3' not known") },
    { args: [...A, "-t", "drbd", "-s", "1G", "-n", "node1:node3", "new1"], code: 1, stderr: state("Can't use drained node node3") },
    { args: [...A, "-s", "1G", "-n", "node3", "new1"], code: 1, stderr: state("Cannot use drained primary node 'node3'") },
    { args: [...ADD, "-I", "hail", "new1"], code: 1, stderr: inval("Do not specify both, iallocator and node") },
    // -B / -H / -O.
    { args: [...ADD, "-B", "maxmem=12X", "new1"], code: 1,
      stderr: "Parameter Error: 'maxmem' (value 12X) is not a valid size. error: Unknown unit: X\n" },
    { args: [...ADD, "-B", "vcpus=many", "new1"], code: 1, stderr: "Parameter Error: 'vcpus' (value many) is not a valid integer\n" },
    { args: [...ADD, "-B", "foo=1", "new1"], code: 1, stderr: "Parameter Error: Unknown parameter 'foo'\n" },
    { args: [...ADD, "-B", "maxmem=256,maxmem=512", "new1"], code: 1,
      stderr: "Failure: unknown/wrong parameter name 'Duplicate key 'maxmem' in option -B'\n" },
    { args: [...ADD, "-H", "fake:foo=1", "new1"], code: 1, stderr: "Parameter Error: Unknown parameter 'foo'\n" },
    { args: [...ADD, "-H", "kvm", "new1"], code: 1, stderr: state("Selected hypervisor (kvm) not enabled in the cluster (fake)") },
    { args: [...ADD, "-O", "foo=1", "new1"], code: 1,
      stderr: "Failure: command execution error:\nOS Parameters validation failed on node node1: The following parameters are not supported by the OS image: foo\n" },
    { args: [...A.filter((x) => x !== "image+default" && x !== "-o"), "-o", "nosuch+x", "-s", "1G", "-n", "node1", "new1"], code: 1,
      stderr: inval("OS 'nosuch' not in supported OS list for node node1") },
    // --net.
    { args: [...ADD, "--net", "x:mac=aa:00:00:00:00:01", "new1"], code: 1,
      stderr: inval("Invalid NIC index passed: invalid literal for int() with base 10: 'x'") },
    { args: [...ADD, "--net", "0:foo=1", "new1"], code: 1, stderr: "Parameter Error: Unknown parameter 'foo'\n" },
    { args: [...ADD, "--net", "0:ip=300.1.1.1", "new1"], code: 1, stderr: inval("Invalid IP address '300.1.1.1'") },
    { args: [...ADD, "--net", "0:mac=zz", "new1"], code: 1, stderr: inval("Invalid MAC address 'zz'") },
    { args: [...ADD, "--net", "0:network=nonet", "new1"], code: 1, stderr: noent("Network 'nonet' not found") },
    { args: [...ADD, "--net", "0:network=nonet,link=br0", "new1"], code: 1,
      stderr: inval("If network is given, no mode or link is allowed to be passed") },
    { args: [...ADD, "--net", "0:ip=pool", "new1"], code: 1, stderr: inval("if ip=pool, parameter network must be passed too") },
    // Ganeti's NIC.CheckParameterSyntax raises a ConfigurationError, which the CLI shows so (exit code 2).
    { args: [...ADD, "--net", "0:mode=nosuch", "new1"], code: 2, stderr: "Corrupt configuration file: Invalid NIC mode 'nosuch'\nAborting.\n" },
    // Names.
    { args: [...ADD, "bad name!"], code: 1, stderr: inval("Invalid hostname 'bad name!'") },
    { args: [...ADD, "i1"], code: 1, stderr: prereq("already_exists", "Instance 'i1' is already in the cluster") },
    { args: [...ADD, "--file-driver", "nosuch", "new1"], code: 1, stderr: inval("Parameter 'OP_INSTANCE_CREATE.file_driver' fails validation") },
    // Argument counts and options.
    { args: [...ADD, "new1", "new2"], code: 1, stderr: "Error: Command add expects 1 argument(s)\n" },
    { args: ADD, code: 1, stderr: "Error: Command add expects 1 argument(s)\n" },
    { args: [...ADD, "--foo", "new1"], code: 2, stderr: optErr("gnt-instance", "add", "no such option: --foo") },
    { args: [...ADD, "-x", "new1"], code: 2, stderr: optErr("gnt-instance", "add", "no such option: -x") },
    { args: [...ADD, "--submit=yes", "new1"], code: 2, stderr: optErr("gnt-instance", "add", "--submit option does not take a value") },
    { args: [...ADD, "--no-n", "new1"], code: 2,
      stderr: optErr("gnt-instance", "add", "ambiguous option: --no-n (--no-name-check, --no-nics?)") },
    { args: [...ADD, "new1", "-B"], code: 2, stderr: optErr("gnt-instance", "add", "-B option requires 1 argument") },
  ]);
});

test("gnt-instance: other commands", async () => {
  await runCases([
    { args: ["gnt-instance", "info", "nosuch"], code: 1, stderr: noent("Instance 'nosuch' not known") },
    { args: ["gnt-instance", "startup", "nosuch"], code: 1, stderr: noent("Instance 'nosuch' not known") },
    // "web" is the start of both web.a and web.b: ambiguous, so unknown (Ganeti's name expansion).
    { args: ["gnt-instance", "startup", "web"], code: 1, stderr: noent("Instance 'web' not known") },
    { args: ["gnt-instance", "remove", "-f", "nosuch"], code: 1, stderr: noent("Instance 'nosuch' not known") },
    { args: ["gnt-instance", "shutdown", "--timeout=soon", "i1"], code: 2,
      stderr: optErr("gnt-instance", "shutdown", "option --timeout: invalid integer value: 'soon'") },
    { args: ["gnt-instance", "reboot", "-t", "bogus", "i1"], code: 2,
      stderr: optErr("gnt-instance", "reboot", "option -t: invalid choice: 'bogus' (choose from 'soft', 'hard', 'full')") },
    { args: ["gnt-instance", "grow-disk", "i1", "x", "1G"], code: 1,
      stderr: inval("Invalid disk index: invalid literal for int() with base 10: 'x'") },
    { args: ["gnt-instance", "grow-disk", "i1", "0", "1Q"], code: 1, stderr: inval("Can't parse the given amount '1Q'") },
    { args: ["gnt-instance", "grow-disk", "i1", "0"], code: 1, stderr: "Error: Command grow-disk expects 3 argument(s)\n" },
    { args: ["gnt-instance", "modify", "i1"], code: 1, stderr: "Please give at least one of the parameters.\n" },
    { args: ["gnt-instance", "modify", "-B", "foo=1", "i1"], code: 1, stderr: "Parameter Error: Unknown parameter 'foo'\n" },
    { args: ["gnt-instance", "modify", "-B", "maxmem=lots", "i1"], code: 1,
      stderr: "Parameter Error: 'maxmem' (value lots) is not a valid size. error: Invalid format\n" },
    { args: ["gnt-instance", "modify", "-H", "foo=1", "i1"], code: 1, stderr: "Parameter Error: Unknown parameter 'foo'\n" },
    { args: ["gnt-instance", "modify", "--disk", "add:size=-1", "i1"], code: 1, stderr: "Unhandled Ganeti error: Invalid format\n" },
    { args: ["gnt-instance", "failover", "-f", "i1"], code: 1, stderr: state("Instance's disk layout 'file' does not allow failovers") },
    { args: ["gnt-instance", "migrate", "-f", "-n", "node3", "i2"], code: 1,
      stderr: inval("Instances with disk types drbd cannot be migrated to arbitrary nodes (neither an iallocator nor a target node can be passed)") },
    { args: ["gnt-instance", "replace-disks", "-n", "node3", "i2"], code: 1, stderr: state("Can't use drained node node3") },
    { args: ["gnt-instance", "replace-disks", "-n", "node1", "i2"], code: 1,
      stderr: inval("The specified node is the primary node of the instance") },
    { args: ["gnt-instance", "list", "-o", "name,nosuchfield"], code: 1, stderr: inval("Unknown output fields selected: nosuchfield") },
    { args: ["gnt-instance", "add-tags", "i1", "a b"], code: 1, stderr: "Failure: invalid tag(s) given:\nTag contains invalid characters\n" },
    { args: ["gnt-instance", "add-tags", "i1", "x".repeat(129)], code: 1, stderr: "Failure: invalid tag(s) given:\nTag too long (>128 characters)\n" },
    { args: ["gnt-instance", "add-tags", "nosuch", "t"], code: 1, stderr: noent("Instance 'nosuch' not known") },
    { args: ["gnt-instance", "remove-tags", "i1", "nope"], code: 1, stderr: noent("Tag(s) 'nope' not found") },
  ]);
});

test("gnt-node, gnt-group", async () => {
  await runCases([
    { args: ["gnt-node", "info", "nosuch"], code: 1, stderr: noent("Node 'nosuch' not known") },
    { args: ["gnt-node", "remove", "nosuch"], code: 1, stderr: noent("Node 'nosuch' not known") },
    { args: ["gnt-node", "add", "node2"], code: 1, stderr: prereq("already_exists", "Node node2 is already in the configuration") },
    { args: ["gnt-node", "modify", "--drained=maybe", "node2"], code: 1,
      stderr: "Failure: unknown/wrong parameter name 'Invalid boolean value 'maybe''\n" },
    { args: ["gnt-node", "modify", "-D", "yes", "-O", "yes", "node2"], code: 1,
      stderr: inval("Can't set the node into more than one state at the same time") },
    { args: ["gnt-node", "modify", "node2"], code: 1, stderr: inval("Please pass at least one modification") },
    { args: ["gnt-node", "evacuate", "-p", "-s", "node2"], code: 1,
      stderr: inval("Only one of the --primary-only and --secondary-only options can be passed") },
    { args: ["gnt-node", "migrate", "-f", "nosuch"], code: 1, stderr: noent("Node 'nosuch' not known") },
    { args: ["gnt-node", "list", "-o", "name,nosuchfield"], code: 1, stderr: inval("Unknown output fields selected: nosuchfield") },
    { args: ["gnt-node", "list-storage", "-t", "nosuch"], code: 2,
      stderr: optErr("gnt-node", "list-storage", "option -t: invalid choice: 'nosuch' (choose from 'file', 'lvm-pv', 'lvm-vg', 'sharedfile', 'gluster')") },
    { args: ["gnt-node", "add-tags", "node2", "a b"], code: 1, stderr: "Failure: invalid tag(s) given:\nTag contains invalid characters\n" },
    { args: ["gnt-node", "remove-tags", "node2", "nope"], code: 1, stderr: noent("Tag(s) 'nope' not found") },
    { args: ["gnt-node", "info", "--bogus", "node1"], code: 2, stderr: optErr("gnt-node", "info", "no such option: --bogus") },
    { args: ["gnt-group", "add", "default"], code: 1,
      stderr: new RegExp(`^${PRE}error type: already_exists, error details:\\nDesired group name 'default' already exists as a node group \\(UUID: [0-9a-f-]{36}\\)\\n$`) },
    { args: ["gnt-group", "add"], code: 1, stderr: "Error: Command add expects 1 argument(s)\n" },
    { args: ["gnt-group", "remove", "nosuch"], code: 1, stderr: noent("Node group 'nosuch' not found") },
    { args: ["gnt-group", "remove", "default"], code: 1,
      stderr: state("Group 'default' not empty, has the following node(s): node1, node2, node3") },
    { args: ["gnt-group", "rename", "nosuch", "x"], code: 1, stderr: noent("Node group 'nosuch' not found") },
    { args: ["gnt-group", "rename", "default", "default"], code: 1,
      stderr: prereq("already_exists", "Desired new name 'default' clashes with existing node group") },
    { args: ["gnt-group", "modify", "--alloc-policy=bogus", "default"], code: 1,
      stderr: inval("Parameter 'OP_GROUP_SET_PARAMS.alloc_policy' fails validation") },
    { args: ["gnt-group", "assign-nodes", "nosuch", "node2"], code: 1, stderr: noent("Node group 'nosuch' not found") },
    { args: ["gnt-group", "assign-nodes", "default", "nosuch"], code: 1, stderr: noent("Node 'nosuch' not known") },
  ]);
});

test("gnt-cluster, gnt-job, gnt-os, gnt-backup, gnt-storage, gnt-debug", async () => {
  await runCases([
    { args: ["gnt-cluster", "getmaster", "extra"], code: 1, stderr: "Error: Command getmaster expects no arguments\n" },
    { args: ["gnt-cluster", "rename"], code: 1, stderr: "Error: Command rename expects 1 argument(s)\n" },
    { args: ["gnt-cluster", "modify"], code: 1, stderr: "Please give at least one of the parameters.\n" },
    { args: ["gnt-cluster", "modify", "-B", "foo=1"], code: 1, stderr: "Parameter Error: Unknown parameter 'foo'\n" },
    { args: ["gnt-cluster", "modify", "--candidate-pool-size=abc"], code: 2,
      stderr: optErr("gnt-cluster", "modify", "option --candidate-pool-size: invalid integer value: 'abc'") },
    { args: ["gnt-cluster", "modify", "--enabled-disk-templates=nosuch"], code: 1,
      stderr: inval("Parameter 'OP_CLUSTER_SET_PARAMS.enabled_disk_templates' fails validation") },
    { args: ["gnt-cluster", "verify", "--nosuch"], code: 2, stderr: optErr("gnt-cluster", "verify", "no such option: --nosuch") },
    { args: ["gnt-cluster", "queue", "bogus"], code: 1, stderr: inval("Command 'bogus' is not valid.") },
    { args: ["gnt-cluster", "add-tags", "bad tag!"], code: 1, stderr: "Failure: invalid tag(s) given:\nTag contains invalid characters\n" },
    { args: ["gnt-cluster", "master-failover"], code: 1,
      stderr: inval("This commands must be run on the node where you want the new master to be. node1 is already the master") },
    { args: ["gnt-job", "info", "abc"], code: 1, stderr: inval("Invalid job ID passed: invalid literal for int() with base 10: 'abc'") },
    { args: ["gnt-job", "archive", "999999"], code: 1, stderr: "Failed to archive job with ID '999999'\n" },
    { args: ["gnt-job", "watch", "999999"], code: 1, stderr: "Error checking job status: Job with id 999999 lost\n" },
    { args: ["gnt-job", "info"], code: 1, stderr: "Error: Command info expects at least 1 argument(s)\n" },
    { args: ["gnt-os", "modify", "image+default"], code: 1, stderr: "At least one of OS parameters or hypervisor parameters must be passed\n" },
    { args: ["gnt-os", "modify", "--hidden=maybe", "image"], code: 1, stderr: "Failure: unknown/wrong parameter name 'Invalid boolean value 'maybe''\n" },
    { args: ["gnt-os", "modify"], code: 1, stderr: "Error: Command modify expects 1 argument(s)\n" },
    { args: ["gnt-backup", "export", "-n", "nosuch", "i1"], code: 1, stderr: noent("Node 'nosuch' not known") },
    { args: ["gnt-backup", "export", "-n", "node2", "nosuch"], code: 1, stderr: noent("Instance 'nosuch' not known") },
    { args: ["gnt-backup", "import", "-t", "file", "--src-node", "node2", "-n", "node1", "--no-name-check", "new1"], code: 1,
      stderr: inval("No export found for relative path new1") },
    { args: ["gnt-backup", "export", "i1", "i2"], code: 1, stderr: "Error: Command export expects 1 argument(s)\n" },
    { args: ["gnt-backup", "export", "-n", "node2", "--compress", "bzip9", "i1"], code: 1,
      stderr: inval("Compression tool not allowed, tools allowed are [gzip, gzip-fast, gzip-slow]") },
    { args: ["gnt-backup", "export", "-n", "node2", "--compress", "gzip", "--zero-free-space", "i1"], code: 1,
      stderr: inval("Zeroing free space is not supported yet by ganeti-ts") },
    { args: ["gnt-backup", "export", "-n", "node2", "--zero-free-space", "i1"], code: 1,
      stderr: inval("Zeroing free space does not make sense unless compression is used") },
    { args: ["gnt-storage", "diagnose", "extra"], code: 1, stderr: "Error: Command diagnose expects no arguments\n" },
    { args: ["gnt-storage", "info", "--bogus"], code: 2, stderr: optErr("gnt-storage", "info", "no such option: --bogus") },
    { args: ["gnt-debug", "delay", "-n", "nosuch", "1"], code: 1, stderr: noent("Node 'nosuch' not known") },
    { args: ["gnt-debug", "delay"], code: 1, stderr: "Error: Command delay expects 1 argument(s)\n" },
  ]);
});

test("unknown commands print the command list on stdout", async () => {
  for (const prog of ["gnt-cluster", "gnt-node", "gnt-group", "gnt-instance", "gnt-job", "gnt-os", "gnt-backup", "gnt-storage", "gnt-debug"]) {
    const before = await configState();
    const r = await c.on("node1", prog, "bogus-command");
    assert.equal(r.code, 1, prog);
    assert.equal(r.stderr, "", prog);
    assert.match(r.stdout, new RegExp(`^Usage: ${prog} \\{command\\} \\[options\\.\\.\\.\\] \\[argument\\.\\.\\.\\]\\n${prog} <command> --help to see details, or man ${prog}\\n\\nCommands:\\n`), prog);
    assert.deepEqual(await configState(), before);
  }
});

test("offline nodes are refused as targets", async () => {
  await ok("gnt-node", "modify", "--drained=no", "node3");
  await ok("gnt-node", "modify", "--offline=yes", "node3");
  await runCases([
    { args: [...A, "-s", "1G", "-n", "node3", "new1"], code: 1, stderr: state("Cannot use offline primary node 'node3'") },
    { args: [...A, "-t", "drbd", "-s", "1G", "-n", "node1:node3", "new1"], code: 1, stderr: state("Can't use offline node: node3") },
  ]);
  await ok("gnt-node", "modify", "--offline=no", "node3");
});
