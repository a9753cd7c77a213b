// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include <multiproc/sync.hpp>

#include <multiproc/process.hpp>
#include <multiproc/shared_memory.hpp>

#include "shared_objects_test.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

// Counters that children update: plain shared memory, so only the primitive under test
// synchronises them.
std::atomic<long>* counters(const mp::shared_memory& memory)
{
    return static_cast<std::atomic<long>*>(memory.data());
}

void sync_add_under_lock(mp::lock lock, mp::shared_memory memory, int times)
{
    auto* value = static_cast<long*>(memory.data());
    for (int i = 0; i < times; ++i) {
        std::lock_guard<mp::lock> guard(lock);
        ++*value;
    }
}
MULTIPROC_TASK(sync_add_under_lock)

// Takes the lock, says so, and waits to be killed.
void sync_hold_lock(mp::lock lock, mp::event held)
{
    lock.acquire();
    held.set();
    std::this_thread::sleep_for(60s);
}
MULTIPROC_TASK(sync_hold_lock)

void sync_set_event(mp::event e)
{
    e.set();
}
MULTIPROC_TASK(sync_set_event)

// Counts how many hold the semaphore at once: counters[0] now, counters[1] the most seen,
// counters[2] the acquisitions.
void sync_use_semaphore(mp::semaphore s, mp::shared_memory memory, int rounds)
{
    std::atomic<long>* c = counters(memory);
    for (int i = 0; i < rounds; ++i) {
        std::lock_guard<mp::semaphore> guard(s);
        const long now = ++c[0];
        long most = c[1];
        while (now > most && !c[1].compare_exchange_weak(most, now)) {
        }
        ++c[2];
        std::this_thread::sleep_for(1ms);
        --c[0];
    }
}
MULTIPROC_TASK(sync_use_semaphore)

// counters[0]: arrivals before the barrier; counters[1]: parties that saw every arrival after.
void sync_meet_at_barrier(mp::barrier b, mp::shared_memory memory)
{
    std::atomic<long>* c = counters(memory);
    ++c[0];
    if (b.wait_for(patience) && c[0] == static_cast<long>(b.parties()))
        ++c[1];
}
MULTIPROC_TASK(sync_meet_at_barrier)

// Sets counters[0] to 42 under the condition and wakes the waiters.
void sync_publish_under_condition(mp::condition c, mp::shared_memory memory)
{
    std::lock_guard<mp::condition> guard(c);
    counters(memory)[0] = 42;
    c.notify_all();
}
MULTIPROC_TASK(sync_publish_under_condition)

// Waits on the condition once and releases it: counters[0] is set once it waits (the lock is
// let go only by the wait), counters[1] is what it waits for, counters[2] is set when done.
void sync_wait_once_and_release(mp::condition c, mp::shared_memory memory)
{
    std::atomic<long>* flags = counters(memory);
    c.acquire();
    flags[0] = 1;
    c.wait_for(patience, [&] { return flags[1] != 0; });
    c.release();
    flags[2] = 1;
}
MULTIPROC_TASK(sync_wait_once_and_release)

// One of CPython's test_notify sleepers: counters[0] counts the sleepers, counters[1] those
// woken. Waits once, at most `patience`.
void sync_sleep_on_condition(mp::condition c, mp::shared_memory memory)
{
    std::atomic<long>* n = counters(memory);
    c.acquire();
    ++n[0];
    c.wait_for(patience);
    ++n[1];
    c.release();
}
MULTIPROC_TASK(sync_sleep_on_condition)

// The action's counter, set by every party before it waits: whichever process arrives last
// runs the action, and finds it there. counters[0]: the action's runs.
mp::shared_memory action_counter;
void sync_count_action()
{
    ++counters(action_counter)[0];
}
MULTIPROC_TASK(sync_count_action)

void sync_failing_action()
{
    throw std::runtime_error("the action failed");
}
MULTIPROC_TASK(sync_failing_action)

void sync_not_registered() {}

// `rounds` rounds of a barrier whose action counts: after round r, it has run r times, seen
// by every party (the action runs before any party is released). counters[1]: rounds that
// a party saw wrong.
void meet_rounds(mp::barrier& b, const mp::shared_memory& memory, int rounds)
{
    for (int r = 1; r <= rounds; ++r)
        if (!b.wait_for(patience) || counters(memory)[0] != r)
            ++counters(memory)[1];
}

