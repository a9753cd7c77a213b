// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// libFuzzer target: every decoder of the frames a parent and its child exchange (the child's
// handshake, task and result frames), the buffered reader a worker reads its tasks with, and
// the wire reader they are all built on. The first byte picks the decoder; the rest is its
// input. A frame that decodes must encode back to the same bytes.

#include "../source/detail/frame.hpp"

#include <multiproc/detail/wire.hpp>

#include <algorithm>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace md = multiproc::detail;

namespace {

void require(bool condition)
{
    if (!condition)
        std::abort(); // a decoded frame that does not encode back: a finding
}

// A frame that decodes must encode back to the same bytes.
template <class Frame>
void round_trip(Frame (*decode)(std::string_view, multiproc::error_code&), std::string_view body)
{
    multiproc::error_code ec;
    const Frame f = decode(body, ec);
    if (!ec)
        require(md::encode(f) == body);
}

void decode_body(md::frame_kind kind, std::string_view body)
{
    switch (kind) {
    case md::frame_kind::run:
        return round_trip(md::decode_run, body);
    case md::frame_kind::refused:
        return round_trip(md::decode_refused, body);
    case md::frame_kind::worker:
        return round_trip(md::decode_worker, body);
    case md::frame_kind::task:
        return round_trip(md::decode_task, body);
    case md::frame_kind::result:
        return round_trip(md::decode_result, body);
    default:
        return;
    }
}

// The wire reader itself, reading fields the input's first bytes pick from the rest: never
// past the end, and once failed, nothing more.
void read_fields(std::string_view bytes)
{
    const std::string_view picks = bytes.substr(0, std::min<std::size_t>(bytes.size(), 16));
    md::wire_reader in(bytes.substr(picks.size()));
    for (const char pick : picks) {
        const std::size_t before = in.remaining();
        const bool failed = in.failed();
        switch (static_cast<unsigned char>(pick) % 4) {
        case 0:
            in.u8();
            break;
        case 1:
            in.u32();
            break;
        case 2:
            in.u64();
            break;
        default:
            require(in.text().size() <= before);
            break;
        }
        require(in.remaining() <= before && (!failed || in.remaining() == before));
    }
}

// The bytes as a stream on a channel, read frame by frame as a worker does.
void read_stream(std::string_view bytes)
{
    md::os::channel ours, theirs;
    multiproc::error_code ec;
    md::os::channel::make_pair(ours, theirs, ec);
    if (ec)
        std::abort();
    theirs.write_all(bytes.data(), bytes.size(), md::os::clock::time_point::max(), ec);
    theirs.close(); // the stream ends after the bytes
    md::frame_reader reader(ours);
    std::string_view body;
    for (;;) {
        const md::frame_kind kind = reader.next(body, ec);
        if (ec)
            break;
        decode_body(kind, body);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    const unsigned choice = data[0] % 8;
    if (choice < 7) {
        decode_body(static_cast<md::frame_kind>(choice), rest);
    } else if (rest.size() < 64 * 1024) { // fits a socket's buffer: written before it is read
        read_stream(rest);
    }
    read_fields(rest);
    if (rest.size() >= md::frame_header_size) {
        std::size_t body_size = 0;
        multiproc::error_code ec;
        md::parse_frame_header(rest.data(), body_size, ec);
        if (!ec)
            require(body_size <= md::max_frame_body());
    }
    return 0;
}
