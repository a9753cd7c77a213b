// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// Windows has no futex between processes: waits poll the word, sleeping between looks.

#include "../detail/shared_wait.hpp"

#include <windows.h>

#include <thread>

namespace multiproc::detail {

namespace {

// Spins a little, then sleeps: a wait that is over at once costs no sleep.
void pause(int round) noexcept
{
    if (round < 64)
        std::this_thread::yield();
    else
        ::Sleep(1);
}

} // namespace

void wait_while_equal(const std::atomic<std::uint32_t>& word, std::uint32_t expected,
                      std::chrono::steady_clock::time_point until) noexcept
{
    for (int round = 0; word.load() == expected && std::chrono::steady_clock::now() < until;
         ++round)
        pause(round);
}

void wake_all(const std::atomic<std::uint32_t>&) noexcept {}
void wake_one(const std::atomic<std::uint32_t>&) noexcept {}

} // namespace multiproc::detail
