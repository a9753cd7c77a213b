// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// POSIX facts about the running process.

#include "../detail/os.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>
#include <pthread.h>
#include <unistd.h>

namespace multiproc::detail::os {

namespace {
// getpid() is a system call; a lock checks its owner with it at each acquire and release.
// A fork()ed child clears it, and finds its own on first use.
std::atomic<pid_type> cached_pid{0};
} // namespace

pid_type current_pid() noexcept
{
    pid_type pid = cached_pid.load(std::memory_order_relaxed);
    if (pid == 0) {
        static const int registered =
            ::pthread_atfork(nullptr, nullptr, [] { cached_pid.store(0); });
        (void)registered;
        pid = ::getpid();
        cached_pid.store(pid, std::memory_order_relaxed);
    }
    return pid;
}

pid_type parent_pid() noexcept
{
    return ::getppid();
}

unsigned cpu_count() noexcept
{
    const long n = ::sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? static_cast<unsigned>(n) : 1u;
}

std::string program_path()
{
    std::string path(4096, '\0');
    const ssize_t n = ::readlink("/proc/self/exe", path.data(), path.size());
    if (n <= 0)
        return {};
    path.resize(static_cast<std::size_t>(n));
    return path;
}

void quick_exit(int code) noexcept
{
    ::_exit(code);
}

void unset_env(const char* name)
{
    ::unsetenv(name);
}

} // namespace multiproc::detail::os
