// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_ASYNC_PIPE_HPP
#define MULTIPROC_ASYNC_PIPE_HPP

/// @file
/// `multiproc::async_send` and `async_recv`: a connection's messages for Asio programs, on your
/// executor, with any completion token. Kept apart from pipe.hpp so that only Asio users
/// compile Asio.

#include <multiproc/detail/config.hpp>

#include <multiproc/detail/async_wait.hpp>
#include <multiproc/pipe.hpp>

#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/error.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

namespace multiproc {

namespace detail {

// Steps the transfer, waiting on the executor between steps. A wait may be cancelled only while
// no byte of the message has moved, so a cancelled operation leaves the stream whole.
template <class Executor, class Result>
struct connection_op
{
    Executor executor;
    std::unique_ptr<connection_transfer> transfer;
    error_code refused; // found before the transfer could start (encoding)
    // Makes the completion's value from the payload (receiving) or nothing (sending).
    Result (*make_result)(std::string payload, error_code& ec);
    std::shared_ptr<handle_waiter<Executor>> waiter;
    bool started = false;
    bool untouched = true;

    template <class Self>
    void operator()(Self& self, error_code wait_ec = {})
    {
        if (start_off_initiation(self, started, executor))
            return;
        if (refused)
            return finish(self, refused);
        if (wait_ec == boost::asio::error::operation_aborted ||
            (untouched &&
             self.get_cancellation_state().cancelled() != boost::asio::cancellation_type::none)) {
            untouched = transfer->cancel();
            if (untouched)
                return finish(self, boost::asio::error::operation_aborted);
        } else if (wait_ec) {
            return finish(self, wait_ec);
        }
        error_code ec;
        if (transfer->step(ec))
            return finish(self, ec);
        untouched = transfer->untouched();
        if (!waiter) {
            const std::intptr_t handle = transfer->duplicate_wait_handle(ec);
            if (ec)
                return finish(self, ec);
            waiter = make_waiter(executor, handle);
        }
        // Read before `self`, and this object with it, is moved into the wait.
        const bool writable = transfer->sending();
        const auto wait_on = waiter;
        // Once under way, the message is finished whatever is asked.
        async_wait_ready(wait_on, writable, untouched, std::move(self));
    }

