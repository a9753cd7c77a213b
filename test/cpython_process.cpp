// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// CPython's Lib/test/_test_multiprocessing.py, area "process": _TestProcess, TestWait,
// TestCloseFds, TestStartMethod and TestNoForkBomb, case by case under CPython's names. Their
// timing bounds are CPython's (SHORT_TIMEOUT 30 s, LONG_TIMEOUT 5 min, DELTA 0.1 s).

#include <multiproc/process.hpp>

#include <multiproc/init.hpp>
#include <multiproc/pipe.hpp>
#include <multiproc/pool.hpp>
#include <multiproc/queue.hpp>
#include <multiproc/sync.hpp>
#include <multiproc/wait.hpp>

#include "test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace mp = multiproc;
using namespace std::chrono_literals;
using test_util::all_methods;
using test_util::with_method;

namespace {

constexpr auto short_timeout = 30s;
constexpr auto long_timeout = 300s;
constexpr auto delta = 100ms;

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point start)
{
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

// CPython's wait_for_handle: true once the sentinel is ready within `timeout`.
bool wait_for_handle(std::intptr_t sentinel, std::chrono::milliseconds timeout)
{
    return test_util::wait_for_sentinel(sentinel, timeout);
}

// _TestProcess._test: what the child knows of itself, through the queue.
void cp_test(mp::queue<std::string> q, int a, int b)
{
    q.put(std::to_string(a) + " " + std::to_string(b));
    q.put(mp::current_process().name);
    q.put(std::to_string(mp::current_process().pid));
}
MULTIPROC_TASK(cp_test)

void cp_send_parent_process(mp::connection w)
{
    const auto parent = mp::parent_process();
    w.send(parent ? std::to_string(parent->pid()) + " " + parent->name() : std::string("none"));
}
MULTIPROC_TASK(cp_send_parent_process)

void cp_sleep_some_event(mp::event e)
{
    e.set();
    std::this_thread::sleep_for(100s);
}
MULTIPROC_TASK(cp_sleep_some_event)

void cp_sleep_no_int_handler(mp::event e)
{
    std::signal(SIGINT, SIG_DFL);
    cp_sleep_some_event(e);
}
MULTIPROC_TASK(cp_sleep_no_int_handler)

void cp_sleep(int ms)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}
MULTIPROC_TASK(cp_sleep)

void cp_event_wait(mp::event e)
{
    e.wait();
}
MULTIPROC_TASK(cp_event_wait)

void cp_test_sentinel(mp::event e)
{
    e.wait_for(10s);
}
MULTIPROC_TASK(cp_test_sentinel)

void cp_test_recursion(mp::connection w, std::vector<int> id)
{
    w.send(id);
    if (id.size() < 2) {
        for (int i = 0; i < 2; ++i) {
            auto next = id;
            next.push_back(i);
            mp::process p(cp_test_recursion, w, next);
            p.start();
            p.join();
        }
    }
}
MULTIPROC_TASK(cp_test_recursion)

void cp_test_close(mp::queue<int> q)
{
    q.get();
    std::exit(0);
}
MULTIPROC_TASK(cp_test_close)

// _test_error_on_stdio_flush with break_std_streams: the child breaks its own stdout or
// stderr ("close": the descriptor; "remove": the C++ stream) and still ends with 0.
void cp_test_error_on_stdio_flush(mp::event e, int stream, std::string action)
{
    std::ostream& out = stream == 1 ? std::cout : std::cerr;
    if (action == "close") {
        test_util::close_std_stream(stream);
    } else {
        // Python's sys.stdout = None: the stream is unusable. A failed stream, not a null
        // buffer, whose use UBSan reports inside the standard library.
        out.setstate(std::ios::badbit);
    }
    out << "lost\n" << std::flush; // goes nowhere
    e.set();
}
MULTIPROC_TASK(cp_test_error_on_stdio_flush)

void cp_child_test_wait(mp::connection w, bool slow)
{
    for (int i = 0; i < 10; ++i) {
        if (slow)
            std::this_thread::sleep_for(std::chrono::milliseconds(std::rand() % 100));
        w.send(std::vector<int>{i, mp::this_process::id()});
    }
    w.close();
}
MULTIPROC_TASK(cp_child_test_wait)

