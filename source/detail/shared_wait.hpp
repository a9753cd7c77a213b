// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_DETAIL_SHARED_WAIT_HPP
#define MULTIPROC_SOURCE_DETAIL_SHARED_WAIT_HPP

// Two primitives in shared memory that a process killed at any moment does not break (the
// queue and the synchronisation objects are built on them):
// - recoverable_lock: a lock whose holder's death hands it to the next locker, who is told.
//   The word holds the holder's process id; a locker that has waited a while looks whether
//   that process has ended, and takes the lock over if so (source/shared_wait.cpp). Not a
//   robust pthread mutex: glibc's left a waiter asleep for good after a holder was killed
//   (seen in the queue kill rounds of test/fault.cpp), and Windows has none.
// - a wait on a 32-bit word while it holds a value, and a wake of its waiters. Linux: a
//   shared futex (a killed waiter leaves nothing behind). Elsewhere: a short sleeping poll
//   (source/posix/, source/windows/).
//
// Processes sharing a lock must see each other's process ids: one pid namespace.

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

/// Makes the lock, unlocked.
void init(recoverable_lock& lock) noexcept;
/// Takes the lock, waiting as long as it takes.
/// Returns true when its holder died holding it: the caller must bring the state it guards
/// back to consistency (or know it already is) before unlocking. Not recursive.
bool lock(recoverable_lock& lock) noexcept;
/// Takes the lock if it is free now.
bool try_lock(recoverable_lock& lock) noexcept;
enum class lock_outcome
{
    acquired,
    holder_died, // acquired from a holder that died holding it: see `lock`
    timed_out
};
/// `lock`, giving up at `deadline` (it tries once even if that has passed).
lock_outcome lock_until(recoverable_lock& lock,
                        std::chrono::steady_clock::time_point deadline) noexcept;
void unlock(recoverable_lock& lock) noexcept;

/// Blocks while `word == expected`, at most until `until`; it may return early.
void wait_while_equal(const std::atomic<std::uint32_t>& word, std::uint32_t expected,
                      std::chrono::steady_clock::time_point until) noexcept;
/// Wakes every process waiting on `word`.
void wake_all(const std::atomic<std::uint32_t>& word) noexcept;
/// Wakes one process waiting on `word`.
void wake_one(const std::atomic<std::uint32_t>& word) noexcept;

static_assert(std::atomic<std::uint32_t>::is_always_lock_free &&
                  std::atomic<std::uint64_t>::is_always_lock_free,
              "the queue's words are shared between processes");

} // namespace multiproc::detail

#endif
