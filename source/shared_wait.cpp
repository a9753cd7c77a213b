// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// The recoverable lock, the same on every platform: a word holding the holder's process id
// and a "someone sleeps" bit. Unlocking wakes one sleeper if the bit is set; a sleeper that
// takes the lock sets the bit again, so the chain of wakes goes on. Sleeps are cut into
// slices: a sleeper whose wake was lost (the woken one was killed before it took the lock)
// or whose holder was killed loses at most a slice, then looks again.

#include "detail/os.hpp"
#include "detail/shared_wait.hpp"

#include <algorithm>

namespace multiproc::detail {

namespace {

constexpr std::uint32_t sleepers_bit = 0x80000000u;
constexpr auto slice = std::chrono::milliseconds(10);
// Holders hold it for a copy of a slot: spinning a little spares a sleep and a wake.
constexpr int spin_rounds = 64;

std::uint32_t this_process() noexcept
{
    return static_cast<std::uint32_t>(os::current_pid()) & ~sleepers_bit;
}

} // namespace

bool recoverable_lock::try_lock() noexcept
{
    std::uint32_t free = 0;
    return word_.compare_exchange_strong(free, this_process(), std::memory_order_acquire,
                                         std::memory_order_relaxed);
}

lock_outcome recoverable_lock::lock_until(std::chrono::steady_clock::time_point deadline) noexcept
{
    if (word_.load(std::memory_order_relaxed) == 0 && try_lock())
        return lock_outcome::acquired; // the usual case: no clock read
    const std::uint32_t me = this_process();
    const auto start = std::chrono::steady_clock::now();
    const int spins = deadline <= start ? 1 : spin_rounds;
    for (int round = 0; round < spins; ++round) {
        if (word_.load(std::memory_order_relaxed) == 0 && try_lock())
            return lock_outcome::acquired;
        spin_pause();
    }
    auto next_look = start + slice;
    for (;;) {
        std::uint32_t seen = word_.load(std::memory_order_relaxed);
        if (seen == 0) {
            // Others may sleep too: whoever takes it after a sleep keeps the bit.
            if (word_.compare_exchange_weak(seen, me | sleepers_bit, std::memory_order_acquire,
                                            std::memory_order_relaxed))
                return lock_outcome::acquired;
            continue;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now >= next_look) {
            next_look = now + slice;
            // A slice gone by: is the holder still there?
            const std::uint32_t holder = seen & ~sleepers_bit;
            if (holder != me && os::process_ended(static_cast<pid_type>(holder)) &&
                word_.compare_exchange_strong(seen, me | sleepers_bit, std::memory_order_acquire,
                                              std::memory_order_relaxed))
                return lock_outcome::holder_died;
            continue;
        }
        if (now >= deadline)
            return lock_outcome::timed_out;
        if ((seen & sleepers_bit) == 0 &&
            !word_.compare_exchange_weak(seen, seen | sleepers_bit, std::memory_order_relaxed))
            continue;
        wait_while_equal(word_, seen | sleepers_bit, std::min(next_look, deadline));
    }
}

bool recoverable_lock::lock() noexcept
{
    return lock_until(std::chrono::steady_clock::time_point::max()) == lock_outcome::holder_died;
}

void recoverable_lock::unlock() noexcept
{
    if ((word_.exchange(0, std::memory_order_release) & sleepers_bit) != 0)
        wake_one(word_);
}

} // namespace multiproc::detail
