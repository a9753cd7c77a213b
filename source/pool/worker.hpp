// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_POOL_WORKER_HPP
#define MULTIPROC_SOURCE_POOL_WORKER_HPP

// The worker's half of the pool (worker_main.cpp): what a pool worker process runs, and what
// an MPI worker rank runs of it.

#include "../detail/frame.hpp"
#include "../detail/os.hpp"

#include <string>

namespace multiproc::detail {

/// A pool worker: takes the setup of its parent's worker frame (`worker_body`), then runs the
/// tasks the parent sends until it says stop or closes the channel. Never returns.
[[noreturn]] void serve_tasks(os::channel& to_parent, const std::string& worker_body);

/// A pool worker made by fork: reads its worker frame on `to_parent`, then serves tasks.
[[noreturn]] void run_forked_worker(os::channel& to_parent);

/// Starts a pool worker by fork (posix/fork.cpp): the child serves tasks on `child_end`.
/// Windows: `error::not_supported` (it has no fork).
os::child start_forked_worker(os::channel& parent_end, os::channel& child_end, error_code& ec);

/// Runs a task frame through the registry: every argument set in order, or the exception that
/// stopped it (an unknown task or another signature are `system_error`s, as thrown), or
/// `error::message_too_large` for results above the limit; returns the encoded result frame.
/// What a worker that is sent tasks does with each: a pool worker, an MPI worker rank.
std::string run_task_frame(const task_frame& work);

} // namespace multiproc::detail

#endif
