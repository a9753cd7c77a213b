// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_DETAIL_HANDLES_HPP
#define MULTIPROC_DETAIL_HANDLES_HPP

// What every handle type (queue, connection, shared memory, locks) shares: how its timeouts
// become deadlines, and how it is serialized to reach another process.

#include <multiproc/detail/config.hpp>

#include <boost/serialization/traits.hpp>

#include <chrono>

namespace multiproc::detail {

/// The deadline `timeout` from now; a timeout too long to add means no deadline.
template <class Rep, class Period>
std::chrono::steady_clock::time_point deadline_after(std::chrono::duration<Rep, Period> timeout)
{
    using clock = std::chrono::steady_clock;
    const auto now = clock::now();
    if (timeout <= timeout.zero())
        return now;
    if (std::chrono::duration<double>(timeout) >=
        std::chrono::duration<double>(clock::time_point::max() - now))
        return clock::time_point::max();
    return now + std::chrono::ceil<clock::duration>(timeout);
}

/// Serialized as its members alone: no class information, no tracking, so Boost.Serialization
/// makes no per-type singletons (whose destruction at exit crashed spawned children built
/// statically with mingw-w64, seen under Wine).
template <class T>
using plain_serialization =
    boost::serialization::traits<T, boost::serialization::object_serializable,
                                 boost::serialization::track_never>;

} // namespace multiproc::detail

#endif
