// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_DETAIL_WIRE_HPP
#define MULTIPROC_DETAIL_WIRE_HPP

// The one place bytes between processes are framed: little-endian integers and u32-length
// texts. Every framing of ours (the frames a parent and its child exchange, a pipe's messages,
// a queue's slots, the raw codec of task.hpp) writes and reads through these. The reader
// checks every field against the bytes left: they came from another process.

#include <multiproc/detail/config.hpp>

#include <multiproc/error.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace multiproc::detail {

/// Writes the low `Bytes` bytes of `v` at `out`, least significant first.
template <std::size_t Bytes>
void store_le(char* out, std::uint64_t v) noexcept
{
    for (std::size_t i = 0; i < Bytes; ++i)
        out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

/// The `Bytes` bytes at `in` as a little-endian number.
template <std::size_t Bytes>
std::uint64_t load_le(const char* in) noexcept
{
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < Bytes; ++i)
        v |= std::uint64_t(static_cast<unsigned char>(in[i])) << (8 * i);
    return v;
}

/// Appends fields to a string.
class wire_writer
{
public:
    explicit wire_writer(std::string& out) noexcept : out_(out) {}

    wire_writer& u8(std::uint8_t v)
    {
        out_.push_back(static_cast<char>(v));
        return *this;
    }
    wire_writer& u32(std::uint32_t v) { return put<4>(v); }
    wire_writer& u64(std::uint64_t v) { return put<8>(v); }
    /// The bytes as they are, no length.
    wire_writer& bytes(std::string_view b)
    {
        out_.append(b);
        return *this;
    }
    /// u32 length | bytes.
    wire_writer& text(std::string_view t)
    {
        return u32(static_cast<std::uint32_t>(t.size())).bytes(t);
    }

private:
    template <std::size_t Bytes>
    wire_writer& put(std::uint64_t v)
    {
        char field[Bytes];
        store_le<Bytes>(field, v);
        out_.append(field, Bytes);
        return *this;
    }

    std::string& out_;
};

/// Reads fields from a view of bytes it never reads past. The first field that is not all
/// there fails the reader: that field and every later one read as 0 or empty, and `finish`
/// says `error::bad_message`. Allocates nothing.
class wire_reader
{
public:
    explicit wire_reader(std::string_view in) noexcept : rest_(in) {}

    std::uint8_t u8() noexcept { return static_cast<std::uint8_t>(take<1>()); }
    std::uint32_t u32() noexcept { return static_cast<std::uint32_t>(take<4>()); }
    std::uint64_t u64() noexcept { return take<8>(); }
    /// The next `n` bytes, a view into the input.
    std::string_view bytes(std::size_t n) noexcept
    {
        if (failed_ || rest_.size() < n) {
            failed_ = true;
            return {};
        }
        const std::string_view b = rest_.substr(0, n);
        rest_.remove_prefix(n);
        return b;
    }
    /// u32 length | bytes: the bytes, a view into the input.
    std::string_view text() noexcept
    {
        const std::uint32_t n = u32();
        return bytes(n);
    }
    /// Every byte left, a view into the input.
    std::string_view rest() noexcept { return bytes(rest_.size()); }

    std::size_t remaining() const noexcept { return rest_.size(); }
    /// True once a field was not all there.
    bool failed() const noexcept { return failed_; }
    /// True when every field was there and nothing is left over; `error::bad_message` in `ec`
    /// otherwise.
    bool finish(error_code& ec) const noexcept
    {
        const bool ok = !failed_ && rest_.empty();
        ec = ok ? error_code() : make_error_code(error::bad_message);
        return ok;
    }

private:
    template <std::size_t Bytes>
    std::uint64_t take() noexcept
    {
        const std::string_view field = bytes(Bytes);
        return failed_ ? 0 : load_le<Bytes>(field.data());
    }

    std::string_view rest_;
    bool failed_ = false;
};

} // namespace multiproc::detail

#endif
