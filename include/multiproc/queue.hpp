// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_QUEUE_HPP
#define MULTIPROC_QUEUE_HPP

/// @file
/// `multiproc::queue<T>` and `joinable_queue<T>`: Python's `multiprocessing.Queue` and
/// `JoinableQueue`, on a ring of slots in shared memory (small values) and a shared-memory arena
/// (large ones).

#include <multiproc/detail/config.hpp>

#include <multiproc/detail/handles.hpp>
#include <multiproc/error.hpp>
#include <multiproc/task.hpp>

#include <boost/serialization/split_member.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

namespace multiproc {

namespace detail {
struct queue_core;
using queue_clock = std::chrono::steady_clock;

MULTIPROC_DECL std::shared_ptr<queue_core> create_queue(std::size_t maxsize, std::uint64_t tag,
                                                        bool joinable);
MULTIPROC_DECL std::shared_ptr<queue_core> open_queue(const std::string& token, std::uint64_t tag);
MULTIPROC_DECL std::string queue_token(const queue_core* q);
/// Both wait until the deadline (`max()`: for ever); false when it passes first.
MULTIPROC_DECL bool queue_put(queue_core* q, std::string_view payload,
                              queue_clock::time_point deadline, error_code& ec);
/// Calls `take(context, bytes)` with the value's bytes, valid during the call only (they may be
/// in shared memory): an exception from it propagates, and the value is gone.
MULTIPROC_DECL bool queue_get(queue_core* q, void (*take)(void* context, std::string_view bytes),
                              void* context, queue_clock::time_point deadline, error_code& ec);
/// `error::queue_closed` once this process closed it.
MULTIPROC_DECL std::size_t queue_size(const queue_core* q, error_code& ec) noexcept;
/// A get would not wait: a value is queued, the queue is shut down, or this handle is closed.
MULTIPROC_DECL bool queue_ready(const queue_core* q) noexcept;
MULTIPROC_DECL std::size_t queue_maxsize(const queue_core* q) noexcept;
MULTIPROC_DECL void queue_close(queue_core* q) noexcept;
MULTIPROC_DECL void queue_shutdown(queue_core* q, bool immediate, error_code& ec);
MULTIPROC_DECL void queue_task_done(queue_core* q, error_code& ec);
MULTIPROC_DECL bool queue_join(queue_core* q, queue_clock::time_point deadline, error_code& ec);

} // namespace detail

/// A first-in first-out queue between processes (Python's `multiprocessing.Queue`).
///
/// Values are encoded with Boost.Serialization inside `put`, on the caller's thread, so an
/// unserializable or oversized value fails there. Values up to `max_message_size` go through:
/// small ones in the queue's slots, larger ones through its shared-memory arena (or a segment of
/// their own when it is full or they are over 4 MiB).
///
/// A queue is a handle: copies share it, and passing it to a `process` as an argument gives
/// the child the same queue (spawn or fork). The process that created it removes its names when
/// its last handle goes (with the segments of large values that killed processes left behind);
/// other processes' handles keep working. A large value still queued then keeps its segment
/// until the creating process ends: on Linux its name reaper removes the names of its run
/// however it ends (see `multiproc::shared_memory`).
///
/// A process killed at any moment, inside `put` or `get` too, breaks nothing for the others:
/// a value whose `put` it did not finish was never put, a value whose `get` it did not finish
/// is still queued, and a value it took is gone with it. Nobody waits on it for long: the
/// lock is taken over from a holder whose process ended (within about 10 ms; the processes
/// must share a pid namespace), and on Linux waits are futex waits, elsewhere short sleeping
/// polls. A process killed while it
/// held a large value's block (between encoding and `put`, or between `get` and decoding)
/// leaks that block of the queue's 16 MiB arena until the queue goes; once the arena is full,
/// large values take a shared-memory segment each.
///
/// `maxsize` is at most 2^20: the slots (1 KiB each) are one shared-memory block.
template <class T>
class queue : public detail::plain_serialization<queue<T>>
{
public:
    /// A new queue holding at most `maxsize` values (0: 4096). Throws `system_error`
    /// (`errc::invalid_argument` for a `maxsize` above 2^20).
    explicit queue(std::size_t maxsize = 0)
        : core_(detail::create_queue(maxsize, detail::type_tag<T>(), false))
    {}
    /// No queue yet: what Boost.Serialization loads a passed queue into.
    explicit queue(detail::empty_handle_t) noexcept {}

