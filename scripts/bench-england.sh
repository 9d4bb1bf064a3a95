#!/usr/bin/env bash
# National-scale benchmark: a synthetic England of 154 copies of the illustrative demo
# authority (2,310 planning areas, about 1.2 M roll rows), generated into .build/ (never
# committed). Prints, for a 15-year forecast and for sufficiency with 1,000 draws, the wall
# time, the peak memory and the draws per second; then, with --scaling, the same for 15,
# 150 and 2,310 areas and for the demo at 1,000, 10,000 and 100,000 draws, with the fitted
# exponent of time in areas and in draws (1 is linear).
# Usage: scripts/bench-england.sh [--scaling]   (after: swift build -c release --product placeplan)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/placeplan
[ -x "$BIN" ] || { echo "build first: swift build -c release --product placeplan" >&2; exit 1; }
generate() {  # authorities, folder
  [ -f "$2/rolls.csv" ] || python3 scripts/generate_demo_data.py --authorities "$1" --out "$2" >/dev/null
}
measure() {  # label, draws (0: none), command...
  local label=$1 draws=$2; shift 2
  local out
  /usr/bin/time -o .build/bench-time -f "%e %M" "$@" >/dev/null 2>/dev/null
  out=$(tail -1 .build/bench-time)
  local wall=${out% *} kb=${out#* }
  local rate="-"
  [ "$draws" -gt 0 ] && rate=$(awk -v d="$draws" -v w="$wall" 'BEGIN { printf "%.0f", d / w }')
  printf "%-44s %8.2f s %8.0f MB %12s draws/s\n" "$label" "$wall" "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')" "$rate"
  echo "$wall" > .build/bench-last
}
generate 154 .build/england
echo "placeplan $($BIN --version 2>/dev/null || true), $(nproc) cores; synthetic England: 2,310 planning areas"
measure "forecast, 15 years, no draws" 0 $BIN forecast --data .build/england --years 15 --format csv
measure "sufficiency, 15 years, 1,000 draws" 1000 $BIN sufficiency --data .build/england --years 15 --draws 1000 --format csv
if [ "${1:-}" = "--scaling" ]; then
  generate 10 .build/bench-150
  echo
  echo "Scaling in areas (sufficiency, 15 years, 1,000 draws):"
  times=()
  for spec in "15 data" "150 .build/bench-150" "2310 .build/england"; do
    set -- $spec
    measure "$1 planning areas" 1000 $BIN sufficiency --data "$2" --years 15 --draws 1000 --format csv
    times+=("$1:$(cat .build/bench-last)")
  done
  awk -v a="${times[1]}" -v b="${times[2]}" 'BEGIN { split(a, x, ":"); split(b, y, ":"); printf "exponent in areas (150 to 2,310): %.2f\n", log(y[2] / x[2]) / log(y[1] / x[1]) }'
  echo
  echo "Scaling in draws (demo, 15 planning areas, 15 years):"
  times=()
  for d in 1000 10000 100000; do
    measure "$d draws" "$d" $BIN sufficiency --data data --years 15 --draws "$d" --format csv
    times+=("$d:$(cat .build/bench-last)")
  done
  awk -v a="${times[1]}" -v b="${times[2]}" 'BEGIN { split(a, x, ":"); split(b, y, ":"); printf "exponent in draws (10,000 to 100,000): %.2f\n", log(y[2] / x[2]) / log(y[1] / x[1]) }'
fi