// The same in a child, which sets the action's counter first.
void sync_rounds_with_action(mp::barrier b, mp::shared_memory memory, int rounds)
{
    action_counter = memory;
    meet_rounds(b, memory, rounds);
}
MULTIPROC_TASK(sync_rounds_with_action)

// Polls `ready()` every millisecond for at most `patience`; returns its last value.
template <class Ready>
bool eventually(Ready ready)
{
    const auto deadline = std::chrono::steady_clock::now() + patience;
    while (!ready() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(1ms);
    return ready();
}

mp::process start(mp::start_method method, void (*task)(mp::event), mp::event e)
{
    mp::process p(with_method(method), task, e);
    p.start();
    return p;
}

// Checks that `c` is free: this thread takes it at once, without error, and lets go.
void check_free_here(mp::condition& c)
{
    mp::error_code ec;
    const bool got = c.try_acquire(ec);
    BOOST_TEST(got);
    BOOST_TEST(!ec, ec.message());
    if (got)
        c.release();
}

// `n` children started by `method`, each running task(args...).
template <class Task, class... Args>
std::vector<mp::process> start_children(int n, mp::start_method method, Task task,
                                        const Args&... args)
{
    std::vector<mp::process> children;
    for (int i = 0; i < n; ++i) {
        children.emplace_back(with_method(method), task, args...);
        children.back().start();
    }
    return children;
}

template <class F>
std::chrono::milliseconds time_of(F f)
{
    const auto begin = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 begin);
}

// Runs `f` on another thread and returns what it returned.
template <class F>
auto on_other_thread(F f)
{
    decltype(f()) result{};
    std::thread([&] { result = f(); }).join();
    return result;
}

// True if another thread takes `l` with `take` (try_acquire, or acquire_for a while); it lets
// go again at once.
template <class Lock, class Take>
bool another_thread_takes(Lock& l, Take take)
{
    return on_other_thread([&] {
        const bool got = take(l);
        l.release();
        return got;
    });
}

// True if `wait` returns true while another thread calls `wake` 20 ms after it began.
template <class Wait, class Wake>
bool woken_by_another_thread(Wait wait, Wake wake)
{
    std::thread waker([&] {
        std::this_thread::sleep_for(20ms);
        wake();
    });
    const bool woken = wait();
    waker.join();
    return woken;
}

template <class Lock>
bool another_thread_can_try(Lock& l)
{
    return another_thread_takes(l, [](Lock& lock) { return lock.try_acquire(); });
}

template <class Lock>
bool another_thread_gets_within_1s(Lock& l)
{
    return another_thread_takes(l, [](Lock& lock) { return lock.acquire_for(1s); });
}

} // namespace

BOOST_AUTO_TEST_SUITE(sync_tests)

BOOST_AUTO_TEST_CASE(lock_acquire_try_timeout_release)
{
    mp::lock l(mp::create_only);
    BOOST_TEST(l.name().rfind("mp_" + std::to_string(mp::this_process::id()) + "_", 0) == 0u);
    BOOST_TEST(l.try_acquire());
    BOOST_TEST(!on_other_thread([&] { return l.try_acquire(); }));
    bool acquired = true;
    const auto waited =
        time_of([&] { acquired = on_other_thread([&] { return l.acquire_for(50ms); }); });
    BOOST_TEST(!acquired);
    BOOST_TEST((waited >= 45ms));
    // The holder again: an error rather than a deadlock; try and timed forms say no.
    mp::error_code ec;
    l.acquire(ec);
    BOOST_TEST(ec == errc::resource_deadlock_would_occur);
    BOOST_TEST(!l.try_acquire());
    BOOST_TEST(!l.acquire_for(10ms));
    // Only the holder releases.
    on_other_thread([&] {
        mp::error_code other;
        l.release(other);
        BOOST_TEST(other == errc::operation_not_permitted);
        return 0;
    });
    l.release();
    BOOST_TEST(another_thread_gets_within_1s(l));
    l.release(ec);
    BOOST_TEST(ec == errc::operation_not_permitted);
    BOOST_CHECK_THROW(l.release(), mp::system_error);
}

