// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// The MPI pool's tests: a binary of their own, run under mpirun with three ranks (ctest `mpi`).
// Rank 0 runs the tests; ranks 1 and 2 serve the pools' tasks inside the environment's
// constructor. `mpi_alone_tests` runs without mpirun (ctest `mpi_alone`); `mpi_death_tests` on
// its own (ctest `mpi_rank_dies`): a worker rank dies and the job must end with a message.

#include <multiproc/init.hpp>
#include <multiproc/mpi/pool.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/range/irange.hpp>
#include <boost/test/unit_test.hpp>

#include "pool_tasks.hpp"
#include "pool_util.hpp"
#include "test_util.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <future>
#include <numeric>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace mp = multiproc;
using namespace std::chrono_literals;

namespace {

long long mpi_square(long long x)
{
    return x * x;
}
MULTIPROC_TASK(mpi_square)

int mpi_fail_on(int x, int bad)
{
    if (x == bad)
        throw std::invalid_argument("bad item " + std::to_string(x));
    return x;
}
MULTIPROC_TASK(mpi_fail_on)

int mpi_not_seven(int x)
{
    return mpi_fail_on(x, 7);
}
MULTIPROC_TASK(mpi_not_seven)

int mpi_pid(int sleep_ms)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
    return mp::this_process::id();
}
MULTIPROC_TASK(mpi_pid)

void mpi_die()
{
    std::raise(SIGKILL);
}
MULTIPROC_TASK(mpi_die)

// A string that encodes to `encoded` bytes (an 8-byte length, then its bytes).
std::string mpi_string_encoding_to(std::size_t encoded)
{
    return std::string(encoded - 8, 'r');
}
MULTIPROC_TASK(mpi_string_encoding_to)

std::size_t mpi_length(std::string s)
{
    return s.size();
}
MULTIPROC_TASK(mpi_length)

std::size_t mpi_message_limit()
{
    return mp::detail::message_limit();
}
MULTIPROC_TASK(mpi_message_limit)

bool is_too_large(const mp::system_error& e)
{
    return e.code() == mp::error::message_too_large;
}

// Runs `submit` while a completion handler holds the pool's thread: every task it submits is
// waiting when the pool next sends a batch, so they go to a rank in one (up to its depth).
template <class Submit>
auto submitted_together(mp::mpi::pool& pool, Submit submit)
{
    std::promise<void> holding, released;
    std::shared_future<void> release = released.get_future().share();
    pool.apply_async(mpi_square, 1, [&holding, release](mp::error_code, long long) {
        holding.set_value();
        release.wait();
    });
    BOOST_REQUIRE(holding.get_future().wait_for(60s) == std::future_status::ready);
    auto submitted = submit();
    released.set_value();
    return submitted;
}

int not_registered(int x)
{
    return x;
}

// The code a call failed with (none: it did not throw).
template <class Call>
mp::error_code code_of(Call call)
{
    try {
        call();
    } catch (const mp::system_error& e) {
        return e.code();
    }
    return {};
}

} // namespace

BOOST_AUTO_TEST_SUITE(mpi_pool_tests)

BOOST_AUTO_TEST_CASE(apply_runs_on_the_other_ranks)
{
    mp::mpi::pool p;
    BOOST_TEST(p.size() == 2u); // mpirun -np 3
    BOOST_TEST(p.apply(mpi_square, 12) == 144);
    BOOST_TEST(p.apply(pool_tasks::concat, "a", std::vector<std::string>{"b", "c"}) == "abc");
    p.apply(pool_tasks::sleep_ms, 1); // void
    // Both worker ranks take part, and neither is this process.
    std::set<int> pids;
    std::vector<mp::async_result<int>> results;
    for (int i = 0; i < 20; ++i)
        results.push_back(p.apply_async(mpi_pid, 20));
    for (auto& r : results)
        pids.insert(r.get());
    BOOST_TEST(pids.size() == 2u);
    BOOST_TEST(pids.count(mp::this_process::id()) == 0u);
}

