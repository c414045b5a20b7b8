#!/usr/bin/env bash
# tuner load against wrk, ab and hey, on this machine, against nginx on 127.0.0.1.
#
# - nginx: one worker, keep-alive, a fixed 6-byte body ("hello\n") for every path.
# - every generator runs DURATION seconds with CONNECTIONS connections; /usr/bin/time gives its
#   CPU seconds (user + system) and peak RSS. Reported: requests/s and requests per CPU-second,
#   both also as ratios to wrk's in the same round.
# - memory: tuner's peak RSS after a run LONG_FACTOR× longer, against the short run's.
# - added latency: against a server answering after DELAY_MS, the reported p50 minus the delay
#   (tuner and wrk side by side, same server, same connections).
#
# Usage: benchmarks/loadgen.sh            (ROUNDS=3 DURATION=5 CONNECTIONS=64 LONG_FACTOR=10 DELAY_MS=10)
# Prints a Markdown report on stdout; progress on stderr.
set -euo pipefail

DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-64}
ROUNDS=${ROUNDS:-3}
LONG_FACTOR=${LONG_FACTOR:-10}
DELAY_MS=${DELAY_MS:-10}
cd "$(dirname "$0")/.."
ROOT=$(pwd)
log() { echo "loadgen: $*" >&2; }

# --- tools -------------------------------------------------------------------------------------
missing=""
for package in nginx wrk apache2-utils hey time python3; do
    dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
done
if [ -n "$missing" ]; then
    log "installing:$missing"
    SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
    $SUDO apt-get update -q >&2
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >&2
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

log "building tuner (release)"
swift build -c release --product tuner >&2
TUNER="$ROOT/.build/release/tuner"

# --- servers -----------------------------------------------------------------------------------
WORK=$(mktemp -d)
cleanup() {
    [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
    [ -n "${DELAY_PID:-}" ] && kill "$DELAY_PID" 2>/dev/null || true
    sleep 0.2
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
mkdir -p "$WORK/nginx"
sed -e "s|@WORK@|$WORK|g" -e "s|@PORT@|$PORT|g" benchmarks/nginx-hello.conf > "$WORK/nginx.conf"
"$NGINX" -c "$WORK/nginx.conf" -p "$WORK/nginx"
sleep 0.3
curl -fsS "http://127.0.0.1:$PORT/" >/dev/null 2>&1 || { wrk -t1 -c1 -d1s "http://127.0.0.1:$PORT/" >/dev/null; }
URL="http://127.0.0.1:$PORT/"

DELAY_PORT=$(free_port)
cat > "$WORK/delay.py" <<EOF
import asyncio
async def handle(reader, writer):
    try:
        while True:
            await reader.readuntil(b"\r\n\r\n")
            await asyncio.sleep($DELAY_MS / 1000)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n")
            await writer.drain()
    except Exception:
        writer.close()
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", $DELAY_PORT)
    async with server:
        await server.serve_forever()
asyncio.run(main())
EOF
python3 "$WORK/delay.py" &
DELAY_PID=$!
sleep 0.5

# --- measuring ---------------------------------------------------------------------------------
# run NAME CMD…: runs under /usr/bin/time; sets REQUESTS, WALL, CPU, RSS_KB.
run() {
    local name=$1
    shift
    /usr/bin/time -f "%e %U %S %M" -o "$WORK/time" "$@" >"$WORK/out.$name" 2>"$WORK/err.$name" || true
    read -r WALL USER SYS RSS_KB < <(tail -1 "$WORK/time")
    CPU=$(python3 -c "print(round($USER + $SYS, 2))")
    REQUESTS=$(requests_of "$name")
}

requests_of() {
    local out="$WORK/out.$1"
    case $1 in
        wrk*) awk '/requests in/ { print $1 }' "$out" ;;
        ab*) awk '/Complete requests:/ { print $3 }' "$out" ;;
        hey*) awk '/\[200\]/ { print $2 }' "$out" ;;
        tuner*) python3 -c "import json; print(json.load(open('$WORK/$1.json'))['overall']['count'])" ;;
    esac
}

rate() { python3 -c "print(round(${1:-0} / ${2:-0}) if float(${2:-0} or 0) > 0 else 0)"; }
ratio() { python3 -c "print(f'{${1:-0} / ${2:-0}:.2f}×' if float(${2:-0} or 0) > 0 else 'n/a')"; }

echo "## Load engine vs wrk, ab, hey (\`benchmarks/loadgen.sh\`) — issue 2"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC') · $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')) · Linux $(uname -r)"
echo "nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///'), 1 worker, keep-alive, 6-byte body · $CONNECTIONS connections · ${DURATION}s per run · $ROUNDS rounds"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

