// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_POOL_PENDING_TASK_HPP
#define MULTIPROC_SOURCE_POOL_PENDING_TASK_HPP

// A task message as a pool's backend holds it until it ends: the local pool's and the MPI
// pool's.

#include <multiproc/detail/pool_backend.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

namespace multiproc::detail {

struct pending_task
{
    std::uint64_t id = 0;
    const task_entry* task = nullptr;
    encoded_chunk chunk;
    task_callback done;      // MPI: empty once completed (cancelled, terminated)
    bool cancelled = false;  // local: its worker was signalled, a death is operation_aborted
    std::size_t retries = 0; // local: times it was run again after its worker died
};

/// The outcome of a task message that did not run to its end: `ec`, and how it ended.
inline task_outcome failure(error_code ec, std::string what = {})
{
    task_outcome outcome;
    outcome.ec = ec;
    outcome.what = std::move(what);
    return outcome;
}

} // namespace multiproc::detail

#endif
