// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include <multiproc/pool.hpp>

#include <multiproc/init.hpp>

#include "pool_tasks.hpp"
#include "pool_util.hpp"
#include "test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <thread>

namespace mp = multiproc;
using namespace std::chrono_literals;

namespace {

int pool_pid(int)
{
    std::this_thread::sleep_for(2ms);
    return mp::this_process::id();
}
MULTIPROC_TASK(pool_pid)

int pool_exit(int code)
{
    std::exit(code);
}
MULTIPROC_TASK(pool_exit)

int pool_worker_setting = 0; // set by the initializer, in each worker

void pool_set_setting(int value)
{
    pool_worker_setting = value;
}
MULTIPROC_TASK(pool_set_setting)

void pool_failing_initializer()
{
    throw std::runtime_error("no database");
}
MULTIPROC_TASK(pool_failing_initializer)

int pool_get_setting(int)
{
    return pool_worker_setting;
}
MULTIPROC_TASK(pool_get_setting)

// A result of `size` bytes that says which it is.
std::string pool_sized_result(int size)
{
    std::string out(static_cast<std::size_t>(size), static_cast<char>('a' + size % 26));
    return out;
}
MULTIPROC_TASK(pool_sized_result)

// The length of an argument, and a checksum of it.
std::vector<long long> pool_measure(const std::string& s)
{
    long long sum = 0;
    for (char c : s)
        sum += static_cast<unsigned char>(c);
    return {static_cast<long long>(s.size()), sum};
}
MULTIPROC_TASK(pool_measure)

int not_registered_for_pool(int x)
{
    return x;
}

} // namespace

BOOST_AUTO_TEST_SUITE(pool_tests)

BOOST_AUTO_TEST_CASE(apply_apply_async_and_map)
{
    mp::pool p(2);
    BOOST_TEST(p.size() == 2u);
    BOOST_TEST(p.apply(pool_tasks::square, 7) == 49);
    auto r =
        p.apply_async(pool_tasks::concat, std::string("a"), std::vector<std::string>{"b", "c"});
    BOOST_TEST(r.get() == "abc");
    BOOST_TEST(r.ready());
    BOOST_TEST(r.successful());
    std::vector<int> items(1000);
    for (int i = 0; i < 1000; ++i)
        items[i] = i;
    for (std::size_t chunksize :
         {std::size_t(0), std::size_t(1), std::size_t(7), std::size_t(5000)}) {
        const std::vector<int> squares = p.map(pool_tasks::square, items, chunksize);
        BOOST_REQUIRE(squares.size() == items.size());
        for (int i = 0; i < 1000; ++i)
            BOOST_TEST(squares[i] == i * i);
    }
    BOOST_TEST(p.map(pool_tasks::square, std::vector<int>{}).empty());
    BOOST_TEST(mp::pool().size() == mp::cpu_count()); // Python's default size
}

BOOST_AUTO_TEST_CASE(unregistered_task_is_refused_at_the_call_site)
{
    mp::pool p(1);
    try {
        p.apply_async(not_registered_for_pool, 1);
        BOOST_FAIL("expected an error");
    } catch (const mp::system_error& e) {
        BOOST_TEST((e.code() == mp::error::unregistered_task));
    }
}

BOOST_AUTO_TEST_CASE(a_size_beyond_the_maximum_is_refused_naming_it)
{
    for (std::size_t bad : {std::size_t(-1), std::size_t(-1) / 2, mp::pool::max_size + 1})
        BOOST_TEST_CONTEXT("size " << bad)
        {
            try {
                mp::pool p(bad);
                BOOST_ERROR("constructed");
            } catch (const mp::system_error& e) {
                BOOST_TEST((e.code() == boost::system::errc::invalid_argument));
                BOOST_TEST(std::string(e.what()).find(std::to_string(bad)) != std::string::npos,
                           e.what());
            } catch (const std::exception& e) {
                BOOST_ERROR("not a multiproc::system_error: " << e.what());
            }
        }
}

BOOST_AUTO_TEST_CASE(tasks_run_in_at_most_size_workers)
{
    mp::pool p(2);
    std::vector<mp::async_result<int>> results;
    for (int i = 0; i < 20; ++i)
        results.push_back(p.apply_async(pool_pid, i));
    std::set<int> pids;
    for (auto& r : results)
        pids.insert(r.get());
    BOOST_TEST(pids.size() <= 2u);
    BOOST_TEST(pids.count(mp::this_process::id()) == 0u);
}

BOOST_AUTO_TEST_CASE(killed_worker_fails_only_its_task)
{
    mp::pool p(2);
    for (int round = 0; round < 50; ++round) {
        std::vector<mp::async_result<int>> results;
        for (int i = 0; i < 4; ++i)
            results.push_back(p.apply_async(test_util::square_or_die, i, i == round % 4));
        for (int i = 0; i < 4; ++i) {
            if (i == round % 4) {
                try {
                    results[i].get();
                    BOOST_FAIL("expected worker_died");
                } catch (const mp::system_error& e) {
                    BOOST_TEST((e.code() == mp::error::worker_died), e.what());
                }
            } else {
                BOOST_TEST(results[i].get() == i * i);
            }
        }
    }
    BOOST_TEST(p.apply(pool_tasks::square, 5) == 25); // still serving, with replaced workers
}

