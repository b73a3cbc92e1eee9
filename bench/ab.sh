#!/usr/bin/env bash
# bench/ab.sh: compares the appends of two footprintd binaries on this machine, alternating
# them round by round so that both meet the same drift of a shared virtual machine.
#
#   bench/ab.sh BASE_FOOTPRINTD NEW_FOOTPRINTD [--rounds N] [--clients "1 64"] [--duration S]
#               [--bench PATH] [--tmp DIR]
#
# Each round starts each binary on a fresh data directory (under --tmp, default $TMPDIR or
# /tmp) and runs `footprint-bench --mode append --clients C --duration S` for each C, then stops
# it. Prints one line per run (round, variant, clients, events/s, p50 ms, p99 ms) and, at the
# end, the median of each over the rounds. Build a base binary from another commit with e.g.
#   git worktree add /tmp/base REV && cmake -S /tmp/base -B /tmp/base/build -G Ninja \
#     -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
#     && cmake --build /tmp/base/build --target footprintd
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
base=${1:?usage: bench/ab.sh BASE_FOOTPRINTD NEW_FOOTPRINTD [options]}
new=${2:?usage: bench/ab.sh BASE_FOOTPRINTD NEW_FOOTPRINTD [options]}
shift 2
rounds=8
clients="1 64"
duration=8
bench=$repo/build/bench/footprint-bench
tmp=${TMPDIR:-/tmp}
while (($#)); do
  case $1 in
    --rounds) rounds=${2:?}; shift ;;
    --clients) clients=${2:?}; shift ;;
    --duration) duration=${2:?}; shift ;;
    --bench) bench=${2:?}; shift ;;
    --tmp) tmp=${2:?}; shift ;;
    *) echo "ab: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
for bin in "$base" "$new" "$bench"; do
  [ -x "$bin" ] || { echo "ab: $bin is not an executable" >&2; exit 2; }
done

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for round in $(seq "$rounds"); do
  for variant in base new; do
    bin=$base
    [ "$variant" = new ] && bin=$new
    for c in $clients; do
      dir=$(mktemp -d "$tmp/footprint-ab-XXXXXX")
      "$bin" --data-dir "$dir/data" --listen 127.0.0.1:0 >"$dir/out" 2>"$dir/err" &
      pid=$!
      for _ in $(seq 100); do grep -q "listening on" "$dir/out" && break; sleep 0.1; done
      addr=$(sed -n 's/^listening on //p' "$dir/out")
      [ -n "$addr" ] || { echo "ab: $bin did not start: $(tail -2 "$dir/err")" >&2; exit 1; }
      json=$("$bench" --server "$addr" --mode append --clients "$c" --duration "$duration" --json)
      line=$(python3 -c 'import json,sys; j=json.load(sys.stdin); print(round(j["events_per_s"]), j["p50_ms"], j["p99_ms"])' <<<"$json")
      echo "$round $variant $c $line" | tee -a "$results"
      kill -TERM "$pid"
      wait "$pid" || true
      rm -rf "$dir"
    done
  done
done
python3 - "$results" <<'EOF'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    _, variant, clients, eps, p50, p99 = line.split()
    runs[(int(clients), variant)].append((float(eps), float(p50), float(p99)))
print("clients variant rounds median_events_per_s median_p50_ms median_p99_ms")
for (clients, variant), xs in sorted(runs.items()):
    med = [statistics.median(x[i] for x in xs) for i in range(3)]
    print(f"{clients} {variant} {len(xs)} {med[0]:.0f} {med[1]:.3f} {med[2]:.2f}")
EOF