BOOST_AUTO_TEST_CASE(lock_is_lockable)
{
    mp::lock l(mp::create_only);
    {
        std::lock_guard<mp::lock> guard(l);
        BOOST_TEST(!on_other_thread([&] { return l.try_lock(); }));
    }
    {
        std::unique_lock<mp::lock> held(l, std::try_to_lock);
        BOOST_TEST(held.owns_lock());
    }
    {
        std::unique_lock<mp::lock> held(l, 100ms); // try_lock_for
        BOOST_TEST(held.owns_lock());
    }
    mp::lock other(mp::create_only);
    std::scoped_lock both(l, other);
    BOOST_TEST(!on_other_thread([&] { return other.try_lock(); }));
}

BOOST_AUTO_TEST_CASE(open_by_name_and_wrong_names)
{
    mp::lock a(mp::create_only);
    mp::lock b(mp::open_only, a.name());
    BOOST_TEST(b.name() == a.name());
    a.acquire();
    BOOST_TEST(!on_other_thread([&] { return b.try_acquire(); }));
    a.release();
    BOOST_TEST(another_thread_can_try(b));

    mp::error_code ec;
    mp::lock missing(mp::open_only, a.name() + "_missing", ec);
    BOOST_TEST(ec.failed());
    BOOST_TEST(!missing);
    BOOST_CHECK_THROW(mp::lock(mp::open_only, a.name() + "_missing"), mp::system_error);
    mp::event wrong_kind(mp::open_only, a.name(), ec);
    BOOST_TEST(ec == errc::invalid_argument);
}

BOOST_AUTO_TEST_CASE(empty_handles_fail_cleanly)
{
    mp::lock l;
    mp::event e;
    mp::barrier b;
    BOOST_TEST(!l);
    BOOST_TEST(l.name().empty());
    mp::error_code ec;
    BOOST_TEST(!l.try_acquire(ec));
    BOOST_TEST(ec == errc::invalid_argument);
    e.set(ec);
    BOOST_TEST(ec == errc::invalid_argument);
    BOOST_CHECK_THROW(l.acquire(), mp::system_error);
    BOOST_CHECK_THROW(e.wait_for(1ms), mp::system_error);
    BOOST_CHECK_THROW(b.wait(), mp::system_error);
}

BOOST_AUTO_TEST_CASE(recursive_lock_counts_acquisitions)
{
    mp::recursive_lock r(mp::create_only);
    r.acquire();
    BOOST_TEST(r.try_acquire());
    BOOST_TEST(r.acquire_for(1ms));
    r.release();
    r.release();
    BOOST_TEST(!on_other_thread([&] { return r.try_acquire(); }));
    r.release();
    BOOST_TEST(another_thread_can_try(r));
    mp::error_code ec;
    r.release(ec);
    BOOST_TEST(ec == errc::operation_not_permitted);
    std::lock_guard<mp::recursive_lock> outer(r);
    std::lock_guard<mp::recursive_lock> inner(r);
}

BOOST_AUTO_TEST_CASE(semaphore_counts)
{
    mp::semaphore s(mp::create_only, 2);
    BOOST_TEST(s.get_value() == 2u);
    BOOST_TEST(s.try_acquire());
    BOOST_TEST(s.try_acquire());
    BOOST_TEST(!s.try_acquire());
    BOOST_TEST(!s.acquire_for(30ms));
    BOOST_TEST(s.get_value() == 0u);
    // Any thread (or process) may release.
    on_other_thread([&] {
        s.release();
        return 0;
    });
    BOOST_TEST(s.get_value() == 1u);
    s.release();
    s.release(); // a plain semaphore may go above its start
    BOOST_TEST(s.get_value() == 3u);

    // A waiter is woken by a release.
    mp::semaphore empty(mp::create_only, 0);
    BOOST_TEST(woken_by_another_thread([&] { return empty.acquire_for(patience); },
                                       [&] { empty.release(); }));
}

