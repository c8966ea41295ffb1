#!/usr/bin/env node
// Bundles each gnt-* command-line program into one ESM file. Loading one file instead of
// dozens of modules is what keeps everyday commands quick to start; one file per program
// also beat code-split shared chunks (whole-process A/B, 15 runs each on a busy machine:
// gnt-job list 1.13×, gnt-cluster version 1.04× median ratios in favour of one file).
// Daemons run from dist/ as tsc wrote it.
import { build } from "esbuild";
import { rmSync, renameSync } from "node:fs";

const programs = ["gnt-cluster", "gnt-node", "gnt-group", "gnt-job", "gnt-debug", "gnt-instance", "gnt-os", "gnt-backup", "gnt-storage"];
// htools programs too (hail runs once per allocation: whole-process A/B on a relocate request,
// 9 runs each, 1.14× median in favour of the bundle).
const htools = ["hail", "hbal", "hcheck", "hinfo", "hspace", "hroller", "hsqueeze", "hscan"];
rmSync("dist/cli-bundle.new", { recursive: true, force: true });
await build({
  entryPoints: Object.fromEntries([...programs.map((p) => [p, `dist/src/cli/${p}.js`]), ...htools.map((p) => [p, `dist/src/htools-cli/${p}.js`])]),
  outdir: "dist/cli-bundle.new",
  bundle: true,
  splitting: false,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  logLevel: "warning",
});
// Chunks are content-named: a fresh directory swapped in keeps old ones from piling up.
rmSync("dist/cli-bundle", { recursive: true, force: true });
renameSync("dist/cli-bundle.new", "dist/cli-bundle");
