#!/usr/bin/env python3
"""Import rate of `footprint import-903` against a fresh footprintd (issue 6).

    bench/import_bench.py [--build DIR] [--data DIR] [--copies K] [--runs N] [--jobs J]
                          [--tmp DIR] [--floor-seconds S] [--skip-floor] [--out FILE]

For each run: a new data directory under --tmp, footprintd on 127.0.0.1:0 (synced writes, as
always), then three timed commands of the real CLI, each a separate process:

  1. `footprint --json import-903 DATA --repair all --dry-run`: read, merge and validate only;
  2. `footprint --json import-903 DATA --repair all --jobs J`: the import (per valid child one
     EventStore.ReadStream and one Intake.Record, each a synced write; J children at once);
  3. the same again: every child already imported (the reads only).

DATA defaults to the five synthetic years (tests/data/903-synthetic). --copies K writes K copies
of them with the child ids prefixed ("k3x398768"), so the same histories are imported K times
over (K x 162 children). Rates are children and events imported per second of wall time of the
whole CLI process (start-up, reading the files and validation included). With the floor
(../shared/tools/grpc-floor: an empty loopback gRPC round trip and one fdatasync, measured in
the same run on the same disk), it also prints the floor of one imported child done one at a time, 2 round
trips + 1 fdatasync, and the ratio (above 1 with --jobs > 1: the server's group commit syncs
several children at once). Prints one JSON object (and writes it to --out).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def log(message):
    print(f"import-bench: {message}", file=sys.stderr, flush=True)


def scaled_copy(source, target, copies):
    """K copies of every 903 CSV in `source`, child ids prefixed, one file per year and kind."""
    os.makedirs(target, exist_ok=True)
    for name in sorted(os.listdir(source)):
        if not name.endswith(".csv"):
            continue
        with open(os.path.join(source, name), encoding="utf-8") as f:
            header, *rows = f.read().splitlines()
        with open(os.path.join(target, name), "w", encoding="utf-8") as out:
            out.write(header + "\n")
            for k in range(copies):
                for row in rows:
                    if row:
                        out.write(f"k{k}x{row}\n")


def start_server(footprintd, data_dir, config):
    process = subprocess.Popen(
        [footprintd, "--config", config, "--data-dir", data_dir, "--listen", "127.0.0.1:0",
         "--log-level", "warn"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    if not line.startswith("listening on "):
        process.kill()
        raise RuntimeError(f"footprintd did not start: {line!r}")
    return process, line.split()[-1]


def timed(argv):
    start = time.monotonic()
    result = subprocess.run(argv, capture_output=True, text=True)
    seconds = time.monotonic() - start
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {result.returncode}: {result.stderr}")
    return seconds, json.loads(result.stdout.splitlines()[-1])


def floor(tmp, seconds):
    tools = os.environ.get("FOOTPRINT_SHARED_TOOLS",
                           os.path.join(REPO, "..", "shared", "tools"))
    build = subprocess.run([os.path.join(tools, "grpc-floor", "build"),
                            os.path.join(tmp, "grpc-floor")],
                           capture_output=True, text=True, check=True)
    binary = build.stdout.strip().splitlines()[-1]
    directory = os.path.join(tmp, "floor-dir")
    os.makedirs(directory, exist_ok=True)
    result = subprocess.run([binary, directory, str(seconds)], capture_output=True, text=True,
                            check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default=os.path.join(REPO, "build"))
    parser.add_argument("--data", default=os.path.join(REPO, "tests", "data", "903-synthetic"))
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--tmp", default=os.environ.get("TMPDIR", "/tmp"))
    parser.add_argument("--floor-seconds", type=float, default=3)
    parser.add_argument("--skip-floor", action="store_true")
    parser.add_argument("--out")
    args = parser.parse_args()

    footprintd = os.path.join(args.build, "services", "footprintd")
    cli = os.path.join(args.build, "tools", "cli", "footprint")
    for binary in (footprintd, cli):
        if not os.access(binary, os.X_OK):
            sys.exit(f"import-bench: {binary} is missing: ninja -C {args.build} footprintd footprint")

    work = tempfile.mkdtemp(prefix="import-bench-", dir=args.tmp)
    try:
        data = args.data
        if args.copies > 1:
            data = os.path.join(work, "returns")
            scaled_copy(args.data, data, args.copies)
        config = os.path.join(work, "footprintd.yaml")
        with open(config, "w", encoding="utf-8") as f:
            # History is imported as it was: no deadlines recorded as missed meanwhile.
            f.write("reviews:\n  record_missed_deadlines: false\n")
        runs = []
        for run in range(args.runs):
            data_dir = os.path.join(work, f"data-{run}")
            server, address = start_server(footprintd, data_dir, config)
            try:
                base = [cli, "--json", "--server", address, "import-903", data, "--repair", "all"]
                jobs = ["--jobs", str(args.jobs)]
                dry_s, dry = timed(base + ["--dry-run"])
                import_s, imported = timed(base + jobs)
                again_s, again = timed(base + jobs)
            finally:
                server.terminate()
                server.wait(timeout=30)
            if again["events_imported"] != 0:
                raise RuntimeError("the second import wrote events")
            entry = {
                "children_read": imported["children_read"],
                "episodes_read": imported["episodes_read"],
                "children_imported": imported["children_imported"],
                "events_imported": imported["events_imported"],
                "dry_run_s": round(dry_s, 4),
                "import_s": round(import_s, 4),
                "rerun_s": round(again_s, 4),
                "children_per_s": round(imported["children_imported"] / import_s, 1),
                "events_per_s": round(imported["events_imported"] / import_s, 1),
                "rerun_children_per_s": round(again["children_already_imported"] / again_s, 1),
                "dry_run_children_read_per_s": round(dry["children_read"] / dry_s, 1),
            }
            log(f"run {run + 1}/{args.runs}: {entry}")
            runs.append(entry)
            shutil.rmtree(data_dir, ignore_errors=True)

        def median(key):
            return statistics.median(r[key] for r in runs)

        result = {
            "copies": args.copies,
            "jobs": args.jobs,
            "runs": len(runs),
            "children_read": runs[0]["children_read"],
            "children_imported": runs[0]["children_imported"],
            "events_imported": runs[0]["events_imported"],
            "median_import_s": median("import_s"),
            "median_children_per_s": median("children_per_s"),
            "median_events_per_s": median("events_per_s"),
            "median_rerun_children_per_s": median("rerun_children_per_s"),
            "median_dry_run_s": median("dry_run_s"),
            "per_run": runs,
        }
        if not args.skip_floor:
            f = floor(work, args.floor_seconds)
            child_floor_us = 2 * f["rtt_us"] + f["fdatasync_us"]
            result["floor"] = f
            result["child_floor_us"] = round(child_floor_us, 1)
            result["child_floor_per_s"] = round(1e6 / child_floor_us, 1)
            result["children_per_s_over_floor"] = round(
                result["median_children_per_s"] / result["child_floor_per_s"], 3)
        text = json.dumps(result)
        print(text)
        if args.out:
            with open(args.out, "w", encoding="utf-8") as out:
                out.write(text + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
