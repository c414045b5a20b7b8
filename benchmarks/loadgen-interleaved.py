#!/usr/bin/env python3
"""Interleaved load-engine comparison: wrk and one or more tuner binaries, round after round.

benchmarks/loadgen.sh gives the issue-2 table (wrk, ab, hey, tuner), but on this shared 2-core
machine one 5-second run of wrk varies by ±15% from the next. To tell two builds of the engine
apart (say, before and after a change, or against a build whose handler only counts responses,
the most any NIO-based engine could do), this runs every generator once per round, in turn, for
many rounds, and prints medians: requests/s, requests per CPU-second (user + system of the
generator process), and user and system microseconds per request.

Usage: benchmarks/loadgen-interleaved.py [--rounds 8] [--seconds 4] [--connections 64] [--probe] BINARY...
Each BINARY is a built `tuner`; wrk always runs first in each round. `--probe` also builds and runs
benchmarks/raw-epoll-probe (the engine's framer on raw epoll sockets instead of NIO's channels).
Needs nginx and wrk (benchmarks/loadgen.sh installs them) and, for --probe, swiftc.
"""
import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_nginx(work):
    """One worker, keep-alive, a fixed 6-byte body: the same server as loadgen.sh."""
    port = free_port()
    os.makedirs(f"{work}/nginx")
    template = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "nginx-hello.conf")).read()
    with open(f"{work}/nginx.conf", "w") as conf:
        conf.write(template.replace("@WORK@", work).replace("@PORT@", str(port)))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    subprocess.run([nginx, "-c", f"{work}/nginx.conf", "-p", f"{work}/nginx"], check=True)
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return port
        except OSError:
            time.sleep(0.05)
    sys.exit("loadgen-interleaved: nginx did not start")


def run(name, command, work, result_json):
    """Runs one generator under /usr/bin/time; returns (requests, wall, user, system)."""
    timing = f"{work}/time"
    done = subprocess.run(["/usr/bin/time", "-f", "%e %U %S", "-o", timing] + command,
                          capture_output=True, text=True)
    wall, user, system = map(float, open(timing).read().strip().splitlines()[-1].split())
    if name in ("wrk", "raw-epoll-probe"):
        found = re.search(r"(\d+) requests", done.stdout)
        requests = int(found.group(1)) if found else 0
    else:
        try:
            requests = json.load(open(result_json))["overall"]["count"]
        except (OSError, ValueError, KeyError):
            requests = 0
    if requests == 0:
        sys.exit(f"loadgen-interleaved: {name} sent no requests: {done.stderr.strip()[-300:]}")
    return requests, wall, user, system


def build_probe(work):
    """Compiles the raw-epoll probe with the engine's own ResponseFramer."""
    root = os.path.dirname(os.path.abspath(__file__))
    probe = f"{work}/raw-epoll-probe"
    subprocess.run(["swiftc", "-O", "-import-objc-header", f"{root}/raw-epoll-probe/shim.h",
                    f"{root}/raw-epoll-probe/main.swift", f"{root}/../Sources/TunerLoad/ResponseFramer.swift",
                    "-o", probe], check=True, capture_output=True)
    return probe


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--probe", action="store_true", help="also run the raw-epoll probe")
    parser.add_argument("binaries", nargs="*", help="tuner binaries to compare")
    args = parser.parse_args()
    for binary in args.binaries:
        if not os.access(binary, os.X_OK):
            sys.exit(f"loadgen-interleaved: {binary} is not an executable")
    work = tempfile.mkdtemp()
    port = start_nginx(work)
    url = f"http://127.0.0.1:{port}/"
    names = ["wrk"] + args.binaries + (["raw-epoll-probe"] if args.probe else [])
    probe = build_probe(work) if args.probe else None
    figures = {name: [] for name in names}
    try:
        for round_number in range(1, args.rounds + 1):
            print(f"loadgen-interleaved: round {round_number}/{args.rounds}", file=sys.stderr)
            for name in names:
                if name == "wrk":
                    command = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", url]
                elif name == "raw-epoll-probe":
                    command = [probe, str(port), str(args.connections), str(args.seconds), "2"]
                else:
                    command = [name, "load", url, "-c", str(args.connections), "--duration", f"{args.seconds}s",
                               "--quiet", "--json", f"{work}/result.json"]
                requests, wall, user, system = run(name, command, work, f"{work}/result.json")
                figures[name].append((requests / wall, requests / (user + system),
                                      user / requests * 1e6, system / requests * 1e6))
    finally:
        try:
            os.kill(int(open(f"{work}/nginx.pid").read()), 15)
        except (OSError, ValueError):
            pass
        time.sleep(0.2)
        shutil.rmtree(work, ignore_errors=True)
    median = {name: [statistics.median(row[i] for row in figures[name]) for i in range(4)] for name in names}
    wrk = median["wrk"]
    print(f"{args.rounds} interleaved rounds of {args.seconds}s, {args.connections} connections, medians")
    print()
    print("| generator | req/s | req/CPU-s | req/s vs wrk | req/CPU-s vs wrk | user µs/req | system µs/req |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in names:
        rps, per_cpu, user, system = median[name]
        print(f"| {name} | {rps:.0f} | {per_cpu:.0f} | {rps / wrk[0]:.2f}× | {per_cpu / wrk[1]:.2f}× "
              f"| {user:.2f} | {system:.2f} |")


if __name__ == "__main__":
    main()
