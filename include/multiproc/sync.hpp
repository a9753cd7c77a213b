// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SYNC_HPP
#define MULTIPROC_SYNC_HPP

/// @file
/// Synchronisation between processes, Python's `multiprocessing.Lock`, `RLock`, `Semaphore`,
/// `BoundedSemaphore`, `Event`, `Condition` and `Barrier`, on Boost.Interprocess.
///
/// Each object lives in its own named block of shared memory. Create one with `create_only`,
/// pass it to a child as a `process` argument (spawn: the child attaches by name; fork: the
/// handle is copied), or attach with `open_only` and its `name()`. The creating process removes
/// the name when its last handle goes: keep a handle until the children have attached.
///
/// Blocking calls come in threes, as in Boost.Interprocess: `acquire()` waits, `try_acquire()`
/// does not, `acquire_for(timeout)` waits at most `timeout` and returns false if it ran out.
/// Each has a throwing form (`system_error`) and an `error_code&` form.
///
/// A process that dies holding a lock, on any platform: an acquire waiting or made later
/// (within about 10 ms) takes the lock over and finds it broken, and it and every later acquire
/// fail with `error::lock_broken` (the protected data may be half written, so the lock is never
/// handed out again). The same holds for the internal lock of semaphores, events, conditions
/// and barriers, which is held only for a few instructions. The lock is a word holding its
/// holder's process id, as the queue's is: the processes sharing it must share a pid namespace.

#include <multiproc/detail/config.hpp>

#include <multiproc/creation_tags.hpp>
#include <multiproc/detail/named_handle.hpp>

#include <chrono>
#include <cstddef>
#include <optional>

namespace multiproc {
namespace detail {

struct sync_state;

/// A named block that holds one synchronisation object.
class MULTIPROC_DECL sync_object : public named_handle
{
protected:
    explicit sync_object(segment_kind kind) noexcept : named_handle(kind) {}
    /// Creates the block: `count` and `limit` mean what the kind says (see sync.cpp).
    void create(std::size_t count, std::size_t limit, error_code& ec);
    /// `create` and `open`, throwing `system_error` (named after the class) instead.
    void create_or_throw(std::size_t count, std::size_t limit);
    void open_or_throw(const std::string& name);
    /// The shared state, or nullptr with `ec` set for an empty handle.
    sync_state* state(error_code& ec) const noexcept;
};

/// The constructors of a class whose objects are made from nothing but their kind: empty,
/// created (`create_only`) or opened (`open_only`), each throwing or with an `error_code`.
template <class Base, segment_kind Kind>
class sync_constructors : public Base
{
public:
    /// An empty handle; assign or deserialize one.
    sync_constructors() noexcept : Base(Kind) {}
    /// Creates a new one under a fresh unique name (`create_only`).
    explicit sync_constructors(create_only_t) : Base(Kind) { this->create_or_throw(0, 0); }
    /// As above, with the failure in `ec` instead of thrown.
    sync_constructors(create_only_t, error_code& ec) : Base(Kind) { this->create(0, 0, ec); }
    /// Opens the existing one called `name` (`open_only`).
    sync_constructors(open_only_t, const std::string& name) : Base(Kind)
    {
        this->open_or_throw(name);
    }
    /// As above, with the failure in `ec` instead of thrown.
    sync_constructors(open_only_t, const std::string& name, error_code& ec) : Base(Kind)
    {
        this->open(name, ec);
    }
};

/// Python's acquire/release and std's Lockable names (`std::lock_guard`, `std::unique_lock`,
/// `std::scoped_lock` work): what locks, semaphores and conditions share.
class MULTIPROC_DECL acquirable : public sync_object
{
public:
    /// Waits until acquired.
    void acquire();
    void acquire(error_code& ec);
    /// Acquires if that needs no waiting; false otherwise.
    bool try_acquire();
    bool try_acquire(error_code& ec);
    /// Waits at most `timeout`; false if it ran out.
    template <class Rep, class Period>
    bool acquire_for(std::chrono::duration<Rep, Period> timeout)
    {
        return detail::call_or_throw("multiproc: acquire_for", [&](error_code& ec) {
            return acquire_until(deadline_after(timeout), ec);
        });
    }
    template <class Rep, class Period>
    bool acquire_for(std::chrono::duration<Rep, Period> timeout, error_code& ec)
    {
        return acquire_until(deadline_after(timeout), ec);
    }
    /// Releases. A lock may be released only by the thread that holds it
    /// (`errc::operation_not_permitted` otherwise).
    void release();
    void release(error_code& ec);
    /// True if some thread of some process holds it now; for a semaphore, if its counter is
    /// zero (Python 3.14's `locked()`). A snapshot: it may change at once.
    bool locked() const;
    bool locked(error_code& ec) const;

