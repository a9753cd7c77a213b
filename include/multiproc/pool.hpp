// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_POOL_HPP
#define MULTIPROC_POOL_HPP

/// @file
/// `multiproc::pool`: Python's `multiprocessing.Pool`, a fixed set of worker processes run by a
/// supervisor, that survives workers that crash.

#include <multiproc/error.hpp>
#include <multiproc/detail/handles.hpp>
#include <multiproc/task.hpp>
#include <multiproc/this_process.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace multiproc {

namespace detail {
/// The registry entry of a pool task; throws `error::unregistered_task` if there is none.
template <class F>
const task_entry& registered_task(F function)
{
    static_assert(is_function_pointer_v<F>, "multiproc::pool runs free functions registered "
                                            "with MULTIPROC_TASK");
    const task_entry* task = find_task(reinterpret_cast<generic_function>(function));
    if (!task)
        throw_unregistered("multiproc::pool");
    return *task;
}
} // namespace detail

/// A task's exception, arrived from the worker: its type name and `what()` (Python's
/// RemoteTraceback). Its code is `error::remote_exception`.
class remote_error : public system_error
{
public:
    remote_error(std::string type, std::string what)
        : system_error(make_error_code(error::remote_exception), type + ": " + what),
          type_(std::move(type)), message_(std::move(what))
    {}
    /// The exception's type, demangled ("std::runtime_error").
    const std::string& type() const noexcept { return type_; }
    /// Its `what()`.
    const std::string& message() const noexcept { return message_; }

private:
    std::string type_;
    std::string message_;
};

/// Settings of a pool (Python's `Pool(processes, initializer, initargs, maxtasksperchild)`,
/// and a per-task timeout Python does not have).
struct pool_options
{
    /// A task still running after this long is stopped: its worker is killed and replaced, and
    /// the task fails with `error::timeout`. Zero: no limit.
    std::chrono::milliseconds task_timeout{0};
    /// A worker is replaced after this many tasks (Python's maxtasksperchild). Zero: never.
    std::size_t max_tasks_per_child = 0;

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

    const detail::task_entry* initializer_task = nullptr;
    std::string initializer_arguments;
};

namespace detail {
struct pool_core;

/// How a task ended: results (one per argument set), or why not.
struct task_outcome
{
    error_code ec; // worker_died, remote_exception, pool_closed, ...
    std::vector<std::string> results;
    std::string exception_type; // for remote_exception
    std::string what;           // remote_exception: what(); worker_died: how it died
};
using task_callback = std::function<void(task_outcome&&)>;

std::shared_ptr<pool_core> make_pool(std::size_t size, pool_options options);
/// Queues a task; `done` runs on the supervisor's thread, exactly once.
void pool_submit(pool_core& pool, const task_entry& task, std::vector<std::string> arguments,
                 task_callback done);
void pool_close(pool_core& pool) noexcept;
void pool_join(pool_core& pool);
void pool_terminate(pool_core& pool) noexcept;
std::size_t pool_size(const pool_core& pool) noexcept;

/// The exception a failed outcome stands for.
std::exception_ptr outcome_error(const task_outcome& outcome);

/// Encodes one argument set, refusing handles that need inheritance (pool workers are already
/// running).
template <class F, class... Args>
std::string encode_pool_arguments(F function, Args&&... args)
{
    inheritance_scope scope;
    std::string encoded = encode_arguments(function, std::forward<Args>(args)...);
    if (!scope.take().handles.empty())
        throw_error(make_error_code(error::not_supported),
                    "multiproc::pool: a pipe connection cannot be passed to a pool task");
    return encoded;
}

/// The state an async_result shares with the callback that completes it.
template <class R>
struct result_state
{
    std::mutex mutex;
    std::condition_variable ready;
    bool done = false;
    std::optional<std::conditional_t<std::is_void_v<R>, char, R>> value;
    std::exception_ptr error;

    void complete(task_outcome&& outcome)
    {
        std::exception_ptr failure;
        std::optional<std::conditional_t<std::is_void_v<R>, char, R>> decoded;
        try {
            if (outcome.ec) {
                failure = outcome_error(outcome);
            } else if constexpr (std::is_void_v<R>) {
                decoded.emplace('\0');
            } else {
                auto tuple = empty_tuple<std::tuple<R>>::make();
                decode_into(outcome.results.at(0), tuple);
                decoded.emplace(std::move(std::get<0>(tuple)));
            }
        } catch (...) {
            failure = std::current_exception();
        }
        std::lock_guard<std::mutex> lock(mutex);
        value = std::move(decoded);
        error = failure;
        done = true;
        ready.notify_all();
    }
};
} // namespace detail

/// The result of `apply_async` (Python's AsyncResult).
template <class R>
class async_result
{
public:
    explicit async_result(std::shared_ptr<detail::result_state<R>> state) noexcept
        : state_(std::move(state))
    {}

