// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_DETAIL_TCP_ADDRESS_HPP
#define MULTIPROC_SOURCE_DETAIL_TCP_ADDRESS_HPP

// A TCP address as the socket calls take it, the same on POSIX and Windows (BSD sockets and
// Winsock share these calls). Include it after the platform's socket headers: posix/listener.cpp
// and windows/listener.cpp do.

#include "os.hpp"

#include <cstdint>
#include <cstring>
#include <string>

namespace multiproc::detail::os {

/// The socket address of a TCP `where` (an empty name is 127.0.0.1), or false with ec set.
inline bool resolve_tcp(const address& where, sockaddr_storage& out, socklen_t& size,
                        error_code& ec)
{
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(where.port);
    const std::string host = where.name.empty() ? "127.0.0.1" : where.name;
    if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || !found) {
        ec = make_error_code(boost::system::errc::address_not_available);
        return false;
    }
    std::memset(&out, 0, sizeof out);
    std::memcpy(&out, found->ai_addr, found->ai_addrlen);
    size = static_cast<socklen_t>(found->ai_addrlen);
    ::freeaddrinfo(found);
    return true;
}

/// The port a bound socket listens on (0 if it cannot be told).
template <class Socket>
std::uint16_t bound_port(Socket s)
{
    sockaddr_storage a{};
    socklen_t size = sizeof a;
    if (::getsockname(s, reinterpret_cast<sockaddr*>(&a), &size) != 0)
        return 0;
    if (a.ss_family == AF_INET)
        return ntohs(reinterpret_cast<sockaddr_in&>(a).sin_port);
    if (a.ss_family == AF_INET6)
        return ntohs(reinterpret_cast<sockaddr_in6&>(a).sin6_port);
    return 0;
}

} // namespace multiproc::detail::os

#endif
