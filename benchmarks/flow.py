#!/usr/bin/env python3
"""A flow's cost against the static path: the same three requests as a weighted mix and as a flow whose
steps each capture a JSON value the next one uses, round after round, on one nginx.

Issue 17's goal: the flow reaches at least 0.7x the requests per CPU-second (user + system of the tuner
process) of the static mix. Every path answers the same small JSON body ({"id": 42, "name": "tuner"});
the flow's steps capture $.id and put it in the next path, so each response is kept, parsed as JSON and
its value written into the next request.

Usage: benchmarks/flow.py [--rounds 6] [--seconds 4] [--connections 64] BINARY
BINARY is a built `tuner` (a release build: swift build -c release --product tuner).
Needs nginx (benchmarks/loadgen.sh installs it).
"""
import argparse
import json
import os
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
    port = free_port()
    os.makedirs(f"{work}/nginx")
    template = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "nginx-hello.conf")).read()
    body = 'default_type application/json; return 200 \'{"id": 42, "name": "tuner"}\';'
    conf = template.replace("@WORK@", work).replace("@PORT@", str(port))
    conf = conf.replace('default_type text/plain; return 200 "hello\\n";', body)
    with open(f"{work}/nginx.conf", "w") as out:
        out.write(conf)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    subprocess.run([nginx, "-c", f"{work}/nginx.conf", "-p", f"{work}/nginx"], check=True)
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return port, nginx
        except OSError:
            time.sleep(0.1)
    sys.exit("flow benchmark: nginx did not start")


def scenarios(work, port, seconds, connections):
    common = f"target: http://127.0.0.1:{port}\nthreads: 2\nscenarios:\n  - name: b\n    connections: {connections}\n    duration: {seconds}s\n"
    static = common + ("    requests:\n      - { name: one, path: /one/1 }\n      - { name: two, path: /two/2 }\n"
                       "      - { name: three, path: /three/3 }\n")
    flow = common + ("    flow:\n"
                     "      - { name: one, path: /one/1, capture: [{ json: $.id, as: a }] }\n"
                     "      - { name: two, path: '/two/${a}', capture: [{ json: $.id, as: b }] }\n"
                     "      - { name: three, path: '/three/${b}', capture: [{ json: $.id, as: c }] }\n")
    paths = {}
    for name, text in (("static", static), ("flow", flow)):
        paths[name] = f"{work}/{name}.yaml"
        with open(paths[name], "w") as out:
            out.write(text)
    return paths


def run(binary, scenario, work):
    timing = f"{work}/time"
    done = subprocess.run(["/usr/bin/time", "-f", "%e %U %S", "-o", timing, binary, "load", scenario, "--quiet",
                           "--json", "-"], capture_output=True, text=True)
    wall, user, system = map(float, open(timing).read().strip().splitlines()[-1].split())
    result = json.loads(done.stdout)
    errors = sum(result["overall"]["errors"].values())
    if errors or result["overall"]["count"] == 0:
        sys.exit(f"flow benchmark: {scenario} had {errors} errors: {done.stderr.strip()[-300:]}")
    return result["overall"]["count"], wall, user + system


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("binary")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="tuner-flow-bench-")
    port, nginx = start_nginx(work)
    try:
        paths = scenarios(work, port, args.seconds, args.connections)
        rows = {"static": [], "flow": []}
        for round_ in range(args.rounds):
            for name in ("static", "flow"):
                requests, wall, cpu = run(args.binary, paths[name], work)
                rows[name].append((requests / wall, requests / cpu))
            print(f"round {round_ + 1}: static {rows['static'][-1][0]:.0f} req/s {rows['static'][-1][1]:.0f} req/CPU-s · "
                  f"flow {rows['flow'][-1][0]:.0f} req/s {rows['flow'][-1][1]:.0f} req/CPU-s", file=sys.stderr)
        median = {name: (statistics.median(r[0] for r in rows[name]), statistics.median(r[1] for r in rows[name]))
                  for name in rows}
        print(f"{'':8}{'req/s':>10}{'req/CPU-s':>12}")
        for name in ("static", "flow"):
            print(f"{name:8}{median[name][0]:>10.0f}{median[name][1]:>12.0f}")
        print(f"flow/static: {median['flow'][0] / median['static'][0]:.2f}x req/s, "
              f"{median['flow'][1] / median['static'][1]:.2f}x req/CPU-s (goal: at least 0.7x req/CPU-s)")
    finally:
        subprocess.run([nginx, "-c", f"{work}/nginx.conf", "-p", f"{work}/nginx", "-s", "stop"], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