void cp_signal_and_sleep(mp::semaphore s, int seconds)
{
    s.release();
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
}
MULTIPROC_TASK(cp_signal_and_sleep)

// TestCloseFds._test_closefds: whether `fd` is open here, as a socket.
void cp_test_closefds(mp::connection c, std::intptr_t fd)
{
    c.send(test_util::socket_probe(fd));
}
MULTIPROC_TASK(cp_test_closefds)

void cp_check_context(mp::connection w)
{
    w.send(std::string(mp::get_start_method() == mp::start_method::spawn ? "spawn" : "fork"));
}
MULTIPROC_TASK(cp_check_context)

void cp_put_one_in_queue(mp::queue<int> q)
{
    q.put(1);
}
MULTIPROC_TASK(cp_put_one_in_queue)

void cp_put_two_and_nest_once(mp::queue<int> q)
{
    q.put(2);
    mp::process p(cp_put_one_in_queue, q);
    p.start();
    p.join();
}
MULTIPROC_TASK(cp_put_two_and_nest_once)

void cp_nothing() {}
MULTIPROC_TASK(cp_nothing)

// TestStdinBadfiledescriptor: a child whose standard input is closed (CPython's children close
// sys.stdin) still makes queues, processes and pools.
void cp_close_stdin()
{
    std::fclose(stdin);
    test_util::close_stdin_descriptor();
}

void cp_take_without_waiting(mp::queue<int> q)
{
    (void)q.try_get(); // CPython's _this_sub_process: Empty is fine
}
MULTIPROC_TASK(cp_take_without_waiting)

void cp_queue_in_process()
{
    cp_close_stdin();
    mp::queue<int> q;
    mp::process_options options;
    options.daemon = true;
    mp::process sub(options, cp_take_without_waiting, q);
    sub.start();
    sub.join();
    if (sub.exit_code() != 0)
        std::exit(3);
}
MULTIPROC_TASK(cp_queue_in_process)

int cp_afunc(int x)
{
    return x * x;
}
MULTIPROC_TASK(cp_afunc)

void cp_pool_in_process()
{
    cp_close_stdin();
    mp::pool p(4);
    const std::vector<int> squares = p.map(cp_afunc, std::vector<int>{1, 2, 3, 4, 5, 6, 7});
    p.close();
    p.join();
    if (squares != std::vector<int>{1, 4, 9, 16, 25, 36, 49})
        std::exit(3);
}
MULTIPROC_TASK(cp_pool_in_process)

std::string method_name(mp::start_method m)
{
    return m == mp::start_method::spawn ? "spawn" : "fork";
}

bool in_active_children(const mp::process& p)
{
    const auto children = mp::active_children();
    return std::find(children.begin(), children.end(), p) != children.end();
}

// _TestProcess._kill_process: a daemon child that sets the event and sleeps, stopped by
// `stop`; returns its exit code.
template <class Stop>
int kill_process(Stop stop, void (*target)(mp::event) = cp_sleep_some_event)
{
    mp::event e(mp::create_only);
    mp::process_options options;
    options.daemon = true;
    mp::process p(options, target, e);
    p.start();

    BOOST_TEST(p.is_alive());
    BOOST_TEST(in_active_children(p));
    BOOST_TEST(!p.exit_code().has_value());

    auto start = clock_type::now();
    BOOST_TEST(!p.join_for(0s));
    BOOST_TEST(seconds_since(start) < 10.0);
    BOOST_TEST(p.is_alive());

    start = clock_type::now();
    BOOST_TEST(!p.join_for(-1s));
    BOOST_TEST(seconds_since(start) < 10.0);
    BOOST_TEST(p.is_alive());

    if (!e.wait_for(short_timeout)) {
        p.terminate();
        p.join();
        BOOST_FAIL("event not signaled in 30 seconds");
    }
    stop(p);

    // CPython's alarm(10): join must not take long.
    start = clock_type::now();
    BOOST_TEST(p.join_for(10s));
    BOOST_TEST(seconds_since(start) < 10.0);
    BOOST_TEST(!p.is_alive());
    BOOST_TEST(!in_active_children(p));
    p.join();
    return p.exit_code().value();
}

} // namespace