BOOST_AUTO_TEST_CASE(bounded_semaphore_refuses_extra_releases)
{
    mp::bounded_semaphore s(mp::create_only, 1);
    mp::error_code ec;
    s.release(ec);
    BOOST_TEST(ec == errc::value_too_large);
    s.acquire();
    s.release();
    BOOST_CHECK_THROW(s.release(), mp::system_error);
    BOOST_TEST(s.get_value() == 1u);
    // Its kind is part of its name's block.
    mp::semaphore plain(mp::open_only, s.name(), ec);
    BOOST_TEST(ec == errc::invalid_argument);
    mp::bounded_semaphore same(mp::open_only, s.name());
    BOOST_TEST(same.get_value() == 1u);
}

BOOST_AUTO_TEST_CASE(event_set_clear_wait)
{
    mp::event e(mp::create_only);
    BOOST_TEST(!e.is_set());
    const auto waited = time_of([&] { BOOST_TEST(!e.wait_for(30ms)); });
    BOOST_TEST((waited >= 25ms));
    e.set();
    BOOST_TEST(e.is_set());
    BOOST_TEST(e.wait_for(0ms));
    e.wait();
    e.clear();
    BOOST_TEST(!e.is_set());
    BOOST_TEST(woken_by_another_thread([&] { return e.wait_for(patience); }, [&] { e.set(); }));
}

BOOST_AUTO_TEST_CASE(condition_needs_its_lock)
{
    mp::condition c(mp::create_only);
    mp::error_code ec;
    c.wait(ec);
    BOOST_TEST(ec == errc::operation_not_permitted);
    c.notify(1, ec);
    BOOST_TEST(ec == errc::operation_not_permitted);
    BOOST_CHECK_THROW(c.notify_all(), mp::system_error);

    std::unique_lock<mp::condition> held(c);
    BOOST_TEST(!c.wait_for(30ms));
    // Held again after the wait.
    BOOST_TEST(!on_other_thread([&] { return c.try_acquire(); }));
    BOOST_TEST(!c.wait_for(10ms, [] { return false; }));
}

BOOST_AUTO_TEST_CASE(condition_wakes_a_waiter)
{
    mp::condition c(mp::create_only);
    mp::shared_memory memory(mp::create_only, sizeof(long));
    auto* value = static_cast<long*>(memory.data());
    std::thread notifier([&] {
        std::this_thread::sleep_for(20ms);
        std::lock_guard<mp::condition> guard(c);
        *value = 7;
        c.notify();
    });
    {
        std::unique_lock<mp::condition> held(c);
        BOOST_TEST(c.wait_for(patience, [&] { return *value == 7; }));
    }
    notifier.join();
}

BOOST_AUTO_TEST_CASE(barrier_releases_all_parties_and_starts_over)
{
    mp::error_code ec;
    mp::barrier none(mp::create_only, 0, ec);
    BOOST_TEST(ec == errc::invalid_argument);
    BOOST_CHECK_THROW(mp::barrier(mp::create_only, 0), mp::system_error);

    mp::barrier alone(mp::create_only, 1);
    BOOST_TEST(alone.wait() == 0u);

    mp::barrier b(mp::create_only, 3);
    BOOST_TEST(b.parties() == 3u);
    BOOST_TEST(!b.broken());
    BOOST_TEST(!b.wait_for(20ms)); // a timeout breaks it, as in Python
    BOOST_TEST(b.broken());
    BOOST_TEST(b.n_waiting() == 0u);
    mp::error_code broken;
    b.wait(broken);
    BOOST_TEST((broken == mp::error::broken_barrier));
    BOOST_CHECK_THROW(b.wait_for(1s), mp::system_error);
    b.reset();
    BOOST_TEST(!b.broken());
    for (int round = 0; round < 2; ++round) {
        std::vector<std::size_t> indexes(3);
        std::vector<std::thread> threads;
        for (int i = 0; i < 3; ++i)
            threads.emplace_back([&, i] { indexes[i] = b.wait(); });
        for (auto& t : threads)
            t.join();
        BOOST_TEST((std::set<std::size_t>(indexes.begin(), indexes.end()) ==
                    std::set<std::size_t>{0, 1, 2}));
    }
}

