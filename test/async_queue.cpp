// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include <multiproc/async_queue.hpp>

#include "test_util.hpp"

#include <multiproc/process.hpp>

#include "async_test.hpp"

#include <boost/asio/deferred.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {
// Puts "value 0" .. "value count-1", pausing now and then so that the getter waits empty too.
void put_values(mp::queue<std::string> q, int count)
{
    for (int i = 0; i < count; ++i) {
        if (i % 10 == 0)
            std::this_thread::sleep_for(20ms);
        q.put("value " + std::to_string(i));
    }
}
MULTIPROC_TASK(put_values)

// A started child putting `count` values on `q`.
mp::process start_putting_values(const mp::queue<std::string>& q, int count)
{
    mp::process producer(put_values, q, count);
    producer.start();
    return producer;
}

void put_after(mp::queue<int> q, int ms, int value)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    q.put(value);
}
MULTIPROC_TASK(put_after)

std::vector<std::string> expected_values(int count)
{
    std::vector<std::string> values;
    for (int i = 0; i < count; ++i)
        values.push_back("value " + std::to_string(i));
    return values;
}
} // namespace

BOOST_AUTO_TEST_SUITE(async_queue_tests)

BOOST_AUTO_TEST_CASE(values_from_a_child_arrive_in_order_on_the_running_thread)
{
    constexpr int count = 50;
    asio::io_context io;
    mp::queue<std::string> q;
    mp::process producer = start_putting_values(q, count);
    const long threads_before = test_util::thread_count();
    long most_threads = threads_before;
    std::vector<std::string> got;
    mp::error_code failure;
    const std::thread::id test_thread = std::this_thread::get_id();
    bool all_on_this_thread = true;
    // Counts this process's threads every 2 ms while the gets wait: none may be started.
    asio::steady_timer sample(io);
    std::function<void()> arm_sample = [&] {
        sample.expires_after(2ms);
        sample.async_wait([&](mp::error_code ec) {
            most_threads = std::max(most_threads, test_util::thread_count());
            if (!ec && got.size() < count && !failure)
                arm_sample();
        });
    };
    arm_sample();
    std::function<void()> get_next = [&] {
        mp::async_get(q, io, [&](mp::error_code ec, std::string value) {
            all_on_this_thread = all_on_this_thread && std::this_thread::get_id() == test_thread;
            if (ec) {
                failure = ec;
                return;
            }
            got.push_back(std::move(value));
            if (got.size() < count)
                get_next();
        });
    };
    get_next();
    BOOST_TEST(got.empty()); // never from within async_get
    io.run_for(20s);
    BOOST_TEST(!failure.failed(), failure.message());
    BOOST_TEST(got == expected_values(count), boost::test_tools::per_element());
    BOOST_TEST(all_on_this_thread);
    BOOST_TEST(most_threads == threads_before); // no thread was started for the waits
    BOOST_TEST(producer.join_for(20s));
    BOOST_TEST((producer.exit_code() == 0));
}

BOOST_AUTO_TEST_CASE(cancellation_of_any_type_aborts_and_takes_nothing)
{
    for (const auto type : {asio::cancellation_type::terminal, asio::cancellation_type::partial,
                            asio::cancellation_type::total}) {
        asio::io_context io;
        mp::queue<int> q;
        asio::cancellation_signal signal;
        mp::error_code result = asio::error::would_block;
        mp::async_get(q, io,
                      asio::bind_cancellation_slot(signal.slot(),
                                                   [&](mp::error_code ec, int) { result = ec; }));
        // A value arrives with the cancellation: the operation must not take it.
        asio::steady_timer later(io, 20ms);
        later.async_wait([&](mp::error_code) {
            q.put(7);
            signal.emit(type);
        });
        io.run_for(20s);
        BOOST_TEST((result == asio::error::operation_aborted), static_cast<int>(type));
        BOOST_TEST(q.size() == 1u);
        // A wait on an empty queue is cancelled too, and a value put by a child afterwards is
        // got by the next operation.
        BOOST_TEST((q.try_get() == std::optional<int>(7)));
        result = asio::error::would_block;
        mp::async_get(q, io,
                      asio::bind_cancellation_slot(signal.slot(),
                                                   [&](mp::error_code ec, int) { result = ec; }));
        asio::steady_timer soon(io, 20ms);
        soon.async_wait([&](mp::error_code) { signal.emit(type); });
        io.restart();
        io.run_for(20s);
        BOOST_TEST((result == asio::error::operation_aborted), static_cast<int>(type));
        mp::process producer(put_after, q, 10, 8);
        producer.start();
        int value = 0;
        mp::async_get(q, io, [&](mp::error_code ec, int v) {
            result = ec;
            value = v;
        });
        io.restart();
        io.run_for(20s);
        BOOST_TEST(!result.failed(), result.message());
        BOOST_TEST(value == 8);
        BOOST_TEST(producer.join_for(20s));
    }
}

