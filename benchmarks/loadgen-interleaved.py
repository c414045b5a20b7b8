#!/usr/bin/env python3
"""Interleaved load-engine comparison: wrk and one or more tuner binaries, round after round.

benchmarks/loadgen.sh gives the issue-2 table (wrk, ab, hey, tuner), but on this shared 2-core
machine one 5-second run of wrk varies by ±15% from the next. To tell two builds of the engine
apart (say, before and after a change, or against a build whose handler only counts responses,
the most any NIO-based engine could do), this runs every generator once per round, in turn, for
many rounds, and prints medians: requests/s, requests per CPU-second (user + system of the
generator process), and user and system microseconds per request.

Usage: benchmarks/loadgen-interleaved.py [--rounds 8] [--seconds 4] [--connections 64]
                                         [--transports automatic,nio] [--tls] [--with-metrics]
                                         [--with-window] BINARY...
Each BINARY is a built `tuner`, run once per transport in `--transports` (`tuner load --transport`:
automatic is the engine's own epoll loops for http://, NIO for https://); wrk always runs first in each
round. `--tls` serves nginx over HTTPS with a certificate made by openssl for the run (Tuner verifies it
with --ca; wrk does not verify) and compares the HTTPS paths.
Needs nginx and wrk (benchmarks/loadgen.sh installs them) and openssl for --tls.
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


def make_certificate(work):
    """A self-signed certificate for 127.0.0.1 that is also its own CA (what --ca is given)."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", f"{work}/key.pem", "-out", f"{work}/cert.pem", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-addext", "basicConstraints=critical,CA:TRUE"], check=True, capture_output=True)
    return f"{work}/cert.pem"


def start_nginx(work, tls):
    """One worker, keep-alive, a fixed 6-byte body: the same server as loadgen.sh (over TLS with --tls)."""
    port = free_port()
    os.makedirs(f"{work}/nginx")
    template = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "nginx-hello.conf")).read()
    listen = f"127.0.0.1:{port}"
    if tls:
        listen += (f" ssl; ssl_certificate {work}/cert.pem; ssl_certificate_key {work}/key.pem;"
                   " ssl_session_cache shared:tuner:1m")
    with open(f"{work}/nginx.conf", "w") as conf:
        conf.write(template.replace("@WORK@", work).replace("127.0.0.1:@PORT@", listen))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    subprocess.run([nginx, "-c", f"{work}/nginx.conf", "-p", f"{work}/nginx"], check=True)
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return port
        except OSError:
            time.sleep(0.05)
    sys.exit("loadgen-interleaved: nginx did not start")


def wrk_p50_ms(text):
    """The 50% line of `wrk --latency`: `     50%  123.00us` (us, ms or s)."""
    found = re.search(r"^\s*50%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    if not found:
        return float("nan")
    return float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]


def run(name, command, work, result_json):
    """Runs one generator under /usr/bin/time; returns (requests, wall, user, system, p50 ms, peak RSS MB)."""
    timing = f"{work}/time"
    done = subprocess.run(["/usr/bin/time", "-f", "%e %U %S", "-o", timing] + command,
                          capture_output=True, text=True)
    wall, user, system = map(float, open(timing).read().strip().splitlines()[-1].split())
    rss = float("nan")
    if name == "wrk":
        found = re.search(r"(\d+) requests", done.stdout)
        requests = int(found.group(1)) if found else 0
        p50 = wrk_p50_ms(done.stdout)
    else:
        try:
            result = json.loads(done.stdout) if result_json == "-" else json.load(open(result_json))
            requests = result["overall"]["count"]
            p50 = result["overall"]["latency"]["p50"]
            rss = result["generator"].get("maxResidentBytes", float("nan")) / 1048576
        except (OSError, ValueError, KeyError):
            requests, p50 = 0, float("nan")
    if requests == 0:
        sys.exit(f"loadgen-interleaved: {name} sent no requests: {done.stderr.strip()[-300:]}")
    return requests, wall, user, system, p50, rss


