// The layer rules are checked by dependency-cruiser, not by review.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

test("src/ obeys the layer rules of .dependency-cruiser.cjs", () => {
  const r = spawnSync(
    process.execPath,
    ["node_modules/dependency-cruiser/bin/dependency-cruise.mjs", "--config", ".dependency-cruiser.cjs",
      "--output-type", "err", "src"],
    { encoding: "utf8" },
  );
  assert.equal(r.status, 0, `dependency-cruiser found violations:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /no dependency violations found/);
});
