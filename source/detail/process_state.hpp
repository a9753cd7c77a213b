// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_DETAIL_PROCESS_STATE_HPP
#define MULTIPROC_SOURCE_DETAIL_PROCESS_STATE_HPP

#include "os.hpp"

#include <multiproc/process.hpp>

#include <mutex>

namespace multiproc::detail {

/// One child and everything known about it; shared by the `process` handles and the runtime.
/// Blocking waits happen without the mutex, so another thread can terminate a child that one
/// thread is joining.
struct process_state : std::enable_shared_from_this<process_state>
{
    process_options options;
    process_work work;

    std::mutex mutex;
    bool started = false;
    os::child child;
    os::channel channel;   // spawn: the parent's end
    bool reported = false; // the child reached init (always true under fork)
    os::clock::time_point report_deadline;
    bool signalled = false; // interrupt(), terminate() or kill() was called
    bool closed = false;    // close() released the child: every use but close() fails
    error_code failure;     // why the child never ran its function, once known

    /// The signals a parent sends (Windows: each ends the child with the matching code).
    enum class stop_signal
    {
        interrupt, // SIGINT
        terminate, // SIGTERM
        kill,      // SIGKILL
    };

    void start(error_code& ec);
    /// Waits until the child exits or the deadline passes; true when it has exited.
    bool join_until(os::clock::time_point deadline, error_code& ec);
    /// Reaps the child if it has exited; true while it runs.
    bool is_alive(error_code& ec);
    std::optional<int> exit_code(error_code& ec);
    void signal(stop_signal which, error_code& ec);
    void terminate() noexcept;
    os::native_handle sentinel(error_code& ec);
    void close(error_code& ec);

private:
    void start_spawned(error_code& ec);
    void start_forked(error_code& ec);
    bool wait_for_report(os::clock::time_point deadline, error_code& ec);
    bool reap_if_exited(error_code& ec); // under the mutex
    bool usable(error_code& ec) const;   // under the mutex: false once closed
};

} // namespace multiproc::detail

#endif
