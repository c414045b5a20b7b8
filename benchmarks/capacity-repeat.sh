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
# The truth: the rate at which an M/M/4 queue's p95 response time (first come first served, exponential 20 ms) reaches
# the SLO's 100 ms, by simulation over the same 200,000 seeded arrivals at each rate of a bisection.
python3 - <<'PY'
import heapq, random
def p95(rate, n=200_000, workers=4, mean=0.020, seed=7):
    rnd = random.Random(seed); t = 0.0; free = [0.0] * workers; out = []
    for _ in range(n):
        t += rnd.expovariate(rate); f = heapq.heappop(free); start = max(f, t); end = start + rnd.expovariate(1 / mean)
        heapq.heappush(free, end); out.append(end - t)
    out.sort(); return out[int(0.95 * n)]
low, high = 1.0, 200.0
for _ in range(25):
    mid = (low + high) / 2
    low, high = (mid, high) if p95(mid) < 0.100 else (low, mid)
print(f"truth (M/M/4, exponential 20 ms, p95 < 100 ms, simulated): {low:.1f} req/s")
PY
