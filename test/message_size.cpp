// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// One message-size limit on every path: a queue's value, a connection's message, a task's
// arguments and its results, each at the limit - 1, at the limit and at the limit + 1 bytes of
// encoded value. The limit is lowered (for this process and, through the environment, for the
// children it starts) so that the edges cost little memory; one case runs at the real limit.

#include <multiproc/task.hpp>

#include <multiproc/pipe.hpp>
#include <multiproc/pool.hpp>
#include <multiproc/process.hpp>
#include <multiproc/queue.hpp>
#include <multiproc/this_process.hpp>

#include "test_util.hpp"

#include <boost/asio/use_future.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstddef>
#include <future>
#include <string>
#include <thread>

namespace mp = multiproc;
using namespace std::chrono_literals;

namespace {

// A std::string encodes as an 8-byte length and its bytes.
constexpr std::size_t length_bytes = 8;

// Lowers the limit for the scope (a ring frame is 256 KiB: this one goes on the channel).
struct lowered_limit
{
    static constexpr std::size_t bytes = 300 * 1000;
    lowered_limit() { mp::detail::set_message_limit(bytes); }
    ~lowered_limit() { mp::detail::set_message_limit(0); }
};

// A string whose encoding is `encoded` bytes.
std::string encoding_to(std::size_t encoded)
{
    return std::string(encoded - length_bytes, 'm');
}

bool is_too_large(const mp::system_error& e)
{
    return e.code() == mp::error::message_too_large;
}

std::size_t size_length_of(std::string s)
{
    return s.size();
}
MULTIPROC_TASK(size_length_of)

std::string size_make_string(std::size_t encoded)
{
    return encoding_to(encoded);
}
MULTIPROC_TASK(size_make_string)

int size_worker_pid()
{
    return static_cast<int>(mp::this_process::id());
}
MULTIPROC_TASK(size_worker_pid)

// Exits 0 if the argument has the size the parent says.
void size_check_length(std::string s, std::size_t expected)
{
    if (s.size() != expected)
        std::exit(3);
}
MULTIPROC_TASK(size_check_length)

// The worker's peak resident size in kB once it holds its argument, or -1 if the argument
// does not have the size the parent says.
long long size_peak_holding(std::string s, std::size_t expected)
{
    return s.size() == expected ? test_util::peak_rss_kb() : -1;
}
MULTIPROC_TASK(size_peak_holding)

// Takes one value and sends its size back.
void size_take_from_queue(mp::queue<std::string> in, mp::queue<std::size_t> out)
{
    out.put(in.get().size());
}
MULTIPROC_TASK(size_take_from_queue)

} // namespace

BOOST_AUTO_TEST_SUITE(message_size_tests)

BOOST_AUTO_TEST_CASE(the_limit_is_lowered_for_the_children_too)
{
    BOOST_TEST(mp::detail::message_limit() == mp::max_message_size);
    {
        lowered_limit lowered;
        BOOST_TEST(mp::detail::message_limit() == lowered_limit::bytes);
    }
    BOOST_TEST(mp::detail::message_limit() == mp::max_message_size);
}

BOOST_AUTO_TEST_CASE(a_queue_value_at_the_edge)
{
    lowered_limit lowered;
    const std::size_t limit = lowered_limit::bytes;
    mp::queue<std::string> q;
    mp::queue<std::size_t> sizes;
    for (const std::size_t encoded : {limit - 1, limit}) {
        q.put(encoding_to(encoded));
        BOOST_TEST(q.get_for(20s).value().size() == encoded - length_bytes);
    }
    mp::error_code ec;
    q.put(encoding_to(limit + 1), ec);
    BOOST_TEST((ec == mp::error::message_too_large), ec.message());
    BOOST_TEST(q.empty()); // nothing of it got in
    // A child takes the largest there is.
    q.put(encoding_to(limit));
    mp::process child(size_take_from_queue, q, sizes);
    child.start();
    BOOST_TEST(sizes.get_for(20s).value() == limit - length_bytes);
    BOOST_TEST(child.join_for(20s));
    BOOST_TEST(child.exit_code().value_or(-1) == 0);
}

BOOST_AUTO_TEST_CASE(a_connection_message_at_the_edge)
{
    lowered_limit lowered;
    const std::size_t limit = lowered_limit::bytes;
    auto [a, b] = mp::pipe();
    for (const std::size_t bytes : {limit - 1, limit}) {
        std::thread sender([&, bytes] { a.send_bytes(std::string(bytes, 'b')); });
        BOOST_TEST(b.recv_bytes().size() == bytes);
        sender.join();
        std::thread typed([&, bytes] { a.send(encoding_to(bytes)); });
        BOOST_TEST(b.recv<std::string>().size() == bytes - length_bytes);
        typed.join();
    }
    mp::error_code ec;
    a.send_bytes(std::string(limit + 1, 'b'), ec);
    BOOST_TEST((ec == mp::error::message_too_large), ec.message());
    BOOST_CHECK_EXCEPTION(a.send(encoding_to(limit + 1)), mp::system_error, is_too_large);
    a.send(7); // nothing of them went: the connection goes on
    BOOST_TEST(b.recv<int>() == 7);
}

