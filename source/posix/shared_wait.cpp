// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include "../detail/shared_wait.hpp"

#include <multiproc/error.hpp>

#include <cerrno>
#include <climits>
#include <ctime>
#include <pthread.h>
#include <thread>

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace multiproc::detail {

static_assert(sizeof(pthread_mutex_t) <= sizeof(recoverable_lock::storage));

namespace {

pthread_mutex_t* native(recoverable_lock& lock) noexcept
{
    return reinterpret_cast<pthread_mutex_t*>(lock.storage);
}

void check(int result, const char* what)
{
    if (result != 0)
        throw system_error(error_code(result, boost::system::system_category()), what);
}

} // namespace

void init(recoverable_lock& lock)
{
    pthread_mutexattr_t attributes;
    check(::pthread_mutexattr_init(&attributes), "pthread_mutexattr_init");
    int result = ::pthread_mutexattr_setpshared(&attributes, PTHREAD_PROCESS_SHARED);
    if (result == 0)
        result = ::pthread_mutexattr_setrobust(&attributes, PTHREAD_MUTEX_ROBUST);
    if (result == 0)
        result = ::pthread_mutex_init(native(lock), &attributes);
    ::pthread_mutexattr_destroy(&attributes);
    check(result, "pthread_mutex_init");
}

bool lock(recoverable_lock& lock) noexcept
{
    // Holders hold it for a copy of a slot: spinning a little spares a sleep and a wake.
    int result = EBUSY;
    for (int round = 0; round < 64 && result == EBUSY; ++round) {
        result = ::pthread_mutex_trylock(native(lock));
        if (result == EBUSY)
            spin_pause();
    }
    // In slices: a holder killed at the wrong moment can leave the wake it owed undelivered
    // (seen: a waiter asleep on a word its dead owner's exit had already marked), and a look
    // again finds the mutex free or its owner dead.
    while (result == EBUSY || result == ETIMEDOUT) {
        timespec until{};
        ::clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 50 * 1000 * 1000;
        if (until.tv_nsec >= 1000 * 1000 * 1000) {
            until.tv_nsec -= 1000 * 1000 * 1000;
            ++until.tv_sec;
        }
        result = ::pthread_mutex_timedlock(native(lock), &until);
    }
    if (result != EOWNERDEAD)
        return false;
    ::pthread_mutex_consistent(native(lock));
    return true;
}

void unlock(recoverable_lock& lock) noexcept
{
    ::pthread_mutex_unlock(native(lock));
}

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

#else

void wait_while_equal(const std::atomic<std::uint32_t>& word, std::uint32_t expected,
                      std::chrono::steady_clock::time_point until) noexcept
{
    constexpr auto poll = std::chrono::microseconds(200);
    while (word.load() == expected && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(poll);
}

void wake_all(const std::atomic<std::uint32_t>&) noexcept {}

#endif

} // namespace multiproc::detail
