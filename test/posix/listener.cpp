// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// Listener cases that exist on POSIX only (a Unix socket's file). The rest is in
// ../listener.cpp; the suite is the same.

#include <multiproc/listener.hpp>

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <string>

#include <sys/stat.h>

namespace mp = multiproc;

BOOST_AUTO_TEST_SUITE(listener_tests)

BOOST_AUTO_TEST_CASE(a_socket_file_is_owner_only_and_removed_on_close)
{
    std::string path;
    {
        mp::listener l;
        path = l.local_address().name;
        struct stat st
        {
        };
        BOOST_TEST_REQUIRE(::stat(path.c_str(), &st) == 0);
        BOOST_TEST(S_ISSOCK(st.st_mode));
        BOOST_TEST((st.st_mode & 0777) == 0600u);
    }
    BOOST_TEST(!std::filesystem::exists(path));
}

BOOST_AUTO_TEST_SUITE_END()
