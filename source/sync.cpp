// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include <multiproc/sync.hpp>

#include "detail/os.hpp"
#include "detail/segment.hpp"
#include "detail/shared_wait.hpp"
#include "detail/throwing.hpp"

#include <multiproc/task.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <new>
#include <typeinfo>

namespace multiproc {

namespace errc = boost::system::errc;
using boost::system::errc::make_error_code;
using clock = std::chrono::steady_clock;
constexpr auto forever = clock::time_point::max(); // no deadline

namespace detail {

// Python's Barrier._state: arrivals fill it, the last one's release drains it (nobody new
// arrives until the released have left), reset() drains it the same way, broken stays broken.
enum class barrier_phase : std::uint32_t
{
    filling,
    draining,
    resetting,
    broken
};

// Every synchronisation object is this, in its own block. The creator constructs it in place;
// nobody destroys it: it holds nothing but words, and removing the block frees the memory.
struct sync_state
{
    // Whose holder's death hands it to the next locker (shared_wait.hpp), who marks the state
    // broken: every later lock fails with error::lock_broken, on every platform.
    recoverable_lock lock;
    std::atomic<std::uint32_t> broken{0};
    // Counts every notify: waiters sleep while it stays as they saw it.
    event_count changed;
    // Locks and conditions: who holds `lock` (see this_thread_owner), 0 if nobody. Written
    // only by the holder, under the lock: a thread reading its own id there holds it, so
    // relaxed order is enough.
    std::atomic<std::uint64_t> owner{0};
    std::uint64_t depth = 0; // recursive_mutex: acquisitions not yet released
    std::uint64_t count;     // semaphore: the counter; event: the flag; barrier: arrivals
    std::uint64_t limit;     // bounded_semaphore: the largest count; barrier: parties
    // Conditions: the threads in a wait, and the notifications they have not yet taken
    // (never more than the waiters). A notify adds, a waiter takes one under the lock: so a
    // notify(n) wakes n, whoever of the waiters wakes first.
    std::uint64_t waiters = 0;
    std::uint64_t signals = 0;
    // Barriers: Python's threading.Barrier, its state machine and all.
    barrier_phase phase = barrier_phase::filling;
    std::int64_t timeout_ms = 0; // wait()'s timeout; 0: none
    char action[128] = {};       // the registered name of the action; empty: none

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

// Takes the state's lock, waiting until the deadline: false on timeout or error. A holder's
// death breaks the state for good (error::lock_broken).
bool lock_state(sync_state& s, clock::time_point deadline, error_code& ec) noexcept
{
    if (s.broken.load()) {
        ec = make_error_code(error::lock_broken);
        return false;
    }
    const lock_outcome outcome = s.lock.lock_until(deadline);
    if (outcome == lock_outcome::timed_out)
        return false;
    if (outcome == lock_outcome::holder_died)
        s.broken.store(1);
    if (s.broken.load()) { // now, or while this one waited
        s.lock.unlock();
        ec = make_error_code(error::lock_broken);
        return false;
    }
    return true;
}

// Waits for a notify with the state's lock held, which it lets go meanwhile: false on timeout
// or error. The lock is held again on return, even when the state broke meanwhile (then `ec`
// is error::lock_broken): the caller unlocks.
bool wait_changed(sync_state& s, clock::time_point deadline, error_code& ec) noexcept
{
    const std::uint32_t seen = s.changed.prepare_wait();
    s.lock.unlock();
    const bool notified = s.changed.wait_for_change(seen, deadline);
    if (s.lock.lock())
        s.broken.store(1);
    if (s.broken.load()) {
        ec = make_error_code(error::lock_broken);
        return false;
    }
    return notified;
}

// The state's lock held for a scope: what semaphores, events and barriers work under.
class state_guard
{
public:
    state_guard(sync_state& s, clock::time_point deadline, error_code& ec) noexcept
        : state_(s), held_(lock_state(s, deadline, ec))
    {}
    ~state_guard()
    {
        if (held_)
            state_.lock.unlock();
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

// `read(state)` with the state's lock held: what it returns, or nothing (false, 0) when the
// handle is empty or the lock broken (then `ec` says so).
template <class Read>
auto read_locked(sync_state* s, error_code& ec, Read read) -> decltype(read(*s))
{
    if (!s)
        return {};
    state_guard guard(*s, forever, ec);
    if (!guard)
        return {};
    return read(*s);
}

} // namespace

namespace {

// What a throw from a constructor names.
const char* class_name(segment_kind kind) noexcept
{
    switch (kind) {
    case segment_kind::mutex:
        return "multiproc::mutex";
    case segment_kind::recursive_mutex:
        return "multiproc::recursive_mutex";
    case segment_kind::semaphore:
        return "multiproc::semaphore";
    case segment_kind::bounded_semaphore:
        return "multiproc::bounded_semaphore";
    case segment_kind::event:
        return "multiproc::event";
    case segment_kind::condition:
        return "multiproc::condition";
    default:
        return "multiproc::barrier";
    }
}

} // namespace

void sync_object::create(std::size_t count, std::size_t limit, error_code& ec)
{
    if (kind_ == segment_kind::barrier && limit == 0) { // a barrier for nobody
        ec = make_error_code(errc::invalid_argument);
        return;
    }
    segment_ = segment::create(kind_, sizeof(sync_state), ec);
    if (!ec)
        new (payload()) sync_state(count, limit);
}

void sync_object::create_or_throw(std::size_t count, std::size_t limit)
{
    error_code ec;
    create(count, limit, ec);
    throw_if(ec, class_name(kind_));
}

void sync_object::open_or_throw(const std::string& name)
{
    error_code ec;
    open(name, ec);
    throw_if(ec, class_name(kind_));
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

// Locks and conditions: the state's lock held, with the holder recorded so that it can be
// checked.
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
        s->lock.unlock();
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
    s->changed.notify(1);
}

bool acquirable::locked() const
{
    return call_or_throw("multiproc: locked", [&](error_code& ec) { return locked(ec); });
}

bool acquirable::locked(error_code& ec) const
{
    sync_state* s = state(ec);
    if (!s)
        return false;
    if (!is_semaphore(kind_)) // the holder is recorded; a wait lets go and records nobody
        return s->owner.load(std::memory_order_relaxed) != 0;
    state_guard guard(*s, forever, ec);
    return guard && s->count == 0;
}

} // namespace detail

using detail::call_or_throw;
using detail::make_or_throw;
using detail::segment_kind;

semaphore::semaphore(create_only_t, std::size_t value) : acquirable(segment_kind::semaphore)
{
    create_or_throw(value, value);
}
semaphore::semaphore(create_only_t, std::size_t value, error_code& ec)
    : acquirable(segment_kind::semaphore)
{
    create(value, value, ec);
}
semaphore::semaphore(open_only_t, const std::string& name) : acquirable(segment_kind::semaphore)
{
    open_or_throw(name);
}
semaphore::semaphore(open_only_t, const std::string& name, error_code& ec)
    : acquirable(segment_kind::semaphore)
{
    open(name, ec);
}

std::size_t semaphore::get_value() const
{
    return call_or_throw("multiproc::semaphore::get_value",
                         [&](error_code& ec) { return get_value(ec); });
}

std::size_t semaphore::get_value(error_code& ec) const
{
    return detail::read_locked(state(ec), ec,
                               [](detail::sync_state& s) -> std::size_t { return s.count; });
}

bounded_semaphore::bounded_semaphore(create_only_t, std::size_t value)
    : semaphore(segment_kind::bounded_semaphore)
{
    create_or_throw(value, value);
}
bounded_semaphore::bounded_semaphore(create_only_t, std::size_t value, error_code& ec)
    : semaphore(segment_kind::bounded_semaphore)
{
    create(value, value, ec);
}
bounded_semaphore::bounded_semaphore(open_only_t, const std::string& name)
    : semaphore(segment_kind::bounded_semaphore)
{
    open_or_throw(name);
}
bounded_semaphore::bounded_semaphore(open_only_t, const std::string& name, error_code& ec)
    : semaphore(segment_kind::bounded_semaphore)
{
    open(name, ec);
}

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
    return detail::read_locked(state(ec), ec, [](detail::sync_state& s) { return s.count != 0; });
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
    // Others take the lock meanwhile and set both: this one's are put back on return.
    const std::uint64_t me = s->owner.load(std::memory_order_relaxed);
    const std::uint64_t depth = s->depth;
    s->owner.store(0, std::memory_order_relaxed);
    ++s->waiters;
    bool notified = false;
    for (;;) {
        const std::uint32_t seen = s->changed.prepare_wait();
        s->lock.unlock();
        s->changed.wait(seen, deadline); // may return early: see below
        if (s->lock.lock())
            s->broken.store(1);
        if (s->signals > 0) { // even after the deadline: a notify chose this one
            --s->signals;
            notified = true;
            break;
        }
        if (s->broken.load() || clock::now() >= deadline)
            break;
    }
    --s->waiters;
    s->owner.store(me, std::memory_order_relaxed);
    s->depth = depth;
    if (s->broken.load()) { // held all the same: the caller releases
        ec = make_error_code(error::lock_broken);
        return false;
    }
    return notified;
}

namespace {
// Gives `n` of the condition's waiters a notification each (all of them if fewer wait
// without one) and wakes as many.
void notify_waiters(detail::sync_state& s, std::size_t n) noexcept
{
    const std::uint64_t k = std::min<std::uint64_t>(n, s.waiters - s.signals);
    if (k == 0)
        return;
    s.signals += k;
    if (k == s.waiters)
        s.changed.notify_all();
    else
        s.changed.notify(static_cast<std::size_t>(k));
}
} // namespace

void condition::notify(std::size_t n)
{
    call_or_throw("multiproc::condition::notify", [&](error_code& ec) { notify(n, ec); });
}
void condition::notify(std::size_t n, error_code& ec)
{
    detail::sync_state* s = state(ec);
    if (!s || !detail::check_owner(*s, ec))
        return;
    notify_waiters(*s, n);
}
void condition::notify_all()
{
    call_or_throw("multiproc::condition::notify_all", [&](error_code& ec) { notify_all(ec); });
}
void condition::notify_all(error_code& ec)
{
    detail::sync_state* s = state(ec);
    if (s && detail::check_owner(*s, ec))
        notify_waiters(*s, std::size_t(-1));
}

barrier::barrier(create_only_t, std::size_t parties) : sync_object(segment_kind::barrier)
{
    create_or_throw(0, parties);
}
barrier::barrier(create_only_t, std::size_t parties, error_code& ec)
    : sync_object(segment_kind::barrier)
{
    create(0, parties, ec);
}
barrier::barrier(create_only_t, std::size_t parties, action_type action,
                 std::chrono::milliseconds timeout)
    : barrier(make_or_throw<barrier>("multiproc::barrier", create_only, parties, action, timeout))
{}
barrier::barrier(create_only_t, std::size_t parties, action_type action,
                 std::chrono::milliseconds timeout, error_code& ec)
    : sync_object(segment_kind::barrier)
{
    const detail::task_entry* entry = nullptr;
    if (action) {
        entry = detail::find_task(action);
        if (!entry) {
            ec = make_error_code(error::unregistered_task);
            return;
        }
        if (std::strlen(entry->name) >= sizeof(detail::sync_state::action)) {
            ec = make_error_code(errc::filename_too_long);
            return;
        }
    }
    create(0, parties, ec);
    if (ec)
        return;
    detail::sync_state* s = state(ec);
    if (entry)
        std::strcpy(s->action, entry->name);
    s->timeout_ms = std::max<std::int64_t>(timeout.count(), 0);
}
barrier::barrier(open_only_t, const std::string& name) : sync_object(segment_kind::barrier)
{
    open_or_throw(name);
}
barrier::barrier(open_only_t, const std::string& name, error_code& ec)
    : sync_object(segment_kind::barrier)
{
    open(name, ec);
}

std::size_t barrier::wait()
{
    return call_or_throw("multiproc::barrier::wait", [&](error_code& ec) { return wait(ec); });
}
std::size_t barrier::wait(error_code& ec)
{
    detail::sync_state* s = state(ec);
    if (!s)
        return 0;
    const std::int64_t timeout_ms = s->timeout_ms; // set at creation only
    const auto deadline =
        timeout_ms > 0 ? detail::deadline_after(std::chrono::milliseconds(timeout_ms)) : forever;
    const std::optional<std::size_t> index = wait_until(deadline, ec);
    if (!index && !ec) // the barrier's own timeout ran out: broken, as Python says
        ec = make_error_code(error::broken_barrier);
    return index.value_or(0);
}

namespace {

using detail::barrier_phase;

// Python's Barrier._break: every wait under way and later fails until reset().
void break_barrier(detail::sync_state& s) noexcept
{
    s.phase = barrier_phase::broken;
    s.changed.notify_all();
}

// Runs the barrier's action, if it has one, in this process. One this program does not know
// (it cannot happen between processes of one program) breaks the barrier.
void run_action(detail::sync_state& s, error_code& ec)
{
    if (s.action[0] == '\0')
        return;
    const detail::task_entry* entry = detail::find_task(std::string_view(s.action));
    if (!entry || std::strcmp(entry->signature, typeid(void()).name()) != 0) {
        ec = make_error_code(!entry ? error::unregistered_task : error::signature_mismatch);
        return;
    }
    entry->invoke(std::string(), 1); // no arguments: nothing to decode
}

} // namespace

std::optional<std::size_t> barrier::wait_until(clock::time_point deadline, error_code& ec)
{
    detail::sync_state* s = state(ec);
    if (!s)
        return std::nullopt;
    // Python holds the lock without a timeout too; it is held for a few instructions, or
    // while the action runs.
    detail::state_guard guard(*s, forever, ec);
    if (!guard)
        return std::nullopt;
    const auto filling = [&] {
        return s->phase != barrier_phase::draining && s->phase != barrier_phase::resetting;
    };
    // The last round still leaving: nobody joins before it has left (Python's _enter).
    if (!guard.wait_until(deadline, ec, filling)) {
        if (!ec)
            break_barrier(*s);
        return std::nullopt;
    }
    if (s->phase == barrier_phase::broken) {
        ec = make_error_code(error::broken_barrier);
        return std::nullopt;
    }
    const std::size_t index = s->count++;
    // Python's _exit: the last one to leave a drained or reset round lets the next one fill.
    const auto leave = [&] {
        if (--s->count == 0 &&
            (s->phase == barrier_phase::draining || s->phase == barrier_phase::resetting)) {
            s->phase = barrier_phase::filling;
            s->changed.notify_all();
        }
    };
    std::optional<std::size_t> result = index;
    if (index + 1 == s->limit) { // the last one: the action, then release the round
        try {
            run_action(*s, ec);
        } catch (...) {
            break_barrier(*s);
            leave();
            throw;
        }
        if (ec) {
            break_barrier(*s);
            result.reset();
        } else {
            s->phase = barrier_phase::draining;
            s->changed.notify_all();
        }
    } else if (!guard.wait_until(deadline, ec,
                                 [&] { return s->phase != barrier_phase::filling; })) {
        if (!ec) // timed out: breaks it for everyone, as in Python
            break_barrier(*s);
        result.reset();
    } else if (s->phase != barrier_phase::draining) { // broken or reset meanwhile
        ec = make_error_code(error::broken_barrier);
        result.reset();
    }
    leave();
    return result;
}

void barrier::abort()
{
    call_or_throw("multiproc::barrier::abort", [&](error_code& ec) { abort(ec); });
}
void barrier::abort(error_code& ec)
{
    detail::sync_state* s = state(ec);
    if (!s)
        return;
    detail::state_guard guard(*s, forever, ec);
    if (guard)
        break_barrier(*s);
}
void barrier::reset()
{
    call_or_throw("multiproc::barrier::reset", [&](error_code& ec) { reset(ec); });
}
void barrier::reset(error_code& ec)
{
    detail::sync_state* s = state(ec);
    if (!s)
        return;
    detail::state_guard guard(*s, forever, ec);
    if (!guard)
        return;
    if (s->count > 0) {
        // The waiters under way fail, and the last of them to leave lets it fill again.
        if (s->phase == barrier_phase::filling || s->phase == barrier_phase::broken)
            s->phase = barrier_phase::resetting;
    } else {
        s->phase = barrier_phase::filling;
    }
    s->changed.notify_all();
}
bool barrier::broken() const
{
    return call_or_throw("multiproc::barrier::broken", [&](error_code& ec) { return broken(ec); });
}
bool barrier::broken(error_code& ec) const
{
    return detail::read_locked(state(ec), ec, [](detail::sync_state& s) {
        return s.phase == detail::barrier_phase::broken;
    });
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
    return call_or_throw("multiproc::barrier::n_waiting", [&](error_code& ec) {
        return detail::read_locked(state(ec), ec, [](detail::sync_state& s) -> std::size_t {
            return s.phase == detail::barrier_phase::filling ? s.count : 0;
        });
    });
}

} // namespace multiproc
