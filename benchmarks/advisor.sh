#!/usr/bin/env bash
# The index advisor's time on a workload of 200 distinct statements (issue 8).
#
# Starts a throwaway cluster (tuner postgres start), plants 10 tables of 100,000 rows, runs 200
# structurally distinct statements (equality on single and paired columns, equality + ORDER BY,
# ranges, LIKE prefixes, joins, primary-key lookups) twice each so that pg_stat_statements holds
# them, then times `tuner db advise` with hypopg and with the statistics fallback.
#
# Usage: benchmarks/advisor.sh            (uses .build/release/tuner, else .build/debug/tuner)
#        TUNER=path/to/tuner benchmarks/advisor.sh
set -euo pipefail
cd "$(dirname "$0")/.."

TUNER=${TUNER:-}
if [ -z "$TUNER" ]; then
    if [ -x .build/release/tuner ]; then TUNER=.build/release/tuner; else TUNER=.build/debug/tuner; fi
fi
[ -x "$TUNER" ] || { echo "no tuner binary: swift build -c release --product tuner" >&2; exit 1; }
PSQL=$(ls /usr/lib/postgresql/*/bin/psql | sort -V | tail -1)
WORK=$(mktemp -d /tmp/tuner-advisor-bench.XXXXXX)
chmod 755 "$WORK"
export TMPDIR="$WORK"   # tuner postgres start keeps its record (and cluster) under $TMPDIR: ours alone

cleanup() { "$TUNER" postgres stop >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

URL=$("$TUNER" postgres start 2>/dev/null)
echo "cluster: $URL" >&2
q() { "$PSQL" -X -q -A -t -v ON_ERROR_STOP=1 "$URL" "$@"; }

python3 - "$WORK" <<'EOF'
import sys
work = sys.argv[1]
tables = 10
setup, workload = [], []
for k in range(tables):
    cols = ", ".join(f"c{i} int NOT NULL" for i in range(8))
    setup.append(f"CREATE TABLE t{k} (id int PRIMARY KEY, {cols}, name text NOT NULL, ts timestamptz NOT NULL);")
    vals = ", ".join(f"g % {50 << i}" for i in range(8))
    setup.append(f"INSERT INTO t{k} SELECT g, {vals}, 'n' || lpad(g::text, 7, '0'), "
                 f"timestamptz '2026-01-01' + g * interval '1 minute' FROM generate_series(1, 100000) g;")
setup.append("ANALYZE;")
for k in range(tables):
    u = (k + 1) % tables
    stmts = [f"SELECT * FROM t{k} WHERE c{i} = 7" for i in range(8)]
    stmts += [f"SELECT id FROM t{k} WHERE c{i} = 3 AND c{i+1} = 5" for i in (0, 2, 4, 6)]
    stmts += [f"SELECT id FROM t{k} WHERE c{i} = 9 ORDER BY ts DESC LIMIT 10" for i in range(4)]
    stmts.append(f"SELECT count(*) FROM t{k} WHERE ts >= '2026-02-01' AND ts < '2026-02-02'")
    stmts.append(f"SELECT id FROM t{k} WHERE name LIKE 'n00012%'")
    stmts.append(f"SELECT t{k}.id FROM t{k} JOIN t{u} u ON u.id = t{k}.c7 WHERE u.c1 = 11")
    stmts.append(f"SELECT * FROM t{k} WHERE id = 42")
    workload += stmts
assert len(workload) == 200, len(workload)
open(f"{work}/setup.sql", "w").write("\n".join(setup) + "\n")
open(f"{work}/workload.sql", "w").write("\n".join(s + ";" for s in workload * 2) + "\n")
EOF

echo "loading 10 tables x 100,000 rows" >&2
q -f "$WORK/setup.sql" >/dev/null
q -c "SELECT pg_stat_statements_reset()" >/dev/null
q -f "$WORK/workload.sql" >/dev/null
distinct=$(q -c "SELECT count(*) FROM pg_stat_statements WHERE query LIKE 'SELECT%t_%' AND query NOT LIKE '%pg_stat%' AND calls = 2")
echo "distinct statements in pg_stat_statements: $distinct" >&2

measure() {  # label, extra args
    local label=$1; shift
    local start end
    start=$(date +%s.%N)
    "$TUNER" db advise --db "$URL" --min-calls 1 --format json "$@" >"$WORK/$label.json" 2>"$WORK/$label.err"
    end=$(date +%s.%N)
    python3 - "$WORK/$label.json" "$label" "$start" "$end" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
elapsed = float(sys.argv[4]) - float(sys.argv[3])
print(f"{sys.argv[2]}: {elapsed:.2f} s wall, {report['workload']['planned']} of {report['workload']['statements']} "
      f"statements planned, {len(report['suggestions'])} indexes suggested, {report['effort']['plans']} plans, "
      f"{report['effort']['candidatesTried']} candidates tried, "
      f"{len(report['unplanned'])} unplanned, {len(report['existingIndexes'])} existing indexes flagged")
EOF
}

measure hypopg
measure statistics --without-hypopg
echo "suggested (hypopg):"
python3 -c "import json,sys; [print('  ' + s['statement']) for s in json.load(open(sys.argv[1]))['suggestions']]" "$WORK/hypopg.json"
echo "tuner: $TUNER"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')  machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)"
echo "load: $(uptime | sed 's/.*load average: //')"