declare -A RATES CPURATES
for round in $(seq 1 "$ROUNDS"); do
    log "round $round/$ROUNDS"
    echo "### Round $round (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    echo
    echo "| generator | requests | req/s | CPU s | req/CPU-s | req/s vs wrk | req/CPU-s vs wrk | peak RSS |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    for gen in wrk tuner tuner-random hey ab; do
        case $gen in
            wrk) run wrk wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" "$URL" ;;
            tuner) run tuner "$TUNER" load "$URL" -c "$CONNECTIONS" --duration "${DURATION}s" --quiet --json "$WORK/tuner.json" ;;
            tuner-random) run tuner-random "$TUNER" load "${URL}p/\${random:1..100000}" -c "$CONNECTIONS" \
                --duration "${DURATION}s" --quiet --json "$WORK/tuner-random.json" ;;
            hey) run hey hey -z "${DURATION}s" -c "$CONNECTIONS" "$URL" ;;
            ab) run ab ab -k -q -c "$CONNECTIONS" -t "$DURATION" -n 5000000 "$URL" ;;
        esac
        r=$(rate "$REQUESTS" "$WALL")
        c=$(rate "$REQUESTS" "$CPU")
        if [ "$gen" = wrk ]; then WRK_RATE=$r; WRK_CPU=$c; fi
        RATES[$gen]="${RATES[$gen]:-} $r"
        CPURATES[$gen]="${CPURATES[$gen]:-} $c"
        echo "| $gen | $REQUESTS | $r | $CPU | $c | $(ratio "$r" "$WRK_RATE") | $(ratio "$c" "$WRK_CPU") | $((RSS_KB / 1024)) MB |"
    done
    echo
done

median() { python3 -c "import statistics,sys; print(round(statistics.median(map(float, sys.argv[1:]))))" $1; }
echo "### Median over $ROUNDS rounds"
echo
echo "| generator | req/s | req/CPU-s | req/s vs wrk | req/CPU-s vs wrk |"
echo "|---|---:|---:|---:|---:|"
WRK_R=$(median "${RATES[wrk]}")
WRK_C=$(median "${CPURATES[wrk]}")
for gen in wrk tuner tuner-random hey ab; do
    r=$(median "${RATES[$gen]}")
    c=$(median "${CPURATES[$gen]}")
    echo "| $gen | $r | $c | $(ratio "$r" "$WRK_R") | $(ratio "$c" "$WRK_C") |"
done
echo
echo "tuner-random requests \`/p/\${random:1..100000}\`: a fresh number per request, written into a reused buffer."
echo

# --- memory over a longer run -------------------------------------------------------------------
log "memory: ${DURATION}s vs $((DURATION * LONG_FACTOR))s"
run tuner "$TUNER" load "$URL" -c "$CONNECTIONS" --duration "${DURATION}s" --quiet --json "$WORK/tuner.json"
SHORT_KB=$RSS_KB
run tuner "$TUNER" load "$URL" -c "$CONNECTIONS" --duration "$((DURATION * LONG_FACTOR))s" --quiet --json "$WORK/tuner.json"
LONG_KB=$RSS_KB
echo "### Memory"
echo
echo "tuner peak RSS: $((SHORT_KB / 1024)) MB after ${DURATION}s, $((LONG_KB / 1024)) MB after $((DURATION * LONG_FACTOR))s ($REQUESTS requests) — $(python3 -c "print(f'{($LONG_KB - $SHORT_KB) / $SHORT_KB * 100:+.1f}%')")."
echo

# --- latency the engine adds --------------------------------------------------------------------
log "added latency against a ${DELAY_MS} ms server"
DELAY_URL="http://127.0.0.1:$DELAY_PORT/"
"$TUNER" load "$DELAY_URL" -c 8 --duration "${DURATION}s" --quiet --json "$WORK/delay-closed.json" >/dev/null 2>&1
"$TUNER" load "$DELAY_URL" --rate 200 -c 16 --duration "${DURATION}s" --quiet --json "$WORK/delay-open.json" >/dev/null 2>&1
wrk -t2 -c8 -d"${DURATION}s" --latency "$DELAY_URL" >"$WORK/delay-wrk" 2>&1
p50() { python3 -c "import json; print(json.load(open('$1'))['overall']['latency']['p50'])"; }
WRK_P50=$(awk '/^ +50%/ { v=$2; if (v ~ /ms$/) { sub(/ms/, "", v); print v } else if (v ~ /us$/) { sub(/us/, "", v); print v / 1000 } else { sub(/s/, "", v); print v * 1000 } }' "$WORK/delay-wrk")
echo "### Latency added by the generator (server answers after ${DELAY_MS} ms)"
echo
echo "| generator | reported p50 | p50 − ${DELAY_MS} ms |"
echo "|---|---:|---:|"
for row in "tuner closed, 8 connections:$(p50 "$WORK/delay-closed.json")" "tuner open, 200 req/s:$(p50 "$WORK/delay-open.json")" "wrk, 8 connections:$WRK_P50"; do
    name=${row%%:*}
    value=${row##*:}
    echo "| $name | ${value} ms | $(python3 -c "print(f'{$value - $DELAY_MS:.3f}')") ms |"
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
