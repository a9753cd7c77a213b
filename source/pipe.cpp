// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// A connection frames its messages on a channel:
//   message := u32 length (of body, little-endian) | body
//   body    := bytes                             from send_bytes: the bytes as given
//            | typed_mark | u64 tag | encoding   from send<T>: tag is the hash of T's name
//   typed_mark := the 4 bytes 00 'm' 'p' 'T'
// recv_bytes returns the body whole, so a typed message relayed with send_bytes(recv_bytes())
// is still a typed message (as a pickle relayed in Python is still unpicklable); recv<T> takes
// a body only if it is marked with T's tag.

#include <multiproc/pipe.hpp>

#include "detail/connection.hpp"
#include "detail/os.hpp"

#include <multiproc/detail/wire.hpp>
#include <multiproc/listener.hpp>

#include <mutex>
#include <optional>
#include <utility>

namespace multiproc {
namespace detail {

struct connection_state
{
    os::channel channel;
    bool readable = true;
    bool writable = true;
    std::mutex send_mutex;    // one message at a time on the wire
    std::mutex receive_mutex; // and off it
    // An Asio operation owns the direction between its steps (it cannot hold the mutex).
    bool async_sending = false;   // under send_mutex
    bool async_receiving = false; // under receive_mutex
    // A received body whose type the reader did not expect: kept for the next receive.
    std::optional<std::string> pending;
};

namespace {

constexpr std::size_t header_size = 4;
constexpr char typed_mark[4] = {'\0', 'm', 'p', 'T'};
constexpr std::size_t typed_prefix_size = sizeof typed_mark + 8;

bool usable(connection_state* c, bool for_sending, error_code& ec)
{
    if (!c || !c->channel.is_open()) {
        ec = make_error_code(error::peer_closed);
        return false;
    }
    if (for_sending && !c->writable) {
        ec = make_error_code(error::connection_read_only);
        return false;
    }
    if (!for_sending && !c->readable) {
        ec = make_error_code(error::connection_write_only);
        return false;
    }
    ec.clear(); // a caller's code from an earlier call must not read as this call's failure
    return true;
}

// The direction's mutex is held. A message may not start while an Asio operation has one under
// way in the same direction.
bool idle(bool async_busy, error_code& ec)
{
    if (async_busy)
        ec = make_error_code(boost::system::errc::operation_in_progress);
    return !async_busy;
}

// What precedes the payload on the wire: the header, and the typed prefix unless `tag` is
// bytes_tag. Empty if the body would be too large.
std::string frame_start(std::uint64_t tag, std::size_t payload_size, error_code& ec)
{
    const std::size_t prefix = tag == bytes_tag ? 0 : typed_prefix_size;
    if (!fits_message_limit(payload_size, ec))
        return {};
    std::string start;
    start.reserve(header_size + prefix);
    wire_writer out(start);
    out.u32(static_cast<std::uint32_t>(payload_size + prefix));
    if (prefix)
        out.bytes(std::string_view(typed_mark, sizeof typed_mark)).u64(tag);
    ec.clear();
    return start;
}

// The largest body a sender of ours writes: a message and its typed prefix.
std::size_t max_body() noexcept
{
    return message_limit() + typed_prefix_size;
}

// The body's size from a received header, which the peer could have made up.
std::size_t body_size(const char* header, error_code& ec)
{
    const std::uint64_t length = load_le<header_size>(header);
    if (length > max_body()) { // no sender of ours writes more
        ec = make_error_code(error::bad_message);
        return 0;
    }
    return length;
}

bool marked_with(const std::string& body, std::uint64_t tag)
{
    wire_reader in(body);
    const bool marked =
        in.bytes(sizeof typed_mark) == std::string_view(typed_mark, sizeof typed_mark);
    return marked && in.u64() == tag && !in.failed();
}

// Under receive_mutex: the pending body whole for bytes, its encoding if it is typed `tag`;
// else it stays pending.
std::string take_pending(connection_state& c, std::uint64_t tag, error_code& ec)
{
    if (tag != bytes_tag && !marked_with(*c.pending, tag)) {
        ec = make_error_code(error::signature_mismatch);
        return {};
    }
    std::string payload = std::move(*c.pending);
    c.pending.reset();
    if (tag != bytes_tag)
        payload.erase(0, typed_prefix_size);
    ec.clear();
    return payload;
}

} // namespace

void connection_send(connection_state* c, std::uint64_t tag, std::string_view payload,
                     error_code& ec)
{
    if (!usable(c, true, ec))
        return;
    std::string header = frame_start(tag, payload.size(), ec);
    if (ec)
        return;
    std::lock_guard<std::mutex> lock(c->send_mutex);
    if (!idle(c->async_sending, ec))
        return;
    const auto no_deadline = os::clock::time_point::max();
    if (payload.size() <= 4096) { // one write for small messages
        header.append(payload);
        c->channel.write_all(header.data(), header.size(), no_deadline, ec);
        return;
    }
    c->channel.write_all(header.data(), header.size(), no_deadline, ec);
    if (!ec)
        c->channel.write_all(payload.data(), payload.size(), no_deadline, ec);
}

namespace {

// Under receive_mutex, nothing pending: reads the next message into `pending`. A body longer
// than `limit` is refused unread. With `handle`, the descriptor that rode on the header
// (POSIX) is kept there.
void receive_pending(connection_state& c, std::size_t limit, os::native_handle* handle,
                     error_code& ec)
{
    char header[header_size];
    if (handle)
        *handle = c.channel.read_exact_with_handle(header, header_size, ec);
    else
        c.channel.read_exact(header, header_size, ec);
    const std::size_t size = ec ? 0 : body_size(header, ec);
    if (!ec && size > limit)
        ec = make_error_code(error::message_too_large);
    std::string body;
    if (!ec)
        c.channel.read_exact(body, size, ec); // grown as it arrives
    if (!ec)
        c.pending.emplace(std::move(body));
    else if (handle)
        os::close_handle(std::exchange(*handle, os::channel::invalid()));
}

} // namespace

namespace {

// The next message, of at most `limit` bytes (a pending one too: it stays pending if larger).
std::string receive_within(connection_state* c, std::size_t limit, std::uint64_t tag,
                           error_code& ec)
{
    if (!usable(c, false, ec))
        return {};
    std::lock_guard<std::mutex> lock(c->receive_mutex);
    if (!idle(c->async_receiving, ec))
        return {};
    if (!c->pending)
        receive_pending(*c, limit, nullptr, ec);
    else if (c->pending->size() > limit)
        ec = make_error_code(error::message_too_large);
    return ec ? std::string() : take_pending(*c, tag, ec);
}

} // namespace

std::string connection_receive(connection_state* c, std::uint64_t tag, error_code& ec)
{
    return receive_within(c, max_body(), tag, ec); // every pending body is within max_body()
}

std::string connection_receive_at_most(connection_state* c, std::size_t limit, error_code& ec)
{
    return receive_within(c, limit, bytes_tag, ec);
}

std::shared_ptr<connection_state> make_connection(os::channel channel)
{
    auto c = std::make_shared<connection_state>();
    c->channel = std::move(channel);
    return c;
}

// The type whose tag marks a message that carries a handle (recv_handle).
struct passed_handle
{
};

namespace {
std::uint64_t handle_tag()
{
    return type_tag<passed_handle>();
}
} // namespace

void connection_send_handle(connection_state* c, std::intptr_t handle, pid_type destination,
                            error_code& ec)
{
    if (!usable(c, true, ec))
        return;
    const std::uint64_t value = os::handle_for(os::to_native(handle), destination, ec);
    if (ec)
        return;
    std::string message = frame_start(handle_tag(), 8, ec);
    wire_writer(message).u64(value);
    std::lock_guard<std::mutex> lock(c->send_mutex);
    if (!idle(c->async_sending, ec))
        return;
    c->channel.write_all_with_handle(message.data(), message.size(), os::to_native(handle), ec);
}

std::intptr_t connection_receive_handle(connection_state* c, error_code& ec)
{
    const auto none = os::from_native(os::channel::invalid());
    if (!usable(c, false, ec))
        return none;
    std::lock_guard<std::mutex> lock(c->receive_mutex);
    if (!idle(c->async_receiving, ec))
        return none;
    os::native_handle attached = os::channel::invalid();
    if (!c->pending)
        receive_pending(*c, max_body(), &attached, ec);
    const std::string payload = ec ? std::string() : take_pending(*c, handle_tag(), ec);
    wire_reader in(payload);
    const std::uint64_t in_message = in.u64();
    if (!ec)
        in.finish(ec); // exactly the handle's 8 bytes
    if (ec) {
        os::close_handle(attached);
        return none;
    }
    return os::from_native(os::received_handle(attached, in_message, ec));
}

struct connection_transfer::impl
{
    static constexpr std::size_t growth_step = 64 * 1024;

