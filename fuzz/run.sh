#!/usr/bin/env bash
# Runs one fuzz target on one core: fuzz/run.sh TARGET [SECONDS] [LIBFUZZER_FLAGS...]
# (default 600 s). Seeds the corpus first (seed.sh), uses the target's
# dictionary if it has one, and keeps libFuzzer's log as
# fuzz/logs/TARGET-<UTC time>.log. Built on stable Rust without a sanitizer
# (warren-core has no unsafe code; see docs/fuzzing.md); set
# FUZZ_SANITIZER=address (with RUSTC_BOOTSTRAP=1) to build with ASan.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
target=${1:?usage: fuzz/run.sh TARGET [SECONDS] [LIBFUZZER_FLAGS...]}
seconds=${2:-600}
shift $(($# < 2 ? $# : 2))
./seed.sh > /dev/null
dict=()
case $target in
  scenario_parse) dict=(-dict=dict/scenario.dict) ;;
  definitions_parse) dict=(-dict=dict/definitions.dict) ;;
esac
mkdir -p logs
log="logs/$target-$(date -u +%Y%m%dT%H%M%SZ).log"
rm -f fuzz-0.log
cargo fuzz build --sanitizer "${FUZZ_SANITIZER:-none}" "$target"
rc=0
# -jobs=1 -workers=1: one fuzzing process, which writes its log to fuzz-0.log.
cargo fuzz run --sanitizer "${FUZZ_SANITIZER:-none}" "$target" -- \
  -max_total_time="$seconds" -jobs=1 -workers=1 -rss_limit_mb=2048 -timeout=10 \
  -print_final_stats=1 "${dict[@]}" "$@" || rc=$?
mv fuzz-0.log "$log"
grep -E '^#[0-9]+' "$log" | tail -1 || true
grep -E 'stat::|SUMMARY|panicked|Test unit written' "$log" || true
echo "log: fuzz/$log (exit $rc)"
exit "$rc"
