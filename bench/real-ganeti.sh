#!/usr/bin/env bash
# Real Ganeti 3.0.2 (Debian 12 package) as a one-node cluster with the fake hypervisor, for
# side-by-side figures. Follows the setup of /work/shared/reference/real-ganeti.md, with one
# deliberate change: noded is bound to the node's own address (NODED_ARGS="-b 127.0.1.1")
# instead of 0.0.0.0:1811, so it cannot collide with development clusters (127.0.S.N:1811).
#
#   bash bench/real-ganeti.sh setup      # installs, backs up, patches, gnt-cluster init
#   bash bench/real-ganeti.sh teardown   # destroys the cluster, stops daemons, restores files
#
# Needs root. Changes /etc/hosts, /etc/default/ganeti, /etc/ganeti/file-storage-paths and
# Ganeti's bootstrap.py; teardown restores all four from BACKUP (default /var/tmp/bench-real-ganeti).
set -euo pipefail
BACKUP=${BACKUP:-/var/tmp/bench-real-ganeti}
B=/usr/share/ganeti/3.0/ganeti/bootstrap.py

setup() {
  if ! command -v gnt-cluster >/dev/null || [ ! -f "$B" ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y ganeti ganeti-htools-3.0 time
  fi
  if [ -e "$BACKUP/hosts.orig" ]; then
    echo "backups already in $BACKUP: run teardown first" >&2; exit 1
  fi
  mkdir -p "$BACKUP"
  cp /etc/hosts "$BACKUP/hosts.orig"
  cp "$B" "$BACKUP/bootstrap.py.orig"
  if [ -e /etc/default/ganeti ]; then cp /etc/default/ganeti "$BACKUP/default-ganeti.orig"; fi
  if [ -e /etc/ganeti/file-storage-paths ]; then cp /etc/ganeti/file-storage-paths "$BACKUP/file-storage-paths.orig"; fi
  H=$(hostname)
  # drop $H from 127.0.0.1 lines (cp + write keeps the inode: /etc/hosts may be a bind mount)
  sed -E "/^127\.0\.0\.1[[:space:]]/ s/[[:space:]]$H([[:space:]]|\$)/\1/" "$BACKUP/hosts.orig" | awk 'NF>1 || !/^127\.0\.0\.1/' > "$BACKUP/hosts.new"
  echo "127.0.1.1 $H.ganeti.test $H" >> "$BACKUP/hosts.new"
  echo '127.0.2.1 cluster.ganeti.test cluster' >> "$BACKUP/hosts.new"
  cat "$BACKUP/hosts.new" > /etc/hosts
  sed -i 's/^  if ipcls.IsLoopback(hostname.ip):$/  if False and ipcls.IsLoopback(hostname.ip):/' "$B"
  sed -i 's/^  if netutils.TcpPing(clustername.ip, constants.DEFAULT_NODED_PORT, timeout=5):$/  if False and netutils.TcpPing(clustername.ip, constants.DEFAULT_NODED_PORT, timeout=5):/' "$B"
  if [ -e /etc/default/ganeti ]; then
    sed -i 's/^NODED_ARGS=.*/NODED_ARGS="-b 127.0.1.1"/' /etc/default/ganeti
  else
    echo 'NODED_ARGS="-b 127.0.1.1"' > /etc/default/ganeti
  fi
  mkdir -p /srv/ganeti/file-storage; echo /srv/ganeti/file-storage > /etc/ganeti/file-storage-paths
  gnt-cluster init --no-etc-hosts --no-ssh-init --enabled-hypervisors=fake \
    --enabled-disk-templates=diskless,file --master-netdev=lo --nic-parameters=link=lo \
    cluster.ganeti.test
  gnt-node list
  ss -ltnp | grep -E ':1811\b' || true
}

teardown() {
  set +e
  if [ -e /var/lib/ganeti/config.data ]; then gnt-cluster destroy --yes-do-it; fi
  /usr/lib/ganeti/daemon-util stop-all
  ip address del 127.0.2.1/32 dev lo 2>/dev/null
  [ -e "$BACKUP/hosts.orig" ] && cat "$BACKUP/hosts.orig" > /etc/hosts
  [ -e "$BACKUP/bootstrap.py.orig" ] && cp "$BACKUP/bootstrap.py.orig" "$B"
  [ -e "$BACKUP/default-ganeti.orig" ] && cp "$BACKUP/default-ganeti.orig" /etc/default/ganeti
  if [ -e "$BACKUP/file-storage-paths.orig" ]; then cp "$BACKUP/file-storage-paths.orig" /etc/ganeti/file-storage-paths
  else rm -f /etc/ganeti/file-storage-paths; fi
  rm -rf "$BACKUP"
  if pgrep -x ganeti-noded >/dev/null || pgrep -f '/usr/sbin/ganeti-' >/dev/null; then
    echo "WARNING: Ganeti daemons still running:" >&2; pgrep -af '/usr/sbin/ganeti-' >&2
  fi
  ss -ltnp | grep -E ':1811\b' | grep -v '"node"' || true
  return 0
}

case "${1:-}" in
  setup) setup ;;
  teardown) teardown ;;
  *) echo "usage: $0 setup|teardown" >&2; exit 2 ;;
esac
