// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// async_result: a value or the task's exception from get(), timed waits, and callers on many
// threads waiting together (they complete results themselves meanwhile).

#include <multiproc/async_result.hpp>
#include <multiproc/pool.hpp>

#include <multiproc/init.hpp>

#include "pool_tasks.hpp"
#include "pool_util.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace mp = multiproc;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(async_result_tests)

BOOST_AUTO_TEST_CASE(timed_waits_give_the_value_once_ready)
{
    mp::pool p(1);
    auto slow = p.apply_async(pool_tasks::sleep_ms, 300);
    BOOST_TEST(!slow.ready());
    BOOST_TEST(!slow.wait_for(1ms));
    BOOST_TEST(!slow.get_for(1ms).has_value());
    BOOST_TEST(slow.wait_for(60s));
    BOOST_TEST(slow.ready());
    BOOST_TEST(slow.successful());
    BOOST_TEST(slow.get_for(1ms).value_or(false));
    auto r = p.apply_async(pool_tasks::square, 7);
    BOOST_TEST(r.get_for(60s).value_or(0) == 49);
}

BOOST_AUTO_TEST_CASE(task_exception_arrives_as_remote_error)
{
    mp::pool p(1);
    auto r = p.apply_async(pool_tasks::throw_invalid_argument, std::string("bad value"));
    BOOST_TEST_REQUIRE(
        pool_util::throws_remote_error([&] { r.get(); }, "std::invalid_argument", "bad value"));
    BOOST_TEST(!r.successful());
    BOOST_TEST(p.apply(pool_tasks::square, 3) == 9); // the worker goes on
}

BOOST_AUTO_TEST_CASE(callers_on_many_threads_take_results_together)
{
    // Waiting callers complete results themselves (pool_backend::help) while the pool's thread does
    // too; one whose task outlasts its spin sleeps, and the pool's thread must still wake it.
    mp::pool p(2);
    std::atomic<int> wrong{0};
    std::vector<std::thread> callers;
    for (int t = 0; t < 4; ++t)
        callers.emplace_back([&, t] {
            for (int i = 0; i < 2000; ++i) {
                if (i % 500 == 0)
                    p.apply(pool_tasks::sleep_ms, 20); // longer than any spin
                const int x = t * 10000 + i;
                if (p.apply(pool_tasks::square, x % 40000) != (x % 40000) * (x % 40000))
                    ++wrong;
            }
        });
    for (auto& c : callers)
        c.join();
    BOOST_TEST(wrong == 0);
    BOOST_TEST(p.apply(pool_tasks::square, 12) == 144); // the pool's thread still serves
    auto late = p.apply_async(pool_tasks::sleep_ms, 50);
    late.wait();
    BOOST_TEST(late.successful());
}

BOOST_AUTO_TEST_SUITE_END()
