#!/usr/bin/env bash
# Two builds of the incremental balancer against each other on a saved cluster state:
# whole processes of balance-steps.js, A B A B ..., CPU seconds (user + sys, GNU time)
# of each, and the median of the pair ratios A/B (above 1: B is faster). This machine's
# speed drifts by ±20 % between identical runs, so only pairs run close together are
# compared; the decisive counters (the balancer's stats) are deterministic and printed
# once per build, so a change can be checked to do the work it should before it is timed.
#
#   bash bench/htools/ab-steps.sh A_CHECKOUT B_CHECKOUT STATE [STEPS] [PAIRS]
#
# A_CHECKOUT, B_CHECKOUT: built checkouts (npx tsc -p . in each). STATE: a cluster in
# Ganeti's text format, e.g. a state saved by
#   node dist/bench/htools/balance-steps.js /tmp/htools-bench/uneven1000.data --save DIR
# (DIR/step1000.data ... every 1,000 steps of a converged run). STEPS: balancing steps
# in all, the first (a scan of every candidate, ≈ 5 s at 1,000 nodes) included (default
# 300); PAIRS: default 3. The counters printed are per step after the first.
set -euo pipefail
a=${1:?A checkout} b=${2:?B checkout} state=${3:?state file}
steps=${4:-300} pairs=${5:-3}
for d in "$a" "$b"; do
  [[ -f "$d/dist/bench/htools/balance-steps.js" ]] || { echo "ab-steps: $d is not built (npx tsc -p .)" >&2; exit 2; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() { # checkout label
  /usr/bin/time -f "%U %S" -o "$tmp/time" node "$1/dist/bench/htools/balance-steps.js" "$state" \
    --steps "$steps" --every "$steps" >"$tmp/out.$2" 2>&1
  awk '{printf "%.2f\n", $1 + $2}' "$tmp/time"
}
ratios=()
for ((i = 1; i <= pairs; i++)); do
  ta=$(run "$a" A)
  tb=$(run "$b" B)
  r=$(awk -v x="$ta" -v y="$tb" 'BEGIN { printf "%.3f", x / y }')
  ratios+=("$r")
  echo "pair $i: A ${ta} s  B ${tb} s  A/B $r"
done
for x in A B; do
  echo "$x: $(grep -E '^done' "$tmp/out.$x")"
  grep -E '^step' "$tmp/out.$x" | tail -1 | sed 's/.*per step /   per step /'
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{v[NR] = $1} END {
  m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
  printf "median A/B %.3f (min %.3f, max %.3f, %d pairs)\n", m, v[1], v[NR], NR }'
