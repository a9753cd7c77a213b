// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_MPI_PROTOCOL_HPP
#define MULTIPROC_SOURCE_MPI_PROTOCOL_HPP

// What rank 0 and the worker ranks say to each other, on MPI_COMM_WORLD. A message's bytes are
// frames as a local pool worker's pipe carries them (source/detail/frame.hpp):
//
//   tasks   (rank 0 -> worker): task frames, one per task message of the batch
//   results (worker -> rank 0): result frames, one per task frame, in the same order
//   output  (worker -> rank 0): bytes a task wrote to stdout, for rank 0 to print; sent
//                               before the results of the batch that printed them
//   stop    (rank 0 -> worker): empty; the worker finalizes MPI and exits
//
// MPI keeps the order of messages between two ranks, so a worker's results come back in the
// order its batches were sent.

#include <algorithm>
#include <chrono>
#include <thread>

namespace multiproc::detail::mpi_protocol {

enum tag : int
{
    tasks = 1,
    results = 2,
    stop = 3,
    output = 4,
};

/// Waiting for a message without spinning a core: MPI's blocking calls busy-poll, which on a
/// machine with fewer cores than ranks takes the CPU from the rank doing the work. A few polls
/// back to back, then sleeps that grow to a millisecond.
class idle_backoff
{
public:
    void reset() noexcept { idle_ = 0; }
    /// How long to wait before the next poll (zero: poll again now).
    std::chrono::microseconds next() noexcept
    {
        if (++idle_ <= spins)
            return std::chrono::microseconds(0);
        return std::chrono::microseconds(std::min<long>(1000, 10L << std::min(idle_ - spins, 7)));
    }
    void pause() noexcept
    {
        const auto wait = next();
        if (wait.count() == 0)
            std::this_thread::yield();
        else
            std::this_thread::sleep_for(wait);
    }

private:
    static constexpr int spins = 64;
    int idle_ = 0;
};

/// The environment, seen by the pool: true on rank 0 while a multiproc::mpi::environment lives.
bool environment_ready() noexcept;
/// Claims the worker ranks for a pool; false if another pool holds them.
bool claim_workers() noexcept;
void release_workers() noexcept;
/// The number of ranks in the job.
int world_size() noexcept;

} // namespace multiproc::detail::mpi_protocol

#endif