BOOST_AUTO_TEST_SUITE(cpython)

BOOST_AUTO_TEST_SUITE(_TestProcess, *boost::unit_test::label("cpython_process"))

BOOST_AUTO_TEST_CASE(test_current)
{
    const mp::process_info current = mp::current_process();
    BOOST_TEST(current.pid == mp::this_process::id());
    BOOST_TEST(current.name == "MainProcess");
}

BOOST_AUTO_TEST_CASE(test_set_executable)
{
    const std::string self = mp::get_executable();
    mp::set_executable(self);
    mp::process p(cp_nothing);
    p.start();
    p.join();
    mp::set_executable({});
    BOOST_TEST(p.exit_code().value() == 0);
}

BOOST_AUTO_TEST_CASE(test_daemon_argument)
{
    mp::process proc0(cp_nothing);
    BOOST_TEST(!proc0.daemon()); // the main process is not a daemon
    mp::process_options daemon;
    daemon.daemon = true;
    mp::process proc1(daemon, cp_nothing);
    BOOST_TEST(proc1.daemon());
    daemon.daemon = false;
    mp::process proc2(daemon, cp_nothing);
    BOOST_TEST(!proc2.daemon());
}

BOOST_AUTO_TEST_CASE(test_parent_process_attributes)
{
    BOOST_TEST(!mp::parent_process().has_value());
    for (auto method : all_methods()) {
        auto [r, w] = mp::pipe(false);
        mp::process p(with_method(method), cp_send_parent_process, w);
        p.start();
        p.join();
        const auto current = mp::current_process();
        BOOST_TEST(r.recv<std::string>() == std::to_string(current.pid) + " " + current.name);
        BOOST_TEST(current.pid == mp::this_process::id());
    }
}

BOOST_AUTO_TEST_CASE(test_process)
{
    mp::queue<std::string> q(1);
    mp::process_options options;
    options.name = "SomeProcess";
    options.daemon = true;
    mp::process p(options, cp_test, q, 1, 2);

    BOOST_TEST(!p.is_alive());
    BOOST_TEST(p.daemon());
    BOOST_TEST(!in_active_children(p));
    BOOST_TEST(!p.exit_code().has_value());

    p.start();

    BOOST_TEST(!p.exit_code().has_value());
    BOOST_TEST(p.is_alive());
    BOOST_TEST(in_active_children(p));

    BOOST_TEST(q.get() == "1 2");
    BOOST_TEST(q.get() == p.name());
    BOOST_TEST(q.get() == std::to_string(p.pid()));

    p.join();

    BOOST_TEST(p.exit_code().value() == 0);
    BOOST_TEST(!p.is_alive());
    BOOST_TEST(!in_active_children(p));
}

// Windows too: there interrupt() ends the child, whose exit code reads back as -SIGINT.
BOOST_AUTO_TEST_CASE(test_interrupt_no_handler)
{
    const int code = kill_process([](mp::process& p) { p.interrupt(); }, cp_sleep_no_int_handler);
    BOOST_TEST(code == -SIGINT);
}

BOOST_AUTO_TEST_CASE(test_terminate)
{
    BOOST_TEST(kill_process([](mp::process& p) { p.terminate(); }) == -15);
}

BOOST_AUTO_TEST_CASE(test_kill)
{
    BOOST_TEST(kill_process([](mp::process& p) { p.kill(); }) == -9);
}

BOOST_AUTO_TEST_CASE(test_cpu_count)
{
    BOOST_TEST(mp::cpu_count() >= 1u);
}

BOOST_AUTO_TEST_CASE(test_active_children)
{
    mp::event e(mp::create_only);
    mp::process_options options;
    options.daemon = true;
    mp::process p(options, cp_event_wait, e);
    BOOST_TEST(!in_active_children(p));
    p.start();
    BOOST_TEST(in_active_children(p));
    e.set();
    p.join();
    BOOST_TEST(!in_active_children(p));
}

