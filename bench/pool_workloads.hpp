// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_BENCH_POOL_WORKLOADS_HPP
#define MULTIPROC_BENCH_POOL_WORKLOADS_HPP

// One round of bench_mp.py's pool workloads, for any pool with the pool surface
// (multiproc::pool, multiproc::mpi::pool): multiproc_bench and mpi_bench time the same work.

#include <multiproc/pool.hpp>

#include <vector>

namespace pool_workloads {

/// pool_apply_async_tput: this many apply_async(identity, i), then get each.
inline constexpr long long apply_async_tasks = 50000;
/// pool_map_tput: map(square, range(map_items)), default chunksize.
inline constexpr long long map_items = 1000000;

/// One apply_async round; true if the results add up.
template <class Pool, class F>
bool apply_async_round(Pool& pool, F identity)
{
    constexpr long long n = apply_async_tasks;
    std::vector<multiproc::async_result<long long>> results;
    results.reserve(n);
    for (long long i = 0; i < n; ++i)
        results.push_back(pool.apply_async(identity, i));
    long long sum = 0;
    for (auto& r : results)
        sum += r.get();
    return sum == n * (n - 1) / 2;
}

/// The map's input: 0 .. map_items - 1.
inline std::vector<long long> map_input()
{
    std::vector<long long> items(static_cast<std::size_t>(map_items));
    for (std::size_t i = 0; i < items.size(); ++i)
        items[i] = static_cast<long long>(i);
    return items;
}

/// One map round over `items` (map_input()); true if the results are right.
template <class Pool, class F>
bool map_round(Pool& pool, F square, const std::vector<long long>& items)
{
    const std::vector<long long> r = pool.map(square, items);
    return r.size() == items.size() && r.back() == (map_items - 1) * (map_items - 1);
}

} // namespace pool_workloads

#endif
