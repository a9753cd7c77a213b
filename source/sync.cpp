// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include <multiproc/sync.hpp>

#include "detail/os.hpp"
#include "detail/segment.hpp"
#include "detail/throwing.hpp"

#include <boost/interprocess/sync/interprocess_condition.hpp>
#include <boost/interprocess/sync/interprocess_mutex.hpp>
#include <boost/interprocess/sync/scoped_lock.hpp>

#include <atomic>
#include <cstdint>
#include <new>

namespace multiproc {

namespace errc = boost::system::errc;
using boost::system::errc::make_error_code;
using clock = std::chrono::steady_clock;
constexpr auto forever = clock::time_point::max(); // no deadline

namespace detail {

namespace bip = boost::interprocess;

// Every synchronisation object is this, in its own block. The creator constructs it in place;
// nobody destroys it: destroying a condition that a killed process was waiting on can block
// for ever (glibc waits for its waiters to leave), and removing the block frees the memory.
struct sync_state
{
    // Robust on POSIX: a holder's death makes every later lock fail (error::lock_broken).
    bip::interprocess_mutex mutex;
    // Locks and conditions: who holds `mutex` (see this_thread_owner), 0 if nobody. Written
    // only by the holder, under the mutex: a thread reading its own id there holds it, so
    // relaxed order is enough. Beside the mutex, in its cache line: a lock touches one line.
    std::atomic<std::uint64_t> owner{0};
    std::uint64_t depth = 0; // recursive_mutex: acquisitions not yet released
    bip::interprocess_condition changed;
    std::uint64_t count;          // semaphore: the counter; event: the flag; barrier: arrivals
    std::uint64_t limit;          // bounded_semaphore: the largest count; barrier: parties
    std::uint64_t generation = 0; // barrier: rounds completed

    sync_state(std::uint64_t initial_count, std::uint64_t count_limit)
        : count(initial_count), limit(count_limit)
    {}
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free,
              "the owner field is shared between processes");

namespace {

// The calling thread, distinct across processes: the pid and a number per thread. A forked
// child inherits the numbers but not the pid.
std::uint64_t this_thread_owner() noexcept
{
    static std::atomic<std::uint32_t> next{1};
    thread_local const std::uint32_t number = next++;
    return (std::uint64_t(static_cast<std::uint32_t>(os::current_pid())) << 32) | number;
}

// Boost.Interprocess waits until a system_clock time (pthread's CLOCK_REALTIME); ours are
// steady_clock deadlines, converted at each wait.
std::chrono::time_point<std::chrono::system_clock, std::chrono::nanoseconds>
to_system_time(clock::time_point deadline)
{
    return std::chrono::time_point_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now()) +
           std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - clock::now());
}

// Runs `operation`, turning a Boost.Interprocess exception into `ec` (and false).
template <class Operation>
bool guarded(error_code& ec, Operation operation) noexcept
{
    try {
        return operation();
    } catch (const bip::interprocess_exception& e) {
        ec = to_error_code(e);
    }
    return false;
}

// Locks the state's mutex, waiting until the deadline: false on timeout or error.
bool lock_state(sync_state& s, clock::time_point deadline, error_code& ec) noexcept
{
    return guarded(ec, [&] {
        if (deadline == clock::time_point::max()) {
            s.mutex.lock();
            return true;
        }
        return s.mutex.timed_lock(to_system_time(deadline));
    });
}

// Waits on the state's condition with its mutex held: false on timeout or error. The mutex
// is held again on return.
bool wait_changed(sync_state& s, clock::time_point deadline, error_code& ec) noexcept
{
    bip::scoped_lock<bip::interprocess_mutex> held(s.mutex, bip::accept_ownership);
    const bool notified = guarded(ec, [&] {
        if (deadline == clock::time_point::max()) {
            s.changed.wait(held);
            return true;
        }
        return s.changed.timed_wait(held, to_system_time(deadline));
    });
    held.release(); // still ours: the caller unlocks
    return notified;
}

// The state's mutex held for a scope: what semaphores, events and barriers work under.
class state_guard
{
public:
    state_guard(sync_state& s, clock::time_point deadline, error_code& ec) noexcept
        : state_(s), held_(lock_state(s, deadline, ec))
    {}
    ~state_guard()
    {
        if (held_)
            state_.mutex.unlock();
    }
    state_guard(const state_guard&) = delete;
    state_guard& operator=(const state_guard&) = delete;

    explicit operator bool() const noexcept { return held_; }

