#!/usr/bin/env bash
# Compare multiproc with CPython's multiprocessing and the C floors on the same workloads.
#
#   bench/compare.sh [BUILD_DIR] [METRIC...]
#
# Builds bench/multiproc_bench (Release, into BUILD_DIR, default <repo>/build-bench) and the C
# floors (a temporary copy of $SHARED_DIR/peers/limits), then runs REPS rounds (default 3), each
# round running multiproc_bench, shared/peers/python/bench_mp.py and the C floors once,
# interleaved so that slow drift of a shared machine spreads over all three. It prints one
# markdown table: per metric, median [min..max] of multiproc and of Python, the ratio (> 1:
# multiproc is better, whichever the unit's direction) and the median of the matching C floors.
#
# Metrics: the arguments, else $METRICS (space-separated), else all of `multiproc_bench --list`.
# A metric whose run prints further lines (ALSO below: pool_sleep5_s also prints
# pool_sleep5_tasks_s, in both programs) gets a table row for each of them.
# The first argument is BUILD_DIR unless it is a metric name of bench_mp.py or looks like one
# (ends in _ms, _us, _s, _tput, _MBps, _GBps or _incr) and is not an existing directory.
#
# Environment:
#   SHARED_DIR  where peers/ lives (default: <repo>/../shared)
#   PYTHON      interpreter for bench_mp.py (default python3, resolved once to its real binary)
#   REPS        rounds (default 3)
#   OUT         where raw lines and the table go (default BUILD_DIR/compare-<UTC stamp>)
#   TIMEOUT     seconds allowed per benchmark program run (default 600)
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
SHARED_DIR=${SHARED_DIR:-$(dirname "$REPO")/shared}
PEERS=$SHARED_DIR/peers
REPS=${REPS:-3}
TIMEOUT=${TIMEOUT:-600}

die() { echo "compare.sh: $*" >&2; exit 2; }
[[ -f $PEERS/python/bench_mp.py ]] || die "no $PEERS/python/bench_mp.py (set SHARED_DIR)"

# Resolve the real interpreter once: a pyenv shim adds ~75 ms per call.
PYTHON=$(command -v "${PYTHON:-python3}") || die "no python3"
PYTHON=$("$PYTHON" -c 'import sys; print(sys.executable)')
py_metrics=" $("$PYTHON" "$PEERS/python/bench_mp.py" --list | tr '\n' ' ') "

