// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include <multiproc/process.hpp>

#include <multiproc/pipe.hpp>
#include <multiproc/pool.hpp>

#include "test_util.hpp"

#include <boost/serialization/map.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <thread>

namespace mp = multiproc;
using test_util::all_methods;
using test_util::with_method;
using namespace std::chrono_literals;
using test_util::temp_file;

namespace {

// A user type that crosses processes through its serialize member.
struct point
{
    int x = 0;
    double y = 0;
    std::string label;
    template <class Archive>
    void serialize(Archive& ar, unsigned)
    {
        ar& x& y& label;
    }
};

void write_text(std::string path, std::string text)
{
    test_util::write_file(path, text);
}
MULTIPROC_TASK(write_text)

void exit_with(int code)
{
    std::exit(code);
}
MULTIPROC_TASK(exit_with)

void sleep_ms(int ms)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}
MULTIPROC_TASK(sleep_ms)

void throw_runtime_error(std::string message)
{
    throw std::runtime_error(message);
}
MULTIPROC_TASK(throw_runtime_error)

// Writes what it received, so the parent can compare.
void echo_arguments(std::string path, const std::vector<int>& numbers, point p,
                    std::map<std::string, int> table)
{
    std::ostringstream out;
    for (int n : numbers)
        out << n << ',';
    out << '|' << p.x << ',' << p.y << ',' << p.label << '|';
    for (const auto& [k, v] : table)
        out << k << '=' << v << ';';
    test_util::write_file(path, out.str());
}
MULTIPROC_TASK(echo_arguments)

void report_identity(std::string path)
{
    std::ostringstream out;
    out << mp::this_process::name() << ' ' << mp::this_process::id() << ' '
        << mp::this_process::parent_id();
    test_util::write_file(path, out.str());
}
MULTIPROC_TASK(report_identity)

int not_registered(int x)
{
    return x;
}

// Starts a grandchild that sleeps, writes its pid to `path`, then sleeps itself.
void start_sleeper_and_wait(std::string path, bool fork_method)
{
    mp::process_options options;
    if (fork_method)
        options.method = test_util::fork_if_any(true);
    mp::process sleeper(options, sleep_ms, 60000);
    sleeper.start();
    test_util::write_file(path, std::to_string(sleeper.pid()));
    std::this_thread::sleep_for(60s);
}
MULTIPROC_TASK(start_sleeper_and_wait)

// Starts a daemon sleeper and a short non-daemon child, reports both pids, then returns: the
// exit of this child must terminate the daemon and join the other.
void start_daemon_and_worker(std::string pids_path, std::string worker_path)
{
    mp::process_options daemon_options;
    daemon_options.daemon = true;
    mp::process daemon(daemon_options, sleep_ms, 60000);
    daemon.start();
    mp::process worker(write_text, worker_path, std::string("worker done"));
    // The worker sleeps first so that the parent's exit hook really has to wait for it.
    mp::process slow(sleep_ms, 300);
    slow.start();
    worker.start();
    test_util::write_file(pids_path,
                          std::to_string(daemon.pid()) + " " + std::to_string(slow.pid()));
}
MULTIPROC_TASK(start_daemon_and_worker)

} // namespace

BOOST_AUTO_TEST_SUITE(process_tests)

BOOST_AUTO_TEST_CASE(start_join_runs_the_function)
{
    for (auto method : all_methods()) {
        temp_file out("start_join");
        mp::process p(with_method(method), write_text, out.path(), std::string("hello"));
        BOOST_TEST(!p.is_alive());
        BOOST_TEST(p.pid() == 0);
        BOOST_TEST(!p.exit_code().has_value());
        p.start();
        BOOST_TEST(p.pid() > 0);
        p.join();
        BOOST_TEST(out.read() == "hello");
        BOOST_TEST(!p.is_alive());
        BOOST_REQUIRE(p.exit_code().has_value());
        BOOST_TEST(*p.exit_code() == 0);
    }
}

