// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// Shared-memory cases that exist on POSIX only (names in /dev/shm, made by shm_open). The
// rest is in ../shared_memory.cpp; the suite is the same.

#include <multiproc/shared_memory.hpp>

#include <multiproc/init.hpp>
#include <multiproc/process.hpp>

#include "../test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace mp = multiproc;
using namespace std::chrono_literals;

namespace {

constexpr auto patience = 20s; // bounds every wait for a child

// Makes an object and waits to be killed: its name is left behind.
void shm_create_and_wait(std::string path)
{
    mp::shared_memory memory(mp::create_only, 16);
    test_util::write_file(path, memory.name());
    std::this_thread::sleep_for(60s);
}
MULTIPROC_TASK(shm_create_and_wait)

} // namespace

BOOST_AUTO_TEST_SUITE(shared_memory_tests)

// A run killed before it could clean up: its reaper removes its names within 2 s (before it
// had one, 1 of 1 runs left the name). A name the reaper could not remove (the reaper itself
// killed, say: made here by hand) stays until the next multiproc::init of a main process
// removes those whose process is gone.
BOOST_AUTO_TEST_CASE(init_sweeps_names_of_killed_runs)
{
    test_util::temp_file out("shm_sweep");
    mp::process child(shm_create_and_wait, out.path());
    child.start();
    const std::string made = test_util::wait_for_file(out.path(), patience);
    BOOST_REQUIRE(!made.empty());
    child.kill();
    BOOST_TEST(child.join_for(patience));
    const auto killed = std::chrono::steady_clock::now();
    while (test_util::in_dev_shm(made) && std::chrono::steady_clock::now() - killed < 2s)
        std::this_thread::sleep_for(5ms);
    BOOST_TEST(!test_util::in_dev_shm(made), "the reaper left the killed child's name");

    // The killed child's prefix, and a name under it that nobody removes.
    const std::string name = made.substr(0, made.rfind('_')) + "_999";
    {
        const int fd = ::shm_open(("/" + name).c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
        BOOST_TEST_REQUIRE(fd >= 0);
        ::close(fd);
    }
    BOOST_TEST(test_util::in_dev_shm(name));

    mp::shared_memory ours(mp::create_only, 1); // a live run's name stays
    char program[] = "multiproc_test";
    char* argv[] = {program, nullptr};
    const char* was = std::getenv("MULTIPROC_SWEEP");
    const std::string sweep = was ? was : "1";
    test_util::set_env("MULTIPROC_SWEEP", "1"); // ctest turns the sweep off for the suite
    mp::init(1, argv);
    test_util::set_env("MULTIPROC_SWEEP", sweep.c_str());
    BOOST_TEST(!test_util::in_dev_shm(name));
    BOOST_TEST(test_util::in_dev_shm(ours.name()));
}

BOOST_AUTO_TEST_SUITE_END()
