// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_THIS_PROCESS_HPP
#define MULTIPROC_THIS_PROCESS_HPP

/// @file
/// Facts about the calling process: Python's os.getpid(), os.getppid(), os.cpu_count() and
/// multiprocessing.current_process().

#include <multiproc/detail/config.hpp>

#include <string>

namespace multiproc {

/// A process id (pid_t on POSIX, DWORD on Windows).
using pid_type = int;

namespace this_process {
/// The id of the calling process.
MULTIPROC_DECL pid_type id() noexcept;
/// The id of its parent process.
MULTIPROC_DECL pid_type parent_id() noexcept;
/// "MainProcess" in the program the user started; the `process` name inside a child.
MULTIPROC_DECL std::string name();
} // namespace this_process

/// The number of CPUs the machine has (at least 1): the default size of a pool.
MULTIPROC_DECL unsigned cpu_count() noexcept;

/// Name and id of a process, as `current_process()` reports them.
struct process_info
{
    std::string name; ///< "MainProcess", or the name given to `process_options`.
    pid_type pid = 0; ///< The process id.
};

/// The calling process's name and id (Python's `current_process()`).
MULTIPROC_DECL process_info current_process();

} // namespace multiproc

#endif
