// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_POOL_WORKER_LINK_HPP
#define MULTIPROC_SOURCE_POOL_WORKER_LINK_HPP

// One pool worker's link: its process, its channel (an Asio stream, which carries wake-ups and
// frames too large for a ring) and its two rings of shared memory (frame_ring.hpp). The link
// starts the worker, carries frames to it and turns what it sends into events for the
// dispatcher (pool.cpp): it started, a result came (in the ring, or on the channel). It knows
// nothing of tasks, queues or policy. The pool's mutex guards it, as the rest of the pool's
// state; the handlers given to its asynchronous operations take that mutex.

#include "../detail/frame.hpp"
#include "../detail/frame_ring.hpp"
#include "../detail/os.hpp"

#include <multiproc/start_method.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>
#include MULTIPROC_OS_CHANNEL_STREAM_HEADER

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace multiproc::detail {

class worker_link
{
public:
    explicit worker_link(const boost::asio::any_io_executor& executor) : stream_(executor) {}

    /// Starts the worker process by `method` and sends it its setup (`process_name`), then
    /// posts `first_frame` if there is one (the initializer's task). On failure the process is
    /// reaped; `ended`: it started but ended before it took its setup (child().exit_code()
    /// tells why).
    void start(start_method method, const std::string& process_name, std::string_view first_frame,
               bool& ended, error_code& ec);

    os::child& child() noexcept { return child_; }

    /// Gives the worker a frame: in its task ring, or on the channel with its place in the
    /// ring. False if the ring is too full even for that: its results make room.
    bool post(std::string_view frame);
    /// Posts the frame that tells the worker to finish and exit.
    bool post_stop();
    /// After posts: the wake-up the worker asked for, on the channel. Only after a post may its
    /// request be taken: it is the worker's, until answered.
    void wake_if_asked();

    /// Writes what the channel has to carry: at once what fits, the rest by an asynchronous
    /// write whose `on_written(error_code)` the caller takes the pool's mutex in and calls
    /// flush again from. False if the channel failed: the worker is gone or going.
    template <class Handler>
    bool flush(Handler&& on_written);
    /// After flush's asynchronous write, under the pool's mutex.
    void written() noexcept { writing_.clear(); }

    /// Reads more of the channel; `on_read(error_code, std::size_t)` takes the pool's mutex,
    /// calls received(n) and then take_input.
    template <class Handler>
    void async_read(Handler&& on_read);
    void received(std::size_t n) noexcept { inbox_.used += n; }

    /// Takes what the worker sent: the channel's other frames, and the results in the ring's
    /// order (one announced in the ring and sent on the channel is taken from there).
    /// `events.started()` once it reached init (it says so once; it may come after results a
    /// helper read), `events.result(body, channel)` for each result, `channel` the buffer the
    /// body is in if it came on the channel, else null (false: not our protocol). False if
    /// the worker broke the protocol.
    template <class Events>
    bool take_input(Events& events);

    /// Asks the worker to wake the reader when it sends a result; true if results came in the
    /// meantime (take them first, then ask again).
    bool ask_for_wake() { return rings_.results.request_wake(); }
    /// The reader takes results without being woken (pool_backend::help).
    void withdraw_wake_request() { rings_.results.withdraw_wake_request(); }
    bool has_results() const { return rings_.results.has_frames(); }
    /// A result announced in the ring whose bytes are still coming on the channel.
    bool result_arriving() const noexcept { return !ring_bytes_.empty(); }

    void close() noexcept
    {
        error_code ignored;
        stream_.close(ignored);
    }
    /// Waits for the process to exit (killing it if `kill`, or if it is slow to) and reaps it.
    void reap(bool kill);

private:
    os::child child_;
    os::channel_stream stream_;
    worker_rings rings_;
    bool posted_ = false;          // frames were put in its ring since it was last woken
    std::string outbox_;           // channel frames not yet written
    std::string writing_;          // channel frames being written
    frame_buffer inbox_;           // bytes read from the channel
    std::vector<char> ring_bytes_; // taken from the result ring; from ring_read_ on, not handled
    std::size_t ring_read_ = 0;
};

template <class Handler>
bool worker_link::flush(Handler&& on_written)
{
    if (!writing_.empty() || outbox_.empty())
        return true;
    // Usually it all fits in the socket's buffer: write it now, from this thread, and leave
    // only a rest to an asynchronous write (which would wake the executor).
    error_code ec;
    outbox_.erase(0, os::write_now(stream_, outbox_, ec));
    if (ec)
        return false;
    if (outbox_.empty())
        return true;
    std::swap(writing_, outbox_);
    boost::asio::async_write(stream_, boost::asio::buffer(writing_),
                             [on_written = std::forward<Handler>(on_written)](
                                 const error_code& ec, std::size_t) mutable { on_written(ec); });
    return true;
}

template <class Handler>
void worker_link::async_read(Handler&& on_read)
{
    // What was handled goes; a frame's header tells how much is missing: read at least that.
    std::copy(inbox_.bytes.begin() + inbox_.read, inbox_.bytes.begin() + inbox_.used,
              inbox_.bytes.begin());
    inbox_.used -= inbox_.read;
    inbox_.read = 0;
    constexpr std::size_t read_size = 64 * 1024; // bytes asked of each read at least
    std::size_t wanted = read_size;
    if (inbox_.used >= frame_header_size) {
        std::size_t body = 0;
        error_code ec;
        parse_frame_header(inbox_.bytes.data(), body, ec);
        if (!ec)
            wanted = std::max(wanted, frame_header_size + body - inbox_.used);
    }
    if (inbox_.bytes.size() < inbox_.used + wanted)
        inbox_.bytes.resize(inbox_.used + wanted);
    stream_.async_read_some(
        boost::asio::buffer(inbox_.bytes.data() + inbox_.used, inbox_.bytes.size() - inbox_.used),
        std::forward<Handler>(on_read));
}

template <class Events>
bool worker_link::take_input(Events& events)
{
    if (!rings_.results.read(ring_bytes_))
        return false;
    bool ok = true;
    for (;;) {
        frame_kind kind{};
        std::string_view channel_body;
        parsed on_channel;
        while ((on_channel = frame_at(inbox_.bytes, inbox_.read, inbox_.used, kind,
                                      channel_body)) == parsed::frame &&
               kind != frame_kind::result) {
            if (kind == frame_kind::started)
                events.started();
            else if (kind != frame_kind::wake)
                return false;
            inbox_.read += frame_header_size + channel_body.size();
        }
        std::string_view ring_body;
        const parsed in_ring =
            frame_at(ring_bytes_, ring_read_, ring_bytes_.size(), kind, ring_body);
        if (on_channel == parsed::bad || in_ring == parsed::bad) {
            ok = false;
            break;
        }
        if (in_ring == parsed::incomplete)
            break; // a ring holds whole frames: it is empty
        if (kind == frame_kind::on_channel) {
            if (on_channel != parsed::frame)
                break; // not all here yet
            inbox_.read += frame_header_size + channel_body.size();
            ok = events.result(channel_body, &inbox_);
        } else {
            ok = kind == frame_kind::result && events.result(ring_body, nullptr);
        }
        ring_read_ += frame_header_size + ring_body.size();
        if (!ok)
            break;
    }
    ring_bytes_.erase(ring_bytes_.begin(), ring_bytes_.begin() + ring_read_);
    ring_read_ = 0;
    return ok;
}

} // namespace multiproc::detail

#endif
