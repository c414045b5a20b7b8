#!/usr/bin/env bash
# The embedded cluster and the demo shop: cluster start time, seed time at the demo scale, and each
# endpoint's throughput and latency in naive and tuned mode, measured with `tuner load`.
#
# Usage: benchmarks/demo-shop.sh            (SCALE=2000 DURATION=10s CONNECTIONS=16 WARMUP=2s to change)
# Prints a Markdown table for benchmarks/RESULTS.md; everything runs on 127.0.0.1 and is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE=${SCALE:-2000}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
CONNECTIONS=${CONNECTIONS:-16}
BIN=.build/release

echo "building (release)…" >&2
swift build -c release --product tuner >&2
swift build -c release --product demo-shop >&2

# A private TMPDIR keeps this run's cluster record apart from any other `tuner postgres start`; the
# server runs as the postgres user when we are root, so the directory must be traversable.
work=$(mktemp -d)
chmod 755 "$work"
export TMPDIR=$work
shop_pid=""
cleanup() {
    if [ -n "$shop_pid" ]; then kill -TERM "$shop_pid" 2>/dev/null || true; wait "$shop_pid" 2>/dev/null || true; fi
    "$BIN/tuner" postgres stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
seconds() { python3 -c "print(f'{$2 - $1:.2f}')"; }

t0=$(now)
url=$("$BIN/tuner" postgres start 2>/dev/null)
t1=$(now)
cluster_start=$(seconds "$t0" "$t1")
echo "cluster started in ${cluster_start}s: $url" >&2

t0=$(now)
"$BIN/demo-shop" --db "$url" --seed-only --scale "$SCALE" 2>"$work/seed.log"
t1=$(now)
seed_time=$(seconds "$t0" "$t1")
rows=$(sed -n 's/.*order_items \([0-9]*\).*/\1/p' "$work/seed.log" | tail -1)
echo "seeded scale $SCALE ($rows order lines) in ${seed_time}s" >&2

# name|method|path|body — ids drawn over the demo scale's ranges.
customers=$((20 * SCALE)); products=$((50 * SCALE)); tenants=$(( SCALE / 40 < 2 ? 2 : (SCALE / 40 > 50 ? 50 : SCALE / 40) ))
endpoints=(
    "GET /products|GET|/products?page=1&limit=20|"
    "GET /products?tenant=|GET|/products?tenant=\${random:1..$tenants}&limit=20|"
    "GET /products/{id}|GET|/products/\${random:1..$products}|"
    "GET /customers/{id}/orders|GET|/customers/\${random:1..$customers}/orders|"
    "GET /reports/top-products|GET|/reports/top-products|"
    "GET /health|GET|/health|"
    "POST /orders|POST|/orders|{\"customer\": \${random:1..$customers}, \"items\": [[\${random:1..$products}, 1], [\${random:1..$products}, 2]]}"
)

declare -A rps p50 p99 errors
for mode in naive tuned; do
    "$BIN/demo-shop" --db "$url" --mode "$mode" --port 0 >"$work/shop.out" 2>"$work/shop-$mode.log" &
    shop_pid=$!
    for _ in $(seq 100); do grep -q "listening on" "$work/shop.out" 2>/dev/null && break; sleep 0.1; done
    base=$(sed -n 's/^listening on //p' "$work/shop.out")
    [ -n "$base" ] || { echo "demo-shop did not start:" >&2; cat "$work/shop-$mode.log" >&2; exit 1; }
    echo "$mode shop at $base" >&2
    for entry in "${endpoints[@]}"; do
        IFS='|' read -r name method path body <<<"$entry"
        args=("$base$path" -c "$CONNECTIONS" --duration "$DURATION" --warm-up "$WARMUP" --json "$work/result.json"
              --quiet -H "Accept-Encoding: gzip" -m "$method")
        [ -n "$body" ] && args+=(-d "$body" -H "Content-Type: application/json")
        "$BIN/tuner" load "${args[@]}" >/dev/null 2>"$work/load.log" || true
        read -r r a b e < <(python3 - "$work/result.json" <<'PY'
import json, sys
try:
    o = json.load(open(sys.argv[1]))["overall"]
    lat = o["latency"]  # milliseconds
    print(f'{o["rps"]:.0f} {lat["p50"]:.1f} {lat["p99"]:.1f} {sum(o["errors"].values())}')
except Exception as error:
    print("? ? ? ?")
PY
)
        rps["$mode|$name"]=$r; p50["$mode|$name"]=$a; p99["$mode|$name"]=$b; errors["$mode|$name"]=$e
        echo "  $name: $r req/s, p50 ${a}ms, p99 ${b}ms, errors $e" >&2
        rm -f "$work/result.json"
    done
    kill -TERM "$shop_pid"; wait "$shop_pid" || true; shop_pid=""
done

echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs),"
echo "kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "Cluster start (\`tuner postgres start\`: initdb + start + database + extensions): **${cluster_start} s**."
echo "Seed at scale $SCALE ($rows order lines, COPY, keys, VACUUM ANALYZE): **${seed_time} s**."
echo
echo "\`tuner load\`, closed model, $CONNECTIONS connections, $DURATION after a $WARMUP warm-up, \`Accept-Encoding: gzip\`;"
echo "no index added (tuned mode changes only the application's practices):"
echo
echo "| endpoint | naive req/s | naive p50 / p99 ms | tuned req/s | tuned p50 / p99 ms | errors n/t |"
echo "|---|---:|---:|---:|---:|---:|"
for entry in "${endpoints[@]}"; do
    IFS='|' read -r name _ _ _ <<<"$entry"
    echo "| \`$name\` | ${rps[naive|$name]} | ${p50[naive|$name]} / ${p99[naive|$name]} | ${rps[tuned|$name]} | ${p50[tuned|$name]} / ${p99[tuned|$name]} | ${errors[naive|$name]} / ${errors[tuned|$name]} |"
done
