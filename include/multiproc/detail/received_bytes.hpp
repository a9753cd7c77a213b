// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_DETAIL_RECEIVED_BYTES_HPP
#define MULTIPROC_DETAIL_RECEIVED_BYTES_HPP

#include <multiproc/detail/config.hpp>

#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

namespace multiproc::detail {

/// Bytes that came from another process, kept in the buffer they were read into: a message
/// near the size limit is decoded from there, not copied out of it first. Held as an offset,
/// so a move or a copy keeps the bytes it names.
class received_bytes
{
public:
    received_bytes() = default;
    /// The `size` bytes at `offset` of `storage`, which this takes.
    received_bytes(std::vector<char>&& storage, std::size_t offset, std::size_t size) noexcept
        : storage_(std::move(storage)), offset_(offset), size_(size)
    {}
    static received_bytes copy_of(std::string_view bytes)
    {
        return {std::vector<char>(bytes.begin(), bytes.end()), 0, bytes.size()};
    }

    std::string_view view() const noexcept { return {storage_.data() + offset_, size_}; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }

private:
    std::vector<char> storage_;
    std::size_t offset_ = 0;
    std::size_t size_ = 0;
};

} // namespace multiproc::detail

#endif