    /// Adds a value, waiting while the queue is full.
    void put(const T& value)
    {
        detail::call_or_throw("multiproc::queue::put", [&](error_code& ec) { put(value, ec); });
    }
    /// As above, with the failure in `ec` instead of thrown.
    void put(const T& value, error_code& ec)
    {
        try {
            detail::queue_put(core_.get(), detail::encode(value),
                              detail::queue_clock::time_point::max(), ec);
        } catch (const system_error& e) {
            ec = e.code();
        }
    }
    /// Adds a value if there is room now; false if the queue is full.
    bool try_put(const T& value) { return put_for(value, std::chrono::seconds(0)); }
    /// Adds a value, waiting at most `timeout` for room; false if there was none.
    template <class Rep, class Period>
    bool put_for(const T& value, std::chrono::duration<Rep, Period> timeout)
    {
        return detail::call_or_throw("multiproc::queue::put_for", [&](error_code& ec) {
            return detail::queue_put(core_.get(), detail::encode(value),
                                     detail::deadline_after(timeout), ec);
        });
    }

    /// Removes and returns the oldest value, waiting while the queue is empty.
    T get()
    {
        return detail::call_or_throw("multiproc::queue::get",
                                     [&](error_code& ec) { return get(ec); });
    }
    /// As above, with the failure in `ec` instead of thrown.
    T get(error_code& ec)
    {
        std::tuple<T> value(detail::make_empty<T>());
        get_until(value, detail::queue_clock::time_point::max(), ec);
        return std::move(std::get<0>(value));
    }
    /// The oldest value if there is one now.
    std::optional<T> try_get() { return get_for(std::chrono::seconds(0)); }
    /// The oldest value, waiting at most `timeout` for one.
    template <class Rep, class Period>
    std::optional<T> get_for(std::chrono::duration<Rep, Period> timeout)
    {
        return detail::call_or_throw("multiproc::queue::get_for",
                                     [&](error_code& ec) -> std::optional<T> {
                                         std::tuple<T> value(detail::make_empty<T>());
                                         if (!get_until(value, detail::deadline_after(timeout), ec))
                                             return std::nullopt;
                                         return std::move(std::get<0>(value));
                                     });
    }

    /// How many values it holds now; approximate while other processes use it (as in Python).
    /// Throws `system_error` with `error::queue_closed` once this process has closed it.
    std::size_t size() const
    {
        return detail::call_or_throw("multiproc::queue::size",
                                     [&](error_code& ec) { return size(ec); });
    }
    /// As above, with the failure in `ec` instead of thrown (and 0 returned).
    std::size_t size(error_code& ec) const noexcept { return detail::queue_size(core_.get(), ec); }
    /// `size() == 0`, as approximate; `error::queue_closed` as `size()`.
    bool empty() const { return size() == 0; }
    /// As above, with the failure in `ec` instead of thrown (and true returned).
    bool empty(error_code& ec) const noexcept { return size(ec) == 0; }
    /// `size() >= maxsize()`, as approximate; `error::queue_closed` as `size()`.
    bool full() const { return size() >= maxsize(); }
    /// As above, with the failure in `ec` instead of thrown (and false returned).
    bool full(error_code& ec) const noexcept { return size(ec) >= maxsize(); }
    /// True when a `get` would not wait: a value is queued, or the queue is shut down or this
    /// handle closed (then `get` fails at once). What `multiproc::wait` watches.
    bool ready() const noexcept { return detail::queue_ready(core_.get()); }
    /// The most values it holds; `put` waits beyond (0 at construction: a large default).
    std::size_t maxsize() const noexcept { return detail::queue_maxsize(core_.get()); }

