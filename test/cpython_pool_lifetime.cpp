// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// CPython's Lib/test/_test_multiprocessing.py, the pool's worker lifetime: _TestPoolWorkerLifetime,
// _TestPoolWorkerErrors, TestInitializers (the pool half) and TestPoolNotLeakOnFailure, case by
// case under CPython's names (cpython/_TestPoolWorkerLifetime/test_pool_worker_lifetime), with
// their assertions translated. Cases that cannot apply to C++ are listed in the pool_life note.

#include <multiproc/pool.hpp>

#include <multiproc/init.hpp>
#include <multiproc/shared_memory.hpp>

#include "pool_util.hpp"
#include "test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace mp = multiproc;
using namespace std::chrono_literals;

namespace {

// CPython's sqr(x, wait=0.0).
int cpython_sqr(int x, int wait_ms)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
    return x * x;
}
MULTIPROC_TASK(cpython_sqr)

// CPython's raising(): raise KeyError("key"); std::out_of_range is C++'s KeyError.
void cpython_raising()
{
    throw std::out_of_range("key");
}
MULTIPROC_TASK(cpython_raising)

// CPython's initializer(ns): ns.test += 1, on a shared value instead of a manager's Namespace.
void cpython_initializer(mp::shared_value<int> ns)
{
    std::lock_guard lock(ns.get_lock());
    ++ns.value();
}
MULTIPROC_TASK(cpython_initializer)

// The pids of this process's running children (the pool's workers), sorted.
std::vector<int> worker_pids()
{
    std::vector<int> pids;
    for (const auto& [pid, state] : test_util::child_states())
        if (state != 'Z')
            pids.push_back(pid);
    std::sort(pids.begin(), pids.end());
    return pids;
}

// Waits up to 5 s (CPython's countdown of 50 * DELTA) for `n` running workers.
std::vector<int> wait_for_workers(std::size_t n)
{
    std::vector<int> pids = worker_pids();
    for (int countdown = 50; countdown > 0 && pids.size() != n; --countdown) {
        std::this_thread::sleep_for(100ms);
        pids = worker_pids();
    }
    return pids;
}

} // namespace

BOOST_AUTO_TEST_SUITE(cpython)

BOOST_AUTO_TEST_SUITE(_TestPoolWorkerLifetime, *boost::unit_test::label("cpython_pool_lifetime"))

BOOST_AUTO_TEST_CASE(test_pool_worker_lifetime)
{
    mp::pool_options options;
    options.max_tasks_per_child = 10;
    mp::pool p(3, options);
    BOOST_TEST(p.size() == 3u);
    const std::vector<int> origworkerpids = wait_for_workers(3); // they start in the background
    // Run many tasks so each worker gets replaced.
    std::vector<mp::async_result<int>> results;
    for (int i = 0; i < 100; ++i)
        results.push_back(p.apply_async(cpython_sqr, i, 0));
    // Every answer is right, and every task has completed.
    for (int j = 0; j < 100; ++j)
        BOOST_TEST(results[j].get() == j * j);
    // The pool refills itself; wait until all its workers are alive.
    const std::vector<int> finalworkerpids = wait_for_workers(3);
    // All pids are assigned (issue #7805), and the workers have changed.
    BOOST_TEST(origworkerpids.size() == 3u);
    BOOST_TEST(finalworkerpids.size() == 3u);
    BOOST_TEST(origworkerpids != finalworkerpids);
    p.close();
    p.join();
}

BOOST_AUTO_TEST_CASE(test_pool_worker_lifetime_early_close)
{
    // Issue #10332: closing a pool whose workers have limited lifetimes before all the tasks
    // completed made join() hang.
    auto results = pool_util::one_task_per_worker(
        3, 6, [](mp::pool& p, int i) { return p.apply_async(cpython_sqr, i, 300); });
    for (int j = 0; j < 6; ++j)
        BOOST_TEST(results[j].get() == j * j);
}

BOOST_AUTO_TEST_SUITE_END()

// The suite is shared with cpython_pool.cpp (test_unpickleable_result): the label is the case's.
BOOST_AUTO_TEST_SUITE(_TestPoolWorkerErrors)

BOOST_AUTO_TEST_CASE(test_async_error_callback, *boost::unit_test::label("cpython_pool_lifetime"))
{
    mp::pool p(2);
    // Python's error_callback is a completion handler, given the error's code.
    std::promise<mp::error_code> scratchpad;
    p.apply_async(cpython_raising, [&](mp::error_code ec) { scratchpad.set_value(ec); });
    auto res = p.apply_async(cpython_raising);
    BOOST_TEST(pool_util::throws_remote_error([&] { res.get(); }, "std::out_of_range", "key"));
    auto called = scratchpad.get_future();
    BOOST_TEST_REQUIRE((called.wait_for(30s) == std::future_status::ready));
    BOOST_TEST((called.get() == mp::error::remote_exception));
    p.close();
    p.join();
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(TestInitializers, *boost::unit_test::label("cpython_pool_lifetime"))

BOOST_AUTO_TEST_CASE(test_pool_initializer)
{
    // CPython's first assertion (an initializer that is not callable raises TypeError) is a
    // compile-time error here: initializer() takes only registered functions.
    mp::shared_value<int> ns(mp::create_only, 0);
    mp::pool_options options;
    options.initializer(cpython_initializer, ns);
    mp::pool p(1, options);
    p.close();
    p.join();
    BOOST_TEST(ns.load() == 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(TestPoolNotLeakOnFailure, *boost::unit_test::label("cpython_pool_lifetime"))

BOOST_AUTO_TEST_CASE(test_release_unused_processes)
{
    // Issue #19675: if a worker cannot be created, the ones already created do not leak.
    // CPython makes the fourth Process.start() fail; here three workers come up, each is
    // replaced after its task (max_tasks_per_child), and the replacements cannot be started
    // (the program cannot be run): the tasks left fail instead of waiting, and once the pool is
    // terminated no worker is left.
    mp::pool_options options;
    options.max_tasks_per_child = 1;
    mp::pool p(3, options);
    std::vector<mp::async_result<int>> first, later;
    for (int i = 0; i < 3; ++i)
        first.push_back(p.apply_async(cpython_sqr, i, 500));
    BOOST_TEST_REQUIRE(wait_for_workers(3).size() == 3u);
    mp::set_executable("/nonexistent/program");
    for (int i = 0; i < 3; ++i)
        later.push_back(p.apply_async(cpython_sqr, i, 0));
    for (int i = 0; i < 3; ++i)
        BOOST_TEST(first[i].get() == i * i);
    for (auto& r : later) {
        BOOST_TEST_REQUIRE(r.wait_for(30s), "a task waited for workers that never came");
        BOOST_TEST(!r.successful());
    }
    mp::set_executable({});
    p.terminate();
    BOOST_TEST(test_util::count_children().first == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE_END()
