// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// Windows listeners: named pipes (each accept takes the waiting instance and makes the next)
// and TCP (overlapped Winsock sockets, so a connection's reads and writes are a pipe's);
// handles passed by DuplicateHandle into the receiver; the authkey's HMAC and randomness from
// BCrypt.

#include "util.hpp" // Winsock, for tcp_address.hpp

#include "../detail/names.hpp"
#include "../detail/tcp_address.hpp"

#include <bcrypt.h>

#include <cstring>
#include <mutex>
#include <string>

namespace multiproc::detail::os {

namespace {

constexpr std::string_view pipe_prefix = "\\\\.\\pipe\\";

bool is_pipe_name(const std::string& name)
{
    return name.size() > pipe_prefix.size() &&
           name.compare(0, pipe_prefix.size(), pipe_prefix) == 0;
}

HANDLE new_instance(const std::wstring& name, bool first)
{
    return ::CreateNamedPipeW(
        name.c_str(),
        PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | (first ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0),
        PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS,
        PIPE_UNLIMITED_INSTANCES, 1 << 16, 1 << 16, 0, nullptr);
}

error_code family_check(const address& where)
{
    if (where.family == address_family::unix_socket)
        return make_error_code(error::not_supported); // AF_UNIX is POSIX's
    return {};
}

error_code socket_error() noexcept
{
    return {::WSAGetLastError(), boost::system::system_category()};
}

// Winsock is started once per process, on the first TCP use, and left running.
error_code start_winsock()
{
    static std::once_flag once;
    static int result = 0;
    std::call_once(once, [] {
        WSADATA data;
        result = ::WSAStartup(MAKEWORD(2, 2), &data);
    });
    return result == 0 ? error_code() : error_code(result, boost::system::system_category());
}

// A TCP connection's socket as it is kept: inherited by no child, Nagle off (messages are
// whole).
void set_connection_options(SOCKET s)
{
    ::SetHandleInformation(reinterpret_cast<HANDLE>(s), HANDLE_FLAG_INHERIT, 0);
    const BOOL one = TRUE;
    ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&one), sizeof one);
}

// An overlapped TCP socket (its reads and writes are ReadFile's and WriteFile's).
SOCKET open_socket(int family, error_code& ec)
{
    const SOCKET s =
        ::WSASocketW(family, SOCK_STREAM, IPPROTO_TCP, nullptr, 0, WSA_FLAG_OVERLAPPED);
    if (s == INVALID_SOCKET) {
        ec = socket_error();
        return s;
    }
    set_connection_options(s);
    ec.clear();
    return s;
}

// Binds and listens on a TCP `where`; its port 0 becomes the one the system chose.
SOCKET tcp_listen(address& where, int backlog, error_code& ec)
{
    sockaddr_storage a;
    socklen_t size = 0;
    if ((ec = start_winsock()) || !resolve_tcp(where, a, size, ec))
        return INVALID_SOCKET;
    const SOCKET s = open_socket(a.ss_family, ec);
    if (s == INVALID_SOCKET)
        return s;
    // No SO_REUSEADDR: on Windows it lets another socket take a port in use (CPython sets it
    // only on POSIX).
    if (::bind(s, reinterpret_cast<sockaddr*>(&a), size) != 0 ||
        ::listen(s, backlog > 0 ? backlog : 1) != 0) {
        ec = socket_error();
        ::closesocket(s);
        return INVALID_SOCKET;
    }
    if (where.name.empty())
        where.name = "127.0.0.1";
    where.port = bound_port(s);
    return s;
}

} // namespace

void channel::write_all_with_handle(const void* data, std::size_t size, native_handle,
                                    error_code& ec)
{
    write_all(data, size, clock::time_point::max(), ec); // the duplicate is in the bytes
}

native_handle channel::read_exact_with_handle(void* data, std::size_t size, error_code& ec)
{
    read_exact(data, size, ec);
    return invalid();
}

std::uint64_t handle_for(native_handle h, pid_type destination, error_code& ec)
{
    HANDLE target = ::OpenProcess(PROCESS_DUP_HANDLE, FALSE, static_cast<DWORD>(destination));
    if (!target) {
        ec = last_error();
        return 0;
    }
    HANDLE copy = nullptr;
    const BOOL ok =
        ::DuplicateHandle(::GetCurrentProcess(), h, target, &copy, 0, FALSE, DUPLICATE_SAME_ACCESS);
    ec = ok ? error_code() : last_error();
    ::CloseHandle(target);
    return reinterpret_cast<std::uintptr_t>(copy);
}

native_handle received_handle(native_handle, std::uint64_t in_message, error_code& ec)
{
    ec.clear();
    return reinterpret_cast<HANDLE>(static_cast<std::uintptr_t>(in_message));
}

listen_endpoint::~listen_endpoint()
{
    close();
}

bool listen_endpoint::is_open() const noexcept
{
    return handle_ != INVALID_HANDLE_VALUE && handle_ != nullptr;
}

void listen_endpoint::open(const address& where, int backlog, error_code& ec)
{
    close();
    address_ = where;
    if ((ec = family_check(where)))
        return;
    if (address_.family == address_family::tcp) {
        handle_ = reinterpret_cast<HANDLE>(tcp_listen(address_, backlog, ec));
        return;
    }
    if (address_.name.empty())
        address_.name = std::string(pipe_prefix) + "multiproc-" + unique_name();
    if (!is_pipe_name(address_.name)) {
        ec = make_error_code(boost::system::errc::invalid_argument);
        return;
    }
    // The first instance claims the name: a second listener on it fails here. Wine ignores
    // FILE_FLAG_FIRST_PIPE_INSTANCE, so a name that answers already is refused first.
    const std::wstring name = from_utf8(address_.name);
    if (::WaitNamedPipeW(name.c_str(), 1) || ::GetLastError() == ERROR_SEM_TIMEOUT) {
        ec = error_code(ERROR_ACCESS_DENIED, boost::system::system_category());
        return;
    }
    handle_ = new_instance(name, true);
    ec = is_open() ? error_code() : last_error();
}

