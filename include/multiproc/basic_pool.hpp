// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_BASIC_POOL_HPP
#define MULTIPROC_BASIC_POOL_HPP

/// @file
/// `multiproc::basic_pool`: the calls `multiproc::pool` and `multiproc::mpi::pool` share
/// (apply, map, imap and their asynchronous forms; close, join, terminate).

#include <multiproc/detail/config.hpp>

#include <multiproc/async_result.hpp>
#include <multiproc/detail/pool_job.hpp>
#include <multiproc/imap_stream.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <iterator>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

namespace multiproc {

/// What `multiproc::pool` and `multiproc::mpi::pool` share: the calls that run tasks, over the
/// backend that runs them (local worker processes, MPI ranks). Not made directly: construct
/// one of those.
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
        using R = typename detail::function_traits<F>::result;
        constexpr std::size_t arity =
            std::tuple_size_v<typename detail::function_traits<F>::arguments>;
        const detail::task_entry& task = detail::registered_task(function);
        detail::chunk_list chunks(1);
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
    /// A pool over `core`: `multiproc::pool` and `multiproc::mpi::pool` make theirs.
    explicit basic_pool(std::shared_ptr<detail::pool_backend> core) : core_(std::move(core)) {}
    ~basic_pool() { terminate(); }

    /// Runs a map job: `convert` makes the function's argument tuple of an item.
    template <class F, class Range, class Convert, class... Token>
    auto map_job(F function, const Range& items, std::size_t chunksize, Convert convert,
                 Token&&... token)
    {
        using R = typename detail::function_traits<F>::result;
        static_assert(!std::is_void_v<R>, "a pool's map needs a function that returns");
        static_assert(sizeof...(Token) <= 1, "one completion token at most");
        using arguments = typename detail::function_traits<F>::arguments;
        const detail::task_entry& task = detail::registered_task(function);
        if (chunksize == 0) { // Python's: four chunks per worker
            const auto n =
                static_cast<std::size_t>(std::distance(std::begin(items), std::end(items)));
            chunksize = std::max<std::size_t>(1, (n + 4 * size() - 1) / (4 * size()));
        }
        detail::chunk_list chunks;
        detail::map_finish<R> finish;
        auto next = std::begin(items);
        const auto end = std::end(items);
        while (next != end) {
            chunks.push_back(detail::encode_chunk<arguments>(next, end, chunksize, convert));
            finish.counts.push_back(chunks.back().count);
        }
        return start<std::vector<R>>(task, std::move(chunks), std::move(finish),
                                     std::forward<Token>(token)...);
    }

    /// The function's argument tuple of an item: the item itself (map), or its elements
    /// (starmap).
    template <class F, bool Unpack>
    struct item_arguments
    {
        /// The argument tuple of `item`.
        template <class Item>
        typename detail::function_traits<F>::arguments operator()(const Item& item) const
        {
            using arguments = typename detail::function_traits<F>::arguments;
            if constexpr (Unpack)
                return std::apply([](const auto&... a) { return arguments(a...); }, item);
            else
                return arguments(item);
        }
    };

    /// The backend: the local or the MPI pool's core.
    std::shared_ptr<detail::pool_backend> core_;

private:
    template <class F, class Tuple, std::size_t... I>
    static std::string encode_call(F function, Tuple&& args, std::index_sequence<I...>)
    {
        detail::inheritance_scope scope;
        std::string encoded = detail::encode_arguments(
            function,
            std::forward<std::tuple_element_t<I, std::decay_t<Tuple>>>(std::get<I>(args))...);
        detail::check_no_inherited_handles(scope);
        return encoded;
    }

    // Runs a job: into an async_result, or into a completion token.
    template <class R, class Finish, class... Token>
    auto start(const detail::task_entry& task, detail::chunk_list chunks, Finish finish,
               Token&&... token)
    {
        using T = detail::value_t<R>;
        if constexpr (sizeof...(Token) == 0) {
            auto state = std::make_shared<detail::result_state<T>>();
            if (core_->helps_waiters())
                state->pool = core_;
            const std::uint64_t first = core_->reserve_ids(chunks.size());
            detail::run_job<T>(
                *core_, first, task, std::move(chunks), std::move(finish),
                [state](detail::job_result<T>&& r) { state->complete(std::move(r)); });
            return multiproc::async_result<R>(std::move(state));
        } else {
            using signature =
                std::conditional_t<std::is_void_v<R>, void(error_code), void(error_code, T)>;
            return boost::asio::async_initiate<Token..., signature>(
                detail::initiate_job<T, std::is_void_v<R>>{core_}, token..., &task,
                std::move(chunks), std::move(finish));
        }
    }

    template <class F, class Range>
    auto stream(F function, Range&& items, std::size_t chunksize, bool ordered)
    {
        using R = typename detail::function_traits<F>::result;
        static_assert(!std::is_void_v<R>, "a pool's imap needs a function that returns");
        using arguments = typename detail::function_traits<F>::arguments;
        const detail::task_entry& task = detail::registered_task(function);
        chunksize = std::max<std::size_t>(1, chunksize);
        struct input
        {
            detail::held_range_t<Range> range;
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

} // namespace multiproc

#endif
