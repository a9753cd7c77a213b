// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include <multiproc/error.hpp>

namespace multiproc {

namespace {
class category final : public boost::system::error_category
{
public:
    const char* name() const noexcept override { return "multiproc"; }

    std::string message(int value) const override
    {
        switch (static_cast<error>(value)) {
        case error::unregistered_task:
            return "function not registered with MULTIPROC_TASK";
        case error::signature_mismatch:
            return "arguments do not match the task's registered signature";
        case error::bad_message:
            return "malformed message from another process";
        case error::not_initialized:
            return "spawned child did not call multiproc::init(argc, argv) first in main";
        case error::start_timeout:
            return "spawned child did not report from multiproc::init in time";
        case error::not_started:
            return "process has not been started";
        case error::already_started:
            return "process can only be started once";
        case error::not_supported:
            return "not supported by this start method or platform";
        case error::peer_closed:
            return "the other process closed the connection";
        case error::timeout:
            return "operation timed out";
        case error::lock_broken:
            return "a process died holding a cross-process lock";
        case error::queue_closed:
            return "queue is closed";
        case error::queue_broken:
            return "the queue cannot be opened";
        case error::message_too_large:
            return "message larger than the limit (multiproc::max_message_size)";
        case error::worker_died:
            return "the pool worker running the task died";
        case error::remote_exception:
            return "the task threw an exception in the worker";
        case error::pool_closed:
            return "the pool takes no more tasks";
        case error::broken_barrier:
            return "the barrier is broken (aborted, a wait timed out or its action failed)";
        case error::process_closed:
            return "process object is closed";
        case error::process_running:
            return "process is still running";
        case error::connection_read_only:
            return "connection is read-only: this end of a one-way pipe only receives";
        case error::connection_write_only:
            return "connection is write-only: this end of a one-way pipe only sends";
        case error::authentication_failed:
            return "authentication failed: the peer did not prove the same authkey";
        case error::queue_shut_down:
            return "the queue was shut down";
        }
        return "unknown multiproc error";
    }
};
} // namespace

const boost::system::error_category& error_category() noexcept
{
    static const category instance;
    return instance;
}

void detail::throw_error(const error_code& ec, const char* what)
{
    throw system_error(ec, what);
}

} // namespace multiproc
