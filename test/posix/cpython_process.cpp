// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// CPython's _test_multiprocessing.py, area "process", the cases that exist on POSIX only: a
// grandchild made by fork(), descriptors counted with fcntl, a join interrupted by a signal.
// The rest is in ../cpython_process.cpp; the suites are the same.

#include <multiproc/fork.hpp>
#include <multiproc/pipe.hpp>
#include <multiproc/process.hpp>
#include <multiproc/queue.hpp>
#include <multiproc/sync.hpp>

#include "../test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <signal.h>

namespace mp = multiproc;
using namespace std::chrono_literals;

namespace {

constexpr auto short_timeout = 30s;
constexpr auto long_timeout = 300s;
constexpr auto delta = 100ms;

// _test_create_grandchild_process: the grandchild must outlive this child, so it is a plain
// fork() (a multiproc child dies with its parent, see process.hpp).
void cp_create_grandchild_process(mp::connection w)
{
    if (mp::fork() == 0) {
        const auto parent = mp::parent_process();
        w.send(std::string(parent && parent->is_alive() ? "alive" : "not alive"));
        if (parent)
            parent->join_for(short_timeout);
        w.send(std::string(parent && parent->is_alive() ? "alive" : "not alive"));
        std::_Exit(0);
    }
    std::this_thread::sleep_for(300s);
}
MULTIPROC_TASK(cp_create_grandchild_process)

// os_helper.fd_count: the open descriptors, probed with fcntl (which opens none itself).
int fd_count()
{
    int n = 0;
    for (int fd = 0; fd < 1024; ++fd)
        n += ::fcntl(fd, F_GETFD) != -1 ? 1 : 0;
    return n;
}

void cp_test_child_fd_inflation(mp::event e, mp::queue<int> q)
{
    q.put(fd_count());
    e.wait();
}
MULTIPROC_TASK(cp_test_child_fd_inflation)

// _TestPollEintr: a process that signals `pid` after `ms`.
void cp_killer(int pid, int ms)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    ::kill(pid, SIGUSR1);
}
MULTIPROC_TASK(cp_killer)

void cp_posix_sleep(int ms)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}
MULTIPROC_TASK(cp_posix_sleep)

volatile std::sig_atomic_t cp_got_signal = 0;
void cp_note_signal(int)
{
    cp_got_signal = 1;
}

} // namespace

BOOST_AUTO_TEST_SUITE(cpython)

BOOST_AUTO_TEST_SUITE(_TestProcess)

BOOST_AUTO_TEST_CASE(test_parent_process)
{
    auto [r, w] = mp::pipe(false);
    mp::process p(cp_create_grandchild_process, w);
    p.start();
    w.close();
    BOOST_REQUIRE_MESSAGE(r.poll(long_timeout), "Could not communicate with child process");
    BOOST_TEST(r.recv<std::string>() == "alive");
    p.terminate();
    p.join();
    BOOST_REQUIRE_MESSAGE(r.poll(long_timeout), "Could not communicate with child process");
    BOOST_TEST(r.recv<std::string>() == "not alive");
}

BOOST_AUTO_TEST_CASE(test_child_fd_inflation)
{
    // Spawn only: the fork method inherits every descriptor by design.
    constexpr int n = 5;
    mp::event e(mp::create_only);
    mp::queue<int> q;
    std::vector<mp::process> procs;
    for (int i = 0; i < n; ++i)
        procs.emplace_back(cp_test_child_fd_inflation, e, q);
    for (auto& p : procs)
        p.start();
    std::set<int> fd_counts;
    std::vector<int> all;
    for (int i = 0; i < n; ++i) {
        const auto count = q.get_for(short_timeout);
        BOOST_REQUIRE(count.has_value());
        fd_counts.insert(*count);
        all.push_back(*count);
    }
    e.set();
    for (auto& p : procs)
        p.join();
    std::string counts;
    for (const int c : all)
        counts += std::to_string(c) + ' ';
    BOOST_TEST_INFO("fd counts: " << counts);
    BOOST_TEST(fd_counts.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(_TestPollEintr, *boost::unit_test::label("cpython_process"))

BOOST_AUTO_TEST_CASE(test_poll_eintr)
{
    // join() of a child goes on when a signal with a handler (no SA_RESTART) interrupts it.
    cp_got_signal = 0;
    struct sigaction action = {}, previous = {};
    action.sa_handler = cp_note_signal;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGUSR1, &action, &previous);
    mp::process p(cp_posix_sleep, 2 * static_cast<int>(delta.count()));
    p.start();
    mp::process killer(cp_killer, static_cast<int>(mp::this_process::id()),
                       static_cast<int>(delta.count()));
    killer.start();
    BOOST_TEST(p.join_for(short_timeout));
    BOOST_TEST(killer.join_for(short_timeout));
    ::sigaction(SIGUSR1, &previous, nullptr);
    BOOST_TEST(cp_got_signal == 1);
    BOOST_TEST(p.exit_code().value_or(-1) == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE_END()
