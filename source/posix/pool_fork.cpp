// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// A pool worker made by fork (start_method::fork): a copy of this process that serves tasks.

#include "../detail/runtime.hpp"
#include "../pool/worker.hpp"

namespace multiproc::detail {

os::child start_forked_worker(os::channel& parent_end, os::channel& child_end, error_code& ec)
{
    const pid_type pid = fork_child({}, true, ec);
    if (!ec && pid == 0) {
        parent_end.close();
        run_forked_worker(child_end);
    }
    return ec ? os::child() : os::child::adopt(pid, ec);
}

} // namespace multiproc::detail
