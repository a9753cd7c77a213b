// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include "worker_link.hpp"

#include <multiproc/init.hpp>

#include "worker.hpp"

#include <chrono>

namespace multiproc::detail {

namespace {

// How long a worker whose stream ended may take to exit before it is killed.
constexpr auto exit_grace = std::chrono::seconds(5);

os::child start_child(start_method method, os::channel& parent_end, os::channel& child_end,
                      error_code& ec)
{
    if (method != start_method::spawn) // fork
        return start_forked_worker(parent_end, child_end, ec);
    return os::child::spawn(get_executable(), {"--multiproc-child", child_end.token()},
                            {child_end.native()}, ec);
}

} // namespace

void worker_link::start(start_method method, const std::string& process_name,
                        std::string_view first_frame, bool& ended, error_code& ec)
{
    os::channel parent_end, child_end;
    rings_ = worker_rings::create(ec);
    if (!ec)
        os::channel::make_pair(parent_end, child_end, ec);
    if (!ec)
        child_ = start_child(method, parent_end, child_end, ec);
    child_end.close();
    const auto deadline = os::clock::now() + std::chrono::seconds(30);
    if (!ec)
        send_frame(parent_end, frame_kind::worker, encode(worker_frame{process_name, rings_.name}),
                   deadline, ec);
    // Frames may be posted before the worker has started: they wait in its ring.
    if (!ec && !first_frame.empty())
        post(first_frame); // an empty ring takes a frame, or its announcement
    if (!ec)
        os::assign_channel_stream(stream_, parent_end.release(), ec);
    if (ec) {
        ended = ec == error::peer_closed; // it is ending: its own exit code tells why
        reap(!ended);
    }
}

bool worker_link::post(std::string_view frame)
{
    if (!rings_.tasks.try_write_frame(frame)) {
        if (!rings_.tasks.try_announce_on_channel())
            return false;
        outbox_.append(frame);
    }
    posted_ = true;
    return true;
}

bool worker_link::post_stop()
{
    static const std::string frame = [] {
        std::string f;
        append_frame(f, frame_kind::stop, {});
        return f;
    }();
    return post(frame);
}

void worker_link::wake_if_asked()
{
    if (!posted_)
        return;
    posted_ = false;
    if (rings_.tasks.take_wake_request())
        append_frame(outbox_, frame_kind::wake, {});
}

void worker_link::reap(bool kill)
{
    error_code ec;
    if (kill || !child_.wait_exit(os::clock::now() + exit_grace, ec))
        child_.kill(ec);
    child_.wait_exit(os::clock::time_point::max(), ec);
    child_.running(ec);
}

} // namespace multiproc::detail
