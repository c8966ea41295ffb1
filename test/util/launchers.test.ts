import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

// The command-line programs drop NODE_EXTRA_CA_CERTS in their launcher: Node reads and
// parses that file at every start (≈ 60 ms of each command here), and none of them needs
// it (node RPC pins the cluster certificate, htools' RAPI client does not verify).
const ROOT = join(import.meta.dirname, "../../.."); // run from dist/test/util
const bins = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { bin: Record<string, string> }).bin;
const cliPrograms = Object.keys(bins).filter((p) => p.startsWith("gnt-") || p.startsWith("h"));
const LAUNCHER = "#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node";
// The gnt-* programs of a cluster start through native/gnt-launch (ganeti-clid's warm
// workers, else node directly with `env -u NODE_EXTRA_CA_CERTS`): a shell script.
const CLID_PROGRAMS = ["gnt-cluster", "gnt-node", "gnt-group", "gnt-job", "gnt-debug", "gnt-instance", "gnt-os", "gnt-backup",
  "gnt-storage", "gnt-network"];

function runWithBadCaFile(argv: string[]): Promise<string> {
  return new Promise((res, rej) => {
    const [file, ...args] = argv as [string, ...string[]];
    execFile(file, args, { env: { ...process.env, NODE_EXTRA_CA_CERTS: "/nonexistent/ca.pem" } }, (e, _out, stderr) => (e ? rej(e) : res(stderr)));
  });
}

test("every command-line program's launcher drops NODE_EXTRA_CA_CERTS", () => {
  assert.ok(cliPrograms.length >= 18, `found ${cliPrograms.join(" ")}`);
  for (const p of cliPrograms) {
    const text = readFileSync(join(ROOT, bins[p] as string), "utf8");
    if (CLID_PROGRAMS.includes(p)) {
      assert.equal(text.split("\n")[0], "#!/bin/sh", p);
      assert.match(text, new RegExp(`exec env -u NODE_EXTRA_CA_CERTS node "\\$d/../dist/cli-bundle/${p}.cjs" "\\$@"`), p);
    } else {
      assert.equal(text.split("\n")[0], LAUNCHER, p);
    }
  }
});

test("gnt-launch, started without a ganeti-clid, runs the program by node without the extra CA file", async () => {
  for (const env of [{ GANETI_ROOT: "/nonexistent" }, { GANETI_CLI_DIRECT: "1" }]) {
    const stderr = await new Promise<string>((res, rej) => {
      execFile(join(ROOT, "bin/gnt-cluster"), ["--version"], { env: { ...process.env, ...env, NODE_EXTRA_CA_CERTS: "/nonexistent/ca.pem" } },
        (e, out, err) => (e ? rej(e) : (assert.match(out, /^gnt-cluster \(ganeti-ts\) /), res(err))));
    });
    assert.doesNotMatch(stderr, /Ignoring extra certs/);
  }
});

test("a program started through its launcher does not load the extra CA file", async () => {
  const hinfo = join(ROOT, "bin/hinfo");
  // Control: started by node directly, the same program does try to load it.
  assert.match(await runWithBadCaFile([process.execPath, hinfo, "--version"]), /Ignoring extra certs/);
  assert.doesNotMatch(await runWithBadCaFile([hinfo, "--version"]), /Ignoring extra certs/);
});

test("a program whose reader closed the pipe ends quietly, like one killed by SIGPIPE", async () => {
  // `gnt-cluster info | head -3` used to end with Node's stack trace for the EPIPE
  for (const [program, args] of [["gnt-cluster", ["--help"]], ["hspace", ["--help"]]] as const) {
    const r = await new Promise<{ code: number | null; stderr: string }>((res) => {
      const child = spawn(join(ROOT, "bin", program), [...args], { stdio: ["ignore", "pipe", "pipe"] });
      child.stdout.destroy(); // the reader goes away before the program writes
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (d: string) => { stderr += d; });
      child.on("close", (code) => res({ code, stderr }));
    });
    assert.equal(r.code, 141, `${program}: ${r.stderr}`);
    assert.equal(r.stderr, "", program);
  }
});
