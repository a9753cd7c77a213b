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

#include <multiproc/detail/config.hpp>

#include <multiproc/pool.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>

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
/// The MPI pool's backend.
std::shared_ptr<pool_backend> make_mpi_pool(std::size_t size);
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
/// `error::worker_died`; nothing hangs either. So the local pool's worker lifecycle settings
/// have no equivalent here (it takes no `pool_options`): a rank is never replaced, and a task
/// whose rank died cannot be retried (`max_retries`), since the job has ended with it.
///
/// apply, apply_async, map, map_async, imap, imap_unordered, close, join, terminate, size and
/// get_executor: see `multiproc::basic_pool`, shared with `multiproc::pool`.
class pool : public basic_pool
{
public:
    /// `size` worker ranks (1 .. size); 0: every rank but 0. Throws `error::not_initialized`
    /// without an environment, `error::not_supported` on a rank other than 0, with fewer than
    /// two ranks, or while another pool lives.
    explicit pool(std::size_t size = 0) : basic_pool(detail::make_mpi_pool(size)) {}
};

} // namespace multiproc::mpi

#endif
