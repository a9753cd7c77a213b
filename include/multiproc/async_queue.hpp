// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_ASYNC_QUEUE_HPP
#define MULTIPROC_ASYNC_QUEUE_HPP

/// @file
/// `multiproc::async_get`: a queue's `get` for Asio programs, with any completion token. Kept
/// apart from queue.hpp so that only Asio users compile Asio.

#include <multiproc/queue.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <utility>

namespace multiproc {

namespace detail {
// A queue has no handle a reactor could wait on: each operation waits on a thread of
// its own and completes on the handler's executor.
template <class T>
struct initiate_async_get
{
    template <class Handler>
    void operator()(Handler&& handler, queue<T> q) const
    {
        auto executor = boost::asio::get_associated_executor(handler);
        auto work = boost::asio::make_work_guard(executor);
        auto cancelled = std::make_shared<std::atomic<bool>>(false);
        auto slot = boost::asio::get_associated_cancellation_slot(handler);
        if (slot.is_connected())
            slot.assign([cancelled](boost::asio::cancellation_type) { *cancelled = true; });
        std::thread([handler = std::forward<Handler>(handler), q = std::move(q),
                     work = std::move(work), cancelled]() mutable {
            error_code ec;
            T value{};
            try {
                for (;;) {
                    // Short waits, so that a cancellation is seen.
                    if (std::optional<T> got = q.get_for(std::chrono::milliseconds(50))) {
                        value = std::move(*got);
                        break;
                    }
                    if (*cancelled) {
                        ec = boost::asio::error::operation_aborted;
                        break;
                    }
                }
            } catch (const system_error& e) {
                ec = e.code();
            }
            auto executor = work.get_executor();
            boost::asio::post(
                executor, [handler = std::move(handler), ec, value = std::move(value)]() mutable {
                    std::move(handler)(ec, std::move(value));
                });
        }).detach();
    }
};
} // namespace detail

/// Gets the oldest value of `q`, completing with `void(error_code, T)`.
///
/// The handler is never invoked from within this function; it runs on its associated executor
/// (the system executor if it has none). `q` is copied: the caller's handle need not outlive
/// the operation. Cancellation (any type) completes it with `asio::error::operation_aborted`
/// within about 50 ms, leaving the queue's values untouched. Errors: those of `queue::get`.
template <class T, class Token>
auto async_get(queue<T>& q, Token&& token)
{
    return boost::asio::async_initiate<Token, void(error_code, T)>(detail::initiate_async_get<T>{},
                                                                   token, q);
}

} // namespace multiproc

#endif
