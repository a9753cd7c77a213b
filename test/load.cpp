// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// Load: a million tasks through a pool of 2, and a million messages through one queue between
// 8 producer and 8 consumer processes, every one counted and checksummed; the peak resident
// memory is printed and bounded. ctest label `load`.

#include <multiproc/pool.hpp>
#include <multiproc/process.hpp>
#include <multiproc/queue.hpp>

#include "test_util.hpp"

#include <boost/range/irange.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace mp = multiproc;
using namespace std::chrono_literals;

namespace {

long long load_square(int x)
{
    return static_cast<long long>(x) * x;
}
MULTIPROC_TASK(load_square)

// A value's contribution to the checksum: a mix of its bits, so that a lost value and a
// duplicated one do not cancel out as they could in a plain sum.
std::uint64_t mix(std::uint64_t v)
{
    v ^= v >> 33;
    v *= 0xff51afd7ed558ccdull;
    v ^= v >> 33;
    return v;
}

constexpr long long producer_shift = 1ll << 32;

void load_producer(mp::queue<long long> q, int id, int count)
{
    for (int i = 0; i < count; ++i)
        q.put(id * producer_shift + i);
}
MULTIPROC_TASK(load_producer)

// Takes values until a -1; reports {count, sum, checksum, out of order, peak RSS kB}.
void load_consumer(mp::queue<long long> q, mp::queue<std::vector<long long>> reports)
{
    long long count = 0, sum = 0, disorder = 0;
    std::uint64_t checksum = 0;
    std::vector<long long> last(64, -1); // per producer: values of one producer stay in order
    for (;;) {
        const long long v = q.get();
        if (v < 0)
            break;
        const auto producer = static_cast<std::size_t>(v / producer_shift);
        const long long seq = v % producer_shift;
        if (producer < last.size()) {
            disorder += seq <= last[producer];
            last[producer] = seq;
        }
        ++count;
        sum += v;
        checksum += mix(static_cast<std::uint64_t>(v));
    }
    reports.put({count, sum, static_cast<long long>(checksum), disorder, test_util::peak_rss_kb()});
}
MULTIPROC_TASK(load_consumer)

} // namespace

BOOST_AUTO_TEST_SUITE(load_tests)

BOOST_AUTO_TEST_CASE(a_million_tasks_through_two_workers)
{
    constexpr int tasks = 1000000;
    mp::pool p(2);
    test_util::reset_peak_rss();
    const long long before_kb = test_util::peak_rss_kb();
    const auto start = std::chrono::steady_clock::now();
    auto results = p.imap_unordered(load_square, boost::irange(0, tasks), 1); // one task each
    long long count = 0, sum = 0;
    while (std::optional<long long> v = results.next()) {
        ++count;
        sum += *v;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const long long peak_kb = test_util::peak_rss_kb();
    const long long n = tasks;
    BOOST_TEST(count == n);
    BOOST_TEST(sum == (n - 1) * n * (2 * n - 1) / 6);
    std::printf("load_tests: %d tasks in %.2f s (%.0f tasks/s); parent peak RSS %lld kB (%lld kB "
                "before)\n",
                tasks, seconds, tasks / seconds, peak_kb, before_kb);
    if (!test_util::sanitized)
        BOOST_TEST(peak_kb - before_kb < 64 * 1024,
                   "the parent grew by " << peak_kb - before_kb << " kB");
    p.close();
    p.join();
}

BOOST_AUTO_TEST_CASE(eight_producers_eight_consumers_a_million_messages)
{
    constexpr int sides = 8;
    constexpr int per_producer = 125000; // 1,000,000 in all
    mp::queue<long long> q;
    mp::queue<std::vector<long long>> reports;
    test_util::reset_peak_rss();
    const auto start = std::chrono::steady_clock::now();
    std::vector<mp::process> consumers, producers;
    for (int i = 0; i < sides; ++i) {
        consumers.emplace_back(load_consumer, q, reports);
        consumers.back().start();
    }
    for (int i = 0; i < sides; ++i) {
        producers.emplace_back(load_producer, q, i, per_producer);
        producers.back().start();
    }
    for (auto& producer : producers) {
        BOOST_TEST_REQUIRE(producer.join_for(120s));
        BOOST_TEST(producer.exit_code().value_or(-1) == 0);
    }
    for (int i = 0; i < sides; ++i)
        q.put(-1);
    long long count = 0, sum = 0, disorder = 0, child_peak_kb = 0;
    std::uint64_t checksum = 0;
    for (int i = 0; i < sides; ++i) {
        const auto report = reports.get_for(120s);
        BOOST_TEST_REQUIRE(report.has_value(), "a consumer did not report");
        BOOST_TEST_REQUIRE(report->size() == 5u);
        count += (*report)[0];
        sum += (*report)[1];
        checksum += static_cast<std::uint64_t>((*report)[2]);
        disorder += (*report)[3];
        child_peak_kb = std::max(child_peak_kb, (*report)[4]);
    }
    for (auto& consumer : consumers) {
        BOOST_TEST_REQUIRE(consumer.join_for(120s));
        BOOST_TEST(consumer.exit_code().value_or(-1) == 0);
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    long long expected_sum = 0;
    std::uint64_t expected_checksum = 0;
    for (long long id = 0; id < sides; ++id)
        for (long long i = 0; i < per_producer; ++i) {
            expected_sum += id * producer_shift + i;
            expected_checksum += mix(static_cast<std::uint64_t>(id * producer_shift + i));
        }
    BOOST_TEST(count == static_cast<long long>(sides) * per_producer);
    BOOST_TEST(sum == expected_sum);
    BOOST_TEST(checksum == expected_checksum);
    BOOST_TEST(disorder == 0); // a consumer never sees a producer's values out of order
    BOOST_TEST(q.empty());
    std::printf("load_tests: %d messages, %d producers x %d consumers, in %.2f s (%.0f msgs/s); "
                "peak RSS: parent %lld kB, largest consumer %lld kB\n",
                sides * per_producer, sides, sides, seconds, sides * per_producer / seconds,
                test_util::peak_rss_kb(), child_peak_kb);
    if (!test_util::sanitized)
        BOOST_TEST(child_peak_kb < 64 * 1024);
}

BOOST_AUTO_TEST_SUITE_END()
