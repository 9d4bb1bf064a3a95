#!/usr/bin/env bash
# The board report as a person sees it: headless Chromium screenshots at 1366 px (a laptop)
# and 390 px (a phone) and a print to A4 landscape PDF, into .build/report-check/, for a
# person to look at; fails when the report is wider than the window (content cut off) or
# prints to more than 30 pages. Needs Debian's chromium and poppler-utils.
# Usage: scripts/report-check.sh   (after: swift build -c release --product placeplan)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/placeplan
OUT=.build/report-check
mkdir -p "$OUT"
command -v chromium >/dev/null || { echo "install chromium (apt-get install chromium)" >&2; exit 1; }
$BIN report --output "$OUT/report.html" --scenario scenarios/baseline.yaml --scenario scenarios/regeneration-south-west.yaml \
  --draws 1000 --plan-options scenarios/options.yaml --date 2026-12-01 2>/dev/null
URL="file://$(pwd)/$OUT/report.html"
CH="chromium --headless --no-sandbox --disable-gpu --hide-scrollbars"
for w in 1366 390; do
  timeout 120 $CH --window-size=$w,3000 --screenshot="$OUT/report-$w.png" "$URL" 2>/dev/null
  echo "$w px: $OUT/report-$w.png"
done
timeout 120 $CH --no-pdf-header-footer --print-to-pdf="$OUT/report.pdf" "$URL" 2>/dev/null
pages=$(pdfinfo "$OUT/report.pdf" | awk '/^Pages/ { print $2 }')
size=$(pdfinfo "$OUT/report.pdf" | awk -F: '/^Page size/ { print $2 }' | xargs)
echo "print: $OUT/report.pdf, $pages pages, $size"
[ "$size" != "${size/A4/}" ] || { echo "the report does not print on A4" >&2; exit 1; }
[ "$pages" -le 30 ] || { echo "the report prints to $pages pages (more than 30)" >&2; exit 1; }
