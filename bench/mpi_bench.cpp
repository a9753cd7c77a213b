// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// The MPI pool on multiproc_bench's pool workloads, under the same metric names with an mpi_
// prefix, so the two pools can be put side by side:
//
//     mpirun -np 3 ./mpi_bench          # rank 0 and two worker ranks: Pool(2)
//     ./multiproc_bench pool_apply_async_tput pool_map_tput
//
// Output: one line per metric, `metric_name value unit`. BENCH_MIN_TIME (seconds, default
// 1.0) sets the minimum measured time per metric. A wrong result prints to stderr and makes
// the exit code 1.

#include <multiproc/init.hpp>
#include <multiproc/mpi/pool.hpp>

#include "pool_workloads.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace mp = multiproc;

namespace {

long long identity(long long x)
{
    return x;
}

long long square(long long x)
{
    return x * x;
}

} // namespace

MULTIPROC_TASK(identity)
MULTIPROC_TASK(square)

namespace {

using clock_type = std::chrono::steady_clock;

// Runs `once` until at least `min_time` seconds have passed; seconds per call.
template <class Once>
double repeat_timed(double min_time, Once once)
{
    long count = 0;
    const auto t0 = clock_type::now();
    for (;;) {
        once();
        ++count;
        const std::chrono::duration<double> el = clock_type::now() - t0;
        if (el.count() >= min_time)
            return el.count() / static_cast<double>(count);
    }
}

void emit(const char* name, double value, const char* unit)
{
    std::printf("%s %.0f %s\n", name, value, unit);
    std::fflush(stdout);
}

[[noreturn]] void fail(const char* what)
{
    std::fprintf(stderr, "mpi_bench: %s\n", what);
    std::exit(1);
}

// multiproc_bench's pool_apply_async_tput: 50,000 apply_async(identity, i), then get each.
void bench_apply_async(mp::mpi::pool& pool, double min_time)
{
    const double seconds = repeat_timed(min_time, [&] {
        if (!pool_workloads::apply_async_round(pool, identity))
            fail("bad result");
    });
    emit("mpi_pool_apply_async_tput", pool_workloads::apply_async_tasks / seconds, "tasks/s");
}

// multiproc_bench's pool_map_tput: map(square, range(1,000,000)), default chunksize.
void bench_map(mp::mpi::pool& pool, double min_time)
{
    const std::vector<long long> items = pool_workloads::map_input();
    const double seconds = repeat_timed(min_time, [&] {
        if (!pool_workloads::map_round(pool, square, items))
            fail("bad result");
    });
    emit("mpi_pool_map_tput", pool_workloads::map_items / seconds, "items/s");
}

} // namespace

int main(int argc, char* argv[])
{
    mp::init(argc, argv);
    mp::mpi::environment env(argc, argv);
    const char* min_time_env = std::getenv("BENCH_MIN_TIME");
    const double min_time = min_time_env && *min_time_env ? std::atof(min_time_env) : 1.0;
    mp::mpi::pool pool;
    pool.map(identity, std::vector<long long>(1000, 1), 1); // ranks warm, task times known
    bench_apply_async(pool, min_time);
    bench_map(pool, min_time);
}
