#!/usr/bin/env bash
# htools benchmark: ganeti-ts bin/hbal against Ganeti 3.0.2's hbal, side by side (A B A B ...),
# on generated uneven clusters. Prints wall seconds and peak RSS (GNU time) per run, the
# medians, and whether stdout+stderr were byte-identical.
#   bash bench/htools/run.sh                  # 10 nodes full run, 100 nodes -l 3
#   RUNS=5 CASES="10: 100:-l3 100:-l10" bash bench/htools/run.sh
#   OURS_ONLY=1 CASES="100: 1000:-l1" bash bench/htools/run.sh   # sizes Ganeti cannot finish
# Needs: npx tsc -p . ; /usr/bin/time ; Ganeti's hbal (apt-get install ganeti-htools-3.0).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}
CASES=${CASES:-"10: 100:-l3"}
GANETI_HBAL=${GANETI_HBAL:-/usr/bin/hbal}
DIR=${DIR:-/tmp/htools-bench}
mkdir -p "$DIR"
sizes=$(for c in $CASES; do echo "${c%%:*}"; done | sort -un)
node dist/bench/htools/gen-clusters.js "$DIR" $sizes >/dev/null

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

run_one() { # label outfile cmd...
  local label=$1 out=$2; shift 2
  /usr/bin/time -f "%e %M" -o "$DIR/time.$label" "$@" >"$out" 2>&1 || true
  cat "$DIR/time.$label"
}

printf "%-22s %-8s %10s %10s %9s  %s\n" case prog "wall s" "peak MB" moves "final line"
for c in $CASES; do
  n=${c%%:*}; opt=${c#*:}; opt=${opt//-l/-l }
  f="$DIR/uneven$n.data"
  : >"$DIR/ours.t"; : >"$DIR/ganeti.t"
  for ((r = 0; r < RUNS; r++)); do
    run_one ours "$DIR/ours.out" ./bin/hbal -t "$f" $opt >>"$DIR/ours.t"
    if [[ -z "${OURS_ONLY:-}" ]]; then
      run_one ganeti "$DIR/ganeti.out" "$GANETI_HBAL" -t "$f" $opt >>"$DIR/ganeti.t"
    fi
  done
  for p in ours ganeti; do
    [[ -s "$DIR/$p.t" ]] || continue
    w=$(cut -d' ' -f1 "$DIR/$p.t" | median)
    m=$(cut -d' ' -f2 "$DIR/$p.t" | median)
    moves=$(grep -c '^ *[0-9]*\. ' "$DIR/$p.out" || true)
    printf "%-22s %-8s %10s %10.0f %9s  %s\n" "$n nodes $opt" "$p" "$w" "$(echo "$m/1024" | bc -l)" "$moves" \
      "$(grep 'Cluster score improved' "$DIR/$p.out" || tail -1 "$DIR/$p.out")"
  done
  if [[ -z "${OURS_ONLY:-}" ]]; then
    if cmp -s "$DIR/ours.out" "$DIR/ganeti.out"; then echo "  output: byte-identical"; else echo "  output: DIFFERS"; fi
  fi
done
