// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_POOL_HPP
#define MULTIPROC_POOL_HPP

/// @file
/// `multiproc::pool`: Python's `multiprocessing.Pool`, a fixed set of worker processes run by an
/// Asio-driven supervisor, that survives workers that crash. Results arrive in an
/// `async_result`, or through any Asio completion token.

#include <multiproc/detail/handles.hpp>
#include <multiproc/detail/pool_backend.hpp>
#include <multiproc/detail/spin.hpp>
#include <multiproc/error.hpp>
#include <multiproc/process.hpp>
#include <multiproc/task.hpp>
#include <multiproc/this_process.hpp>

// The Asio parts a completion token needs (measured: about 0.2 s more to compile this header).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/container/small_vector.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <iterator>
#include <map>
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
    /// The error of an exception of type `type` whose `what()` was `what`.
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
std::shared_ptr<pool_backend> make_pool(std::size_t size, pool_options options,
                                        const boost::asio::any_io_executor* executor);
/// The counts of a backend made by make_pool.
pool_stats pool_get_stats(pool_backend& pool);

/// The exception a failed outcome stands for.
std::exception_ptr outcome_error(const task_outcome& outcome);
/// The error code an exception from a task stands for (completion handlers get only a code).
error_code error_code_of(const std::exception_ptr& error) noexcept;
/// Refuses handles that need inheritance: pool workers are already running.
void check_no_inherited_handles(inheritance_scope& scope);

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

/// What a job (one or more task messages) gives: a value, or the exception that stopped it.
template <class T>
struct job_result
{
    std::exception_ptr error;
    std::optional<T> value;
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
            r.error = outcome_error(outcome);
        } else if constexpr (std::is_void_v<R>) {
            r.value.emplace('\0');
        } else {
            R value = make_empty<R>();
            decode_with<is_raw_v<R>>(outcome.results.view(), [&](auto& in) { in >> value; });
            r.value.emplace(std::move(value));
        }
    } catch (...) {
        r.error = std::current_exception();
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
                    r.error = outcome_error(outcomes[i]);
                    return r;
                }
                decode_results(outcomes[i].results.view(), counts[i], values);
            }
            r.value.emplace(std::move(values));
        } catch (...) {
            r.error = std::current_exception();
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
                       const error_code ec = r.error ? error_code_of(r.error) : error_code();
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
} // namespace detail

/// The result of `apply_async` or `map_async` (Python's AsyncResult).
template <class R>
class async_result
{
public:
    /// @cond MULTIPROC_INTERNAL
    explicit async_result(std::shared_ptr<detail::result_state<detail::value_t<R>>> state) noexcept
        : state_(std::move(state))
    {}
    /// @endcond

