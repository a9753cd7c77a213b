// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// imap and imap_unordered streams: order, errors, an input that throws, a pool closed under a
// stream, bounded memory. Every wait has a deadline: a hang fails.

#include <multiproc/imap_stream.hpp>
#include <multiproc/pool.hpp>

#include <multiproc/init.hpp>

#include "pool_tasks.hpp"
#include "pool_util.hpp"
#include "test_util.hpp"

#include <boost/iterator/iterator_facade.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace mp = multiproc;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

using pool_util::iota_vector;
using pool_util::squares_of;
using pool_util::watchdog;

// ---------------------------------------------------------------------------------------------
// Tasks (names unique in the test binary: prefixed imap_stream_).

long long imap_stream_increment(int x)
{
    return static_cast<long long>(x) + 1;
}
MULTIPROC_TASK(imap_stream_increment)

// Finishes out of order: items sleep 0, 1 or 2 ms.
int imap_stream_jitter_square(int x)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(x % 3));
    return x * x;
}
MULTIPROC_TASK(imap_stream_jitter_square)

/// The integers first .. last - 1, made one at a time as they are read (never stored), and
/// counted: `pulled` says how many the reader has taken.
class counting_range
{
public:
    class iterator : public boost::iterator_facade<iterator, int, std::input_iterator_tag, int>
    {
    public:
        iterator() = default;
        iterator(long long i, std::shared_ptr<std::atomic<long long>> pulled)
            : i_(i), pulled_(std::move(pulled))
        {}

    private:
        friend class boost::iterator_core_access;
        int dereference() const
        {
            if (pulled_)
                ++*pulled_;
            return static_cast<int>(i_);
        }
        void increment() { ++i_; }
        bool equal(const iterator& other) const { return i_ == other.i_; }

        long long i_ = 0;
        std::shared_ptr<std::atomic<long long>> pulled_;
    };

    counting_range(long long first, long long last)
        : first_(first), last_(last), pulled_(std::make_shared<std::atomic<long long>>(0))
    {}
    iterator begin() const { return iterator(first_, pulled_); }
    iterator end() const { return iterator(last_, nullptr); }
    long long pulled() const { return *pulled_; }

private:
    long long first_;
    long long last_;
    std::shared_ptr<std::atomic<long long>> pulled_;
};

/// Reads a stream to its end: a value per result, nothing where `next()` threw remote_error
/// (checked to be pool_tasks::square_unless_13's). Other exceptions fail the test.
template <class Stream>
std::vector<std::optional<int>> drain_with_errors(Stream& stream)
{
    std::vector<std::optional<int>> events;
    for (int errors = 0; errors < 100;) {
        try {
            std::optional<int> v = stream.next();
            if (!v)
                return events;
            events.push_back(*v);
        } catch (const mp::remote_error& e) {
            ++errors;
            BOOST_TEST(e.type() == "std::invalid_argument");
            BOOST_TEST(e.message() == "13");
            BOOST_TEST((e.code() == mp::error::remote_exception));
            events.push_back(std::nullopt);
        }
    }
    BOOST_ERROR("next() keeps throwing");
    return events;
}

/// What imap of pool_tasks::square_unless_13 over 0..n-1 gives in order: each chunk's squares,
/// or one error for the chunk that holds 13.
std::vector<std::optional<int>> expected_events(int n, int chunksize)
{
    std::vector<std::optional<int>> events;
    for (int first = 0; first < n; first += chunksize) {
        const int last = std::min(n, first + chunksize);
        if (first <= 13 && 13 < last) {
            events.push_back(std::nullopt);
            continue;
        }
        for (int x = first; x < last; ++x)
            events.push_back(x * x);
    }
    return events;
}

std::vector<int> sorted_values(const std::vector<std::optional<int>>& events)
{
    std::vector<int> values;
    for (const auto& e : events)
        if (e)
            values.push_back(*e);
    std::sort(values.begin(), values.end());
    return values;
}

