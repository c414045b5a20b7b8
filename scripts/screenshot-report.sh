#!/usr/bin/env bash
# Renders report.html from a simulated before/after pair of runs (the report tests' generator) and
# screenshots it with headless Chromium, so the page can be checked as a browser draws it.
#
#   scripts/screenshot-report.sh [OUT.png]                 (default docs/report-screenshot.png)
#   scripts/screenshot-report.sh OUT.png REPORT.html       (an existing report, e.g. tuner demo's)
#
# Needs Debian's chromium (apt-get install -y chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/report-screenshot.png}
height=${SCREENSHOT_HEIGHT:-4000}
command -v chromium >/dev/null || { echo "chromium is not installed: apt-get install -y chromium" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -n "${2:-}" ]; then
    page=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
else
    swift build --build-tests 2>&1 | grep -E "error|warning: " || true
    TUNER_SAMPLE_DIR="$work" swift test --skip-build --filter SampleReportTests >/dev/null
    .build/debug/tuner report "$work/after.json" --baseline "$work/before.json" --out "$work/report" \
        --change "CREATE INDEX CONCURRENTLY orders_customer_id_idx ON public.orders (customer_id);"
    page=$work/report/report.html
fi
mkdir -p "$(dirname "$out")"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
    --window-size=1280,"$height" --screenshot="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")" "file://$page" 2>/dev/null
echo "wrote $out (1280x$height) from $page" >&2