BOOST_AUTO_TEST_CASE(apply_async_callback_and_future)
{
    mp::mpi::pool p;
    std::promise<std::pair<mp::error_code, long long>> got;
    p.apply_async(mpi_square, 9, [&](mp::error_code ec, long long v) { got.set_value({ec, v}); });
    auto future = got.get_future();
    BOOST_REQUIRE(future.wait_for(60s) == std::future_status::ready);
    const auto [ec, value] = future.get();
    BOOST_TEST(!ec);
    BOOST_TEST(value == 81);

    std::future<long long> f = p.apply_async(mpi_square, 5, boost::asio::use_future);
    BOOST_REQUIRE(f.wait_for(60s) == std::future_status::ready);
    BOOST_TEST(f.get() == 25);

    // A void task's handler gets the code only.
    std::promise<mp::error_code> done;
    p.apply_async(pool_tasks::sleep_ms, 1, [&](mp::error_code e) { done.set_value(e); });
    auto d = done.get_future();
    BOOST_REQUIRE(d.wait_for(60s) == std::future_status::ready);
    BOOST_TEST(!d.get());

    // Many at once: batched, each result to its own task.
    std::vector<mp::async_result<long long>> results;
    for (long long i = 0; i < 5000; ++i)
        results.push_back(p.apply_async(mpi_square, i));
    for (long long i = 0; i < 5000; ++i)
        BOOST_TEST(results[static_cast<std::size_t>(i)].get() == i * i);
}

BOOST_AUTO_TEST_CASE(cancel_a_queued_task)
{
    mp::mpi::pool p;
    // Both ranks busy (a rank whose task times are not known yet is sent one task at a time).
    auto first = p.apply_async(pool_tasks::sleep_ms, 300);
    auto second = p.apply_async(pool_tasks::sleep_ms, 300);
    boost::asio::cancellation_signal cancel;
    std::promise<mp::error_code> got;
    p.apply_async(mpi_square, 5,
                  boost::asio::bind_cancellation_slot(
                      cancel.slot(), [&](mp::error_code ec, long long) { got.set_value(ec); }));
    cancel.emit(boost::asio::cancellation_type::terminal);
    auto f = got.get_future();
    BOOST_REQUIRE(f.wait_for(60s) == std::future_status::ready);
    BOOST_TEST((f.get() == boost::asio::error::operation_aborted));
    first.get();
    second.get();
    BOOST_TEST(p.apply(mpi_square, 6) == 36);
}

BOOST_AUTO_TEST_CASE(map_in_order)
{
    mp::mpi::pool p;
    std::vector<long long> items(10001);
    std::iota(items.begin(), items.end(), -5000);
    for (std::size_t chunksize : {0u, 1u, 7u, 20000u}) {
        const std::vector<long long> r = p.map(mpi_square, items, chunksize);
        BOOST_REQUIRE(r.size() == items.size());
        for (std::size_t i = 0; i < items.size(); ++i)
            BOOST_TEST(r[i] == items[i] * items[i]);
    }
    BOOST_TEST(p.map(mpi_square, std::vector<long long>{}).empty());
    std::promise<std::vector<long long>> got;
    p.map_async(mpi_square, std::vector<long long>{1, 2, 3}, 1,
                [&](mp::error_code ec, std::vector<long long> v) {
                    BOOST_TEST(!ec);
                    got.set_value(std::move(v));
                });
    BOOST_TEST(got.get_future().get() == (std::vector<long long>{1, 4, 9}));
}

BOOST_AUTO_TEST_CASE(imap_unordered_and_imap)
{
    mp::mpi::pool p;
    constexpr long long n = 3000;
    std::vector<long long> seen;
    for (long long x : p.imap_unordered(mpi_square, boost::irange(0LL, n), 3))
        seen.push_back(x);
    BOOST_REQUIRE(seen.size() == static_cast<std::size_t>(n));
    std::sort(seen.begin(), seen.end());
    for (long long i = 0; i < n; ++i)
        BOOST_TEST(seen[static_cast<std::size_t>(i)] == i * i);
    long long i = 0;
    for (long long x : p.imap(mpi_square, boost::irange(0LL, n))) {
        BOOST_TEST(x == i * i, "item " << i);
        ++i;
    }
    BOOST_TEST(i == n);
}

