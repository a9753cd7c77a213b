// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_DETAIL_NAMES_HPP
#define MULTIPROC_SOURCE_DETAIL_NAMES_HPP

// The one place that names system-wide objects (shared memory, queues, ...). Every name is
// `mp_<pid>_<8 hex digits>_<n>`: the prefix is this run's (a process and a random number, new
// after a fork), so that objects of runs whose process is gone can be found and swept. On Linux
// the first name of a prefix starts a reaper (os::start_name_reaper) that removes every name
// of the prefix once its process has ended, killed or not.

#include <multiproc/this_process.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace multiproc::detail {

/// A name no other object of this or any other run has, under this process's prefix (watched
/// by its reaper).
std::string unique_name();

/// `<pid>_<hex>_<n>`: unique as unique_name() is, to put after another name (a queue's value
/// segments are named after their queue, whose run removes them). Starts no reaper.
std::string unique_suffix();

/// The process whose run made `name` (a `sem.` prefix, as POSIX named semaphores have in
/// /dev/shm, is allowed), or 0 if the name is not one of ours.
pid_type name_owner(std::string_view name) noexcept;

/// Removes the named objects of runs whose process no longer exists (Linux: /dev/shm;
/// Windows: Boost.Interprocess's directory of file-backed objects; named mappings go with
/// their last handle). Returns how many it removed.
std::size_t sweep_stale_names() noexcept;

/// The names of shared objects that start with `prefix` and are longer (Linux: /dev/shm;
/// Windows: Boost.Interprocess's directory of file-backed objects).
std::vector<std::string> names_starting_with(std::string_view prefix);

} // namespace multiproc::detail

#endif
