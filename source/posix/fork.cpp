// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

// Everything that forks without exec: multiproc::fork, the fork start method of processes and
// of pool workers, and the runtime step that keeps a forked child's view of the library
// consistent.

#include <multiproc/fork.hpp>
#include <multiproc/process.hpp>

#include "../detail/process_state.hpp"
#include "../detail/runtime.hpp"
#include "../detail/runtime_state.hpp"
#include "../detail/throwing.hpp"
#include "../pool/worker.hpp"

namespace multiproc {

namespace detail {

namespace {

// fork_child's two halves of the runtime: its lock, held across fork() so that the child's
// copy is consistent, and the child's new identity (taken with that lock held).
std::unique_lock<std::mutex> lock_runtime_across_fork()
{
    return std::unique_lock<std::mutex>(runtime().mutex);
}

void become_forked_child(pid_type parent, const std::string& child_name)
{
    auto& r = runtime(); // its lock is held: lock_runtime_across_fork, taken before fork
    r.parent = process_info{r.name, parent};
    r.children.clear();
    r.next_number = 1;
    r.owner = os::current_pid();
    if (!child_name.empty())
        r.name = child_name;
}

} // namespace

pid_type fork_child(const std::string& child_name, bool die_with_parent, error_code& ec)
{
    auto lock = lock_runtime_across_fork();
    const pid_type parent = os::current_pid();
    const pid_type pid = os::fork_process(die_with_parent, ec);
    if (pid == 0)
        become_forked_child(parent, child_name);
    return pid;
}

void process_state::start_forked(error_code& ec)
{
    const pid_type pid = fork_child(options.name, true, ec);
    if (ec)
        return;
    if (pid == 0) {
        // The child's default start method is the one that started it (Python's _bootstrap).
        set_start_method(start_method::fork);
        const int code = run_child_function([this] { work.body->run(); });
        os::flush_stdio();
        os::quick_exit(code);
    }
    child = os::child::adopt(pid, ec);
    reported = true;
}

/// A pool worker made by fork: a copy of this process that serves tasks.
os::child start_forked_worker(os::channel& parent_end, os::channel& child_end, error_code& ec)
{
    const pid_type pid = fork_child({}, true, ec);
    if (!ec && pid == 0) {
        parent_end.close();
        run_forked_worker(child_end);
    }
    return ec ? os::child() : os::child::adopt(pid, ec);
}

} // namespace detail

pid_type fork()
{
    error_code ec;
    const pid_type pid = fork(ec);
    detail::throw_if(ec, "multiproc::fork");
    return pid;
}

pid_type fork(error_code& ec)
{
    // Like os.fork: the child is not tied to the parent's life and keeps its name.
    return detail::fork_child({}, false, ec);
}

int wait_pid(pid_type pid)
{
    error_code ec;
    const int code = wait_pid(pid, ec);
    detail::throw_if(ec, "multiproc::wait_pid");
    return code;
}

int wait_pid(pid_type pid, error_code& ec)
{
    return detail::os::wait_pid(pid, ec);
}

} // namespace multiproc