long errors_in(const std::vector<std::optional<int>>& events)
{
    return static_cast<long>(std::count(events.begin(), events.end(), std::nullopt));
}

} // namespace

BOOST_AUTO_TEST_SUITE(imap_stream_tests)

// ---------------------------------------------------------------------------------------------
// imap and imap_unordered.

BOOST_AUTO_TEST_CASE(imap_is_in_order_and_imap_unordered_complete)
{
    mp::pool p(2);
    watchdog dog(p, 90s, "imap");
    const std::vector<int> items = iota_vector(200);
    const std::vector<int> expected = squares_of(items);
    for (std::size_t chunksize : {std::size_t(1), std::size_t(7)}) {
        BOOST_TEST_CONTEXT("chunksize " << chunksize)
        {
            std::vector<int> got;
            auto lvalue = p.imap(imap_stream_jitter_square, items, chunksize);
            static_assert(std::is_same_v<decltype(lvalue), mp::imap_stream<int>>);
            while (std::optional<int> v = lvalue.next())
                got.push_back(*v);
            BOOST_TEST(got == expected);
            BOOST_TEST(!lvalue.next()); // the end stays the end

            got.clear();
            auto rvalue = p.imap(imap_stream_jitter_square, iota_vector(200), chunksize);
            while (std::optional<int> v = rvalue.next())
                got.push_back(*v);
            BOOST_TEST(got == expected);

            got.clear();
            auto unordered = p.imap_unordered(imap_stream_jitter_square, items, chunksize);
            while (std::optional<int> v = unordered.next())
                got.push_back(*v);
            std::sort(got.begin(), got.end());
            BOOST_TEST(got == expected);

            got.clear();
            auto unordered_rvalue =
                p.imap_unordered(imap_stream_jitter_square, iota_vector(200), chunksize);
            while (std::optional<int> v = unordered_rvalue.next())
                got.push_back(*v);
            std::sort(got.begin(), got.end());
            BOOST_TEST(got == expected);

            // Range-for over the stream.
            got.clear();
            for (int v : p.imap(imap_stream_jitter_square, items, chunksize))
                got.push_back(v);
            BOOST_TEST(got == expected);
            got.clear();
            for (int v : p.imap_unordered(imap_stream_jitter_square, iota_vector(200), chunksize))
                got.push_back(v);
            std::sort(got.begin(), got.end());
            BOOST_TEST(got == expected);
        }
    }
    dog.disarm();
    BOOST_TEST(!dog.fired());
}

BOOST_AUTO_TEST_CASE(imap_of_empty_ranges)
{
    mp::pool p(1);
    watchdog dog(p, 30s, "imap of nothing");
    const std::vector<int> none;
    auto s1 = p.imap(pool_tasks::square, none);
    BOOST_TEST(!s1.next());
    auto s2 = p.imap_unordered(pool_tasks::square, std::vector<int>{}, 7);
    BOOST_TEST(!s2.next());
    int n = 0;
    for (int v : p.imap(pool_tasks::square, std::vector<int>{}))
        n += 1 + v;
    BOOST_TEST(n == 0);
    dog.disarm();
    BOOST_TEST(!dog.fired());
}

BOOST_AUTO_TEST_CASE(a_failed_chunk_throws_from_next_and_the_stream_goes_on)
{
    mp::pool p(2);
    watchdog dog(p, 60s, "imap with errors");
    const std::vector<int> items = iota_vector(30);
    for (int chunksize : {1, 7}) {
        BOOST_TEST_CONTEXT("chunksize " << chunksize)
        {
            const auto expected = expected_events(30, chunksize);
            auto ordered =
                p.imap(pool_tasks::square_unless_13, items, static_cast<std::size_t>(chunksize));
            BOOST_TEST((drain_with_errors(ordered) == expected)); // the error where 13 was

            auto ordered_rvalue = p.imap(pool_tasks::square_unless_13, iota_vector(30),
                                         static_cast<std::size_t>(chunksize));
            BOOST_TEST((drain_with_errors(ordered_rvalue) == expected));

            auto unordered = p.imap_unordered(pool_tasks::square_unless_13, items,
                                              static_cast<std::size_t>(chunksize));
            const auto got = drain_with_errors(unordered);
            BOOST_TEST(errors_in(got) == 1);
            BOOST_TEST(sorted_values(got) == sorted_values(expected));
        }
    }
    dog.disarm();
    BOOST_TEST(!dog.fired());
}

