// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_POSIX_CHANNEL_STREAM_HPP
#define MULTIPROC_SOURCE_POSIX_CHANNEL_STREAM_HPP

// The parent's end of a channel as an Asio stream (os.hpp: MULTIPROC_OS_CHANNEL_STREAM_HEADER).

#include "../detail/os.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <cstddef>
#include <string_view>

namespace multiproc::detail::os {

/// A local socket: sends never raise SIGPIPE.
using channel_stream = boost::asio::local::stream_protocol::socket;

/// `stream` takes `handle`, non-blocking so that write_now() writes at once what fits.
inline void assign_channel_stream(channel_stream& stream, native_handle handle, error_code& ec)
{
    stream.assign(boost::asio::local::stream_protocol(), handle, ec);
    if (!ec)
        stream.non_blocking(true, ec);
}

/// Writes what fits of `bytes` in the socket's buffer now, without waiting; returns how much.
/// A full buffer is no error: the rest is for an asynchronous write.
inline std::size_t write_now(channel_stream& stream, std::string_view bytes, error_code& ec)
{
    const std::size_t n = stream.write_some(boost::asio::buffer(bytes.data(), bytes.size()), ec);
    if (ec == boost::asio::error::would_block) {
        ec.clear();
        return 0;
    }
    return n;
}

} // namespace multiproc::detail::os

#endif
