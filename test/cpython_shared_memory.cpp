// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// CPython's Lib/test/_test_multiprocessing.py, the cases of _TestSharedMemory and
// TestResourceTracker that apply to multiproc, one test case per CPython method under its
// name. What Python does with a name the caller chooses, multiproc does with the name it
// made; Python's resource tracker is multiproc's name reaper (source/posix/reaper.cpp).

#include <multiproc/shared_memory.hpp>

#include <multiproc/process.hpp>
#include <multiproc/sync.hpp>

#include "test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>

namespace mp = multiproc;
namespace errc = boost::system::errc;
using namespace std::chrono_literals;

namespace {

// CPython bounds the wait for a dead process's names by support.LONG_TIMEOUT (5 minutes);
// ctest gives the whole file 180 s.
constexpr auto long_timeout = 60s;

// _attach_existing_shmem_then_write, by name.
void cpython_shm_attach_by_name_then_write(std::string name, std::string data)
{
    mp::shared_memory memory(mp::open_only, name);
    std::memcpy(memory.data(), data.data(), data.size());
}
MULTIPROC_TASK(cpython_shm_attach_by_name_then_write)

// _attach_existing_shmem_then_write, given the object itself (Python pickles it).
void cpython_shm_attach_then_write(mp::shared_memory memory, std::string data)
{
    std::memcpy(memory.data(), data.data(), data.size());
}
MULTIPROC_TASK(cpython_shm_attach_then_write)

// The child of test_shared_memory_cleaned_after_process_termination: makes a block, tells
// its name, sleeps until it is killed.
void cpython_shm_create_and_sleep(std::string path)
{
    mp::shared_memory memory(mp::create_only, 10);
    test_util::write_file(path, memory.name());
    std::this_thread::sleep_for(100s);
}
MULTIPROC_TASK(cpython_shm_create_and_sleep)

// The child of test_resource_tracker: a block and a lock, their names told, then sleeps.
void cpython_shm_and_lock_then_sleep(std::string path)
{
    mp::shared_memory memory(mp::create_only, 10);
    mp::lock lock(mp::create_only);
    test_util::write_file(path, memory.name() + ' ' + lock.name());
    std::this_thread::sleep_for(100s);
}
MULTIPROC_TASK(cpython_shm_and_lock_then_sleep)

// Waits, with CPython's growing sleeps, until nobody can attach to `name` as a `Handle`.
template <class Handle>
bool gone_within(const std::string& name, std::chrono::seconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (auto t = 1ms; std::chrono::steady_clock::now() < deadline; t = std::min(t * 2, 100ms)) {
        if (test_util::is_gone<Handle>(name))
            return true;
        std::this_thread::sleep_for(t);
    }
    return false;
}

} // namespace

BOOST_AUTO_TEST_SUITE(cpython)
BOOST_AUTO_TEST_SUITE(_TestSharedMemory, *boost::unit_test::label("cpython_shared_memory"))

BOOST_AUTO_TEST_CASE(test_shared_memory_basics)
{
    mp::shared_memory sms(mp::create_only, 512);

    // Verify attributes are readable.
    BOOST_TEST(!sms.name().empty());
    BOOST_TEST(sms.size() >= 512u);

    // Modify contents of shared memory segment through its bytes.
    static_cast<unsigned char*>(sms.data())[0] = 42;
    BOOST_TEST(static_cast<unsigned char*>(sms.data())[0] == 42);

    // Attach to existing shared memory segment.
    {
        mp::shared_memory also_sms(mp::open_only, sms.name());
        BOOST_TEST(static_cast<unsigned char*>(also_sms.data())[0] == 42);
        BOOST_TEST(also_sms.size() == sms.size());
    }

    // Attaching Shared Memory Segment without a name.
    mp::error_code ec;
    mp::shared_memory unnamed(mp::open_only, std::string(), ec);
    BOOST_TEST((ec == errc::invalid_argument), ec.message());

    // Attempting to attach to an existing shared memory segment when no segment exists with
    // the supplied name triggers an exception.
    mp::shared_memory nonexisting(mp::open_only, sms.name() + "0", ec);
    BOOST_TEST((ec == errc::no_such_file_or_directory), ec.message());
    BOOST_CHECK_THROW(mp::shared_memory(mp::open_only, sms.name() + "0"), mp::system_error);

    // POSIX shared memory can only be unlinked once (Windows removes a name with its last
    // handle, and remove does nothing there).
    if (!test_util::names_go_with_last_handle) {
        mp::shared_memory sms_uno(mp::create_only, 5000);
        BOOST_TEST(sms_uno.size() >= 5000u);
        mp::shared_memory sms_duo(mp::open_only, sms_uno.name());
        BOOST_TEST(mp::shared_memory::remove(sms_duo.name()));  // first shm_unlink()
        BOOST_TEST(!mp::shared_memory::remove(sms_uno.name())); // a second one is refused
    }

    // Creating a shared memory segment with size 0 (Python's negative and missing sizes have
    // no C++ form: the size is a std::size_t argument).
    mp::shared_memory empty(mp::create_only, 0, ec);
    BOOST_TEST((ec == errc::invalid_argument), ec.message());
    BOOST_CHECK_THROW(mp::shared_memory(mp::create_only, 0), mp::system_error);
}

