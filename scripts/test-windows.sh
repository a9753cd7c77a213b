#!/usr/bin/env bash
# Builds the library, the tests and the examples for Windows with mingw-w64, runs the test
# suite under Wine (ctest, through CMAKE_CROSSCOMPILING_EMULATOR), then runs the examples and
# keeps their output in BUILD_DIR/example-output/<name>.txt.
# Last, the library as a DLL (BUILD_SHARED_LIBS, in BUILD_DIR-dll): the examples and their
# checks against it, so that what the API exports stays enough for a program.
#   scripts/test-windows.sh [BUILD_DIR]        (default build-windows)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build-windows}
case "$build_dir" in /*) ;; *) build_dir=$PWD/$build_dir ;; esac

scripts/setup-deps windows
boost_prefix=$(scripts/mingw-boost)

configure() { # BUILD_DIR, more cmake options
  local dir=$1
  shift
  cmake -S . -B "$dir" -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake \
    -DMULTIPROC_MINGW_BOOST="$boost_prefix" -DMULTIPROC_DEVELOP=ON \
    -DCMAKE_CROSSCOMPILING_EMULATOR=wine "$@" >/dev/null
}
configure "$build_dir"
cmake --build "$build_dir" -j "$(nproc)"

# A Wine prefix of our own. Its daemon is started first and stopped at the end, or every
# program would wait seconds for it. BootId: without it Boost.Interprocess's named objects
# fail under Wine ("intermodule_singleton initialization failed").
export WINEPREFIX=$build_dir/wine WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
mkdir -p "$WINEPREFIX"
wineserver -p </dev/null >/dev/null 2>&1 || true # already running for this prefix
trap 'wineserver -k >/dev/null 2>&1 || true' EXIT
wineboot -i </dev/null >/dev/null 2>&1
wine reg add 'HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Memory Management\PrefetchParameters' \
  /v BootId /t REG_DWORD /d 1 /f </dev/null >/dev/null 2>&1

ctest --test-dir "$build_dir" -j "$(nproc)" --output-on-failure

mkdir -p "$build_dir/example-output"
for name in process pipe pool queue; do
  [ -f "$build_dir/$name.exe" ] || continue
  echo "\$ wine $name.exe"
  wine "$build_dir/$name.exe" </dev/null | tr -d '\r' | tee "$build_dir/example-output/$name.txt"
done

# The DLL build: the examples only (the suite above is the same code, linked statically). Its
# programs load the MinGW runtime DLLs, from the compiler's folders.
dll_dir=$build_dir-dll
configure "$dll_dir" -DBUILD_SHARED_LIBS=ON
examples=$(sed -n 's/^set(MULTIPROC_EXAMPLES \(.*\))$/\1/p' CMakeLists.txt | sed 's/\bfork\b//')
# shellcheck disable=SC2086 # a list of targets
cmake --build "$dll_dir" -j "$(nproc)" --target $examples asio_server_client
runtime_dir() { dirname "$(x86_64-w64-mingw32-g++-posix -print-file-name="$1")"; }
WINEPATH="Z:$(runtime_dir libstdc++-6.dll);Z:$(runtime_dir libwinpthread-1.dll)" \
  ctest --test-dir "$dll_dir" -j "$(nproc)" -L example --output-on-failure