BOOST_AUTO_TEST_CASE(task_arguments_at_the_edge)
{
    lowered_limit lowered;
    const std::size_t limit = lowered_limit::bytes;
    mp::pool pool(1);
    for (const std::size_t encoded : {limit - 1, limit})
        BOOST_TEST(pool.apply(size_length_of, encoding_to(encoded)) == encoded - length_bytes);
    BOOST_CHECK_EXCEPTION(pool.apply(size_length_of, encoding_to(limit + 1)), mp::system_error,
                          is_too_large);
    BOOST_TEST(pool.stats().worker_restarts == 0u);
    // A spawned process's arguments: the same limit.
    mp::process at_limit(size_check_length, encoding_to(limit - length_bytes),
                         limit - 2 * length_bytes);
    at_limit.start();
    BOOST_TEST(at_limit.join_for(30s));
    BOOST_TEST(at_limit.exit_code().value_or(-1) == 0);
    BOOST_CHECK_EXCEPTION(
        mp::process(size_check_length, encoding_to(limit + 1 - length_bytes), std::size_t(0)),
        mp::system_error, is_too_large);
}

BOOST_AUTO_TEST_CASE(task_results_at_the_edge_fail_the_task_not_the_worker)
{
    lowered_limit lowered;
    const std::size_t limit = lowered_limit::bytes;
    mp::pool pool(1);
    const int worker = pool.apply(size_worker_pid);
    for (const std::size_t encoded : {limit - 1, limit})
        BOOST_TEST(pool.apply(size_make_string, encoded).size() == encoded - length_bytes);
    // The code itself, not a remote_error wrapping it, from get() and to a completion token.
    auto too_large = pool.apply_async(size_make_string, limit + 1);
    BOOST_CHECK_EXCEPTION(too_large.get(), mp::system_error, is_too_large);
    std::future<std::string> handed =
        pool.apply_async(size_make_string, limit + 1, boost::asio::use_future);
    BOOST_CHECK_EXCEPTION(handed.get(), mp::system_error, is_too_large);
    // A task's failure, not a crash: the same worker goes on.
    BOOST_TEST(pool.apply(size_make_string, limit).size() == limit - length_bytes);
    BOOST_TEST(pool.apply(size_worker_pid) == worker);
    BOOST_TEST(pool.stats().worker_restarts == 0u);
    BOOST_TEST(pool.stats().failed == 2u);
}

BOOST_AUTO_TEST_CASE(a_chunk_of_map_results_past_the_limit_fails_with_the_code)
{
    lowered_limit lowered;
    const std::size_t limit = lowered_limit::bytes;
    mp::pool pool(1);
    // Two results of half the limit in one chunk: more than one message carries.
    const std::vector<std::size_t> halves(2, limit / 2 + 1);
    BOOST_CHECK_EXCEPTION(pool.map(size_make_string, halves, 2), mp::system_error, is_too_large);
    BOOST_TEST(pool.map(size_make_string, halves, 1).size() == 2u);
    BOOST_TEST(pool.stats().worker_restarts == 0u);
}

// At the real limit: 1 GiB of arguments reaches the worker, 1 GiB of results comes back, and 1 GiB
// and 1 MiB of results fails with the code. Several GiB of memory for a few seconds, so not under
// the sanitizers.
BOOST_AUTO_TEST_CASE(a_task_at_the_real_limit)
{
    if (test_util::sanitized) {
        BOOST_TEST_MESSAGE("skipped under a sanitizer: several GiB at once");
        return;
    }
    if (test_util::slow_pipes) {
        // Under Wine, 1 GiB through its named pipes did not finish within ctest's 180 s.
        BOOST_TEST_MESSAGE("skipped on Windows: the lowered-limit cases test the same edges");
        return;
    }
    BOOST_TEST_REQUIRE(mp::detail::message_limit() == mp::max_message_size);
    const std::size_t limit = mp::max_message_size;
    mp::pool pool(1);
    const int worker = pool.apply(size_worker_pid);
    {
        std::string argument = encoding_to(limit);
        BOOST_TEST(pool.apply(size_length_of, std::move(argument)) == limit - length_bytes);
    }
    BOOST_CHECK_EXCEPTION(pool.apply(size_length_of, encoding_to(limit + 1)), mp::system_error,
                          is_too_large);
    // Received without a second full copy: the bytes read are decoded where they lie, and the
    // decoded value is moved into the task and out of the result. A fresh worker holding a
    // 1 GiB argument peaks at the bytes read and the value (2 GiB), the parent taking a 1 GiB
    // result likewise; a copy on the way would be a third GiB.
    constexpr long long gib_kb = 1024 * 1024;
    if (test_util::peak_rss_kb() > 0) {
        mp::pool fresh(1);
        const long long worker_peak =
            fresh.apply(size_peak_holding, encoding_to(limit - 8), limit - 8 - length_bytes);
        BOOST_TEST(worker_peak > 2 * gib_kb - gib_kb / 8);
        BOOST_TEST(worker_peak < 2 * gib_kb + gib_kb / 4);
        test_util::reset_peak_rss();
        const long long before = test_util::peak_rss_kb();
        const std::string result = pool.apply(size_make_string, limit);
        const long long taken = test_util::peak_rss_kb() - before;
        BOOST_TEST_MESSAGE("peak of a worker holding a 1 GiB argument: "
                           << worker_peak << " kB; the parent's for a 1 GiB result: " << taken
                           << " kB");
        BOOST_TEST(result.size() == limit - length_bytes);
        BOOST_TEST(taken > 2 * gib_kb - gib_kb / 8);
        BOOST_TEST(taken < 2 * gib_kb + gib_kb / 4);
    }
    BOOST_CHECK_EXCEPTION(pool.apply(size_make_string, limit + (std::size_t(1) << 20)),
                          mp::system_error, is_too_large);
    BOOST_TEST(pool.apply(size_worker_pid) == worker);
}

BOOST_AUTO_TEST_SUITE_END()
