// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// The pool with Asio: completion tokens on apply_async/map_async/starmap_async, cancellation
// through a handler's slot, and a pool run on the user's executor (imap streams:
// imap_stream.cpp). Every wait has a deadline: a hang fails.

#include <multiproc/pool.hpp>

#include <multiproc/init.hpp>

#include "pool_tasks.hpp"
#include "pool_util.hpp"
#include "test_util.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>
#if defined(__cpp_impl_coroutine)
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#endif
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#if defined(__cpp_impl_coroutine) && defined(BOOST_ASIO_HAS_CO_AWAIT)
#define POOL_ASIO_COROUTINES 1
#endif

namespace mp = multiproc;
namespace asio = boost::asio;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

using pool_util::iota_vector;
using pool_util::squares_of;
using pool_util::watchdog;

// ---------------------------------------------------------------------------------------------
// Tasks (names unique in the test binary: prefixed pool_asio_).

int pool_asio_add(int a, int b)
{
    return a + b;
}
MULTIPROC_TASK(pool_asio_add)

int pool_asio_pid(int)
{
    return mp::this_process::id();
}
MULTIPROC_TASK(pool_asio_pid)

int pool_asio_throw(std::string message)
{
    throw std::runtime_error(message);
}
MULTIPROC_TASK(pool_asio_throw)

// Leaves a file behind, to show that it ran.
void pool_asio_touch(std::string path)
{
    test_util::write_file(path, "ran");
}
MULTIPROC_TASK(pool_asio_touch)

int pool_asio_touch_square(std::string path, int x)
{
    test_util::write_file(path, "ran");
    return x * x;
}
MULTIPROC_TASK(pool_asio_touch_square)

void pool_asio_sleep(int ms)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}
MULTIPROC_TASK(pool_asio_sleep)

// Writes the worker's pid to `path` (so the test knows the task is running), then sleeps.
void pool_asio_mark_and_sleep(std::string path, int ms)
{
    test_util::write_file(path, std::to_string(mp::this_process::id()));
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}
MULTIPROC_TASK(pool_asio_mark_and_sleep)

std::string pool_asio_bytes(int size)
{
    return std::string(static_cast<std::size_t>(size), static_cast<char>('a' + size % 26));
}
MULTIPROC_TASK(pool_asio_bytes)

// ---------------------------------------------------------------------------------------------
// Helpers.

/// A completion handler `void(error_code, V...)` that records its first call (and counts all)
/// in shared state, so that a late call after a failed check touches nothing dead.
template <class... V>
class recorder
{
    struct state
    {
        std::mutex mutex;
        std::condition_variable called;
        int calls = 0;
        mp::error_code ec;
        std::tuple<V...> values;
        std::thread::id thread;
    };

public:
    recorder() : s_(std::make_shared<state>()) {}

    auto handler() const
    {
        return [s = s_](mp::error_code ec, V... v) {
            std::lock_guard<std::mutex> lock(s->mutex);
            if (s->calls++ == 0) {
                s->ec = ec;
                s->values = std::tuple<V...>(std::move(v)...);
                s->thread = std::this_thread::get_id();
            }
            s->called.notify_all();
        };
    }
    /// True once the handler has been called, waiting at most `timeout`.
    bool wait_for(std::chrono::milliseconds timeout) const
    {
        std::unique_lock<std::mutex> lock(s_->mutex);
        return s_->called.wait_for(lock, timeout, [&] { return s_->calls > 0; });
    }
    int calls() const
    {
        std::lock_guard<std::mutex> lock(s_->mutex);
        return s_->calls;
    }
    mp::error_code ec() const
    {
        std::lock_guard<std::mutex> lock(s_->mutex);
        return s_->ec;
    }
    std::thread::id thread() const
    {
        std::lock_guard<std::mutex> lock(s_->mutex);
        return s_->thread;
    }
    template <std::size_t I = 0>
    auto value() const
    {
        std::lock_guard<std::mutex> lock(s_->mutex);
        return std::get<I>(s_->values);
    }

private:
    std::shared_ptr<state> s_;
};

