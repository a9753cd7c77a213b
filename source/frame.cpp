// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include "detail/frame.hpp"

#include <multiproc/detail/wire.hpp>
#include <multiproc/task.hpp>

#include <algorithm>
#include <cstring>

namespace multiproc::detail {

namespace {

constexpr std::string_view protocol = "multiproc/4";

} // namespace

std::string encode(const worker_frame& f)
{
    std::string out;
    wire_writer(out).text(protocol).text(f.process_name).text(f.rings);
    return out;
}

worker_frame decode_worker(std::string_view body, error_code& ec)
{
    wire_reader in(body);
    const std::string_view version = in.text();
    worker_frame f;
    f.process_name = in.text();
    f.rings = in.text();
    if (in.finish(ec) && version != protocol)
        ec = make_error_code(error::bad_message);
    return f;
}

void append_task_frame(std::string& out, std::uint64_t id, std::string_view task,
                       std::string_view signature, std::uint32_t count, std::string_view arguments)
{
    const std::size_t body = 8 + 4 + task.size() + 4 + signature.size() + 4 + 4 + arguments.size();
    out.reserve(out.size() + frame_header_size + body);
    wire_writer(out)
        .u32(static_cast<std::uint32_t>(body + 1))
        .u8(static_cast<std::uint8_t>(frame_kind::task))
        .u64(id)
        .text(task)
        .text(signature)
        .u32(count)
        .text(arguments);
}

std::string encode(const task_frame& f)
{
    std::string frame;
    append_task_frame(frame, f.id, f.task, f.signature, f.count, f.arguments);
    return frame.substr(frame_header_size);
}

task_frame decode_task(std::string_view body, error_code& ec)
{
    wire_reader in(body);
    task_frame f;
    f.id = in.u64();
    f.task = in.text();
    f.signature = in.text();
    f.count = in.u32();
    f.arguments = in.text();
    in.finish(ec);
    return f;
}

std::string encode(const result_frame& f)
{
    std::string out;
    if (f.ok)
        out.reserve(8 + 1 + 4 + f.results.size());
    wire_writer w(out);
    w.u64(f.id);
    if (f.ok)
        w.u8(1).text(f.results);
    else if (f.failure != error{})
        w.u8(2).u32(static_cast<std::uint32_t>(f.failure)).text(f.what);
    else
        w.u8(0).text(f.exception_type).text(f.what);
    return out;
}

result_frame decode_result(std::string_view body, error_code& ec)
{
    wire_reader in(body);
    result_frame f;
    f.id = in.u64();
    const std::uint8_t status = in.u8();
    f.ok = status == 1;
    std::uint32_t failure = 0;
    if (f.ok) {
        f.results = in.text();
    } else if (status == 2) {
        failure = in.u32();
        f.what = in.text();
    } else {
        f.exception_type = in.text();
        f.what = in.text();
    }
    // Only these are written: anything else is not ours.
    const bool known =
        status < 2 || failure == static_cast<std::uint32_t>(error::message_too_large);
    if (in.finish(ec) && (status > 2 || !known))
        ec = make_error_code(error::bad_message);
    f.failure = static_cast<error>(failure);
    return f;
}

std::string encode(const run_frame& f)
{
    std::string out;
    out.reserve(protocol.size() + f.process_name.size() + f.task.size() + f.signature.size() +
                f.arguments.size() + 20);
    wire_writer(out)
        .text(protocol)
        .text(f.process_name)
        .text(f.task)
        .text(f.signature)
        .text(f.arguments);
    return out;
}

run_frame decode_run(std::string_view body, error_code& ec)
{
    wire_reader in(body);
    const std::string_view version = in.text();
    run_frame f;
    f.process_name = in.text();
    f.task = in.text();
    f.signature = in.text();
    f.arguments = in.text();
    if (in.finish(ec) && version != protocol)
        ec = make_error_code(error::bad_message);
    return f;
}

std::string encode(const refused_frame& f)
{
    std::string out;
    wire_writer(out).u32(static_cast<std::uint32_t>(f.reason)).text(f.message);
    return out;
}

refused_frame decode_refused(std::string_view body, error_code& ec)
{
    wire_reader in(body);
    refused_frame f;
    const std::uint32_t reason = in.u32();
    f.message = in.text();
    if (in.finish(ec))
        f.reason = static_cast<error>(reason);
    return f;
}

void append_frame(std::string& out, frame_kind kind, std::string_view body)
{
    wire_writer(out)
        .u32(static_cast<std::uint32_t>(body.size() + 1))
        .u8(static_cast<std::uint8_t>(kind))
        .bytes(body);
}

void put_frame_header(char* out, frame_kind kind, std::size_t body_size) noexcept
{
    store_le<4>(out, static_cast<std::uint32_t>(body_size + 1));
    out[4] = static_cast<char>(kind);
}

frame_kind parse_frame_header(const char* bytes, std::size_t& body_size, error_code& ec)
{
    const auto length = static_cast<std::uint32_t>(load_le<4>(bytes));
    const auto kind = static_cast<frame_kind>(bytes[4]);
    if (length == 0 || length - 1 > max_frame_body() || kind < frame_kind::run ||
        kind > frame_kind::wake) {
        ec = make_error_code(error::bad_message);
        return {};
    }
    ec.clear();
    body_size = length - 1;
    return kind;
}

parsed frame_at(const std::vector<char>& bytes, std::size_t at, std::size_t used, frame_kind& kind,
                std::string_view& body)
{
    if (used - at < frame_header_size)
        return parsed::incomplete;
    std::size_t size = 0;
    error_code ec;
    kind = parse_frame_header(bytes.data() + at, size, ec);
    if (ec)
        return parsed::bad;
    if (used - at - frame_header_size < size)
        return parsed::incomplete;
    body = std::string_view(bytes.data() + at + frame_header_size, size);
    return parsed::frame;
}

void send_frame(os::channel& c, frame_kind kind, std::string_view body,
                os::clock::time_point deadline, error_code& ec)
{
    if (body.size() > max_frame_body()) {
        ec = make_error_code(error::message_too_large);
        return;
    }
    // One write for a small frame; a large body is not copied to join its header.
    const bool small = body.size() <= 64 * 1024;
    std::string frame;
    wire_writer(frame)
        .u32(static_cast<std::uint32_t>(body.size() + 1))
        .u8(static_cast<std::uint8_t>(kind));
    if (small)
        frame.append(body);
    c.write_all(frame.data(), frame.size(), deadline, ec);
    if (!ec && !small)
        c.write_all(body.data(), body.size(), deadline, ec);
}

frame_kind receive_frame(os::channel& c, std::string& body, error_code& ec)
{
    char header[frame_header_size];
    c.read_exact(header, sizeof header, ec);
    if (ec)
        return {};
    std::size_t size = 0;
    const frame_kind kind = parse_frame_header(header, size, ec);
    if (ec)
        return {};
    c.read_exact(body, size, ec); // a header alone must not make us allocate max_frame_body()
    return kind;
}

received_bytes keep_part(frame_buffer& buffer, std::string_view part)
{
    // Taken only when the part is most of the storage: what it takes along is bounded.
    if (part.size() < 64 * 1024 || 2 * part.size() < buffer.bytes.size())
        return received_bytes::copy_of(part);
    const auto offset = static_cast<std::size_t>(part.data() - buffer.bytes.data());
    std::vector<char> rest(buffer.bytes.begin() + buffer.read, buffer.bytes.begin() + buffer.used);
    received_bytes kept(std::move(buffer.bytes), offset, part.size());
    buffer.bytes = std::move(rest);
    buffer.used -= buffer.read;
    buffer.read = 0;
    return kept;
}

frame_kind frame_reader::next(std::string_view& body, error_code& ec)
{
    auto& b = buffer_;
    std::size_t wanted = frame_header_size;
    for (;;) {
        if (b.used - b.read >= frame_header_size) {
            std::size_t size = 0;
            const frame_kind kind = parse_frame_header(b.bytes.data() + b.read, size, ec);
            if (ec)
                return {};
            wanted = frame_header_size + size;
            if (b.used - b.read >= wanted) {
                body = std::string_view(b.bytes.data() + b.read + frame_header_size, size);
                b.read += wanted;
                return kind;
            }
        }
        // Move what is left to the front, make room for the rest of the frame, read.
        std::copy(b.bytes.begin() + b.read, b.bytes.begin() + b.used, b.bytes.begin());
        b.used -= b.read;
        b.read = 0;
        // Grown as the frame arrives (doubling), not to the size its header claims.
        const std::size_t room = std::max<std::size_t>(2 * b.used, 64 * 1024);
        b.bytes.resize(std::max(b.bytes.size(), std::min(wanted, room)));
        const std::size_t n =
            channel_.read_some(b.bytes.data() + b.used, b.bytes.size() - b.used, ec);
        if (ec)
            return {};
        b.used += n;
    }
}

} // namespace multiproc::detail
