// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_DETAIL_SHARED_WAIT_HPP
#define MULTIPROC_SOURCE_DETAIL_SHARED_WAIT_HPP

// The primitives in shared memory that a process killed at any moment does not break (the
// queue and the synchronisation objects are built on them):
// - recoverable_lock: a lock whose holder's death hands it to the next locker, who is told.
//   The word holds the holder's process id; a locker that has waited a while looks whether
//   that process has ended, and takes the lock over if so (source/shared_wait.cpp). Not a
//   robust pthread mutex: glibc's left a waiter asleep for good after a holder was killed
//   (seen in the queue kill rounds of test/fault.cpp), and Windows has none.
// - event_count: a count of events that waiters sleep on, over
// - a wait on a 32-bit word while it holds a value, and a wake of its waiters. Linux: a
//   shared futex (a killed waiter leaves nothing behind). Elsewhere: a short sleeping poll
//   (source/posix/, source/windows/).
//
// Processes sharing a lock must see each other's process ids: one pid namespace.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace multiproc::detail {

/// A short pause in a spin loop, telling the processor so.
inline void spin_pause() noexcept
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

/// Blocks while `word == expected`, at most until `until`; it may return early.
void wait_while_equal(const std::atomic<std::uint32_t>& word, std::uint32_t expected,
                      std::chrono::steady_clock::time_point until) noexcept;
/// Wakes every process waiting on `word`.
void wake_all(const std::atomic<std::uint32_t>& word) noexcept;
/// Wakes one process waiting on `word`.
void wake_one(const std::atomic<std::uint32_t>& word) noexcept;

enum class lock_outcome
{
    acquired,
    holder_died, // acquired from a holder that died holding it: see `lock`
    timed_out
};

/// The lock, constructed in place in shared memory (unlocked). Its word holds the holder's
/// process id and a "someone sleeps" bit (source/shared_wait.cpp).
class alignas(64) recoverable_lock
{
public:
    recoverable_lock() noexcept = default;
    recoverable_lock(const recoverable_lock&) = delete;
    recoverable_lock& operator=(const recoverable_lock&) = delete;

    /// Takes the lock, waiting as long as it takes.
    /// Returns true when its holder died holding it: the caller must bring the state it guards
    /// back to consistency (or know it already is) before unlocking. Not recursive.
    bool lock() noexcept;
    /// Takes the lock if it is free now.
    bool try_lock() noexcept;
    /// `lock`, giving up at `deadline` (it tries once even if that has passed).
    lock_outcome lock_until(std::chrono::steady_clock::time_point deadline) noexcept;
    void unlock() noexcept;

private:
    std::atomic<std::uint32_t> word_{0};
};

/// A count of the events of one kind (a value put in a queue, a change of a synchronisation
/// object), which the waiters for the next one sleep on. A waiter takes the count with
/// `prepare_wait`, looks whether what it waits for is there, and if not sleeps with `wait`:
/// an event between the two is never missed. `prepare_wait` also says that someone may
/// sleep, and `notify_all` makes the system call only then (clearing it: the woken say it
/// again if they sleep again). A waiter killed after saying it costs one needless wake.
class event_count
{
public:
    /// The count now, once it is known that this caller may sleep on it.
    std::uint32_t prepare_wait() noexcept
    {
        // Set before the count is read, and a notifier bumps the count before it looks: either
        // it sees the flag and wakes us, or we see its new count and do not sleep.
        sleepers_.store(1);
        return count_.load();
    }
    /// Sleeps while the count is still `seen`, at most until `until`; it may return early.
    void wait(std::uint32_t seen, std::chrono::steady_clock::time_point until) const noexcept
    {
        wait_while_equal(count_, seen, until);
    }
    /// Sleeps until the count is no longer `seen` (true) or `until` passes (false).
    bool wait_for_change(std::uint32_t seen, std::chrono::steady_clock::time_point until) noexcept
    {
        while (prepare_wait() == seen) {
            if (std::chrono::steady_clock::now() >= until)
                return false;
            wait(seen, until);
        }
        return true;
    }
    /// Counts an event and wakes every waiter.
    void notify_all() noexcept
    {
        count_.fetch_add(1);
        if (sleepers_.load() != 0 && sleepers_.exchange(0) != 0)
            wake_all(count_);
    }
    /// Counts an event and wakes `n` of the waiters. The flag stays: the others may sleep on.
    void notify(std::size_t n) noexcept
    {
        count_.fetch_add(1);
        if (sleepers_.load() != 0)
            for (std::size_t i = 0; i < n; ++i)
                wake_one(count_);
    }

private:
    std::atomic<std::uint32_t> count_{0};
    std::atomic<std::uint32_t> sleepers_{0};
};

static_assert(std::atomic<std::uint32_t>::is_always_lock_free &&
                  std::atomic<std::uint64_t>::is_always_lock_free,
              "the queue's words are shared between processes");

} // namespace multiproc::detail

#endif
