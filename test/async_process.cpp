// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include <multiproc/async_process.hpp>

#include "test_util.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace mp = multiproc;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {
void exit_after(int ms, int code)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    std::exit(code);
}
MULTIPROC_TASK(exit_after)

// Ticks on `io` every 10 ms until stopped: the thread running `io` was never blocked if it ticks.
struct ticker
{
    asio::steady_timer timer;
    int ticks = 0;
    bool stop = false;
    explicit ticker(asio::io_context& io) : timer(io) { arm(); }
    void arm()
    {
        timer.expires_after(10ms);
        timer.async_wait([this](mp::error_code ec) {
            if (ec || stop)
                return;
            ++ticks;
            arm();
        });
    }
};
} // namespace

BOOST_AUTO_TEST_SUITE(async_process_tests)

BOOST_AUTO_TEST_CASE(callback_on_the_io_context_gives_the_exit_code)
{
    asio::io_context io;
    mp::process p(exit_after, 300, 7);
    p.start();
    const long threads_before = test_util::thread_count();
    long threads_during = -2;
    ticker tick(io);
    mp::error_code result = asio::error::would_block;
    int code = -100;
    std::thread::id ran_on;
    mp::async_join(p, io, [&](mp::error_code ec, int exit_code) {
        result = ec;
        code = exit_code;
        ran_on = std::this_thread::get_id();
        threads_during = test_util::thread_count();
        tick.stop = true;
    });
    BOOST_TEST((result == asio::error::would_block)); // never from within async_join
    io.run_for(20s);
    BOOST_TEST(!result.failed(), result.message());
    BOOST_TEST(code == 7);
    BOOST_TEST((ran_on == std::this_thread::get_id()));
    BOOST_TEST(tick.ticks > 5); // the thread kept serving the context while the child ran
    BOOST_TEST(threads_during == threads_before); // no thread was started for the wait
    BOOST_TEST(!p.is_alive());
    BOOST_TEST((p.exit_code() == 7));
}

BOOST_AUTO_TEST_CASE(future_token_and_a_strand)
{
    asio::io_context io;
    mp::process p(exit_after, 50, 3);
    p.start();
    std::future<int> f = mp::async_join(p, asio::make_strand(io), asio::use_future);
    io.run_for(20s);
    BOOST_REQUIRE((f.wait_for(0s) == std::future_status::ready));
    BOOST_TEST(f.get() == 3);
}

BOOST_AUTO_TEST_CASE(a_killed_child_completes_with_its_exit_code)
{
    asio::io_context io;
    mp::process p(exit_after, 10000, 0);
    p.start();
    int code = 0;
    mp::error_code result = asio::error::would_block;
    mp::async_join(p, io, [&](mp::error_code ec, int c) {
        result = ec;
        code = c;
    });
    asio::steady_timer later(io, 100ms);
    later.async_wait([&](mp::error_code) { p.kill(); });
    io.run_for(20s);
    BOOST_TEST(!result.failed(), result.message());
    BOOST_TEST(code != 0);
    BOOST_TEST((p.exit_code() == code));
    if (test_util::kill_exit_code)
        BOOST_TEST(code == *test_util::kill_exit_code);
}

BOOST_AUTO_TEST_CASE(cancellation_aborts_and_leaves_the_child_running)
{
    asio::io_context io;
    mp::process p(exit_after, 10000, 0);
    p.start();
    asio::cancellation_signal signal;
    mp::error_code result;
    mp::async_join(p, io, asio::bind_cancellation_slot(signal.slot(), [&](mp::error_code ec, int) {
                       result = ec;
                   }));
    asio::steady_timer later(io, 50ms);
    later.async_wait([&](mp::error_code) { signal.emit(asio::cancellation_type::terminal); });
    BOOST_TEST(io.run_for(20s) > 0u);
    BOOST_TEST((result == asio::error::operation_aborted));
    BOOST_TEST(p.is_alive());
    p.terminate();
    p.join();
}

BOOST_AUTO_TEST_CASE(an_unstarted_process_is_an_error)
{
    asio::io_context io;
    mp::process p(exit_after, 0, 0);
    mp::process empty;
    mp::error_code first, second;
    mp::async_join(p, io, [&](mp::error_code ec, int) { first = ec; });
    mp::async_join(empty, io, [&](mp::error_code ec, int) { second = ec; });
    io.run_for(20s);
    BOOST_TEST((first == mp::error::not_started));
    BOOST_TEST((second == mp::error::not_started));
}

BOOST_AUTO_TEST_CASE(several_children_on_one_thread)
{
    asio::io_context io;
    std::vector<mp::process> children;
    std::vector<int> codes(4, -100);
    for (int i = 0; i < 4; ++i) {
        children.emplace_back(exit_after, 50 * (4 - i), i + 10);
        children.back().start();
        mp::async_join(children.back(), io,
                       [&codes, i](mp::error_code ec, int c) { codes[i] = ec ? -200 : c; });
    }
    io.run_for(20s);
    BOOST_TEST(codes == (std::vector<int>{10, 11, 12, 13}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
