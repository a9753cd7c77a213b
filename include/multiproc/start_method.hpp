// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_START_METHOD_HPP
#define MULTIPROC_START_METHOD_HPP

/// @file
/// `multiproc::start_method`: how a child process, or a pool's worker, comes to run.

#include <multiproc/detail/config.hpp>

namespace multiproc {

/// How a child process comes to run its function (Python's start methods).
enum class start_method
{
    /// Re-execute this program; the child's `multiproc::init` receives the registered task and
    /// its Boost.Serialization-encoded arguments. Portable; the default.
    spawn,
#if defined(MULTIPROC_HAS_FORK)
    /// POSIX `fork()` without exec: runs any callable, lambdas included, in a copy of this
    /// process. Use it only where no other thread can hold a lock (before threads start). It
    /// does not exist on Windows: naming it there is a compile-time error.
    fork,
#endif
};

/// The start method used by processes that do not choose one (Python's `set_start_method`).
MULTIPROC_DECL void set_start_method(start_method method) noexcept;
/// The start method of processes that do not choose one: spawn unless set otherwise.
MULTIPROC_DECL start_method get_start_method() noexcept;

} // namespace multiproc

#endif