BOOST_AUTO_TEST_CASE(arguments_of_std_and_user_types_arrive_intact)
{
    temp_file out("arguments");
    mp::process p(echo_arguments, out.path(), std::vector<int>{1, -2, 3}, point{7, 2.5, "p q"},
                  std::map<std::string, int>{{"a", 1}, {"b", 2}});
    p.start();
    p.join();
    BOOST_TEST(out.read() == "1,-2,3,|7,2.5,p q|a=1;b=2;");
}

BOOST_AUTO_TEST_CASE(exit_code_propagates)
{
    for (auto method : all_methods()) {
        for (int code : {0, 3, 42, 255}) {
            mp::process p(with_method(method), exit_with, code);
            p.start();
            p.join();
            BOOST_TEST(p.exit_code().value() == code);
        }
    }
}

BOOST_AUTO_TEST_CASE(join_for_times_out_then_kill_gives_minus_nine)
{
    for (auto method : all_methods()) {
        mp::process p(with_method(method), sleep_ms, 30000);
        p.start();
        const auto before = std::chrono::steady_clock::now();
        BOOST_TEST(!p.join_for(200ms));
        const auto waited = std::chrono::steady_clock::now() - before;
        BOOST_TEST((waited >= 190ms));
        BOOST_TEST((waited < 5s));
        BOOST_TEST(p.is_alive());
        BOOST_TEST(!p.exit_code().has_value());
        p.kill();
        BOOST_TEST(p.join_for(10s));
        if (test_util::kill_exit_code)
            BOOST_TEST(p.exit_code().value() == *test_util::kill_exit_code);
        BOOST_TEST(!p.is_alive());
    }
}

BOOST_AUTO_TEST_CASE(terminate_gives_minus_fifteen)
{
    for (auto method : all_methods()) {
        mp::process p(with_method(method), sleep_ms, 30000);
        p.start();
        p.terminate();
        p.join();
        if (test_util::terminate_exit_code)
            BOOST_TEST(p.exit_code().value() == *test_util::terminate_exit_code);
        else
            BOOST_TEST(p.exit_code().value() != 0);
    }
}

BOOST_AUTO_TEST_CASE(exception_in_child_is_printed_and_exits_with_one)
{
    for (auto method : all_methods()) {
        temp_file err("exception_stderr");
        mp::process_options options = with_method(method);
        options.name = "thrower";
        mp::process p(options, throw_runtime_error, std::string("boom in child"));
        {
            test_util::stderr_capture capture(err);
            p.start();
            p.join();
        }
        BOOST_TEST(p.exit_code().value() == 1);
        const std::string text = err.read();
        BOOST_TEST(text.find("Process thrower:") != std::string::npos, text);
        BOOST_TEST(text.find("std::runtime_error: boom in child") != std::string::npos, text);
    }
}

BOOST_AUTO_TEST_CASE(child_knows_its_name_and_parent)
{
    for (auto method : all_methods()) {
        temp_file out("identity");
        mp::process p(with_method(method), report_identity, out.path());
        p.start();
        p.join();
        std::istringstream in(out.read());
        std::string name;
        int pid = 0, parent = 0;
        in >> name >> pid >> parent;
        BOOST_TEST(name == p.name());
        BOOST_TEST(name.rfind("Process-", 0) == 0);
        BOOST_TEST(pid == p.pid());
        BOOST_TEST(parent == mp::this_process::id());
    }
}

BOOST_AUTO_TEST_CASE(unregistered_task_is_an_error_at_the_call_site)
{
    try {
        mp::process p(not_registered, 1);
        BOOST_FAIL("expected an error");
    } catch (const mp::system_error& e) {
        BOOST_TEST((e.code() == mp::error::unregistered_task));
        BOOST_TEST(std::string(e.what()).find("MULTIPROC_TASK") != std::string::npos);
    }
    BOOST_TEST(!mp::is_registered(not_registered));
    BOOST_TEST(mp::is_registered(exit_with));
}

BOOST_AUTO_TEST_CASE(lambda_needs_the_fork_method)
{
    mp::process_options options = with_method(mp::start_method::spawn);
    try {
        mp::process p(options, [] {});
        BOOST_FAIL("expected an error");
    } catch (const mp::system_error& e) {
        BOOST_TEST((e.code() == mp::error::not_supported));
    }
}

