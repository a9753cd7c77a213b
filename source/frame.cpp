// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include "detail/frame.hpp"

#include <multiproc/task.hpp>

#include <algorithm>
#include <cstring>

namespace multiproc::detail {

namespace {

constexpr std::string_view protocol = "multiproc/4";

void put_u32(std::string& out, std::uint32_t v)
{
    const char bytes[4] = {static_cast<char>(v & 0xff), static_cast<char>((v >> 8) & 0xff),
                           static_cast<char>((v >> 16) & 0xff), static_cast<char>(v >> 24)};
    out.append(bytes, sizeof bytes);
}

void put_text(std::string& out, std::string_view text)
{
    put_u32(out, static_cast<std::uint32_t>(text.size()));
    out.append(text);
}

// Reads fields from a body; the first overrun marks the whole decode as bad_message.
class reader
{
public:
    explicit reader(std::string_view body) : rest_(body) {}

    std::uint32_t u32()
    {
        if (rest_.size() < 4) {
            bad_ = true;
            return 0;
        }
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i)
            v |= std::uint32_t(static_cast<unsigned char>(rest_[i])) << (8 * i);
        rest_.remove_prefix(4);
        return v;
    }

    std::uint64_t u64()
    {
        const std::uint64_t low = u32();
        return low | (std::uint64_t(u32()) << 32);
    }

    std::uint8_t u8()
    {
        if (rest_.empty()) {
            bad_ = true;
            return 0;
        }
        const auto v = static_cast<std::uint8_t>(rest_[0]);
        rest_.remove_prefix(1);
        return v;
    }

    // A view into the body: the caller copies what it keeps.
    std::string_view text()
    {
        const std::uint32_t n = u32();
        if (bad_ || rest_.size() < n) {
            bad_ = true;
            return {};
        }
        const std::string_view s = rest_.substr(0, n);
        rest_.remove_prefix(n);
        return s;
    }

    // True when every field was present and nothing is left over.
    bool finish(error_code& ec) const
    {
        const bool ok = !bad_ && rest_.empty();
        ec = ok ? error_code() : make_error_code(error::bad_message);
        return ok;
    }

private:
    std::string_view rest_;
    bool bad_ = false;
};

} // namespace

namespace {
void put_u64(std::string& out, std::uint64_t v)
{
    put_u32(out, static_cast<std::uint32_t>(v));
    put_u32(out, static_cast<std::uint32_t>(v >> 32));
}
} // namespace

std::string encode(const worker_frame& f)
{
    std::string out;
    put_text(out, protocol);
    put_text(out, f.process_name);
    put_text(out, f.rings);
    return out;
}

worker_frame decode_worker(std::string_view body, error_code& ec)
{
    reader in(body);
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
    put_u32(out, static_cast<std::uint32_t>(body + 1));
    out.push_back(static_cast<char>(frame_kind::task));
    put_u64(out, id);
    put_text(out, task);
    put_text(out, signature);
    put_u32(out, count);
    put_text(out, arguments);
}

std::string encode(const task_frame& f)
{
    std::string frame;
    append_task_frame(frame, f.id, f.task, f.signature, f.count, f.arguments);
    return frame.substr(frame_header_size);
}

task_frame decode_task(std::string_view body, error_code& ec)
{
    reader in(body);
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
    put_u64(out, f.id);
    if (f.ok) {
        out.reserve(8 + 1 + 4 + f.results.size());
        out.push_back(1);
        put_text(out, f.results);
    } else if (f.failure != error{}) {
        out.push_back(2);
        put_u32(out, static_cast<std::uint32_t>(f.failure));
        put_text(out, f.what);
    } else {
        out.push_back(0);
        put_text(out, f.exception_type);
        put_text(out, f.what);
    }
    return out;
}

result_frame decode_result(std::string_view body, error_code& ec)
{
    reader in(body);
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
    put_text(out, protocol);
    put_text(out, f.process_name);
    put_text(out, f.task);
    put_text(out, f.signature);
    put_text(out, f.arguments);
    return out;
}

run_frame decode_run(std::string_view body, error_code& ec)
{
    reader in(body);
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
    put_u32(out, static_cast<std::uint32_t>(f.reason));
    put_text(out, f.message);
    return out;
}

refused_frame decode_refused(std::string_view body, error_code& ec)
{
    reader in(body);
    refused_frame f;
    const std::uint32_t reason = in.u32();
    f.message = in.text();
    if (in.finish(ec))
        f.reason = static_cast<error>(reason);
    return f;
}

void append_frame(std::string& out, frame_kind kind, std::string_view body)
{
    put_u32(out, static_cast<std::uint32_t>(body.size() + 1));
    out.push_back(static_cast<char>(kind));
    out.append(body);
}

void put_frame_header(char* out, frame_kind kind, std::size_t body_size) noexcept
{
    const auto length = static_cast<std::uint32_t>(body_size + 1);
    for (int i = 0; i < 4; ++i)
        out[i] = static_cast<char>((length >> (8 * i)) & 0xff);
    out[4] = static_cast<char>(kind);
}

frame_kind parse_frame_header(const char* bytes, std::size_t& body_size, error_code& ec)
{
    std::uint32_t length = 0;
    for (int i = 0; i < 4; ++i)
        length |= std::uint32_t(static_cast<unsigned char>(bytes[i])) << (8 * i);
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
    put_u32(frame, static_cast<std::uint32_t>(body.size() + 1));
    frame.push_back(static_cast<char>(kind));
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
