// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_DETAIL_POOL_INTAKE_HPP
#define MULTIPROC_SOURCE_DETAIL_POOL_INTAKE_HPP

// How a pool's core (pool_core, mpi_pool_core) takes a task in, written once for both: each core
// has `mutex`, `closed` and `terminating`.

#include <multiproc/error.hpp>

#include <mutex>
#include <string>

namespace multiproc::detail {

/// The core's lock, held, if it still takes tasks; `error::pool_closed` once it is closed or
/// terminating. `pool_name` starts the message ("multiproc::pool").
template <class Core>
std::unique_lock<std::mutex> lock_for_new_task(Core& pool, const char* pool_name)
{
    std::unique_lock<std::mutex> lock(pool.mutex);
    if (pool.closed || pool.terminating) {
        lock.unlock();
        throw_error(
            make_error_code(error::pool_closed),
            (std::string(pool_name) + ": the pool takes no more tasks (closed or terminated)")
                .c_str());
    }
    return lock;
}

} // namespace multiproc::detail

#endif
