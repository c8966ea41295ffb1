# Shared by the sharedfile-ext scripts: an ExtStorage provider (ganeti-extstorage-interface(7))
# keeping each volume as a sparse file in a directory every node of the node group sees
# (a cluster or network file system; on a devcluster, its shared-file-storage directory).
#
# Volumes:  $VOLDIR/<VOL_NAME>           the data (attach prints this path)
#           $VOLDIR/<VOL_NAME>.meta      what setinfo was given (VOL_METADATA)
#           $VOLDIR/.maps/<VOL_NAME>@<node>   the nodes a volume is attached to
# VOLDIR is $SHAREDFILE_EXT_DIR if set, else <root>/srv/ganeti/shared-file-storage/sharedfile-ext
# (the root is GANETI_ROOT, "/" on a real node).
set -eu
PROG=sharedfile-ext/$(basename "$0")
fail() { echo "$PROG: $*" >&2; exit 1; }
usage() {
  echo "Usage: $0 (no arguments; input in VOL_NAME, VOL_SIZE, VOL_NEW_SIZE, VOL_METADATA, EXTP_*)"
  echo "An ExtStorage provider script, run by Ganeti's node daemon (see ganeti-extstorage-interface(7))."
}
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  "") ;;
  *) [ "$PROG" = sharedfile-ext/verify ] || { usage >&2; exit 1; } ;;
esac

ROOT=${GANETI_ROOT:-}
ROOT=${ROOT%/}
VOLDIR=${SHAREDFILE_EXT_DIR:-$ROOT/srv/ganeti/shared-file-storage/sharedfile-ext}
NODE=$(cat "$ROOT/etc/hostname" 2>/dev/null || hostname)

volume() {
  [ -n "${VOL_NAME:-}" ] || fail "VOL_NAME is not set"
  case "$VOL_NAME" in
    */*|.*) fail "invalid volume name '$VOL_NAME'" ;;
  esac
  echo "$VOLDIR/$VOL_NAME"
}

mib() {
  case "$2" in
    ''|*[!0-9]*) fail "$1 must be a number of MiB, not '$2'" ;;
  esac
  echo "$2"
}

# The provider's parameters (parameters.list), checked the same way by create and verify.
check_params() {
  case "${EXTP_SPARSE:-yes}" in
    yes|no) ;;
    *) fail "parameter sparse must be yes or no, not '${EXTP_SPARSE}'" ;;
  esac
  if [ -n "${EXTP_FROMSNAP:-}" ]; then
    case "$EXTP_FROMSNAP" in
      */*|.*) fail "invalid snapshot name '$EXTP_FROMSNAP'" ;;
    esac
    [ -f "$VOLDIR/$EXTP_FROMSNAP" ] || fail "snapshot '$EXTP_FROMSNAP' not found in $VOLDIR"
  fi
}
