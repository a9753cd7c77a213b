// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_PIPE_HPP
#define MULTIPROC_PIPE_HPP

/// @file
/// `multiproc::pipe()` and `connection`: Python's `multiprocessing.Pipe`.

#include <multiproc/detail/config.hpp>

#include <multiproc/detail/handles.hpp>
#include <multiproc/error.hpp>
#include <multiproc/task.hpp>
#include <multiproc/this_process.hpp>

#include <boost/serialization/split_member.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <typeinfo>
#include <utility>

namespace multiproc {

namespace detail {
struct connection_state;

inline constexpr std::uint64_t bytes_tag = 0;

MULTIPROC_DECL void connection_send(connection_state* c, std::uint64_t tag,
                                    std::string_view payload, error_code& ec);
/// The next message, if its tag is `tag`; otherwise it stays to be read and ec says why.
MULTIPROC_DECL std::string connection_receive(connection_state* c, std::uint64_t tag,
                                              error_code& ec);
MULTIPROC_DECL bool connection_poll(connection_state* c,
                                    std::chrono::steady_clock::time_point deadline, error_code& ec);
MULTIPROC_DECL std::string export_connection(const std::shared_ptr<connection_state>& c);
MULTIPROC_DECL std::shared_ptr<connection_state> import_connection(const std::string& token);
} // namespace detail

class connection;

namespace detail {
/// For multiproc::wait: the connection's own handle, to poll for readability; -1 (POSIX) or
/// INVALID_HANDLE_VALUE (Windows) once closed. Owned by the connection.
std::intptr_t connection_wait_handle(const connection& c) noexcept;
/// For the library's own functions on a connection (send_handle, recv_handle: a public friend of
/// an exported class would lose its dllimport). Null for an empty handle.
connection_state* state_of(const connection& c) noexcept;
} // namespace detail

namespace detail {
/// One message sent or received by an Asio operation (async_pipe.hpp), in steps that never
/// block. While it lasts it owns its direction of the connection: other sends (or receives)
/// there fail with `errc::operation_in_progress` instead of tearing the message.
class MULTIPROC_DECL connection_transfer
{
public:
    /// Sends `payload` framed with `tag`.
    connection_transfer(const connection& c, std::uint64_t tag, std::string payload);
    /// Receives the next message, expected to carry `tag`.
    connection_transfer(const connection& c, std::uint64_t tag);
    ~connection_transfer();
    connection_transfer(const connection_transfer&) = delete;
    connection_transfer& operator=(const connection_transfer&) = delete;

    /// Moves what can move now: true when finished (`ec` the outcome), false when the caller
    /// must wait on the wait handle (readable, or writable when `sending()`) and call again.
    bool step(error_code& ec);
    bool sending() const noexcept;
    /// A new handle, owned by the caller: the descriptor (POSIX) or an event (Windows).
    std::intptr_t duplicate_wait_handle(error_code& ec) const;
    /// Asked to stop while waiting: true if no byte of the message has moved (the operation
    /// ends as cancelled); false if the message is under way and must be finished.
    bool cancel() noexcept;
    /// True while no byte of the message has moved.
    bool untouched() const noexcept;
    /// The payload received.
    std::string take_payload() noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};
} // namespace detail

/// One end of a pipe (Python's `Connection`). Messages keep their bounds: what one `send`
/// sends, one `recv` receives, whole, even with several threads on one end.
///
/// A connection passed as an argument to a `process` is passed on to the child (spawn or fork);
/// both processes then hold that end, so close the ends a process does not use: a reader sees
/// end-of-stream (`error::peer_closed`, Python's EOFError) only once every writer has closed.
///
/// `send`, `recv` and `poll` block the calling thread, which is the only thread they use. For
/// Asio programs, async_pipe.hpp has `async_send` and `async_recv` on your executor.
class MULTIPROC_DECL connection : public detail::plain_serialization<connection>
{
public:
    /// A closed connection.
    connection() = default;
    /// @cond MULTIPROC_INTERNAL
    explicit connection(std::shared_ptr<detail::connection_state> state) noexcept
        : state_(std::move(state))
    {}
    /// @endcond