BOOST_AUTO_TEST_CASE(an_input_that_throws_ends_the_stream_as_in_the_local_pool)
{
    using pool_util::say_when_error;
    using pool_util::say_when_range;
    mp::mpi::pool p;
    for (int when : {0, 3, 7})
        for (std::size_t chunksize : {1, 2, 4})
            for (bool ordered : {true, false})
                BOOST_TEST_CONTEXT("item " << when << ", chunksize " << chunksize
                                           << (ordered ? ", imap" : ", imap_unordered"))
                {
                    const say_when_range<> items(20, when);
                    auto stream = ordered ? p.imap(mpi_square, items, chunksize)
                                          : p.imap_unordered(mpi_square, items, chunksize);
                    std::vector<long long> values;
                    int errors = 0;
                    for (int reads = 0; reads < 100; ++reads) {
                        try {
                            const std::optional<long long> v = stream.next();
                            if (!v)
                                break;
                            BOOST_TEST(errors == 0, "a result after the input's error");
                            values.push_back(*v);
                        } catch (const say_when_error&) {
                            ++errors;
                        }
                    }
                    BOOST_TEST(errors == 1);
                    if (!ordered)
                        std::sort(values.begin(), values.end());
                    std::vector<long long> expected;
                    for (long long x = 0; x < when; ++x)
                        expected.push_back(x * x);
                    BOOST_TEST(values == expected);
                }
    BOOST_CHECK_THROW(p.map(mpi_square, say_when_range<>(10, 3), 1), say_when_error);
    BOOST_TEST(p.map(mpi_square, std::vector<long long>{1, 2}) == (std::vector<long long>{1, 4}));
}

BOOST_AUTO_TEST_CASE(errors_as_the_local_pool)
{
    mp::mpi::pool p;
    // Not registered: refused at the call, nothing sent.
    BOOST_TEST(
        (code_of([&] { p.apply_async(not_registered, 1); }) == mp::error::unregistered_task));
    BOOST_TEST((code_of([&] { p.map(not_registered, std::vector<int>{1}); }) ==
                mp::error::unregistered_task));

    // The task's exception, with its type and message.
    try {
        p.apply(mpi_fail_on, 3, 3);
        BOOST_FAIL("no exception");
    } catch (const mp::remote_error& e) {
        BOOST_TEST((e.code() == mp::error::remote_exception));
        BOOST_TEST(e.type() == "std::invalid_argument");
        BOOST_TEST(e.message() == "bad item 3");
    }
    std::promise<mp::error_code> got;
    p.apply_async(mpi_fail_on, 1, 1, [&](mp::error_code ec, int) { got.set_value(ec); });
    BOOST_TEST((got.get_future().get() == mp::error::remote_exception));
    // A map stops at its first failed chunk, with that chunk's exception.
    std::vector<int> items(100);
    std::iota(items.begin(), items.end(), 0);
    try {
        p.map(mpi_not_seven, items, 5);
        BOOST_FAIL("no exception");
    } catch (const mp::remote_error& e) {
        BOOST_TEST(e.message() == "bad item 7");
    }
    // The pool goes on after a failed task.
    BOOST_TEST(p.apply(mpi_square, 4) == 16);
}

