// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_TEST_FAULT_UTIL_HPP
#define MULTIPROC_TEST_FAULT_UTIL_HPP

// What the fault tests of every platform (fault.cpp) and of POSIX only (posix/fault.cpp) share:
// one random engine, the pids they started, and the check that ends each suite.

#include <multiproc/this_process.hpp>

#include "test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace fault_util {

using namespace std::chrono_literals;

/// Children of this process that still run.
inline std::vector<int> running_children()
{
    std::vector<int> pids;
    for (const auto& [pid, state] : test_util::child_states())
        if (state != 'Z')
            pids.push_back(pid);
    return pids;
}

/// One engine for both suites, its seed logged.
inline std::mt19937& random_engine()
{
    static std::mt19937 engine = [] {
        const unsigned seed = std::random_device()();
        BOOST_TEST_MESSAGE("fault_tests: random seed " << seed);
        return std::mt19937(seed);
    }();
    return engine;
}

inline int random_below(int n)
{
    return std::uniform_int_distribution<int>(0, n - 1)(random_engine());
}

/// Pids the suites started outside a pool or process object: checked at the end.
inline std::set<int>& started_pids()
{
    static std::set<int> pids;
    return pids;
}

/// No child of this process runs, none of started_pids() is left, and nothing of this process or
/// of them is in /dev/shm.
inline void check_nothing_is_left_behind()
{
    BOOST_TEST(test_util::count_children().first == 0);
    for (int pid : started_pids())
        BOOST_TEST(test_util::wait_gone(pid, 0ms), "process " << pid << " still runs");
    // Windows removes a named object with its last handle: no process left, nothing left (no
    // names are listed there).
    std::vector<std::string> left = test_util::shm_names_of(multiproc::this_process::id());
    for (int pid : started_pids())
        for (auto& name : test_util::shm_names_of(pid))
            left.push_back(name);
    BOOST_TEST(left.empty(), "left in /dev/shm: " << left.size());
}

} // namespace fault_util

#endif
