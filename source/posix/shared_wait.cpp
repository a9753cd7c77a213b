// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

// Waits on a word in shared memory: a futex on Linux, a sleeping poll elsewhere.

#include "../detail/shared_wait.hpp"

#include <climits>
#include <ctime>
#include <thread>

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace multiproc::detail {

#if defined(__linux__)

void wait_while_equal(const std::atomic<std::uint32_t>& word, std::uint32_t expected,
                      std::chrono::steady_clock::time_point until) noexcept
{
    const auto left = until - std::chrono::steady_clock::now();
    if (left <= left.zero())
        return;
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    timespec timeout{};
    timeout.tv_sec = static_cast<time_t>(ns / 1000000000);
    timeout.tv_nsec = static_cast<long>(ns % 1000000000);
    // Not FUTEX_PRIVATE_FLAG: the word is in shared memory. EAGAIN (the word changed),
    // ETIMEDOUT and EINTR all send the caller back to its check.
    ::syscall(SYS_futex, &word, FUTEX_WAIT, expected, &timeout, nullptr, 0);
}

void wake_all(const std::atomic<std::uint32_t>& word) noexcept
{
    ::syscall(SYS_futex, &word, FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
}

void wake_one(const std::atomic<std::uint32_t>& word) noexcept
{
    ::syscall(SYS_futex, &word, FUTEX_WAKE, 1, nullptr, nullptr, 0);
}

#else

void wait_while_equal(const std::atomic<std::uint32_t>& word, std::uint32_t expected,
                      std::chrono::steady_clock::time_point until) noexcept
{
    constexpr auto poll = std::chrono::microseconds(200);
    while (word.load() == expected && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(poll);
}

void wake_all(const std::atomic<std::uint32_t>&) noexcept {}
void wake_one(const std::atomic<std::uint32_t>&) noexcept {}

#endif

} // namespace multiproc::detail