BOOST_AUTO_TEST_CASE(worker_ranks_check_what_they_are_sent)
{
    // What the call cannot get wrong (it has the function) a rank still checks: a task it
    // does not know, or arguments for another signature, as the local pool's workers do.
    auto core = mp::detail::make_mpi_pool(0);
    const mp::detail::task_entry* real = mp::detail::find_task("mpi_square");
    BOOST_REQUIRE(real);
    const mp::detail::task_entry unknown{"no_such_task", real->signature, real->invoke};
    const mp::detail::task_entry other{"mpi_square", "another signature", real->invoke};
    const std::string arguments = mp::detail::encode(7LL);
    for (const mp::detail::task_entry* entry : {&unknown, &other}) {
        std::promise<mp::detail::task_outcome> got;
        core->submit(core->reserve_ids(1), *entry, {arguments, 1},
                     [&](mp::detail::task_outcome&& o) { got.set_value(std::move(o)); });
        const mp::detail::task_outcome outcome = got.get_future().get();
        BOOST_TEST((outcome.ec == mp::error::remote_exception));
        const mp::error expected =
            entry == &unknown ? mp::error::unregistered_task : mp::error::signature_mismatch;
        BOOST_TEST(outcome.what.find(entry->name) != std::string::npos, outcome.what);
        BOOST_TEST(outcome.what.find(mp::make_error_code(expected).message()) != std::string::npos,
                   outcome.what);
    }
    // The real entry still works on the same ranks.
    std::promise<mp::detail::task_outcome> got;
    core->submit(core->reserve_ids(1), *real, {arguments, 1},
                 [&](mp::detail::task_outcome&& o) { got.set_value(std::move(o)); });
    const mp::detail::task_outcome outcome = got.get_future().get();
    BOOST_TEST(!outcome.ec);
    std::vector<long long> values;
    mp::detail::decode_results(outcome.results.view(), 1, values);
    BOOST_TEST(values.at(0) == 49);
    core->terminate();
}

// Two results of the largest size in one batch add up to more than an MPI message's int
// count: they come back in messages of their own. A few GiB, so not under the sanitizers.
BOOST_AUTO_TEST_CASE(a_batch_of_results_at_the_real_limit)
{
    if (test_util::sanitized) {
        BOOST_TEST_MESSAGE("skipped under a sanitizer: several GiB at once");
        return;
    }
    const std::size_t limit = mp::max_message_size;
    BOOST_TEST_REQUIRE(mp::detail::message_limit() == limit);
    mp::mpi::pool pool(1);
    // Quick tasks first: the rank is then sent both tasks in one batch.
    BOOST_TEST(pool.map(mpi_square, std::vector<long long>(200, 3)).size() == 200u);
    auto results = submitted_together(pool, [&] {
        return std::array{pool.apply_async(mpi_string_encoding_to, limit),
                          pool.apply_async(mpi_string_encoding_to, limit)};
    });
    for (auto& r : results)
        BOOST_TEST(r.get().size() == limit - 8);
    BOOST_CHECK_EXCEPTION(pool.apply(mpi_string_encoding_to, limit + 1), mp::system_error,
                          is_too_large);
}

BOOST_AUTO_TEST_CASE(close_join_terminate)
{
    {
        mp::mpi::pool p;
        BOOST_TEST((code_of([&] { p.join(); }) == boost::system::errc::operation_not_permitted));
        std::vector<mp::async_result<int>> results;
        for (int i = 0; i < 6; ++i)
            results.push_back(p.apply_async(mpi_pid, 100));
        p.close();
        BOOST_TEST((code_of([&] { p.apply_async(mpi_square, 1); }) == mp::error::pool_closed));
        p.join(); // every queued task ran
        for (auto& r : results) {
            BOOST_TEST(r.ready());
            BOOST_TEST(r.successful());
        }
    }
    {
        // Terminate: what has not ended fails with pool_closed, nothing hangs, and the ranks
        // are free for the next pool.
        mp::mpi::pool p;
        auto results = pool_util::terminate_sleepers(p, 10, 200, 50ms);
        int closed = 0;
        for (auto& r : results) {
            BOOST_REQUIRE(r.wait_for(10s));
            closed += code_of([&] { r.get(); }) == mp::error::pool_closed ? 1 : 0;
        }
        BOOST_TEST(closed >= 6); // two running at most, maybe two more already sent
        BOOST_TEST((code_of([&] { p.apply_async(mpi_square, 1); }) == mp::error::pool_closed));
        p.join(); // after terminate: returns
    }
    mp::mpi::pool again;
    BOOST_TEST(again.apply(mpi_square, 3) == 9);
    // One pool at a time.
    BOOST_TEST((code_of([] { mp::mpi::pool second; }) == mp::error::not_supported));
    BOOST_TEST((code_of([] { mp::mpi::pool too_big(3); }) != mp::error_code()));
}