    /// Waits until `ready()` or the deadline; returns `ready()` (false on error).
    template <class Ready>
    bool wait_until(clock::time_point deadline, error_code& ec, Ready ready)
    {
        while (!ready()) {
            const bool notified = wait_changed(state_, deadline, ec);
            if (ec)
                return false;
            if (!notified)
                return ready();
        }
        return true;
    }

private:
    sync_state& state_;
    bool held_;
};

} // namespace

sync_object::sync_object(segment_kind kind, std::size_t count, std::size_t limit, error_code& ec)
    : named_handle(kind)
{
    if (kind == segment_kind::barrier && limit == 0) { // a barrier for nobody
        ec = make_error_code(errc::invalid_argument);
        return;
    }
    segment_ = segment::create(kind, sizeof(sync_state), ec);
    if (ec)
        return;
    const bool made = guarded(ec, [&] {
        new (payload()) sync_state(count, limit);
        return true;
    });
    if (!made)
        segment_.reset();
}

sync_object::sync_object(segment_kind kind, const std::string& name, error_code& ec)
    : named_handle(kind)
{
    open(name, ec);
}

sync_state* sync_object::state(error_code& ec) const noexcept
{
    ec.clear();
    if (!segment_) {
        ec = make_error_code(errc::invalid_argument); // an empty handle
        return nullptr;
    }
    return static_cast<sync_state*>(payload());
}

namespace {

bool is_semaphore(segment_kind kind) noexcept
{
    return kind == segment_kind::semaphore || kind == segment_kind::bounded_semaphore;
}

// Locks and conditions: `mutex` held, with the holder recorded so that it can be checked.
bool lock_owned(sync_state& s, bool recursive, clock::time_point deadline, error_code& ec)
{
    const std::uint64_t me = this_thread_owner();
    if (s.owner.load(std::memory_order_relaxed) == me) {
        if (recursive) {
            ++s.depth;
            return true;
        }
        if (deadline == forever) // it would never come back
            ec = make_error_code(errc::resource_deadlock_would_occur);
        return false;
    }
    if (!lock_state(s, deadline, ec))
        return false;
    s.owner.store(me, std::memory_order_relaxed);
    s.depth = 1;
    return true;
}

// The calling thread must hold it.
bool check_owner(sync_state& s, error_code& ec)
{
    if (s.owner.load(std::memory_order_relaxed) == this_thread_owner())
        return true;
    ec = make_error_code(errc::operation_not_permitted);
    return false;
}

} // namespace

bool acquirable::acquire_until(clock::time_point deadline, error_code& ec)
{
    sync_state* s = state(ec);
    if (!s)
        return false;
    if (!is_semaphore(kind_))
        return lock_owned(*s, kind_ == segment_kind::recursive_mutex, deadline, ec);
    state_guard guard(*s, deadline, ec);
    if (!guard || !guard.wait_until(deadline, ec, [&] { return s->count > 0; }))
        return false;
    --s->count;
    return true;
}

void acquirable::acquire()
{
    call_or_throw("multiproc: acquire", [&](error_code& ec) { acquire(ec); });
}

void acquirable::acquire(error_code& ec)
{
    acquire_until(forever, ec);
}

bool acquirable::try_acquire()
{
    return call_or_throw("multiproc: try_acquire", [&](error_code& ec) { return try_acquire(ec); });
}

bool acquirable::try_acquire(error_code& ec)
{
    return acquire_until(clock::now(), ec);
}

void acquirable::release()
{
    call_or_throw("multiproc: release", [&](error_code& ec) { release(ec); });
}

void acquirable::release(error_code& ec)
{
    sync_state* s = state(ec);
    if (!s)
        return;
    if (!is_semaphore(kind_)) {
        if (!check_owner(*s, ec) || --s->depth > 0)
            return;
        s->owner.store(0, std::memory_order_relaxed);
        s->mutex.unlock();
        return;
    }
    state_guard guard(*s, forever, ec);
    if (!guard)
        return;
    if (kind_ == segment_kind::bounded_semaphore && s->count >= s->limit) {
        ec = make_error_code(errc::value_too_large); // Python: "released too many times"
        return;
    }
    ++s->count;
    s->changed.notify_one();
}

} // namespace detail

using detail::call_or_throw;
using detail::make_or_throw;
using detail::segment_kind;

