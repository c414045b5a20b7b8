#!/usr/bin/env bash
# Five capacity searches of one service with random service times (4 workers, exponential 20 ms: an M/M/4 queue
# under the search's random arrivals): how far apart the answers are, and how long each search took.
#
# Usage: benchmarks/capacity-repeat.sh   (BUILD=debug|release, RUNS=5, SLO="p95 < 100ms", STEP=5s to change)
# Prints a Markdown table and the spread for benchmarks/RESULTS.md; the server listens on 127.0.0.1 and is stopped
# at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-release}
RUNS=${RUNS:-5}
SLO=${SLO:-p95 < 100ms}
STEP=${STEP:-5s}
if [ "$BUILD" = release ]; then swift build -c release --product tuner >&2; else swift build --product tuner >&2; fi
BIN=.build/$BUILD/tuner

work=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
python3 benchmarks/capacity_server.py "$port" random 4 20 &
server=$!
sleep 0.5

echo "| run | found (req/s) | interval | steps | windows | search time |"
echo "|---|---|---|---|---|---|"
for run in $(seq 1 "$RUNS"); do
    "$BIN" capacity "http://127.0.0.1:$port/" --slo "$SLO" --step-duration "$STEP" --json "$work/$run.json" --quiet >/dev/null || true
    python3 - "$work/$run.json" "$run" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["capacity"]
i = c.get("interval") or {}
print(f"| {sys.argv[2]} | {c.get('maxSustainableRate') or 0:.1f} | [{i.get('passed') or 0:.1f}, {i.get('failed') or 0:.1f}) | "
      f"{len(c['steps'])} | {sum(s.get('windows', 1) for s in c['steps'])} | {c['searchSeconds']:.0f} s |")
PY
done
python3 - "$work" "$RUNS" <<'PY'
import json, sys
found = [json.load(open(f"{sys.argv[1]}/{r}.json"))["capacity"].get("maxSustainableRate") or 0 for r in range(1, int(sys.argv[2]) + 1)]
low, high = min(found), max(found)
print(f"\nspread: {low:.1f} .. {high:.1f} req/s, highest / lowest = {high / low if low else float('inf'):.3f}")
PY