BOOST_AUTO_TEST_SUITE_END()

// Run only when asked for, without mpirun (ctest mpi_alone): a job of one rank has no worker.
BOOST_AUTO_TEST_SUITE(mpi_alone_tests, *boost::unit_test::disabled())

BOOST_AUTO_TEST_CASE(no_worker_rank)
{
    BOOST_TEST((code_of([] { mp::mpi::pool p; }) == mp::error::not_supported));
}

BOOST_AUTO_TEST_SUITE_END()

// Run with the limit lowered for every rank (ctest mpi_message_size): each edge as the local
// pool's, and a batch whose results come back in several messages.
BOOST_AUTO_TEST_SUITE(mpi_message_size_tests, *boost::unit_test::disabled())

BOOST_AUTO_TEST_CASE(arguments_and_results_at_the_edge)
{
    const std::size_t limit = mp::detail::message_limit();
    BOOST_TEST_REQUIRE(limit < mp::max_message_size);
    mp::mpi::pool pool(1);
    BOOST_TEST(pool.apply(mpi_message_limit) == limit); // the rank's limit is this one
    for (const std::size_t encoded : {limit - 1, limit}) {
        BOOST_TEST(pool.apply(mpi_length, std::string(encoded - 8, 'a')) == encoded - 8);
        BOOST_TEST(pool.apply(mpi_string_encoding_to, encoded).size() == encoded - 8);
    }
    BOOST_CHECK_EXCEPTION(pool.apply(mpi_length, std::string(limit + 1 - 8, 'a')), mp::system_error,
                          is_too_large);
    BOOST_CHECK_EXCEPTION(pool.apply(mpi_string_encoding_to, limit + 1), mp::system_error,
                          is_too_large);
    BOOST_TEST(pool.apply(mpi_square, 5) == 25); // the rank goes on
}

BOOST_AUTO_TEST_CASE(a_batch_of_large_results)
{
    const std::size_t limit = mp::detail::message_limit();
    mp::mpi::pool pool(1);
    // Quick tasks first: the rank is then sent many tasks in a batch.
    BOOST_TEST(pool.map(mpi_square, std::vector<long long>(200, 3)).size() == 200u);
    auto results = submitted_together(pool, [&] {
        std::vector<mp::async_result<std::string>> r;
        for (int i = 0; i < 40; ++i)
            r.push_back(pool.apply_async(mpi_string_encoding_to, limit));
        return r;
    });
    for (auto& r : results) {
        const std::string s = r.get();
        BOOST_TEST((s.size() == limit - 8 && s.find_first_not_of('r') == std::string::npos));
    }
}

BOOST_AUTO_TEST_SUITE_END()

// Run only when asked for (ctest mpi_rank_dies): a worker rank is killed mid-task. MPI ends
// the job; this test must never finish.
BOOST_AUTO_TEST_SUITE(mpi_death_tests, *boost::unit_test::disabled())

BOOST_AUTO_TEST_CASE(a_worker_rank_dies)
{
    mp::mpi::pool p;
    auto r = p.apply_async(mpi_die);
    r.wait_for(60s);
    BOOST_FAIL("the job went on after a rank died");
}

BOOST_AUTO_TEST_SUITE_END()

namespace {
#if defined(BOOST_TEST_DYN_LINK)
bool init_tests()
{
    boost::unit_test::framework::master_test_suite().p_name.value = "multiproc_mpi";
    return true;
}
#else
boost::unit_test::test_suite* init_tests(int, char*[])
{
    boost::unit_test::framework::master_test_suite().p_name.value = "multiproc_mpi";
    return nullptr;
}
#endif
} // namespace

int main(int argc, char* argv[])
{
    multiproc::init(argc, argv);
    multiproc::mpi::environment env(argc, argv); // ranks 1 and 2 serve tasks here, then exit
    return boost::unit_test::unit_test_main(&init_tests, argc, argv);
}
