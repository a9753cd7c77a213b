// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// Synchronization cases that exist on POSIX only (a holder made by fork()). The rest is in
// ../sync.cpp; the suite is the same.

#include <multiproc/sync.hpp>

#include <multiproc/process.hpp>

#include "../test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <thread>

namespace mp = multiproc;
using namespace std::chrono_literals;
using test_util::with_method;

namespace {
constexpr auto patience = 20s; // bounds every wait for a child
} // namespace

BOOST_AUTO_TEST_SUITE(sync_tests)

BOOST_AUTO_TEST_CASE(killed_holder_breaks_recursive_locks_and_conditions)
{
    mp::recursive_lock r(mp::create_only);
    mp::condition c(mp::create_only);
    mp::event held(mp::create_only);
    mp::process holder(with_method(mp::start_method::fork), [&] {
        r.acquire();
        r.acquire();
        c.acquire();
        held.set();
        std::this_thread::sleep_for(60s);
    });
    holder.start();
    BOOST_REQUIRE(held.wait_for(patience));
    holder.kill();
    BOOST_TEST(holder.join_for(patience));
    mp::error_code ec;
    BOOST_TEST(!r.acquire_for(2s, ec));
    BOOST_TEST((ec == mp::error::lock_broken));
    BOOST_TEST(!c.acquire_for(2s, ec));
    BOOST_TEST((ec == mp::error::lock_broken));
}

BOOST_AUTO_TEST_CASE(a_forked_copy_never_removes_the_name)
{
    mp::lock l(mp::create_only);
    mp::process child(with_method(mp::start_method::fork), [l]() mutable { l = mp::lock(); });
    child.start();
    BOOST_TEST(child.join_for(patience));
    BOOST_TEST(child.exit_code().value_or(-1) == 0);
    BOOST_TEST(mp::lock(mp::open_only, l.name()).name() == l.name());
}

BOOST_AUTO_TEST_SUITE_END()
