// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// POSIX children on Boost.Process v2: spawn through its default launcher, fork by hand and
// adopt the pid; exits are seen through the pidfd.

#include "util.hpp"

#include <boost/asio/io_context.hpp>
// Process v2 of Boost 1.81 with BOOST_PROCESS_USE_STD_FS misses these two includes.
#include <boost/optional.hpp>
#include <boost/type_traits.hpp>
#include <boost/process/v2/process.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

extern "C" char** environ;

namespace multiproc::detail::os {

namespace bp = boost::process::v2;

namespace {

// Python's exit code: the status of a normal exit, or the negated signal number.
int python_exit_code(int status) noexcept
{
    if (WIFSIGNALED(status))
        return -WTERMSIG(status);
    return WEXITSTATUS(status);
}

// Runs in a new child before anything else: it dies with its parent. The check after prctl
// closes the race where the parent died first.
bool die_with_parent(pid_type parent) noexcept
{
#if defined(__linux__)
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
        return false;
#endif
    return ::getppid() == parent;
}

// In a copy of this process made by fork(): exit() must not run the parent's atexit handlers
// and static destructors (they may join threads that exist only in the parent, flush its
// buffers twice, remove its shared objects). Python's fork children end with os._exit too.
// With glibc the status of exit(status) is known, so it is kept.
void exit_without_parents_handlers() noexcept
{
#if defined(__GLIBC__)
    ::on_exit(
        [](int status, void*) {
            flush_stdio();
            ::_exit(status);
        },
        nullptr);
#endif
}

// Closes the descriptors in [low, high]; between fork and exec, so system calls only.
void close_range_of(unsigned low, unsigned high) noexcept
{
#if defined(SYS_close_range)
    if (::syscall(SYS_close_range, low, high, 0) == 0)
        return;
#endif
    // No close_range (old kernel, other systems): one close per number, up to the limit.
    rlimit limit{};
    const unsigned last =
        ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY
            ? static_cast<unsigned>(std::min<rlim_t>(limit.rlim_cur, 1u << 20)) - 1
            : 65535u;
    for (unsigned fd = low; fd <= std::min(high, last); ++fd)
        ::close(static_cast<int>(fd));
}

// Closes every descriptor but those in `keep`, which it sorts in place (no allocation after
// fork). Boost.Process 1.81's own close_all compares each kept descriptor with itself, so it
// closes only those above the highest kept one: a stray inheritable descriptor below that
// reached the child, and whether one did depended on how many the parent had open then
// (issue 16: fd counts [6,7,7,7,7] for five children).
void close_all_but(std::vector<int>& keep) noexcept
{
    std::sort(keep.begin(), keep.end());
    unsigned next = 0; // the lowest number not yet closed or kept
    for (const int fd : keep) {
        if (fd < 0 || static_cast<unsigned>(fd) < next)
            continue;
        if (static_cast<unsigned>(fd) > next)
            close_range_of(next, static_cast<unsigned>(fd) - 1);
        next = static_cast<unsigned>(fd) + 1;
    }
    close_range_of(next, ~0u);
}

// Initializer for the Process v2 launcher: passes the channel on, marks the environment and
// ties the child's life to ours.
struct child_setup
{
    const std::vector<int>& inherit;
    pid_type parent;
    std::vector<std::string> environment_storage;
    std::vector<const char*> environment;

    template <class Launcher>
    error_code on_setup(Launcher& launcher, const bp::filesystem::path&, const char* const*&)
    {
        const std::string marker = std::string(spawned_marker) + '=';
        const std::string parent_entry = std::string(parent_variable) + '=';
        for (char** e = ::environ; *e; ++e) {
            const std::string_view entry(*e);
            if (entry.substr(0, marker.size()) != marker &&
                entry.substr(0, parent_entry.size()) != parent_entry)
                environment.push_back(*e);
        }
        environment_storage.reserve(2); // the pointers below stay valid
        environment_storage.push_back(marker + "1");
        environment_storage.push_back(parent_entry + std::to_string(parent) + ':' +
                                      this_process::name());
        for (const auto& entry : environment_storage)
            environment.push_back(entry.c_str());
        environment.push_back(nullptr);
        launcher.env = environment.data();
        launcher.fd_whitelist.insert(launcher.fd_whitelist.end(), inherit.begin(), inherit.end());
        return {};
    }