/// The thread the pool's own executor runs on.
std::thread::id pool_thread(mp::pool& p)
{
    auto promise = std::make_shared<std::promise<std::thread::id>>();
    auto future = promise->get_future();
    asio::post(p.get_executor(), [promise] { promise->set_value(std::this_thread::get_id()); });
    BOOST_REQUIRE(future.wait_for(30s) == std::future_status::ready);
    return future.get();
}

/// Runs `io` until `done()` or the deadline; true if done.
template <class Done>
bool run_until(asio::io_context& io, Done done, std::chrono::milliseconds limit)
{
    const auto deadline = clock_type::now() + limit;
    while (!done()) {
        if (clock_type::now() >= deadline)
            return false;
        if (io.stopped())
            io.restart();
        if (io.run_one_for(50ms) == 0)
            std::this_thread::sleep_for(1ms);
    }
    return true;
}

/// True once this process has no child left (zombies included), waiting at most `limit`.
bool no_children_within(std::chrono::milliseconds limit)
{
    const auto deadline = clock_type::now() + limit;
    while (test_util::count_children().first != 0) {
        if (clock_type::now() >= deadline)
            return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

} // namespace

BOOST_AUTO_TEST_SUITE(pool_asio_tests)

// ---------------------------------------------------------------------------------------------
// Completion tokens on apply_async.

BOOST_AUTO_TEST_CASE(callback_token_runs_on_the_pool_executor)
{
    recorder<int> r;
    recorder<> v;
    test_util::temp_file marker("pool_asio_void_callback");
    mp::pool p(2);
    const std::thread::id pool_tid = pool_thread(p);
    BOOST_TEST((pool_tid != std::this_thread::get_id()));

    static_assert(std::is_void_v<decltype(p.apply_async(pool_tasks::square, 7, r.handler()))>);
    p.apply_async(pool_tasks::square, 7, r.handler());
    BOOST_REQUIRE(r.wait_for(30s));
    BOOST_TEST(!r.ec().failed(), r.ec().message());
    BOOST_TEST(r.value() == 49);
    BOOST_TEST((r.thread() == pool_tid)); // no associated executor: the pool's

    // A void task's handler takes the error code only.
    p.apply_async(pool_asio_touch, marker.path(), v.handler());
    BOOST_REQUIRE(v.wait_for(30s));
    BOOST_TEST(!v.ec().failed(), v.ec().message());
    BOOST_TEST((v.thread() == pool_tid));
    BOOST_TEST(std::filesystem::exists(marker.path()));

    // Handlers run once.
    std::this_thread::sleep_for(50ms);
    BOOST_TEST(r.calls() == 1);
    BOOST_TEST(v.calls() == 1);
}

BOOST_AUTO_TEST_CASE(callback_token_with_an_associated_executor)
{
    recorder<int> r;
    asio::io_context io;
    mp::pool p(2);
    p.apply_async(pool_tasks::square, 5, asio::bind_executor(io, r.handler()));
    BOOST_TEST(run_until(
        io, [&] { return r.calls() > 0; }, 30s));
    BOOST_TEST(!r.ec().failed(), r.ec().message());
    BOOST_TEST(r.value() == 25);
    BOOST_TEST((r.thread() == std::this_thread::get_id())); // the io_context's thread
}

BOOST_AUTO_TEST_CASE(use_future_token)
{
    test_util::temp_file marker("pool_asio_future_void");
    mp::pool p(2);
    std::future<int> f = p.apply_async(pool_tasks::square, 9, asio::use_future);
    BOOST_REQUIRE(f.wait_for(30s) == std::future_status::ready);
    BOOST_TEST(f.get() == 81);

    std::future<void> done = p.apply_async(pool_asio_touch, marker.path(), asio::use_future);
    BOOST_REQUIRE(done.wait_for(30s) == std::future_status::ready);
    BOOST_CHECK_NO_THROW(done.get());
    BOOST_TEST(std::filesystem::exists(marker.path()));

    std::future<std::vector<int>> mapped =
        p.map_async(pool_tasks::square, iota_vector(20), 3, asio::use_future);
    BOOST_REQUIRE(mapped.wait_for(30s) == std::future_status::ready);
    BOOST_TEST(mapped.get() == squares_of(iota_vector(20)));
}

BOOST_AUTO_TEST_CASE(deferred_token_runs_nothing_until_invoked)
{
    recorder<int> r;
    test_util::temp_file marker("pool_asio_deferred");
    mp::pool p(1);
    auto op = p.apply_async(pool_asio_touch_square, marker.path(), 6, asio::deferred);
    static_assert(asio::is_deferred<decltype(op)>::value);
    // One worker, tasks in order: had the deferred task been sent, it would have run by now.
    BOOST_TEST(p.apply_async(pool_tasks::square, 2).get_for(30s).value_or(-1) == 4);
    std::this_thread::sleep_for(100ms);
    BOOST_TEST(!std::filesystem::exists(marker.path()));
    BOOST_TEST(r.calls() == 0);

    std::move(op)(r.handler());
    BOOST_REQUIRE(r.wait_for(30s));
    BOOST_TEST(!r.ec().failed(), r.ec().message());
    BOOST_TEST(r.value() == 36);
    BOOST_TEST(std::filesystem::exists(marker.path()));
}

#if defined(POOL_ASIO_COROUTINES)
BOOST_AUTO_TEST_CASE(use_awaitable_in_a_coroutine_on_a_user_io_context)
{
    test_util::temp_file marker("pool_asio_awaitable_void");
    int square = 0;
    std::vector<int> mapped;
    mp::error_code thrown, died;
    std::thread::id resumed_on;
    bool finished = false;
    std::exception_ptr failure;
    asio::io_context io;
    mp::pool p(2);
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            square = co_await p.apply_async(pool_tasks::square, 12, asio::use_awaitable);
            resumed_on = std::this_thread::get_id();
            co_await p.apply_async(pool_asio_touch, marker.path(), asio::use_awaitable);
            mapped =
                co_await p.map_async(pool_tasks::square, iota_vector(10), 0, asio::use_awaitable);
            try {
                co_await p.apply_async(pool_asio_throw, std::string("boom"), asio::use_awaitable);
            } catch (const mp::system_error& e) {
                thrown = e.code();
            }
            try {
                co_await p.apply_async(test_util::square_or_die, 2, true, asio::use_awaitable);
            } catch (const mp::system_error& e) {
                died = e.code();
            }
        },
        [&](std::exception_ptr e) {
            finished = true;
            failure = e;
        });
    const auto before = clock_type::now();
    io.run_for(30s); // returns once the coroutine has finished and nothing else is pending
    BOOST_TEST((clock_type::now() - before < 29s));
    BOOST_REQUIRE(finished);
    BOOST_TEST(!failure);
    BOOST_TEST(square == 144);
    BOOST_TEST((resumed_on == std::this_thread::get_id()));
    BOOST_TEST(std::filesystem::exists(marker.path()));
    BOOST_TEST(mapped == squares_of(iota_vector(10)));
    BOOST_TEST((thrown == mp::error::remote_exception), thrown.message());
    BOOST_TEST((died == mp::error::worker_died), died.message());
}
#endif

