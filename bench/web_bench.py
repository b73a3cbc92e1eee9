#!/usr/bin/python3
"""How fast footprint-web serves each page (issue 24: p99 <= 50 ms per page for a council of
1,000 children looked after over 10 years).

Measures a running footprint-web (over its footprintd) from one client in a closed loop on one
keep-alive connection: each page --calls times after --warmup untimed calls, a child's page for
a child drawn (seeded) from those looked after on --as-at. Prints a table, or with --json one
JSON object; --check exits 3 when a page's p99 is over --target-ms.

  bench/web_bench.py --web 127.0.0.1:8080 --server 127.0.0.1:50051 --as-at 2026-03-31
"""
import argparse
import http.client
import json
import random
import subprocess
import sys
import time


def percentile(sorted_ms, p):
    # Nearest rank, as the other benchmarks.
    rank = max(1, int(-(-p * len(sorted_ms) // 100)))
    return sorted_ms[rank - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--web", required=True, help="footprint-web's HOST:PORT")
    parser.add_argument("--server", required=True, help="footprintd's HOST:PORT (to list children)")
    parser.add_argument("--cli", default="build/tools/cli/footprint")
    parser.add_argument("--as-at", required=True)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--target-ms", type=float, default=50.0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()

    listing = subprocess.run(
        [args.cli, "--server", args.server, "--json", "--purpose", "benchmark", "placements",
         "--as-at", args.as_at], check=True, capture_output=True, text=True)
    children = [c["child_id"] for c in json.loads(listing.stdout)["children"]]
    rng = random.Random(args.seed)
    year = int(args.as_at[:4]) - (1 if args.as_at[5:] < "04-01" else 0)
    pages = {
        "today": lambda: f"/?as_at={args.as_at}",
        "child": lambda: f"/child/{rng.choice(children)}?purpose=benchmark&as_at={args.as_at}",
        "challenges": lambda: f"/challenges?as_at={args.as_at}",
        "reports_s20": lambda: f"/reports/s20?as_at={args.as_at}",
        "reports_pwp": lambda: f"/reports/pwp?as_at={args.as_at}",
        "reports_plo": lambda: f"/reports/plo?to={args.as_at}",
        "reports_annual": lambda: f"/reports/annual?year={year}",
        "projections": lambda: "/projections",
    }
    host, port = args.web.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    results = {}
    for name, target in pages.items():
        times = []
        size = 0
        for i in range(args.warmup + args.calls):
            start = time.perf_counter()
            connection.request("GET", target())
            response = connection.getresponse()
            body = response.read()
            elapsed = (time.perf_counter() - start) * 1000
            if response.status != 200:
                print(f"{name}: HTTP {response.status}", file=sys.stderr)
                return 1
            if i >= args.warmup:
                times.append(elapsed)
                size += len(body)
        times.sort()
        results[name] = {
            "calls": len(times), "p50_ms": round(percentile(times, 50), 3),
            "p99_ms": round(percentile(times, 99), 3), "max_ms": round(times[-1], 3),
            "mean_bytes": size // len(times),
            "met": percentile(times, 99) <= args.target_ms,
        }
    out = {"web": args.web, "as_at": args.as_at, "children_looked_after": len(children),
           "target_p99_ms": args.target_ms, "pages": results}
    if args.json:
        print(json.dumps(out))
    else:
        print(f"footprint-web pages as at {args.as_at}, {len(children)} children looked after, "
              f"{args.calls} calls each")
        print(f"  {'page':<16}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'bytes':>9}  target")
        for name, r in results.items():
            print(f"  {name:<16}{r['p50_ms']:>9.3f}{r['p99_ms']:>9.3f}{r['max_ms']:>9.3f}"
                  f"{r['mean_bytes']:>9}  {'met' if r['met'] else 'MISSED'}")
    if args.check and not all(r["met"] for r in results.values()):
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
