#!/usr/bin/env bash
# A full disk for real: footprintd on a size-limited tmpfs, appends until the disk is full, then
# more space (remount), and appends again without a restart. Checks that every acknowledged
# event is stored once and the chain verifies. Needs root (mount); run by hand:
#   tests/soak/disk-full.sh [--size-mb 24] [--payload-kb 60]
# Results: docs/reliability.md, "Disk full".
set -euo pipefail
cd "$(dirname "$0")/../.."
size_mb=24
payload_kb=60
while [ $# -gt 0 ]; do
  case "$1" in
    --size-mb) size_mb="$2"; shift ;;
    --payload-kb) payload_kb="$2"; shift ;;
    *) echo "disk-full: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
FOOTPRINTD=build/services/footprintd
F=build/tools/cli/footprint
work=$(mktemp -d /tmp/footprint-diskfull-XXXXXX)
mnt="$work/mnt"
mkdir -p "$mnt"
mount -t tmpfs -o "size=${size_mb}m" tmpfs "$mnt"
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  umount "$mnt" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$FOOTPRINTD" --data-dir "$mnt/data" --listen 127.0.0.1:0 >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/out" 2>/dev/null && break; sleep 0.1; done
server=$(sed -n 's/listening on //p' "$work/out")
data=$(python3 -c "import json; print(json.dumps({'x': 'a' * ($payload_kb * 1024)}))")

acked=0
first_error=""
for i in $(seq 1 100000); do
  if "$F" --server "$server" append disk-1 Blob --data "$data" --id "$(python3 -c 'import uuid; print(uuid.uuid4())')" >/dev/null 2>"$work/append-err"; then
    acked=$((acked + 1))
  else
    first_error=$(cat "$work/append-err")
    break
  fi
done
echo "acknowledged before the disk was full: $acked"
echo "first refusal: $first_error"
"$F" --server "$server" append disk-1 Blob --data '{"small":1}' 2>&1 | sed 's/^/while full: /' || true
df -h "$mnt" | tail -1

mount -o "remount,size=$((size_mb * 4))m" "$mnt"
start=$(date +%s.%N)
until "$F" --server "$server" append disk-1 Blob --data '{"after":1}' >/dev/null 2>&1; do sleep 0.2; done
end=$(date +%s.%N)
acked=$((acked + 1))
echo "appends resumed $(python3 -c "print(round($end - $start, 1))") s after space returned"
events=$("$F" --server "$server" read disk-1 | wc -l)
"$F" --server "$server" verify
echo "stored: $events events; acknowledged: $acked"
[ "$events" -eq "$acked" ] || { echo "disk-full: MISMATCH" >&2; exit 1; }
kill "$pid"; wait "$pid" || true; pid=""
"$FOOTPRINTD" --data-dir "$mnt/data" --listen 127.0.0.1:0 >"$work/out2" 2>>"$work/err" &
pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/out2" 2>/dev/null && break; sleep 0.1; done
server=$(sed -n 's/listening on //p' "$work/out2")
"$F" --server "$server" verify
after=$("$F" --server "$server" read disk-1 | wc -l)
echo "after a restart: $after events"
[ "$after" -eq "$acked" ] || { echo "disk-full: MISMATCH after restart" >&2; exit 1; }
echo "disk-full: every check held"
