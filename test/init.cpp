// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include <multiproc/init.hpp>

#include <multiproc/process.hpp>

#include "test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>

namespace mp = multiproc;
using namespace std::chrono_literals;

namespace {
void init_test_task() {}
MULTIPROC_TASK(init_test_task)

// Runs the test against the program that never calls init, in the given mode.
struct no_init_program
{
    explicit no_init_program(const char* mode)
    {
        test_util::set_env("NO_INIT_MODE", mode);
        mp::set_executable(NO_INIT_CHILD);
    }
    ~no_init_program()
    {
        test_util::unset_env("NO_INIT_MODE");
        mp::set_executable({});
    }
};

// Starts `p` and joins it: what the join reports.
mp::error_code start_and_join(mp::process& p)
{
    p.start();
    mp::error_code ec;
    p.join(ec);
    return ec;
}
} // namespace

BOOST_AUTO_TEST_SUITE(init_tests)

BOOST_AUTO_TEST_CASE(executable_defaults_to_this_program)
{
    const std::string self = mp::get_executable();
    BOOST_TEST(!self.empty());
    mp::set_executable("/bin/true");
    BOOST_TEST(mp::get_executable() == "/bin/true");
    mp::set_executable({});
    BOOST_TEST(mp::get_executable() == self);
}

BOOST_AUTO_TEST_CASE(child_that_skips_init_is_reported)
{
    no_init_program program("exit");
    mp::process p(init_test_task);
    BOOST_TEST((start_and_join(p) == mp::error::not_initialized));
    BOOST_TEST(p.exit_code().value() == 0);
    BOOST_CHECK_THROW(p.join(), mp::system_error); // every join tells
}

BOOST_AUTO_TEST_CASE(child_that_skips_init_and_runs_on_times_out)
{
    no_init_program program("hang");
    mp::process_options options;
    options.start_timeout = 500ms;
    mp::process p(options, init_test_task);
    const auto before = std::chrono::steady_clock::now();
    BOOST_TEST((start_and_join(p) == mp::error::start_timeout));
    BOOST_TEST((std::chrono::steady_clock::now() - before < 10s));
    BOOST_TEST(!p.is_alive()); // killed, not left behind
}

BOOST_AUTO_TEST_CASE(child_that_skips_init_cannot_spawn_again)
{
    no_init_program program("spawn");
    mp::process p(init_test_task);
    BOOST_TEST((start_and_join(p) == mp::error::not_initialized));
    BOOST_TEST(p.exit_code().value() == 3); // its own start() was refused
}

BOOST_AUTO_TEST_CASE(missing_executable_fails_at_start)
{
    mp::set_executable("/nonexistent/program");
    mp::process p(init_test_task);
    mp::error_code ec;
    p.start(ec);
    mp::set_executable({});
    BOOST_TEST(ec.failed());
    BOOST_TEST(!p.is_alive());
    BOOST_TEST(test_util::count_children().first == 0); // the failed child was reaped
}

BOOST_AUTO_TEST_SUITE_END()