    /// Waits for the task; returns its value or throws what stopped it: `remote_error` for an
    /// exception in the task, `system_error` with `error::worker_died` if its worker died.
    R get()
    {
        wait();
        if (state_->result.error)
            std::rethrow_exception(state_->result.error);
        if constexpr (!std::is_void_v<R>)
            return std::move(*state_->result.value);
    }
    /// Waits until the task has finished, successfully or not.
    void wait()
    {
        if (state_->is_done())
            return;
        if (auto pool = state_->pool.lock())
            if (detail::spin_helping(*pool, [&] { return state_->is_done(); }))
                return;
        std::unique_lock<std::mutex> lock(state_->mutex);
        state_->ready.wait(lock, [&] { return state_->is_done(); });
    }
    /// Waits at most `timeout`; true once the task has finished.
    template <class Rep, class Period>
    bool wait_for(std::chrono::duration<Rep, Period> timeout)
    {
        std::unique_lock<std::mutex> lock(state_->mutex);
        return state_->ready.wait_until(lock, detail::deadline_after(timeout),
                                        [&] { return state_->is_done(); });
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
    /// True once the task has finished (Python's `ready()`).
    bool ready() const { return state_->is_done(); }
    /// True if the task finished without an error (only once ready()).
    bool successful() const { return state_->is_done() && !state_->result.error; }

private:
    std::shared_ptr<detail::result_state<detail::value_t<R>>> state_;
};

/// The results of `imap` (in order) or `imap_unordered` (as they finish): a stream read with
/// `next()` or a range-for. Items are sent as the stream is read, a bounded number of chunks
/// ahead, so a stream over any number of items runs in bounded memory (Python's imap reads its
/// whole input at once). A failed chunk throws from `next()` where its results would be; the
/// stream goes on after it. If the input throws (reading or encoding an item), or the pool
/// takes no more tasks (closed, terminated), the input ends there: `next()` gives the results
/// of every item before it (in order for imap, in any order for imap_unordered), then throws
/// that exception once, then gives nothing.
template <class R>
class imap_stream
{
public:
    /// The next result, or nothing at the end.
    std::optional<R> next()
    {
        for (;;) {
            if (taken_ < ready_.size())
                return std::optional<R>(std::move(ready_[taken_++]));
            ready_.clear();
            taken_ = 0;
            top_up();
            if (in_flight_ == 0) { // every result before the input's end is taken
                if (input_error_)
                    std::rethrow_exception(std::exchange(input_error_, nullptr));
                return std::nullopt;
            }
            std::unique_lock<std::mutex> lock(shared_->mutex);
            shared_->arrived.wait(lock, [&] {
                return ordered_ ? shared_->outcomes.count(next_chunk_) != 0
                                : !shared_->outcomes.empty();
            });
            auto it = ordered_ ? shared_->outcomes.find(next_chunk_) : shared_->outcomes.begin();
            detail::task_outcome outcome = std::move(it->second);
            const std::uint32_t count = counts_.at(it->first);
            counts_.erase(it->first);
            shared_->outcomes.erase(it);
            lock.unlock();
            ++next_chunk_;
            --in_flight_;
            if (outcome.ec)
                std::rethrow_exception(detail::outcome_error(outcome));
            detail::decode_results(outcome.results.view(), count, ready_);
        }
    }

    /// An input iterator over what `next()` gives.
    class iterator
    {
    public:
        /// The types of an input iterator over `R`.
        ///@{
        using iterator_category = std::input_iterator_tag;
        using value_type = R;
        using difference_type = std::ptrdiff_t;
        using pointer = const R*;
        using reference = const R&;
        ///@}

        /// The end.
        iterator() = default;
        /// At the first result of `stream`, which it reads.
        explicit iterator(imap_stream* stream) : stream_(stream) { ++*this; }
        /// The current result.
        ///@{
        const R& operator*() const { return *current_; }
        const R* operator->() const { return &*current_; }
        ///@}
        /// Reads the next result; at the end it equals `iterator()`.
        ///@{
        iterator& operator++()
        {
            current_ = stream_->next();
            if (!current_)
                stream_ = nullptr;
            return *this;
        }
        void operator++(int) { ++*this; }
        ///@}
        /// Two iterators are equal when both are at the end (or are the same iterator).
        ///@{
        bool operator==(const iterator& other) const { return stream_ == other.stream_; }
        bool operator!=(const iterator& other) const { return stream_ != other.stream_; }
        ///@}

    private:
        imap_stream* stream_ = nullptr;
        std::optional<R> current_;
    };
    /// Starts reading: an iterator at the next result.
    iterator begin() { return iterator(this); }
    /// The end of the stream.
    iterator end() { return iterator(); }

