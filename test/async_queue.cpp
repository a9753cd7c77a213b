// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include <multiproc/async_queue.hpp>

#include <multiproc/process.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <thread>

namespace mp = multiproc;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {
void put_later(mp::queue<std::string> q, std::string value)
{
    std::this_thread::sleep_for(100ms);
    q.put(value);
}
MULTIPROC_TASK(put_later)
} // namespace

BOOST_AUTO_TEST_SUITE(async_queue_tests)

BOOST_AUTO_TEST_CASE(callback_runs_on_the_io_context)
{
    asio::io_context io;
    mp::queue<std::string> q;
    mp::process producer(put_later, q, std::string("from a child"));
    producer.start();
    std::string got;
    mp::error_code result = asio::error::would_block;
    std::thread::id ran_on;
    mp::async_get(q, asio::bind_executor(io, [&](mp::error_code ec, std::string value) {
                      result = ec;
                      got = std::move(value);
                      ran_on = std::this_thread::get_id();
                  }));
    BOOST_TEST((result == asio::error::would_block)); // never from within async_get
    BOOST_TEST(io.run_for(20s) > 0u);
    BOOST_TEST(!result.failed());
    BOOST_TEST(got == "from a child");
    BOOST_TEST((ran_on == std::this_thread::get_id()));
    producer.join();
}

BOOST_AUTO_TEST_CASE(future_and_deferred_tokens)
{
    mp::queue<int> q;
    q.put(1);
    q.put(2);
    std::future<int> f = mp::async_get(q, asio::use_future);
    BOOST_TEST(f.get() == 1);
    asio::io_context io;
    auto op = mp::async_get(q, asio::deferred);
    int second = 0;
    std::move(op)(asio::bind_executor(io, [&](mp::error_code, int v) { second = v; }));
    io.run_for(20s);
    BOOST_TEST(second == 2);
}

BOOST_AUTO_TEST_CASE(cancellation_aborts_and_takes_nothing)
{
    asio::io_context io;
    mp::queue<int> q;
    asio::cancellation_signal signal;
    mp::error_code result;
    mp::async_get(q, asio::bind_cancellation_slot(
                         signal.slot(),
                         asio::bind_executor(io, [&](mp::error_code ec, int) { result = ec; })));
    signal.emit(asio::cancellation_type::terminal);
    BOOST_TEST(io.run_for(20s) > 0u);
    BOOST_TEST((result == asio::error::operation_aborted));
    q.put(3);
    BOOST_TEST(q.get() == 3);
}

BOOST_AUTO_TEST_SUITE_END()
