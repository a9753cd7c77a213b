// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// POSIX facts about the running process.

#include "../detail/os.hpp"

#include <boost/interprocess/permissions.hpp>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#if defined(__linux__)
#include <poll.h>
#include <sys/syscall.h>
#endif

namespace multiproc::detail::os {

namespace {
// getpid() is a system call; a lock checks its owner with it at each acquire and release.
// A fork()ed child clears it, and finds its own on first use.
std::atomic<pid_type> cached_pid{0};
} // namespace

boost::interprocess::permissions owner_only_permissions()
{
    return boost::interprocess::permissions(0600);
}

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

bool process_ended(pid_type pid) noexcept
{
#if defined(__linux__) && defined(SYS_pidfd_open)
    // A pidfd is readable once its process has ended, reaped or not; kill(pid, 0) would
    // count a zombie as running.
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd >= 0) {
        pollfd ready{pidfd, POLLIN, 0};
        const bool ended = ::poll(&ready, 1, 0) == 1;
        ::close(pidfd);
        return ended;
    }
    if (errno != ENOSYS && errno != EPERM)
        return errno == ESRCH;
#endif
    return ::kill(pid, 0) != 0 && errno == ESRCH; // EPERM: it runs, as another user
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

void set_env(const char* name, const char* value)
{
    ::setenv(name, value, 1);
}

void unset_env(const char* name)
{
    ::unsetenv(name);
}

} // namespace multiproc::detail::os