    /// @cond MULTIPROC_INTERNAL
    imap_stream(std::shared_ptr<detail::pool_backend> pool, const detail::task_entry& task,
                std::function<detail::encoded_chunk(std::exception_ptr&)> next_chunk,
                std::size_t window, bool ordered)
        : pool_(std::move(pool)), task_(&task), next_chunk_of_input_(std::move(next_chunk)),
          window_(window), ordered_(ordered), shared_(std::make_shared<detail::stream_state>())
    {}
    /// @endcond

private:
    // Sends chunks until `window_` are out or the input ends: at its end, or at the first
    // exception from reading it, encoding it or sending it (kept in `input_error_`).
    void top_up()
    {
        while (!input_done_ && in_flight_ < window_) {
            try {
                detail::encoded_chunk chunk = next_chunk_of_input_(input_error_);
                if (chunk.count == 0)
                    input_done_ = true;
                else
                    send(std::move(chunk));
            } catch (...) {
                if (!input_error_)
                    input_error_ = std::current_exception();
            }
            if (input_error_)
                input_done_ = true;
        }
    }

    void send(detail::encoded_chunk chunk)
    {
        const std::size_t number = sent_;
        counts_[number] = chunk.count;
        try {
            pool_->submit(pool_->reserve_ids(1), *task_, std::move(chunk),
                          [s = shared_, number](detail::task_outcome&& outcome) {
                              std::lock_guard<std::mutex> lock(s->mutex);
                              s->outcomes.emplace(number, std::move(outcome));
                              s->arrived.notify_all();
                          });
        } catch (...) { // not sent: no outcome will come
            counts_.erase(number);
            throw;
        }
        ++sent_;
        ++in_flight_;
    }

    std::shared_ptr<detail::pool_backend> pool_;
    const detail::task_entry* task_;
    std::function<detail::encoded_chunk(std::exception_ptr&)> next_chunk_of_input_;
    std::size_t window_;
    bool ordered_;
    std::shared_ptr<detail::stream_state> shared_;
    std::map<std::size_t, std::uint32_t> counts_; // of the chunks in flight
    std::vector<R> ready_;                        // decoded; taken from `taken_` on
    std::size_t taken_ = 0;
    std::size_t sent_ = 0;
    std::size_t next_chunk_ = 0;
    std::size_t in_flight_ = 0;
    bool input_done_ = false;
    std::exception_ptr input_error_; // what ended the input, thrown once all before it is taken
};

namespace detail {
/// What `multiproc::pool` and `multiproc::mpi::pool` share: the calls that run tasks, over the
/// backend that runs them.
class basic_pool
{
public:
    /// The executor that runs the supervisor and, by default, completion handlers.
    using executor_type = boost::asio::any_io_executor;

    basic_pool(const basic_pool&) = delete;
    basic_pool& operator=(const basic_pool&) = delete;

    /// The pool's executor: the given one, or its own thread's.
    executor_type get_executor() const { return core_->executor(); }

    /// Runs `function(args...)` in a worker and waits for its result.
    template <class F, class... Args>
    auto apply(F function, Args&&... args)
    {
        return apply_async(function, std::forward<Args>(args)...).get();
    }

    /// Runs `function(args...)` in a worker. Returns an `async_result`; or, with one argument
    /// more than the function takes, that last one is an Asio completion token for
    /// `void(error_code, R)` (`void(error_code)` if R is void): a callback (Python's
    /// callback/error_callback), `use_future`, `deferred`, `use_awaitable`...
    ///
    /// A handler gets the error's code only (`error::remote_exception`, `error::worker_died`,
    /// `error::timeout`, `asio::error::operation_aborted` when cancelled); `async_result::get`
    /// throws the full `remote_error`. Cancellation through the handler's slot: a queued task is
    /// dropped; in `multiproc::pool` a running one's worker is interrupted (total), asked to
    /// exit (partial) or killed (terminal), then replaced; on Windows all three kill the worker.
    /// (`multiproc::mpi::pool` completes a running one at once; see there.)
    template <class F, class... Args>
    auto apply_async(F function, Args&&... args)
    {
        using R = typename function_traits<F>::result;
        constexpr std::size_t arity = std::tuple_size_v<typename function_traits<F>::arguments>;
        const task_entry& task = detail::registered_task(function);
        chunk_list chunks(1);
        if constexpr (sizeof...(Args) == arity + 1) {
            auto all = std::forward_as_tuple(std::forward<Args>(args)...);
            chunks[0] = {encode_call(function, all, std::make_index_sequence<arity>{}), 1};
            return start<R>(
                task, std::move(chunks), &detail::single_result<R>,
                std::forward<std::tuple_element_t<arity, decltype(all)>>(std::get<arity>(all)));
        } else {
            chunks[0] = {encode_call(function, std::forward_as_tuple(std::forward<Args>(args)...),
                                     std::make_index_sequence<sizeof...(Args)>{}),
                         1};
            return start<R>(task, std::move(chunks), &detail::single_result<R>);
        }
    }

