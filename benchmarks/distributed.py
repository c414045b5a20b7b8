#!/usr/bin/env python3
"""Issue 19's two figures: the start skew of shards given one start time, and the time (and memory) tuner merge
takes for 100 shard results of a 10-minute run.

1. Start skew: `tuner k8s run --launcher local` with SHARDS shards against nginx at RATE req/s; each shard's result
   records how long after the common start its event loops began (its own clock). Printed: median and max.
2. Merge: one real shard result of a short run is stretched to a 10-minute one (its per-second series repeated to
   600 seconds, each second with its histogram) and written as shards 0..99 of 100 (one plan, one start); then
   `tuner merge` of the 100 files, timed with /usr/bin/time (wall, CPU, peak memory), ROUNDS times.

Usage: benchmarks/distributed.py [--shards 8] [--rate 800] [--rounds 3] BINARY
BINARY is a built `tuner` (a release build: swift build -c release --product tuner).
Needs nginx (benchmarks/loadgen.sh installs it).
"""
import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flow import start_nginx  # noqa: E402


def skew(binary, work, port, shards, rate):
    out = f"{work}/k8s"
    done = subprocess.run([binary, "k8s", "run", f"http://127.0.0.1:{port}/", "--shards", str(shards),
                           "--launcher", "local", "--out", out, "--", "--rate", str(rate), "--duration", "5s"],
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"distributed benchmark: k8s run failed: {done.stderr.strip()[-400:]}")
    skews = [json.load(open(f"{out}/shard-{i}.json"))["shard"]["startSkewMilliseconds"] for i in range(shards)]
    merged = json.load(open(f"{out}/result.json"))
    return skews, merged["overall"]["count"], rate * 5, f"{out}/shard-0.json"


def stretched_shards(source, work, count=100, seconds=600):
    result = json.load(open(source))
    measured = [p for p in result["series"] if not p["isWarmUp"]] or result["series"]
    result["series"] = [dict(measured[i % len(measured)], second=i) for i in range(seconds)]
    result["shard"]["count"] = count
    paths = []
    for index in range(count):
        result["shard"]["index"] = index
        path = f"{work}/merge/shard-{index}.json"
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as out:
            json.dump(result, out)
        paths.append(path)
    return paths


def merge(binary, paths, work):
    timing = f"{work}/merge-time"
    done = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", timing, binary, "merge", *paths,
                           "--json", f"{work}/merged.json"], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"distributed benchmark: merge failed: {done.stderr.strip()[-400:]}")
    wall, user, system, peak = open(timing).read().strip().splitlines()[-1].split()
    return float(wall), float(user) + float(system), int(peak) / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--rate", type=int, default=800)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        port, nginx = start_nginx(work)
        try:
            skews, count, planned, source = skew(args.binary, work, port, args.shards, args.rate)
        finally:
            subprocess.run([nginx, "-c", f"{work}/nginx.conf", "-p", f"{work}/nginx", "-s", "stop"])
        print(f"start skew of {args.shards} local shards: median {statistics.median(skews):.2f} ms, max {max(skews):.2f} ms"
              f" (merged count {count} of {planned} planned)")
        paths = stretched_shards(source, work)
        size = sum(os.path.getsize(p) for p in paths) / 1e6
        print(f"merge: 100 shard results of a 600-second run, {size:.0f} MB of JSON")
        runs = [merge(args.binary, paths, work) for _ in range(args.rounds)]
        for wall, cpu, peak in runs:
            print(f"  wall {wall:.2f} s · CPU {cpu:.2f} s · peak memory {peak:.0f} MB")
        merged = json.load(open(f"{work}/merged.json"))
        print(f"  merged: {merged['shards']} shards, {len(merged['series'])} seconds, {merged['overall']['count']} requests")


if __name__ == "__main__":
    main()