BOOST_AUTO_TEST_CASE(stats_count_tasks_failures_and_restarts)
{
    mp::pool p(2);
    BOOST_TEST(p.stats().done == 0u);
    BOOST_TEST(p.map(pool_tasks::square, std::vector<int>{1, 2, 3, 4}, 1).size() == 4u);
    BOOST_CHECK_THROW(p.apply(pool_tasks::throw_invalid_argument, std::string("no")),
                      mp::remote_error);
    BOOST_CHECK_THROW(p.apply(test_util::square_or_die, 2, true), mp::system_error);
    BOOST_TEST(p.apply(pool_tasks::square, 5) == 25);
    const mp::pool_stats s = p.stats();
    BOOST_TEST(s.done == 5u);   // four map chunks and one apply
    BOOST_TEST(s.failed == 2u); // the exception and the crash
    BOOST_TEST(s.worker_restarts == 1u);
    BOOST_TEST(s.queued == 0u);
    BOOST_TEST(s.running == 0u);
}

BOOST_AUTO_TEST_CASE(exit_inside_a_task_is_a_dead_worker)
{
    mp::pool p(1);
    auto r = p.apply_async(pool_exit, 3);
    BOOST_CHECK_THROW(r.get(), mp::system_error);
    BOOST_TEST(p.apply(pool_tasks::square, 4) == 16);
}

BOOST_AUTO_TEST_CASE(close_join_and_misuse)
{
    mp::pool p(2);
    mp::error_code join_ec;
    BOOST_CHECK_THROW(p.join(), mp::system_error); // Python: join a running pool is an error
    std::vector<mp::async_result<void>> pending;
    for (int i = 0; i < 6; ++i)
        pending.push_back(p.apply_async(pool_tasks::sleep_ms, 20));
    p.close();
    try {
        p.apply(pool_tasks::square, 1);
        BOOST_FAIL("expected pool_closed");
    } catch (const mp::system_error& e) {
        BOOST_TEST((e.code() == mp::error::pool_closed));
    }
    p.join(); // the queued tasks still run
    for (auto& r : pending)
        BOOST_TEST(r.successful());
    BOOST_TEST(test_util::count_children().first == 0);
}

BOOST_AUTO_TEST_CASE(terminate_fails_what_is_unfinished)
{
    mp::pool p(2);
    auto pending = pool_util::terminate_sleepers(p, 6, 10000, 100ms);
    for (auto& r : pending) {
        BOOST_TEST(r.wait_for(5s));
        BOOST_TEST(!r.successful());
    }
    BOOST_TEST(test_util::count_children().first == 0);
}

BOOST_AUTO_TEST_CASE(workers_that_cannot_start_fail_tasks_instead_of_hanging)
{
    for (const char* program : {"/nonexistent/program", NO_INIT_CHILD}) {
        mp::set_executable(program);
        mp::pool p(2);
        auto r = p.apply_async(pool_tasks::square, 2);
        BOOST_TEST(r.wait_for(30s), program); // the workers start in the background
        mp::set_executable({});
        BOOST_CHECK_THROW(r.get(), mp::system_error);
        p.terminate();
    }
}

BOOST_AUTO_TEST_CASE(workers_that_never_reach_init_time_out)
{
    mp::set_executable(NO_INIT_CHILD);
    test_util::set_env("NO_INIT_MODE", "hang");
    mp::pool_options options;
    options.start_timeout = 300ms;
    mp::pool p(2, options);
    auto r = p.apply_async(pool_tasks::square, 2);
    const bool answered = r.wait_for(30s); // the workers start in the background
    mp::set_executable({});
    test_util::unset_env("NO_INIT_MODE");
    BOOST_TEST_REQUIRE(answered, "the task waited for workers that never came up");
    try {
        r.get();
        BOOST_ERROR("expected error::start_timeout");
    } catch (const mp::system_error& e) {
        BOOST_TEST((e.code() == mp::error::start_timeout), e.what());
    }
    p.terminate();
    BOOST_TEST(test_util::count_children().first == 0);
}

BOOST_AUTO_TEST_CASE(task_timeout_kills_and_replaces_the_worker)
{
    mp::pool_options options;
    options.task_timeout = 300ms;
    mp::pool p(1, options);
    auto slow = p.apply_async(pool_tasks::sleep_ms, 20000);
    const auto before = std::chrono::steady_clock::now();
    try {
        slow.get();
        BOOST_FAIL("expected a timeout");
    } catch (const mp::system_error& e) {
        BOOST_TEST((e.code() == mp::error::timeout), e.what());
    }
    BOOST_TEST((std::chrono::steady_clock::now() - before < 10s));
    BOOST_TEST(p.apply(pool_tasks::square, 6) == 36); // a fresh worker, within its time
}

