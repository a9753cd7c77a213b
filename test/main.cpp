// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// The test runner's main: multiproc::init first, so the test binary re-executed as a spawned
// child runs its task instead of the tests.

#include <multiproc.hpp> // the umbrella header compiles on its own

#include <boost/test/unit_test.hpp>

namespace {
void name_the_module()
{
    boost::unit_test::framework::master_test_suite().p_name.value = "multiproc";
}

// The runner's init function: its signature differs between the shared and static runner.
#if defined(BOOST_TEST_DYN_LINK)
bool init_tests()
{
    name_the_module();
    return true;
}
#else
boost::unit_test::test_suite* init_tests(int, char*[])
{
    name_the_module();
    return nullptr;
}
#endif
} // namespace

int main(int argc, char* argv[])
{
    multiproc::init(argc, argv);
    return boost::unit_test::unit_test_main(&init_tests, argc, argv);
}
