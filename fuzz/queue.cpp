// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// libFuzzer target: the decoders of the bytes a queue's processes pass each other, the slot of
// a queued value and the token that opens a queue in a child. The first byte picks the
// decoder; the rest is its input. What decodes must encode back to the same bytes, and stay
// within the bounds the decoder promises.

#include "../source/detail/queue_slot.hpp"

#include <multiproc/task.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace md = multiproc::detail;

namespace {

void require(bool condition)
{
    if (!condition)
        std::abort(); // a finding
}

void decode_slot(std::string_view bytes)
{
    multiproc::error_code ec;
    const md::slot_message m = md::decode_slot(bytes, ec);
    if (ec)
        return;
    switch (m.kind) {
    case md::slot_kind::inline_value:
        break;
    case md::slot_kind::segment_value:
        require(!m.payload.empty() && m.payload.find('/') == std::string_view::npos &&
                m.size <= md::message_limit());
        break;
    case md::slot_kind::arena_value:
        require(m.offset <= md::queue_arena_size && m.size <= md::queue_arena_size - m.offset);
        break;
    default:
        require(false); // an unknown kind accepted
    }
    require(md::encode_slot(m) == bytes);
}

void decode_token(std::string_view bytes)
{
    multiproc::error_code ec;
    const md::queue_token_fields t = md::parse_queue_token(std::string(bytes), ec);
    if (ec)
        return;
    require(t.maxsize > 0 && t.maxsize <= md::queue_max_maxsize);
    require(md::format_queue_token(t) == bytes);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (data[0] % 2 == 0)
        decode_slot(bytes);
    else
        decode_token(bytes);
    return 0;
}