// ---------------------------------------------------------------------------------------------
// Errors through tokens.

namespace {
/// Checks that `f` is ready within 30 s and throws the system_error of `code`.
void check_fails_with(std::future<int>& f, mp::error code)
{
    BOOST_REQUIRE(f.wait_for(30s) == std::future_status::ready);
    try {
        f.get();
        BOOST_ERROR("expected system_error(" << mp::make_error_code(code).message() << ")");
    } catch (const mp::system_error& e) {
        BOOST_TEST((e.code() == code), e.what());
    }
}
} // namespace

BOOST_AUTO_TEST_CASE(errors_arrive_as_codes_through_tokens)
{
    recorder<int> thrown, died, square, map_failed;
    mp::pool p(2);

    p.apply_async(pool_asio_throw, std::string("bad"), thrown.handler());
    BOOST_REQUIRE(thrown.wait_for(30s));
    BOOST_TEST((thrown.ec() == mp::error::remote_exception), thrown.ec().message());

    p.apply_async(test_util::square_or_die, 3, true, died.handler());
    BOOST_REQUIRE(died.wait_for(30s));
    BOOST_TEST((died.ec() == mp::error::worker_died), died.ec().message());

    // The pool goes on with a replaced worker.
    p.apply_async(test_util::square_or_die, 3, false, square.handler());
    BOOST_REQUIRE(square.wait_for(30s));
    BOOST_TEST(!square.ec().failed(), square.ec().message());
    BOOST_TEST(square.value() == 9);

    std::future<int> f1 = p.apply_async(pool_asio_throw, std::string("bad"), asio::use_future);
    check_fails_with(f1, mp::error::remote_exception);
    std::future<int> f2 = p.apply_async(test_util::square_or_die, 4, true, asio::use_future);
    check_fails_with(f2, mp::error::worker_died);

    // A map whose chunk throws fails as a whole with that code.
    recorder<std::vector<int>> mapped;
    p.map_async(pool_tasks::square_unless_13, iota_vector(30), 4, mapped.handler());
    BOOST_REQUIRE(mapped.wait_for(30s));
    BOOST_TEST((mapped.ec() == mp::error::remote_exception), mapped.ec().message());
}

