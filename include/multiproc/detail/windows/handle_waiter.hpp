// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_DETAIL_WINDOWS_HANDLE_WAITER_HPP
#define MULTIPROC_DETAIL_WINDOWS_HANDLE_WAITER_HPP

// What the Asio operations wait on, on Windows: an object's signal (asio::windows::object_handle,
// which registers the wait with the system thread pool). Included by detail/async_wait.hpp.

#include <multiproc/detail/config.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/windows/basic_object_handle.hpp>

#include <memory>
#include <utility>

namespace multiproc::detail {

/// An object to wait on.
template <class Executor>
using handle_waiter = boost::asio::windows::basic_object_handle<Executor>;

template <class Executor, class Self>
void async_wait_ready(const std::shared_ptr<handle_waiter<Executor>>& waiter, bool writable,
                      bool cancellable, Self&& self)
{
    namespace asio = boost::asio;
    (void)writable;
    auto slot = asio::get_associated_cancellation_slot(self);
    // Asio's object_handle has no per-operation cancellation: the slot cancels the object's
    // waits instead (the object serves this operation only).
    if (slot.is_connected()) {
        if (cancellable)
            slot.assign(
                [weak = std::weak_ptr<handle_waiter<Executor>>(waiter)](asio::cancellation_type) {
                    if (auto w = weak.lock()) {
                        error_code ignored;
                        w->cancel(ignored);
                    }
                });
        else
            slot.clear();
    }
    waiter->async_wait(asio::bind_cancellation_slot(asio::cancellation_slot(), std::move(self)));
}

} // namespace multiproc::detail

#endif