    void lock() { acquire(); }
    bool try_lock() { return try_acquire(); }
    void unlock() { release(); }
    template <class Rep, class Period>
    bool try_lock_for(std::chrono::duration<Rep, Period> timeout)
    {
        return acquire_for(timeout);
    }

protected:
    using sync_object::sync_object;
    bool acquire_until(std::chrono::steady_clock::time_point deadline, error_code& ec);
};

} // namespace detail

/// A lock across processes (Python's `Lock`): held by one thread of one process at a time.
/// Acquiring it again in the thread that holds it fails with
/// `errc::resource_deadlock_would_occur` instead of deadlocking; `try_acquire` returns false.
///
/// Constructors (from an internal base): `mutex()`, an empty handle; `mutex(create_only)`, a
/// new one under a fresh unique name; `mutex(open_only, name)`, the existing one called
/// `name`; the last two also with an `error_code&` last, which gets the failure instead of
/// a throw.
///
/// Inherited (from an internal base): `acquire()`, `try_acquire()`, `acquire_for(timeout)`,
/// `release()`, `locked()`, each also with an `error_code&`; the Lockable names `lock()`,
/// `try_lock()`, `try_lock_for()`, `unlock()`; and those of a named handle (see
/// `multiproc::shared_memory`).
class mutex : public detail::sync_constructors<detail::acquirable, detail::segment_kind::mutex>
{
public:
    using sync_constructors::sync_constructors;
};
/// Python's name.
using lock = mutex;

/// A lock that the thread holding it may acquire again (Python's `RLock`); it is free again
/// after as many releases as acquires.
///
/// Constructors and inherited members: those of `mutex`.
class recursive_mutex
    : public detail::sync_constructors<detail::acquirable, detail::segment_kind::recursive_mutex>
{
public:
    using sync_constructors::sync_constructors;
};
/// Python's name.
using recursive_lock = recursive_mutex;

/// A counter that `acquire` decrements, waiting while it is zero, and `release` increments
/// (Python's `Semaphore`). Any process may release.
///
/// Inherited (from an internal base): `acquire()`, `try_acquire()`, `acquire_for(timeout)`,
/// `release()`, `locked()`, each also with an `error_code&`; the Lockable names `lock()`,
/// `try_lock()`, `try_lock_for()`, `unlock()`; and those of a named handle (see
/// `multiproc::shared_memory`).
class MULTIPROC_DECL semaphore : public detail::acquirable
{
public:
    semaphore() noexcept : acquirable(detail::segment_kind::semaphore) {}
    /// Creates a new one under a fresh unique name (`create_only`).
    explicit semaphore(create_only_t, std::size_t value = 1);
    /// As above, with the failure in `ec` instead of thrown.
    semaphore(create_only_t, std::size_t value, error_code& ec);
    /// Opens the existing one called `name` (`open_only`).
    semaphore(open_only_t, const std::string& name);
    /// As above, with the failure in `ec` instead of thrown.
    semaphore(open_only_t, const std::string& name, error_code& ec);