// ---------------------------------------------------------------------------------------------
// map_async, starmap, empty ranges.

BOOST_AUTO_TEST_CASE(map_async_and_starmap)
{
    recorder<std::vector<int>> mapped, star_pairs, empty_map, empty_star;
    mp::pool p(2);
    const std::vector<int> items = iota_vector(100);

    auto r = p.map_async(pool_tasks::square, items, 7);
    static_assert(std::is_same_v<decltype(r), mp::async_result<std::vector<int>>>);
    BOOST_TEST((r.get_for(30s) == std::optional<std::vector<int>>(squares_of(items))));
    BOOST_TEST(r.successful());

    p.map_async(pool_tasks::square, items, 0, mapped.handler());
    BOOST_REQUIRE(mapped.wait_for(30s));
    BOOST_TEST(!mapped.ec().failed(), mapped.ec().message());
    BOOST_TEST(mapped.value() == squares_of(items));

    std::vector<std::tuple<int, int>> tuples;
    std::vector<std::pair<int, int>> pairs;
    std::vector<int> sums;
    for (int i = 0; i < 50; ++i) {
        tuples.emplace_back(i, 2 * i);
        pairs.emplace_back(i, 1000);
        sums.push_back(3 * i);
    }
    {
        watchdog dog(p, 60s, "starmap");
        BOOST_TEST(p.starmap(pool_asio_add, tuples, 4) == sums);
        dog.disarm();
        BOOST_TEST(!dog.fired());
    }
    BOOST_TEST((p.starmap_async(pool_asio_add, tuples).get_for(30s) ==
                std::optional<std::vector<int>>(sums)));
    p.starmap_async(pool_asio_add, pairs, 3, star_pairs.handler());
    BOOST_REQUIRE(star_pairs.wait_for(30s));
    BOOST_TEST(!star_pairs.ec().failed(), star_pairs.ec().message());
    std::vector<int> plus_1000;
    for (int i = 0; i < 50; ++i)
        plus_1000.push_back(i + 1000);
    BOOST_TEST(star_pairs.value() == plus_1000);

    // Empty inputs: empty results, no error, still completed off the call.
    const std::vector<int> none;
    BOOST_TEST((p.map_async(pool_tasks::square, none).get_for(30s) ==
                std::optional<std::vector<int>>(std::vector<int>{})));
    p.map_async(pool_tasks::square, none, 0, empty_map.handler());
    BOOST_REQUIRE(empty_map.wait_for(30s));
    BOOST_TEST(!empty_map.ec().failed(), empty_map.ec().message());
    BOOST_TEST(empty_map.value().empty());
    p.starmap_async(pool_asio_add, std::vector<std::pair<int, int>>{}, 5, empty_star.handler());
    BOOST_REQUIRE(empty_star.wait_for(30s));
    BOOST_TEST(!empty_star.ec().failed(), empty_star.ec().message());
    BOOST_TEST(empty_star.value().empty());
    BOOST_TEST((p.starmap_async(pool_asio_add, std::vector<std::tuple<int, int>>{}).get_for(30s) ==
                std::optional<std::vector<int>>(std::vector<int>{})));

    std::this_thread::sleep_for(50ms);
    BOOST_TEST(mapped.calls() == 1);
    BOOST_TEST(empty_map.calls() == 1);
    BOOST_TEST(empty_star.calls() == 1);
}

