// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// Windows has no fork(): start_method::fork does not exist there, so this is never called.

#include "../pool/worker.hpp"

namespace multiproc::detail {

os::child start_forked_worker(os::channel&, os::channel&, error_code& ec)
{
    ec = make_error_code(error::not_supported);
    return os::child();
}

} // namespace multiproc::detail
