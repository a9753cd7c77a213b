// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// The test runner's main: multiproc::init first, so the test binary re-executed as a spawned
// child runs its task instead of the tests.

#include <multiproc.hpp> // the umbrella header compiles on its own

#include <boost/test/unit_test.hpp>

namespace {
bool init_tests()
{
    boost::unit_test::framework::master_test_suite().p_name.value = "multiproc";
    return true;
}
} // namespace

int main(int argc, char* argv[])
{
    multiproc::init(argc, argv);
    return boost::unit_test::unit_test_main(&init_tests, argc, argv);
}
