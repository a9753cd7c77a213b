// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_DETAIL_POOL_JOB_HPP
#define MULTIPROC_DETAIL_POOL_JOB_HPP

// A pool's job: the task messages of one call (apply: one; map: its chunks), sent to a backend
// (pool_backend.hpp) and gathered into one result for an async_result, a completion handler or
// an imap stream.

#include <multiproc/detail/config.hpp>
#include <multiproc/detail/handles.hpp>
#include <multiproc/detail/pool_backend.hpp>
#include <multiproc/detail/spin.hpp>
#include <multiproc/error.hpp>
#include <multiproc/task.hpp>

// The Asio parts a completion token needs (measured: about 0.2 s more to compile this header).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace multiproc::detail {

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

/// The exception a failed outcome stands for.
MULTIPROC_DECL std::exception_ptr outcome_error(const task_outcome& outcome);
/// The error code an exception from a task stands for (completion handlers get only a code).
MULTIPROC_DECL error_code error_code_of(const std::exception_ptr& error) noexcept;
/// Refuses handles that need inheritance: pool workers are already running.
MULTIPROC_DECL void check_no_inherited_handles(inheritance_scope& scope);

/// Takes up to `chunksize` items from `next..end` and encodes them as one task message;
/// `convert` makes the function's argument tuple of an item. If reading the input throws, the
/// exception leaves this call; or, given `input_error`, it is stored there and the chunk holds
/// the items before the failing one (a stream delivers their results before the exception).
template <class Tuple, class It, class End, class Convert>
encoded_chunk encode_chunk(It& next, const End& end, std::size_t chunksize, Convert& convert,
                           std::exception_ptr* input_error = nullptr)
{
    std::vector<Tuple> sets;
    sets.reserve(chunksize);
    try {
        for (; sets.size() < chunksize && next != end; ++next)
            sets.push_back(convert(*next));
    } catch (...) {
        if (!input_error)
            throw;
        *input_error = std::current_exception();
    }
    encoded_chunk chunk;
    chunk.count = static_cast<std::uint32_t>(sets.size());
    if (!sets.empty()) {
        inheritance_scope scope;
        chunk.arguments = encode_argument_sets(sets);
        check_no_inherited_handles(scope);
    }
    return chunk;
}

/// A value type for every result, `void` included.
template <class R>
using value_t = std::conditional_t<std::is_void_v<R>, char, R>;

/// What a job (one or more task messages) gives: a value, or what stopped it: the outcome
/// that failed, as the backend gave it (a code to the edge: only `get()` makes an exception of
/// it), or the exception of a result that would not decode.
template <class T>
struct job_result
{
    task_outcome failure;            // failure.ec set: the job failed so
    std::exception_ptr decode_error; // a result that would not decode
    std::optional<T> value;

    bool failed() const noexcept { return failure.ec || decode_error; }
    /// The code a completion handler gets.
    error_code code() const noexcept
    {
        return decode_error ? error_code_of(decode_error) : failure.ec;
    }
    /// The exception `get()` throws (only once failed()).
    std::exception_ptr exception() const
    {
        return decode_error ? decode_error : outcome_error(failure);
    }
};

/// The outcomes of a job's task messages, in order.
struct outcome_span
{
    task_outcome* first = nullptr;
    std::size_t count = 0;
    std::size_t size() const noexcept { return count; }
    task_outcome& operator[](std::size_t i) const noexcept { return first[i]; }
};

/// The result of one task message for `apply`: its single value.
template <class R>
job_result<value_t<R>> single_result(outcome_span outcomes)
{
    task_outcome& outcome = outcomes[0];
    job_result<value_t<R>> r;
    try {
        if (outcome.ec) {
            r.failure = std::move(outcome);
        } else if constexpr (std::is_void_v<R>) {
            r.value.emplace('\0');
        } else {
            R value = make_empty<R>();
            decode_with<is_raw_v<R>>(outcome.results.view(), [&](auto& in) { in >> value; });
            r.value.emplace(std::move(value));
        }
    } catch (...) {
        r.decode_error = std::current_exception();
    }
    return r;
}

/// Sends every chunk of a job and calls `deliver(job_result<T>)` once, when all have ended:
/// `finish(outcomes)` makes the value from the chunks' outcomes, in order.
template <class T, class Finish, class Deliver>
void run_job(pool_backend& pool, std::uint64_t first_id, const task_entry& task, chunk_list chunks,
             Finish finish, Deliver deliver)
{
    struct gather
    {
        gather(std::size_t n, Finish&& f, Deliver&& d)
            : left(n), outcomes(n), finish(std::move(f)), deliver(std::move(d))
        {}
        std::mutex mutex;
        std::size_t left;
        std::vector<task_outcome> outcomes;
        Finish finish;
        Deliver deliver;
    };
    if (chunks.empty()) { // nothing to run: complete off this call, as every job does
        auto d = std::make_shared<Deliver>(std::move(deliver));
        boost::asio::post(pool.executor(), [d, finish = std::move(finish)]() mutable {
            (*d)(finish(outcome_span{}));
        });
        return;
    }
    if (chunks.size() == 1) { // no gathering
        pool.submit(first_id, task, std::move(chunks[0]),
                    [finish = std::move(finish),
                     deliver = std::move(deliver)](task_outcome&& outcome) mutable {
                        deliver(finish(outcome_span{&outcome, 1}));
                    });
        return;
    }
    auto g = std::make_shared<gather>(chunks.size(), std::move(finish), std::move(deliver));
    for (std::size_t i = 0; i < chunks.size(); ++i)
        pool.submit(first_id + i, task, std::move(chunks[i]), [g, i](task_outcome&& outcome) {
            {
                std::lock_guard<std::mutex> lock(g->mutex);
                g->outcomes[i] = std::move(outcome);
                if (--g->left != 0)
                    return;
            }
            g->deliver(g->finish(outcome_span{g->outcomes.data(), g->outcomes.size()}));
        });
}

