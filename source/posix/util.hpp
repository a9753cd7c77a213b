// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_POSIX_UTIL_HPP
#define MULTIPROC_SOURCE_POSIX_UTIL_HPP

// Small helpers shared by the POSIX sources.

#include "../detail/os.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>

namespace multiproc::detail::os {

inline error_code last_error() noexcept
{
    return {errno, boost::system::system_category()};
}

/// Milliseconds until the deadline, for poll(): 0 once it has passed.
inline int poll_timeout(clock::time_point deadline) noexcept
{
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());
    return static_cast<int>(std::clamp<long long>(left.count(), 0, 1 << 30));
}

/// poll() until one of `fds` has an event or the deadline passes (false), through EINTR.
bool poll_until(pollfd* fds, std::size_t count, clock::time_point deadline, error_code& ec);

/// Waits for `events` on `fd`; false when the deadline passes first.
inline bool wait_for_events(int fd, short events, clock::time_point deadline, error_code& ec)
{
    pollfd p{fd, events, 0};
    return poll_until(&p, 1, deadline, ec);
}

} // namespace multiproc::detail::os

#endif
