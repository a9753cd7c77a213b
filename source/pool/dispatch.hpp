// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_POOL_DISPATCH_HPP
#define MULTIPROC_SOURCE_POOL_DISPATCH_HPP

// The pools' dispatch policy, as plain arithmetic (test/pool_dispatch.cpp): how far ahead a
// worker is sent tasks, when it is retired, when a task whose worker died runs again, and how
// long a replacement for a worker that did not start waits.
//
// A worker (a local process, an MPI rank) is sent several tasks ahead only as many as it is
// expected to finish within a small budget, about a millisecond: a task never waits long behind
// another in a busy worker while an idle one could take it, and many quick tasks go at once.

#include <multiproc/error.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>

namespace multiproc::detail::dispatch {

/// The work a worker is sent ahead: about this long.
inline constexpr std::chrono::duration<double> pipeline_budget = std::chrono::milliseconds(1);

/// How many tasks a worker may have in flight: one until it has shown how long its tasks take
/// (`mean_task_seconds` < 0), then as many as it is expected to finish within the budget, at
/// most `max_depth`.
inline std::size_t pipeline_depth(double mean_task_seconds, std::size_t max_depth) noexcept
{
    if (mean_task_seconds < 0)
        return 1;
    const double ahead = pipeline_budget.count() / std::max(mean_task_seconds, 1e-9);
    return static_cast<std::size_t>(std::clamp(ahead, 1.0, double(max_depth)));
}

/// The mean task time after a task that took `took` seconds (`mean` < 0: the first): recent
/// tasks weigh most.
inline double next_mean(double mean, double took) noexcept
{
    return mean < 0 ? took : 0.75 * mean + 0.25 * took;
}

/// What the policy needs to know of a local pool's worker.
struct worker_load
{
    std::size_t in_flight = 0;           // sent, not finished
    std::size_t tasks_sent = 0;          // in its life
    double mean_task_seconds = -1;       // < 0: none finished yet
    std::size_t max_tasks_per_child = 0; // 0: no limit
};

/// Whether a worker has been sent all the tasks it may run (max_tasks_per_child): it is to stop.
inline bool retired(const worker_load& w) noexcept
{
    return w.max_tasks_per_child != 0 && w.tasks_sent >= w.max_tasks_per_child;
}

/// How many more tasks a worker that takes tasks may be sent now: up to its pipeline depth
/// (`max_depth` at most), and no more than its max_tasks_per_child leaves.
inline std::size_t capacity(const worker_load& w, std::size_t max_depth) noexcept
{
    std::size_t depth = pipeline_depth(w.mean_task_seconds, max_depth);
    if (w.max_tasks_per_child != 0)
        depth = std::min(depth, w.in_flight + w.max_tasks_per_child - w.tasks_sent);
    return depth > w.in_flight ? depth - w.in_flight : 0;
}

/// Whether a running task whose worker ended with `why` runs again: only if its worker died
/// (or, with `retry_timeouts`, was killed for its timeout), `max_retries` times at most.
inline bool retry(const error_code& why, std::size_t retries, std::size_t max_retries,
                  bool retry_timeouts) noexcept
{
    return retries < max_retries &&
           (why == error::worker_died || (why == error::timeout && retry_timeouts));
}

/// The first replacement of a worker that did not start waits none, the next
/// `first_start_backoff`, doubling, up to `max_start_backoff` (about 1.3 s in all for 10).
inline constexpr auto first_start_backoff = std::chrono::milliseconds(5);
inline constexpr auto max_start_backoff = std::chrono::seconds(1);

/// How long the replacement of a worker waits after `failed_starts` starts in a row failed.
inline std::chrono::milliseconds start_backoff(std::size_t failed_starts) noexcept
{
    if (failed_starts < 2)
        return std::chrono::milliseconds(0);
    return std::min<std::chrono::milliseconds>(
        first_start_backoff * (std::size_t(1) << std::min<std::size_t>(failed_starts - 2, 16)),
        max_start_backoff);
}

} // namespace multiproc::detail::dispatch

#endif