    std::shared_ptr<connection_state> c;
    bool sending;
    std::uint64_t tag;  // sending: the message's; receiving: the one expected
    error_code refused; // why the message cannot even start: reported by the first step
    bool owns_direction = false;
    std::optional<os::channel_step> io;
    // Sending: header and payload. Receiving: the header, then the payload.
    std::string buffer;
    std::size_t done = 0;
    bool header_read = false;
    std::size_t claimed_size = 0; // the body's, from the header: what the peer claims

    std::mutex& mutex() { return sending ? c->send_mutex : c->receive_mutex; }
    bool& busy() { return sending ? c->async_sending : c->async_receiving; }

    impl(const std::shared_ptr<connection_state>& state, bool send, std::uint64_t t)
        : c(state), sending(send), tag(t)
    {
        if (!usable(c.get(), sending, refused))
            return;
        std::lock_guard<std::mutex> lock(mutex());
        if (!idle(busy(), refused))
            return;
        busy() = true;
        owns_direction = true;
        io.emplace(c->channel.native(), sending, refused);
    }

    // The outcome: the direction is free again.
    bool finish(error_code& ec, error_code outcome)
    {
        if (owns_direction) {
            std::lock_guard<std::mutex> lock(mutex());
            busy() = false;
            owns_direction = false;
        }
        ec = outcome;
        return true;
    }