BOOST_AUTO_TEST_CASE(map_of_an_input_that_throws_fails_with_its_exception_and_sends_nothing)
{
    using pool_util::say_when_error;
    using pool_util::say_when_range;
    mp::pool p(2);
    watchdog dog(p, 60s, "map of an input that throws");
    BOOST_TEST(p.map(pool_tasks::square, iota_vector(3)) == (std::vector<int>{0, 1, 4}));
    const mp::pool_stats before = p.stats();
    for (std::size_t chunksize : {0, 1, 4})
        BOOST_TEST_CONTEXT("chunksize " << chunksize)
        {
            for (int when : {-1, 3}) {
                const say_when_range<> items(10, when);
                BOOST_CHECK_THROW(p.map(pool_tasks::square, items, chunksize), say_when_error);
                BOOST_CHECK_THROW(p.map_async(pool_tasks::square, items, chunksize),
                                  say_when_error);
                BOOST_CHECK_THROW(
                    p.map_async(pool_tasks::square, items, chunksize, asio::use_future),
                    say_when_error);
                const say_when_range<std::tuple<int, int>> pairs(10, when);
                BOOST_CHECK_THROW(p.starmap(pool_asio_add, pairs, chunksize), say_when_error);
            }
        }
    const mp::pool_stats after = p.stats();
    BOOST_TEST(after.queued == 0u);
    BOOST_TEST(after.running == 0u);
    BOOST_TEST(after.done == before.done); // nothing of the failed calls was sent
    BOOST_TEST(after.failed == before.failed);
    BOOST_TEST(p.map(pool_tasks::square, iota_vector(4), 1) == (std::vector<int>{0, 1, 4, 9}));
    dog.disarm();
    BOOST_TEST(!dog.fired());
}

// ---------------------------------------------------------------------------------------------
// Cancellation through the handler's slot.

BOOST_AUTO_TEST_CASE(cancelling_a_queued_task_drops_it)
{
    const asio::cancellation_type types[] = {asio::cancellation_type::terminal,
                                             asio::cancellation_type::partial,
                                             asio::cancellation_type::total};
    asio::cancellation_signal signals[3];
    recorder<int> cancelled[3];
    test_util::temp_file m0("pool_asio_queued_0"), m1("pool_asio_queued_1"),
        m2("pool_asio_queued_2");
    const test_util::temp_file* markers[] = {&m0, &m1, &m2};
    mp::pool p(1);
    auto busy = p.apply_async(pool_asio_sleep, 3000); // the one worker is busy
    for (int i = 0; i < 3; ++i)
        p.apply_async(pool_asio_touch_square, markers[i]->path(), i,
                      asio::bind_cancellation_slot(signals[i].slot(), cancelled[i].handler()));
    for (int i = 0; i < 3; ++i)
        signals[i].emit(types[i]);
    for (int i = 0; i < 3; ++i) {
        BOOST_TEST_CONTEXT("cancellation type " << static_cast<int>(types[i]))
        {
            BOOST_TEST(cancelled[i].wait_for(30s));
            BOOST_TEST((cancelled[i].ec() == asio::error::operation_aborted),
                       cancelled[i].ec().message());
        }
    }
    BOOST_TEST(!busy.ready()); // dropped at once, not after the task ahead
    BOOST_TEST(busy.get_for(30s).has_value());
    // One worker, tasks in order: a task still queued would run before this one.
    BOOST_TEST(p.apply_async(pool_tasks::square, 3).get_for(30s).value_or(-1) == 9);
    for (int i = 0; i < 3; ++i) {
        BOOST_TEST(!std::filesystem::exists(markers[i]->path()), "task " << i << " ran");
        BOOST_TEST(cancelled[i].calls() == 1);
    }
}