    /// Waits for the task; returns its value or throws what stopped it: `remote_error` for an
    /// exception in the task, `system_error` with `error::worker_died` if its worker died.
    R get()
    {
        wait();
        std::lock_guard<std::mutex> lock(state_->mutex);
        if (state_->error)
            std::rethrow_exception(state_->error);
        if constexpr (!std::is_void_v<R>)
            return std::move(*state_->value);
    }
    void wait()
    {
        std::unique_lock<std::mutex> lock(state_->mutex);
        state_->ready.wait(lock, [&] { return state_->done; });
    }
    /// Waits at most `timeout`; true once the task has finished.
    template <class Rep, class Period>
    bool wait_for(std::chrono::duration<Rep, Period> timeout)
    {
        std::unique_lock<std::mutex> lock(state_->mutex);
        return state_->ready.wait_until(lock, detail::deadline_after(timeout),
                                        [&] { return state_->done; });
    }
    /// The value, if the task finishes within `timeout` (what stopped it is thrown).
    template <class Rep, class Period>
    std::optional<std::conditional_t<std::is_void_v<R>, bool, R>>
    get_for(std::chrono::duration<Rep, Period> timeout)
    {
        if (!wait_for(timeout))
            return std::nullopt;
        if constexpr (std::is_void_v<R>) {
            get();
            return true;
        } else {
            return get();
        }
    }
    bool ready() const
    {
        std::lock_guard<std::mutex> lock(state_->mutex);
        return state_->done;
    }
    /// True if the task finished without an error (only once ready()).
    bool successful() const
    {
        std::lock_guard<std::mutex> lock(state_->mutex);
        return state_->done && !state_->error;
    }

private:
    std::shared_ptr<detail::result_state<R>> state_;
};

/// A fixed number of worker processes that run registered tasks (Python's `Pool`).
///
/// Workers are spawned copies of this program (see `multiproc::init`). A supervisor thread
/// sends each task to an idle worker and receives its result; results arrive without the
/// caller draining anything. A worker that dies mid-task (crash, kill, `exit()` in the task)
/// fails only the task it held, with `error::worker_died`, and is replaced; every other task
/// goes on. The destructor terminates the workers (Python's `with Pool() as p:`).
class pool
{
public:
    /// `size` workers; 0: `cpu_count()`. They start in the background; if they cannot be
    /// started, every task fails with the reason.
    explicit pool(std::size_t size = 0, pool_options options = {})
        : core_(detail::make_pool(size, std::move(options)))
    {}
    ~pool() { terminate(); }
    pool(const pool&) = delete;
    pool& operator=(const pool&) = delete;

    /// Runs `function(args...)` in a worker and waits for its result.
    template <class F, class... Args>
    auto apply(F function, Args&&... args)
    {
        return apply_async(function, std::forward<Args>(args)...).get();
    }

    /// Runs `function(args...)` in a worker; the result arrives in the returned handle.
    template <class F, class... Args>
    auto apply_async(F function, Args&&... args)
    {
        using R = typename detail::function_traits<F>::result;
        const detail::task_entry& task = detail::registered_task(function);
        std::vector<std::string> arguments{
            detail::encode_pool_arguments(function, std::forward<Args>(args)...)};
        auto state = std::make_shared<detail::result_state<R>>();
        detail::pool_submit(
            *core_, task, std::move(arguments),
            [state](detail::task_outcome&& outcome) { state->complete(std::move(outcome)); });
        return async_result<R>(std::move(state));
    }

    /// `function(item)` for every item, in order, sent in chunks of `chunksize` items
    /// (0: Python's choice, about four chunks per worker). Throws what stopped the first
    /// failing chunk.
    template <class F, class Range>
    auto map(F function, const Range& items, std::size_t chunksize = 0)
    {
        using R = typename detail::function_traits<F>::result;
        static_assert(!std::is_void_v<R>, "multiproc::pool::map needs a function that returns");
        const detail::task_entry& task = detail::registered_task(function);
        std::vector<std::string> encoded;
        for (const auto& item : items)
            encoded.push_back(detail::encode_pool_arguments(function, item));
        if (chunksize == 0)
            chunksize = std::max<std::size_t>(1, (encoded.size() + 4 * size() - 1) / (4 * size()));
        struct chunk_state
        {
            std::mutex mutex;
            std::condition_variable done;
            std::size_t left = 0;
            std::vector<std::vector<std::string>> results;
            std::exception_ptr error;
        };
        auto state = std::make_shared<chunk_state>();
        const std::size_t chunks = (encoded.size() + chunksize - 1) / chunksize;
        state->left = chunks;
        state->results.resize(chunks);
        for (std::size_t c = 0; c < chunks; ++c) {
            std::vector<std::string> arguments(
                std::make_move_iterator(encoded.begin() + c * chunksize),
                std::make_move_iterator(encoded.begin() +
                                        std::min(encoded.size(), (c + 1) * chunksize)));
            detail::pool_submit(*core_, task, std::move(arguments),
                                [state, c](detail::task_outcome&& outcome) {
                                    std::lock_guard<std::mutex> lock(state->mutex);
                                    if (outcome.ec && !state->error)
                                        state->error = detail::outcome_error(outcome);
                                    state->results[c] = std::move(outcome.results);
                                    if (--state->left == 0)
                                        state->done.notify_all();
                                });
        }
        std::unique_lock<std::mutex> lock(state->mutex);
        state->done.wait(lock, [&] { return state->left == 0; });
        if (state->error)
            std::rethrow_exception(state->error);
        std::vector<R> out;
        out.reserve(encoded.size());
        for (const auto& chunk : state->results) {
            for (const auto& bytes : chunk) {
                auto value = detail::empty_tuple<std::tuple<R>>::make();
                detail::decode_into(bytes, value);
                out.push_back(std::move(std::get<0>(value)));
            }
        }
        return out;
    }

    /// Takes no more tasks; the workers exit once the queued ones are done.
    void close() noexcept { detail::pool_close(*core_); }
    /// Waits for the workers to exit; call `close()` (or `terminate()`) first.
    void join() { detail::pool_join(*core_); }
    /// Stops the workers now; unfinished tasks fail with `error::pool_closed`.
    void terminate() noexcept { detail::pool_terminate(*core_); }
    /// The number of workers.
    std::size_t size() const noexcept { return detail::pool_size(*core_); }

private:
    std::shared_ptr<detail::pool_core> core_;
};

} // namespace multiproc

#endif