    template <class Launcher>
    error_code on_exec_setup(Launcher& launcher, const bp::filesystem::path&, const char* const*&)
    {
        // Close-on-exec in the parent (no other child may get them); these copies survive exec.
        for (const int fd : inherit)
            if (::fcntl(fd, F_SETFD, 0) != 0)
                return last_error();
        // The child holds stdio, the launcher's exec-error pipe and `inherit`, nothing else,
        // whatever else this process has open (inheritable or not).
        close_all_but(launcher.fd_whitelist);
        // Process v2 calls exit() here if exec fails.
        exit_without_parents_handlers();
        if (!die_with_parent(parent))
            return error_code(ESRCH, boost::system::system_category());
        return {};
    }
};

// A pidfd for `pid` (close-on-exec, as every pidfd), or -1 with errno set.
int open_pidfd(pid_type pid) noexcept
{
#if defined(SYS_pidfd_open)
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
    errno = ENOSYS;
    return -1;
#endif
}
} // namespace

using process_type = bp::basic_process<boost::asio::io_context::executor_type>;

struct child::impl
{
    process_type process;
    // Our own pidfd to poll for the exit (Process v2 of 1.81 does not expose its own); -1
    // where the kernel has none.
    int pidfd;
    std::optional<int> exit_code;

    explicit impl(process_type p) : process(std::move(p)), pidfd(open_pidfd(process.id())) {}
    ~impl()
    {
        if (pidfd >= 0)
            ::close(pidfd);
    }
    impl(const impl&) = delete;
    impl& operator=(const impl&) = delete;
};

child::child() = default;
child::child(child&&) noexcept = default;
child& child::operator=(child&&) noexcept = default;
child::~child() = default;

child child::spawn(const std::string& executable, const std::vector<std::string>& args,
                   const std::vector<native_handle>& inherit, error_code& ec)
{
    child result;
    child_setup setup{inherit, current_pid(), {}, {}};
    // Flush first: the launcher forks, and a copied stdio buffer would print twice if exec
    // failed and the copy exited.
    flush_stdio();
    bp::default_process_launcher launcher;
    auto process = launcher(process_context().get_executor(), ec, executable, args, setup);
    if (ec) {
        // Process v2 (1.81) does not reap a child whose exec failed: do it here, or it
        // stays a zombie.
        if (launcher.pid > 0)
            ::waitpid(launcher.pid, nullptr, 0);
        return result;
    }
    result.impl_ = std::make_unique<impl>(std::move(process));
    return result;
}

child child::adopt(pid_type pid, error_code& ec)
{
    child result;
    result.impl_ = std::make_unique<impl>(process_type(process_context().get_executor(), pid));
    ec.clear();
    return result;
}

pid_type child::id() const noexcept
{
    return impl_ ? impl_->process.id() : 0;
}

native_handle child::exit_handle() const noexcept
{
    return impl_ ? impl_->pidfd : -1;
}

native_handle child::duplicate_exit_handle(error_code& ec) const
{
    ec.clear();
    if (!impl_ || impl_->pidfd < 0)
        return -1;
    const int fd = ::fcntl(impl_->pidfd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        ec = last_error();
    return fd;
}

bool child::wait_exit(clock::time_point deadline, error_code& ec)
{
    ec.clear();
    if (!impl_ || impl_->exit_code)
        return true;
    if (impl_->pidfd >= 0)
        return wait_for_events(impl_->pidfd, POLLIN, deadline, ec);
    // No pidfd (old kernel): look every millisecond, without reaping.
    for (;;) {
        siginfo_t info{};
        if (::waitid(P_PID, static_cast<id_t>(impl_->process.id()), &info,
                     WEXITED | WNOHANG | WNOWAIT) != 0) {
            ec = last_error();
            return false;
        }
        if (info.si_pid != 0)
            return true;
        if (clock::now() >= deadline)
            return false;
        ::usleep(1000);
    }
}

bool child::running(error_code& ec)
{
    ec.clear();
    if (!impl_ || impl_->exit_code)
        return false;
    if (impl_->process.running(ec) || ec)
        return !ec;
    impl_->exit_code = python_exit_code(impl_->process.native_exit_code());
    return false;
}

std::optional<int> child::exit_code() const noexcept
{
    return impl_ ? impl_->exit_code : std::nullopt;
}

// Signals go only to a child not yet reaped: its pid cannot have been reused.
void child::interrupt(error_code& ec)
{
    ec.clear();
    if (impl_ && !impl_->exit_code)
        impl_->process.interrupt(ec);
}

void child::terminate(error_code& ec)
{
    ec.clear();
    if (impl_ && !impl_->exit_code)
        impl_->process.request_exit(ec);
}

void child::kill(error_code& ec)
{
    ec.clear();
    if (impl_ && !impl_->exit_code)
        impl_->process.terminate(ec);
}

native_handle invalid_handle() noexcept
{
    return -1;
}

void close_handle(native_handle h) noexcept
{
    if (h >= 0)
        ::close(h);
}

bool wait_any(const std::vector<native_handle>& handles, clock::time_point deadline, error_code& ec)
{
    std::vector<pollfd> fds;
    for (const int h : handles)
        fds.push_back({h, POLLIN, 0});
    return poll_until(fds.data(), fds.size(), deadline, ec);
}

bool parent_alive(pid_type parent) noexcept
{
    // An orphan is adopted by init (or a subreaper): getppid() names the parent while it runs,
    // never a later process that took its number.
    return parent > 0 && ::getppid() == parent;
}

native_handle open_parent_exit_handle(pid_type parent, error_code& ec)
{
    ec.clear();
    const int fd = open_pidfd(parent);
    if (fd < 0 && errno != ESRCH) {
        ec = make_error_code(error::not_supported);
        return -1;
    }
    // Opened before the check: if the parent still is ours after, the pidfd is its.
    if (fd >= 0 && !parent_alive(parent)) {
        ::close(fd);
        return -1;
    }
    return fd;
}

pid_type fork_process(bool tie_to_parent, error_code& ec)
{
    // The child waits on this pipe until fork() has returned in the parent, then yields once:
    // the parent goes on first, the order the tutorial shows. EOF releases it even if the
    // parent dies.
    int parent_first[2];
    if (::pipe2(parent_first, O_CLOEXEC) != 0) {
        ec = last_error();
        return -1;
    }
    flush_stdio();
    const pid_type parent = current_pid();
    auto& context = process_context();
    context.notify_fork(boost::asio::execution_context::fork_prepare);
    const pid_type pid = ::fork();
    if (pid == 0) {
        context.notify_fork(boost::asio::execution_context::fork_child);
        ::close(parent_first[1]);
        char byte;
        while (::read(parent_first[0], &byte, 1) < 0 && errno == EINTR) {
        }
        ::close(parent_first[0]);
        ::sched_yield();
        // A process's child (not a plain fork()) ends as Python's do: without the parent's
        // exit handlers; a plain fork() keeps POSIX behaviour.
        if (tie_to_parent) {
            exit_without_parents_handlers();
            if (!die_with_parent(parent))
                quick_exit(1);
        }
        ec.clear();
        return 0;
    }
    ec = pid < 0 ? last_error() : error_code();
    context.notify_fork(boost::asio::execution_context::fork_parent);
    ::close(parent_first[0]);
    ::close(parent_first[1]);
    return pid;
}

int wait_pid(pid_type pid, error_code& ec)
{
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            ec = last_error();
            return 0;
        }
    }
    ec.clear();
    return python_exit_code(status);
}

} // namespace multiproc::detail::os
