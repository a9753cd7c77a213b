// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// CPython's own queue cases (Lib/test/_test_multiprocessing.py: _TestQueue, TestSimpleQueue),
// each under its CPython name, with its assertions translated: `queue.Empty`/`queue.Full` are
// an empty optional / false, `ShutDown` is error::queue_shut_down, "is closed" is
// error::queue_closed. CPython checks timings only with CHECK_TIMINGS; here a wait that
// should not wait ends within a second, and a timed one takes about its time (10 ms of slack
// below, seconds above).

#include <multiproc/queue.hpp>

#include <multiproc/process.hpp>
#include <multiproc/sync.hpp>

#include "test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace mp = multiproc;
using namespace std::chrono_literals;

namespace {

constexpr auto delta = 100ms;                      // CPython's DELTA
constexpr auto timeout1 = 100ms, timeout3 = 100ms; // TIMEOUT2 only goes with block=False
constexpr auto slack = 10ms;

using clock_type = std::chrono::steady_clock;

// How long `f()` took.
template <class F>
clock_type::duration timed(F f)
{
    const auto start = clock_type::now();
    f();
    return clock_type::now() - start;
}

// Starts a child, waits for it (bounded) and gives its exit code; -1 if it did not end.
template <class F, class... A>
int run_in_child(F function, const A&... arguments)
{
    mp::process child(function, arguments...);
    child.start();
    if (!child.join_for(60s)) {
        child.kill();
        child.join();
        return -1;
    }
    return child.exit_code().value_or(-1);
}

bool is_shut_down(const mp::system_error& e)
{
    return e.code() == mp::error::queue_shut_down;
}

void cpyq_test_put(mp::queue<int> q, mp::event child_can_start, mp::event parent_can_continue)
{
    child_can_start.wait();
    for (int i = 0; i < 6; ++i)
        q.get();
    parent_can_continue.set();
}
MULTIPROC_TASK(cpyq_test_put)

void cpyq_test_get(mp::queue<int> q, mp::event child_can_start, mp::event parent_can_continue)
{
    child_can_start.wait();
    for (int i = 2; i <= 5; ++i)
        q.put(i);
    parent_can_continue.set();
}
MULTIPROC_TASK(cpyq_test_get)

void cpyq_test_fork(mp::queue<int> q)
{
    for (int i = 10; i < 20; ++i)
        q.put(i);
}
MULTIPROC_TASK(cpyq_test_fork)

// Python's `for obj in iter(q.get, None)`: -1 stands for None.
void cpyq_test_task_done(mp::joinable_queue<int> q)
{
    while (q.get() != -1) {
        std::this_thread::sleep_for(delta);
        q.task_done();
    }
}
MULTIPROC_TASK(cpyq_test_task_done)

void cpyq_join_worker(mp::joinable_queue<std::string> q)
{
    q.join();
}
MULTIPROC_TASK(cpyq_join_worker)

// ProcessFuture.run(q.put, "data") / run(q.get) expecting ShutDown: exit 0 if it came.
void cpyq_put_expecting_shutdown(mp::queue<std::string> q)
{
    mp::error_code ec;
    q.put("data", ec);
    std::exit(ec == mp::error::queue_shut_down ? 0 : 3);
}
MULTIPROC_TASK(cpyq_put_expecting_shutdown)

void cpyq_get_expecting_shutdown(mp::queue<std::string> q)
{
    mp::error_code ec;
    q.get(ec);
    std::exit(ec == mp::error::queue_shut_down ? 0 : 3);
}
MULTIPROC_TASK(cpyq_get_expecting_shutdown)

// ProcessFuture.run(q.get) == expected: exit 0 if so.
void cpyq_get_expecting(mp::queue<std::string> q, std::string expected)
{
    std::exit(q.get() == expected ? 0 : 3);
}
MULTIPROC_TASK(cpyq_get_expecting)

void cpyq_test_empty(mp::queue<bool> q, mp::event child_can_start, mp::event parent_can_continue)
{
    child_can_start.wait();
    q.put(q.empty());
    q.put(q.empty());
    parent_can_continue.set();
}
MULTIPROC_TASK(cpyq_test_empty)

// A value that cannot be encoded unless `ok`: CPython's NotSerializable.
struct maybe_serializable
{
    bool ok = true;
    template <class Archive>
    void serialize(Archive& archive, unsigned)
    {
        if constexpr (Archive::is_saving::value)
            if (!ok)
                throw std::runtime_error("cannot be serialized");
        archive& ok;
    }
};

// The shutdown cases run for a Queue and a JoinableQueue, as CPython's do.
template <class Queue>
constexpr bool is_joinable = std::is_same_v<Queue, mp::joinable_queue<std::string>>;

// Starts a child in join() on `q` (only for a joinable queue).
template <class Queue>
std::optional<mp::process> start_join_worker(const Queue& q)
{
    std::optional<mp::process> join;
    if constexpr (is_joinable<Queue>) {
        join.emplace(cpyq_join_worker, q);
        join->start();
    }
    return join;
}

// Waits for the join worker to end, and checks that it ended well.
void expect_join_returned(std::optional<mp::process>& join)
{
    if (!join)
        return;
    BOOST_TEST(join->join_for(30s));
    BOOST_TEST(join->exit_code().value_or(-1) == 0);
}

template <class Queue>
void expect_shut_down_everywhere(Queue& q)
{
    BOOST_TEST(run_in_child(cpyq_put_expecting_shutdown, q) == 0);
    BOOST_CHECK_EXCEPTION(q.try_put("data"), mp::system_error, is_shut_down);
    BOOST_TEST(run_in_child(cpyq_get_expecting_shutdown, q) == 0);
    BOOST_CHECK_EXCEPTION(q.try_get(), mp::system_error, is_shut_down);
}

// Shuts `q` down (`immediate`: dropping what it holds) while a child joins it, and gives the
// shutdown time to land; returns the joining child (none for a queue that cannot be joined).
template <class Queue>
std::optional<mp::process> shut_down_while_joined(Queue& q, bool immediate)
{
    std::optional<mp::process> join = start_join_worker(q);
    q.shutdown(immediate);
    std::this_thread::sleep_for(delta);
    return join;
}

template <class Queue>
void shutdown_empty()
{
    Queue q;
    std::optional<mp::process> join = shut_down_while_joined(q, false);
    BOOST_TEST(q.size() == 0u);
    expect_join_returned(join);
    expect_shut_down_everywhere(q);
}

template <class Queue>
void shutdown_nonempty()
{
    Queue q(1);
    q.put("data");
    std::optional<mp::process> join = shut_down_while_joined(q, false);
    BOOST_TEST(q.size() == 1u);
    BOOST_TEST(run_in_child(cpyq_get_expecting, q, std::string("data")) == 0);
    if (join)
        BOOST_TEST(join->is_alive());
    expect_shut_down_everywhere(q);
    if constexpr (is_joinable<Queue>)
        q.task_done();
    expect_join_returned(join);
}

template <class Queue>
void shutdown_immediate()
{
    Queue q;
    q.put("data");
    std::optional<mp::process> join = shut_down_while_joined(q, true);
    BOOST_TEST(q.size() == 0u);
    expect_join_returned(join);
    expect_shut_down_everywhere(q);
    if constexpr (is_joinable<Queue>)
        BOOST_CHECK_THROW(q.task_done(), mp::system_error); // ValueError
}

} // namespace

