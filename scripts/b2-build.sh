#!/usr/bin/env bash
# Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#
# Builds the library, the tests and the examples with b2 (Jamroot at the repository root).
# The build goes to build-b2/ (git-ignored); extra arguments go to b2, e.g.
#   scripts/b2-build.sh variant=release
#   scripts/b2-build.sh multiproc process
#   scripts/b2-build.sh test          # builds and runs the test suite (test/Jamfile)
#   scripts/b2-build.sh mpi           # the MPI pool's targets, built only when asked for
#   scripts/b2-build.sh test//mpi     # and its tests, run with mpirun
# project-config.jam at the root puts ccache in front of g++ when ccache is installed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if ! command -v b2 >/dev/null 2>&1; then
    echo "b2-build.sh: b2 not found (Debian: apt-get install libboost1.81-tools-dev)" >&2
    exit 1
fi

exec b2 -j2 --build-dir=build-b2 "$@"
