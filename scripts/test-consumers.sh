#!/usr/bin/env bash
# Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#
# Builds and runs the consumer projects of test/consumer/ the way applications use multiproc:
#   1. cmake --install into a temporary prefix, then find_package(multiproc CONFIG) against it;
#   2. pkg-config against the same prefix (g++ and the installed multiproc.pc);
#   3. add_subdirectory() of this checkout;
#   4. b2, with use-project of this checkout's Jamroot;
#   5. where MPI is installed (mpirun), find_package(multiproc CONFIG COMPONENTS mpi) and the
#      MPI pool, run by mpirun with three ranks.
# Each program checks its own results and prints one line, compared here.
#   scripts/test-consumers.sh [WORK_DIR]     (default build-consumers/, emptied first)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
work=$(realpath -m "${1:-build-consumers}")
scripts/setup-deps consumers
rm -rf "$work"
mkdir -p "$work"
prefix="$work/prefix"
expected="consumer: map 285, queue 0 1 4 9"

check() { # check NAME PROGRAM: runs it and compares its output with $expected
  local out
  out=$("$2") || { echo "test-consumers: $1: exited with $?; output: $out" >&2; exit 1; }
  if [ "$out" != "$expected" ]; then
    echo "test-consumers: $1: got '$out', expected '$expected'" >&2
    exit 1
  fi
  echo "test-consumers: $1: ok"
}

cmake_args=(-DCMAKE_BUILD_TYPE=Release)
[ -z "${CMAKE_CXX_COMPILER_LAUNCHER:-}" ] && command -v ccache >/dev/null &&
  cmake_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

# setup-deps installs MPI: with mpirun there, the MPI pool is installed and its consumer run.
with_mpi=OFF
command -v mpirun >/dev/null && with_mpi=ON

echo "test-consumers: installing multiproc into $prefix (MPI pool: $with_mpi)"
cmake -S . -B "$work/multiproc" "${cmake_args[@]}" -DCMAKE_INSTALL_PREFIX="$prefix" \
  -DMULTIPROC_BUILD_TESTS=OFF -DMULTIPROC_BUILD_EXAMPLES=OFF -DMULTIPROC_WITH_MPI=$with_mpi \
  >/dev/null
cmake --build "$work/multiproc" -j 2 >/dev/null
cmake --install "$work/multiproc" >/dev/null

cmake -S test/consumer/cmake_find_package -B "$work/find_package" "${cmake_args[@]}" \
  -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/find_package" >/dev/null
check find_package "$work/find_package/consumer"

pc_dir=$(dirname "$(find "$prefix" -name multiproc.pc)")
# shellcheck disable=SC2046 # pkg-config's output is a list of words
g++ -std=c++17 -O1 -o "$work/pkg_config_consumer" test/consumer/consumer.cpp \
  $(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags --libs multiproc)
check pkg-config "$work/pkg_config_consumer"

cmake -S test/consumer/cmake_add_subdirectory -B "$work/add_subdirectory" "${cmake_args[@]}" \
  -DMULTIPROC_SOURCE_DIR="$root" >/dev/null
cmake --build "$work/add_subdirectory" -j 2 >/dev/null
check add_subdirectory "$work/add_subdirectory/consumer"

(cd test/consumer/b2 && MULTIPROC_ROOT="$root" b2 -j2 -q --build-dir="$work/b2" >"$work/b2.log") ||
  { cat "$work/b2.log" >&2; exit 1; }
check b2 "$(find "$work/b2" -name consumer -type f -perm -u+x)"

if [ "$with_mpi" = ON ]; then
  cmake -S test/consumer/cmake_mpi -B "$work/mpi" "${cmake_args[@]}" \
    -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
  cmake --build "$work/mpi" >/dev/null
  # Open MPI: more ranks than cores, as root in CI, and no shared-memory copy in containers.
  out=$(OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
    OMPI_MCA_btl_vader_single_copy_mechanism=none \
    timeout 120 mpirun --oversubscribe -np 3 "$work/mpi/mpi_consumer") ||
    { echo "test-consumers: mpi: exited with $?; output: $out" >&2; exit 1; }
  if [ "$out" != "mpi_consumer: map 285 on 2 worker ranks" ]; then
    echo "test-consumers: mpi: got '$out'" >&2
    exit 1
  fi
  echo "test-consumers: mpi: ok"
fi
