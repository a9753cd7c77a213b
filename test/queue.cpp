// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include <multiproc/queue.hpp>

#include <multiproc/process.hpp>

#include "test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <numeric>
#include <thread>

namespace mp = multiproc;
using test_util::all_methods;
using test_util::with_method;
using namespace std::chrono_literals;

namespace {

struct record
{
    int id = 0;
    std::string name;
    template <class Archive>
    void serialize(Archive& ar, unsigned)
    {
        ar& id& name;
    }
};

// Names of ours where they can be listed: /dev/shm on Linux; on Windows the directory of
// Boost.Interprocess's file-backed objects (named mappings go with their last handle).
std::vector<std::string> our_shm_names()
{
    std::vector<std::string> names;
    const std::filesystem::path directory = test_util::shared_names_directory();
    const std::string prefix = "mp_" + std::to_string(mp::this_process::id()) + "_";
    std::error_code ec; // no such directory: nothing there
    for (std::filesystem::directory_iterator it(directory, ec), end; !ec && it != end;
         it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.rfind(prefix, 0) == 0 || name.rfind("sem." + prefix, 0) == 0)
            names.push_back(name);
    }
    return names;
}

void put_range(mp::queue<int> q, int first, int count)
{
    for (int i = 0; i < count; ++i)
        q.put(first + i);
}
MULTIPROC_TASK(put_range)

// Echoes strings from `in` to `out` until an empty one.
void relay_strings(mp::queue<std::string> in, mp::queue<std::string> out)
{
    for (std::string s; !(s = in.get()).empty();)
        out.put(s);
}
MULTIPROC_TASK(relay_strings)

// Takes ints until -1 and sends back everything it took, in one message.
void collect_until_sentinel(mp::queue<int> in, mp::queue<std::vector<int>> out)
{
    std::vector<int> taken;
    for (int v; (v = in.get()) != -1;)
        taken.push_back(v);
    out.put(taken);
}
MULTIPROC_TASK(collect_until_sentinel)

// Puts and gets on one queue for ever, until killed.
void churn(mp::queue<std::string> q)
{
    const std::string value(300, 'c');
    for (;;) {
        q.put(value);
        q.get();
    }
}
MULTIPROC_TASK(churn)

void take_and_report_done(mp::joinable_queue<int> q, int count)
{
    for (int i = 0; i < count; ++i) {
        q.get();
        q.task_done();
    }
}
MULTIPROC_TASK(take_and_report_done)

// Says it is about to wait (on `started`), then waits in get (or, with `put`, in a put on a
// full queue) until the queue is shut down: exits 0 if the wait failed with queue_shut_down.
void wait_for_shutdown(mp::queue<int> q, mp::queue<int> started, bool put)
{
    mp::error_code ec;
    started.put(1);
    if (put)
        q.put(2, ec);
    else
        q.get(ec);
    std::exit(ec == mp::error::queue_shut_down ? 0 : 3);
}
MULTIPROC_TASK(wait_for_shutdown)

void shut_down_after(mp::queue<int> q, int ms)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    q.shutdown();
}
MULTIPROC_TASK(shut_down_after)

bool is_shut_down_error(const mp::system_error& e)
{
    return e.code() == mp::error::queue_shut_down;
}

} // namespace

BOOST_AUTO_TEST_SUITE(queue_tests)

BOOST_AUTO_TEST_CASE(first_in_first_out_with_sizes)
{
    mp::queue<record> q(3);
    BOOST_TEST(q.empty());
    BOOST_TEST(q.maxsize() == 3u);
    q.put({1, "one"});
    q.put({2, "two"});
    BOOST_TEST(q.size() == 2u);
    BOOST_TEST(!q.full());
    q.put({3, "three"});
    BOOST_TEST(q.full());
    BOOST_TEST(q.get().name == "one");
    BOOST_TEST(q.get().id == 2);
    BOOST_TEST(q.try_get().value().name == "three");
    BOOST_TEST(q.empty());
    BOOST_TEST(mp::queue<int>().maxsize() == 4096u); // 0: the large default
}