BOOST_AUTO_TEST_SUITE(cpython)
BOOST_AUTO_TEST_SUITE(_TestQueue, *boost::unit_test::label("cpython_queue"))

BOOST_AUTO_TEST_CASE(test_put)
{
    constexpr std::size_t maxsize = 6;
    mp::queue<int> q(maxsize);
    mp::event child_can_start(mp::create_only), parent_can_continue(mp::create_only);
    mp::process child(cpyq_test_put, q, child_can_start, parent_can_continue);
    child.start();

    BOOST_TEST(q.empty());
    BOOST_TEST(!q.full());

    q.put(1);
    q.put(2);
    q.put(3);
    BOOST_TEST(q.try_put(4));
    BOOST_TEST(q.try_put(5));
    BOOST_TEST(q.try_put(6));
    std::this_thread::sleep_for(delta);

    BOOST_TEST(!q.empty());
    BOOST_TEST(q.full());

    bool put = true;
    BOOST_TEST((timed([&] { put = q.try_put(7); }) < 1s)); // put(7, False)
    BOOST_TEST(!put);
    BOOST_TEST((timed([&] { put = q.try_put(7); }) < 1s)); // put(7, False, None)
    BOOST_TEST(!put);
    BOOST_TEST((timed([&] { put = q.try_put(7); }) < 1s)); // put_nowait(7)
    BOOST_TEST(!put);
    auto took = timed([&] { put = q.put_for(7, timeout1); });
    BOOST_TEST(!put);
    BOOST_TEST((took >= timeout1 - slack && took < timeout1 + 5s));
    BOOST_TEST((timed([&] { put = q.try_put(7); }) < 1s)); // put(7, False, TIMEOUT2)
    BOOST_TEST(!put);
    took = timed([&] { put = q.put_for(7, timeout3); });
    BOOST_TEST(!put);
    BOOST_TEST((took >= timeout3 - slack && took < timeout3 + 5s));

    child_can_start.set();
    BOOST_TEST(parent_can_continue.wait_for(30s));

    BOOST_TEST(q.empty());
    BOOST_TEST(!q.full());
    BOOST_TEST(child.join_for(30s));
}