BOOST_AUTO_TEST_CASE(test_invalid_shared_memory_creation)
{
    // Test creating a shared memory segment with size 0 (negative sizes cannot be written).
    mp::error_code ec;
    mp::shared_memory invalid(mp::create_only, 0, ec);
    BOOST_TEST((ec == errc::invalid_argument), ec.message());
    BOOST_TEST(!invalid);
    BOOST_CHECK_THROW(mp::shared_memory(mp::create_only, 0), mp::system_error);
}

BOOST_AUTO_TEST_CASE(test_shared_memory_name_with_embedded_null)
{
    mp::shared_memory sms(mp::create_only, 512);
    const std::string name_with_null = sms.name() + std::string(1, '\0') + "a";
    mp::error_code ec;
    mp::shared_memory attached(mp::open_only, name_with_null, ec);
    BOOST_TEST((ec == errc::invalid_argument), ec.message());
    BOOST_TEST(!attached);
    // Unlinking by the name with the NUL is refused, and the real name stays (POSIX: Windows
    // has no remove).
    if (!test_util::names_go_with_last_handle) {
        BOOST_TEST(!mp::shared_memory::remove(name_with_null));
        BOOST_TEST(!test_util::is_gone<mp::shared_memory>(sms.name()));
    }
}

BOOST_AUTO_TEST_CASE(test_shared_memory_across_processes)
{
    mp::shared_memory sms(mp::create_only, 512);

    // Verify remote attachment to existing block by name is working.
    mp::process_options daemon;
    daemon.daemon = true;
    mp::process p(daemon, cpython_shm_attach_by_name_then_write, sms.name(), std::string("howdy"));
    p.start();
    BOOST_TEST_REQUIRE(p.join_for(60s));
    BOOST_TEST(p.exit_code().value_or(-1) == 0);
    BOOST_TEST(std::string(static_cast<const char*>(sms.data()), 5) == "howdy");

    // Verify passing the SharedMemory instance itself also works.
    mp::process q(daemon, cpython_shm_attach_then_write, sms, std::string("HELLO"));
    q.start();
    BOOST_TEST_REQUIRE(q.join_for(60s));
    BOOST_TEST(q.exit_code().value_or(-1) == 0);
    BOOST_TEST(std::string(static_cast<const char*>(sms.data()), 5) == "HELLO");
}

BOOST_AUTO_TEST_CASE(test_shared_memory_cleaned_after_process_termination)
{
    test_util::temp_file out("cpython_shm_cleaned");
    mp::process p(cpython_shm_create_and_sleep, out.path());
    p.start();
    const std::string name = test_util::wait_for_file(out.path(), 60s);
    BOOST_TEST_REQUIRE(!name.empty());

    // Killing abruptly processes holding reference to a shared memory segment should not
    // leak the given memory segment.
    p.terminate();
    BOOST_TEST_REQUIRE(p.join_for(60s));
    BOOST_TEST(gone_within<mp::shared_memory>(name, long_timeout),
               "A shared memory segment was leaked after a process was abruptly terminated.");
    // (CPython's tracker also warns about the leak on stderr; multiproc's reaper removes the
    // names silently.)
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(TestResourceTracker, *boost::unit_test::label("cpython_shared_memory"))

BOOST_AUTO_TEST_CASE(test_resource_tracker)
{
    // A process that made named objects is killed: the objects go (CPython checks both a
    // semaphore and a shared memory block; a lock is multiproc's named semaphore-like object).
    test_util::temp_file out("cpython_tracker");
    mp::process p(cpython_shm_and_lock_then_sleep, out.path());
    p.start();
    const std::string names = test_util::wait_for_file(out.path(), 60s);
    const auto space = names.find(' ');
    BOOST_TEST_REQUIRE(space != std::string::npos, "'" << names << "'");
    const std::string memory = names.substr(0, space), lock = names.substr(space + 1);
    BOOST_TEST(!test_util::is_gone<mp::shared_memory>(memory));
    p.kill();
    BOOST_TEST_REQUIRE(p.join_for(60s));
    BOOST_TEST(p.exit_code().value_or(0) == -9);
    BOOST_TEST(gone_within<mp::shared_memory>(memory, long_timeout));
    BOOST_TEST(gone_within<mp::lock>(lock, long_timeout));
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
