// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include "detail/frame_ring.hpp"

#include <algorithm>
#include <cstring>
#include <new>

namespace multiproc::detail {

static_assert(std::atomic<std::uint64_t>::is_always_lock_free &&
                  std::atomic<std::uint32_t>::is_always_lock_free,
              "the ring's counters are shared between processes");

// Each counter in a cache line of its own: the writer writes `head`, the reader `tail`.
struct frame_ring::layout
{
    alignas(64) std::atomic<std::uint64_t> head{0};           // bytes ever written
    alignas(64) std::atomic<std::uint64_t> tail{0};           // bytes ever read
    alignas(64) std::atomic<std::uint32_t> wake_requested{1}; // the reader starts out waiting
    alignas(64) char data[capacity];
};

namespace {

constexpr std::size_t announcement_size = frame_header_size;

struct rings_layout
{
    frame_ring::layout tasks;
    frame_ring::layout results;
};

} // namespace

bool frame_ring::fits(std::size_t size) const noexcept
{
    const std::uint64_t used =
        ring_->head.load(std::memory_order_relaxed) - ring_->tail.load(std::memory_order_acquire);
    return size <= capacity - used;
}

void frame_ring::write(const char* bytes, std::size_t size, std::uint64_t at) noexcept
{
    if (size == 0)
        return; // an empty body's data() may be null
    const std::size_t start = at % capacity;
    const std::size_t first = std::min(size, capacity - start);
    std::memcpy(ring_->data + start, bytes, first);
    std::memcpy(ring_->data, bytes + first, size - first);
}

bool frame_ring::try_write(frame_kind kind, std::string_view body) noexcept
{
    if (body.size() > capacity || !fits(frame_header_size + body.size() + announcement_size))
        return false;
    const std::uint64_t head = ring_->head.load(std::memory_order_relaxed);
    char header[frame_header_size];
    put_frame_header(header, kind, body.size());
    write(header, sizeof header, head);
    write(body.data(), body.size(), head + sizeof header);
    ring_->head.store(head + sizeof header + body.size(), std::memory_order_seq_cst);
    return true;
}

bool frame_ring::try_write_frame(std::string_view frame) noexcept
{
    if (frame.size() > capacity || !fits(frame.size() + announcement_size))
        return false;
    const std::uint64_t head = ring_->head.load(std::memory_order_relaxed);
    write(frame.data(), frame.size(), head);
    ring_->head.store(head + frame.size(), std::memory_order_seq_cst);
    return true;
}

bool frame_ring::try_announce_on_channel() noexcept
{
    if (!fits(announcement_size))
        return false;
    const std::uint64_t head = ring_->head.load(std::memory_order_relaxed);
    char header[frame_header_size];
    put_frame_header(header, frame_kind::on_channel, 0);
    write(header, sizeof header, head);
    ring_->head.store(head + sizeof header, std::memory_order_seq_cst);
    return true;
}

bool frame_ring::take_wake_request() noexcept
{
    return ring_->wake_requested.load(std::memory_order_seq_cst) != 0 &&
           ring_->wake_requested.exchange(0, std::memory_order_seq_cst) != 0;
}

bool frame_ring::has_frames() const noexcept
{
    return ring_->head.load(std::memory_order_relaxed) !=
           ring_->tail.load(std::memory_order_relaxed);
}

bool frame_ring::request_wake() noexcept
{
    ring_->wake_requested.store(1, std::memory_order_seq_cst);
    return ring_->head.load(std::memory_order_seq_cst) !=
           ring_->tail.load(std::memory_order_relaxed);
}

void frame_ring::withdraw_wake_request() noexcept
{
    ring_->wake_requested.store(0, std::memory_order_relaxed);
}

bool frame_ring::read(std::vector<char>& out) noexcept
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

worker_rings worker_rings::create(error_code& ec)
{
    worker_rings r;
    auto s = segment::create(segment_kind::worker_rings, sizeof(rings_layout), ec);
    if (ec)
        return r;
    auto* both = new (s->payload()) rings_layout();
    r.name = s->name();
    r.tasks = frame_ring(s, &both->tasks);
    r.results = frame_ring(s, &both->results);
    return r;
}

worker_rings worker_rings::open(const std::string& name, error_code& ec)
{
    worker_rings r;
    auto s = segment::open(segment_kind::worker_rings, name, ec);
    if (!ec && s->payload_size() < sizeof(rings_layout))
        ec = make_error_code(error::bad_message);
    if (ec)
        return r;
    auto* both = std::launder(static_cast<rings_layout*>(s->payload()));
    r.name = name;
    r.tasks = frame_ring(s, &both->tasks);
    r.results = frame_ring(s, &both->results);
    return r;
}

} // namespace multiproc::detail
