// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

// Windows has no fork: start_method::fork and multiproc::fork do not exist there, so neither a
// process nor a pool worker is ever forked; these refusals only complete the portable code.

#include "../detail/process_state.hpp"
#include "../pool/worker.hpp"

namespace multiproc::detail {

void process_state::start_forked(error_code& ec)
{
    ec = make_error_code(error::not_supported);
}

os::child start_forked_worker(os::channel&, os::channel&, error_code& ec)
{
    ec = make_error_code(error::not_supported);
    return os::child();
}

} // namespace multiproc::detail
