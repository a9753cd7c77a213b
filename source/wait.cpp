// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include <multiproc/wait.hpp>

#include "detail/os.hpp"

#include <multiproc/pipe.hpp>
#include <multiproc/process.hpp>

#include <algorithm>

namespace multiproc {
namespace detail {

std::vector<std::size_t> wait_until(const std::vector<wait_object>& objects,
                                    std::chrono::steady_clock::time_point deadline, error_code& ec)
{
    using kind = wait_object::kind;
    ec.clear();
    // What poll() or WaitForMultipleObjects can watch; the rest is looked at between slices.
    std::vector<os::native_handle> handles;
    bool sliced = false;
    for (const wait_object& o : objects) {
        switch (o.kind_) {
        case kind::connection: {
            const auto h =
                os::to_native(connection_wait_handle(*static_cast<const connection*>(o.object_)));
            if (os::channels_waitable && h != os::invalid_handle())
                handles.push_back(h);
            else
                sliced = true; // a closed one fails in the look below
            break;
        }
        case kind::process: {
            const auto h = os::to_native(static_cast<const process*>(o.object_)->sentinel(ec));
            if (ec)
                return {};
            if (h != os::invalid_handle())
                handles.push_back(h);
            else
                sliced = true;
            break;
        }
        case kind::queue:
            sliced = true;
            break;
        }
    }
    sliced = sliced || handles.size() > 64; // Windows waits on 64 handles at most
    auto slice = std::chrono::milliseconds(1);
    for (;;) {
        std::vector<std::size_t> ready;
        for (std::size_t i = 0; i < objects.size(); ++i) {
            const wait_object& o = objects[i];
            bool now = false;
            switch (o.kind_) {
            case kind::connection:
                // poll changes nothing in the connection object
                now = const_cast<connection*>(static_cast<const connection*>(o.object_))
                          ->poll(std::chrono::seconds(0), ec);
                break;
            case kind::process:
                // The object is the caller's; is_alive only reaps an exited child.
                now = !const_cast<process*>(static_cast<const process*>(o.object_))->is_alive(ec);
                break;
            case kind::queue:
                now = o.queue_ready_(o.object_);
                break;
            }
            if (ec)
                return {};
            if (now)
                ready.push_back(i);
        }
        const auto now = os::clock::now();
        if (!ready.empty() || now >= deadline)
            return ready;
        const auto until = sliced && deadline - now > slice ? now + slice : deadline;
        os::wait_any(handles, until, ec);
        if (ec)
            return {};
        slice = std::min(slice * 2, std::chrono::milliseconds(10));
    }
}

} // namespace detail

std::vector<std::size_t> wait(const std::vector<wait_object>& objects)
{
    return detail::call_or_throw("multiproc::wait",
                                 [&](error_code& ec) { return wait(objects, ec); });
}

std::vector<std::size_t> wait(const std::vector<wait_object>& objects, error_code& ec)
{
    return detail::wait_until(objects, std::chrono::steady_clock::time_point::max(), ec);
}

} // namespace multiproc
