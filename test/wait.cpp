// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include <multiproc/wait.hpp>

#include <multiproc/pipe.hpp>
#include <multiproc/process.hpp>
#include <multiproc/queue.hpp>

#include "test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <thread>
#include <vector>

namespace mp = multiproc;
using namespace std::chrono_literals;

namespace {

void wait_put_later(mp::queue<int> q, int ms)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    q.put(7);
}
MULTIPROC_TASK(wait_put_later)

void wait_exit_later(int ms)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}
MULTIPROC_TASK(wait_exit_later)

using indices = std::vector<std::size_t>;

} // namespace

BOOST_AUTO_TEST_SUITE(wait_tests)

BOOST_AUTO_TEST_CASE(a_queue_is_ready_once_another_process_puts)
{
    mp::queue<int> q;
    mp::queue<int> idle;
    auto [a, b] = mp::pipe();
    mp::process p(wait_put_later, q, 200);
    p.start();
    const auto start = std::chrono::steady_clock::now();
    const auto ready = mp::wait_for({a, idle, q}, 30s);
    const auto waited = std::chrono::steady_clock::now() - start;
    BOOST_TEST(ready == indices{2}, boost::test_tools::per_element());
    BOOST_TEST((waited >= 150ms));
    BOOST_TEST((waited < 20s));
    BOOST_TEST(q.get() == 7);
    p.join();
}

BOOST_AUTO_TEST_CASE(a_closed_queue_is_ready)
{
    mp::queue<int> q;
    q.close();
    BOOST_TEST(mp::wait_for({q}, 0s) == indices{0}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_connection_whose_peer_closed_is_ready)
{
    auto [a, b] = mp::pipe();
    BOOST_TEST(mp::wait_for({a}, 0s).empty());
    b.close();
    BOOST_TEST(mp::wait_for({a}, 10s) == indices{0}, boost::test_tools::per_element());
    mp::error_code ec;
    a.recv<int>(ec);
    BOOST_TEST((ec == mp::error::peer_closed));
}

BOOST_AUTO_TEST_CASE(processes_are_ready_as_they_exit)
{
    for (auto method : test_util::all_methods()) {
        mp::process fast(test_util::with_method(method), wait_exit_later, 0);
        mp::process slow(test_util::with_method(method), wait_exit_later, 30000);
        fast.start();
        slow.start();
        BOOST_TEST(mp::wait({slow, fast}) == indices{1}, boost::test_tools::per_element());
        BOOST_TEST(!fast.is_alive());
        slow.kill();
        BOOST_TEST(mp::wait_for({slow}, 30s) == indices{0}, boost::test_tools::per_element());
        BOOST_TEST(mp::wait_for({slow, fast}, 0s) == (indices{0, 1}),
                   boost::test_tools::per_element());
        slow.join();
    }
}

BOOST_AUTO_TEST_CASE(misuse_is_an_error_not_a_hang)
{
    mp::process not_started(wait_exit_later, 0);
    mp::error_code ec;
    BOOST_TEST(mp::wait({not_started}, ec).empty());
    BOOST_TEST((ec == mp::error::not_started));
    BOOST_CHECK_THROW(mp::wait_for({not_started}, 1s), mp::system_error);
    BOOST_TEST(mp::wait_for({}, 10ms).empty()); // nothing to wait for: the timeout
}

BOOST_AUTO_TEST_SUITE_END()
