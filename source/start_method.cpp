// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include <multiproc/start_method.hpp>

#include <atomic>

namespace multiproc {

namespace detail {
namespace {
std::atomic<start_method> default_method{start_method::spawn};
} // namespace
} // namespace detail

void set_start_method(start_method method) noexcept
{
    detail::default_method = method;
}

start_method get_start_method() noexcept
{
    return detail::default_method;
}

} // namespace multiproc