BOOST_AUTO_TEST_CASE(test_recursion)
{
    auto [r, w] = mp::pipe(false);
    cp_test_recursion(w, {});
    std::this_thread::sleep_for(delta);
    std::vector<std::vector<int>> result;
    while (r.poll())
        result.push_back(r.recv<std::vector<int>>());
    const std::vector<std::vector<int>> expected{{}, {0}, {0, 0}, {0, 1}, {1}, {1, 0}, {1, 1}};
    BOOST_TEST((result == expected));
}

BOOST_AUTO_TEST_CASE(test_sentinel)
{
    mp::event e(mp::create_only);
    mp::process p(cp_test_sentinel, e);
    mp::error_code ec;
    p.sentinel(ec);
    BOOST_TEST((ec == mp::error::not_started));
    BOOST_CHECK_THROW(p.sentinel(), mp::system_error);
    p.start();
    const std::intptr_t sentinel = p.sentinel();
    BOOST_TEST(sentinel != -1);
    BOOST_TEST(!wait_for_handle(sentinel, 0ms));
    e.set();
    p.join();
    BOOST_TEST(wait_for_handle(sentinel, 1000ms));
}

BOOST_AUTO_TEST_CASE(test_close)
{
    mp::queue<int> q;
    mp::process_options options;
    options.daemon = true;
    mp::process p(options, cp_test_close, q);
    p.start();
    BOOST_TEST(p.is_alive());
    // Child is still alive, cannot close
    mp::error_code ec;
    p.close(ec);
    BOOST_TEST((ec == mp::error::process_running));
    BOOST_CHECK_THROW(p.close(), mp::system_error);

    q.put(0);
    p.join();
    BOOST_TEST(!p.is_alive());
    BOOST_TEST(p.exit_code().value() == 0);
    p.close();
    const auto closed = [](const mp::system_error& e) {
        return e.code() == mp::error::process_closed;
    };
    BOOST_CHECK_EXCEPTION(p.is_alive(), mp::system_error, closed);
    BOOST_CHECK_EXCEPTION(p.join(), mp::system_error, closed);
    BOOST_CHECK_EXCEPTION(p.terminate(), mp::system_error, closed);
    BOOST_CHECK_EXCEPTION(p.exit_code(), mp::system_error, closed);
    BOOST_CHECK_EXCEPTION(p.sentinel(), mp::system_error, closed);
    BOOST_CHECK_EXCEPTION(p.start(), mp::system_error, closed);
    p.close();
}

BOOST_AUTO_TEST_CASE(test_many_processes)
{
    for (auto method : all_methods()) {
        const int n = method == mp::start_method::spawn ? 5 : 100;
        std::vector<mp::process> procs;
        for (int i = 0; i < n; ++i)
            procs.emplace_back(with_method(method), cp_sleep, 10);
        for (auto& p : procs)
            p.start();
        for (auto& p : procs)
            BOOST_TEST(p.join_for(short_timeout));
        for (auto& p : procs)
            BOOST_TEST(p.exit_code().value() == 0);

        procs.clear();
        for (int i = 0; i < n; ++i)
            procs.emplace_back(with_method(method), cp_sleep, 100000);
        for (auto& p : procs)
            p.start();
        std::this_thread::sleep_for(1ms); // let the children start...
        for (auto& p : procs)
            p.terminate();
        for (auto& p : procs)
            BOOST_TEST(p.join_for(short_timeout));
        for (auto& p : procs)
            BOOST_TEST(p.exit_code().value() == -15);
    }
}