namespace {
void check_cancel_running_task(asio::cancellation_type type, const std::string& name)
{
    BOOST_TEST_CONTEXT("cancellation " << name)
    {
        asio::cancellation_signal signal;
        recorder<> r;
        test_util::temp_file marker("pool_asio_running_" + name);
        mp::pool p(1);
        p.apply_async(pool_asio_mark_and_sleep, marker.path(), 20000,
                      asio::bind_cancellation_slot(signal.slot(), r.handler()));
        const std::string pid_text = test_util::wait_for_file(marker.path(), 30s);
        BOOST_REQUIRE_MESSAGE(!pid_text.empty(), "the task did not start");
        const int worker = std::stoi(pid_text);
        const auto before = clock_type::now();
        signal.emit(type);
        BOOST_TEST(r.wait_for(5s), "no completion 5 s after the cancellation");
        BOOST_TEST((clock_type::now() - before < 5s));
        BOOST_TEST((r.ec() == asio::error::operation_aborted), r.ec().message());
        BOOST_TEST(test_util::wait_gone(worker, 5s), "worker " << worker << " still runs");
        // Still serving, with a replaced worker.
        const std::optional<int> now_pid = p.apply_async(pool_asio_pid, 0).get_for(30s);
        BOOST_TEST(now_pid.has_value());
        BOOST_TEST(now_pid.value_or(worker) != worker);
        BOOST_TEST(p.apply_async(pool_tasks::square, 3).get_for(30s).value_or(-1) == 9);
        BOOST_TEST(r.calls() == 1);
    }
}
} // namespace

BOOST_AUTO_TEST_CASE(cancelling_a_running_task_terminal)
{
    check_cancel_running_task(asio::cancellation_type::terminal, "terminal");
}

BOOST_AUTO_TEST_CASE(tasks_given_to_workers_that_never_start_all_fail)
{
    // One task to each worker before it is up; the workers exit, late, without reaching init.
    // The first end seen breaks the pool; the other worker's task must fail too, not wait.
    asio::io_context io;
    mp::set_executable(NO_INIT_CHILD);
    test_util::set_env("NO_INIT_MODE", "late");
    mp::pool p(io, 2);
    std::vector<mp::error_code> failures;
    for (int i = 0; i < 2; ++i)
        p.apply_async(pool_tasks::square, i, [&](mp::error_code e, int) { failures.push_back(e); });
    BOOST_TEST(io.poll_one() == 1u); // both started, and given a task each
    mp::set_executable({});
    test_util::unset_env("NO_INIT_MODE");
    BOOST_TEST(p.stats().running == 2u);
    BOOST_TEST(run_until(
        io, [&] { return failures.size() == 2; }, 30s));
    for (const mp::error_code& e : failures)
        BOOST_TEST((e == mp::error::not_initialized), e.message());
}

BOOST_AUTO_TEST_CASE(cancelling_a_task_sent_to_a_worker_not_yet_up)
{
    // One step of the context starts the worker and gives it the task, which waits in its ring
    // until the worker is up: cancelling kills the worker then, which says nothing of its start.
    asio::io_context io;
    asio::cancellation_signal signal;
    recorder<> r;
    mp::pool p(io, 1);
    p.apply_async(pool_asio_sleep, 20000, asio::bind_cancellation_slot(signal.slot(), r.handler()));
    BOOST_TEST(io.poll_one() == 1u);
    BOOST_TEST(p.stats().running == 1u);
    signal.emit(asio::cancellation_type::terminal);
    BOOST_TEST(run_until(
        io, [&] { return r.calls() > 0; }, 30s));
    BOOST_TEST((r.ec() == asio::error::operation_aborted), r.ec().message());
    int square = 0;
    p.apply_async(pool_tasks::square, 3, [&](mp::error_code e, int v) {
        BOOST_TEST(!e.failed(), e.message());
        square = v;
    });
    BOOST_TEST(run_until(
        io, [&] { return square != 0; }, 30s));
    BOOST_TEST(square == 9);
}

