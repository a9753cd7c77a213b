// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_POOL_HPP
#define MULTIPROC_POOL_HPP

/// @file
/// `multiproc::pool`: Python's `multiprocessing.Pool`, a fixed set of worker processes run by an
/// Asio-driven supervisor, that survives workers that crash. Results arrive in an
/// `async_result`, or through any Asio completion token.

#include <multiproc/detail/config.hpp>

#include <multiproc/basic_pool.hpp>
#include <multiproc/error.hpp>
#include <multiproc/start_method.hpp>
#include <multiproc/task.hpp>
#include <multiproc/this_process.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution_context.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace multiproc {

/// Settings of a pool (Python's `Pool(processes, initializer, initargs, maxtasksperchild)`
/// and context, and a per-task timeout and retries Python does not have).
///
/// A worker that dies before it is up (killed, crashed, or exited with an error before it
/// reached `multiproc::init` or while its initializer ran) is replaced like any other. After 10
/// such deaths in a row, with no worker coming up in between, the pool is broken: every task
/// fails with `error::worker_died` (the last died by a signal) or `error::not_initialized` (it
/// exited). The replacements wait longer each time: none after the first death, then 5 ms,
/// doubling up to 1 s (about 1.3 s in all). A worker that exits normally (code 0) before it
/// reached `multiproc::init` ran a program that does not call it: the pool is broken at once,
/// with `error::not_initialized`.
struct pool_options
{
    /// How workers start. Empty: `get_start_method()` when the pool is constructed. With
    /// `start_method::fork` a worker is a copy of this process made by the pool's thread: use
    /// it only where no other thread can hold a lock. Tasks are registered functions either way.
    std::optional<start_method> method;
    /// A task still running after this long is stopped: its worker is killed and replaced, and
    /// the task fails with `error::timeout`. Zero: no limit. It bounds the task's run in its
    /// worker, from about when the worker takes it up to when its result (encoded) is handed
    /// over; the time that result then takes to reach the pool does not count.
    std::chrono::milliseconds task_timeout{0};
    /// A worker is replaced after this many tasks (Python's maxtasksperchild). Zero: never.
    std::size_t max_tasks_per_child = 0;
    /// A worker that has not reached `multiproc::init` this long after it was started is
    /// killed, and the pool is broken: every task fails with `error::start_timeout`. Zero: no
    /// limit.
    std::chrono::milliseconds start_timeout{std::chrono::seconds(30)};
    /// A task (one `apply`/`apply_async`, or one chunk of a `map`/`imap`) whose worker died
    /// while it ran is run again, on another worker, up to this many times before it fails
    /// with `error::worker_died` (Ray's `max_retries`). Zero: never, as in Python. For
    /// idempotent tasks only: a retried task may have run partly, or wholly, before.
    std::size_t max_retries = 0;
    /// Whether a task that timed out (`task_timeout`) is retried too, within `max_retries`.
    /// Off: a timeout is final, as a task that ran too long is likely to do so again.
    bool retry_timeouts = false;

    /// Runs `function(args...)` once in each worker before its first task (Python's
    /// initializer). If it throws, the pool is broken: every task fails with
    /// `error::remote_exception`.
    template <class F, class... Args>
    pool_options& initializer(F function, Args&&... args)
    {
        initializer_task = &detail::registered_task(function);
        initializer_arguments = detail::encode_arguments(function, std::forward<Args>(args)...);
        return *this;
    }

    /// @cond MULTIPROC_INTERNAL
    const detail::task_entry* initializer_task = nullptr;
    std::string initializer_arguments;
    /// @endcond
};

/// A pool's counts at one moment, for logging and progress. A task is one `apply`/`apply_async`
/// call or one chunk of a `map`/`imap`; an initializer does not count.
struct pool_stats
{
    std::size_t queued = 0;          ///< waiting for a worker
    std::size_t running = 0;         ///< sent to a worker, not finished (includes sent-ahead)
    std::size_t done = 0;            ///< finished with a result
    std::size_t failed = 0;          ///< finished with an error (exception, crash, timeout...)
    std::size_t worker_restarts = 0; ///< workers started to replace one that exited
    std::size_t retries = 0;         ///< tasks run again after their worker died (max_retries)
};

