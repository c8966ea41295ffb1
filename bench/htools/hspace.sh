#!/usr/bin/env bash
# hspace benchmark: ganeti-ts bin/hspace against Ganeti 3.0.2's hspace, side by side
# (farm-bench runs A B A B ... and prints medians and the A/B ratios), then checks that
# both outputs are byte-identical.
#   bash bench/htools/hspace.sh                      # 100 nodes, plain, no capacity checks
#   SPEC="--simulate p,100,4T,256g,32 --disk-template drbd --standard-alloc 100g,16g,2 --tiered-alloc 500g,64g,8" bash bench/htools/hspace.sh
# Needs: npx tsc -p . ; farm-bench ; Ganeti's hspace (apt-get install ganeti-htools-3.0).
set -euo pipefail
cd "$(dirname "$0")/../.."
G=${GANETI_HSPACE:-/usr/lib/ganeti/3.0/usr/bin/hspace}
SPEC=${SPEC:-"--simulate p,100,4T,256g,32 --disk-template plain --no-capacity-checks --standard-alloc 100g,16g,2 --tiered-alloc 500g,64g,8"}
farm-bench -n "${RUNS:-3}" --timeout "${TIMEOUT:-600}" --vs "$G $SPEC" -- ./bin/hspace $SPEC
if cmp -s <(./bin/hspace $SPEC 2>&1) <("$G" $SPEC 2>&1); then echo "output: byte-identical"; else echo "output: DIFFERS"; fi
