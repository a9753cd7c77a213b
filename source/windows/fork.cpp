// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

// Windows has no fork: start_method::fork and multiproc::fork do not exist there, so a
// process never has a body to fork; this refusal only completes the portable code.

#include "../detail/process_state.hpp"

namespace multiproc::detail {

void process_state::start_forked(error_code& ec)
{
    ec = make_error_code(error::not_supported);
}

} // namespace multiproc::detail
