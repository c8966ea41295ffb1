#!/usr/bin/env bash
# hail benchmark: ganeti-ts bin/hail against Ganeti 3.0.2's hail, side by side (A B A B ...),
# on iallocator requests built from the generated uneven clusters (bench/htools/gen-ialloc.ts).
# Prints wall seconds and peak RSS (GNU time) medians and whether the two outputs are
# byte-identical.
#   bash bench/htools/hail.sh                          # 100 nodes: relocate, allocate plain
#   RUNS=1 CASES="alloc100-drbd" bash bench/htools/hail.sh   # Ganeti takes minutes here
# Needs: npx tsc -p . ; /usr/bin/time ; Ganeti's hail (apt-get install ganeti-htools-3.0).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-5}
CASES=${CASES:-"reloc100 alloc100-plain"}
GANETI_HAIL=${GANETI_HAIL:-/usr/lib/ganeti/iallocators/hail}
DIR=${DIR:-/tmp/htools-bench}
mkdir -p "$DIR"
sizes=$(for c in $CASES; do echo "$c" | tr -dc '0-9'; echo; done | sort -un)
node dist/bench/htools/gen-ialloc.js "$DIR" $sizes >/dev/null

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
run_one() { # label outfile cmd...
  local label=$1 out=$2; shift 2
  /usr/bin/time -f "%e %M" -o "$DIR/time.$label" "$@" >"$out" 2>&1 || true
  cat "$DIR/time.$label"
}

printf "%-16s %-8s %10s %10s\n" case prog "wall s" "peak MB"
for c in $CASES; do
  f="$DIR/$c.json"
  : >"$DIR/hail-ours.t"; : >"$DIR/hail-ganeti.t"
  for ((r = 0; r < RUNS; r++)); do
    run_one ours "$DIR/hail-ours.out" ./bin/hail "$f" >>"$DIR/hail-ours.t"
    if [[ -z "${OURS_ONLY:-}" ]]; then
      run_one ganeti "$DIR/hail-ganeti.out" "$GANETI_HAIL" "$f" >>"$DIR/hail-ganeti.t"
    fi
  done
  for p in ours ganeti; do
    [[ -s "$DIR/hail-$p.t" ]] || continue
    w=$(cut -d' ' -f1 "$DIR/hail-$p.t" | median)
    m=$(cut -d' ' -f2 "$DIR/hail-$p.t" | median)
    printf "%-16s %-8s %10s %10.0f\n" "$c" "$p" "$w" "$(echo "$m/1024" | bc -l)"
  done
  if [[ -z "${OURS_ONLY:-}" ]]; then
    if cmp -s "$DIR/hail-ours.out" "$DIR/hail-ganeti.out"; then echo "  output: byte-identical"; else echo "  output: DIFFERS"; fi
  fi
done
