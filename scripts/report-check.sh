#!/usr/bin/env bash
# The board report as a person sees it: headless Chromium screenshots at 1366 px (a laptop)
# and 390 px (a phone) and a print to A4 landscape PDF, into .build/report-check/, for a
# person to look at; fails when the page is wider than a phone's window (a table that makes
# the whole page scroll sideways, rather than scrolling in its own box) or prints to more
# than 30 pages. The report has every section: scenarios, draws, the plan, and a saved run
# from the census before (so the saved-runs section and its outturn). Needs Debian's
# chromium and poppler-utils.
# Usage: scripts/report-check.sh   (after: swift build -c release --product placeplan)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/placeplan
OUT=.build/report-check
mkdir -p "$OUT"
command -v chromium >/dev/null || { echo "install chromium (apt-get install chromium)" >&2; exit 1; }
rm -f "$OUT/runs.sqlite"
$BIN sufficiency --from 2024/25 --draws 1000 --store "$OUT/runs.sqlite" --save "autumn 2024" --format csv >/dev/null 2>&1
$BIN report --output "$OUT/report.html" --scenario scenarios/baseline.yaml --scenario scenarios/regeneration-south-west.yaml \
  --draws 1000 --plan-options scenarios/options.yaml --run "autumn 2024" --store "$OUT/runs.sqlite" --date 2026-12-01 2>/dev/null
URL="file://$(pwd)/$OUT/report.html"
CH="chromium --headless --no-sandbox --disable-gpu --hide-scrollbars"
for w in 1366 390; do
  timeout 120 $CH --window-size=$w,3000 --screenshot="$OUT/report-$w.png" "$URL" 2>/dev/null
  echo "$w px: $OUT/report-$w.png"
done
# The page's width in a phone's window, read from a copy with a line of script (the report
# itself has none). Headless Chromium's narrowest window is 500 px, under the report's
# 600 px phone layout.
sed 's|</body>|<script>document.body.insertAdjacentHTML("beforeend", "<pre id=width>" + document.documentElement.scrollWidth + " " + window.innerWidth + "</pre>")</script></body>|' \
  "$OUT/report.html" > "$OUT/width.html"
read -r page window < <(timeout 120 $CH --window-size=390,800 --dump-dom "file://$(pwd)/$OUT/width.html" 2>/dev/null | sed -n 's|.*<pre id="width">\([0-9]*\) \([0-9]*\)</pre>.*|\1 \2|p') || true
echo "phone: the page is $page px wide in a $window px window"
[ -n "${page:-}" ] || { echo "could not measure the report's width in Chromium" >&2; exit 1; }
[ "$page" -le "$window" ] || { echo "the report is wider than a phone's window: a table or chart makes the page scroll sideways" >&2; exit 1; }
timeout 120 $CH --no-pdf-header-footer --print-to-pdf="$OUT/report.pdf" "$URL" 2>/dev/null
pages=$(pdfinfo "$OUT/report.pdf" | awk '/^Pages/ { print $2 }')
size=$(pdfinfo "$OUT/report.pdf" | awk -F: '/^Page size/ { print $2 }' | xargs)
echo "print: $OUT/report.pdf, $pages pages, $size"
[ "$size" != "${size/A4/}" ] || { echo "the report does not print on A4" >&2; exit 1; }
[ "$pages" -le 30 ] || { echo "the report prints to $pages pages (more than 30)" >&2; exit 1; }
