// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_DETAIL_RESULT_RING_HPP
#define MULTIPROC_SOURCE_DETAIL_RESULT_RING_HPP

// A pool worker's results go to its parent through this ring of shared memory, not through
// their channel: a send per result (a socket buffer each, and often a wake-up) was most of
// the cost of small tasks. The worker writes whole frames and wakes the parent only when the
// parent asked for it, because it was about to wait; so a busy parent reads many results at
// once without a system call for any. The ring outlives a worker that dies: the results it
// finished before are still read, and only the task it was running fails.
//
// A frame too large for the room left goes on the channel instead, announced in the ring by a
// result_on_channel frame at its place: the parent reads results in the ring's order.
//
// Single producer (the worker), single consumer (the parent's executor). The wake-up request
// is Dekker's: the parent sets it and then checks for results; the worker publishes a result
// and then checks for the request. Both in sequentially consistent order, so at least one of
// them sees the other's write: a result is never left unread while the parent sleeps.

#include "frame.hpp"
#include "segment.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace multiproc::detail {

class result_ring
{
public:
    /// Bytes of frames it holds at most.
    static constexpr std::size_t capacity = 256 * 1024;

    result_ring() = default;
    /// The parent: a new ring, under a fresh name.
    static result_ring create(error_code& ec);
    /// The worker: the ring its parent made.
    static result_ring open(const std::string& name, error_code& ec);

    const std::string& name() const noexcept;

    // ---- the worker -------------------------------------------------------------------------

    /// Appends a whole frame, unless it does not fit (room for an announcement is kept).
    bool try_write(frame_kind kind, std::string_view body) noexcept;
    /// Appends the announcement of a result sent on the channel, unless the ring is full.
    bool try_announce_result_on_channel() noexcept;
    /// Whether the parent asked to be woken; the request is then withdrawn.
    bool take_wake_request() noexcept;

    // ---- the parent -------------------------------------------------------------------------

    /// Asks the worker to wake us at its next write, then tells whether there is anything to
    /// read already (then read it, and ask again).
    bool request_wake() noexcept;
    /// Appends every byte written so far to `out` and frees them in the ring. False if the
    /// worker broke the ring (it is not to be trusted further).
    bool read(std::vector<char>& out) noexcept;

private:
    struct layout;
    void write(const char* bytes, std::size_t size, std::uint64_t at) noexcept;
    bool fits(std::size_t size) const noexcept;
    void append(frame_kind kind, std::string_view body) noexcept;

    std::shared_ptr<segment> segment_;
    layout* ring_ = nullptr;
};

} // namespace multiproc::detail

#endif
