#!/usr/bin/env bash
# The kill -9 soak: footprintd SIGKILLed under concurrent appends and restarted on the same data
# directory, CYCLES times; after every restart every event acknowledged before the kill is
# present once where it was acknowledged and the hash chain verifies; at the end every
# acknowledged event is stored exactly once and nothing unacknowledged is (the test
# "acknowledged appends survive kill -9 ..." in tests/e2e/crash_test.cc, which CI runs with
# 3 cycles and 8 appenders).
#
#   tests/soak/kill9.sh [--cycles N] [--appenders N] [--build-dir DIR]
#
# Needs a built e2e_tests (scripts/build). Prints the test's per-cycle lines and a summary;
# exit 0 when every check held.
set -euo pipefail
cd "$(dirname "$0")/../.."
cycles=50
appenders=8
build_dir=build
while [ $# -gt 0 ]; do
  case "$1" in
    --cycles) cycles=${2:?}; shift ;;
    --appenders) appenders=${2:?}; shift ;;
    --build-dir) build_dir=${2:?}; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "kill9: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
binary="$build_dir/tests/e2e_tests"
[ -x "$binary" ] || { echo "kill9: $binary is missing: run scripts/build" >&2; exit 2; }
start=$(date +%s)
FOOTPRINT_SOAK_CYCLES=$cycles FOOTPRINT_SOAK_APPENDERS=$appenders \
  "$binary" "[kill9]" --durations yes 2>&1 | tee "${TMPDIR:-/tmp}/kill9-soak.log"
status=${PIPESTATUS[0]}
echo "kill9: $cycles cycles, $appenders appenders, $(( $(date +%s) - start )) s, exit $status"
exit "$status"
