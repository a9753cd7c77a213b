// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_MPI_POOL_HPP
#define MULTIPROC_MPI_POOL_HPP

/// @file
/// `multiproc::mpi::pool`: the registered tasks of `multiproc::pool`, run on the ranks of an MPI
/// job (Boost.MPI) instead of local worker processes, so a program scales out to several
/// machines with `mpirun`. Rank 0 runs the program and supervises; every other rank is a
/// worker. Link `multiproc_mpi` (CMake: multiproc::mpi).
///
///     int main(int argc, char* argv[])
///     {
///         multiproc::mpi::environment env(argc, argv); // ranks 1.. serve tasks here, then exit
///         multiproc::mpi::pool p;                      // rank 0: every other rank is a worker
///         p.map(square, items);
///     }

#include <multiproc/pool.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

namespace multiproc::mpi {

/// MPI for the program (MPI_Init_thread, MPI_Finalize): construct one first in main, after
/// `multiproc::init`, and let it outlive every pool. On rank 0 the constructor returns and the
/// program goes on; on every other rank it serves the tasks rank 0's pools send, until rank 0's
/// environment is destroyed, then finalizes MPI and exits the process (status 0): the rest of
/// main runs on rank 0 only. A worker rank's stdout goes to rank 0 (through MPI, ahead of the
/// results of the tasks that wrote it), which prints it: the lines keep the program's order.
///
/// MPI is asked for MPI_THREAD_SERIALIZED: one thread calls MPI at a time, the pool's own thread
/// on rank 0 while the pool lives, a messenger thread on a worker rank while its main thread
/// runs the tasks (the main thread calls MPI before and after: init, finalize). Funneled is not
/// enough (those threads are not the main one); multiple would make the MPI library lock every
/// call for nothing.
class environment
{
public:
    environment(int& argc, char**& argv);
    ~environment();
    environment(const environment&) = delete;
    environment& operator=(const environment&) = delete;

    /// This process's rank (0 here: the others never return from the constructor).
    int rank() const noexcept;
    /// The number of ranks in the job (mpirun -np).
    int size() const noexcept;

private:
    struct state;
    std::unique_ptr<state> state_;
};

} // namespace multiproc::mpi

namespace multiproc::detail {
/// The MPI pool's core: the counterpart of pool_core, with the same functions, so that
/// run_job, initiate_job and imap_stream serve both.
struct mpi_pool_core;

std::shared_ptr<mpi_pool_core> make_mpi_pool(std::size_t size);
std::uint64_t pool_reserve_ids(mpi_pool_core& pool, std::size_t n) noexcept;
void pool_submit(mpi_pool_core& pool, std::uint64_t id, const task_entry& task, encoded_chunk chunk,
                 task_callback done);
void pool_cancel(mpi_pool_core& pool, std::uint64_t first, std::size_t n,
                 boost::asio::cancellation_type type) noexcept;
void pool_close(mpi_pool_core& pool) noexcept;
void pool_join(mpi_pool_core& pool);
void pool_terminate(mpi_pool_core& pool) noexcept;
std::size_t pool_size(const mpi_pool_core& pool) noexcept;
boost::asio::any_io_executor pool_executor(const mpi_pool_core& pool);
} // namespace multiproc::detail

namespace multiproc::mpi {

/// `multiproc::pool` on MPI ranks: the same registered tasks, arguments and results, the same
/// errors (`error::unregistered_task` at the call, `remote_error` for a task's exception, a
/// signature mismatch as the local pool reports it).
///
/// Tasks are sent to the worker ranks in batches (several task messages in one MPI message,
/// two batches in flight per rank), and each batch's results come back in one message. The
/// pool runs one thread of its own: it is the only one that calls MPI, and completion handlers
/// run on it (as on the local pool's thread: never wait there for a result).
///
/// One pool at a time per program (the worker ranks serve one rank 0 pool). Unlike the local
/// pool, a worker cannot be stopped mid-task: `terminate()` (and the destructor) fail the
/// unfinished tasks at once with `error::pool_closed`, then wait for the tasks the ranks are
/// running to end, so that the next pool finds them idle. Cancelling a running task completes
/// it with `operation_aborted` at once; its rank still finishes it, and its result is dropped.
///
/// A worker rank that dies (crash, kill, `exit()` in a task) ends the whole job: Open MPI's
/// mpirun kills every rank and says which rank died and how. MPI without fault tolerance (the
/// MPI 3 standard, Debian's Open MPI 4) has no way to go on, so no task gets
/// `error::worker_died`; nothing hangs either.
class pool
{
public:
    using executor_type = boost::asio::any_io_executor;

    /// `size` worker ranks (1 .. size); 0: every rank but 0. Throws `error::not_initialized`
    /// without an environment, `error::not_supported` on a rank other than 0, with fewer than
    /// two ranks, or while another pool lives.
    explicit pool(std::size_t size = 0) : core_(detail::make_mpi_pool(size)) {}
    ~pool() { terminate(); }
    pool(const pool&) = delete;
    pool& operator=(const pool&) = delete;

    executor_type get_executor() const { return detail::pool_executor(*core_); }

