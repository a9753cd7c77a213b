// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_TASK_HPP
#define MULTIPROC_TASK_HPP

/// @file
/// The task registry: `MULTIPROC_TASK(fn)` names a free function so that a spawned child (a
/// fresh copy of the program) can find it again, and the argument/result encoding through
/// Boost.Serialization. Include <boost/serialization/...> for the std types your tasks take;
/// std::string and std::vector are included here.

#include <multiproc/detail/config.hpp>

#include <multiproc/error.hpp>

#include <multiproc/detail/codec.hpp>
#include <multiproc/detail/inheritance.hpp>
#include <multiproc/detail/task_registry.hpp>

#include <cstddef>
#include <type_traits>

namespace multiproc {

/// The most bytes one message carries between processes: a value's encoded bytes (a queue's or
/// a connection's value, a task's arguments, a task's results), not counting the headers the
/// channel puts around them. A `std::string` or a vector of numbers encodes as its bytes and an
/// 8-byte length. Larger ones fail on the sending side with `error::message_too_large`.
inline constexpr std::size_t max_message_size = std::size_t(1) << 30;

/// True if `function` was registered with MULTIPROC_TASK.
template <class F, class = std::enable_if_t<detail::is_function_pointer_v<F>>>
bool is_registered(F function) noexcept
{
    return detail::find_task(reinterpret_cast<detail::generic_function>(function)) != nullptr;
}

} // namespace multiproc

/// @cond MULTIPROC_INTERNAL
#define MULTIPROC_DETAIL_CAT2(a, b) a##b
#define MULTIPROC_DETAIL_CAT(a, b) MULTIPROC_DETAIL_CAT2(a, b)
/// @endcond

/// Registers the free function `fn` under the name `#fn`, so that a spawned child can run it.
/// Use it once, at namespace scope, in the program that calls the task (any translation unit).
/// Spell the name the same way everywhere (`MULTIPROC_TASK(ns::fn)` is named "ns::fn").
#define MULTIPROC_TASK(fn)                                                                         \
    static const ::multiproc::detail::task_registrar<decltype(&fn), &fn> MULTIPROC_DETAIL_CAT(     \
        multiproc_task_registrar_, __LINE__){#fn};

#endif
