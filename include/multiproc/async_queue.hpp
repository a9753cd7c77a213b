// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_ASYNC_QUEUE_HPP
#define MULTIPROC_ASYNC_QUEUE_HPP

/// @file
/// `multiproc::async_get`: a queue's `get` for Asio programs, on your executor, with any
/// completion token. Kept apart from queue.hpp so that only Asio users compile Asio.

#include <multiproc/detail/config.hpp>

#include <multiproc/detail/async_wait.hpp>
#include <multiproc/queue.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace multiproc {

namespace detail {

// A queue has no handle a reactor could wait on (its waits are on words in shared memory), so
// the operation takes a value if there is one and otherwise looks again after a timer: soon at
// first, so that a value that follows closely is seen within microseconds, then less and less
// often, so that a long wait costs next to no CPU.
template <class T, class Executor>
struct get_op
{
    static constexpr std::chrono::microseconds first_look_after{50};
    static constexpr std::chrono::microseconds longest_look_after{5000};

    queue<T> q;
    Executor executor;
    std::unique_ptr<timer_on<Executor>> timer;
    std::chrono::microseconds look_after = first_look_after;
    bool started = false;

    template <class Self>
    void operator()(Self& self, error_code wait_ec = {})
    {
        if (start_off_initiation(self, started, executor))
            return;
        // Checked before a value is taken: a cancelled operation takes none.
        if (const error_code ec = wait_result(self, wait_ec))
            return finish(self, ec, std::nullopt);
        std::optional<T> value;
        try {
            value = q.try_get();
        } catch (const system_error& e) {
            return finish(self, e.code(), std::nullopt);
        }
        if (value)
            return finish(self, {}, std::move(value));
        if (!timer)
            timer = std::make_unique<timer_on<Executor>>(executor);
        timer->expires_after(look_after);
        look_after = std::min(2 * look_after, longest_look_after);
        // The timer is reached before `self`, and this object with it, is moved into its wait.
        auto& wait_on = *timer;
        wait_on.async_wait(std::move(self));
    }

    template <class Self>
    void finish(Self& self, error_code ec, std::optional<T> value)
    {
        timer.reset();
        self.complete(ec, value ? std::move(*value) : make_empty<T>());
    }
};

} // namespace detail

/// Gets the oldest value of `q` (Python's `get`), completing with `void(error_code, T)` on `ex`.
///
/// The handler is never invoked from within this function. Nothing runs but on `ex` and no
/// thread of the library is started: a queue has no handle to wait on, so the operation takes a
/// value if there is one and otherwise looks again after a timer on `ex`, 50 µs at first,
/// doubling to 5 ms while the queue stays empty. A value put while it waits is so got within
/// about 5 ms (sooner under traffic), and a long wait wakes `ex` 200 times a second at most.
/// (On Windows Asio runs an `io_context`'s timers with one thread of its own.) Errors: those of
/// `queue::get` (`error::queue_closed` once this process has closed `q`, a value that cannot be
/// decoded: that value is gone, as with `get`). Cancellation (any type) completes the operation
/// with `asio::error::operation_aborted` and takes no value (a value taken is always delivered).
/// `q` is a handle: the caller's copy need not outlive the operation.
template <class T, class Executor, class Token,
          std::enable_if_t<detail::is_executor_v<Executor>, int> = 0>
auto async_get(queue<T>& q, const Executor& ex, Token&& token)
{
    return boost::asio::async_compose<Token, void(error_code, T)>(
        detail::get_op<T, Executor>{q, ex, {}}, token, ex);
}

/// As above, on the executor of `context` (an `io_context`, say).
template <class T, class ExecutionContext, class Token,
          std::enable_if_t<detail::is_execution_context_v<ExecutionContext>, int> = 0>
auto async_get(queue<T>& q, ExecutionContext& context, Token&& token)
{
    return async_get(q, context.get_executor(), std::forward<Token>(token));
}

} // namespace multiproc

#endif
