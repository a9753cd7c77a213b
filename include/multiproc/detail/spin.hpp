// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_DETAIL_SPIN_HPP
#define MULTIPROC_DETAIL_SPIN_HPP

#include <multiproc/detail/config.hpp>

#include <chrono>
#include <thread>

namespace multiproc::detail {

/// Polls `ready()` for up to about `budget` before its caller blocks: a result a few
/// microseconds away is cheaper to spin for than to sleep for (waking a thread on another vCPU
/// of a VM costs 30-50 µs). Yields now and then, so that a thread that would deliver it can
/// run on this CPU. True once ready.
template <class Ready>
bool spin_until(Ready ready, std::chrono::microseconds budget)
{
    const auto end = std::chrono::steady_clock::now() + budget;
    for (unsigned i = 1;; ++i) {
        if (ready())
            return true;
        if (i % 64 == 0) {
            if (std::chrono::steady_clock::now() >= end)
                return false;
            std::this_thread::yield();
        }
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }
}

} // namespace multiproc::detail

#endif
