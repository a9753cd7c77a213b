// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_CREATION_TAGS_HPP
#define MULTIPROC_CREATION_TAGS_HPP

/// @file
/// How a named object comes to be (shared memory, values, arrays, locks): the tags of
/// Boost.Interprocess, taken by the constructors.

#include <multiproc/detail/config.hpp>

namespace multiproc {

/// Tag: make a new object under a fresh name (Boost.Interprocess's `create_only`).
struct create_only_t
{
    explicit create_only_t() = default;
};
/// The tag value: `shared_memory m(multiproc::create_only, size);`.
inline constexpr create_only_t create_only{};

/// Tag: attach to an existing object by its `name()` (Boost.Interprocess's `open_only`).
struct open_only_t
{
    explicit open_only_t() = default;
};
/// The tag value: `shared_memory m(multiproc::open_only, name);`.
inline constexpr open_only_t open_only{};

} // namespace multiproc

#endif
