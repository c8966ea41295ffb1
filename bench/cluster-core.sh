#!/usr/bin/env bash
# One command for the cluster-core benchmark (see docs/BENCHMARKS.md):
#
#   bash bench/cluster-core.sh            # ganeti-ts only (fresh 3-node devclusters, subnet 47)
#   bash bench/cluster-core.sh --real     # also real Ganeti 3.0.2 first (needs root, apt), then ours
#
# Results: bench/results/{ours,real-ganeti}.json and .txt, and a Markdown table on stdout
# (also bench/results/table.md). Environment: SUBNET (47), JOBS (1000), REAL_JOBS (200), RUNS (10).
# Real Ganeti and our devcluster never run at the same time.
set -euo pipefail
cd "$(dirname "$0")/.."
SUBNET=${SUBNET:-47}; JOBS=${JOBS:-1000}; REAL_JOBS=${REAL_JOBS:-200}; RUNS=${RUNS:-10}
OUT=bench/results
mkdir -p "$OUT"
npx tsc -p . && node scripts/bundle-cli.mjs

real=()
if [ "${1:-}" = "--real" ]; then
  trap 'bash bench/real-ganeti.sh teardown' EXIT
  bash bench/real-ganeti.sh setup
  node dist/bench/cluster-core.js --target real --jobs "$REAL_JOBS" --runs "$RUNS" --out "$OUT/real-ganeti.json" | tee "$OUT/real-ganeti.txt"
  bash bench/real-ganeti.sh teardown
  trap - EXIT
  real=("$OUT/real-ganeti.json")
fi

node dist/bench/cluster-core.js --target ours --jobs "$JOBS" --runs "$RUNS" --subnet "$SUBNET" --out "$OUT/ours.json" | tee "$OUT/ours.txt"
node dist/bench/report.js "$OUT/ours.json" "${real[@]}" | tee "$OUT/table.md"