namespace detail {
/// The local pool's backend. `executor` null: the pool runs its own thread.
MULTIPROC_DECL std::shared_ptr<pool_backend>
make_pool(std::size_t size, pool_options options, const boost::asio::any_io_executor* executor);
/// The counts of a backend made by make_pool.
MULTIPROC_DECL pool_stats pool_get_stats(pool_backend& pool);
} // namespace detail

/// A fixed number of worker processes that run registered tasks (Python's `Pool`).
///
/// Workers are spawned copies of this program (see `multiproc::init`). A supervisor, driven by
/// Asio, sends tasks to the workers and reads their results as they arrive, without the caller
/// draining anything. A worker that dies mid-task (crash, kill, `exit()` in the task) fails
/// only the task it was running, with `error::worker_died`, and is replaced; every other task
/// goes on. The destructor terminates the workers (Python's `with Pool() as p:`).
///
/// Without an executor the pool runs one thread of its own. Given one (`pool(io.get_executor())`)
/// it runs there and starts no thread: the workers start, and results arrive, only while that
/// context runs. Completion handlers run on their associated executor, the pool's by default.
/// So never wait for a result (`get()`, `apply`, `map`, `join`) on a thread that the pool's
/// executor needs to deliver it; and do not destroy a pool from one of its own handlers.
///
/// apply, apply_async, map, map_async, imap, imap_unordered, close, join, terminate, size and
/// get_executor: see `basic_pool`, shared with `multiproc::mpi::pool`.
class MULTIPROC_DECL pool : public basic_pool
{
public:
    /// The largest size a pool takes: far more workers than any machine has cores, so that a
    /// larger number is a mistake (a negative number made unsigned, say), refused before
    /// anything starts. A size within it that the system cannot start (process or descriptor
    /// limits) fails the tasks with the reason, as any start failure does.
    static constexpr std::size_t max_size = 4096;

    /// `size` workers; 0: `cpu_count()`. They start in the background; tasks given meanwhile
    /// go one to each worker, to run as it comes up. If they cannot be started, every task
    /// fails with the reason. Throws `system_error` with `errc::invalid_argument`, naming the
    /// size, if `size` is more than `max_size`.
    explicit pool(std::size_t size = 0, pool_options options = {})
        : basic_pool(detail::make_pool(size, std::move(options), nullptr))
    {}
    /// A pool run on `executor` (embedding in an Asio application).
    explicit pool(const executor_type& executor, std::size_t size = 0, pool_options options = {})
        : basic_pool(detail::make_pool(size, std::move(options), &executor))
    {}
    /// A pool run on an execution context (an `io_context`).
    template <class Context, class = std::enable_if_t<
                                 std::is_convertible_v<Context&, boost::asio::execution_context&>>>
    explicit pool(Context& context, std::size_t size = 0, pool_options options = {})
        : pool(executor_type(context.get_executor()), size, std::move(options))
    {}

    /// `function(args...)` for every tuple of arguments in `items` (Python's starmap).
    template <class F, class Range>
    auto starmap(F function, const Range& items, std::size_t chunksize = 0)
    {
        return starmap_async(function, items, chunksize).get();
    }
    /// `starmap` without waiting, as `map_async`: an `async_result<std::vector<R>>`, or with a
    /// completion token for `void(error_code, std::vector<R>)`.
    template <class F, class Range, class... Token>
    auto starmap_async(F function, const Range& items, std::size_t chunksize = 0, Token&&... token)
    {
        return map_job(function, items, chunksize, item_arguments<F, true>{},
                       std::forward<Token>(token)...);
    }

    /// How many tasks are queued, running, done and failed, and how many workers were replaced.
    pool_stats stats() const { return detail::pool_get_stats(*core_); }
};

} // namespace multiproc

#endif
