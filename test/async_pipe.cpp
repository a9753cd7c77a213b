// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include <multiproc/async_pipe.hpp>

#include <multiproc/async_process.hpp>
#include <multiproc/process.hpp>

#include "async_test.hpp"

#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>

#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace {
// Echoes each string back with a prefix until it receives "stop", with blocking calls.
void prefix_echo(mp::connection conn)
{
    for (;;) {
        auto text = conn.recv<std::string>();
        if (text == "stop")
            return;
        conn.send("echo " + text);
    }
}
MULTIPROC_TASK(prefix_echo)

// A started child running prefix_echo on the far end of a new pipe, and this process's end.
struct echo_child
{
    mp::connection here;
    mp::process process;
};

echo_child start_echo_child()
{
    auto [here, there] = mp::pipe();
    mp::process child(prefix_echo, there);
    child.start();
    there.close(); // the child's end only: a read here sees the end once the child exits
    return {std::move(here), std::move(child)};
}
} // namespace

BOOST_AUTO_TEST_SUITE(async_pipe_tests)

BOOST_AUTO_TEST_CASE(callbacks_talk_to_a_child_on_one_thread)
{
    asio::io_context io;
    auto [here, child] = start_echo_child();
    std::vector<std::string> answers;
    int ticks = 0;
    asio::steady_timer tick(io);
    std::function<void()> arm = [&] {
        tick.expires_after(5ms);
        tick.async_wait([&](mp::error_code ec) {
            if (!ec && answers.size() < 3 && ticks < 4000) {
                ++ticks;
                arm();
            }
        });
    };
    arm();
    std::function<void(int)> round = [&](int i) {
        if (i == 3) {
            mp::async_send(here, io, std::string("stop"),
                           [](mp::error_code ec) { BOOST_TEST(!ec.failed(), ec.message()); });
            return;
        }
        mp::async_send(here, io, "n" + std::to_string(i), [&, i](mp::error_code ec) {
            BOOST_TEST_REQUIRE(!ec.failed(), ec.message());
            mp::async_recv<std::string>(here, io, [&, i](mp::error_code ec2, std::string text) {
                BOOST_TEST_REQUIRE(!ec2.failed(), ec2.message());
                answers.push_back(std::move(text));
                round(i + 1);
            });
        });
    };
    bool called_inline = true;
    round(0);
    called_inline = !answers.empty();
    BOOST_TEST(!called_inline); // never from within the initiating function
    io.run_for(20s);
    BOOST_TEST(answers == (std::vector<std::string>{"echo n0", "echo n1", "echo n2"}),
               boost::test_tools::per_element());
    BOOST_TEST(child.join_for(20s));
    BOOST_TEST((child.exit_code() == 0));
}

BOOST_AUTO_TEST_CASE(future_tokens_and_bytes)
{
    asio::io_context io;
    auto [a, b] = mp::pipe();
    std::future<std::string> got = mp::async_recv_bytes(b, io, asio::use_future);
    std::future<void> sent = mp::async_send_bytes(a, io, "raw bytes", asio::use_future);
    io.run_for(20s);
    BOOST_REQUIRE((got.wait_for(0s) == std::future_status::ready));
    sent.get();
    BOOST_TEST(got.get() == "raw bytes");
}

BOOST_AUTO_TEST_CASE(a_large_message_both_ways_on_one_thread)
{
    // Larger than the pipe's buffers: the send must wait for the receive on the same thread.
    asio::io_context io;
    auto [a, b] = mp::pipe();
    const std::vector<int> big(1 << 20, 42);
    std::vector<int> received;
    mp::error_code send_result = asio::error::would_block, recv_result = asio::error::would_block;
    mp::async_send(a, io, big, [&](mp::error_code ec) { send_result = ec; });
    mp::async_recv<std::vector<int>>(b, io, [&](mp::error_code ec, std::vector<int> v) {
        recv_result = ec;
        received = std::move(v);
    });
    io.run_for(20s);
    BOOST_TEST(!send_result.failed(), send_result.message());
    BOOST_TEST(!recv_result.failed(), recv_result.message());
    BOOST_TEST((received == big));
}

