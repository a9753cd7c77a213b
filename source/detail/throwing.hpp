// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_DETAIL_THROWING_HPP
#define MULTIPROC_SOURCE_DETAIL_THROWING_HPP

// The throwing overloads, written once: each calls its `error_code&` twin and throws
// `system_error` if that failed.

#include <multiproc/error.hpp>

#include <type_traits>
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

/// `operation(ec)`'s result, or throws.
template <class Operation>
auto call_or_throw(const char* what, Operation operation)
{
    error_code ec;
    if constexpr (std::is_void_v<decltype(operation(ec))>) {
        operation(ec);
        throw_if(ec, what);
    } else {
        auto result = operation(ec);
        throw_if(ec, what);
        return result;
    }
}

} // namespace multiproc::detail

#endif
