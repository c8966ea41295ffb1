#!/usr/bin/env bash
# Debian packages the project uses at run time and in tests, and Ganeti's own test data
# (package ganeti-testsuite, unpacked into .cache/, never committed).
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
need=()
command -v ip >/dev/null || need+=(iproute2)
command -v openssl >/dev/null || need+=(openssl)
# A C compiler for native/gnt-launch.c, the gnt-* programs' launcher (ganeti-clid).
command -v cc >/dev/null || need+=(gcc libc6-dev)
# Ganeti 3.0.2's own htools, for side-by-side comparison tests of ours.
[ -x /usr/lib/ganeti/3.0/usr/bin/htools ] || need+=(ganeti-htools-3.0)
# Ganeti's own Python RAPI client, for the compatibility test of ganeti-rapi.
[ -f /usr/lib/python3/dist-packages/ganeti/rapi/client.py ] || need+=(python3-ganeti-rapi)
if [ ${#need[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi
if [ ! -f .cache/ganeti-testsuite/usr/share/ganeti/testsuite/test/data/cluster_config_2.16.json ]; then
  mkdir -p .cache/deb .cache/ganeti-testsuite
  ( cd .cache/deb && { apt-get download ganeti-testsuite 2>/dev/null || { $SUDO apt-get update -qq && apt-get download ganeti-testsuite; }; } )
  dpkg -x .cache/deb/ganeti-testsuite_*.deb .cache/ganeti-testsuite
fi
