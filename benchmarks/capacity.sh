#!/usr/bin/env bash
# tuner capacity against three servers whose capacity is known by construction (capacity_server.py):
# the capacity found against the truth, the number of steps and the time the search took.
#
# Usage: benchmarks/capacity.sh   (BUILD=debug|release, STEP=3s CONFIRM=10s WARMUP=1s to change)
# Prints a Markdown table for benchmarks/RESULTS.md; the servers listen on 127.0.0.1 and are stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-debug}
STEP=${STEP:-3s}
CONFIRM=${CONFIRM:-10s}
WARMUP=${WARMUP:-1s}
if [ "$BUILD" = release ]; then swift build -c release --product tuner >&2; else swift build --product tuner >&2; fi
BIN=.build/$BUILD/tuner

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

echo "| server | truth (req/s) | SLO | found (req/s) | found / truth | first failing | steps | search time |"
echo "|---|---|---|---|---|---|---|---|"
count=0
run() {  # name truth slo -- server arguments
    local name=$1 truth=$2 slo=$3; shift 3
    count=$((count + 1))
    local port; port=$(free_port)
    python3 benchmarks/capacity_server.py "$port" "$@" &
    pids+=($!)
    sleep 0.5
    "$BIN" capacity "http://127.0.0.1:$port/" --slo "$slo" --step-duration "$STEP" --step-warm-up "$WARMUP" \
        --confirm "$CONFIRM" --json "$work/$count.json" --quiet >/dev/null
    python3 - "$work/$count.json" "$name" "$truth" "$slo" <<'PY'
import json, sys
path, name, truth, slo = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
c = json.load(open(path))["capacity"]
found = c.get("maxSustainableRate")
failing = c.get("firstFailingRate")
print(f"| {name} | {truth:g} | `{slo}` | {found:.1f} | {found / truth:.3f} | "
      f"{failing:.1f} | {len(c['steps'])} | {c['searchSeconds']:.0f} s |")
PY
}
run "4 slots × 20 ms" 200 "p99 < 100ms" slots 4 20
run "16 slots × 50 ms" 320 "p99 < 250ms" slots 16 50
run "503 above 150/s" 150 "error_rate < 1%" limit 150
