// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_DETAIL_ASYNC_WAIT_HPP
#define MULTIPROC_DETAIL_ASYNC_WAIT_HPP

// What the Asio operations of process and pipe wait on, on the user's executor: a descriptor's
// readiness on POSIX (the reactor), an object's signal on Windows (asio::windows::object_handle,
// which registers the wait with the system thread pool).

#include <multiproc/detail/config.hpp>
#include <multiproc/error.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/execution/executor.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/is_executor.hpp>
#include <boost/asio/post.hpp>
#if defined(MULTIPROC_WINDOWS)
#include <boost/asio/windows/basic_object_handle.hpp>
#else
#include <boost/asio/posix/basic_stream_descriptor.hpp>
#endif

#include <cstdint>
#include <memory>
#include <type_traits>

namespace multiproc::detail {

template <class T>
inline constexpr bool is_executor_v =
    boost::asio::is_executor<T>::value || boost::asio::execution::is_executor<T>::value;

template <class T>
inline constexpr bool is_execution_context_v =
    std::is_convertible_v<T&, boost::asio::execution_context&>;

#if defined(MULTIPROC_WINDOWS)
template <class Executor>
using handle_waiter = boost::asio::windows::basic_object_handle<Executor>;
#else
template <class Executor>
using handle_waiter = boost::asio::posix::basic_stream_descriptor<Executor>;
#endif

/// Takes ownership of `handle` (from a duplicate_*_handle function).
template <class Executor>
std::unique_ptr<handle_waiter<Executor>> make_waiter(const Executor& ex, std::intptr_t handle)
{
    using native = typename handle_waiter<Executor>::native_handle_type;
    if constexpr (std::is_pointer_v<native>)
        return std::make_unique<handle_waiter<Executor>>(ex, reinterpret_cast<native>(handle));
    else
        return std::make_unique<handle_waiter<Executor>>(ex, static_cast<native>(handle));
}

/// Waits until `waiter`'s object is signalled (Windows) or its descriptor is ready to read, or
/// to write with `writable` (POSIX).
template <class Executor, class Handler>
void async_wait_ready(handle_waiter<Executor>& waiter, bool writable, Handler&& handler)
{
#if defined(MULTIPROC_WINDOWS)
    (void)writable;
    waiter.async_wait(std::forward<Handler>(handler));
#else
    waiter.async_wait(writable ? handle_waiter<Executor>::wait_write
                               : handle_waiter<Executor>::wait_read,
                      std::forward<Handler>(handler));
#endif
}

} // namespace multiproc::detail

#endif
