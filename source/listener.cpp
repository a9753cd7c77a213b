// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// The authkey challenge, as Python's deliver_challenge / answer_challenge, in messages of the
// connection's own framing (pipe.cpp):
//   deliver: send "#CHALLENGE#{sha256}" + 40 random bytes
//            receive the answer (at most 256 bytes: a longer message is refused unread)
//            send "#WELCOME#" if it is "{sha256}" + HMAC-SHA256(authkey, "{sha256}" + random),
//            compared in constant time, else "#FAILURE#"
//   answer:  receive the challenge (at most 256 bytes), send its HMAC as above, receive
//            "#WELCOME#" (anything else: refused)
// The server delivers then answers; the client answers then delivers. Until both have passed,
// the connection is not handed out, and nothing but these messages is read from it.

#include <multiproc/listener.hpp>

#include "detail/connection.hpp"
#include "detail/os.hpp"

#include <string_view>

namespace multiproc {
namespace detail {
namespace {

constexpr std::string_view challenge_mark = "#CHALLENGE#";
constexpr std::string_view welcome = "#WELCOME#";
constexpr std::string_view failure = "#FAILURE#";
constexpr std::string_view digest_prefix = "{sha256}";
constexpr std::size_t challenge_size = 40;
constexpr std::size_t max_handshake_message = 256;

bool equal_in_constant_time(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size())
        return false;
    unsigned char difference = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        difference |= static_cast<unsigned char>(a[i] ^ b[i]);
    return difference == 0;
}

// What answers `challenge` (the bytes after the mark) under `key`.
std::string response_to(std::string_view key, std::string_view challenge, error_code& ec)
{
    std::string digest = os::hmac_sha256(key, challenge, ec);
    return ec ? std::string() : std::string(digest_prefix) + digest;
}

// A handshake message: a longer one, or a failure to read it, fails the authentication.
std::string receive_handshake(connection_state* c, error_code& ec)
{
    std::string message = connection_receive_at_most(c, max_handshake_message, ec);
    if (ec == error::message_too_large || ec == error::signature_mismatch)
        ec = make_error_code(error::authentication_failed);
    return message;
}

void deliver_challenge(connection_state* c, std::string_view key, error_code& ec)
{
    const std::string random = os::random_bytes(challenge_size, ec);
    if (ec)
        return;
    const std::string challenge = std::string(digest_prefix) + random;
    connection_send(c, bytes_tag, std::string(challenge_mark) + challenge, ec);
    const std::string answer = ec ? std::string() : receive_handshake(c, ec);
    const std::string expected = ec ? std::string() : response_to(key, challenge, ec);
    if (ec)
        return;
    if (!equal_in_constant_time(answer, expected)) {
        error_code ignored;
        connection_send(c, bytes_tag, failure, ignored);
        ec = make_error_code(error::authentication_failed);
        return;
    }
    connection_send(c, bytes_tag, welcome, ec);
}

void answer_challenge(connection_state* c, std::string_view key, error_code& ec)
{
    const std::string message = receive_handshake(c, ec);
    if (ec)
        return;
    const std::string_view challenge =
        std::string_view(message).substr(std::min(message.size(), challenge_mark.size()));
    if (message.compare(0, challenge_mark.size(), challenge_mark) != 0 ||
        challenge.size() < digest_prefix.size() + 20) { // Python: at least 20 bytes
        ec = make_error_code(error::authentication_failed);
        return;
    }
    connection_send(c, bytes_tag, response_to(key, challenge, ec), ec);
    const std::string verdict = ec ? std::string() : receive_handshake(c, ec);
    if (!ec && verdict != welcome)
        ec = make_error_code(error::authentication_failed);
}

} // namespace
} // namespace detail

struct listener::impl
{
    detail::os::listen_endpoint endpoint;
    listener_options options;
};

listener::listener(const address& where, const listener_options& options)
{
    error_code ec;
    *this = listener(where, options, ec);
    detail::throw_if(ec, "multiproc::listener");
}

listener::listener(const address& where, const listener_options& options, error_code& ec)
    : impl_(std::make_unique<impl>())
{
    impl_->options = options;
    impl_->endpoint.open(where, options.backlog, ec);
    if (ec)
        impl_.reset();
}

listener::listener(listener&&) noexcept = default;
listener& listener::operator=(listener&&) noexcept = default;
listener::~listener() = default;

connection listener::accept()
{
    return detail::call_or_throw("multiproc::listener::accept",
                                 [&](error_code& ec) { return accept(ec); });
}

connection listener::accept(error_code& ec)
{
    if (closed()) {
        ec = make_error_code(boost::system::errc::bad_file_descriptor);
        return {};
    }
    auto c = detail::make_connection(impl_->endpoint.accept(ec));
    if (ec)
        return {};
    if (const auto& key = impl_->options.authkey) {
        detail::deliver_challenge(c.get(), *key, ec);
        if (!ec)
            detail::answer_challenge(c.get(), *key, ec);
        if (ec)
            return {}; // closed with the last handle to it
    }
    return connection(std::move(c));
}

address listener::local_address() const
{
    return closed() ? address{} : impl_->endpoint.local_address();
}

void listener::close() noexcept
{
    impl_.reset();
}

bool listener::closed() const noexcept
{
    return !impl_ || !impl_->endpoint.is_open();
}

connection client(const address& where, const listener_options& options)
{
    return detail::call_or_throw("multiproc::client",
                                 [&](error_code& ec) { return client(where, options, ec); });
}

connection client(const address& where, const listener_options& options, error_code& ec)
{
    auto c = detail::make_connection(detail::os::connect_to(where, ec));
    if (ec)
        return {};
    if (const auto& key = options.authkey) {
        detail::answer_challenge(c.get(), *key, ec);
        if (!ec)
            detail::deliver_challenge(c.get(), *key, ec);
        if (ec)
            return {};
    }
    return connection(std::move(c));
}

} // namespace multiproc