BOOST_AUTO_TEST_CASE(test_get)
{
    mp::queue<int> q;
    mp::event child_can_start(mp::create_only), parent_can_continue(mp::create_only);
    mp::process child(cpyq_test_get, q, child_can_start, parent_can_continue);
    child.start();

    BOOST_TEST(q.empty());
    child_can_start.set();
    BOOST_TEST(parent_can_continue.wait_for(30s));
    std::this_thread::sleep_for(delta);
    BOOST_TEST(!q.empty());

    BOOST_TEST(q.get() == 2);                   // get(True, None)
    BOOST_TEST(q.get() == 3);                   // get(True)
    BOOST_TEST(q.get_for(1s).value_or(0) == 4); // get(timeout=1)
    BOOST_TEST(q.try_get().value_or(0) == 5);   // get_nowait()
    BOOST_TEST(q.empty());

    std::optional<int> got;
    BOOST_TEST((timed([&] { got = q.try_get(); }) < 1s)); // get(False)
    BOOST_TEST(!got);
    BOOST_TEST((timed([&] { got = q.try_get(); }) < 1s)); // get(False, None)
    BOOST_TEST(!got);
    BOOST_TEST((timed([&] { got = q.try_get(); }) < 1s)); // get_nowait()
    BOOST_TEST(!got);
    auto took = timed([&] { got = q.get_for(timeout1); });
    BOOST_TEST(!got);
    BOOST_TEST((took >= timeout1 - slack && took < timeout1 + 5s));
    BOOST_TEST((timed([&] { got = q.try_get(); }) < 1s)); // get(False, TIMEOUT2)
    BOOST_TEST(!got);
    took = timed([&] { got = q.get_for(timeout3); });
    BOOST_TEST(!got);
    BOOST_TEST((took >= timeout3 - slack && took < timeout3 + 5s));

    BOOST_TEST(child.join_for(30s));
}

BOOST_AUTO_TEST_CASE(test_fork)
{
    for (const auto method : test_util::all_methods()) {
        mp::queue<int> q;
        for (int i = 0; i < 10; ++i)
            q.put(i);
        std::this_thread::sleep_for(delta);
        mp::process_options options = test_util::with_method(method);
        options.daemon = true;
        mp::process child(options, cpyq_test_fork, q);
        child.start();
        for (int i = 0; i < 20; ++i)
            BOOST_TEST(q.get_for(30s).value_or(-1) == i);
        BOOST_TEST(!q.try_get());
        BOOST_TEST(child.join_for(30s));
    }
}

BOOST_AUTO_TEST_CASE(test_qsize)
{
    mp::queue<int> q;
    std::size_t size = 0;
    BOOST_TEST(q.size() == size);
    for (const int item : {1, 5}) {
        q.put(item);
        BOOST_TEST(q.size() == ++size);
    }
    while (size > 0) {
        q.get();
        BOOST_TEST(q.size() == --size);
    }
}

BOOST_AUTO_TEST_CASE(test_task_done)
{
    mp::joinable_queue<int> q;
    std::vector<mp::process> workers;
    for (int i = 0; i < 4; ++i) {
        mp::process_options options;
        options.daemon = true;
        workers.emplace_back(options, cpyq_test_task_done, q);
        workers.back().start();
    }
    for (int i = 0; i < 10; ++i)
        q.put(i);
    BOOST_TEST(q.join_for(60s));
    for (std::size_t i = 0; i < workers.size(); ++i)
        q.put(-1);
    for (auto& p : workers)
        BOOST_TEST(p.join_for(30s));
}

BOOST_AUTO_TEST_CASE(test_timeout)
{
    mp::queue<int> q;
    std::optional<int> got;
    const auto took = timed([&] { got = q.get_for(200ms); });
    BOOST_TEST(!got);
    BOOST_TEST((took >= 100ms)); // CPython tolerates 100 ms (bpo-30317)
}

BOOST_AUTO_TEST_CASE(test_queue_feeder_donot_stop_onexc)
{
    // No feeder thread here: the value fails in put itself, and the queue goes on.
    {
        mp::queue<maybe_serializable> q;
        BOOST_CHECK_THROW(q.put({false}), std::exception);
        q.put({true});
        BOOST_TEST(q.get_for(30s).value().ok);
    }
    {
        mp::queue<maybe_serializable> q(1);
        BOOST_CHECK_THROW(q.put({false}), std::exception);
        q.put({true});
        BOOST_TEST(q.size() == 1u); // bpo-33078: the failed put took no place
        BOOST_TEST(q.get_for(30s).value().ok);
        BOOST_TEST(q.empty());
    }
}