BUILD_DIR=$REPO/build-bench
metric_like='^[a-z][a-z0-9_]*_(ms|us|s|tput|MBps|GBps|incr)$'
if (($# > 0)) && [[ $py_metrics != *" $1 "* ]] && { [[ -d $1 ]] || ! [[ $1 =~ $metric_like ]]; }; then
    BUILD_DIR=$1
    shift
fi
mkdir -p "$BUILD_DIR"
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
requested=("$@")
if ((${#requested[@]} == 0)) && [[ -n ${METRICS:-} ]]; then
    read -r -a requested <<< "$METRICS"
fi

# --- C floors per metric (limits/ binary that prints them: see FLOOR_BIN) ------------------
declare -A FLOORS=(
    [spawn_join_fork_ms]="c_fork_wait_ms"
    [spawn_join_spawn_ms]="c_posix_spawn_dynamic_ms c_posix_spawn_static_ms c_spawn_python_ms"
    [pipe_pingpong_us]="c_socketpair_pingpong_us c_pipe_pingpong_us"
    [queue_large_MBps]="c_memcpy_GBps c_memcpy_fresh_shm_GBps c_pipe_MBps"
    [pool_apply_rtt_us]="c_pipe_pingpong_us c_futex_pingpong_us"
)
declare -A FLOOR_BIN=(
    [c_fork_wait_ms]=spawn_wait
    [c_posix_spawn_dynamic_ms]=spawn_wait
    [c_posix_spawn_static_ms]=spawn_wait
    [c_spawn_python_ms]=spawn_wait
    [c_socketpair_pingpong_us]=pipe_pingpong
    [c_pipe_pingpong_us]=pipe_pingpong
    [c_memcpy_GBps]=memcpy_bw
    [c_memcpy_fresh_shm_GBps]=memcpy_bw
    [c_pipe_MBps]=pipe_bw
    [c_futex_pingpong_us]=shm_pingpong
)
# Further lines that a metric's run prints (names of neither program's --list): table rows.
declare -A ALSO=(
    [pool_sleep5_s]="pool_sleep5_tasks_s"
)

# --- build ---------------------------------------------------------------------------------
cmake_args=(-DCMAKE_BUILD_TYPE=Release -DMULTIPROC_BUILD_BENCH=ON -DMULTIPROC_STATIC_RUNTIME=ON
            -DMULTIPROC_BUILD_TESTS=OFF -DMULTIPROC_BUILD_EXAMPLES=OFF)
cmake -S "$REPO" -B "$BUILD_DIR" "${cmake_args[@]}" > /dev/null
cmake --build "$BUILD_DIR" --target multiproc_bench -j "$(nproc)" > /dev/null
BENCH=$BUILD_DIR/bench/multiproc_bench
[[ -x $BENCH ]] || die "no $BENCH after the build"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$PEERS/limits" "$tmp/limits"
chmod -R u+w "$tmp/limits"
rm -rf "$tmp/limits/bin"
make -s -C "$tmp/limits" > /dev/null
LIMITS=$tmp/limits/bin

# --- metrics -------------------------------------------------------------------------------
cpp_list=$("$BENCH" --list | paste -sd ' ')
cpp_metrics=" $cpp_list "
if ((${#requested[@]} == 0)); then
    read -r -a metrics <<< "$cpp_metrics"
else
    metrics=()
    for m in "${requested[@]}"; do
        [[ $cpp_metrics == *" $m "* ]] || die "multiproc_bench has no metric '$m' (it has: $cpp_list)"
        metrics+=("$m")
    done
fi
py_run=()      # the selected metrics bench_mp.py knows
floor_bins=()  # the limits/ binaries with a floor of a selected metric
for m in "${metrics[@]}"; do
    [[ $py_metrics == *" $m "* ]] && py_run+=("$m")
    for f in ${FLOORS[$m]:-}; do
        b=${FLOOR_BIN[$f]}
        [[ " ${floor_bins[*]:-} " == *" $b "* ]] || floor_bins+=("$b")
    done
done

OUT=${OUT:-$BUILD_DIR/compare-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
RAW_CPP=$OUT/multiproc.txt
RAW_PY=$OUT/python.txt
RAW_C=$OUT/c.txt
: > "$RAW_CPP"; : > "$RAW_PY"; : > "$RAW_C"

fail=0
run() {   # run LABEL RAWFILE CMD...: append stdout to RAWFILE, keep going on failure
    local label=$1 raw=$2 rc=0
    shift 2
    timeout -k 10 "$TIMEOUT" "$@" >> "$raw" || rc=$?
    if ((rc != 0)); then
        local why="exit $rc"
        ((rc == 124 || rc == 137)) && why+=", timed out after $TIMEOUT s"
        echo "# FAILED: $label ($why): $*" | tee -a "$raw" >&2
        fail=1
    fi
}

t_start=$(date +%s)
for ((r = 1; r <= REPS; r++)); do
    echo "== round $r/$REPS ($(($(date +%s) - t_start)) s elapsed)" >&2
    for f in "$RAW_CPP" "$RAW_PY" "$RAW_C"; do echo "# round $r" >> "$f"; done
    run multiproc_bench "$RAW_CPP" "$BENCH" "${metrics[@]}"
    if ((${#py_run[@]} > 0)); then
        run bench_mp.py "$RAW_PY" "$PYTHON" "$PEERS/python/bench_mp.py" "${py_run[@]}"
    fi
    for b in "${floor_bins[@]}"; do
        run "$b" "$RAW_C" env PYTHON="$PYTHON" "$LIMITS/$b" "$LIMITS"
    done
done
elapsed=$(($(date +%s) - t_start))

# --- table ---------------------------------------------------------------------------------
floor_spec=()
for m in "${metrics[@]}"; do
    floor_spec+=("$m=${FLOORS[$m]:-}")
    for a in ${ALSO[$m]:-}; do floor_spec+=("$a=${FLOORS[$a]:-}"); done
done
commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')
[[ -z $(git -C "$REPO" status --porcelain 2>/dev/null) ]] || commit+=" + uncommitted changes"
{
    echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); host: nproc=$(nproc)," \
         "$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1), kernel $(uname -r)"
    cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt")
    echo "- multiproc: $commit, Release, $("${cxx:-c++}" --version | head -1)"
    echo "- python: $PYTHON ($("$PYTHON" -c 'import platform; print(platform.python_version())'))"
    echo "- reps: $REPS, wall time of the runs: $elapsed s; raw lines: $OUT"
    echo
    "$PYTHON" - "$PEERS/tools" "$RAW_CPP" "$RAW_PY" "$RAW_C" "${floor_spec[@]}" <<'EOF'
import statistics, sys
sys.path.insert(0, sys.argv[1])
from aggregate import parse, fmt, table, LOWER_IS_BETTER

cpp, py, c = (parse(p) for p in sys.argv[2:5])   # (order, values, units, sections)

def cell(data, m):
    vs = data[1].get(m)
    return f"{fmt(statistics.median(vs))} [{fmt(min(vs))}..{fmt(max(vs))}]" if vs else "-"

rows = []
for spec in sys.argv[5:]:
    m, _, floors = spec.partition("=")
    unit = cpp[2].get(m) or py[2].get(m) or "?"
    a, b = cpp[1].get(m), py[1].get(m)
    ratio = "-"
    if a and b:
        ma, mb = statistics.median(a), statistics.median(b)
        ratio = f"{(mb / ma if unit in LOWER_IS_BETTER else ma / mb):.2f}x"
    fl = [f"{f} {fmt(statistics.median(c[1][f]))}" for f in floors.split() if c[1].get(f)]
    rows.append([m, unit, cell(cpp, m), cell(py, m), ratio, "; ".join(fl) or "-"])
print(table(rows, ["metric", "unit", "multiproc median [min..max]",
                   "Python median [min..max]", "multiproc vs Python", "C floor median"]))
EOF
} > "$OUT/table.md"
cat "$OUT/table.md"
exit $fail