    bool step(error_code& ec)
    {
        if (refused)
            return finish(ec, refused);
        if (!c->channel.is_open())
            return finish(ec, make_error_code(error::peer_closed));
        if (!sending && done == 0 && !header_read) {
            std::unique_lock<std::mutex> lock(c->receive_mutex);
            if (c->pending) { // left by a receive that expected another type
                buffer = take_pending(*c, tag, ec);
                lock.unlock();
                return finish(ec, ec);
            }
        }
        if (!sending && !header_read && buffer.empty())
            buffer.assign(header_size, '\0');
        for (;;) {
            std::size_t moved = 0;
            if (done < buffer.size()) {
                if (!io->step(buffer.data() + done, buffer.size() - done, moved, ec))
                    return false;
                if (ec)
                    return finish(ec, ec);
                done += moved;
            }
            if (done < buffer.size())
                continue;
            if (sending)
                return finish(ec, {});
            if (header_read) {
                if (buffer.size() == claimed_size)
                    break;
                // Grown as the payload arrives: a header alone allocates nothing much.
                buffer.resize(
                    std::min(claimed_size, std::max<std::size_t>(2 * buffer.size(), growth_step)));
                continue;
            }
            claimed_size = body_size(buffer.data(), ec);
            if (ec)
                return finish(ec, ec);
            header_read = true;
            buffer.clear();
            done = 0;
        }
        std::lock_guard<std::mutex> lock(c->receive_mutex);
        c->pending.emplace(std::move(buffer));
        buffer = take_pending(*c, tag, ec);
        c->async_receiving = false; // under its mutex already
        owns_direction = false;
        return true;
    }

    ~impl()
    {
        io.reset(); // stops a Windows transfer in flight before the buffer goes
        error_code ignored;
        finish(ignored, {});
    }
};

connection_transfer::connection_transfer(const connection& c, std::uint64_t tag,
                                         std::string payload)
    : impl_(std::make_unique<impl>(c.state_, true, tag))
{
    if (!impl_->refused)
        impl_->buffer = frame_start(tag, payload.size(), impl_->refused);
    if (!impl_->refused)
        impl_->buffer += payload;
}

connection_transfer::connection_transfer(const connection& c, std::uint64_t tag)
    : impl_(std::make_unique<impl>(c.state_, false, tag))
{}

connection_transfer::~connection_transfer() = default;

bool connection_transfer::step(error_code& ec)
{
    return impl_->step(ec);
}

bool connection_transfer::sending() const noexcept
{
    return impl_->sending;
}

std::intptr_t connection_transfer::duplicate_wait_handle(error_code& ec) const
{
    return os::from_native(impl_->io->duplicate_wait_handle(ec));
}

bool connection_transfer::cancel() noexcept
{
    if (impl_->io)
        impl_->done += impl_->io->cancel();
    return untouched();
}

bool connection_transfer::untouched() const noexcept
{
    return impl_->done == 0 && !impl_->header_read;
}

std::string connection_transfer::take_payload() noexcept
{
    return std::move(impl_->buffer);
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

connection_state* state_of(const connection& c) noexcept
{
    return c.state_.get();
}

std::intptr_t connection_wait_handle(const connection& c) noexcept
{
    const auto& state = c.state_;
    return os::from_native(state && state->channel.is_open() ? state->channel.native()
                                                             : os::invalid_handle());
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

void send_handle(connection& c, std::intptr_t handle, pid_type destination)
{
    detail::call_or_throw("multiproc::send_handle",
                          [&](error_code& ec) { send_handle(c, handle, destination, ec); });
}

void send_handle(connection& c, std::intptr_t handle, pid_type destination, error_code& ec)
{
    detail::connection_send_handle(detail::state_of(c), handle, destination, ec);
}

std::intptr_t recv_handle(connection& c)
{
    return detail::call_or_throw("multiproc::recv_handle",
                                 [&](error_code& ec) { return recv_handle(c, ec); });
}

std::intptr_t recv_handle(connection& c, error_code& ec)
{
    return detail::connection_receive_handle(detail::state_of(c), ec);
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
    // Both ends overlapped on Windows: either may be used by the Asio operations.
    detail::os::channel::make_pair(first->channel, second->channel, ec, true);
    if (ec)
        return {};
    if (!duplex) {
        first->writable = false;
        second->readable = false;
    }
    return {connection(std::move(first)), connection(std::move(second))};
}

} // namespace multiproc
