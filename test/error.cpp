// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include <multiproc/error.hpp>

#include <boost/test/unit_test.hpp>

#include <set>
#include <string>
#include <system_error>

namespace mp = multiproc;

BOOST_AUTO_TEST_SUITE(error_tests)

BOOST_AUTO_TEST_CASE(codes_have_their_category_and_distinct_messages)
{
    BOOST_TEST(std::string(mp::error_category().name()) == "multiproc");
    std::set<std::string> messages;
    for (int e = static_cast<int>(mp::error::unregistered_task);
         e <= static_cast<int>(mp::error::queue_shut_down); ++e) {
        const mp::error_code ec = static_cast<mp::error>(e);
        BOOST_TEST(&ec.category() == &mp::error_category());
        BOOST_TEST(ec.failed());
        messages.insert(ec.message());
    }
    BOOST_TEST(messages.size() == static_cast<std::size_t>(mp::error::queue_shut_down));
    BOOST_TEST(messages.count("unknown multiproc error") == 0u);
}

BOOST_AUTO_TEST_CASE(codes_compare_with_the_enum_and_convert_to_std)
{
    const mp::error_code ec = mp::error::timeout;
    BOOST_TEST((ec == mp::error::timeout));
    BOOST_TEST((ec != mp::error::peer_closed));
    const std::error_code std_ec = ec;
    BOOST_TEST(std_ec.value() == static_cast<int>(mp::error::timeout));
    BOOST_TEST(std_ec.message() == ec.message());
}

BOOST_AUTO_TEST_CASE(throwing_overloads_carry_code_and_context)
{
    try {
        mp::detail::throw_error(mp::error::not_started, "multiproc::process::join");
        BOOST_FAIL("expected an exception");
    } catch (const mp::system_error& e) {
        BOOST_TEST((e.code() == mp::error::not_started));
        BOOST_TEST(std::string(e.what()).find("multiproc::process::join") != std::string::npos);
    }
}

BOOST_AUTO_TEST_SUITE_END()