    /// The counter now (Python's `get_value()`).
    std::size_t get_value() const;
    /// As above, with the failure in `ec` instead of thrown.
    std::size_t get_value(error_code& ec) const;

protected:
    /// @cond MULTIPROC_INTERNAL
    explicit semaphore(detail::segment_kind kind) noexcept : acquirable(kind) {}
    /// @endcond
};

/// A semaphore whose counter may not exceed its initial value (Python's `BoundedSemaphore`):
/// one release too many fails with `errc::value_too_large`.
class MULTIPROC_DECL bounded_semaphore : public semaphore
{
public:
    bounded_semaphore() noexcept : semaphore(detail::segment_kind::bounded_semaphore) {}
    /// Creates a new one under a fresh unique name (`create_only`).
    explicit bounded_semaphore(create_only_t, std::size_t value = 1);
    /// As above, with the failure in `ec` instead of thrown.
    bounded_semaphore(create_only_t, std::size_t value, error_code& ec);
    /// Opens the existing one called `name` (`open_only`).
    bounded_semaphore(open_only_t, const std::string& name);
    /// As above, with the failure in `ec` instead of thrown.
    bounded_semaphore(open_only_t, const std::string& name, error_code& ec);
};

/// A flag that processes can wait for (Python's `Event`).
///
/// Constructors (from an internal base): those of `mutex`.
///
/// Inherited (from an internal base), as every named object: `name()`, its system-wide name;
/// `explicit operator bool()`, false for an empty handle; `static bool remove(name)`.
class MULTIPROC_DECL event
    : public detail::sync_constructors<detail::sync_object, detail::segment_kind::event>
{
public:
    using sync_constructors::sync_constructors;

    /// Sets the flag and wakes every waiter.
    void set();
    /// As above, with the failure in `ec` instead of thrown.
    void set(error_code& ec);
    /// Clears the flag: `wait` waits again.
    void clear();
    /// As above, with the failure in `ec` instead of thrown.
    void clear(error_code& ec);
    /// The flag now.
    bool is_set() const;
    /// As above, with the failure in `ec` instead of thrown.
    bool is_set(error_code& ec) const;
    /// Waits until the flag is set.
    void wait() const;
    /// As above, with the failure in `ec` instead of thrown.
    void wait(error_code& ec) const;
    /// Waits at most `timeout`; returns the flag (Python's `wait(timeout)`).
    template <class Rep, class Period>
    bool wait_for(std::chrono::duration<Rep, Period> timeout) const
    {
        return detail::call_or_throw("multiproc::event::wait_for", [&](error_code& ec) {
            return wait_until(detail::deadline_after(timeout), ec);
        });
    }
    /// As above, with the failure in `ec` instead of thrown.
    template <class Rep, class Period>
    bool wait_for(std::chrono::duration<Rep, Period> timeout, error_code& ec) const
    {
        return wait_until(detail::deadline_after(timeout), ec);
    }

private:
    bool wait_until(std::chrono::steady_clock::time_point deadline, error_code& ec) const;
};

/// A condition variable with its own lock (Python's `Condition()`): acquire it (it is
/// Lockable), then `wait` releases it while waiting and holds it again on return. `wait`,
/// `notify` and `notify_all` need the lock (`errc::operation_not_permitted` otherwise).
/// `notify(n)` wakes `n` of the threads waiting then (all of them if fewer), in this process or
/// others: a wait returns true only when a notify woke it, and no notify wakes more than it
/// says.
///
/// Constructors and inherited members: those of `mutex`.
class MULTIPROC_DECL condition
    : public detail::sync_constructors<detail::acquirable, detail::segment_kind::condition>
{
public:
    using sync_constructors::sync_constructors;

    /// Waits until notified.
    void wait();
    /// As above, with the failure in `ec` instead of thrown.
    void wait(error_code& ec);
    /// Waits at most `timeout`; false if it ran out.
    template <class Rep, class Period>
    bool wait_for(std::chrono::duration<Rep, Period> timeout)
    {
        return detail::call_or_throw("multiproc::condition::wait_for", [&](error_code& ec) {
            return wait_until(detail::deadline_after(timeout), ec);
        });
    }
    /// As above, with the failure in `ec` instead of thrown.
    template <class Rep, class Period>
    bool wait_for(std::chrono::duration<Rep, Period> timeout, error_code& ec)
    {
        return wait_until(detail::deadline_after(timeout), ec);
    }
    /// Waits until `predicate()` is true (Python's `wait_for(predicate)`).
    template <class Predicate>
    void wait(Predicate predicate)
    {
        while (!predicate())
            wait();
    }
    /// Waits at most `timeout` for `predicate()`; returns its last value.
    template <class Rep, class Period, class Predicate>
    bool wait_for(std::chrono::duration<Rep, Period> timeout, Predicate predicate)
    {
        const auto deadline = detail::deadline_after(timeout);
        while (!predicate()) {
            error_code ec;
            if (!wait_until(deadline, ec)) {
                detail::throw_if(ec, "multiproc::condition::wait_for");
                return predicate();
            }
        }
        return true;
    }

    /// Wakes up to `n` waiters.
    void notify(std::size_t n = 1);
    /// As above, with the failure in `ec` instead of thrown.
    void notify(std::size_t n, error_code& ec);
    /// Wakes every waiter.
    void notify_all();
    /// As above, with the failure in `ec` instead of thrown.
    void notify_all(error_code& ec);

private:
    bool wait_until(std::chrono::steady_clock::time_point deadline, error_code& ec);
};

/// Lets `parties` processes (or threads) wait until all of them have arrived (Python's
/// `Barrier`, which is `threading.Barrier`); then it starts over.
///
/// As in Python, the barrier breaks when a wait times out, when `abort()` is called or when
/// the action fails: every wait then waiting, and every later one, fails with
/// `error::broken_barrier` until `reset()`. `reset()` returns it to empty; waits then under
/// way fail with `error::broken_barrier`.
///
/// The action is a function registered with `MULTIPROC_TASK`, taking nothing and returning
/// nothing. Its name is kept in the barrier, so that whichever party arrives last runs it, in
/// whatever process that is (every process runs the same program), once per round, before
/// any party is released. It runs holding the barrier's internal lock: it must not use this
/// barrier. An exception from it breaks the barrier and comes out of the last party's wait,
/// in either form; the others get `error::broken_barrier`.
///
/// Inherited (from an internal base), as every named object: `name()`, its system-wide name;
/// `explicit operator bool()`, false for an empty handle; `static bool remove(name)`.
class MULTIPROC_DECL barrier : public detail::sync_object
{
public:
    /// The action's type: a registered function of no arguments (see the class).
    using action_type = void (*)();

