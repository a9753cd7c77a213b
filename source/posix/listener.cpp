// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// POSIX listeners: AF_UNIX socket files and TCP; descriptors passed with SCM_RIGHTS; the
// authkey's HMAC and randomness from OpenSSL's libcrypto.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../detail/names.hpp"
#include "../detail/tcp_address.hpp"
#include "util.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstring>
#include <filesystem>
#include <string>

namespace multiproc::detail::os {

namespace {

bool is_abstract(const std::string& name)
{
#if defined(__linux__)
    return !name.empty() && name[0] == '\0';
#else
    (void)name;
    return false;
#endif
}

// The socket address of `where`, or false with ec set.
bool to_sockaddr(const address& where, sockaddr_storage& out, socklen_t& size, error_code& ec)
{
    std::memset(&out, 0, sizeof out);
    if (where.family == address_family::unix_socket) {
        auto& un = reinterpret_cast<sockaddr_un&>(out);
        // A name that starts with NUL is Linux's abstract namespace: no file, its bytes exact.
        const bool abstract = is_abstract(where.name);
        if (where.name.empty() || where.name.size() >= sizeof un.sun_path ||
            where.name.find('\0', abstract ? 1 : 0) != std::string::npos) {
            ec = make_error_code(boost::system::errc::invalid_argument);
            return false;
        }
        un.sun_family = AF_UNIX;
        std::memcpy(un.sun_path, where.name.data(), where.name.size());
        size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + where.name.size() +
                                      (abstract ? 0 : 1));
        return true;
    }
    if (where.family != address_family::tcp) { // named pipes are Windows'
        ec = make_error_code(error::not_supported);
        return false;
    }
    return resolve_tcp(where, out, size, ec);
}

int open_socket(const sockaddr_storage& a, error_code& ec)
{
    const int fd = ::socket(a.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        ec = last_error();
        return -1;
    }
    if (a.ss_family != AF_UNIX) { // messages are small and whole: send them at once
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

} // namespace

void channel::write_all_with_handle(const void* data, std::size_t size, native_handle attached,
                                    error_code& ec)
{
    // The descriptor rides on the first byte; the rest is an ordinary write.
    char control[CMSG_SPACE(sizeof(int))] = {};
    iovec io{const_cast<void*>(data), 1};
    msghdr message{};
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(header), &attached, sizeof(int));
    ssize_t n;
    do
        n = ::sendmsg(handle_, &message, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        ec = errno == EPIPE || errno == ECONNRESET ? make_error_code(error::peer_closed)
                                                   : last_error();
        return;
    }
    write_all(static_cast<const char*>(data) + 1, size - 1, clock::time_point::max(), ec);
}

native_handle channel::read_exact_with_handle(void* data, std::size_t size, error_code& ec)
{
    // The descriptor rides on the first byte: one recvmsg for it, then an ordinary read.
    char control[CMSG_SPACE(sizeof(int))] = {};
    iovec io{data, 1};
    msghdr message{};
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    ssize_t n;
    do
        n = ::recvmsg(handle_, &message, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n <= 0) {
        ec = n == 0 || errno == ECONNRESET ? make_error_code(error::peer_closed) : last_error();
        return -1;
    }
    int received = -1;
    for (cmsghdr* h = CMSG_FIRSTHDR(&message); h; h = CMSG_NXTHDR(&message, h))
        if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS &&
            h->cmsg_len >= CMSG_LEN(sizeof(int)))
            std::memcpy(&received, CMSG_DATA(h), sizeof(int));
    read_exact(static_cast<char*>(data) + 1, size - 1, ec);
    if (ec && received >= 0) {
        ::close(received);
        received = -1;
    }
    return received;
}

std::uint64_t handle_for(native_handle h, pid_type, error_code& ec)
{
    ec = ::fcntl(h, F_GETFD) < 0 ? last_error() : error_code();
    return static_cast<std::uint64_t>(h);
}

native_handle received_handle(native_handle attached, std::uint64_t, error_code& ec)
{
    // A descriptor that did not ride with its message was dropped by a read of another type.
    ec = attached < 0 ? make_error_code(error::bad_message) : error_code();
    return attached;
}

listen_endpoint::~listen_endpoint()
{
    close();
}

bool listen_endpoint::is_open() const noexcept
{
    return handle_ >= 0;
}

void listen_endpoint::open(const address& where, int backlog, error_code& ec)
{
    close();
    address_ = where;
    if (address_.family == address_family::unix_socket && address_.name.empty())
        address_.name =
            (std::filesystem::temp_directory_path() / (unique_name() + ".sock")).string();
    sockaddr_storage a;
    socklen_t size = 0;
    if (!to_sockaddr(address_, a, size, ec))
        return;
    const int fd = open_socket(a, ec);
    if (fd < 0)
        return;
    if (a.ss_family != AF_UNIX) {
        const int one = 1; // a port in TIME_WAIT from an earlier run can be bound again
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    }
    // Owner-only from the start: the file is created by bind() under this umask.
    const mode_t old_mask = a.ss_family == AF_UNIX ? ::umask(0177) : 0;
    const int bound = ::bind(fd, reinterpret_cast<sockaddr*>(&a), size);
    const int bind_errno = errno;
    if (a.ss_family == AF_UNIX)
        ::umask(old_mask);
    if (bound != 0 || ::listen(fd, backlog > 0 ? backlog : 1) != 0) {
        ec = {bound != 0 ? bind_errno : errno, boost::system::system_category()};
        ::close(fd);
        if (bound == 0 && a.ss_family == AF_UNIX && !is_abstract(address_.name))
            ::unlink(address_.name.c_str());
        return;
    }
    handle_ = fd;
    if (address_.family == address_family::tcp) {
        if (address_.name.empty())
            address_.name = "127.0.0.1";
        address_.port = bound_port(fd);
    }
    ec.clear();
}

channel listen_endpoint::accept(error_code& ec)
{
    for (;;) {
        const int fd = ::accept4(handle_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
            continue;
        if (fd < 0) {
            ec = last_error();
            return {};
        }
        ec.clear();
        return channel(fd);
    }
}

void listen_endpoint::close() noexcept
{
    if (handle_ < 0)
        return;
    ::close(handle_);
    handle_ = -1;
    if (address_.family == address_family::unix_socket && !is_abstract(address_.name))
        ::unlink(address_.name.c_str());
}

channel connect_to(const address& where, error_code& ec)
{
    sockaddr_storage a;
    socklen_t size = 0;
    if (!to_sockaddr(where, a, size, ec))
        return {};
    channel c(open_socket(a, ec));
    if (!c.is_open())
        return {};
    int r;
    do
        r = ::connect(c.native(), reinterpret_cast<sockaddr*>(&a), size);
    while (r != 0 && errno == EINTR);
    if (r != 0) {
        ec = last_error();
        return {};
    }
    ec.clear();
    return c;
}

std::string random_bytes(std::size_t n, error_code& ec)
{
    std::string out(n, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
        ec = make_error_code(boost::system::errc::io_error);
        return {};
    }
    ec.clear();
    return out;
}

std::string hmac_sha256(std::string_view key, std::string_view message, error_code& ec)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest,
              &size)) {
        ec = make_error_code(boost::system::errc::io_error);
        return {};
    }
    ec.clear();
    return std::string(reinterpret_cast<const char*>(digest), size);
}

} // namespace multiproc::detail::os
