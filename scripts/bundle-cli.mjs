#!/usr/bin/env node
// Bundles each command-line program on its own into one CommonJS file:
// dist/cli-bundle/<program>.cjs, started by bin/<program> through require().
//
// Why one file: loading one file instead of dozens of modules keeps everyday commands quick
// to start (whole-process A/B, 15 runs each: gnt-job list 1.13× in favour of one file).
// Why CommonJS although the sources are ESM: Node's ESM loader (module graph, URL
// resolution, async linking) costs ≈ 15 ms at every start, a sixth of a `gnt-job list`
// (session 10, hyperfine 40 runs each: 104.8 ms ESM bundle vs 88.7 ms CJS bundle; an empty
// script takes 70 ms). Code that a program loads only on demand (dynamic import(): the
// bootstrap of init/destroy/master-failover, node RPC over undici, the typebox RPC
// catalogue) stays lazy: esbuild wraps each such module in an init function and its
// require() of an external package runs only when the import() does.
// Daemons run from dist/ as tsc wrote it (ESM).
import { build } from "esbuild";
import { rmSync, renameSync, mkdirSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";

const programs = ["gnt-cluster", "gnt-node", "gnt-group", "gnt-job", "gnt-debug", "gnt-instance", "gnt-os", "gnt-backup", "gnt-storage", "gnt-network"];
// htools programs too (hail runs once per allocation: whole-process A/B on a relocate request,
// 9 runs each, 1.14× median in favour of the bundle).
const htools = ["hail", "hbal", "hcheck", "hinfo", "hspace", "hroller", "hsqueeze", "hscan", "harep"];
// hpc-mon-collector: Ganeti's mon-collector (the monitoring data collectors, run once).
const htoolsEntries = [...htools.map((p) => [p, `dist/src/htools-cli/${p}.js`]), ["hpc-mon-collector", "dist/src/htools-cli/mon-collector.js"]];
rmSync("dist/cli-bundle.new", { recursive: true, force: true });
await Promise.all(
  [...programs.map((p) => [p, `dist/src/cli/${p}.js`]), ...htoolsEntries].map(([p, entry]) =>
    build({
      entryPoints: [entry],
      outfile: `dist/cli-bundle.new/${p}.cjs`,
      bundle: true,
      format: "cjs",
      platform: "node",
      target: "node20",
      packages: "external",
      // import.meta.url of the bundle itself (daemon.ts finds bin/ from its own location).
      define: { "import.meta.url": "__bundleUrl" },
      banner: { js: 'const __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
      // bin/<program> without the launcher runs the bundle itself: `node <program>.cjs ARGS`.
      footer: { js: "if (require.main === module) module.exports.run();" },
      logLevel: "warning",
    }),
  ),
);
// The subcommands a ganeti-clid worker may run (`resident: true` in the command tables):
// the launcher asks the daemon only for these, and starts every other command directly.
const resident = [];
for (const p of programs) {
  const { commands } = await import(`../dist/src/cli/${p}.js`);
  for (const [name, c] of Object.entries(commands)) if (c.resident === true) resident.push(`${p} ${name}\n`);
}
writeFileSync("dist/cli-bundle.new/resident.txt", resident.sort().join(""));
// A fresh directory swapped in keeps the tree free of files from older layouts.
rmSync("dist/cli-bundle", { recursive: true, force: true });
renameSync("dist/cli-bundle.new", "dist/cli-bundle");

// The gnt-* launcher (native/gnt-launch.c: hands commands to ganeti-clid's warm workers).
// Without a C compiler the programs still work, started by node each time.
mkdirSync("dist/native", { recursive: true });
const cc = spawnSync("cc", ["-O2", "-Wall", "-Wextra", "-Werror", "-o", "dist/native/gnt-launch.new", "native/gnt-launch.c"], { stdio: "inherit" });
if (cc.status === 0) renameSync("dist/native/gnt-launch.new", "dist/native/gnt-launch");
else {
  rmSync("dist/native/gnt-launch", { force: true });
  console.warn("bundle-cli: no C compiler: gnt-* programs start without the launcher (no ganeti-clid fast path)");
}