    barrier() noexcept : sync_object(detail::segment_kind::barrier) {}
    /// `parties` must be at least 1 (`errc::invalid_argument`).
    barrier(create_only_t, std::size_t parties);
    /// As above, with the failure in `ec` instead of thrown.
    barrier(create_only_t, std::size_t parties, error_code& ec);
    /// With an action run once per round (null: none; not registered:
    /// `error::unregistered_task`) and the timeout of `wait()` (Python's `Barrier(parties,
    /// action, timeout)`; zero or negative: `wait()` waits as long as it takes).
    barrier(create_only_t, std::size_t parties, action_type action,
            std::chrono::milliseconds timeout = std::chrono::milliseconds(0));
    /// As above, with the failure in `ec` instead of thrown.
    barrier(create_only_t, std::size_t parties, action_type action,
            std::chrono::milliseconds timeout, error_code& ec);
    /// Opens the existing one called `name` (`open_only`).
    barrier(open_only_t, const std::string& name);
    /// As above, with the failure in `ec` instead of thrown.
    barrier(open_only_t, const std::string& name, error_code& ec);

    /// Waits for the others; returns this caller's arrival index, 0 to parties - 1. With the
    /// barrier's timeout (see the constructor), running out of it breaks the barrier and
    /// fails with `error::broken_barrier`, as in Python.
    std::size_t wait();
    /// As above, with the failure in `ec` instead of thrown.
    std::size_t wait(error_code& ec);
    /// Waits at most `timeout`: the arrival index, or empty if it ran out, which breaks the
    /// barrier (the others get `error::broken_barrier`).
    template <class Rep, class Period>
    std::optional<std::size_t> wait_for(std::chrono::duration<Rep, Period> timeout)
    {
        return detail::call_or_throw("multiproc::barrier::wait_for", [&](error_code& ec) {
            return wait_until(detail::deadline_after(timeout), ec);
        });
    }
    /// As above, with the failure in `ec` instead of thrown.
    template <class Rep, class Period>
    std::optional<std::size_t> wait_for(std::chrono::duration<Rep, Period> timeout, error_code& ec)
    {
        return wait_until(detail::deadline_after(timeout), ec);
    }

    /// Breaks the barrier: waits under way and later fail with `error::broken_barrier`.
    void abort();
    /// As above, with the failure in `ec` instead of thrown.
    void abort(error_code& ec);
    /// Returns the barrier to empty and unbroken; waits under way fail with
    /// `error::broken_barrier`.
    void reset();
    /// As above, with the failure in `ec` instead of thrown.
    void reset(error_code& ec);
    /// True once broken, until `reset()`.
    bool broken() const;
    /// As above, with the failure in `ec` instead of thrown.
    bool broken(error_code& ec) const;

    /// How many must arrive to release them all.
    std::size_t parties() const;
    /// How many are waiting now (Python's `n_waiting`).
    std::size_t n_waiting() const;

private:
    std::optional<std::size_t> wait_until(std::chrono::steady_clock::time_point deadline,
                                          error_code& ec);
};

} // namespace multiproc

#endif
