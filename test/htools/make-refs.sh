#!/usr/bin/env bash
# Regenerates test/htools/hspace-hail.ref.json from Ganeti 3.0.2's own hspace and hail
# (apt-get install ganeti-htools-3.0; testsuite data from scripts/install-system-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
G=/usr/lib/ganeti/3.0/usr
D=.cache/ganeti-testsuite/usr/share/ganeti/testsuite/test/data/htools
cases=(
  "hspace|--simulate p,4,8T,64g,16 --disk-template drbd -l 8 -v -v -v"
  "hspace|--simulate p,4,8T,64g,16 --disk-template drbd -l 8 --machine-readable"
  "hspace|--simulate p,8,2T,32g,8 --simulate u,3,1T,16g,4 --disk-template plain --machine-readable"
  "hspace|--simulate p,6,1T,64g,16 --disk-template drbd --tiered-alloc 200g,16g,4 --standard-alloc 10g,2g,1 -p"
  "hspace|-t DATA/hspace-tiered.data --machine-readable"
  "hspace|-t DATA/hspace-tiered-dualspec-exclusive.data --no-capacity-checks -v -v"
  "hspace|-t DATA/hspace-tiered-mixed.data --no-capacity-checks --machine-readable"
  "hspace|-t DATA/hspace-bad-group.data -v -v -v -v"
  "hspace|-t DATA/hspace-existing.data --accept-existing-errors"
  "hspace|-t DATA/hbal-evac.data --disk-template drbd -O node-01-002 --max-cpu 2 --min-disk 0.2"
  "hspace|-t DATA/shared-n1-restriction.data --disk-template ext -pname,pcnt,fmem"
)
for f in $D/hail-*.json; do cases+=("hail|DATA/$(basename "$f")"); done
cases+=("hail|--ignore-soft-errors DATA/hail-reloc-drbd-crowded.json" "hail|-t DATA/partly-used.data DATA/hail-alloc-drbd.json")
{
  echo "["
  first=1
  for c in "${cases[@]}"; do
    prog=${c%%|*}; args=${c#*|}
    exe=$G/bin/$prog; [[ $prog == hail ]] && exe=$G/lib/ganeti/iallocators/hail
    set +e
    out=$($exe ${args//DATA/$D} 2>/tmp/refs.err); code=$?
    set -e
    [[ $first == 1 ]] || echo ","
    first=0
    python3 -c 'import json,sys; print(json.dumps({"prog":sys.argv[1],"args":sys.argv[2],"stdout":sys.argv[3]+"\n" if sys.argv[3] else "","stderr":open("/tmp/refs.err").read(),"code":int(sys.argv[4])}), end="")' "$prog" "$args" "$out" "$code"
  done
  echo; echo "]"
} > test/htools/hspace-hail.ref.json