// On Windows these end the worker as terminal does (basic_pool.hpp); the checks hold all the same.
BOOST_AUTO_TEST_CASE(cancelling_a_running_task_partial_and_total)
{
    check_cancel_running_task(asio::cancellation_type::partial, "partial");
    check_cancel_running_task(asio::cancellation_type::total, "total");
}

// ---------------------------------------------------------------------------------------------
// A pool run on the user's executor.

BOOST_AUTO_TEST_CASE(user_io_context_runs_the_pool_and_its_handlers)
{
    int calls = 0, map_calls = 0, value = 0;
    mp::error_code ec, map_ec;
    std::vector<int> mapped;
    std::thread::id ran_on;
    long threads_in_handler = -2;
    asio::io_context io;
    const long threads_before = test_util::thread_count();
    mp::pool p(io, 2);
    const long threads_after = test_util::thread_count();
    BOOST_TEST((p.get_executor() == asio::any_io_executor(io.get_executor())));
    BOOST_TEST(p.size() == 2u);
    p.apply_async(pool_tasks::square, 9, [&](mp::error_code e, int v) {
        ++calls;
        ec = e;
        value = v;
        ran_on = std::this_thread::get_id();
        threads_in_handler = test_util::thread_count();
    });
    p.map_async(pool_tasks::square, iota_vector(10), 3, [&](mp::error_code e, std::vector<int> v) {
        ++map_calls;
        map_ec = e;
        mapped = std::move(v);
    });
    BOOST_TEST(calls == 0); // nothing happens until the context runs
    BOOST_TEST(run_until(
        io, [&] { return calls > 0 && map_calls > 0; }, 30s));
    BOOST_TEST(!ec.failed(), ec.message());
    BOOST_TEST(value == 81);
    BOOST_TEST((ran_on == std::this_thread::get_id()));
    BOOST_TEST(!map_ec.failed(), map_ec.message());
    BOOST_TEST(mapped == squares_of(iota_vector(10)));
    const long threads_running = test_util::thread_count();
    if (test_util::counts_threads_and_memory) {
        BOOST_TEST(threads_after == threads_before); // the pool started no thread
        BOOST_TEST(threads_in_handler == threads_before);
        BOOST_TEST(threads_running == threads_before);
    }

    // Errors too, on this thread.
    int died_calls = 0;
    mp::error_code died;
    p.apply_async(test_util::square_or_die, 1, true, [&](mp::error_code e, int) {
        ++died_calls;
        died = e;
    });
    BOOST_TEST(run_until(
        io, [&] { return died_calls > 0; }, 30s));
    BOOST_TEST((died == mp::error::worker_died), died.message());
    BOOST_TEST(calls == 1);
    BOOST_TEST(map_calls == 1);
}

BOOST_AUTO_TEST_CASE(tasks_given_before_the_workers_start_go_one_to_each)
{
    // Given before the context runs, so before any worker is up: pool(n)'s first n tasks go
    // to n workers, even tasks that end at once (the seed's Pool(5) runs its five together).
    asio::io_context io;
    mp::pool p(io, 4);
    std::vector<int> pids;
    for (int i = 0; i < 4; ++i)
        p.apply_async(pool_asio_pid, i, [&](mp::error_code e, int pid) {
            BOOST_TEST(!e.failed(), e.message());
            pids.push_back(pid);
        });
    BOOST_TEST(run_until(
        io, [&] { return pids.size() == 4; }, 30s));
    BOOST_TEST(std::set<int>(pids.begin(), pids.end()).size() == 4u);
}

#if defined(POOL_ASIO_COROUTINES)
BOOST_AUTO_TEST_CASE(user_io_context_with_a_coroutine)
{
    int square = 0;
    bool finished = false;
    std::exception_ptr failure;
    asio::io_context io;
    mp::pool p(io, 2);
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            square = co_await p.apply_async(pool_tasks::square, 4, asio::use_awaitable);
        },
        [&](std::exception_ptr e) {
            finished = true;
            failure = e;
        });
    BOOST_TEST(run_until(
        io, [&] { return finished; }, 30s));
    BOOST_TEST(!failure);
    BOOST_TEST(square == 16);
}
#endif