// Python's Barrier: abort() and reset() fail the waiters with broken_barrier; reset() makes
// it usable again, abort() does not until then.
BOOST_AUTO_TEST_CASE(barrier_abort_and_reset_fail_the_waiters)
{
    mp::barrier b(mp::create_only, 3);
    for (bool abort : {true, false}) {
        BOOST_TEST_CONTEXT((abort ? "abort" : "reset"))
        {
            std::vector<mp::error_code> codes(2);
            std::vector<std::thread> waiters;
            for (int i = 0; i < 2; ++i)
                waiters.emplace_back([&, i] { b.wait(codes[i]); });
            BOOST_TEST(eventually([&] { return b.n_waiting() == 2; }));
            if (abort)
                b.abort();
            else
                b.reset();
            for (auto& t : waiters)
                t.join();
            for (const auto& ec : codes)
                BOOST_TEST((ec == mp::error::broken_barrier), ec.message());
            BOOST_TEST(b.broken() == abort);
            if (abort) {
                mp::error_code later;
                b.wait(later);
                BOOST_TEST((later == mp::error::broken_barrier));
                b.reset();
            }
            BOOST_TEST(b.n_waiting() == 0u);
            // A whole round passes again.
            std::vector<std::thread> round;
            std::atomic<int> passed{0};
            for (int i = 0; i < 3; ++i)
                round.emplace_back([&] { passed += b.wait_for(patience).has_value(); });
            for (auto& t : round)
                t.join();
            BOOST_TEST(passed == 3);
        }
    }
}

// The barrier's own timeout bounds wait(): running out breaks it and fails the wait.
BOOST_AUTO_TEST_CASE(barrier_default_timeout_breaks_it)
{
    mp::barrier b(mp::create_only, 2, nullptr, 50ms);
    mp::error_code ec;
    const auto waited = time_of([&] { b.wait(ec); });
    BOOST_TEST((ec == mp::error::broken_barrier));
    BOOST_TEST((waited >= 45ms));
    BOOST_TEST(b.broken());
    mp::error_code unregistered;
    mp::barrier none(mp::create_only, 2, sync_not_registered, 0ms, unregistered);
    BOOST_TEST((unregistered == mp::error::unregistered_task));
    BOOST_TEST(!none);
}

// The action runs exactly once per round, before the parties go on: with threads, and with
// processes of both start methods (whichever arrives last runs it, in its own process).
BOOST_AUTO_TEST_CASE(barrier_action_runs_once_per_round)
{
    const int rounds = 5;
    {
        mp::shared_memory memory(mp::create_only, 2 * sizeof(std::atomic<long>));
        mp::barrier b(mp::create_only, 4, sync_count_action);
        action_counter = memory;
        std::vector<std::thread> threads;
        for (int i = 0; i < 4; ++i)
            threads.emplace_back([&] { meet_rounds(b, memory, rounds); });
        for (auto& t : threads)
            t.join();
        BOOST_TEST(counters(memory)[0] == rounds);
        BOOST_TEST(counters(memory)[1] == 0);
    }
    for (auto method : all_methods()) {
        mp::shared_memory memory(mp::create_only, 2 * sizeof(std::atomic<long>));
        mp::barrier b(mp::create_only, 4, sync_count_action);
        std::vector<mp::process> children =
            start_children(3, method, sync_rounds_with_action, b, memory, rounds);
        sync_rounds_with_action(b, memory, rounds);
        for (auto& child : children) {
            BOOST_TEST(child.join_for(patience));
            BOOST_TEST(child.exit_code().value_or(-1) == 0);
        }
        BOOST_TEST(counters(memory)[0] == rounds);
        BOOST_TEST(counters(memory)[1] == 0);
    }
    action_counter = mp::shared_memory();
}

// An action that throws breaks the barrier: its exception comes out of the last party's wait,
// the others get broken_barrier.
BOOST_AUTO_TEST_CASE(barrier_failing_action_breaks_it)
{
    mp::barrier b(mp::create_only, 2, sync_failing_action);
    mp::error_code first;
    std::thread waiter([&] { b.wait(first); });
    BOOST_TEST(eventually([&] { return b.n_waiting() == 1; }));
    BOOST_CHECK_THROW(b.wait(), std::runtime_error);
    waiter.join();
    BOOST_TEST((first == mp::error::broken_barrier));
    BOOST_TEST(b.broken());
}

