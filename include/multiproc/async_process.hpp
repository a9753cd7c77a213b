// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_ASYNC_PROCESS_HPP
#define MULTIPROC_ASYNC_PROCESS_HPP

/// @file
/// `multiproc::async_join`: a process's `join` for Asio programs, on your executor, with any
/// completion token. Kept apart from process.hpp so that only Asio users compile Asio.

#include <multiproc/detail/config.hpp>

#include <multiproc/detail/async_wait.hpp>
#include <multiproc/process.hpp>

#include <chrono>
#include <memory>
#include <utility>

namespace multiproc {

namespace detail {

// Looks whether the child has exited (a join that does not wait), and if not waits for its exit
// handle, or where there is none looks again every 10 ms.
template <class Executor>
struct join_op
{
    process child;
    Executor executor;
    std::shared_ptr<handle_waiter<Executor>> waiter;
    std::unique_ptr<timer_on<Executor>> poll;
    // Ends a spawned child that never reaches init at its report deadline, as join does; the exit
    // that follows completes the operation.
    std::shared_ptr<timer_on<Executor>> start_guard;
    bool started = false;

    template <class Self>
    void operator()(Self& self, error_code wait_ec = {})
    {
        if (start_off_initiation(self, started, executor))
            return;
        if (const error_code ec = wait_result(self, wait_ec))
            return finish(self, ec);
        if (!child)
            return finish(self, make_error_code(error::not_started));
        error_code ec;
        if (child.join_for(std::chrono::milliseconds(0), ec) || ec)
            return finish(self, ec);
        if (!waiter && !poll) {
            const std::intptr_t handle = duplicate_exit_handle(child, ec);
            if (ec)
                return finish(self, ec);
            if (handle != -1)
                waiter = make_waiter(executor, handle);
            else
                poll = std::make_unique<timer_on<Executor>>(executor);
            guard_start();
        }
        // The waits are reached before `self`, and this object with it, is moved into them.
        if (waiter) {
            const auto wait_on = waiter;
            async_wait_ready(wait_on, false, true, std::move(self));
        } else {
            auto& timer = *poll;
            timer.expires_after(std::chrono::milliseconds(10));
            timer.async_wait(std::move(self));
        }
    }

    void guard_start()
    {
        const auto deadline = report_deadline(child);
        if (!deadline || !waiter)
            return; // reported already, or the 10 ms looks see the deadline
        start_guard = std::make_shared<timer_on<Executor>>(executor, *deadline);
        start_guard->async_wait([late = child](error_code ec) mutable {
            error_code ignored;
            if (!ec)
                late.join_for(std::chrono::milliseconds(0), ignored);
        });
    }

    template <class Self>
    void finish(Self& self, error_code ec)
    {
        waiter.reset();
        poll.reset();
        if (start_guard)
            start_guard->cancel();
        start_guard.reset();
        const int code = child && !ec ? child.exit_code().value_or(-1) : -1;
        self.complete(ec, code);
    }
};

} // namespace detail

/// Waits on `ex` until `p` has exited (Python's `join`), completing with
/// `void(error_code, int exit_code)`: the exit code as `exit_code()` gives it (the negated
/// signal number if a signal ended the child on POSIX); -1 with an error.
///
/// The handler is never invoked from within this function. Nothing runs but on `ex` and no
/// thread of the library is started: on Linux the operation waits for a pidfd in your
/// `io_context`'s reactor (every 10 ms it looks again where the kernel has no pidfd); on Windows
/// for the process handle with `asio::windows::object_handle`, which registers the wait with
/// the system's thread pool. Errors: those of `join` (`error::not_started`,
/// `error::not_initialized`, `error::start_timeout`, after which the child has been killed).
/// Cancellation (any type) completes the operation with `asio::error::operation_aborted` and
/// leaves the child running. `p` is a handle: the caller's copy need not outlive the operation.
template <class Executor, class Token, std::enable_if_t<detail::is_executor_v<Executor>, int> = 0>
auto async_join(process& p, const Executor& ex, Token&& token)
{
    return boost::asio::async_compose<Token, void(error_code, int)>(
        detail::join_op<Executor>{p, ex, {}, {}, {}}, token, ex);
}

/// As above, on the executor of `context` (an `io_context`, say).
template <class ExecutionContext, class Token,
          std::enable_if_t<detail::is_execution_context_v<ExecutionContext>, int> = 0>
auto async_join(process& p, ExecutionContext& context, Token&& token)
{
    return async_join(p, context.get_executor(), std::forward<Token>(token));
}

} // namespace multiproc

#endif