BOOST_AUTO_TEST_CASE(timeouts_on_empty_and_full)
{
    mp::queue<int> q(1);
    BOOST_TEST(!q.try_get().has_value());
    auto before = std::chrono::steady_clock::now();
    BOOST_TEST(!q.get_for(150ms).has_value());
    auto waited = std::chrono::steady_clock::now() - before;
    BOOST_TEST((waited >= 140ms && waited < 5s));

    BOOST_TEST(q.try_put(1));
    BOOST_TEST(!q.try_put(2));
    before = std::chrono::steady_clock::now();
    BOOST_TEST(!q.put_for(3, 150ms));
    waited = std::chrono::steady_clock::now() - before;
    BOOST_TEST((waited >= 140ms && waited < 5s));
    BOOST_TEST(q.get() == 1); // nothing of the refused puts got in
    BOOST_TEST(q.empty());
}

BOOST_AUTO_TEST_CASE(closed_queue_refuses_here_only)
{
    mp::queue<int> q;
    mp::queue<int> other = q;
    q.put(1);
    q.close();
    mp::error_code ec;
    q.put(2, ec);
    BOOST_TEST((ec == mp::error::queue_closed));
    q.get(ec);
    BOOST_TEST((ec == mp::error::queue_closed));
    BOOST_CHECK_THROW(q.get(), mp::system_error);
    // Its size is not a number any more here: an error, not a silent 0.
    BOOST_CHECK_THROW(q.size(), mp::system_error);
    BOOST_CHECK_THROW(q.empty(), mp::system_error);
    BOOST_CHECK_THROW(q.full(), mp::system_error);
    BOOST_TEST(q.size(ec) == 0u);
    BOOST_TEST((ec == mp::error::queue_closed));
    ec.clear();
    BOOST_TEST(q.empty(ec));
    BOOST_TEST((ec == mp::error::queue_closed));
    q.shutdown(false, ec);
    BOOST_TEST((ec == mp::error::queue_closed));
}

BOOST_AUTO_TEST_CASE(shutdown_refuses_puts_and_gets_drain_what_is_left)
{
    mp::queue<std::string> q;
    mp::queue<std::string> other = q;
    q.put("one");
    q.put(std::string(100000, 'a')); // in the arena
    q.shutdown();
    mp::error_code ec;
    other.put("three", ec);
    BOOST_TEST((ec == mp::error::queue_shut_down), ec.message());
    BOOST_CHECK_EXCEPTION(q.try_put("three"), mp::system_error, is_shut_down_error);
    BOOST_TEST(q.size() == 2u);
    BOOST_TEST(other.get() == "one");
    BOOST_TEST(q.get_for(1s).value().size() == 100000u);
    // Empty and shut down: fails at once, however long it was given.
    const auto before = std::chrono::steady_clock::now();
    other.get(ec);
    BOOST_TEST((ec == mp::error::queue_shut_down), ec.message());
    BOOST_CHECK_EXCEPTION(q.get_for(20s), mp::system_error, is_shut_down_error);
    BOOST_CHECK_EXCEPTION(q.try_get(), mp::system_error, is_shut_down_error);
    BOOST_TEST((std::chrono::steady_clock::now() - before < 5s));
    BOOST_TEST(q.empty());
    q.shutdown(); // again: nothing changes
    BOOST_CHECK_EXCEPTION(q.get(), mp::system_error, is_shut_down_error);
}

BOOST_AUTO_TEST_CASE(immediate_shutdown_discards_values_and_releases_join)
{
    const auto names_before = our_shm_names().size();
    mp::joinable_queue<std::string> q;
    q.put("taken");
    q.put("small");
    q.put(std::string(100000, 'a'));   // in the arena
    q.put(std::string(16 << 20, 'b')); // in a segment of its own
    BOOST_TEST(q.get() == "taken");    // and not reported done yet
    std::thread joiner([&] { BOOST_TEST(q.join_for(20s)); });
    std::this_thread::sleep_for(100ms);
    q.shutdown(true);
    BOOST_TEST(q.size() == 0u);
    BOOST_CHECK_EXCEPTION(q.get(), mp::system_error, is_shut_down_error);
    BOOST_TEST(!q.join_for(0s)); // the value taken is still not done
    q.task_done();
    joiner.join();
    BOOST_TEST(q.join_for(0s));
    // The three discarded count as done: one more task_done is one too many (ValueError).
    BOOST_CHECK_THROW(q.task_done(), mp::system_error);
    // The discarded values let go of their blocks: only the queue's slots and arena are left.
    if (test_util::names_in_dev_shm)
        BOOST_TEST(our_shm_names().size() == names_before + 2);
}

