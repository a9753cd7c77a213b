// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// Windows has no robust mutex nor futex between processes. The lock is the holder's process
// id in a word: a locker that finds it taken for a while looks whether that process still
// runs, and takes the lock over if it does not. Waits poll the word, sleeping between looks.

#include "../detail/shared_wait.hpp"

#include <windows.h>

#include <new>
#include <thread>

namespace multiproc::detail {

namespace {

using lock_word = std::atomic<std::uint32_t>; // the holder's process id, 0 if free
static_assert(sizeof(lock_word) <= sizeof(recoverable_lock::storage));

lock_word& word_of(recoverable_lock& lock) noexcept
{
    return *std::launder(reinterpret_cast<lock_word*>(lock.storage));
}

bool process_ended(std::uint32_t pid) noexcept
{
    HANDLE process = ::OpenProcess(SYNCHRONIZE, FALSE, pid);
    if (process == nullptr)
        return ::GetLastError() == ERROR_INVALID_PARAMETER; // no such process
    const bool ended = ::WaitForSingleObject(process, 0) == WAIT_OBJECT_0;
    ::CloseHandle(process);
    return ended;
}

// Spins a little, then sleeps: a wait that is over at once costs no sleep.
void pause(int round) noexcept
{
    if (round < 64)
        std::this_thread::yield();
    else
        ::Sleep(1);
}

} // namespace

void init(recoverable_lock& lock)
{
    new (lock.storage) lock_word(0);
}

bool lock(recoverable_lock& lock) noexcept
{
    lock_word& word = word_of(lock);
    const std::uint32_t me = ::GetCurrentProcessId();
    for (int round = 0;; ++round) {
        std::uint32_t holder = 0;
        if (word.compare_exchange_weak(holder, me))
            return false;
        // Every 256 rounds: a holder that ended is not coming back.
        if (holder != 0 && holder != me && round % 256 == 255 && process_ended(holder) &&
            word.compare_exchange_strong(holder, me))
            return true;
        pause(round);
    }
}

void unlock(recoverable_lock& lock) noexcept
{
    word_of(lock).store(0);
}

void wait_while_equal(const std::atomic<std::uint32_t>& word, std::uint32_t expected,
                      std::chrono::steady_clock::time_point until) noexcept
{
    for (int round = 0; word.load() == expected && std::chrono::steady_clock::now() < until;
         ++round)
        pause(round);
}

void wake_all(const std::atomic<std::uint32_t>&) noexcept {}

} // namespace multiproc::detail
