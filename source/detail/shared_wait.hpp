// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_DETAIL_SHARED_WAIT_HPP
#define MULTIPROC_SOURCE_DETAIL_SHARED_WAIT_HPP

// Two primitives in shared memory that a process killed at any moment does not break (the
// queue is built on them; source/posix/ and source/windows/ implement them):
// - recoverable_lock: a lock whose holder's death hands it to the next locker, who is told.
//   POSIX: a robust process-shared pthread mutex. Windows: the holder's process id in a word,
//   taken over once that process has ended.
// - a wait on a 32-bit word while it holds a value, and a wake of its waiters. Linux: a
//   shared futex (a killed waiter leaves nothing behind). Elsewhere: a short sleeping poll.

#include <atomic>
#include <chrono>
#include <cstdint>

namespace multiproc::detail {

/// Room for the lock, constructed in place in shared memory by `init`.
struct alignas(64) recoverable_lock
{
    unsigned char storage[64];
};

/// A short pause in a spin loop, telling the processor so.
inline void spin_pause() noexcept
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

/// Makes the lock, unlocked. Throws `system_error`.
void init(recoverable_lock& lock);
/// Takes the lock, waiting as long as it takes (holders hold it for a few copies only).
/// Returns true when its holder died holding it: the caller must bring the state it guards
/// back to consistency (or know it already is) before unlocking.
bool lock(recoverable_lock& lock) noexcept;
void unlock(recoverable_lock& lock) noexcept;

/// Blocks while `word == expected`, at most until `until`; it may return early.
void wait_while_equal(const std::atomic<std::uint32_t>& word, std::uint32_t expected,
                      std::chrono::steady_clock::time_point until) noexcept;
/// Wakes every process waiting on `word`.
void wake_all(const std::atomic<std::uint32_t>& word) noexcept;

static_assert(std::atomic<std::uint32_t>::is_always_lock_free &&
                  std::atomic<std::uint64_t>::is_always_lock_free,
              "the queue's words are shared between processes");

} // namespace multiproc::detail

#endif