    /// `function(item)` for every item, in order, sent in chunks of `chunksize` items
    /// (0: Python's choice, about four chunks per worker). Throws what stopped the first
    /// failing chunk.
    template <class F, class Range>
    auto map(F function, const Range& items, std::size_t chunksize = 0)
    {
        return map_async(function, items, chunksize).get();
    }
    /// `map` without waiting: an `async_result<std::vector<R>>`, or with a completion token
    /// for `void(error_code, std::vector<R>)`. `items` is read (and encoded) within this call:
    /// if that throws, the exception leaves the call and nothing is sent.
    template <class F, class Range, class... Token>
    auto map_async(F function, const Range& items, std::size_t chunksize = 0, Token&&... token)
    {
        return map_job(function, items, chunksize, item_arguments<F, false>{},
                       std::forward<Token>(token)...);
    }

    /// The results of `function(item)` as a stream, in order (Python's imap). Items are read
    /// from `items` as the stream is read; an lvalue range must outlive the stream, an rvalue
    /// one is kept in it. If reading `items` throws, the stream gives the results of the items
    /// before, then that exception, then its end (see `imap_stream`).
    template <class F, class Range>
    auto imap(F function, Range&& items, std::size_t chunksize = 1)
    {
        return stream(function, std::forward<Range>(items), chunksize, true);
    }
    /// The same, each result as soon as it is ready (Python's imap_unordered).
    template <class F, class Range>
    auto imap_unordered(F function, Range&& items, std::size_t chunksize = 1)
    {
        return stream(function, std::forward<Range>(items), chunksize, false);
    }

    /// Takes no more tasks; the queued ones still run (then `multiproc::pool`'s workers exit).
    void close() noexcept { core_->close(); }
    /// Waits until every task has ended and `multiproc::pool`'s workers have exited; call
    /// `close()` (or `terminate()`) first.
    void join() { core_->join(); }
    /// Fails the unfinished tasks with `error::pool_closed`. `multiproc::pool` stops its
    /// workers now; `multiproc::mpi::pool` waits for the worker ranks to end the tasks they are
    /// running.
    void terminate() noexcept { core_->terminate(); }
    /// The number of workers (worker ranks for `multiproc::mpi::pool`).
    std::size_t size() const noexcept { return core_->size(); }

protected:
    explicit basic_pool(std::shared_ptr<pool_backend> core) : core_(std::move(core)) {}
    ~basic_pool() { terminate(); }

    // Runs a map job: `convert` makes the function's argument tuple of an item.
    template <class F, class Range, class Convert, class... Token>
    auto map_job(F function, const Range& items, std::size_t chunksize, Convert convert,
                 Token&&... token)
    {
        using R = typename function_traits<F>::result;
        static_assert(!std::is_void_v<R>, "a pool's map needs a function that returns");
        static_assert(sizeof...(Token) <= 1, "one completion token at most");
        using arguments = typename function_traits<F>::arguments;
        const task_entry& task = detail::registered_task(function);
        if (chunksize == 0) { // Python's: four chunks per worker
            const auto n =
                static_cast<std::size_t>(std::distance(std::begin(items), std::end(items)));
            chunksize = std::max<std::size_t>(1, (n + 4 * size() - 1) / (4 * size()));
        }
        chunk_list chunks;
        map_finish<R> finish;
        auto next = std::begin(items);
        const auto end = std::end(items);
        while (next != end) {
            chunks.push_back(detail::encode_chunk<arguments>(next, end, chunksize, convert));
            finish.counts.push_back(chunks.back().count);
        }
        return start<std::vector<R>>(task, std::move(chunks), std::move(finish),
                                     std::forward<Token>(token)...);
    }