    /// Runs `function(args...)` on a worker rank and waits for its result.
    template <class F, class... Args>
    auto apply(F function, Args&&... args)
    {
        return apply_async(function, std::forward<Args>(args)...).get();
    }

    /// Runs `function(args...)` on a worker rank: an `async_result`, or with one argument more
    /// than the function takes, that last one is a completion token for `void(error_code, R)`
    /// (`void(error_code)` if R is void), as `multiproc::pool::apply_async`.
    template <class F, class... Args>
    auto apply_async(F function, Args&&... args)
    {
        using R = typename detail::function_traits<F>::result;
        constexpr std::size_t arity =
            std::tuple_size_v<typename detail::function_traits<F>::arguments>;
        const detail::task_entry& task = detail::registered_task(function);
        std::vector<detail::encoded_chunk> chunks(1);
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

    /// `function(item)` for every item, in order, sent in chunks of `chunksize` items (0: about
    /// four chunks per worker rank). Throws what stopped the first failing chunk.
    template <class F, class Range>
    auto map(F function, const Range& items, std::size_t chunksize = 0)
    {
        return map_async(function, items, chunksize).get();
    }
    /// `map` without waiting: an `async_result<std::vector<R>>`, or with a completion token for
    /// `void(error_code, std::vector<R>)`.
    template <class F, class Range, class... Token>
    auto map_async(F function, const Range& items, std::size_t chunksize = 0, Token&&... token)
    {
        using R = typename detail::function_traits<F>::result;
        static_assert(!std::is_void_v<R>,
                      "multiproc::mpi::pool::map needs a function that returns");
        static_assert(sizeof...(Token) <= 1, "one completion token at most");
        using arguments = typename detail::function_traits<F>::arguments;
        const detail::task_entry& task = detail::registered_task(function);
        if (chunksize == 0) {
            const auto n =
                static_cast<std::size_t>(std::distance(std::begin(items), std::end(items)));
            chunksize = std::max<std::size_t>(1, (n + 4 * size() - 1) / (4 * size()));
        }
        std::vector<detail::encoded_chunk> chunks;
        detail::map_finish<R> finish;
        auto next = std::begin(items);
        const auto end = std::end(items);
        one_argument<F> convert;
        while (next != end) {
            chunks.push_back(detail::encode_chunk<arguments>(next, end, chunksize, convert));
            finish.counts.push_back(chunks.back().count);
        }
        return start<std::vector<R>>(task, std::move(chunks), std::move(finish),
                                     std::forward<Token>(token)...);
    }

    /// The results of `function(item)` as a stream, in order (Python's imap); items are read
    /// as the stream is read (see `multiproc::imap_stream`).
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

    /// Takes no more tasks; the queued ones still run.
    void close() noexcept { detail::pool_close(*core_); }
    /// Waits until every task has ended; call `close()` (or `terminate()`) first.
    void join() { detail::pool_join(*core_); }
    /// Fails the unfinished tasks with `error::pool_closed` and waits for the worker ranks to
    /// end the tasks they are running.
    void terminate() noexcept { detail::pool_terminate(*core_); }
    /// The number of worker ranks.
    std::size_t size() const noexcept { return detail::pool_size(*core_); }

private:
    template <class F>
    struct one_argument
    {
        template <class Item>
        typename detail::function_traits<F>::arguments operator()(const Item& item) const
        {
            return typename detail::function_traits<F>::arguments(item);
        }
    };

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
    auto start(const detail::task_entry& task, std::vector<detail::encoded_chunk> chunks,
               Finish finish, Token&&... token)
    {
        using T = detail::value_t<R>;
        if constexpr (sizeof...(Token) == 0) {
            auto state = std::make_shared<detail::result_state<T>>();
            const std::uint64_t first = detail::pool_reserve_ids(*core_, chunks.size());
            detail::run_job<T>(
                *core_, first, task, std::move(chunks), std::move(finish),
                [state](detail::job_result<T>&& r) { state->complete(std::move(r)); });
            return async_result<R>(std::move(state));
        } else {
            using signature =
                std::conditional_t<std::is_void_v<R>, void(error_code), void(error_code, T)>;
            return boost::asio::async_initiate<Token..., signature>(
                detail::initiate_job<T, std::is_void_v<R>, detail::mpi_pool_core>{core_}, token...,
                &task, std::move(chunks), std::move(finish));
        }
    }

    template <class F, class Range>
    auto stream(F function, Range&& items, std::size_t chunksize, bool ordered)
    {
        using R = typename detail::function_traits<F>::result;
        static_assert(!std::is_void_v<R>,
                      "multiproc::mpi::pool::imap needs a function that returns");
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
        auto next_chunk = [in, chunksize]() {
            one_argument<F> convert;
            return detail::encode_chunk<arguments>(in->next, in->end, chunksize, convert);
        };
        // Enough chunks ahead to keep every rank busy through the batches in flight.
        const std::size_t window = std::max<std::size_t>(2 * size(), 256 * size() / chunksize);
        return imap_stream<R, detail::mpi_pool_core>(core_, task, std::move(next_chunk), window,
                                                     ordered);
    }

    std::shared_ptr<detail::mpi_pool_core> core_;
};

} // namespace multiproc::mpi

#endif