// Python 3.14's locked(): held by anyone; a semaphore at zero.
BOOST_AUTO_TEST_CASE(locked_says_whether_anyone_holds_it)
{
    mp::lock l(mp::create_only);
    mp::recursive_lock r(mp::create_only);
    mp::condition c(mp::create_only);
    mp::semaphore s(mp::create_only, 1);
    BOOST_TEST(!l.locked());
    BOOST_TEST(!r.locked());
    BOOST_TEST(!c.locked());
    BOOST_TEST(!s.locked());
    l.acquire();
    r.acquire();
    c.acquire();
    s.acquire();
    BOOST_TEST(
        on_other_thread([&] { return l.locked() && r.locked() && c.locked() && s.locked(); }));
    l.release();
    r.release();
    c.release();
    s.release();
    BOOST_TEST(!l.locked());
    BOOST_TEST(!r.locked());
    BOOST_TEST(!c.locked());
    BOOST_TEST(!s.locked());
    mp::error_code ec;
    BOOST_TEST(!mp::lock().locked(ec));
    BOOST_TEST(ec == errc::invalid_argument);
}

BOOST_AUTO_TEST_CASE(lock_contention_across_processes)
{
    for (auto method : all_methods()) {
        mp::lock l(mp::create_only);
        mp::shared_memory memory(mp::create_only, sizeof(long));
        std::vector<mp::process> children =
            start_children(4, method, sync_add_under_lock, l, memory, 10000);
        for (auto& child : children) {
            BOOST_TEST(child.join_for(patience));
            BOOST_TEST(child.exit_code().value_or(-1) == 0);
        }
        BOOST_TEST(*static_cast<long*>(memory.data()) == 40000);
    }
}

BOOST_AUTO_TEST_CASE(event_across_processes)
{
    for (auto method : all_methods()) {
        mp::event e(mp::create_only);
        mp::process child = start(method, sync_set_event, e);
        BOOST_TEST(e.wait_for(patience));
        BOOST_TEST(child.join_for(patience));
        BOOST_TEST(child.exit_code().value_or(-1) == 0);
    }
}

BOOST_AUTO_TEST_CASE(semaphore_across_processes)
{
    for (auto method : all_methods()) {
        mp::semaphore s(mp::create_only, 2);
        mp::shared_memory memory(mp::create_only, 3 * sizeof(std::atomic<long>));
        std::vector<mp::process> children =
            start_children(4, method, sync_use_semaphore, s, memory, 20);
        for (auto& child : children)
            BOOST_TEST(child.join_for(patience));
        BOOST_TEST(counters(memory)[1] <= 2);
        BOOST_TEST(counters(memory)[2] == 80);
        BOOST_TEST(s.get_value() == 2u);
    }
}

BOOST_AUTO_TEST_CASE(barrier_across_processes)
{
    for (auto method : all_methods()) {
        mp::barrier b(mp::create_only, 4);
        mp::shared_memory memory(mp::create_only, 2 * sizeof(std::atomic<long>));
        std::vector<mp::process> children =
            start_children(3, method, sync_meet_at_barrier, b, memory);
        sync_meet_at_barrier(b, memory);
        for (auto& child : children)
            BOOST_TEST(child.join_for(patience));
        BOOST_TEST(counters(memory)[1] == 4);
    }
}

BOOST_AUTO_TEST_CASE(condition_across_processes)
{
    for (auto method : all_methods()) {
        mp::condition c(mp::create_only);
        mp::shared_memory memory(mp::create_only, sizeof(std::atomic<long>));
        std::unique_lock<mp::condition> held(c); // the child cannot publish before we wait
        mp::process child(with_method(method), sync_publish_under_condition, c, memory);
        child.start();
        BOOST_TEST(c.wait_for(patience, [&] { return counters(memory)[0] == 42; }));
        held.unlock();
        BOOST_TEST(child.join_for(patience));
    }
}

