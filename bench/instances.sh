#!/usr/bin/env bash
# Issue 4's benchmark: 500 instances (fake hypervisor, sparse file-backed disks) created by
# one batch-create on a 3-node devcluster; then gnt-instance list, gnt-instance info,
# gnt-cluster verify (farm-bench medians) and the evacuation of one node.
#
#   bash bench/instances.sh            # ganeti-ts only
#   bash bench/instances.sh --real     # then real Ganeti 3.0.2 (one node, file disks), same steps
#
# The 500 use `sharedfile` (a file per disk in the directory all devcluster nodes share) so
# that the evacuation can migrate them; real Ganeti runs them as `file` on its one node
# (there is no other node to evacuate to). Neither installs an OS (no_install), so both
# measure the cluster's own work. Results: bench/results/instances-*.txt.
# Environment: N (500), SUBNET (46), RUNS (10).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-500}; SUBNET=${SUBNET:-46}; RUNS=${RUNS:-10}
OUT=bench/results; mkdir -p "$OUT"
npx tsc -p . && node scripts/bundle-cli.mjs >/dev/null
export PATH="$PWD/bin:$PATH"

defs() { # $1 template, $2 pnode or "" (allocator)
  python3 - "$N" "$1" "$2" <<'PY'
import json, sys
n, tpl, pnode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
out = []
for i in range(n):
    d = {"instance_name": "inst%03d" % i, "mode": "create", "disk_template": tpl, "disks": [{"size": 1024}],
         "nics": [], "os_type": "image+default", "no_install": True, "name_check": False, "ip_check": False,
         "hypervisor": "fake", "beparams": {"maxmem": 64, "minmem": 64}}
    if pnode: d["pnode"] = pnode
    out.append(d)
print(json.dumps(out))
PY
}

ours() (
  dir=$(mktemp -d /tmp/gdc-bench-XXXX)
  trap 'gnt-devcluster down --dir "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
  gnt-devcluster up --nodes 3 --dir "$dir" --subnet "$SUBNET" >/dev/null
  export GANETI_ROOT="$dir/node1"
  # 500 one-vcpu instances on 3 two-cpu nodes: Ganeti's default vcpu-ratio (4) allows 8 a
  # node; and 64 MiB instances (the default policy's minimum is 128), so that all of them
  # fit N+1 and one node's share fits on the other two.
  gnt-cluster modify --ipolicy-vcpu-ratio 256 \
    --ipolicy-bounds-specs min:cpu-count=1,disk-count=1,disk-size=128,memory-size=64,nic-count=0,spindle-use=1/max:cpu-count=8,disk-count=16,disk-size=1048576,memory-size=32768,nic-count=8,spindle-use=12
  defs sharedfile "" > "$dir/defs.json"
  t0=$(date +%s.%N)
  gnt-instance batch-create "$dir/defs.json" | tail -1
  t1=$(date +%s.%N)
  echo "ganeti-ts: created $N instances in $(python3 -c "print(round($t1-$t0,1))") s"
  echo "instances running: $(gnt-instance list --no-headers -o status | grep -c running)"
  farm-bench -n "$RUNS" -- gnt-instance list
  farm-bench -n "$RUNS" -- gnt-instance info inst250
  farm-bench -n "$RUNS" --timeout 300 -- gnt-cluster verify
  n2=$(gnt-instance list --no-headers -o name,pnode | awk '$2=="node2"' | wc -l)
  t0=$(date +%s.%N)
  gnt-node evacuate -f -p node2 | tail -1 || echo "evacuation reported errors"
  t1=$(date +%s.%N)
  echo "ganeti-ts: evacuated $n2 primary instances off node2 in $(python3 -c "print(round($t1-$t0,1))") s; left on node2: $(gnt-instance list --no-headers -o pnode | grep -c '^node2$' || true)"
)

real() (
  # Ganeti's own commands, not ours (which the PATH above puts first).
  export PATH="/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/bin"
  unset GANETI_ROOT
  trap 'bash bench/real-ganeti.sh teardown' EXIT
  bash bench/real-ganeti.sh setup >/dev/null
  local node; node=$(gnt-node list --no-headers -o name | head -1)
  gnt-cluster modify --ipolicy-vcpu-ratio 256 \
    --ipolicy-bounds-specs min:cpu-count=1,disk-count=1,disk-size=128,memory-size=64,nic-count=0,spindle-use=1/max:cpu-count=8,disk-count=16,disk-size=1048576,memory-size=32768,nic-count=8,spindle-use=12
  # Ganeti needs an OS name even without installing: its own debootstrap definition (not run).
  defs file "$node" | python3 -c "import json,sys; d=json.load(sys.stdin); [x.update(os_type='debootstrap+default') for x in d]; print(json.dumps(d))" > /tmp/real-defs.json
  local t0 t1; t0=$(date +%s.%N)
  gnt-instance batch-create /tmp/real-defs.json | tail -1
  t1=$(date +%s.%N)
  echo "Ganeti 3.0.2: created $N instances in $(python3 -c "print(round($t1-$t0,1))") s"
  farm-bench -n "$RUNS" -- gnt-instance list
  farm-bench -n "$RUNS" -- gnt-instance info inst250
  farm-bench -n "$RUNS" --timeout 600 -- gnt-cluster verify
  # gnt-cluster destroy (in teardown) wants an empty cluster.
  for i in $(gnt-instance list --no-headers -o name); do gnt-instance remove -f --submit "$i" >/dev/null; done
  while [ "$(gnt-job list --no-headers -o status | grep -cE 'queued|waiting|running')" != 0 ]; do sleep 2; done
)

ours 2>&1 | tee "$OUT/instances-ours.txt"
if [ "${1:-}" = "--real" ]; then real 2>&1 | tee "$OUT/instances-real-ganeti.txt"; fi