    // The function's argument tuple of an item: the item itself (map), or its elements
    // (starmap).
    template <class F, bool Unpack>
    struct item_arguments
    {
        template <class Item>
        typename function_traits<F>::arguments operator()(const Item& item) const
        {
            using arguments = typename function_traits<F>::arguments;
            if constexpr (Unpack)
                return std::apply([](const auto&... a) { return arguments(a...); }, item);
            else
                return arguments(item);
        }
    };

    std::shared_ptr<pool_backend> core_;

private:
    template <class F, class Tuple, std::size_t... I>
    static std::string encode_call(F function, Tuple&& args, std::index_sequence<I...>)
    {
        inheritance_scope scope;
        std::string encoded = detail::encode_arguments(
            function,
            std::forward<std::tuple_element_t<I, std::decay_t<Tuple>>>(std::get<I>(args))...);
        detail::check_no_inherited_handles(scope);
        return encoded;
    }

    // Runs a job: into an async_result, or into a completion token.
    template <class R, class Finish, class... Token>
    auto start(const task_entry& task, chunk_list chunks, Finish finish, Token&&... token)
    {
        using T = value_t<R>;
        if constexpr (sizeof...(Token) == 0) {
            auto state = std::make_shared<result_state<T>>();
            if (core_->helps_waiters())
                state->pool = core_;
            const std::uint64_t first = core_->reserve_ids(chunks.size());
            detail::run_job<T>(*core_, first, task, std::move(chunks), std::move(finish),
                               [state](job_result<T>&& r) { state->complete(std::move(r)); });
            return multiproc::async_result<R>(std::move(state));
        } else {
            using signature =
                std::conditional_t<std::is_void_v<R>, void(error_code), void(error_code, T)>;
            return boost::asio::async_initiate<Token..., signature>(
                initiate_job<T, std::is_void_v<R>>{core_}, token..., &task, std::move(chunks),
                std::move(finish));
        }
    }

    template <class F, class Range>
    auto stream(F function, Range&& items, std::size_t chunksize, bool ordered)
    {
        using R = typename function_traits<F>::result;
        static_assert(!std::is_void_v<R>, "a pool's imap needs a function that returns");
        using arguments = typename function_traits<F>::arguments;
        const task_entry& task = detail::registered_task(function);
        chunksize = std::max<std::size_t>(1, chunksize);
        struct input
        {
            held_range_t<Range> range;
            decltype(std::begin(range)) next;
            decltype(std::end(range)) end;
        };
        auto in = std::make_shared<input>(input{std::forward<Range>(items), {}, {}});
        in->next = std::begin(in->range);
        in->end = std::end(in->range);
        auto next_chunk = [in, chunksize](std::exception_ptr& input_error) {
            item_arguments<F, false> convert;
            return detail::encode_chunk<arguments>(in->next, in->end, chunksize, convert,
                                                   &input_error);
        };
        // Enough chunks ahead to keep every worker busy (an MPI rank through the batches in
        // flight), few enough to bound the memory.
        const std::size_t window = std::max<std::size_t>(2 * size(), 256 * size() / chunksize);
        return multiproc::imap_stream<R>(core_, task, std::move(next_chunk), window, ordered);
    }
};
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
/// get_executor: see `detail::basic_pool`, shared with `multiproc::mpi::pool`.
class pool : public detail::basic_pool
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