BOOST_AUTO_TEST_CASE(test_closed_queue_empty_exceptions)
{
    const auto is_closed = [](const mp::system_error& e) {
        return e.code() == mp::error::queue_closed;
    };
    mp::queue<std::string> q;
    mp::joinable_queue<std::string> jq;
    q.put("foo");
    jq.put("foo");
    q.close();
    jq.close();
    BOOST_CHECK_EXCEPTION(q.empty(), mp::system_error, is_closed);
    BOOST_CHECK_EXCEPTION(jq.empty(), mp::system_error, is_closed);
}

BOOST_AUTO_TEST_CASE(test_closed_queue_put_get_exceptions)
{
    const auto is_closed = [](const mp::system_error& e) {
        return e.code() == mp::error::queue_closed;
    };
    mp::queue<std::string> q;
    mp::joinable_queue<std::string> jq;
    q.close();
    jq.close();
    BOOST_CHECK_EXCEPTION(q.put("foo"), mp::system_error, is_closed);
    BOOST_CHECK_EXCEPTION(q.get(), mp::system_error, is_closed);
    BOOST_CHECK_EXCEPTION(jq.put("foo"), mp::system_error, is_closed);
    BOOST_CHECK_EXCEPTION(jq.get(), mp::system_error, is_closed);
}

BOOST_AUTO_TEST_CASE(test_shutdown_empty)
{
    shutdown_empty<mp::queue<std::string>>();
    shutdown_empty<mp::joinable_queue<std::string>>();
}

BOOST_AUTO_TEST_CASE(test_shutdown_nonempty)
{
    shutdown_nonempty<mp::queue<std::string>>();
    shutdown_nonempty<mp::joinable_queue<std::string>>();
}

BOOST_AUTO_TEST_CASE(test_shutdown_immediate)
{
    shutdown_immediate<mp::queue<std::string>>();
    shutdown_immediate<mp::joinable_queue<std::string>>();
}

BOOST_AUTO_TEST_CASE(test_shutdown_immediate_with_unfinished)
{
    mp::joinable_queue<std::string> q;
    q.put("data");
    q.put("data");
    std::optional<mp::process> join = start_join_worker(q);
    BOOST_TEST(run_in_child(cpyq_get_expecting, q, std::string("data")) == 0);
    q.shutdown(true);
    std::this_thread::sleep_for(delta);
    BOOST_TEST(q.size() == 0u);
    BOOST_TEST(join->is_alive()); // the value taken is not done yet
    expect_shut_down_everywhere(q);
    q.task_done();
    BOOST_CHECK_THROW(q.task_done(), mp::system_error); // ValueError: all are done
    expect_join_returned(join);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(TestSimpleQueue, *boost::unit_test::label("cpython_queue"))

BOOST_AUTO_TEST_CASE(test_empty)
{
    mp::queue<bool> q;
    mp::event child_can_start(mp::create_only), parent_can_continue(mp::create_only);
    mp::process_options options;
    options.daemon = true;
    mp::process child(options, cpyq_test_empty, q, child_can_start, parent_can_continue);
    child.start();
    BOOST_TEST(q.empty());
    child_can_start.set();
    BOOST_TEST(parent_can_continue.wait_for(30s));
    BOOST_TEST(!q.empty());
    BOOST_TEST(q.get() == true);
    BOOST_TEST(q.get() == false);
    BOOST_TEST(q.empty());
    BOOST_TEST(child.join_for(30s));
}

BOOST_AUTO_TEST_CASE(test_close)
{
    mp::queue<int> q;
    q.close();
    q.close(); // a second close is no error
}

BOOST_AUTO_TEST_CASE(test_empty_exceptions)
{
    // empty() on a closed queue says it is closed, used or not (CPython's OSError 'is closed').
    for (const bool used : {false, true}) {
        BOOST_TEST_CONTEXT("used " << used)
        {
            mp::queue<int> q;
            if (used) {
                q.put(1);
                BOOST_TEST(q.get() == 1);
            }
            q.close();
            BOOST_CHECK_EXCEPTION(q.empty(), mp::system_error, [](const mp::system_error& e) {
                return e.code() == mp::error::queue_closed;
            });
            mp::error_code ec;
            q.empty(ec);
            BOOST_TEST((ec == mp::error::queue_closed));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
