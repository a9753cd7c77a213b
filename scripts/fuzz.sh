#!/usr/bin/env bash
# Builds the libFuzzer targets under fuzz/ (clang, with ASan and UBSan) and runs each for
# SECONDS; fails on any crash, sanitizer report, leak, timeout or out-of-memory. Prints the
# executions of each target and their total. The corpus of each target is kept in
# BUILD_DIR/corpus/<target>, so later runs go on from there.
#   scripts/fuzz.sh [SECONDS] [BUILD_DIR]        (defaults: 20, build-fuzz)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
build_dir=${2:-build-fuzz}
scripts/setup-deps fuzz

cmake -S . -B "$build_dir" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMULTIPROC_BUILD_FUZZ=ON -DMULTIPROC_BUILD_TESTS=OFF -DMULTIPROC_BUILD_EXAMPLES=OFF \
  -DMULTIPROC_SANITIZE=fuzzer-no-link,address,undefined \
  -DCMAKE_CXX_FLAGS="-fno-sanitize-recover=all" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"

export ASAN_OPTIONS=halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
total=0
for target in "$build_dir"/fuzz/fuzz_*; do
  [ -x "$target" ] || continue
  name=$(basename "$target")
  corpus=$build_dir/corpus/$name
  mkdir -p "$corpus" "$build_dir/crashes"
  # rss_limit_mb: a decoder that allocates what a hostile length asks for is a finding.
  "$target" "$corpus" -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$build_dir/crashes/$name-" \
    >"$build_dir/$name.log" 2>&1 || { tail -n 60 "$build_dir/$name.log"; echo "fuzz.sh: $name failed"; exit 1; }
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build_dir/$name.log" | tail -n 1)
  echo "fuzz.sh: $name: ${runs:-0} executions in $seconds s, corpus $(ls "$corpus" | wc -l) inputs"
  total=$((total + ${runs:-0}))
done
echo "fuzz.sh: $total executions in all"
