#!/usr/bin/env bash
# Builds the whole suite (library, tests, examples) under AddressSanitizer + UBSan and under
# ThreadSanitizer, one build directory each, and runs ctest in each. Fails on any test failure
# and on any sanitizer report, also one written by a child process (a worker's report would
# otherwise only show as a dead worker): every report goes to a log file, and there must be none.
#   scripts/sanitize.sh [address|thread]...      (default: both; build dirs build-asan, build-tsan)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-deps

kinds=("$@")
[ ${#kinds[@]} -gt 0 ] || kinds=(address thread)

status=0
for kind in "${kinds[@]}"; do
  case "$kind" in
    address) build_dir=build-asan sanitize=address,undefined ;;
    thread) build_dir=build-tsan sanitize=thread ;;
    *) echo "sanitize.sh: unknown sanitizer '$kind'" >&2; exit 2 ;;
  esac
  # -fno-sanitize-recover: a UBSan finding ends the process (as ASan's and TSan's do).
  scripts/build "$build_dir" -DMULTIPROC_SANITIZE="$sanitize" -DMULTIPROC_BUILD_BENCH=OFF \
    -DCMAKE_CXX_FLAGS="-fno-sanitize-recover=all"
  logs=$PWD/$build_dir/sanitizer-logs
  rm -rf "$logs" && mkdir -p "$logs"
  # detect_leaks=0: children end with _exit or std::exit while the parent's threads and
  # handles are live by design; LSan would report those, not leaks.
  export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=0:log_path=$logs/asan"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$logs/ubsan"
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/test/tsan.supp:log_path=$logs/tsan"
  echo "sanitize.sh: $sanitize: ctest in $build_dir"
  start=$SECONDS
  # The compile-fail and format checks do not run our code: the plain build covers them.
  ctest --test-dir "$build_dir" -j "$(nproc)" --output-on-failure -LE 'compile' -E '^format$' \
    || status=1
  unset ASAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS
  echo "sanitize.sh: $sanitize: ctest took $((SECONDS - start)) s"
  if compgen -G "$logs/*" >/dev/null; then
    echo "sanitize.sh: $sanitize: reports:"
    for f in "$logs"/*; do echo "== $f"; cat "$f"; done
    status=1
  fi
done
exit $status
