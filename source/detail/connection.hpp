// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_DETAIL_CONNECTION_HPP
#define MULTIPROC_SOURCE_DETAIL_CONNECTION_HPP

// What the listener needs of a connection beyond pipe.hpp: making one from a channel it
// accepted or connected, and a receive bounded before a byte of the body is read.

#include "os.hpp"

#include <multiproc/pipe.hpp>

#include <memory>
#include <string>

namespace multiproc::detail {

/// A duplex connection on `channel`.
std::shared_ptr<connection_state> make_connection(os::channel channel);

/// The next message's bytes if its body is at most `limit` bytes; a longer one is refused
/// with `error::message_too_large` before its body is read (the stream is then unusable).
std::string connection_receive_at_most(connection_state* c, std::size_t limit, error_code& ec);

} // namespace multiproc::detail

#endif
