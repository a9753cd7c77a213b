// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include <multiproc/fork.hpp>

#include "detail/runtime.hpp"

#if defined(MULTIPROC_POSIX)
namespace multiproc {

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
#endif