/// The value of a job made of map chunks: every result, in order, or the first failure.
template <class R>
struct map_finish
{
    std::vector<std::uint32_t> counts;
    job_result<std::vector<R>> operator()(outcome_span outcomes) const
    {
        job_result<std::vector<R>> r;
        try {
            std::vector<R> values;
            std::size_t total = 0;
            for (std::uint32_t c : counts)
                total += c;
            values.reserve(total);
            for (std::size_t i = 0; i < outcomes.size(); ++i) {
                if (outcomes[i].ec) {
                    r.failure = std::move(outcomes[i]);
                    return r;
                }
                decode_results(outcomes[i].results.view(), counts[i], values);
            }
            r.value.emplace(std::move(values));
        } catch (...) {
            r.decode_error = std::current_exception();
        }
        return r;
    }
};

/// How long a caller waiting for a task's result spins before it sleeps (see spin_until).
inline constexpr std::chrono::microseconds result_spin{50};

/// Spins (see spin_until) until `ready()`, completing finished results on this thread meanwhile
/// (pool_backend::help). True once ready; false: the caller is to block.
template <class Ready>
bool spin_helping(pool_backend& pool, Ready ready)
{
    struct helper
    {
        pool_backend& pool;
        bool helping = false;
        ~helper()
        {
            if (helping)
                pool.stop_helping();
        }
    } h{pool};
    return spin_until(
        [&] {
            h.helping = h.pool.help(h.helping);
            return ready();
        },
        result_spin);
}

/// The state an async_result shares with the job that completes it. `result` is written once,
/// before `done`; it is read only after `done`.
template <class T>
struct result_state
{
    std::atomic<bool> done{false};
    std::mutex mutex; // for `ready`
    std::condition_variable ready;
    job_result<T> result;
    std::weak_ptr<pool_backend> pool; // whose results a waiting caller may complete (help)

    void complete(job_result<T>&& r)
    {
        result = std::move(r);
        std::lock_guard<std::mutex> lock(mutex);
        done.store(true, std::memory_order_release);
        ready.notify_all();
    }
    bool is_done() const noexcept { return done.load(std::memory_order_acquire); }
};

/// Starts a job whose completion goes to an Asio completion handler, `void(error_code)` for a
/// void task, `void(error_code, T)` otherwise. The handler runs on its associated executor
/// (the pool's by default); its cancellation slot cancels the job.
template <class T, bool Void>
struct initiate_job
{
    std::shared_ptr<pool_backend> pool;

    template <class Handler, class Finish>
    void operator()(Handler&& handler, const task_entry* task, chunk_list chunks,
                    Finish finish) const
    {
        namespace asio = boost::asio;
        auto work = asio::make_work_guard(asio::get_associated_executor(handler, pool->executor()));
        const std::size_t n = chunks.size();
        const std::uint64_t first = pool->reserve_ids(n);
        auto slot = asio::get_associated_cancellation_slot(handler);
        if (slot.is_connected())
            slot.assign(
                [p = pool, first, n](asio::cancellation_type type) { p->cancel(first, n, type); });
        auto h = std::make_shared<std::decay_t<Handler>>(std::forward<Handler>(handler));
        run_job<T>(*pool, first, *task, std::move(chunks), std::move(finish),
                   [h, work](job_result<T>&& r) mutable {
                       const error_code ec = r.code();
                       asio::post(work.get_executor(), [h, ec, r = std::move(r)]() mutable {
                           asio::get_associated_cancellation_slot(*h).clear();
                           if constexpr (Void)
                               std::move (*h)(ec);
                           else
                               std::move (*h)(ec, r.value ? std::move(*r.value) : make_empty<T>());
                       });
                       work.reset();
                   });
    }
};

/// Holds a range for a lazy stream: a reference to an lvalue, the object itself otherwise.
template <class Range>
using held_range_t = std::conditional_t<std::is_lvalue_reference_v<Range>, Range,
                                        std::remove_cv_t<std::remove_reference_t<Range>>>;

/// What an imap stream shares with the tasks it sent: their outcomes, by chunk number.
struct stream_state
{
    std::mutex mutex;
    std::condition_variable arrived;
    std::map<std::size_t, task_outcome> outcomes;
};
} // namespace multiproc::detail

#endif
