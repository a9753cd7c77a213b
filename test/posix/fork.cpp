// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// multiproc::fork and wait_pid: POSIX only (Windows has no fork(); compile_fail.fork_on_windows
// checks that naming it there does not compile).

#include <multiproc/fork.hpp>

#include "../test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <thread>

namespace mp = multiproc;

BOOST_AUTO_TEST_SUITE(fork_tests)

BOOST_AUTO_TEST_CASE(returns_zero_in_the_child_and_its_pid_in_the_parent)
{
    test_util::temp_file out("fork_child");
    const mp::pid_type parent = mp::this_process::id();
    const mp::pid_type pid = mp::fork();
    if (pid == 0) {
        test_util::write_file(out.path(), std::to_string(mp::this_process::id()) + " " +
                                              std::to_string(mp::this_process::parent_id()));
        ::_exit(42);
    }
    BOOST_TEST(pid > 0);
    BOOST_TEST(mp::wait_pid(pid) == 42);
    std::istringstream in(out.read());
    int child = 0, childs_parent = 0;
    in >> child >> childs_parent;
    BOOST_TEST(child == pid);
    BOOST_TEST(childs_parent == parent);
}

BOOST_AUTO_TEST_CASE(wait_pid_reports_the_signal)
{
    const mp::pid_type pid = mp::fork();
    if (pid == 0) {
        for (;;)
            ::pause();
    }
    ::kill(pid, SIGKILL);
    BOOST_TEST(mp::wait_pid(pid) == -SIGKILL);
    mp::error_code ec;
    mp::wait_pid(pid, ec); // already reaped
    BOOST_TEST(ec.failed());
}

BOOST_AUTO_TEST_CASE(buffered_output_is_not_printed_twice)
{
    test_util::temp_file out("fork_flush");
    std::FILE* file = std::fopen(out.path().c_str(), "w");
    BOOST_REQUIRE(file);
    // stdout may be a terminal or a pipe here; a FILE* to a file is fully buffered, like
    // stdout to a pipe. fork() flushes every stdio stream first.
    std::fputs("before\n", file);
    const mp::pid_type pid = mp::fork();
    if (pid == 0) {
        std::fputs("child\n", file);
        std::fclose(file);
        ::_exit(0);
    }
    BOOST_TEST(mp::wait_pid(pid) == 0);
    std::fclose(file);
    BOOST_TEST(out.read() == "before\nchild\n");
}

BOOST_AUTO_TEST_SUITE_END()