BOOST_AUTO_TEST_CASE(user_executor_run_by_another_thread)
{
    recorder<int> r;
    asio::io_context io;
    auto work = asio::make_work_guard(io);
    struct runner_thread
    {
        asio::io_context& io;
        std::thread thread;
        ~runner_thread()
        {
            io.stop();
            thread.join();
        }
    } runner{io, std::thread([&io] { io.run_for(120s); })};
    const std::thread::id runner_id = runner.thread.get_id();
    {
        mp::pool p(io.get_executor(), 2);
        std::future<int> f = p.apply_async(pool_tasks::square, 11, asio::use_future);
        BOOST_REQUIRE(f.wait_for(30s) == std::future_status::ready);
        BOOST_TEST(f.get() == 121);
        p.apply_async(pool_tasks::square, 3, r.handler());
        BOOST_REQUIRE(r.wait_for(30s));
        BOOST_TEST(r.value() == 9);
        BOOST_TEST((r.thread() == runner_id));
        BOOST_TEST((p.map_async(pool_tasks::square, iota_vector(5), 2).get_for(30s) ==
                    std::optional<std::vector<int>>(squares_of(iota_vector(5)))));
    } // destroyed while its context runs
    BOOST_TEST(no_children_within(5s));
}

BOOST_AUTO_TEST_CASE(destroying_a_user_executor_pool_while_its_context_is_idle)
{
    {
        // The context never ran: the workers never started.
        asio::io_context io;
        auto p = std::make_unique<mp::pool>(io, 2);
        p->apply_async(pool_tasks::square, 1, [](mp::error_code, int) {});
        const auto before = clock_type::now();
        p.reset();
        BOOST_TEST((clock_type::now() - before < 5s));
        BOOST_TEST(no_children_within(5s));
        io.restart();
        io.run_for(200ms); // what the pool left behind runs without harm
    }
    {
        // The context ran until the workers served a task, then stopped being run.
        int done = 0;
        asio::io_context io;
        auto p = std::make_unique<mp::pool>(io.get_executor(), 2);
        p->apply_async(pool_tasks::square, 2,
                       [&](mp::error_code ec, int v) { done = !ec && v == 4 ? 1 : -1; });
        BOOST_TEST(run_until(
            io, [&] { return done != 0; }, 30s));
        BOOST_TEST(done == 1);
        BOOST_TEST(test_util::count_children().first >= 1); // the workers are up
        p->apply_async(pool_asio_sleep, 10000, [](mp::error_code) {});
        const auto before = clock_type::now();
        p.reset();
        BOOST_TEST((clock_type::now() - before < 5s));
        BOOST_TEST(no_children_within(5s));
        io.restart();
        io.run_for(200ms);
    }
}

BOOST_AUTO_TEST_CASE(results_wait_in_the_ring_while_the_executor_is_busy)
{
    // The executor is kept busy while the worker finishes tasks sent ahead: their results
    // wait in its result ring, or on the channel once the ring is short of room, and arrive
    // complete and in order.
    asio::io_context io;
    auto work = asio::make_work_guard(io);
    std::thread runner([&] { io.run(); });
    {
        mp::pool p(io, 1);
        // Fast tasks: the pool learns to send up to 64 ahead.
        BOOST_TEST(p.map(pool_asio_bytes, std::vector<int>(300, 9000), 1).size() == 300u);
        asio::post(io, [] { std::this_thread::sleep_for(300ms); });
        std::vector<mp::async_result<std::string>> results;
        for (int i = 0; i < 64; ++i)
            results.push_back(p.apply_async(pool_asio_bytes, 9000 + i));
        for (int i = 0; i < 64; ++i)
            BOOST_TEST_REQUIRE((results[i].get() == pool_asio_bytes(9000 + i)));
    }
    work.reset();
    runner.join();
}

BOOST_AUTO_TEST_SUITE_END()