BOOST_AUTO_TEST_CASE(max_tasks_per_child_recycles_workers)
{
    mp::pool_options options;
    options.max_tasks_per_child = 2;
    mp::pool p(1, options);
    std::vector<int> pids;
    for (int i = 0; i < 6; ++i)
        pids.push_back(p.apply(pool_pid, i));
    BOOST_TEST(pids[0] == pids[1]);
    BOOST_TEST(pids[1] != pids[2]);
    BOOST_TEST(pids[2] == pids[3]);
    BOOST_TEST(std::set<int>(pids.begin(), pids.end()).size() == 3u);
}

BOOST_AUTO_TEST_CASE(recycled_workers_are_replaced_after_close_while_tasks_remain)
{
    auto results = pool_util::one_task_per_worker(
        1, 4, [](mp::pool& p, int i) { return p.apply_async(pool_pid, i); });
    std::set<int> pids;
    for (auto& r : results)
        pids.insert(r.get());
    BOOST_TEST(pids.size() == 4u); // one worker per task
}

#if defined(MULTIPROC_HAS_FORK)
BOOST_AUTO_TEST_CASE(fork_start_method)
{
    mp::pool_options options;
    options.method = mp::start_method::fork;
    mp::pool p(2, options);
    BOOST_TEST(p.apply(pool_tasks::square, 9) == 81);
    BOOST_TEST(p.apply(pool_pid, 0) != mp::this_process::id());
    auto dies = p.apply_async(test_util::square_or_die, 3, true);
    try {
        dies.get();
        BOOST_FAIL("expected worker_died");
    } catch (const mp::system_error& e) {
        BOOST_TEST((e.code() == mp::error::worker_died), e.what());
    }
    const std::vector<int> squares = p.map(pool_tasks::square, std::vector<int>{1, 2, 3});
    BOOST_TEST(squares == (std::vector<int>{1, 4, 9}), boost::test_tools::per_element());
    p.close();
    p.join();
    BOOST_TEST(test_util::count_children().first == 0);
}
#endif

BOOST_AUTO_TEST_CASE(initializer_runs_in_each_worker)
{
    mp::pool_options options;
    options.initializer(pool_set_setting, 42);
    mp::pool p(2, options);
    for (int v : p.map(pool_get_setting, std::vector<int>(10, 0), 1))
        BOOST_TEST(v == 42);

    mp::pool_options failing;
    failing.initializer(pool_failing_initializer);
    mp::pool broken(1, failing);
    try {
        broken.apply(pool_tasks::square, 1);
        BOOST_FAIL("expected the initializer's error");
    } catch (const mp::system_error& e) {
        BOOST_TEST((e.code() == mp::error::remote_exception));
        BOOST_TEST(std::string(e.what()).find("no database") != std::string::npos, e.what());
    }
}

BOOST_AUTO_TEST_CASE(results_of_every_size_arrive_in_order)
{
    // Small results travel in the workers' result rings (256 KiB); larger ones, and those
    // that find a ring full, on the channel, announced at their place in the ring.
    std::vector<int> sizes;
    for (int i = 0; i < 600; ++i)
        sizes.push_back(i % 50 == 49 ? 300000 + i : i % 7 == 0 ? 9000 + i : 8 + i % 64);
    mp::pool p(2);
    for (int round = 0; round < 2; ++round) {
        const std::vector<std::string> results = p.map(pool_sized_result, sizes, 1);
        BOOST_TEST_REQUIRE(results.size() == sizes.size());
        for (std::size_t i = 0; i < sizes.size(); ++i)
            BOOST_TEST_REQUIRE((results[i] == pool_sized_result(sizes[i])));
    }
}

BOOST_AUTO_TEST_CASE(tasks_of_every_size_arrive_in_order)
{
    // Small tasks travel in the workers' task rings (256 KiB); larger ones, and those that find
    // a ring full, on the channel, announced at their place in the ring.
    std::vector<std::string> tasks;
    for (int i = 0; i < 400; ++i) {
        const std::size_t size = i % 40 == 39 ? 300000 + i : i % 5 == 0 ? 20000 + i : i % 64;
        tasks.emplace_back(size, static_cast<char>('a' + i % 26));
    }
    mp::pool p(2);
    for (const std::size_t chunksize : {1, 7}) {
        const auto results = p.map(pool_measure, tasks, chunksize);
        BOOST_TEST_REQUIRE(results.size() == tasks.size());
        for (std::size_t i = 0; i < tasks.size(); ++i)
            BOOST_TEST_REQUIRE((results[i] == pool_measure(tasks[i])), "task " << i);
    }
}

BOOST_AUTO_TEST_CASE(many_tiny_tasks)
{
    const int tasks = test_util::slow_pipes ? 10000 : 100000; // Wine's pipes are slower
    mp::pool p(2);
    std::vector<mp::async_result<int>> results;
    results.reserve(tasks);
    for (int i = 0; i < tasks; ++i)
        results.push_back(p.apply_async(pool_tasks::square, i % 1000));
    long long sum = 0, expected = 0;
    for (int i = 0; i < tasks; ++i) {
        sum += results[i].get();
        expected += (i % 1000) * (i % 1000);
    }
    BOOST_TEST(sum == expected);
}

BOOST_AUTO_TEST_SUITE_END()