// Issue 16: a wait left the condition's lock held after its release (the wait restored the
// owner but not the depth of the lock, which the other thread's acquire and release had
// reset), so the next acquire failed. Every wait form, woken or timed out.
BOOST_AUTO_TEST_CASE(condition_is_free_after_every_kind_of_wait)
{
    enum class form
    {
        wait,
        wait_predicate,
        wait_for,
        wait_for_predicate,
        wait_for_timed_out
    };
    for (form f : {form::wait, form::wait_predicate, form::wait_for, form::wait_for_predicate,
                   form::wait_for_timed_out}) {
        BOOST_TEST_CONTEXT("form " << static_cast<int>(f))
        {
            mp::condition c(mp::create_only);
            std::atomic<bool> waiting{false}, go{false}, done{false};
            // What the waiter saw, checked here: Boost.Test is not for several threads.
            std::atomic<bool> returned_right{true}, held_after{false};
            std::thread waiter([&] {
                c.acquire();
                waiting = true;
                switch (f) {
                case form::wait:
                    while (!go)
                        c.wait();
                    break;
                case form::wait_predicate:
                    c.wait([&] { return go.load(); });
                    break;
                case form::wait_for:
                    while (!go && c.wait_for(patience)) {
                    }
                    break;
                case form::wait_for_predicate:
                    returned_right = c.wait_for(patience, [&] { return go.load(); });
                    break;
                case form::wait_for_timed_out:
                    returned_right = !c.wait_for(300ms);
                    break;
                }
                held_after = !on_other_thread([&] { return c.try_acquire(); });
                c.release();
                done = true;
            });
            BOOST_TEST(eventually([&] { return waiting.load(); }));
            // Taken and let go by this thread while the other waits: what reset the depth.
            BOOST_TEST(c.acquire_for(patience));
            go = true;
            if (f != form::wait_for_timed_out)
                c.notify();
            c.release();
            BOOST_TEST(eventually([&] { return done.load(); }));
            if (!done)
                std::abort(); // the thread cannot be joined: fail the suite rather than hang
            waiter.join();
            BOOST_TEST(returned_right.load());
            BOOST_TEST(held_after.load()); // held again on return from the wait
            check_free_here(c);
            BOOST_TEST(another_thread_gets_within_1s(c));
        }
    }
}

// The same with the waiter in another process: its release must free the lock for good (before
// the fix, the child exited holding it and the parent found it broken).
BOOST_AUTO_TEST_CASE(condition_is_free_after_a_wait_in_another_process)
{
    for (auto method : all_methods()) {
        mp::condition c(mp::create_only);
        mp::shared_memory memory(mp::create_only, 3 * sizeof(std::atomic<long>));
        std::atomic<long>* flags = counters(memory);
        mp::process child(with_method(method), sync_wait_once_and_release, c, memory);
        child.start();
        BOOST_TEST(eventually([&] { return flags[0] != 0; }));
        BOOST_TEST(c.acquire_for(patience));
        flags[1] = 1;
        c.notify();
        c.release();
        BOOST_TEST(eventually([&] { return flags[2] != 0; }));
        BOOST_TEST(child.join_for(patience));
        check_free_here(c);
    }
}

