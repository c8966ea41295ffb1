#!/usr/bin/env bash
# hspace benchmark: ganeti-ts bin/hspace against Ganeti 3.0.2's hspace, side by side
# (A B A B ...), timing each whole process with GNU time (wall, peak RSS), then checks that
# both outputs are byte-identical.
#   bash bench/htools/hspace.sh                      # 100 nodes, plain, no capacity checks
#   SPEC="--simulate p,100,4T,256g,32 --disk-template drbd --standard-alloc 100g,16g,2 --tiered-alloc 500g,64g,8" bash bench/htools/hspace.sh
#   OURS_ONLY=1 RUNS=1 SPEC="--simulate p,1000,..." bash bench/htools/hspace.sh
# Needs: npx tsc -p . ; /usr/bin/time ; Ganeti's hspace (apt-get install ganeti-htools-3.0).
set -euo pipefail
cd "$(dirname "$0")/../.."
G=${GANETI_HSPACE:-/usr/lib/ganeti/3.0/usr/bin/hspace}
SPEC=${SPEC:-"--simulate p,100,4T,256g,32 --disk-template plain --no-capacity-checks --standard-alloc 100g,16g,2 --tiered-alloc 500g,64g,8"}
RUNS=${RUNS:-3}
DIR=${DIR:-/tmp/htools-bench}
mkdir -p "$DIR"
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
: >"$DIR/hspace-ours.t"; : >"$DIR/hspace-ganeti.t"
for ((r = 0; r < RUNS; r++)); do
  /usr/bin/time -f "%e %M" -o "$DIR/time.hs" ./bin/hspace $SPEC >"$DIR/hspace-ours.out" 2>&1 || true
  cat "$DIR/time.hs" >>"$DIR/hspace-ours.t"
  if [[ -z "${OURS_ONLY:-}" ]]; then
    /usr/bin/time -f "%e %M" -o "$DIR/time.hs" "$G" $SPEC >"$DIR/hspace-ganeti.out" 2>&1 || true
    cat "$DIR/time.hs" >>"$DIR/hspace-ganeti.t"
  fi
done
for p in ours ganeti; do
  [[ -s "$DIR/hspace-$p.t" ]] || continue
  printf "%-8s wall %s s (median of %s), peak %.0f MiB\n" "$p" "$(cut -d' ' -f1 "$DIR/hspace-$p.t" | median)" "$RUNS" \
    "$(echo "$(cut -d' ' -f2 "$DIR/hspace-$p.t" | median)/1024" | bc -l)"
done
if [[ -z "${OURS_ONLY:-}" ]]; then
  if cmp -s "$DIR/hspace-ours.out" "$DIR/hspace-ganeti.out"; then echo "output: byte-identical"; else echo "output: DIFFERS"; fi
fi
