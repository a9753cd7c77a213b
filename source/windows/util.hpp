// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_WINDOWS_UTIL_HPP
#define MULTIPROC_SOURCE_WINDOWS_UTIL_HPP

// Small helpers shared by the Windows sources.

#include "../detail/os.hpp"

#include <winsock2.h> // before windows.h, which would bring the old winsock.h
#include <ws2tcpip.h>

#include <windows.h>

#include <algorithm>
#include <string>

namespace multiproc::detail::os {

inline error_code last_error() noexcept
{
    return {static_cast<int>(::GetLastError()), boost::system::system_category()};
}

/// Milliseconds until the deadline for a Win32 wait: INFINITE for "no deadline".
inline DWORD wait_milliseconds(clock::time_point deadline) noexcept
{
    if (deadline == clock::time_point::max())
        return INFINITE;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());
    return static_cast<DWORD>(std::clamp<long long>(left.count(), 0, INFINITE - 1));
}

/// True if `h` is a Winsock socket (a TCP connection), not a pipe: its reads and writes are
/// ReadFile and WriteFile as for a pipe, its readiness, shutdown and close are Winsock's.
inline bool is_socket(HANDLE h) noexcept
{
    int type = 0;
    int size = sizeof type;
    return ::getsockopt(reinterpret_cast<SOCKET>(h), SOL_SOCKET, SO_TYPE,
                        reinterpret_cast<char*>(&type), &size) == 0;
}

inline std::string to_utf8(const std::wstring& text)
{
    if (text.empty())
        return {};
    const int n = ::WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()),
                                        nullptr, 0, nullptr, nullptr);
    std::string out(static_cast<std::size_t>(n), '\0');
    ::WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), out.data(), n,
                          nullptr, nullptr);
    return out;
}

inline std::wstring from_utf8(const std::string& text)
{
    if (text.empty())
        return {};
    const int n =
        ::MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr, 0);
    std::wstring out(static_cast<std::size_t>(n), L'\0');
    ::MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), out.data(), n);
    return out;
}

} // namespace multiproc::detail::os

#endif