/// Reads a stream over say_when_range(20, when) of pool_tasks::square to its end and checks that
/// it gives the squares of every item before `when` (in order if `ordered`), then the input's
/// exception once, then the end, and stays there.
template <class Stream>
void check_ends_with_the_input_error(Stream& stream, int when, bool ordered)
{
    std::vector<int> values;
    int errors = 0;
    for (int reads = 0; reads < 100; ++reads) {
        try {
            std::optional<int> v = stream.next();
            if (!v)
                break;
            BOOST_TEST(errors == 0, "a result after the input's error: " << *v);
            values.push_back(*v);
        } catch (const pool_util::say_when_error&) {
            ++errors;
        }
    }
    BOOST_TEST(errors == 1);
    bool at_end = false;
    try {
        at_end = !stream.next();
    } catch (const std::exception& e) {
        BOOST_ERROR("next() after the end threw " << e.what());
    }
    BOOST_TEST(at_end);
    if (!ordered)
        std::sort(values.begin(), values.end());
    std::vector<int> expected;
    for (int x = 0; x < when; ++x)
        expected.push_back(x * x);
    BOOST_TEST(values == expected);
}

BOOST_AUTO_TEST_CASE(an_input_that_throws_ends_the_stream_after_the_results_before_it)
{
    using pool_util::say_when_range;
    using pool_util::throws_on;
    mp::pool p(2);
    watchdog dog(p, 90s, "imap of an input that throws");
    const std::pair<int, throws_on> failures[] = {{0, throws_on::read},
                                                  {3, throws_on::read},
                                                  {7, throws_on::read},
                                                  {3, throws_on::increment},
                                                  {7, throws_on::increment}};
    for (const auto& [when, where] : failures)
        for (std::size_t chunksize : {1, 2, 4})
            for (bool ordered : {true, false})
                BOOST_TEST_CONTEXT("item " << when
                                           << (where == throws_on::read ? " read" : " stepped onto")
                                           << ", chunksize " << chunksize
                                           << (ordered ? ", imap" : ", imap_unordered"))
                {
                    say_when_range<> items(20, when, where);
                    auto stream = ordered ? p.imap(pool_tasks::square, items, chunksize)
                                          : p.imap_unordered(pool_tasks::square, items, chunksize);
                    check_ends_with_the_input_error(stream, when, ordered);
                }
    // An rvalue input, kept in the stream, the same.
    auto kept = p.imap(pool_tasks::square, say_when_range<>(20, 5), 2);
    check_ends_with_the_input_error(kept, 5, true);
    // The pool serves on.
    BOOST_TEST(p.map(pool_tasks::square, iota_vector(5)) == (std::vector<int>{0, 1, 4, 9, 16}));
    dog.disarm();
    BOOST_TEST(!dog.fired());
}

BOOST_AUTO_TEST_CASE(closing_the_pool_under_a_stream_ends_its_input_with_pool_closed)
{
    mp::pool p(2);
    watchdog dog(p, 60s, "imap of a pool closed under it");
    constexpr int n = 5000; // more than a stream sends ahead (512 chunks here)
    auto stream = p.imap(pool_tasks::square, iota_vector(n), 1);
    BOOST_TEST((stream.next() == std::optional<int>(0)));
    p.close();
    int next = 1;
    int closed = 0;
    for (int reads = 0; reads < n + 10; ++reads) {
        try {
            const std::optional<int> v = stream.next();
            if (!v)
                break;
            BOOST_TEST(closed == 0, "a result after pool_closed");
            BOOST_TEST(*v == next * next);
            ++next;
        } catch (const mp::system_error& e) {
            BOOST_TEST((e.code() == mp::error::pool_closed));
            ++closed;
        }
    }
    BOOST_TEST(closed == 1);
    BOOST_TEST(next < n); // the input ended where the pool stopped taking tasks
    BOOST_TEST(!stream.next());
    p.join();
    dog.disarm();
    BOOST_TEST(!dog.fired());
}

