#!/usr/bin/env bash
# Times `tuner db check` on a database with 10,000 tables and 30,000 indexes (goal: under 5 s), then runs
# it on a schema nobody here designed (pgbench's, scale 10, after a short pgbench run) and prints the findings.
#
# Usage: benchmarks/doctor.sh [TABLES]     (TUNER=path/to/tuner to pick a build; default: release if built)
set -euo pipefail
cd "$(dirname "$0")/.."

TABLES=${1:-10000}
TUNER=${TUNER:-}
if [ -z "$TUNER" ]; then
  if [ -x .build/release/tuner ]; then TUNER=.build/release/tuner; else TUNER=.build/debug/tuner; fi
fi
[ -x "$TUNER" ] || { echo "build tuner first: swift build -c release --product tuner" >&2; exit 1; }
BIN=$(dirname "$(readlink -f "$(command -v pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl | tail -1)")")
PSQL="$BIN/psql -X -q -v ON_ERROR_STOP=1"

# Our own TMPDIR: the cluster, its record and the generated SQL live there and go away at the end.
export TMPDIR=$(mktemp -d /tmp/tuner-doctor-bench.XXXXXX)
chmod 755 "$TMPDIR"
cleanup() { "$TUNER" postgres stop >/dev/null 2>&1 || true; rm -rf "$TMPDIR"; }
trap cleanup EXIT

URL=$("$TUNER" postgres start --database bench)
BASE=${URL%/bench}

echo "== machine"
date
echo "nproc: $(nproc); kernel: $(uname -r); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "load: $(uptime | sed 's/.*load average: //')"
echo "tuner: $TUNER; PostgreSQL: $($BIN/postgres --version)"

echo "== creating $TABLES tables with 3 indexes each (primary key + 2), every 10th with an unindexed foreign key"
python3 - "$TABLES" > "$TMPDIR/schema.sql" <<'PY'
import sys
n = int(sys.argv[1])
print("CREATE SCHEMA wide;")
for i in range(1, n + 1):
    fk = f", parent_id int REFERENCES wide.t{i - 1} (id)" if i % 10 == 0 else ""
    print(f"CREATE TABLE wide.t{i} (id serial PRIMARY KEY, a int, b text, c timestamptz{fk});")
    print(f"CREATE INDEX ON wide.t{i} (a);")
    print(f"CREATE INDEX ON wide.t{i} (b, c);")
PY
started=$(date +%s)
$PSQL "$URL" -f "$TMPDIR/schema.sql" > /dev/null
echo "schema loaded in $(( $(date +%s) - started )) s"
$PSQL "$URL" -At -c "SELECT 'tables: ' || count(*) FROM pg_class WHERE relkind = 'r' AND relnamespace = 'wide'::regnamespace" \
             -c "SELECT 'indexes: ' || count(*) FROM pg_class WHERE relkind = 'i' AND relnamespace = 'wide'::regnamespace"

echo "== tuner db check, 3 runs"
for run in 1 2 3; do
  started=$(date +%s.%N)
  "$TUNER" db check --db "$URL" --format json > "$TMPDIR/check.json" 2> /dev/null
  ended=$(date +%s.%N)
  python3 - "$TMPDIR/check.json" "$started" "$ended" "$run" <<'PY'
import json, sys, collections
report = json.load(open(sys.argv[1]))
wall = float(sys.argv[3]) - float(sys.argv[2])
ids = collections.Counter(f["id"] for f in report["findings"])
slowest = sorted(report["timings"].items(), key=lambda kv: -kv[1])[:4]
print(f"run {sys.argv[4]}: {wall:.2f} s wall (doctor {report['seconds']:.2f} s); findings: "
      + ", ".join(f"{k} {v}" for k, v in sorted(ids.items())))
print("  slowest checks (ms): " + ", ".join(f"{k} {v:.0f}" for k, v in slowest))
PY
done

echo "== pgbench -i -s 10 --foreign-keys, then 20 s of pgbench -c 4, then tuner db check"
$PSQL "$BASE/postgres" -c "DROP DATABASE bench" -c "CREATE DATABASE pgbench"
$PSQL "$BASE/pgbench" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
URL="$BASE/pgbench"
"$BIN/pgbench" -q -i -s 10 --foreign-keys "$URL" 2>&1 | tail -1
"$BIN/pgbench" -c 4 -j 2 -T 20 "$URL" 2>&1 | grep -E "^(tps|number of transactions actually)" || true
"$TUNER" db check --db "$URL" --format text --all 2> /dev/null || true
