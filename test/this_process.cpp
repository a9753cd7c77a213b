// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include <multiproc/this_process.hpp>

#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

#include <thread>

namespace mp = multiproc;

BOOST_AUTO_TEST_SUITE(this_process_tests)

BOOST_AUTO_TEST_CASE(ids_match_the_system)
{
    // parent_id() is checked in a spawned child (process_tests) where the system has no parent
    // id to compare with: a program started from a Unix shell under Wine has no Windows parent.
    BOOST_TEST(mp::this_process::id() == test_util::system_process_id());
    if (const auto parent = test_util::system_parent_id())
        BOOST_TEST(mp::this_process::parent_id() == *parent);
}

BOOST_AUTO_TEST_CASE(cpu_count_is_the_machines)
{
    BOOST_TEST(mp::cpu_count() >= 1u);
    BOOST_TEST(mp::cpu_count() == std::thread::hardware_concurrency());
}

BOOST_AUTO_TEST_CASE(main_process_is_named_like_pythons)
{
    const mp::process_info self = mp::current_process();
    BOOST_TEST(self.name == "MainProcess");
    BOOST_TEST(self.pid == mp::this_process::id());
    BOOST_TEST(mp::this_process::name() == "MainProcess");
}

BOOST_AUTO_TEST_SUITE_END()
