// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// The name reaper: who removes a process's shared-memory names when the process is killed?
// Not the process, and not its children: Linux kills them with it (PR_SET_PDEATHSIG), and a
// program that made a queue may have none. So the first name of a process starts a small
// process of its own that holds the read end of a pipe whose write end only this process (and
// its fork() copies) hold. When they have all ended, normally or by any signal, the read sees
// the end of the pipe and the reaper removes the names of the prefix. Starting it (two forks,
// one wait) costs the process's first name 0.8 ms at best on the loaded 2-vCPU VM, once.
//
// After fork() in a process with other threads only async-signal-safe calls are allowed (a lock
// another thread held stays taken in the copy), so both copies make system calls only: the
// pattern is prepared before the fork.

#include "util.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace multiproc::detail::os {

#if defined(__linux__)
namespace {

constexpr std::size_t max_prefix = 64;

bool starts_with(const char* name, const char* prefix, std::size_t size) noexcept
{
    return std::strncmp(name, prefix, size) == 0;
}

// Removes the names in /dev/shm that start with `prefix` (or "sem." and `prefix`, POSIX
// semaphores); true if it removed any.
bool remove_names(const char* prefix, std::size_t size) noexcept
{
    const int directory = ::open("/dev/shm", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (directory < 0)
        return false;
    bool removed = false;
    alignas(8) char buffer[4096];
    for (;;) {
        const long n = ::syscall(SYS_getdents64, directory, buffer, sizeof buffer);
        if (n <= 0)
            break;
        for (long at = 0; at < n;) {
            // struct linux_dirent64: u64 inode, s64 offset, u16 record length, u8 type, name.
            unsigned short length;
            std::memcpy(&length, buffer + at + 16, sizeof length);
            const char* name = buffer + at + 19;
            if (starts_with(name, prefix, size) ||
                (starts_with(name, "sem.", 4) && starts_with(name + 4, prefix, size)))
                removed |= ::unlinkat(directory, name, 0) == 0;
            at += length;
        }
    }
    ::close(directory);
    return removed;
}

// Closes every descriptor but `keep`, which becomes 3, with 0, 1 and 2 on /dev/null: the reaper
// must not hold a channel or pipe end of the process (its peer would never see the end) nor
// the terminal or a pipe that someone reads to its end.
int keep_only(int keep) noexcept
{
    const int moved = ::fcntl(keep, F_DUPFD, 3);
    const int null = ::open("/dev/null", O_RDWR);
    for (int fd = 0; fd < 3; ++fd)
        if (null != fd)
            ::dup2(null, fd);
    if (moved != 3)
        ::dup2(moved, 3);
#if defined(SYS_close_range)
    if (::syscall(SYS_close_range, 4u, ~0u, 0u) == 0)
        return 3;
#endif
    rlimit limit{};
    const rlim_t last =
        ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < 65536 ? limit.rlim_cur : 65536;
    for (int fd = 4; fd < static_cast<int>(last); ++fd)
        ::close(fd);
    return 3;
}

[[noreturn]] void run_reaper(int watched, const char* prefix, std::size_t size) noexcept
{
    ::setsid(); // no terminal: Ctrl-C and a signal to the process group end the run, not us
    if (::chdir("/") != 0) {
        // Only so as not to keep a directory busy; nothing depends on it.
    }
    watched = keep_only(watched);
    char byte;
    while (::read(watched, &byte, 1) < 0 && errno == EINTR) {
    }
    remove_names(prefix, size);
    // The kernel closes a dying process's descriptors before it signals the children it kills
    // with it (PR_SET_PDEATHSIG): one of them may make a name under this prefix (a large
    // value's segment for the dead process's queue) meanwhile. They are gone a moment later.
    const timespec moment{0, 100 * 1000 * 1000};
    ::nanosleep(&moment, nullptr);
    remove_names(prefix, size);
    ::_exit(0);
}

} // namespace

void start_name_reaper(const std::string& prefix) noexcept
{
    if (prefix.size() >= max_prefix)
        return;
    char pattern[max_prefix];
    std::memcpy(pattern, prefix.c_str(), prefix.size() + 1);
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0)
        return;
    // A child that starts the reaper and exits at once: the reaper is nobody's child (a
    // program's wait() for its children must not wait for it).
    const pid_t middle = ::fork();
    if (middle == 0) {
        if (::fork() == 0) {
            ::close(ends[1]);
            run_reaper(ends[0], pattern, prefix.size());
        }
        ::_exit(0);
    }
    ::close(ends[0]);
    if (middle < 0) {
        ::close(ends[1]);
        return;
    }
    while (::waitpid(middle, nullptr, 0) < 0 && errno == EINTR) {
    }
    // ends[1] stays open, close-on-exec, until this process ends.
}
#else
void start_name_reaper(const std::string&) noexcept {}
#endif

} // namespace multiproc::detail::os
