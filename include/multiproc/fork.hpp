// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_FORK_HPP
#define MULTIPROC_FORK_HPP

/// @file
/// `multiproc::fork()`: Python's `os.fork()` (POSIX only).

#include <multiproc/detail/config.hpp>

#include <multiproc/error.hpp>
#include <multiproc/this_process.hpp>

namespace multiproc {

#if defined(MULTIPROC_HAS_FORK)

/// Creates a copy of the calling process. Returns 0 in the child and the child's id in the
/// parent. Buffered output is flushed first, so nothing is printed twice. In the child the
/// library forgets the parent's children. Throws `system_error` if the system refuses.
/// Fork only where no other thread can hold a lock.
MULTIPROC_DECL pid_type fork();
MULTIPROC_DECL pid_type fork(error_code& ec);

/// Waits for a child made by `fork()` and returns its exit code, or the negated signal number
/// that ended it (Python's `os.waitpid` plus `os.waitstatus_to_exitcode`).
MULTIPROC_DECL int wait_pid(pid_type pid);
MULTIPROC_DECL int wait_pid(pid_type pid, error_code& ec);

#else

namespace detail {
template <class...>
inline constexpr bool fork_unavailable = false;
}

/// Windows has no fork(): use multiproc::process (start_method::spawn).
template <class... T>
pid_type fork(T&&...)
{
    static_assert(detail::fork_unavailable<T...>,
                  "multiproc::fork() does not exist on Windows: use multiproc::process");
    return 0;
}

#endif

} // namespace multiproc

#endif
