// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// A connection frames its messages on a channel:
//   message := u32 length (of tag + payload, little-endian) | u64 tag | payload
// The tag is 0 for raw bytes, or the hash of the type name for `send<T>`.

#include <multiproc/pipe.hpp>

#include "detail/os.hpp"

#include <cstring>
#include <mutex>
#include <optional>

namespace multiproc {
namespace detail {

struct connection_state
{
    os::channel channel;
    bool readable = true;
    bool writable = true;
    std::mutex send_mutex;    // one message at a time on the wire
    std::mutex receive_mutex; // and off it
    // A received message whose type the reader did not expect: kept for the next receive.
    std::optional<std::pair<std::uint64_t, std::string>> pending;
};

namespace {

constexpr std::size_t header_size = 4 + 8;

void put_le(char* out, std::uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; ++i)
        out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

std::uint64_t get_le(const char* in, int bytes)
{
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i)
        v |= std::uint64_t(static_cast<unsigned char>(in[i])) << (8 * i);
    return v;
}

bool usable(connection_state* c, bool for_sending, error_code& ec)
{
    if (!c || !c->channel.is_open()) {
        ec = make_error_code(error::peer_closed);
        return false;
    }
    if (for_sending ? !c->writable : !c->readable) {
        ec = make_error_code(error::not_supported); // Python: "connection is read-only"
        return false;
    }
    return true;
}

} // namespace

void connection_send(connection_state* c, std::uint64_t tag, std::string_view payload,
                     error_code& ec)
{
    if (!usable(c, true, ec))
        return;
    if (payload.size() > max_message_size) {
        ec = make_error_code(error::message_too_large);
        return;
    }
    std::lock_guard<std::mutex> lock(c->send_mutex);
    const auto no_deadline = os::clock::time_point::max();
    char header[header_size];
    put_le(header, payload.size() + 8, 4);
    put_le(header + 4, tag, 8);
    if (payload.size() <= 4096) { // one write for small messages
        std::string message(header, header_size);
        message.append(payload);
        c->channel.write_all(message.data(), message.size(), no_deadline, ec);
        return;
    }
    c->channel.write_all(header, header_size, no_deadline, ec);
    if (!ec)
        c->channel.write_all(payload.data(), payload.size(), no_deadline, ec);
}

std::string connection_receive(connection_state* c, std::uint64_t tag, error_code& ec)
{
    if (!usable(c, false, ec))
        return {};
    std::lock_guard<std::mutex> lock(c->receive_mutex);
    if (!c->pending) {
        char header[header_size];
        c->channel.read_exact(header, header_size, ec);
        if (ec)
            return {};
        const std::uint64_t length = get_le(header, 4);
        if (length < 8 || length - 8 > max_message_size) {
            ec = make_error_code(error::bad_message);
            return {};
        }
        std::string payload;
        c->channel.read_exact(payload, length - 8, ec); // grown as it arrives
        if (ec)
            return {};
        c->pending.emplace(get_le(header + 4, 8), std::move(payload));
    }
    // Raw bytes can be read as bytes only; recv_bytes takes any message, as in Python.
    if (tag != bytes_tag && c->pending->first != tag) {
        ec = make_error_code(error::signature_mismatch);
        return {};
    }
    std::string payload = std::move(c->pending->second);
    c->pending.reset();
    ec.clear();
    return payload;
}

bool connection_poll(connection_state* c, std::chrono::steady_clock::time_point deadline,
                     error_code& ec)
{
    if (!usable(c, false, ec))
        return false;
    {
        std::lock_guard<std::mutex> lock(c->receive_mutex);
        if (c->pending)
            return true;
    }
    return c->channel.wait_readable(deadline, ec);
}

std::string export_connection(const std::shared_ptr<connection_state>& c)
{
    if (!c || !c->channel.is_open())
        throw system_error(make_error_code(error::peer_closed),
                           "multiproc::connection: a closed connection cannot be passed on");
    if (!inherit_handle(os::from_native(c->channel.native()), c))
        throw system_error(make_error_code(error::not_supported),
                           "multiproc::connection: a connection crosses processes only as an "
                           "argument of a process");
    return c->channel.token() + ':' + (c->readable ? 'r' : '-') + (c->writable ? 'w' : '-');
}

std::shared_ptr<connection_state> import_connection(const std::string& token)
{
    const auto colon = token.rfind(':');
    error_code ec;
    auto c = std::make_shared<connection_state>();
    if (colon != std::string::npos && token.size() == colon + 3)
        c->channel = os::channel::adopt(token.substr(0, colon), ec);
    if (colon == std::string::npos || token.size() != colon + 3 || ec)
        throw system_error(make_error_code(error::bad_message),
                           "multiproc::connection: bad handle from the parent");
    c->readable = token[colon + 1] == 'r';
    c->writable = token[colon + 2] == 'w';
    return c;
}

} // namespace detail

void connection::send_bytes(std::string_view bytes)
{
    error_code ec;
    send_bytes(bytes, ec);
    detail::throw_if(ec, "multiproc::connection::send_bytes");
}

void connection::send_bytes(std::string_view bytes, error_code& ec)
{
    detail::connection_send(state_.get(), detail::bytes_tag, bytes, ec);
}

std::string connection::recv_bytes()
{
    error_code ec;
    std::string bytes = recv_bytes(ec);
    detail::throw_if(ec, "multiproc::connection::recv_bytes");
    return bytes;
}

std::string connection::recv_bytes(error_code& ec)
{
    return detail::connection_receive(state_.get(), detail::bytes_tag, ec);
}

void connection::close() noexcept
{
    if (state_)
        state_->channel.close();
}

bool connection::closed() const noexcept
{
    return !state_ || !state_->channel.is_open();
}

bool connection::readable() const noexcept
{
    return state_ && state_->readable;
}

bool connection::writable() const noexcept
{
    return state_ && state_->writable;
}

std::pair<connection, connection> pipe(bool duplex)
{
    error_code ec;
    auto ends = pipe(duplex, ec);
    detail::throw_if(ec, "multiproc::pipe");
    return ends;
}

std::pair<connection, connection> pipe(bool duplex, error_code& ec)
{
    auto first = std::make_shared<detail::connection_state>();
    auto second = std::make_shared<detail::connection_state>();
    detail::os::channel::make_pair(first->channel, second->channel, ec);
    if (ec)
        return {};
    if (!duplex) {
        first->writable = false;
        second->readable = false;
    }
    return {connection(std::move(first)), connection(std::move(second))};
}

} // namespace multiproc