    /// This process puts and gets no more through this queue (Python's `close`): later calls
    /// here fail with `error::queue_closed`. Other processes are not affected.
    void close() noexcept { detail::queue_close(core_.get()); }

    /// Shuts the queue down for every process that shares it (Python 3.13's
    /// `queue.Queue.shutdown`): from then on `put` fails with `error::queue_shut_down`, and
    /// `get` takes the values still queued, then fails with it too. Calls blocked in `put`
    /// or in `get` of an empty queue, in any process or thread (`async_get` too), wake and
    /// fail. With `immediate` the values still queued are discarded as well, each counting as
    /// done for a `joinable_queue`'s `join()`, which returns unless values already taken are
    /// still not reported done. Throws `system_error` (`error::queue_closed` once this
    /// process has closed it).
    void shutdown(bool immediate = false)
    {
        detail::call_or_throw("multiproc::queue::shutdown",
                              [&](error_code& ec) { shutdown(immediate, ec); });
    }
    /// As above, with the failure in `ec` instead of thrown.
    void shutdown(bool immediate, error_code& ec)
    {
        detail::queue_shutdown(core_.get(), immediate, ec);
    }

    /// Serialization passes the queue to another process, which opens it by name. A queue of
    /// another value type there is an `error::signature_mismatch`.
    template <class Archive>
    void save(Archive& archive, unsigned) const
    {
        const std::string token = detail::queue_token(core_.get());
        archive << token;
    }
    /// The receiving process's side of `save`.
    template <class Archive>
    void load(Archive& archive, unsigned)
    {
        std::string token;
        archive >> token;
        core_ = detail::open_queue(token, detail::type_tag<T>());
    }
    BOOST_SERIALIZATION_SPLIT_MEMBER()

protected:
    /// @cond MULTIPROC_INTERNAL
    struct joinable_tag
    {
    };
    queue(joinable_tag, std::size_t maxsize)
        : core_(detail::create_queue(maxsize, detail::type_tag<T>(), true))
    {}
    detail::queue_core* core() const noexcept { return core_.get(); }
    /// @endcond

private:
    bool get_until(std::tuple<T>& value, detail::queue_clock::time_point deadline, error_code& ec)
    {
        const auto decode = [](void* into, std::string_view bytes) {
            detail::decode_into(bytes, *static_cast<std::tuple<T>*>(into));
        };
        return detail::queue_get(core_.get(), decode, &value, deadline, ec) && !ec;
    }

    std::shared_ptr<detail::queue_core> core_;
};

/// A queue whose consumers report each value done, so that a producer can wait until all are
/// (Python's `JoinableQueue`).
template <class T>
class joinable_queue : public queue<T>
{
public:
    /// A new queue of at most `maxsize` values (0: a large default), as `queue`'s.
    explicit joinable_queue(std::size_t maxsize = 0)
        : queue<T>(typename queue<T>::joinable_tag{}, maxsize)
    {}
    /// @cond MULTIPROC_INTERNAL
    explicit joinable_queue(detail::empty_handle_t) noexcept : queue<T>(detail::empty_handle) {}
    /// @endcond

    /// A value taken with `get` has been dealt with. More calls than values put: an
    /// `errc::invalid_argument` error (Python's ValueError).
    void task_done()
    {
        detail::call_or_throw("multiproc::joinable_queue::task_done",
                              [&](error_code& ec) { detail::queue_task_done(this->core(), ec); });
    }
    /// Waits until every value put has been reported done.
    void join()
    {
        detail::call_or_throw("multiproc::joinable_queue::join", [&](error_code& ec) {
            detail::queue_join(this->core(), detail::queue_clock::time_point::max(), ec);
        });
    }
    /// Waits at most `timeout`; true once every value put has been reported done.
    template <class Rep, class Period>
    bool join_for(std::chrono::duration<Rep, Period> timeout)
    {
        return detail::call_or_throw("multiproc::joinable_queue::join_for", [&](error_code& ec) {
            return detail::queue_join(this->core(), detail::deadline_after(timeout), ec);
        });
    }
};

} // namespace multiproc

#endif
