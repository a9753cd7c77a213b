// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_TEST_ASYNC_TEST_HPP
#define MULTIPROC_TEST_ASYNC_TEST_HPP

// The opening the tests of the Asio operations share: the Asio pieces they drive them with,
// coroutines where the compiler has them, and their short names.

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/test/unit_test.hpp>
#if defined(__cpp_impl_coroutine)
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#endif

#include <chrono>

// Declared here for the alias, whichever header comes first.
namespace multiproc {}
namespace mp = multiproc;
namespace asio = boost::asio;
using namespace std::chrono_literals;

#endif