    /// Sends a value, encoded with Boost.Serialization.
    template <class T>
    void send(const T& value)
    {
        detail::call_or_throw("multiproc::connection::send",
                              [&](error_code& ec) { send(value, ec); });
    }
    /// As above, with the failure in `ec` instead of thrown.
    template <class T>
    void send(const T& value, error_code& ec)
    {
        try {
            detail::connection_send(state_.get(), detail::type_tag<T>(), detail::encode(value), ec);
        } catch (const system_error& e) {
            ec = e.code();
        }
    }

    /// Receives a value sent with `send<T>`. A message of another type is an error
    /// (`error::signature_mismatch`) and stays to be received with the right type.
    template <class T>
    T recv()
    {
        return detail::call_or_throw("multiproc::connection::recv",
                                     [&](error_code& ec) { return recv<T>(ec); });
    }
    /// As above, with the failure in `ec` instead of thrown.
    template <class T>
    T recv(error_code& ec)
    {
        const std::string payload =
            detail::connection_receive(state_.get(), detail::type_tag<T>(), ec);
        std::tuple<T> value(detail::make_empty<T>());
        if (!ec)
            detail::decode_into(payload, value);
        return std::move(std::get<0>(value));
    }

    /// Sends raw bytes; `recv_bytes` receives them (Python's send_bytes / recv_bytes).
    void send_bytes(std::string_view bytes);
    /// As above, with the failure in `ec` instead of thrown.
    void send_bytes(std::string_view bytes, error_code& ec);
    /// Receives what one `send_bytes` sent.
    std::string recv_bytes();
    /// As above, with the failure in `ec` instead of thrown.
    std::string recv_bytes(error_code& ec);

    /// True when a message (or end-of-stream) can be received without blocking, waiting at
    /// most `timeout` for it.
    template <class Rep = long, class Period = std::milli>
    bool poll(std::chrono::duration<Rep, Period> timeout = std::chrono::milliseconds(0))
    {
        return detail::call_or_throw("multiproc::connection::poll",
                                     [&](error_code& ec) { return poll(timeout, ec); });
    }
    /// As above, with the failure in `ec` instead of thrown.
    template <class Rep, class Period>
    bool poll(std::chrono::duration<Rep, Period> timeout, error_code& ec)
    {
        return detail::connection_poll(state_.get(), detail::deadline_after(timeout), ec);
    }

    /// Closes this end in this process (other processes' copies stay open).
    void close() noexcept;
    /// True once closed (or default-constructed).
    bool closed() const noexcept;
    /// True if this end may receive (false for the sending end of a one-way pipe).
    bool readable() const noexcept;
    /// True if this end may send (false for the receiving end of a one-way pipe).
    bool writable() const noexcept;

    /// Serialization passes the connection to a spawned child; only as a `process` argument.
    template <class Archive>
    void save(Archive& archive, unsigned) const
    {
        const std::string token = detail::export_connection(state_);
        archive << token;
    }
    /// The child's side of `save`.
    template <class Archive>
    void load(Archive& archive, unsigned)
    {
        std::string token;
        archive >> token;
        state_ = detail::import_connection(token);
    }
    BOOST_SERIALIZATION_SPLIT_MEMBER()

private:
    friend class detail::connection_transfer;
    friend std::intptr_t detail::connection_wait_handle(const connection& c) noexcept;
    friend detail::connection_state* detail::state_of(const connection& c) noexcept;
    std::shared_ptr<detail::connection_state> state_;
};

/// Two connected ends (Python's `Pipe(duplex)`). With `duplex` false the first end only
/// receives and the second only sends.
MULTIPROC_DECL std::pair<connection, connection> pipe(bool duplex = true);
/// As above, with the failure in `ec` instead of thrown.
MULTIPROC_DECL std::pair<connection, connection> pipe(bool duplex, error_code& ec);

} // namespace multiproc

#endif
