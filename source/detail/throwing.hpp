// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_DETAIL_THROWING_HPP
#define MULTIPROC_SOURCE_DETAIL_THROWING_HPP

// Constructors' throwing overloads, written once (operations use detail::call_or_throw from
// error.hpp).

#include <multiproc/error.hpp>

#include <utility>

namespace multiproc::detail {

/// `T(args..., ec)`, or throws.
template <class T, class... Args>
T make_or_throw(const char* what, Args&&... args)
{
    error_code ec;
    T made(std::forward<Args>(args)..., ec);
    throw_if(ec, what);
    return made;
}

} // namespace multiproc::detail

#endif