mutex::mutex(create_only_t) : mutex(make_or_throw<mutex>("multiproc::mutex", create_only)) {}
mutex::mutex(create_only_t, error_code& ec) : acquirable(segment_kind::mutex, 0, 0, ec) {}
mutex::mutex(open_only_t, const std::string& name)
    : mutex(make_or_throw<mutex>("multiproc::mutex", open_only, name))
{}
mutex::mutex(open_only_t, const std::string& name, error_code& ec)
    : acquirable(segment_kind::mutex, name, ec)
{}

recursive_mutex::recursive_mutex(create_only_t)
    : recursive_mutex(make_or_throw<recursive_mutex>("multiproc::recursive_mutex", create_only))
{}
recursive_mutex::recursive_mutex(create_only_t, error_code& ec)
    : acquirable(segment_kind::recursive_mutex, 0, 0, ec)
{}
recursive_mutex::recursive_mutex(open_only_t, const std::string& name)
    : recursive_mutex(make_or_throw<recursive_mutex>("multiproc::recursive_mutex", open_only, name))
{}
recursive_mutex::recursive_mutex(open_only_t, const std::string& name, error_code& ec)
    : acquirable(segment_kind::recursive_mutex, name, ec)
{}

semaphore::semaphore(create_only_t, std::size_t value)
    : semaphore(make_or_throw<semaphore>("multiproc::semaphore", create_only, value))
{}
semaphore::semaphore(create_only_t, std::size_t value, error_code& ec)
    : semaphore(segment_kind::semaphore, value, ec)
{}
semaphore::semaphore(open_only_t, const std::string& name)
    : semaphore(make_or_throw<semaphore>("multiproc::semaphore", open_only, name))
{}
semaphore::semaphore(open_only_t, const std::string& name, error_code& ec)
    : semaphore(segment_kind::semaphore, name, ec)
{}
semaphore::semaphore(segment_kind kind, std::size_t value, error_code& ec)
    : acquirable(kind, value, value, ec)
{}
semaphore::semaphore(segment_kind kind, const std::string& name, error_code& ec)
    : acquirable(kind, name, ec)
{}

std::size_t semaphore::get_value() const
{
    return call_or_throw("multiproc::semaphore::get_value",
                         [&](error_code& ec) { return get_value(ec); });
}

std::size_t semaphore::get_value(error_code& ec) const
{
    detail::sync_state* s = state(ec);
    if (!s)
        return 0;
    detail::state_guard guard(*s, forever, ec);
    return guard ? s->count : 0;
}

bounded_semaphore::bounded_semaphore(create_only_t, std::size_t value)
    : bounded_semaphore(
          make_or_throw<bounded_semaphore>("multiproc::bounded_semaphore", create_only, value))
{}
bounded_semaphore::bounded_semaphore(create_only_t, std::size_t value, error_code& ec)
    : semaphore(segment_kind::bounded_semaphore, value, ec)
{}
bounded_semaphore::bounded_semaphore(open_only_t, const std::string& name)
    : bounded_semaphore(
          make_or_throw<bounded_semaphore>("multiproc::bounded_semaphore", open_only, name))
{}
bounded_semaphore::bounded_semaphore(open_only_t, const std::string& name, error_code& ec)
    : semaphore(segment_kind::bounded_semaphore, name, ec)
{}

event::event(create_only_t) : event(make_or_throw<event>("multiproc::event", create_only)) {}
event::event(create_only_t, error_code& ec) : sync_object(segment_kind::event, 0, 0, ec) {}
event::event(open_only_t, const std::string& name)
    : event(make_or_throw<event>("multiproc::event", open_only, name))
{}
event::event(open_only_t, const std::string& name, error_code& ec)
    : sync_object(segment_kind::event, name, ec)
{}

namespace {
// Sets the event's flag to `value`, waking the waiters when it is set.
void set_flag(detail::sync_state* s, bool value, error_code& ec)
{
    if (!s)
        return;
    detail::state_guard guard(*s, forever, ec);
    if (!guard)
        return;
    s->count = value;
    if (value)
        s->changed.notify_all();
}
} // namespace

void event::set()
{
    call_or_throw("multiproc::event::set", [&](error_code& ec) { set(ec); });
}
void event::set(error_code& ec)
{
    set_flag(state(ec), true, ec);
}
void event::clear()
{
    call_or_throw("multiproc::event::clear", [&](error_code& ec) { clear(ec); });
}
void event::clear(error_code& ec)
{
    set_flag(state(ec), false, ec);
}
bool event::is_set() const
{
    return call_or_throw("multiproc::event::is_set", [&](error_code& ec) { return is_set(ec); });
}
bool event::is_set(error_code& ec) const
{
    detail::sync_state* s = state(ec);
    if (!s)
        return false;
    detail::state_guard guard(*s, forever, ec);
    return guard && s->count != 0;
}
void event::wait() const
{
    call_or_throw("multiproc::event::wait", [&](error_code& ec) { wait(ec); });
}
void event::wait(error_code& ec) const
{
    wait_until(forever, ec);
}
bool event::wait_until(clock::time_point deadline, error_code& ec) const
{
    detail::sync_state* s = state(ec);
    if (!s)
        return false;
    detail::state_guard guard(*s, deadline, ec);
    return guard && guard.wait_until(deadline, ec, [&] { return s->count != 0; });
}

