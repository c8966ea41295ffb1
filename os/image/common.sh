# Shared by the image OS scripts: the first disk's path, or a clear failure.
set -eu
fail() { echo "image OS: $*" >&2; exit 1; }
[ "${OS_API_VERSION:-}" = "20" ] || fail "unsupported OS API version '${OS_API_VERSION:-}'"
disk0() {
  [ "${DISK_COUNT:-0}" -ge 1 ] || fail "instance ${INSTANCE_NAME:-?} has no disk"
  [ -n "${DISK_0_PATH:-}" ] || fail "no path for disk 0"
  echo "$DISK_0_PATH"
}
