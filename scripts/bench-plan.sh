#!/usr/bin/env bash
# Speed of `placeplan plan`: the demo authority, 10 years, with and without 1,000 draws;
# then the synthetic England of 154 authorities (2,310 planning areas, generated into
# .build/, never committed), each with the demo's options under its own ids, solved per
# authority. Goals (issue 26): the demo under 2 s, national under 60 s.
# Usage: scripts/bench-plan.sh   (after: swift build -c release --product placeplan)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/placeplan
[ -x "$BIN" ] || { echo "build first: swift build -c release --product placeplan" >&2; exit 1; }
[ -f .build/england/rolls.csv ] || python3 scripts/generate_demo_data.py --authorities 154 --out .build/england >/dev/null
# The demo's options for every authority, ids prefixed as the generator prefixes them.
python3 - <<'PY'
import re
text = open("scenarios/options.yaml").read()
head, body = text.split("options:\n", 1)
out = [head.replace("name: demo-options", "name: national-options"), "options:\n"]
for k in range(1, 155):
    p = f"A{k:03d}-"
    out.append(re.sub(r"^(\s+(?:- )?(?:school|area|id):\s+)(\S+)", lambda m: m.group(1) + p + m.group(2), body, flags=re.M))
# The authorities' PANs differ from the demo's: reductions may go down to none.
text = re.sub(r"min_pan: \d+", lambda m: "min_pan: 0", "".join(out))
open(".build/england-options.yaml", "w").write(text)
PY
measure() {  # label, command...
  local label=$1; shift
  /usr/bin/time -o .build/bench-time -f "%e %M" "$@" >/dev/null 2>/dev/null
  local out; out=$(tail -1 .build/bench-time)
  printf "%-52s %8.2f s %8.0f MB\n" "$label" "${out% *}" "$(awk -v k="${out#* }" 'BEGIN { print k / 1024 }')"
}
echo "placeplan plan, $(nproc) cores"
measure "demo, 10 years, no draws" $BIN plan --data data --options scenarios/options.yaml --years 10
measure "demo, 10 years, 1,000 draws" $BIN plan --data data --options scenarios/options.yaml --years 10 --draws 1000
measure "England (2,310 areas, 154 LAs), 10 years, no draws" $BIN plan --data .build/england --options .build/england-options.yaml --years 10
measure "England (2,310 areas, 154 LAs), 10 years, 1,000 draws" $BIN plan --data .build/england --options .build/england-options.yaml --years 10 --draws 1000
