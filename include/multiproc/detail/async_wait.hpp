// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_DETAIL_ASYNC_WAIT_HPP
#define MULTIPROC_DETAIL_ASYNC_WAIT_HPP

// What the Asio operations of process, pipe and queue wait on, on the user's executor: a
// descriptor's readiness on POSIX (the reactor), an object's signal on Windows
// (asio::windows::object_handle, which registers the wait with the system thread pool), or a
// timer where there is no handle.

#include <multiproc/detail/config.hpp>
#include <multiproc/error.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution/executor.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/is_executor.hpp>
#include <boost/asio/post.hpp>
#include MULTIPROC_OS_HEADER(handle_waiter.hpp)

#include <chrono>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>

namespace multiproc::detail {

template <class T>
inline constexpr bool is_executor_v =
    boost::asio::is_executor<T>::value || boost::asio::execution::is_executor<T>::value;

template <class T>
inline constexpr bool is_execution_context_v =
    std::is_convertible_v<T&, boost::asio::execution_context&>;

/// A steady timer on `Executor`: what an operation with nothing to wait on looks again after.
template <class Executor>
using timer_on = boost::asio::basic_waitable_timer<
    std::chrono::steady_clock, boost::asio::wait_traits<std::chrono::steady_clock>, Executor>;

// From the platform's own header (detail/posix/, detail/windows/):
// - handle_waiter<Executor>: what a handle is waited on with.
// - async_wait_ready(waiter, writable, cancellable, self): waits until `waiter`'s object is
//   signalled (Windows) or its descriptor is ready to read, or to write with `writable`
//   (POSIX), then resumes `self` (a composed operation). With `cancellable`, a cancellation
//   through `self`'s slot ends the wait with `operation_aborted`; otherwise the wait cannot be
//   cancelled.

/// Takes ownership of `handle` (from a duplicate_*_handle function).
template <class Executor>
std::shared_ptr<handle_waiter<Executor>> make_waiter(const Executor& ex, std::intptr_t handle)
{
    using native = typename handle_waiter<Executor>::native_handle_type;
    if constexpr (std::is_pointer_v<native>)
        return std::make_shared<handle_waiter<Executor>>(ex, reinterpret_cast<native>(handle));
    else
        return std::make_shared<handle_waiter<Executor>>(ex, static_cast<native>(handle));
}

/// The first step of a composed operation: total cancellation on, and a hop through
/// `executor`, so that it never completes inside its initiating function. True if this call was
/// that step (the caller returns).
template <class Self, class Executor>
bool start_off_initiation(Self& self, bool& started, const Executor& executor)
{
    if (started)
        return false;
    started = true;
    self.reset_cancellation_state(boost::asio::enable_total_cancellation());
    boost::asio::post(executor, std::move(self));
    return true;
}

/// What a step of a composed operation resumed by a wait goes on with: `operation_aborted` if the
/// operation was cancelled (during the wait or between waits), else the wait's own error.
template <class Self>
error_code wait_result(Self& self, error_code wait_ec)
{
    if (wait_ec == boost::asio::error::operation_aborted ||
        self.get_cancellation_state().cancelled() != boost::asio::cancellation_type::none)
        return boost::asio::error::operation_aborted;
    return wait_ec;
}

} // namespace multiproc::detail

#endif
