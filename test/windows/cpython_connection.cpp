// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// CPython's connection cases that exist on Windows only (TestInvalidFamily's win32 case). The
// rest is in ../cpython_connection.cpp; the suites are the same.

#include <multiproc/listener.hpp>

#include <boost/test/unit_test.hpp>

namespace mp = multiproc;

BOOST_AUTO_TEST_SUITE(cpython)

BOOST_AUTO_TEST_SUITE(TestInvalidFamily, *boost::unit_test::label("cpython_connection"))

BOOST_AUTO_TEST_CASE(test_invalid_family_win32)
{
    BOOST_CHECK_THROW(mp::listener(mp::address::unix_socket("/var/test.pipe")), mp::system_error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE_END()