BOOST_AUTO_TEST_CASE(misuse_is_reported)
{
    mp::process p(exit_with, 0);
    mp::error_code ec;
    p.join(ec);
    BOOST_TEST((ec == mp::error::not_started));
    p.terminate(ec);
    BOOST_TEST((ec == mp::error::not_started));
    p.start();
    p.start(ec);
    BOOST_TEST((ec == mp::error::already_started));
    BOOST_CHECK_THROW(p.start(), mp::system_error);
    p.join();
    p.join(); // joining again is fine
    BOOST_TEST(p.exit_code().value() == 0);

    mp::process empty;
    BOOST_TEST(!empty);
    BOOST_CHECK_THROW(empty.start(), mp::system_error);
}

BOOST_AUTO_TEST_CASE(handles_share_one_child)
{
    mp::process a(sleep_ms, 30000);
    mp::process b = a;
    BOOST_TEST((a == b));
    a.start();
    BOOST_TEST(b.pid() == a.pid());
    b.kill();
    a.join();
    BOOST_TEST(!b.is_alive());
}

BOOST_AUTO_TEST_CASE(hundred_processes_leave_no_zombie)
{
    for (auto method : all_methods()) {
        std::vector<mp::process> children;
        for (int i = 0; i < 100; ++i) {
            children.emplace_back(with_method(method), exit_with, i % 7);
            children.back().start();
        }
        for (int i = 0; i < 100; ++i) {
            children[i].join();
            BOOST_TEST(children[i].exit_code().value() == i % 7);
        }
        BOOST_TEST(mp::active_children().empty());
        const auto [all, zombies] = test_util::count_children();
        BOOST_TEST(all == 0);
        BOOST_TEST(zombies == 0);
    }
}

BOOST_AUTO_TEST_CASE(active_children_lists_running_ones)
{
    std::vector<mp::process> sleepers;
    for (int i = 0; i < 3; ++i) {
        sleepers.emplace_back(sleep_ms, 30000);
        sleepers.back().start();
    }
    auto active = mp::active_children();
    BOOST_TEST(active.size() == 3u);
    for (auto& p : active)
        p.kill(); // handles from active_children() control the same children
    for (auto& p : sleepers)
        p.join();
    BOOST_TEST(mp::active_children().empty());
}

BOOST_AUTO_TEST_CASE(children_die_with_their_parent)
{
    // Orphans come to this process (not to an init that may not reap), so none is left.
    test_util::become_subreaper();
    for (bool fork_method : {false, true}) {
        if (fork_method && !test_util::has_fork_method)
            continue;
        temp_file pid_file("grandchild_pid");
        mp::process middle(start_sleeper_and_wait, pid_file.path(), fork_method);
        middle.start();
        const std::string text = test_util::wait_for_file(pid_file.path(), 20s);
        BOOST_REQUIRE(!text.empty());
        const int grandchild = std::stoi(text);
        BOOST_TEST(test_util::process_state(grandchild) != 0);
        middle.kill(); // SIGKILL: nothing of the middle process runs any more
        middle.join();
        BOOST_TEST(test_util::wait_gone(grandchild, 2s));
        test_util::reap(grandchild);
    }
}

BOOST_AUTO_TEST_CASE(exit_terminates_daemons_and_joins_the_others)
{
    temp_file pids("daemon_pids");
    temp_file worker("daemon_worker");
    mp::process middle(start_daemon_and_worker, pids.path(), worker.path());
    middle.start();
    middle.join();
    BOOST_TEST(middle.exit_code().value() == 0);
    BOOST_TEST(worker.read() == "worker done");
    std::istringstream in(pids.read());
    int daemon = 0, slow = 0;
    in >> daemon >> slow;
    BOOST_REQUIRE(daemon > 0);
    BOOST_TEST(test_util::wait_gone(daemon, 2s));
    BOOST_TEST(test_util::is_joined(slow)); // joined (reaped on POSIX) before the exit
}

BOOST_AUTO_TEST_SUITE_END()