// notify(n) wakes exactly n of the waiters, in threads and processes alike (CPython's
// test_notify: before the fix notify(2) woke one, and the lock stayed held after it).
BOOST_AUTO_TEST_CASE(condition_notify_n_wakes_exactly_n)
{
    for (auto method : all_methods()) {
        mp::condition c(mp::create_only);
        mp::shared_memory memory(mp::create_only, 2 * sizeof(std::atomic<long>));
        std::atomic<long>* n = counters(memory);
        std::vector<mp::process> children =
            start_children(3, method, sync_sleep_on_condition, c, memory);
        std::atomic<int> threads_done{0};
        std::vector<std::thread> threads;
        for (int i = 0; i < 3; ++i)
            threads.emplace_back([&] {
                sync_sleep_on_condition(c, memory);
                ++threads_done;
            });
        // Each sleeper counts itself under the lock and lets it go only by waiting: once all
        // six are counted and the lock is free, all six wait.
        BOOST_TEST(eventually([&] { return n[0] == 6; }));
        const auto notify_under_lock = [&](std::size_t k) {
            if (!c.acquire_for(patience)) {
                BOOST_ERROR("the condition's lock stayed held");
                std::abort(); // the sleepers cannot be joined: fail the suite rather than hang
            }
            if (k == 6)
                c.notify_all();
            else
                c.notify(k);
            c.release();
        };
        const auto settle = [&](long woken) {
            BOOST_TEST(eventually([&] { return n[1] >= woken; }));
            std::this_thread::sleep_for(300ms); // time for a wrongly woken extra one
            BOOST_TEST(n[1] == woken);
        };
        BOOST_TEST(n[1] == 0);
        notify_under_lock(1);
        settle(1);
        notify_under_lock(2);
        settle(3);
        notify_under_lock(6); // notify_all
        settle(6);
        for (auto& child : children) {
            BOOST_TEST(child.join_for(patience));
            if (child.is_alive())
                child.kill();
        }
        BOOST_TEST(eventually([&] { return threads_done == 3; }));
        if (threads_done != 3)
            std::abort(); // the threads cannot be joined: fail the suite rather than hang
        for (auto& t : threads)
            t.join();
        BOOST_TEST(c.try_acquire());
        c.release();
    }
}

// A holder killed with the lock held: the next acquire takes it over and finds it broken, and
// every later acquire fails with lock_broken, at once (on Windows too).
BOOST_AUTO_TEST_CASE(killed_holder_does_not_hang_the_others)
{
    for (auto method : all_methods()) {
        mp::lock l(mp::create_only);
        mp::event held(mp::create_only);
        mp::process holder(with_method(method), sync_hold_lock, l, held);
        holder.start();
        BOOST_REQUIRE(held.wait_for(patience));
        holder.kill();
        BOOST_TEST(holder.join_for(patience));
        mp::error_code ec;
        const auto waited = time_of([&] { BOOST_TEST(!l.acquire_for(2s, ec)); });
        BOOST_TEST((ec == mp::error::lock_broken));
        BOOST_TEST((waited < 2s)); // at once, not by timing out
        // Broken for good, in every form.
        BOOST_TEST(!l.try_acquire(ec));
        BOOST_TEST((ec == mp::error::lock_broken));
        try {
            l.acquire();
            BOOST_FAIL("acquire of a broken lock succeeded");
        } catch (const mp::system_error& e) {
            BOOST_TEST((e.code() == mp::error::lock_broken));
        }
    }
}

// The same for an acquire that is already asleep when the holder is killed (glibc's robust
// mutexes could leave such a sleeper asleep for good).
BOOST_AUTO_TEST_CASE(a_sleeping_acquire_is_told_when_the_holder_is_killed)
{
    mp::lock l(mp::create_only);
    mp::event held(mp::create_only);
    mp::process holder(sync_hold_lock, l, held);
    holder.start();
    BOOST_REQUIRE(held.wait_for(patience));
    std::atomic<bool> returned{false};
    mp::error_code ec;
    std::thread sleeper([&] {
        l.acquire(ec);
        returned = true;
    });
    std::this_thread::sleep_for(200ms); // asleep in acquire by now
    BOOST_TEST(!returned);
    holder.kill();
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!returned && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    BOOST_TEST(returned.load(), "the sleeping acquire was not told within 5 s");
    if (!returned)
        std::abort(); // the thread cannot be joined: fail the suite rather than hang it
    sleeper.join();
    BOOST_TEST((ec == mp::error::lock_broken), ec.message());
    BOOST_TEST(holder.join_for(patience));
}

BOOST_AUTO_TEST_CASE(names_go_with_the_owners_last_handle)
{
    std::string name;
    {
        mp::event e(mp::create_only);
        name = e.name();
        mp::event copy = e;
        {
            mp::event attached(mp::open_only, name); // not the owner: leaves the name
        }
        e = mp::event();
        BOOST_TEST(mp::event(mp::open_only, name).name() == name); // the copy keeps it
        if (test_util::names_in_dev_shm)
            BOOST_TEST(test_util::in_dev_shm(name));
    }
    BOOST_TEST(test_util::is_gone<mp::event>(name));
}

BOOST_AUTO_TEST_SUITE_END()
