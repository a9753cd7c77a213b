// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_ERROR_HPP
#define MULTIPROC_ERROR_HPP

#include <multiproc/detail/config.hpp>

#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <string>
#include <type_traits>
#include <utility>

namespace multiproc {

// Boost.System codes, as in Asio and Boost.Process: they convert to std::error_code.
using boost::system::error_code;
using boost::system::system_error;

/// Failures that belong to multiproc itself. Operating-system failures keep their
/// `boost::system::system_category()` codes.
enum class error
{
    unregistered_task = 1, ///< the function was not registered with MULTIPROC_TASK
    signature_mismatch,    ///< the arguments do not match the registered signature
    bad_message,           ///< a frame from another process could not be decoded
    not_initialized,       ///< a spawned child did not call multiproc::init first in main
    start_timeout,         ///< a spawned child did not report in time
    not_started,           ///< the process has not been started
    already_started,       ///< a process object can be started only once
    not_supported,         ///< the start method or call does not exist on this platform
    peer_closed,           ///< the other end of a channel has gone away
    timeout,               ///< the operation did not finish in the time it was given
    lock_broken,           ///< a process died holding a cross-process lock
    queue_closed,          ///< the queue was closed
    queue_broken,          ///< a queue could not be opened (its objects are gone or damaged)
    message_too_large,     ///< a message is larger than `max_message_size` (task.hpp)
    worker_died,           ///< the pool worker running the task died
    remote_exception,      ///< the task threw in the worker (see remote_error)
    pool_closed,           ///< the pool takes no more tasks
    broken_barrier,        ///< the barrier is broken (abort, a timed-out wait) until reset()
    process_closed,        ///< the process object was closed (Python's ValueError after close)
    process_running,       ///< the process still runs: it cannot be closed yet
    connection_read_only,  ///< a send on the receiving end of a one-way pipe
    connection_write_only, ///< a receive on the sending end of a one-way pipe
    authentication_failed, ///< the peer of a Listener or Client did not prove the same authkey
    queue_shut_down,       ///< the queue was shut down (Python's `queue.ShutDown`)
};

/// The category of `multiproc::error` codes; its name is "multiproc".
MULTIPROC_DECL const boost::system::error_category& error_category() noexcept;

inline error_code make_error_code(error e) noexcept
{
    return {static_cast<int>(e), error_category()};
}

/// A task's exception, arrived from the worker: its type name and `what()` (Python's
/// RemoteTraceback). Its code is `error::remote_exception`.
class remote_error : public system_error
{
public:
    /// The error of an exception of type `type` whose `what()` was `what`.
    remote_error(std::string type, std::string what)
        : system_error(make_error_code(error::remote_exception), type + ": " + what),
          type_(std::move(type)), message_(std::move(what))
    {}
    /// The exception's type, demangled ("std::runtime_error").
    const std::string& type() const noexcept { return type_; }
    /// Its `what()`.
    const std::string& message() const noexcept { return message_; }

private:
    std::string type_;
    std::string message_;
};

namespace detail {
/// Throws `system_error(ec, what)`: one place, so every throwing overload reads the same.
[[noreturn]] MULTIPROC_DECL void throw_error(const error_code& ec, const char* what);
inline void throw_if(const error_code& ec, const char* what)
{
    if (ec)
        throw_error(ec, what);
}

/// The throwing overloads, written once: `operation(ec)` is the `error_code&` twin; its result
/// is returned, or `system_error` thrown if it failed.
template <class Operation>
auto call_or_throw(const char* what, Operation operation)
{
    error_code ec;
    if constexpr (std::is_void_v<decltype(operation(ec))>) {
        operation(ec);
        throw_if(ec, what);
    } else {
        auto result = operation(ec);
        throw_if(ec, what);
        return result;
    }
}

} // namespace detail

} // namespace multiproc

/// @cond MULTIPROC_INTERNAL
namespace boost {
namespace system {
template <>
struct is_error_code_enum<multiproc::error>
{
    static constexpr bool value = true;
};
} // namespace system
} // namespace boost
/// @endcond

#endif