channel listen_endpoint::accept(error_code& ec)
{
    if (address_.family == address_family::tcp) {
        const SOCKET s = ::accept(reinterpret_cast<SOCKET>(handle_), nullptr, nullptr);
        if (s == INVALID_SOCKET) {
            ec = socket_error();
            return {};
        }
        set_connection_options(s); // overlapped like the listener it came from
        ec.clear();
        return channel(reinterpret_cast<HANDLE>(s));
    }
    OVERLAPPED overlapped{};
    overlapped.hEvent = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
    if (!overlapped.hEvent) {
        ec = last_error();
        return {};
    }
    BOOL ok = ::ConnectNamedPipe(handle_, &overlapped);
    DWORD code = ok ? 0 : ::GetLastError();
    if (code == ERROR_IO_PENDING) {
        DWORD ignored = 0;
        ok = ::GetOverlappedResult(handle_, &overlapped, &ignored, TRUE);
        code = ok ? 0 : ::GetLastError();
    }
    ::CloseHandle(overlapped.hEvent);
    // ERROR_NO_DATA: the client connected, wrote and closed before this accept; what it wrote
    // is still to be read (CPython's PipeListener takes it the same way).
    if (code != 0 && code != ERROR_PIPE_CONNECTED && code != ERROR_NO_DATA) {
        ec = error_code(static_cast<int>(code), boost::system::system_category());
        return {};
    }
    // The connected instance is the client's; the next client waits on a new one.
    channel connected(handle_);
    handle_ = new_instance(from_utf8(address_.name), false);
    ec = is_open() ? error_code() : last_error();
    return connected;
}

void listen_endpoint::close() noexcept
{
    if (is_open() && address_.family == address_family::tcp)
        ::closesocket(reinterpret_cast<SOCKET>(handle_));
    else if (is_open())
        ::CloseHandle(handle_);
    handle_ = INVALID_HANDLE_VALUE;
}

channel connect_to(const address& where, error_code& ec)
{
    if ((ec = family_check(where)))
        return {};
    if (where.family == address_family::tcp) {
        sockaddr_storage a;
        socklen_t size = 0;
        if ((ec = start_winsock()) || !resolve_tcp(where, a, size, ec))
            return {};
        channel c(reinterpret_cast<HANDLE>(open_socket(a.ss_family, ec)));
        if (!c.is_open())
            return {};
        if (::connect(reinterpret_cast<SOCKET>(c.native()), reinterpret_cast<sockaddr*>(&a),
                      size) != 0) {
            ec = socket_error();
            return {};
        }
        return c;
    }
    if (!is_pipe_name(where.name)) {
        ec = make_error_code(boost::system::errc::invalid_argument);
        return {};
    }
    const std::wstring name = from_utf8(where.name);
    // Every instance busy (another client is being accepted): wait for one, a bounded while.
    for (int attempt = 0;; ++attempt) {
        HANDLE h = ::CreateFileW(name.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr,
                                 OPEN_EXISTING, FILE_FLAG_OVERLAPPED, nullptr);
        if (h != INVALID_HANDLE_VALUE) {
            ec.clear();
            return channel(h);
        }
        if (::GetLastError() != ERROR_PIPE_BUSY || attempt == 100) {
            ec = last_error();
            return {};
        }
        ::WaitNamedPipeW(name.c_str(), 100);
    }
}

std::string random_bytes(std::size_t n, error_code& ec)
{
    std::string out(n, '\0');
    const NTSTATUS status =
        ::BCryptGenRandom(nullptr, reinterpret_cast<PUCHAR>(out.data()), static_cast<ULONG>(n),
                          BCRYPT_USE_SYSTEM_PREFERRED_RNG);
    if (status != 0) {
        ec = make_error_code(boost::system::errc::io_error);
        return {};
    }
    ec.clear();
    return out;
}

std::string hmac_sha256(std::string_view key, std::string_view message, error_code& ec)
{
    BCRYPT_ALG_HANDLE algorithm = nullptr;
    BCRYPT_HASH_HANDLE hash = nullptr;
    std::string digest(32, '\0');
    bool ok = ::BCryptOpenAlgorithmProvider(&algorithm, BCRYPT_SHA256_ALGORITHM, nullptr,
                                            BCRYPT_ALG_HANDLE_HMAC_FLAG) == 0;
    ok = ok && ::BCryptCreateHash(algorithm, &hash, nullptr, 0,
                                  reinterpret_cast<PUCHAR>(const_cast<char*>(key.data())),
                                  static_cast<ULONG>(key.size()), 0) == 0;
    ok = ok && ::BCryptHashData(hash, reinterpret_cast<PUCHAR>(const_cast<char*>(message.data())),
                                static_cast<ULONG>(message.size()), 0) == 0;
    ok = ok && ::BCryptFinishHash(hash, reinterpret_cast<PUCHAR>(digest.data()),
                                  static_cast<ULONG>(digest.size()), 0) == 0;
    if (hash)
        ::BCryptDestroyHash(hash);
    if (algorithm)
        ::BCryptCloseAlgorithmProvider(algorithm, 0);
    ec = ok ? error_code() : make_error_code(boost::system::errc::io_error);
    return ok ? digest : std::string();
}

} // namespace multiproc::detail::os
