// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_DETAIL_POSIX_HANDLE_WAITER_HPP
#define MULTIPROC_DETAIL_POSIX_HANDLE_WAITER_HPP

// What the Asio operations wait on, on POSIX: a descriptor's readiness (the reactor). Included by
// detail/async_wait.hpp.

#include <multiproc/error.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/posix/basic_stream_descriptor.hpp>

#include <memory>
#include <utility>

namespace multiproc::detail {

/// A descriptor to wait on.
template <class Executor>
using handle_waiter = boost::asio::posix::basic_stream_descriptor<Executor>;

/// Waits until `waiter`'s descriptor is ready to read, or to write with `writable`, then resumes
/// `self` (a composed operation). With
/// `cancellable`, a cancellation through `self`'s slot ends the wait with
/// `operation_aborted`; otherwise the wait cannot be cancelled.
template <class Executor, class Self>
void async_wait_ready(const std::shared_ptr<handle_waiter<Executor>>& waiter, bool writable,
                      bool cancellable, Self&& self)
{
    namespace asio = boost::asio;
    const auto what =
        writable ? handle_waiter<Executor>::wait_write : handle_waiter<Executor>::wait_read;
    if (cancellable)
        waiter->async_wait(what, std::move(self));
    else
        waiter->async_wait(
            what, asio::bind_cancellation_slot(asio::cancellation_slot(), std::move(self)));
}

} // namespace multiproc::detail

#endif