BOOST_AUTO_TEST_CASE(test_error_on_stdio_flush_2)
{
    for (int stream : {1, 2}) {
        for (const char* action : {"close", "remove"}) {
            mp::event e(mp::create_only);
            mp::process p(cp_test_error_on_stdio_flush, e, stream, std::string(action));
            p.start();
            p.join();
            BOOST_TEST(e.is_set());
            BOOST_TEST(p.exit_code().value() == 0);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(TestWait, *boost::unit_test::label("cpython_process"))

namespace {
void run_test_wait(bool slow)
{
    std::vector<mp::connection> readers;
    std::vector<mp::process> procs;
    std::vector<std::vector<int>> messages;
    for (int i = 0; i < 4; ++i) {
        auto [r, w] = mp::pipe(false);
        mp::process_options options;
        options.daemon = true;
        procs.emplace_back(options, cp_child_test_wait, w, slow);
        procs.back().start();
        w.close();
        readers.push_back(r);
    }
    const auto deadline = clock_type::now() + long_timeout;
    while (!readers.empty() && clock_type::now() < deadline) {
        const std::vector<mp::wait_object> objects(readers.begin(), readers.end());
        const auto ready = mp::wait_for(objects, long_timeout);
        BOOST_REQUIRE(!ready.empty());
        std::vector<mp::connection> open;
        for (std::size_t i = 0; i < readers.size(); ++i) {
            mp::error_code ec;
            if (std::find(ready.begin(), ready.end(), i) != ready.end()) {
                auto msg = readers[i].recv<std::vector<int>>(ec);
                if (ec == mp::error::peer_closed) {
                    readers[i].close();
                    continue;
                }
                BOOST_REQUIRE(!ec);
                messages.push_back(msg);
            }
            open.push_back(readers[i]);
        }
        readers = open;
    }
    for (auto& p : procs)
        p.join();
    std::vector<std::vector<int>> expected;
    for (int i = 0; i < 10; ++i)
        for (auto& p : procs)
            expected.push_back({i, p.pid()});
    std::sort(messages.begin(), messages.end());
    std::sort(expected.begin(), expected.end());
    BOOST_TEST((messages == expected));
}
} // namespace

BOOST_AUTO_TEST_CASE(test_wait)
{
    run_test_wait(false);
}

BOOST_AUTO_TEST_CASE(test_wait_slow)
{
    run_test_wait(true);
}

BOOST_AUTO_TEST_CASE(test_wait_timeout)
{
    constexpr double timeout = 5.0;
    auto [a, b] = mp::pipe();
    auto start = clock_type::now();
    auto res = mp::wait_for({a, b}, 5s);
    const double elapsed = seconds_since(start);
    BOOST_TEST(res.empty());
    BOOST_TEST(elapsed > timeout - 0.1);

    b.send(0);
    res = mp::wait_for({a, b}, 20s);
    BOOST_TEST(res == std::vector<std::size_t>{0}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(test_wait_integer)
{
    constexpr int expected = 3;
    mp::semaphore sem(mp::create_only, 0);
    auto [a, b] = mp::pipe();
    mp::process p(cp_signal_and_sleep, sem, expected);
    p.start();
    BOOST_TEST(p.sentinel() != -1);
    BOOST_TEST(sem.acquire_for(20s));

    auto start = clock_type::now();
    auto res = mp::wait_for({a, p, b}, std::chrono::seconds(expected + 20));
    double elapsed = seconds_since(start);
    BOOST_TEST(res == std::vector<std::size_t>{1}, boost::test_tools::per_element());
    BOOST_TEST(elapsed < expected + 2);
    BOOST_TEST(elapsed > expected - 2);

    a.send(0);
    start = clock_type::now();
    res = mp::wait_for({a, p, b}, 20s);
    elapsed = seconds_since(start);
    BOOST_TEST(res == (std::vector<std::size_t>{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(elapsed < 0.4);

    b.send(0);
    start = clock_type::now();
    res = mp::wait_for({a, p, b}, 20s);
    elapsed = seconds_since(start);
    BOOST_TEST(res == (std::vector<std::size_t>{0, 1, 2}), boost::test_tools::per_element());
    BOOST_TEST(elapsed < 0.4);

    p.terminate();
    p.join();
}

BOOST_AUTO_TEST_CASE(test_neg_timeout)
{
    auto [a, b] = mp::pipe();
    const auto start = clock_type::now();
    const auto res = mp::wait_for({a}, -1s);
    BOOST_TEST(res.empty());
    BOOST_TEST(seconds_since(start) < 1.0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(TestCloseFds, *boost::unit_test::label("cpython_process"))

BOOST_AUTO_TEST_CASE(test_closefd)
{
    // CPython's get_high_socket_fd: a socket above the numbers a fresh child uses. Here it is
    // inheritable too, so only the launcher's list of what to pass on keeps it from the child.
    const std::intptr_t fd = test_util::inheritable_socket();
    BOOST_REQUIRE(fd != -1);
    for (auto method : all_methods()) {
        auto [reader, writer] = mp::pipe();
        mp::process p(with_method(method), cp_test_closefds, writer, fd);
        p.start();
        writer.close();
        const std::string e = reader.recv<std::string>();
        p.join();
        if (method == mp::start_method::spawn)
            BOOST_TEST((e == "EBADF" || e == "WSAENOTSOCK"), e);
        else
            BOOST_TEST(e == "none");
    }
    test_util::close_socket(fd);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(TestStartMethod, *boost::unit_test::label("cpython_process"))

namespace {
void check_context(const mp::process_options& options, mp::start_method expected)
{
    auto [r, w] = mp::pipe(false);
    mp::process p(options, cp_check_context, w);
    p.start();
    w.close();
    const std::string child_method = r.recv<std::string>();
    r.close();
    p.join();
    BOOST_TEST(child_method == method_name(expected));
}
} // namespace

BOOST_AUTO_TEST_CASE(test_context)
{
    for (auto method : all_methods())
        check_context(with_method(method), method);
}

BOOST_AUTO_TEST_CASE(test_set_get)
{
    const mp::start_method old_method = mp::get_start_method();
    int count = 0;
    for (auto method : all_methods()) {
        mp::set_start_method(method);
        BOOST_TEST(method_name(mp::get_start_method()) == method_name(method));
        check_context({}, method);
        ++count;
    }
    mp::set_start_method(old_method);
    BOOST_TEST(count >= 1);
}

BOOST_AUTO_TEST_CASE(test_nested_startmethod)
{
    mp::queue<int> q;
    mp::process p(cp_put_two_and_nest_once, q);
    p.start();
    p.join();
    std::set<int> results;
    while (auto v = q.try_get())
        results.insert(*v);
    BOOST_TEST((results == std::set<int>{1, 2}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(TestStdinBadfiledescriptor, *boost::unit_test::label("cpython_process"))

BOOST_AUTO_TEST_CASE(test_queue_in_process)
{
    mp::process proc(cp_queue_in_process);
    proc.start();
    BOOST_REQUIRE(proc.join_for(short_timeout));
    BOOST_TEST(proc.exit_code().value_or(-1) == 0);
}

BOOST_AUTO_TEST_CASE(test_pool_in_process)
{
    mp::process p(cp_pool_in_process);
    p.start();
    BOOST_REQUIRE(p.join_for(short_timeout));
    BOOST_TEST(p.exit_code().value_or(-1) == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(TestNoForkBomb, *boost::unit_test::label("cpython_process"))

BOOST_AUTO_TEST_CASE(test_noforkbomb)
{
    // CPython runs mp_fork_bomb.py, a program without the __main__ guard: under spawn its
    // child fails (RuntimeError), under fork it runs. Here the program without
    // multiproc::init is test/no_init_child; in "spawn" mode it tries to start a child.
    test_util::set_env("NO_INIT_MODE", "spawn");
    mp::set_executable(NO_INIT_CHILD);
    mp::process p(cp_nothing);
    p.start();
    mp::error_code ec;
    p.join(ec);
    test_util::unset_env("NO_INIT_MODE");
    mp::set_executable({});
    BOOST_TEST((ec == mp::error::not_initialized));
    BOOST_TEST(p.exit_code().value() == 3); // its own start was refused: no fork bomb
#if defined(MULTIPROC_HAS_FORK)
    auto [r, w] = mp::pipe(false);
    mp::process forked(
        with_method(mp::start_method::fork), [](mp::connection c) { c.send(123); }, w);
    forked.start();
    forked.join();
    BOOST_TEST(r.recv<int>() == 123);
    BOOST_TEST(forked.exit_code().value() == 0);
#endif
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE_END()