// ---------------------------------------------------------------------------------------------
// Back-pressure: a stream reads its input as it is read.

BOOST_AUTO_TEST_CASE(imap_unordered_over_ten_million_items_in_bounded_memory)
{
    const long long n = test_util::slow_pipes ? 1000000 : 10000000; // Windows: Wine's pipes
    mp::pool p(2);
    watchdog dog(p, 150s, "imap_unordered over many items");
    test_util::reset_peak_rss();
    const long long peak_before = test_util::peak_rss_kb();
    const auto start = clock_type::now();
    counting_range items(0, n);
    long long sum = 0, count = 0;
    for (long long v : p.imap_unordered(imap_stream_increment, items, 10000)) {
        sum += v;
        ++count;
    }
    const double seconds = std::chrono::duration<double>(clock_type::now() - start).count();
    const long long peak_after = test_util::peak_rss_kb();
    dog.disarm();
    BOOST_TEST(!dog.fired());
    BOOST_TEST_MESSAGE("imap_unordered of "
                       << n << " items: " << seconds << " s; peak RSS (kB, -1: "
                       << "not measured here) " << peak_before << " -> " << peak_after);
    BOOST_TEST(count == n);
    BOOST_TEST(sum == n * (n + 1) / 2);
    BOOST_TEST(items.pulled() == n);
#if defined(__SANITIZE_ADDRESS__)
    // ASan keeps freed memory in quarantine (256 MB): the peak says nothing here.
    (void)peak_before;
    (void)peak_after;
#else
    if (test_util::counts_threads_and_memory) {
        BOOST_TEST(peak_before > 0);
        BOOST_TEST(peak_after - peak_before < 200LL * 1024,
                   "peak RSS grew by " << (peak_after - peak_before) << " kB");
    }
#endif
}

BOOST_AUTO_TEST_CASE(a_slow_reader_holds_back_the_input)
{
    mp::pool p(2);
    watchdog dog(p, 60s, "slow imap reader");
    counting_range items(0, 2000000000LL);
    {
        auto stream = p.imap(pool_tasks::square, items, 1);
        BOOST_TEST(items.pulled() < 100000, "pulled " << items.pulled());
        BOOST_TEST(stream.next().value_or(-1) == 0);
        const long long after_first = items.pulled();
        BOOST_TEST(after_first > 0);
        BOOST_TEST(after_first < 100000, "pulled " << after_first);
        // The input is read by the reader's calls only: nothing more while it does not read.
        std::this_thread::sleep_for(300ms);
        BOOST_TEST(items.pulled() == after_first);
        for (int i = 1; i <= 1000; ++i)
            BOOST_TEST_REQUIRE(stream.next().value_or(-1) == i * i);
        BOOST_TEST(items.pulled() < 100000, "pulled " << items.pulled());

        // The same through imap_unordered with bigger chunks.
        counting_range more(0, 2000000000LL);
        auto unordered = p.imap_unordered(pool_tasks::square, more, 7);
        BOOST_TEST(unordered.next().has_value());
        BOOST_TEST(more.pulled() < 100000, "pulled " << more.pulled());
    } // streams dropped with tasks in flight
    BOOST_TEST(p.apply_async(pool_tasks::square, 5).get_for(30s).value_or(-1) == 25);
    dog.disarm();
    BOOST_TEST(!dog.fired());
}

BOOST_AUTO_TEST_SUITE_END()