    template <class Self>
    void finish(Self& self, error_code ec)
    {
        waiter.reset();
        std::string payload = transfer && !ec ? transfer->take_payload() : std::string();
        transfer.reset(); // the direction is free for the handler's next operation
        Result result = make_result(std::move(payload), ec);
        if constexpr (std::is_same_v<Result, std::monostate>)
            self.complete(ec);
        else
            self.complete(ec, std::move(result));
    }
};

template <class T>
T decode_message(std::string payload, error_code& ec)
{
    std::tuple<T> value(make_empty<T>());
    try {
        if (!ec)
            decode_into(payload, value);
    } catch (const system_error& e) {
        ec = e.code();
    }
    return std::move(std::get<0>(value));
}

inline std::string keep_bytes(std::string payload, error_code&)
{
    return payload;
}

inline std::monostate no_result(std::string, error_code&)
{
    return {};
}

template <class Result, class Signature, class Executor, class Token>
auto async_transfer(const Executor& ex, std::unique_ptr<connection_transfer> transfer,
                    error_code refused, Result (*make_result)(std::string, error_code&),
                    Token&& token)
{
    return boost::asio::async_compose<Token, Signature>(
        connection_op<Executor, Result>{ex, std::move(transfer), refused, make_result, {}}, token,
        ex);
}

} // namespace detail

/// Sends `value` on `c` (Python's `send`), completing with `void(error_code)` on `ex`.
///
/// The value is encoded (Boost.Serialization) before this returns; the handler is never invoked
/// from within this function. Nothing runs but on `ex`: no thread is started. Errors: those of
/// `connection::send`, and `errc::operation_in_progress` while another send (blocking or
/// asynchronous) is under way on this end. Cancellation (any type) completes the operation with
/// `asio::error::operation_aborted` if no byte of the message has been written; once one has,
/// the operation writes the rest and completes normally. `c` is a handle: the caller's copy
/// need not outlive the operation.
template <class T, class Executor, class Token,
          std::enable_if_t<detail::is_executor_v<Executor>, int> = 0>
auto async_send(connection& c, const Executor& ex, const T& value, Token&& token)
{
    error_code refused;
    std::string payload;
    try {
        payload = detail::encode(value);
    } catch (const system_error& e) {
        refused = e.code();
    }
    auto transfer =
        std::make_unique<detail::connection_transfer>(c, detail::type_tag<T>(), std::move(payload));
    return detail::async_transfer<std::monostate, void(error_code)>(
        ex, std::move(transfer), refused, &detail::no_result, std::forward<Token>(token));
}

/// As above, on the executor of `context` (an `io_context`, say).
template <class T, class ExecutionContext, class Token,
          std::enable_if_t<detail::is_execution_context_v<ExecutionContext>, int> = 0>
auto async_send(connection& c, ExecutionContext& context, const T& value, Token&& token)
{
    return async_send(c, context.get_executor(), value, std::forward<Token>(token));
}

/// Receives a value sent with `send<T>` or `async_send` (Python's `recv`), completing with
/// `void(error_code, T)` on `ex`.
///
/// The handler is never invoked from within this function; no thread is started. Errors: those
/// of `connection::recv<T>` (a message of another type stays to be received), and
/// `errc::operation_in_progress` while another receive is under way on this end. Cancellation
/// (any type) completes the operation with `asio::error::operation_aborted` if no byte of a
/// message has been read; once one has, the operation reads the whole message and completes
/// with it, so no message is ever lost or torn.
template <class T, class Executor, class Token,
          std::enable_if_t<detail::is_executor_v<Executor>, int> = 0>
auto async_recv(connection& c, const Executor& ex, Token&& token)
{
    return detail::async_transfer<T, void(error_code, T)>(
        ex, std::make_unique<detail::connection_transfer>(c, detail::type_tag<T>()), {},
        &detail::decode_message<T>, std::forward<Token>(token));
}

/// As above, on the executor of `context`.
template <class T, class ExecutionContext, class Token,
          std::enable_if_t<detail::is_execution_context_v<ExecutionContext>, int> = 0>
auto async_recv(connection& c, ExecutionContext& context, Token&& token)
{
    return async_recv<T>(c, context.get_executor(), std::forward<Token>(token));
}

/// Sends raw bytes (Python's `send_bytes`), completing with `void(error_code)`; as `async_send`.
template <class Executor, class Token, std::enable_if_t<detail::is_executor_v<Executor>, int> = 0>
auto async_send_bytes(connection& c, const Executor& ex, std::string_view bytes, Token&& token)
{
    return detail::async_transfer<std::monostate, void(error_code)>(
        ex, std::make_unique<detail::connection_transfer>(c, detail::bytes_tag, std::string(bytes)),
        {}, &detail::no_result, std::forward<Token>(token));
}

/// As above, on the executor of `context`.
template <class ExecutionContext, class Token,
          std::enable_if_t<detail::is_execution_context_v<ExecutionContext>, int> = 0>
auto async_send_bytes(connection& c, ExecutionContext& context, std::string_view bytes,
                      Token&& token)
{
    return async_send_bytes(c, context.get_executor(), bytes, std::forward<Token>(token));
}

/// Receives what one `send_bytes` (or any send) sent (Python's `recv_bytes`), completing with
/// `void(error_code, std::string)`; as `async_recv`.
template <class Executor, class Token, std::enable_if_t<detail::is_executor_v<Executor>, int> = 0>
auto async_recv_bytes(connection& c, const Executor& ex, Token&& token)
{
    return detail::async_transfer<std::string, void(error_code, std::string)>(
        ex, std::make_unique<detail::connection_transfer>(c, detail::bytes_tag), {},
        &detail::keep_bytes, std::forward<Token>(token));
}

/// As above, on the executor of `context`.
template <class ExecutionContext, class Token,
          std::enable_if_t<detail::is_execution_context_v<ExecutionContext>, int> = 0>
auto async_recv_bytes(connection& c, ExecutionContext& context, Token&& token)
{
    return async_recv_bytes(c, context.get_executor(), std::forward<Token>(token));
}

} // namespace multiproc

#endif
