// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// Windows channel: a duplex named pipe with a unique name. The parent's end is overlapped, so
// its waits have deadlines; the child's end is a plain handle the child inherits.

#include "util.hpp"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>

namespace multiproc::detail::os {

namespace {

bool is_closed_pipe(DWORD code) noexcept
{
    return code == ERROR_BROKEN_PIPE || code == ERROR_NO_DATA || code == ERROR_PIPE_NOT_CONNECTED ||
           // a TCP connection reset or aborted by its peer
           code == ERROR_NETNAME_DELETED || code == ERROR_CONNECTION_ABORTED ||
           code == WSAECONNRESET || code == WSAECONNABORTED || code == WSAESHUTDOWN;
}

std::wstring unique_pipe_name()
{
    static std::atomic<unsigned> counter{0};
    static const unsigned salt = std::random_device{}();
    return L"\\\\.\\pipe\\multiproc-" + std::to_wstring(::GetCurrentProcessId()) + L"-" +
           std::to_wstring(salt) + L"-" + std::to_wstring(counter++);
}

// One ReadFile or WriteFile, waited for until the deadline; the bytes it moved.
DWORD transfer(HANDLE h, bool write, void* data, DWORD size, clock::time_point deadline,
               error_code& ec)
{
    OVERLAPPED overlapped{};
    overlapped.hEvent = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
    if (!overlapped.hEvent) {
        ec = last_error();
        return 0;
    }
    DWORD done = 0;
    BOOL ok = write ? ::WriteFile(h, data, size, &done, &overlapped)
                    : ::ReadFile(h, data, size, &done, &overlapped);
    bool timed_out = false;
    if (!ok && ::GetLastError() == ERROR_IO_PENDING) {
        if (::WaitForSingleObject(overlapped.hEvent, wait_milliseconds(deadline)) == WAIT_TIMEOUT) {
            ::CancelIoEx(h, &overlapped);
            timed_out = true;
        }
        ok = ::GetOverlappedResult(h, &overlapped, &done, TRUE);
    }
    const DWORD code = ok ? 0 : ::GetLastError();
    ::CloseHandle(overlapped.hEvent);
    if (ok) {
        ec.clear();
        if (!write && done == 0 && size > 0)
            ec = make_error_code(error::peer_closed);
    } else if (timed_out && code == ERROR_OPERATION_ABORTED) {
        ec = make_error_code(error::timeout);
    } else if (is_closed_pipe(code)) {
        ec = make_error_code(error::peer_closed);
    } else {
        ec = error_code(static_cast<int>(code), boost::system::system_category());
    }
    return done;
}

} // namespace

native_handle channel::invalid() noexcept
{
    return INVALID_HANDLE_VALUE;
}

bool channel::is_open() const noexcept
{
    return handle_ != INVALID_HANDLE_VALUE && handle_ != nullptr;
}

void channel::close() noexcept
{
    if (is_open() && is_socket(handle_))
        ::closesocket(reinterpret_cast<SOCKET>(handle_));
    else if (is_open())
        ::CloseHandle(handle_);
    handle_ = invalid();
}

void channel::shutdown_send() noexcept
{
    // A pipe: only the parent's (server) end is ever shut down, the child then reads a broken
    // pipe. A TCP connection: the peer reads the end of the stream.
    if (is_open() && is_socket(handle_))
        ::shutdown(reinterpret_cast<SOCKET>(handle_), SD_SEND);
    else if (is_open())
        ::DisconnectNamedPipe(handle_);
}

void channel::make_pair(channel& parent_end, channel& child_end, error_code& ec,
                        bool both_overlapped)
{
    const std::wstring name = unique_pipe_name();
    // Not inheritable: the spawn launcher marks the child's end for its one child.
    HANDLE server = ::CreateNamedPipeW(
        name.c_str(), PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
        PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS, 1, 1 << 16,
        1 << 16, 0, nullptr);
    if (server == INVALID_HANDLE_VALUE) {
        ec = last_error();
        return;
    }
    parent_end = channel(server);
    HANDLE client =
        ::CreateFileW(name.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
                      both_overlapped ? FILE_FLAG_OVERLAPPED : 0, nullptr);
    if (client == INVALID_HANDLE_VALUE) {
        ec = last_error();
        parent_end.close();
        return;
    }
    child_end = channel(client);
    ec.clear();
}

std::string channel::token() const
{
    return std::to_string(reinterpret_cast<std::uintptr_t>(handle_));
}

channel channel::adopt(const std::string& token, error_code& ec)
{
    char* end = nullptr;
    const unsigned long long value = std::strtoull(token.c_str(), &end, 10);
    HANDLE h = reinterpret_cast<HANDLE>(static_cast<std::uintptr_t>(value));
    DWORD flags = 0;
    if (token.empty() || *end != '\0' || !::GetHandleInformation(h, &flags)) {
        ec = make_error_code(error::bad_message);
        return {};
    }
    // Not passed on to this child's own children.
    ::SetHandleInformation(h, HANDLE_FLAG_INHERIT, 0);
    ec.clear();
    return channel(h);
}

void channel::write_all(const void* data, std::size_t size, clock::time_point deadline,
                        error_code& ec)
{
    auto p = static_cast<const char*>(const_cast<void*>(data));
    ec.clear();
    while (size > 0) {
        const DWORD chunk = static_cast<DWORD>(std::min<std::size_t>(size, 1 << 20));
        const DWORD n = transfer(handle_, true, const_cast<char*>(p), chunk, deadline, ec);
        if (ec)
            return;
        p += n;
        size -= n;
    }
}

std::size_t channel::read_some(void* data, std::size_t size, error_code& ec)
{
    const DWORD chunk = static_cast<DWORD>(std::min<std::size_t>(size, 1 << 20));
    return transfer(handle_, false, data, chunk, clock::time_point::max(), ec);
}

bool channel::wait_readable(clock::time_point deadline, error_code& ec)
{
    if (is_socket(handle_)) {
        WSAPOLLFD watched{reinterpret_cast<SOCKET>(handle_), POLLRDNORM, 0};
        const DWORD ms = wait_milliseconds(deadline);
        const int n = ::WSAPoll(
            &watched, 1, ms == INFINITE ? -1 : static_cast<INT>(std::min<DWORD>(ms, 0x7fffffff)));
        if (n < 0) {
            ec = error_code(::WSAGetLastError(), boost::system::system_category());
            return false;
        }
        ec.clear();
        return n > 0; // data, the end of the stream, or an error the read will report
    }
    // Pipes have no readiness wait of their own: look every millisecond.
    for (;;) {
        DWORD available = 0;
        if (!::PeekNamedPipe(handle_, nullptr, 0, nullptr, &available, nullptr)) {
            const DWORD code = ::GetLastError();
            if (is_closed_pipe(code)) {
                ec.clear();
                return true; // end of stream is readable
            }
            ec = error_code(static_cast<int>(code), boost::system::system_category());
            return false;
        }
        ec.clear();
        if (available > 0)
            return true;
        if (clock::now() >= deadline)
            return false;
        ::Sleep(1);
    }
}

struct channel_step::overlapped_state
{
    OVERLAPPED overlapped{};
    bool in_flight = false;
};

channel_step::channel_step(native_handle channel, bool write, error_code& ec)
    : channel_(channel), write_(write), overlapped_(std::make_unique<overlapped_state>())
{
    overlapped_->overlapped.hEvent = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
    ec = overlapped_->overlapped.hEvent ? error_code() : last_error();
}

channel_step::~channel_step()
{
    cancel();
    if (overlapped_->overlapped.hEvent)
        ::CloseHandle(overlapped_->overlapped.hEvent);
}

bool channel_step::step(void* data, std::size_t size, std::size_t& moved, error_code& ec)
{
    ec.clear();
    moved = 0;
    OVERLAPPED& o = overlapped_->overlapped;
    DWORD done = 0;
    BOOL ok;
    if (overlapped_->in_flight) {
        ok = ::GetOverlappedResult(channel_, &o, &done, FALSE);
        if (!ok && ::GetLastError() == ERROR_IO_INCOMPLETE)
            return false;
        overlapped_->in_flight = false;
    } else {
        const DWORD chunk = static_cast<DWORD>(std::min<std::size_t>(size, 1 << 20));
        ok = write_ ? ::WriteFile(channel_, data, chunk, &done, &o)
                    : ::ReadFile(channel_, data, chunk, &done, &o);
        if (!ok && ::GetLastError() == ERROR_IO_PENDING) {
            overlapped_->in_flight = true;
            return false;
        }
        if (ok) // completed at once; the result is the one GetOverlappedResult gives
            ok = ::GetOverlappedResult(channel_, &o, &done, FALSE);
    }
    const DWORD code = ok ? 0 : ::GetLastError();
    if (!ok)
        ec = is_closed_pipe(code)
                 ? make_error_code(error::peer_closed)
                 : error_code(static_cast<int>(code), boost::system::system_category());
    else if (!write_ && done == 0 && size > 0)
        ec = make_error_code(error::peer_closed);
    moved = done;
    return true;
}

native_handle channel_step::duplicate_wait_handle(error_code& ec) const
{
    HANDLE copy = nullptr;
    if (!::DuplicateHandle(::GetCurrentProcess(), overlapped_->overlapped.hEvent,
                           ::GetCurrentProcess(), &copy, 0, FALSE, DUPLICATE_SAME_ACCESS)) {
        ec = last_error();
        return INVALID_HANDLE_VALUE;
    }
    ec.clear();
    return copy;
}

std::size_t channel_step::cancel() noexcept
{
    if (!overlapped_->in_flight)
        return 0;
    OVERLAPPED& o = overlapped_->overlapped;
    ::CancelIoEx(channel_, &o);
    DWORD done = 0;
    ::GetOverlappedResult(channel_, &o, &done, TRUE); // the buffer is in use until it returns
    overlapped_->in_flight = false;
    return done;
}

bool made_by_parent(const channel&) noexcept
{
    return true; // an inherited anonymous pipe: only the parent that made it could pass it on
}

void exit_when_closed(const channel& to_parent)
{
    std::thread([h = to_parent.native()] {
        // The parent sends nothing more; the read returns only when its end closes.
        char byte;
        DWORD n = 0;
        for (;;) {
            if (!::ReadFile(h, &byte, 1, &n, nullptr) || n == 0)
                ::_exit(1);
        }
    }).detach();
}

} // namespace multiproc::detail::os
