// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_DETAIL_FRAME_RING_HPP
#define MULTIPROC_SOURCE_DETAIL_FRAME_RING_HPP

// A pool worker's tasks and results travel through two rings of shared memory, not through
// their channel: a send and a receive per batch (a socket buffer each, and often a wake-up)
// were most of the cost of small tasks. The writer wakes the reader (a `wake` frame on the
// channel) only when the reader asked for it, because it was about to wait; so a busy reader
// takes many frames at once without a system call for any. The rings outlive a worker that
// dies: the results it finished before are still read, and only the task it was running fails.
//
// A frame too large for the room left goes on the channel instead, announced in the ring by an
// `on_channel` frame at its place: the reader takes frames in the ring's order.
//
// Each ring has a single writer and a single reader. The wake-up request is Dekker's: the
// reader sets it and then checks for frames; the writer publishes a frame and then checks for
// the request. Both in sequentially consistent order, so at least one of them sees the other's
// write: a frame is never left unread while its reader sleeps.

#include "frame.hpp"
#include "segment.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace multiproc::detail {

class frame_ring
{
public:
    /// Bytes of frames it holds at most.
    static constexpr std::size_t capacity = 256 * 1024;
    struct layout;

    frame_ring() = default;
    frame_ring(std::shared_ptr<segment> s, layout* l) noexcept : segment_(std::move(s)), ring_(l) {}

    // ---- the writer -------------------------------------------------------------------------

    /// Appends a whole frame, unless it does not fit (room for an announcement is kept).
    bool try_write(frame_kind kind, std::string_view body) noexcept;
    /// The same for a frame made already: header and body.
    bool try_write_frame(std::string_view frame) noexcept;
    /// Appends the announcement of a frame sent on the channel, unless the ring is full.
    bool try_announce_on_channel() noexcept;
    /// Whether the reader asked to be woken; the request is then withdrawn.
    bool take_wake_request() noexcept;

    // ---- the reader -------------------------------------------------------------------------

    /// Whether anything was written that is not read yet.
    bool has_frames() const noexcept;
    /// Asks the writer to wake us at its next write, then tells whether there is anything to
    /// read already (then read it, and ask again).
    bool request_wake() noexcept;
    /// Takes the request back: someone else reads the ring meanwhile (and asks again after).
    void withdraw_wake_request() noexcept;
    /// Appends every byte written so far to `out` and frees them in the ring. False if the
    /// writer broke the ring (it is not to be trusted further).
    bool read(std::vector<char>& out) noexcept;

private:
    void write(const char* bytes, std::size_t size, std::uint64_t at) noexcept;
    bool fits(std::size_t size) const noexcept;

    std::shared_ptr<segment> segment_; // keeps the mapping
    layout* ring_ = nullptr;
};

/// A pool worker's two rings, in one shared-memory segment.
struct worker_rings
{
    frame_ring tasks;   // parent -> worker
    frame_ring results; // worker -> parent
    std::string name;   // the segment's

    /// The parent: new rings, under a fresh name.
    static worker_rings create(error_code& ec);
    /// The worker: the rings its parent made.
    static worker_rings open(const std::string& name, error_code& ec);
};

} // namespace multiproc::detail

#endif
