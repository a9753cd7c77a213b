// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_DETAIL_POSIX_HANDLE_WAITER_HPP
#define MULTIPROC_DETAIL_POSIX_HANDLE_WAITER_HPP

// What the Asio operations wait on, on POSIX: a descriptor's readiness (the reactor). Included by
// detail/async_wait.hpp.

#include <multiproc/detail/config.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/posix/basic_stream_descriptor.hpp>

#include <memory>
#include <utility>

namespace multiproc::detail {

/// A descriptor to wait on, for reading or for writing.
template <class Executor>
using handle_waiter = boost::asio::posix::basic_stream_descriptor<Executor>;

template <class Executor, class Self>
void async_wait_ready(const std::shared_ptr<handle_waiter<Executor>>& waiter, bool writable,
                      bool cancellable, Self&& self)
{
    const auto what =
        writable ? handle_waiter<Executor>::wait_write : handle_waiter<Executor>::wait_read;
    if (cancellable)
        waiter->async_wait(what, std::move(self));
    else // an empty slot: nothing reaches the wait
        waiter->async_wait(what, boost::asio::bind_cancellation_slot(
                                     boost::asio::cancellation_slot(), std::move(self)));
}

} // namespace multiproc::detail

#endif
