// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// POSIX channel: an AF_UNIX socketpair.

#include "util.hpp"

#include <cerrno>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <thread>

namespace multiproc::detail::os {

native_handle channel::invalid() noexcept
{
    return -1;
}

bool channel::is_open() const noexcept
{
    return handle_ >= 0;
}

void channel::close() noexcept
{
    if (handle_ >= 0)
        ::close(handle_);
    handle_ = -1;
}

void channel::shutdown_send() noexcept
{
    if (handle_ >= 0)
        ::shutdown(handle_, SHUT_WR);
}

void channel::make_pair(channel& parent_end, channel& child_end, error_code& ec, bool)
{
    int fds[2];
    // Close-on-exec on both ends: the spawn launcher passes the child's end on explicitly,
    // so no other child started meanwhile inherits it.
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
        ec = last_error();
        return;
    }
    parent_end = channel(fds[0]);
    child_end = channel(fds[1]);
    ec.clear();
}

std::string channel::token() const
{
    return std::to_string(handle_);
}

channel channel::adopt(const std::string& token, error_code& ec)
{
    int fd = -1;
    try {
        std::size_t used = 0;
        fd = std::stoi(token, &used);
        if (used != token.size())
            fd = -1;
    } catch (const std::exception&) {
        fd = -1;
    }
    if (fd < 0 || ::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
        ec = make_error_code(error::bad_message);
        return {};
    }
    ec.clear();
    return channel(fd);
}

bool poll_until(pollfd* fds, std::size_t count, clock::time_point deadline, error_code& ec)
{
    for (;;) {
        const int n = ::poll(fds, count, poll_timeout(deadline));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            ec = last_error();
            return false;
        }
        ec.clear();
        if (n > 0)
            return true;
        if (clock::now() >= deadline)
            return false;
    }
}

void channel::write_all(const void* data, std::size_t size, clock::time_point deadline,
                        error_code& ec)
{
    auto p = static_cast<const char*>(data);
    ec.clear();
    while (size > 0) {
        // MSG_NOSIGNAL: a dead peer is an error code, not a SIGPIPE.
        const ssize_t n = ::send(handle_, p, size, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0) {
            p += n;
            size -= static_cast<std::size_t>(n);
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (!wait_for_events(handle_, POLLOUT, deadline, ec) && !ec)
                ec = make_error_code(error::timeout);
            if (ec)
                return;
            continue;
        }
        ec = errno == EPIPE || errno == ECONNRESET ? make_error_code(error::peer_closed)
                                                   : last_error();
        return;
    }
}

std::size_t channel::read_some(void* data, std::size_t size, error_code& ec)
{
    for (;;) {
        const ssize_t n = ::recv(handle_, data, size, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            ec = errno == ECONNRESET ? make_error_code(error::peer_closed) : last_error();
        else if (n == 0 && size > 0)
            ec = make_error_code(error::peer_closed);
        else
            ec.clear();
        return n < 0 ? 0 : static_cast<std::size_t>(n);
    }
}

bool channel::wait_readable(clock::time_point deadline, error_code& ec)
{
    return wait_for_events(handle_, POLLIN, deadline, ec);
}

channel_step::channel_step(native_handle channel, bool write, error_code& ec)
    : channel_(channel), write_(write)
{
    ec.clear();
}

channel_step::~channel_step() = default;

bool channel_step::step(void* data, std::size_t size, std::size_t& moved, error_code& ec)
{
    ec.clear();
    moved = 0;
    for (;;) {
        // MSG_DONTWAIT: the descriptor's own mode is shared with the blocking calls.
        const ssize_t n = write_ ? ::send(channel_, data, size, MSG_NOSIGNAL | MSG_DONTWAIT)
                                 : ::recv(channel_, data, size, MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return false;
        if (n < 0)
            ec = errno == EPIPE || errno == ECONNRESET ? make_error_code(error::peer_closed)
                                                       : last_error();
        else if (n == 0 && !write_ && size > 0)
            ec = make_error_code(error::peer_closed);
        else
            moved = static_cast<std::size_t>(n);
        return true;
    }
}

native_handle channel_step::duplicate_wait_handle(error_code& ec) const
{
    const int fd = ::fcntl(channel_, F_DUPFD_CLOEXEC, 0);
    ec = fd < 0 ? last_error() : error_code();
    return fd;
}

std::size_t channel_step::cancel() noexcept
{
    return 0;
}

bool made_by_parent(const channel& c) noexcept
{
    const int fd = c.native();
#if defined(__linux__)
    int domain = 0;
    socklen_t domain_size = sizeof domain;
    ucred peer{};
    socklen_t peer_size = sizeof peer;
    return ::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &domain_size) == 0 &&
           domain == AF_UNIX && ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &peer_size) == 0 &&
           peer.pid == ::getppid() && peer.uid == ::geteuid();
#else
    int type = 0;
    socklen_t type_size = sizeof type;
    return ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_size) == 0 && type == SOCK_STREAM;
#endif
}

void exit_when_closed(const channel& to_parent)
{
    std::thread([fd = to_parent.native()] {
        // The parent sends nothing more; the read returns only when its end closes.
        char byte;
        for (;;) {
            const ssize_t n = ::recv(fd, &byte, 1, 0);
            if (n == 0 || (n < 0 && errno != EINTR))
                ::_exit(1);
        }
    }).detach();
}

} // namespace multiproc::detail::os
