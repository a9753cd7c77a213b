// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_DETAIL_QUEUE_SLOT_HPP
#define MULTIPROC_SOURCE_DETAIL_QUEUE_SLOT_HPP

// What one process of a queue tells another in bytes: the contents of a slot, and the token
// that passes the queue to a child. Both are read with a check of every field (fuzz/queue.cpp).

#include <multiproc/error.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace multiproc::detail {

/// The bytes of one slot:
///   u8 kind | payload                         inline_value: the encoded value itself
///   u8 kind | u64 size | segment name         segment_value: in a shared memory segment of
///                                             its own, `<queue's slots>_<producer's
///                                             pid>_<hex>_<n>`, after a 64-byte header
///                                             (source/queue.cpp)
///   u8 kind | u64 size | u64 offset           arena_value: in the queue's arena
enum class slot_kind : unsigned char
{
    inline_value = 0,
    segment_value = 1,
    arena_value = 2,
};

struct slot_message
{
    slot_kind kind = slot_kind::inline_value;
    std::string_view payload; // inline_value: the value; segment_value: the segment's name
    std::uint64_t size = 0;   // segment_value, arena_value: the value's size
    std::uint64_t offset = 0; // arena_value: where in the arena
};

constexpr std::size_t queue_slot_size = 1024;
constexpr std::size_t queue_arena_size = 16 * 1024 * 1024;
/// The most values a queue holds: its slots are mapped at once.
constexpr std::size_t queue_max_maxsize = std::size_t(1) << 20;

std::string encode_slot(const slot_message& m);
/// `error::bad_message` unless `bytes` are a slot one of our queues could have written: a
/// known kind, sizes within bounds, an arena block inside the arena, a segment name of ours.
slot_message decode_slot(std::string_view bytes, error_code& ec);

/// Everything a process needs to open a queue.
struct queue_token_fields
{
    std::string name; // the slots' segment
    std::size_t maxsize = 0;
    std::uint64_t tag = 0; // the value type's
    std::string arena_name;
    bool joinable = false;
};

std::string format_queue_token(const queue_token_fields& t);
/// `error::bad_message` unless `token` is one `format_queue_token` could have written.
queue_token_fields parse_queue_token(const std::string& token, error_code& ec);

} // namespace multiproc::detail

#endif
