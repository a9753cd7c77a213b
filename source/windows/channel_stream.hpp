// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_WINDOWS_CHANNEL_STREAM_HPP
#define MULTIPROC_SOURCE_WINDOWS_CHANNEL_STREAM_HPP

// The parent's end of a channel as an Asio stream (os.hpp: MULTIPROC_OS_CHANNEL_STREAM_HEADER).

#include "../detail/os.hpp"

#include <boost/asio/windows/stream_handle.hpp>

#include <cstddef>
#include <string_view>

namespace multiproc::detail::os {

/// The parent's end is an overlapped pipe.
using channel_stream = boost::asio::windows::stream_handle;

inline void assign_channel_stream(channel_stream& stream, native_handle handle, error_code& ec)
{
    stream.assign(handle, ec);
}

/// An overlapped pipe has no write that returns at once with what fits: every byte goes by an
/// asynchronous write.
inline std::size_t write_now(channel_stream&, std::string_view, error_code&)
{
    return 0;
}

} // namespace multiproc::detail::os

#endif
