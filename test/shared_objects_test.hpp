// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_TEST_SHARED_OBJECTS_TEST_HPP
#define MULTIPROC_TEST_SHARED_OBJECTS_TEST_HPP

// The opening the tests of the objects children share (sync.cpp, shared_memory.cpp) have in
// common: their short names, the start methods they run children with, and their patience.

#include "test_util.hpp"

#include <boost/system/errc.hpp>

#include <chrono>

namespace mp = multiproc;
namespace errc = boost::system::errc;
using namespace std::chrono_literals;
using test_util::all_methods;
using test_util::with_method;

// Bounds every wait for another process: far above what a loaded machine needs, far below
// ctest's timeout.
inline constexpr auto patience = 20s;

#endif