def takes_scoped_windows(binary):
    """Builds before 2026-12-04 refuse a windowed threshold scoped to a request: they run without that variant."""
    help_text = subprocess.run([binary, "load", "--help"], capture_output=True, text=True).stdout
    return "NAME: p99[1m]" in help_text


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--transports", default="automatic", help="tuner transports to run, comma-separated")
    parser.add_argument("--tls", action="store_true", help="nginx over HTTPS")
    parser.add_argument("--with-metrics", action="store_true",
                        help="also run each tuner with --metrics-listen (its cost on requests per CPU-second)")
    parser.add_argument("--with-window", action="store_true",
                        help="also run each tuner with a windowed threshold on its request ('GET /: p99[1s] < 60s'):"
                             " the cost of keeping that name's latencies per second")
    parser.add_argument("binaries", nargs="*", help="tuner binaries to compare")
    args = parser.parse_args()
    for binary in args.binaries:
        if not os.access(binary, os.X_OK):
            sys.exit(f"loadgen-interleaved: {binary} is not an executable")
    work = tempfile.mkdtemp()
    ca = make_certificate(work) if args.tls else None
    port = start_nginx(work, args.tls)
    url = f"{'https' if args.tls else 'http'}://127.0.0.1:{port}/"
    runs = {"wrk": None}
    for binary in args.binaries:
        for transport in args.transports.split(","):
            runs[f"{binary} ({transport})"] = (binary, transport, [])
            if args.with_metrics:
                runs[f"{binary} ({transport}, --metrics-listen)"] = (binary, transport, ["--metrics-listen", "127.0.0.1:0"])
            if args.with_window and takes_scoped_windows(binary):
                runs[f"{binary} ({transport}, GET /: p99[1s])"] = (binary, transport, ["--threshold", "GET /: p99[1s] < 60s"])
    names = list(runs)
    figures = {name: [] for name in names}
    try:
        for round_number in range(1, args.rounds + 1):
            print(f"loadgen-interleaved: round {round_number}/{args.rounds}", file=sys.stderr)
            for name in names:
                if name == "wrk":
                    threads = min(2, args.connections)
                    command = ["wrk", f"-t{threads}", f"-c{args.connections}", f"-d{args.seconds}s", "--latency", url]
                else:
                    binary, transport, extra = runs[name]
                    command = [binary, "load", url, "-c", str(args.connections), "--duration", f"{args.seconds}s",
                               "--threads", str(min(2, args.connections)), "--transport", transport, "--quiet", "--json", "-"]
                    if ca:
                        command += ["--ca", ca]
                    command += extra
                # The result comes on stdout at the end (`--json -`), so no run writes a file once a second.
                requests, wall, user, system, p50, rss = run(name, command, work, "-" if name != "wrk" else None)
                figures[name].append((requests / wall, requests / (user + system),
                                      user / requests * 1e6, system / requests * 1e6, p50, rss))
    finally:
        try:
            os.kill(int(open(f"{work}/nginx.pid").read()), 15)
        except (OSError, ValueError):
            pass
        time.sleep(0.2)
        shutil.rmtree(work, ignore_errors=True)
    median = {name: [statistics.median(row[i] for row in figures[name]) for i in range(6)] for name in names}
    wrk = median["wrk"]
    print(f"{args.rounds} interleaved rounds of {args.seconds}s, {args.connections} connections,"
          f" {'HTTPS' if args.tls else 'plain HTTP'}, medians")
    print()
    print("| generator | req/s | req/CPU-s | req/s vs wrk | req/CPU-s vs wrk | user µs/req | system µs/req"
          " | p50 ms | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in names:
        rps, per_cpu, user, system, p50, rss = median[name]
        print(f"| {name} | {rps:.0f} | {per_cpu:.0f} | {rps / wrk[0]:.2f}× | {per_cpu / wrk[1]:.2f}× "
              f"| {user:.2f} | {system:.2f} | {p50:.3f} | {rss:.1f} |")


if __name__ == "__main__":
    main()
