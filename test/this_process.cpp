// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include <multiproc/this_process.hpp>

#include <boost/test/unit_test.hpp>

#include <thread>
#include <unistd.h>

namespace mp = multiproc;

BOOST_AUTO_TEST_SUITE(this_process_tests)

BOOST_AUTO_TEST_CASE(ids_match_the_system)
{
    BOOST_TEST(mp::this_process::id() == ::getpid());
    BOOST_TEST(mp::this_process::parent_id() == ::getppid());
}

BOOST_AUTO_TEST_CASE(cpu_count_is_the_machines)
{
    BOOST_TEST(mp::cpu_count() >= 1u);
    BOOST_TEST(mp::cpu_count() == static_cast<unsigned>(::sysconf(_SC_NPROCESSORS_ONLN)));
}

BOOST_AUTO_TEST_CASE(main_process_is_named_like_pythons)
{
    const mp::process_info self = mp::current_process();
    BOOST_TEST(self.name == "MainProcess");
    BOOST_TEST(self.pid == ::getpid());
    BOOST_TEST(mp::this_process::name() == "MainProcess");
}

BOOST_AUTO_TEST_SUITE_END()
