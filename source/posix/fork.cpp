// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

// Everything that forks without exec: multiproc::fork, the fork start method of processes and
// of pool workers, and the runtime step that keeps a forked child's view of the library
// consistent.

#include <multiproc/fork.hpp>
#include <multiproc/process.hpp>

#include "../detail/process_state.hpp"
#include "../detail/runtime.hpp"
#include "../detail/throwing.hpp"
#include "../pool/worker.hpp"

namespace multiproc {

namespace detail {

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
