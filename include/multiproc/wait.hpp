// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_WAIT_HPP
#define MULTIPROC_WAIT_HPP

/// @file
/// `multiproc::wait`: Python's `multiprocessing.connection.wait`, one call that waits for
/// several connections, processes and queues.

#include <multiproc/detail/config.hpp>

#include <multiproc/detail/handles.hpp>
#include <multiproc/error.hpp>

#include <chrono>
#include <cstddef>
#include <type_traits>
#include <utility>
#include <vector>

namespace multiproc {

class connection;
class process;
class wait_object;

namespace detail {
MULTIPROC_DECL std::vector<std::size_t> wait_until(const std::vector<wait_object>& objects,
                                                   std::chrono::steady_clock::time_point deadline,
                                                   error_code& ec);
} // namespace detail

/// One object `wait` watches, held by reference: it must outlive the call. It converts from
/// a connection, a process or a queue, so that `wait({conn, proc, queue})` reads as Python's
/// `wait([conn, proc, queue])`.
class wait_object
{
public:
    /// Ready when `recv` would not wait: a message has arrived, or every other holder of the
    /// other end has closed it (`recv` then fails with `error::peer_closed`).
    wait_object(const connection& c) noexcept : kind_(kind::connection), object_(&c) {}
    /// Ready once the process has exited (Python: its sentinel). It must have been started.
    wait_object(process& p) noexcept : kind_(kind::process), object_(&p) {}
    /// Ready when `get` would not wait: a value is queued, or this handle was closed. Any
    /// `queue<T>` or `joinable_queue<T>`.
    template <class Queue, class = decltype(std::declval<const Queue&>().ready())>
    wait_object(const Queue& q) noexcept
        : kind_(kind::queue), object_(&q),
          queue_ready_([](const void* queue) { return static_cast<const Queue*>(queue)->ready(); })
    {}

private:
    friend std::vector<std::size_t> detail::wait_until(const std::vector<wait_object>&,
                                                       std::chrono::steady_clock::time_point,
                                                       error_code&);
    enum class kind
    {
        connection,
        process,
        queue,
    };
    kind kind_;
    const void* object_;
    bool (*queue_ready_)(const void*) = nullptr;
};

/// Waits until at least one of `objects` is ready (see `wait_object`) and returns the
/// positions in `objects` of those that are, in order (Python returns the objects).
///
/// Linux: one poll() on the connections' sockets and the processes' pidfds. A queue has no
/// handle to poll (its waits are futex words in shared memory), nor has a connection on
/// Windows (a named pipe, looked at with PeekNamedPipe): while `objects` holds one, the wait
/// is cut in slices, growing from 1 ms to 10 ms, with a look at every object between them
/// (Windows: WaitForMultipleObjects on the process handles for each slice). So such an
/// object is seen within 10 ms of becoming ready, at the cost of a few wake-ups a
/// millisecond at first and 100 a second after. A process not started is
/// `error::not_started`; a closed connection, process or queue handle is reported by its
/// own error.
MULTIPROC_DECL std::vector<std::size_t> wait(const std::vector<wait_object>& objects);
/// As above, with the failure in `ec` instead of thrown.
MULTIPROC_DECL std::vector<std::size_t> wait(const std::vector<wait_object>& objects,
                                             error_code& ec);

/// As `wait`, for at most `timeout`: empty if none became ready (Python's `wait(objects,
/// timeout)`). A timeout of 0 looks once.
template <class Rep, class Period>
std::vector<std::size_t> wait_for(const std::vector<wait_object>& objects,
                                  std::chrono::duration<Rep, Period> timeout)
{
    return detail::call_or_throw("multiproc::wait_for", [&](error_code& ec) {
        return detail::wait_until(objects, detail::deadline_after(timeout), ec);
    });
}
/// As above, with the failure in `ec` instead of thrown.
template <class Rep, class Period>
std::vector<std::size_t> wait_for(const std::vector<wait_object>& objects,
                                  std::chrono::duration<Rep, Period> timeout, error_code& ec)
{
    return detail::wait_until(objects, detail::deadline_after(timeout), ec);
}

} // namespace multiproc

#endif