BOOST_AUTO_TEST_CASE(a_closed_queue_completes_with_queue_closed)
{
    asio::io_context io;
    mp::queue<int> q;
    mp::error_code waiting = asio::error::would_block, later = asio::error::would_block;
    mp::async_get(q, io, [&](mp::error_code ec, int) { waiting = ec; });
    asio::steady_timer close_soon(io, 20ms);
    close_soon.async_wait([&](mp::error_code) {
        q.close();
        mp::async_get(q, io, [&](mp::error_code ec, int) { later = ec; });
        BOOST_TEST((later == asio::error::would_block)); // never from within async_get
    });
    io.run_for(20s);
    BOOST_TEST((waiting == mp::error::queue_closed), waiting.message());
    BOOST_TEST((later == mp::error::queue_closed), later.message());
}

BOOST_AUTO_TEST_CASE(a_shut_down_queue_completes_with_queue_shut_down)
{
    asio::io_context io;
    mp::queue<int> q;
    q.put(1);
    mp::error_code first = asio::error::would_block, waiting = asio::error::would_block;
    int value = 0;
    mp::async_get(q, io, [&](mp::error_code ec, int v) {
        first = ec;
        value = v;
        // The queue is empty now: this one waits until the shutdown.
        mp::async_get(q, io, [&](mp::error_code ec, int) { waiting = ec; });
    });
    asio::steady_timer shut_soon(io, 50ms);
    shut_soon.async_wait([&](mp::error_code) { q.shutdown(); });
    io.run_for(20s);
    BOOST_TEST(!first);
    BOOST_TEST(value == 1);
    BOOST_TEST((waiting == mp::error::queue_shut_down), waiting.message());
}

BOOST_AUTO_TEST_CASE(future_and_deferred_tokens_a_strand_and_a_joinable_queue)
{
    asio::io_context io;
    mp::joinable_queue<int> q;
    q.put(1);
    q.put(2);
    std::future<int> first = mp::async_get(q, asio::make_strand(io), asio::use_future);
    auto deferred = mp::async_get(q, io, asio::deferred);
    int second = 0;
    std::move(deferred)([&](mp::error_code ec, int v) { second = ec ? -1 : v; });
    io.run_for(20s);
    BOOST_REQUIRE((first.wait_for(0s) == std::future_status::ready));
    BOOST_TEST(first.get() == 1);
    BOOST_TEST(second == 2);
    q.task_done();
    q.task_done();
    BOOST_TEST(q.join_for(0s));
}

#if defined(__cpp_impl_coroutine)
BOOST_AUTO_TEST_CASE(a_coroutine_gets_a_childs_values)
{
    constexpr int count = 15;
    asio::io_context io;
    mp::queue<std::string> q;
    mp::process producer = start_putting_values(q, count);
    std::vector<std::string> got;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            auto ex = co_await asio::this_coro::executor;
            for (int i = 0; i < count; ++i)
                got.push_back(co_await mp::async_get(q, ex, asio::use_awaitable));
        },
        asio::detached);
    io.run_for(20s);
    BOOST_TEST(got == expected_values(count), boost::test_tools::per_element());
    BOOST_TEST(producer.join_for(20s));
}
#endif

BOOST_AUTO_TEST_SUITE_END()