BOOST_AUTO_TEST_CASE(a_shutdown_wakes_waiters_in_other_processes_and_threads)
{
    mp::queue<int> empty, full(1), started;
    full.put(1);
    mp::process getter(wait_for_shutdown, empty, started, false);
    mp::process putter(wait_for_shutdown, full, started, true);
    getter.start();
    putter.start();
    mp::error_code in_thread;
    std::thread waiting([&] { empty.get(in_thread); });
    BOOST_TEST(started.get_for(30s).has_value());
    BOOST_TEST(started.get_for(30s).has_value());
    std::this_thread::sleep_for(200ms); // into their waits
    empty.shutdown();
    full.shutdown();
    waiting.join();
    BOOST_TEST((in_thread == mp::error::queue_shut_down), in_thread.message());
    BOOST_TEST(getter.join_for(20s));
    BOOST_TEST(putter.join_for(20s));
    BOOST_TEST(getter.exit_code().value_or(-1) == 0);
    BOOST_TEST(putter.exit_code().value_or(-1) == 0);
    BOOST_TEST(full.get() == 1); // the value put before the shutdown is still there
}

BOOST_AUTO_TEST_CASE(a_childs_shutdown_is_seen_here)
{
    mp::queue<int> q;
    mp::process child(shut_down_after, q, 100);
    child.start();
    const auto before = std::chrono::steady_clock::now();
    BOOST_CHECK_EXCEPTION(q.get_for(30s), mp::system_error, is_shut_down_error);
    BOOST_TEST((std::chrono::steady_clock::now() - before < 20s));
    BOOST_TEST(child.join_for(20s));
    mp::error_code ec;
    q.put(1, ec);
    BOOST_TEST((ec == mp::error::queue_shut_down));
}

BOOST_AUTO_TEST_CASE(reader_of_another_type_is_refused)
{
    mp::queue<int> ints;
    const std::string handle = mp::detail::encode(ints);
    std::tuple<mp::queue<std::string>> strings(mp::queue<std::string>(mp::detail::empty_handle));
    try {
        mp::detail::decode_into(handle, strings);
        BOOST_FAIL("expected an error");
    } catch (const mp::system_error& e) {
        BOOST_TEST((e.code() == mp::error::signature_mismatch));
    }
    std::tuple<mp::queue<int>> same(mp::queue<int>(mp::detail::empty_handle));
    mp::detail::decode_into(handle, same);
    std::get<0>(same).put(5);
    BOOST_TEST(ints.get() == 5);
}

BOOST_AUTO_TEST_CASE(children_put_and_get)
{
    for (auto method : all_methods()) {
        mp::queue<int> q;
        mp::process producer(with_method(method), put_range, q, 100, 500);
        producer.start();
        for (int i = 0; i < 500; ++i)
            BOOST_TEST_REQUIRE(q.get_for(20s).value() == 100 + i);
        producer.join();
        BOOST_TEST(producer.exit_code().value() == 0);
    }
}

BOOST_AUTO_TEST_CASE(large_values_go_through_and_leave_nothing)
{
    mp::queue<std::string> to_child, from_child;
    mp::process echo(relay_strings, to_child, from_child);
    echo.start();
    for (std::size_t size : {std::size_t(1000), std::size_t(1) << 20, std::size_t(64) << 20}) {
        std::string value(size, '\0');
        for (std::size_t i = 0; i < size; i += 997)
            value[i] = static_cast<char>(i % 251);
        to_child.put(value);
        BOOST_TEST((from_child.get_for(60s).value() == value));
    }
    to_child.put({});
    echo.join();
    BOOST_TEST(echo.exit_code().value() == 0);
    // Only the two queues themselves (each its slots and an arena) remain; every
    // value's segment was removed by its reader.
    BOOST_TEST(our_shm_names().size() <= 4u);
}

BOOST_AUTO_TEST_CASE(a_full_arena_never_blocks_a_put_with_room_in_the_queue)
{
    // 40 MiB of large values put before any is taken: more than the arena holds. The rest go
    // to segments of their own after one short wait for room; all come back, in order.
    mp::queue<std::string> q;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 40; ++i)
        q.put(std::string(std::size_t(1) << 20, static_cast<char>('a' + i % 26)));
    BOOST_TEST((std::chrono::steady_clock::now() - t0 < 5s));
    for (int i = 0; i < 40; ++i) {
        const std::string value = q.get_for(20s).value();
        BOOST_TEST_REQUIRE(value.size() == std::size_t(1) << 20);
        BOOST_TEST(value.front() == static_cast<char>('a' + i % 26));
        BOOST_TEST(value.back() == static_cast<char>('a' + i % 26));
    }
}