BOOST_AUTO_TEST_CASE(a_message_of_another_type_stays_to_be_received)
{
    asio::io_context io;
    auto [a, b] = mp::pipe();
    a.send(5);
    mp::error_code result;
    mp::async_recv<std::string>(b, io, [&](mp::error_code ec, std::string) { result = ec; });
    io.run_for(20s);
    BOOST_TEST((result == mp::error::signature_mismatch));
    int value = 0;
    mp::async_recv<int>(b, io, [&](mp::error_code ec, int v) {
        result = ec;
        value = v;
    });
    io.restart();
    io.run_for(20s);
    BOOST_TEST(!result.failed());
    BOOST_TEST(value == 5);
}

BOOST_AUTO_TEST_CASE(cancellation_aborts_and_loses_nothing)
{
    asio::io_context io;
    auto [a, b] = mp::pipe();
    asio::cancellation_signal signal;
    mp::error_code result;
    mp::async_recv<std::string>(
        b, io, asio::bind_cancellation_slot(signal.slot(), [&](mp::error_code ec, std::string) {
            result = ec;
        }));
    // While it waits the receiving direction is the operation's: a blocking recv is refused.
    mp::error_code busy;
    b.recv_bytes(busy);
    BOOST_TEST((busy == boost::system::errc::operation_in_progress));
    asio::steady_timer later(io, 50ms);
    later.async_wait([&](mp::error_code) { signal.emit(asio::cancellation_type::total); });
    BOOST_TEST(io.run_for(20s) > 0u);
    BOOST_TEST((result == asio::error::operation_aborted));
    a.send(std::string("after the cancel"));
    BOOST_TEST(b.recv<std::string>() == "after the cancel");
}

BOOST_AUTO_TEST_CASE(the_peer_closing_completes_with_peer_closed)
{
    asio::io_context io;
    auto [a, b] = mp::pipe();
    mp::error_code result;
    mp::async_recv<int>(b, io, [&](mp::error_code ec, int) { result = ec; });
    asio::steady_timer later(io, 50ms);
    later.async_wait([&](mp::error_code) { a.close(); });
    io.run_for(20s);
    BOOST_TEST((result == mp::error::peer_closed));
    mp::async_send(b, io, 1, [&](mp::error_code ec) { result = ec; });
    io.restart();
    io.run_for(20s);
    BOOST_TEST((result == mp::error::peer_closed));
}

BOOST_AUTO_TEST_CASE(a_one_way_pipe_refuses_the_wrong_direction)
{
    asio::io_context io;
    auto [reader, writer] = mp::pipe(false);
    mp::error_code result;
    mp::async_send(reader, io, 1, [&](mp::error_code ec) { result = ec; });
    io.run_for(20s);
    BOOST_TEST((result == mp::error::connection_read_only));
    io.restart();
    mp::async_recv<int>(writer, io, [&](mp::error_code ec, int) { result = ec; });
    io.run_for(20s);
    BOOST_TEST((result == mp::error::connection_write_only));
}

#if defined(__cpp_impl_coroutine)
BOOST_AUTO_TEST_CASE(a_coroutine_talks_to_a_child_and_joins_it)
{
    asio::io_context io;
    auto [here, child] = start_echo_child();
    std::string answer;
    int exit_code = -100;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            auto ex = co_await asio::this_coro::executor;
            co_await mp::async_send(here, ex, std::string("co"), asio::use_awaitable);
            answer = co_await mp::async_recv<std::string>(here, ex, asio::use_awaitable);
            co_await mp::async_send(here, ex, std::string("stop"), asio::use_awaitable);
            exit_code = co_await mp::async_join(child, ex, asio::use_awaitable);
        },
        asio::detached);
    io.run_for(20s);
    BOOST_TEST(answer == "echo co");
    BOOST_TEST(exit_code == 0);
}
#endif

BOOST_AUTO_TEST_SUITE_END()
