// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_DETAIL_POOL_BACKEND_HPP
#define MULTIPROC_DETAIL_POOL_BACKEND_HPP

// What runs a pool's tasks: local worker processes (source/pool/) or MPI ranks
// (source/mpi/pool.cpp). The calls of `multiproc::pool` and `multiproc::mpi::pool` are written
// once over this interface; a virtual call is nothing beside the messages a task takes.

#include <multiproc/detail/config.hpp>

#include <multiproc/detail/received_bytes.hpp>
#include <multiproc/detail/task_callback.hpp>
#include <multiproc/error.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/container/small_vector.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

namespace multiproc::detail {

struct task_entry;

/// Argument sets for one task message, encoded in one archive.
struct encoded_chunk
{
    std::string arguments;
    std::uint32_t count = 0;
};

/// How a task message ended: its results (one archive, one per argument set), or why not.
struct task_outcome
{
    error_code ec; // worker_died, remote_exception, pool_closed, timeout, operation_aborted...
    received_bytes results;     // as the worker's result frame brought them
    std::string exception_type; // for remote_exception
    std::string what;           // remote_exception: what(); otherwise how it ended
};
/// What runs when a task message ends.
using task_callback = unique_callback<task_outcome>;
/// The task messages of a job: usually one (apply), so none is allocated for it.
using chunk_list = boost::container::small_vector<encoded_chunk, 1>;

/// A pool's backend: it takes task messages and completes each exactly once.
class pool_backend
{
public:
    pool_backend() = default;
    pool_backend(const pool_backend&) = delete;
    pool_backend& operator=(const pool_backend&) = delete;
    virtual ~pool_backend() = default;

    /// Reserves `n` consecutive task ids; returns the first.
    std::uint64_t reserve_ids(std::size_t n) noexcept
    {
        return next_id_.fetch_add(n, std::memory_order_relaxed);
    }
    /// Queues a task message; `done` runs exactly once, never inside this call, and not on a
    /// thread holding pool state. Throws `error::pool_closed` once the pool takes no more.
    virtual void submit(std::uint64_t id, const task_entry& task, encoded_chunk chunk,
                        task_callback done) = 0;
    /// Cancels tasks `first .. first + n - 1`: a queued one is dropped; a running one is
    /// stopped as the backend can (see the pools). Either way it fails with
    /// `operation_aborted` unless it finished first.
    virtual void cancel(std::uint64_t first, std::size_t n,
                        boost::asio::cancellation_type type) noexcept = 0;
    virtual void close() noexcept = 0;
    virtual void join() = 0;
    virtual void terminate() noexcept = 0;
    /// The number of workers (worker ranks).
    virtual std::size_t size() const noexcept = 0;
    /// The executor completion handlers run on by default.
    virtual boost::asio::any_io_executor executor() const = 0;

    /// Whether a caller waiting for a result may complete finished results itself (help).
    virtual bool helps_waiters() const noexcept { return false; }
    /// Completes, on the calling thread, the results the workers have finished, unless the
    /// backend's thread is at it: a caller waiting for a result takes it without waiting for
    /// that thread to be woken. `helping`: this caller did so before. Returns whether it is
    /// helping now: then it calls stop_helping once it stops.
    virtual bool help(bool helping) { return helping; }
    virtual void stop_helping() noexcept {}

private:
    std::atomic<std::uint64_t> next_id_{1}; // 0 is no task's (the pool's initializer's)
};

} // namespace multiproc::detail

#endif