BOOST_AUTO_TEST_CASE(oversized_value_fails_at_the_call_site)
{
    mp::queue<std::string> q;
    mp::error_code ec;
    q.put(std::string(mp::max_message_size - 7, 'x'), ec); // + its 8-byte length: 1 too many
    BOOST_TEST((ec == mp::error::message_too_large));
    q.put("still works");
    BOOST_TEST(q.get() == "still works");
}

BOOST_AUTO_TEST_CASE(four_producers_four_consumers_lose_and_duplicate_nothing)
{
    constexpr int producers = 4, consumers = 4, each = 25000;
    mp::queue<int> work(1000);
    mp::queue<std::vector<int>> results;
    std::vector<mp::process> children;
    for (int c = 0; c < consumers; ++c)
        children.emplace_back(collect_until_sentinel, work, results);
    for (int p = 0; p < producers; ++p)
        children.emplace_back(put_range, work, p * each, each);
    for (auto& child : children)
        child.start();
    for (int p = consumers; p < consumers + producers; ++p)
        children[p].join();
    for (int c = 0; c < consumers; ++c)
        work.put(-1);
    std::vector<int> all;
    for (int c = 0; c < consumers; ++c) {
        // A consumer that starts late may find the work gone (seen under Wine): no share is
        // promised, only that nothing is lost or taken twice.
        const std::vector<int> part = results.get_for(60s).value();
        all.insert(all.end(), part.begin(), part.end());
    }
    for (int c = 0; c < consumers; ++c)
        children[c].join();
    std::sort(all.begin(), all.end());
    std::vector<int> expected(producers * each);
    std::iota(expected.begin(), expected.end(), 0);
    BOOST_TEST((all == expected));
}

BOOST_AUTO_TEST_CASE(killed_peer_never_hangs_the_others)
{
    for (int round = 0; round < 20; ++round) {
        mp::queue<std::string> q(4);
        mp::process worker(churn, q);
        worker.start();
        std::this_thread::sleep_for(std::chrono::milliseconds(5 + round % 7));
        worker.kill();
        worker.join();
        // The queue works on, even if the worker died holding its lock, and at once.
        const auto before = std::chrono::steady_clock::now();
        while (q.try_get()) {
        }
        BOOST_TEST(q.put_for(std::string("after"), 2s));
        BOOST_TEST(q.get_for(2s).value() == "after");
        BOOST_TEST((std::chrono::steady_clock::now() - before < 5s));
    }
}

BOOST_AUTO_TEST_CASE(joinable_queue_waits_for_task_done)
{
    mp::joinable_queue<int> q;
    for (int i = 0; i < 3; ++i)
        q.put(i);
    BOOST_TEST(!q.join_for(50ms));
    mp::process consumer(take_and_report_done, q, 3);
    consumer.start();
    BOOST_TEST(q.join_for(20s));
    consumer.join();
    try {
        q.task_done();
        BOOST_FAIL("expected an error");
    } catch (const mp::system_error& e) {
        BOOST_TEST((e.code() == boost::system::errc::invalid_argument));
    }
}

BOOST_AUTO_TEST_CASE(names_are_removed_with_the_last_handle)
{
    const auto before = our_shm_names().size();
    {
        mp::joinable_queue<int> q;
        mp::queue<std::string> big;
        big.put(std::string(100000, 'b'));   // a value in the queue's arena
        big.put(std::string(16 << 20, 'c')); // a value in a segment of its own
        // Each queue: its slots + its arena (a joinable one keeps its counters with its slots);
        // the value's segment.
        if (test_util::names_in_dev_shm)
            BOOST_TEST(our_shm_names().size() == before + 5);
        BOOST_TEST(big.get().size() == 100000u);
        BOOST_TEST(big.get().size() == std::size_t(16) << 20); // its reader removes its segment
    }
    BOOST_TEST(our_shm_names().size() == before);
}

BOOST_AUTO_TEST_SUITE_END()
