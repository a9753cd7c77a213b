// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// The worker's half of the pool: the loop a pool worker process runs. Its tasks come in the
// task ring (and on the channel for a frame too large for it); each result goes back in the
// result ring as soon as its task is done, so that a worker that dies later loses none.

#include "worker.hpp"

#include "../detail/frame_ring.hpp"
#include "../detail/runtime.hpp"

#include <boost/core/demangle.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <exception>
#include <iostream>
#include <string>
#include <thread>
#include <typeinfo>

namespace multiproc::detail {

namespace {

// Sends a result to the parent: in the ring, or on the channel with its place in the ring.
void send_result(os::channel& to_parent, frame_ring& ring, std::string_view result, error_code& ec)
{
    const auto no_deadline = os::clock::time_point::max();
    if (ring.try_write(frame_kind::result, result)) {
        if (ring.take_wake_request())
            send_frame(to_parent, frame_kind::wake, {}, no_deadline, ec);
        return;
    }
    // The ring is full: the parent is far behind. Wake it, and let it catch up.
    for (bool woken = false; !ring.try_announce_on_channel() && !ec; woken = true) {
        if (!woken)
            send_frame(to_parent, frame_kind::wake, {}, no_deadline, ec);
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    ring.take_wake_request(); // the result itself wakes it
    if (!ec)
        send_frame(to_parent, frame_kind::result, result, no_deadline, ec);
}

// A worker's tasks, in the order its parent sent them: from the task ring, and from the
// channel for a frame the ring announces there. Waits on the channel (for a wake frame) only
// after asking the parent to send one. A malformed frame ends the worker. A task's arguments
// stay in the bytes its frame came in, until the next task is asked for.
class task_source
{
public:
    task_source(os::channel& from_parent, frame_ring& ring) : channel_(from_parent), ring_(ring) {}

    /// The next task, waiting for it; false at a stop frame or on an error. The task's
    /// arguments are valid until the next call.
    bool next(task_frame& work, error_code& ec)
    {
        for (;;) {
            frame_kind kind{};
            std::string_view body;
            switch (frame_at(batch_, at_, batch_.size(), kind, body)) {
            case parsed::frame:
                at_ += frame_header_size + body.size();
                if (kind == frame_kind::on_channel)
                    return from_channel(work, ec);
                if (kind == frame_kind::task)
                    work = decode_task(body, ec);
                else if (kind != frame_kind::stop)
                    ec = make_error_code(error::bad_message);
                return kind == frame_kind::task && !ec;
            case parsed::bad:
                ec = make_error_code(error::bad_message);
                return false;
            case parsed::incomplete:
                if (at_ != batch_.size()) { // a ring holds whole frames
                    ec = make_error_code(error::bad_message);
                    return false;
                }
                if (!refill(ec))
                    return false;
            }
        }
    }

private:
    // Takes what the ring holds, waiting for it if need be.
    bool refill(error_code& ec)
    {
        batch_.clear();
        at_ = 0;
        for (;;) {
            if (!ring_.read(batch_)) {
                ec = make_error_code(error::bad_message);
                return false;
            }
            if (!batch_.empty())
                return true;
            if (!ring_.request_wake() && !read_channel(ec))
                return false;
        }
    }

    // The announced task from the channel (it may have come already).
    bool from_channel(task_frame& work, error_code& ec)
    {
        while (announced_.empty())
            if (!read_channel(ec))
                return false;
        current_ = std::move(announced_.front());
        announced_.pop_front();
        work = decode_task(current_.view(), ec);
        return !ec;
    }

    // One frame from the channel: a wake, or a task the ring announces (kept until then).
    bool read_channel(error_code& ec)
    {
        std::string_view body;
        const frame_kind kind = channel_.next(body, ec);
        if (!ec && kind == frame_kind::task) {
            (void)decode_task(body, ec); // checked as it arrives: a malformed one ends the worker
            if (!ec)
                announced_.push_back(channel_.keep(body));
        } else if (!ec && kind != frame_kind::wake)
            ec = make_error_code(error::bad_message);
        return !ec;
    }

    frame_reader channel_;
    frame_ring& ring_;
    std::vector<char> batch_; // taken from the ring; from at_ on, not handled yet
    std::size_t at_ = 0;
    std::deque<received_bytes> announced_; // task frames read from the channel, in order
    received_bytes current_;               // the one being run
};

} // namespace

// A pool worker: runs the tasks the parent sends until it says stop. Never returns.
void serve_tasks(os::channel& to_parent, const std::string& worker_body)
{
    error_code ec;
    const worker_frame setup = decode_worker(worker_body, ec);
    set_process_name(setup.process_name);
    worker_rings rings;
    if (!ec)
        rings = worker_rings::open(setup.rings, ec);
    // Mapped on both sides now, the name has done its work: removed, it cannot outlive a parent
    // that is killed (nor let anyone else attach).
    if (!ec)
        segment::remove(setup.rings);
    if (!ec)
        send_frame(to_parent, frame_kind::started, {}, os::clock::time_point::max(), ec);
    // Each result is written as soon as its task is done: a worker that dies later loses none.
    task_source tasks(to_parent, rings.tasks);
    task_frame work;
    while (!ec && tasks.next(work, ec))
        send_result(to_parent, rings.results, run_task_frame(work), ec);
    os::flush_stdio();
    // Stop is the normal end; so is the parent closing the stream (it terminated the pool).
    if (ec && ec != error::peer_closed) {
        std::cerr << "multiproc: worker stopped: " << ec.message() << '\n';
        std::exit(1);
    }
    std::exit(0);
}

void run_forked_worker(os::channel& to_parent)
{
    error_code ec;
    std::string body;
    if (receive_frame(to_parent, body, ec) == frame_kind::worker && !ec)
        serve_tasks(to_parent, body);
    std::exit(1); // the parent went away before it said what to do
}

std::string run_task_frame(const task_frame& work)
{
    result_frame result;
    result.id = work.id;
    std::string results;
    const task_entry* task = find_task(std::string_view(work.task));
    try {
        if (!task)
            throw system_error(make_error_code(error::unregistered_task), work.task);
        if (work.signature != task->signature)
            throw system_error(make_error_code(error::signature_mismatch), work.task);
        results = task->invoke(work.arguments, work.count);
        result.results = results;
    } catch (const results_too_large&) {
        result = {work.id,
                  false,
                  {},
                  {},
                  "multiproc: the task's results are larger than "
                  "the message limit (multiproc::max_message_size)",
                  error::message_too_large};
    } catch (const std::exception& e) {
        result = {work.id, false, {}, boost::core::demangle(typeid(e).name()), e.what()};
    } catch (...) {
        result = {work.id, false, {}, "unknown exception", ""};
    }
    // An exception's text is a message too: cut to fit its frame.
    result.exception_type.resize(std::min(result.exception_type.size(), frame_overhead / 2));
    result.what.resize(std::min(result.what.size(), message_limit()));
    return encode(result);
}

} // namespace multiproc::detail
