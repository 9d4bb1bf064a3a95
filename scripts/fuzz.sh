#!/usr/bin/env bash
# libFuzzer on placeplan's input paths: the CSV loaders (placeplan's own, and the DfE census,
# births, LA places and reorganisations files through a forecast), the scenario parser, and a
# scenario through a forecast to every output format. Builds Sources/placeplan-fuzz with
# -sanitize=fuzzer,address into .build-fuzz/ (SwiftPM links executables with its own main, so
# the harness's main calls libFuzzer's LLVMFuzzerRunDriver, found through --export-dynamic),
# linked with lld (gold fails on the sanitized objects' debug information), then runs each target for FUZZ_SECONDS (default 60) from the committed seed corpus in
# Tests/Fixtures/fuzz-corpus, growing a working corpus in .build-fuzz/corpus. A crash leaves
# its input in .build-fuzz/ and fails the script.
# Usage: scripts/fuzz.sh [csv|dfe|scenario|outputs ...]     FUZZ_SECONDS=20 scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-60}
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(csv dfe scenario outputs)
swift build -c release --build-path .build-fuzz --product placeplan-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld -Xlinker --export-dynamic >&2
BIN=.build-fuzz/release/placeplan-fuzz
for t in "${TARGETS[@]}"; do
  seed=Tests/Fixtures/fuzz-corpus/$(case "$t" in csv|dfe) echo "$t" ;; *) echo scenario ;; esac)
  work=.build-fuzz/corpus/$t
  mkdir -p "$work"
  echo "fuzzing $t for ${SECONDS_EACH}s (seed corpus $seed)" >&2
  # Leak checking is off: the Swift runtime's one-time allocations are reported at exit.
  ASAN_OPTIONS=detect_leaks=0 "$BIN" "$t" -max_total_time="$SECONDS_EACH" -rss_limit_mb=4096 -detect_leaks=0 -artifact_prefix=.build-fuzz/crash-"$t"- "$work" "$seed" 2>&1 \
    | grep -E "^#[0-9]+.*DONE|^Done|ERROR|SUMMARY|crash-" >&2 || true
  if ls .build-fuzz/crash-"$t"-* >/dev/null 2>&1; then
    echo "fuzz: $t found a crash (input in .build-fuzz/crash-$t-*)" >&2
    exit 1
  fi
done
