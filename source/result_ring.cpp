// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include "detail/result_ring.hpp"

#include <algorithm>
#include <cstring>
#include <new>

namespace multiproc::detail {

static_assert(std::atomic<std::uint64_t>::is_always_lock_free &&
                  std::atomic<std::uint32_t>::is_always_lock_free,
              "the ring's counters are shared between processes");

// Each counter in a cache line of its own: the worker writes `head`, the parent `tail`.
struct result_ring::layout
{
    alignas(64) std::atomic<std::uint64_t> head{0};           // bytes ever written
    alignas(64) std::atomic<std::uint64_t> tail{0};           // bytes ever read
    alignas(64) std::atomic<std::uint32_t> wake_requested{1}; // the parent starts out waiting
    alignas(64) char data[capacity];
};

namespace {

constexpr std::size_t announcement_size = frame_header_size;

void put_header(char* out, frame_kind kind, std::size_t body_size) noexcept
{
    const auto length = static_cast<std::uint32_t>(body_size + 1);
    for (int i = 0; i < 4; ++i)
        out[i] = static_cast<char>((length >> (8 * i)) & 0xff);
    out[4] = static_cast<char>(kind);
}

} // namespace

result_ring result_ring::create(error_code& ec)
{
    result_ring r;
    r.segment_ = segment::create(segment_kind::result_ring, sizeof(layout), ec);
    if (!ec)
        r.ring_ = new (r.segment_->payload()) layout();
    return r;
}

result_ring result_ring::open(const std::string& name, error_code& ec)
{
    result_ring r;
    r.segment_ = segment::open(segment_kind::result_ring, name, ec);
    if (!ec && r.segment_->payload_size() < sizeof(layout))
        ec = make_error_code(error::bad_message);
    if (!ec)
        r.ring_ = std::launder(static_cast<layout*>(r.segment_->payload()));
    return r;
}

const std::string& result_ring::name() const noexcept
{
    return segment_->name();
}

bool result_ring::fits(std::size_t size) const noexcept
{
    const std::uint64_t used =
        ring_->head.load(std::memory_order_relaxed) - ring_->tail.load(std::memory_order_acquire);
    return size <= capacity - used;
}

void result_ring::write(const char* bytes, std::size_t size, std::uint64_t at) noexcept
{
    const std::size_t start = at % capacity;
    const std::size_t first = std::min(size, capacity - start);
    std::memcpy(ring_->data + start, bytes, first);
    std::memcpy(ring_->data, bytes + first, size - first);
}

void result_ring::append(frame_kind kind, std::string_view body) noexcept
{
    const std::uint64_t head = ring_->head.load(std::memory_order_relaxed);
    char header[frame_header_size];
    put_header(header, kind, body.size());
    write(header, sizeof header, head);
    write(body.data(), body.size(), head + sizeof header);
    ring_->head.store(head + sizeof header + body.size(), std::memory_order_seq_cst);
}

bool result_ring::try_write(frame_kind kind, std::string_view body) noexcept
{
    if (body.size() > capacity || !fits(frame_header_size + body.size() + announcement_size))
        return false;
    append(kind, body);
    return true;
}

bool result_ring::try_announce_result_on_channel() noexcept
{
    if (!fits(announcement_size))
        return false;
    append(frame_kind::result_on_channel, {});
    return true;
}

bool result_ring::take_wake_request() noexcept
{
    return ring_->wake_requested.load(std::memory_order_seq_cst) != 0 &&
           ring_->wake_requested.exchange(0, std::memory_order_seq_cst) != 0;
}

bool result_ring::request_wake() noexcept
{
    ring_->wake_requested.store(1, std::memory_order_seq_cst);
    return ring_->head.load(std::memory_order_seq_cst) !=
           ring_->tail.load(std::memory_order_relaxed);
}

bool result_ring::read(std::vector<char>& out) noexcept
{
    const std::uint64_t tail = ring_->tail.load(std::memory_order_relaxed);
    const std::uint64_t head = ring_->head.load(std::memory_order_acquire);
    if (head - tail > capacity)
        return false;
    const std::size_t size = static_cast<std::size_t>(head - tail);
    const std::size_t start = tail % capacity;
    const std::size_t first = std::min(size, capacity - start);
    out.insert(out.end(), ring_->data + start, ring_->data + start + first);
    out.insert(out.end(), ring_->data, ring_->data + (size - first));
    ring_->tail.store(head, std::memory_order_release);
    return true;
}

} // namespace multiproc::detail