condition::condition(create_only_t)
    : condition(make_or_throw<condition>("multiproc::condition", create_only))
{}
condition::condition(create_only_t, error_code& ec) : acquirable(segment_kind::condition, 0, 0, ec)
{}
condition::condition(open_only_t, const std::string& name)
    : condition(make_or_throw<condition>("multiproc::condition", open_only, name))
{}
condition::condition(open_only_t, const std::string& name, error_code& ec)
    : acquirable(segment_kind::condition, name, ec)
{}

void condition::wait()
{
    call_or_throw("multiproc::condition::wait", [&](error_code& ec) { wait(ec); });
}
void condition::wait(error_code& ec)
{
    wait_until(forever, ec);
}
bool condition::wait_until(clock::time_point deadline, error_code& ec)
{
    detail::sync_state* s = state(ec);
    if (!s || !detail::check_owner(*s, ec))
        return false;
    const std::uint64_t me = s->owner.exchange(0); // others may take the lock meanwhile
    const bool notified = detail::wait_changed(*s, deadline, ec);
    s->owner = me;
    return notified;
}

void condition::notify(std::size_t n)
{
    call_or_throw("multiproc::condition::notify", [&](error_code& ec) { notify(n, ec); });
}
void condition::notify(std::size_t n, error_code& ec)
{
    detail::sync_state* s = state(ec);
    if (!s || !detail::check_owner(*s, ec))
        return;
    for (std::size_t i = 0; i < n; ++i)
        s->changed.notify_one();
}
void condition::notify_all()
{
    call_or_throw("multiproc::condition::notify_all", [&](error_code& ec) { notify_all(ec); });
}
void condition::notify_all(error_code& ec)
{
    detail::sync_state* s = state(ec);
    if (s && detail::check_owner(*s, ec))
        s->changed.notify_all();
}

barrier::barrier(create_only_t, std::size_t parties)
    : barrier(make_or_throw<barrier>("multiproc::barrier", create_only, parties))
{}
barrier::barrier(create_only_t, std::size_t parties, error_code& ec)
    : sync_object(segment_kind::barrier, 0, parties, ec)
{}
barrier::barrier(open_only_t, const std::string& name)
    : barrier(make_or_throw<barrier>("multiproc::barrier", open_only, name))
{}
barrier::barrier(open_only_t, const std::string& name, error_code& ec)
    : sync_object(segment_kind::barrier, name, ec)
{}

std::size_t barrier::wait()
{
    return call_or_throw("multiproc::barrier::wait", [&](error_code& ec) { return wait(ec); });
}
std::size_t barrier::wait(error_code& ec)
{
    return wait_until(forever, ec).value_or(0);
}
std::optional<std::size_t> barrier::wait_until(clock::time_point deadline, error_code& ec)
{
    detail::sync_state* s = state(ec);
    if (!s)
        return std::nullopt;
    detail::state_guard guard(*s, deadline, ec);
    if (!guard)
        return std::nullopt;
    const std::uint64_t round = s->generation;
    const std::size_t index = s->count++;
    if (s->count == s->limit) { // the last one: release the round
        s->count = 0;
        ++s->generation;
        s->changed.notify_all();
        return index;
    }
    if (guard.wait_until(deadline, ec, [&] { return s->generation != round; }))
        return index;
    --s->count; // timed out: withdraw, the barrier stays usable
    return std::nullopt;
}

std::size_t barrier::parties() const
{
    error_code ec;
    const detail::sync_state* s = state(ec);
    detail::throw_if(ec, "multiproc::barrier::parties");
    return s->limit;
}
std::size_t barrier::n_waiting() const
{
    return call_or_throw("multiproc::barrier::n_waiting", [&](error_code& ec) -> std::size_t {
        detail::sync_state* s = state(ec);
        if (!s)
            return 0;
        detail::state_guard guard(*s, forever, ec);
        return guard ? s->count : 0;
    });
}

} // namespace multiproc
