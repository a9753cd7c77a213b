// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// Compiled only (C++20), never run: pool::apply_async, map_async and starmap_async accept every
// usual Asio completion token, and each gives the type Asio promises for it. The functions
// below are never called; what matters is that they compile and the static_asserts hold.

#include <multiproc/pool.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_future.hpp>
#if defined(__cpp_impl_coroutine)
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#endif

#include <future>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace mp = multiproc;
namespace asio = boost::asio;

namespace {
int compile_tokens_square(int x)
{
    return x * x;
}
MULTIPROC_TASK(compile_tokens_square)

void compile_tokens_log(std::string) {}
MULTIPROC_TASK(compile_tokens_log)

int compile_tokens_add(int a, int b)
{
    return a + b;
}
MULTIPROC_TASK(compile_tokens_add)
} // namespace

// External linkage, so that unused functions are no warning.
namespace multiproc_compile_tokens {

// No token: an async_result.
void no_token(mp::pool& p)
{
    auto r = p.apply_async(compile_tokens_square, 1);
    static_assert(std::is_same_v<decltype(r), mp::async_result<int>>);
    auto v = p.apply_async(compile_tokens_log, std::string("x"));
    static_assert(std::is_same_v<decltype(v), mp::async_result<void>>);
    auto m = p.map_async(compile_tokens_square, std::vector<int>{1, 2});
    static_assert(std::is_same_v<decltype(m), mp::async_result<std::vector<int>>>);
    auto s = p.starmap_async(compile_tokens_add, std::vector<std::tuple<int, int>>{});
    static_assert(std::is_same_v<decltype(s), mp::async_result<std::vector<int>>>);
    auto i = p.imap(compile_tokens_square, std::vector<int>{1, 2});
    static_assert(std::is_same_v<decltype(i), mp::imap_stream<int>>);
    auto u = p.imap_unordered(compile_tokens_square, std::vector<int>{1, 2}, 7);
    static_assert(std::is_same_v<decltype(u), mp::imap_stream<int>>);
}

// A callback: nothing returned. As an rvalue, as an lvalue, and wrapped in binders.
void callbacks(mp::pool& p, asio::io_context& io, asio::cancellation_signal& signal)
{
    auto on_int = [](mp::error_code, int) {};
    auto on_void = [](mp::error_code) {};
    auto on_vector = [](mp::error_code, std::vector<int>) {};

    static_assert(std::is_void_v<decltype(p.apply_async(compile_tokens_square, 1, on_int))>);
    p.apply_async(compile_tokens_square, 1, on_int);
    p.apply_async(compile_tokens_square, 1, [](mp::error_code, int) {});
    static_assert(
        std::is_void_v<decltype(p.apply_async(compile_tokens_log, std::string("x"), on_void))>);
    p.apply_async(compile_tokens_log, std::string("x"), on_void);
    p.apply_async(compile_tokens_log, std::string("x"), [](mp::error_code) {});
    p.apply_async(compile_tokens_add, 1, 2, asio::bind_executor(io, on_int));
    p.apply_async(compile_tokens_add, 1, 2,
                  asio::bind_cancellation_slot(signal.slot(), [](mp::error_code, int) {}));
    p.apply_async(compile_tokens_log, std::string("x"),
                  asio::bind_cancellation_slot(signal.slot(), asio::bind_executor(io, on_void)));

    static_assert(std::is_void_v<decltype(p.map_async(compile_tokens_square, std::vector<int>{}, 0,
                                                      on_vector))>);
    p.map_async(compile_tokens_square, std::vector<int>{1}, 0, on_vector);
    p.map_async(compile_tokens_square, std::vector<int>{1}, 4,
                [](mp::error_code, std::vector<int>) {});
    p.starmap_async(compile_tokens_add, std::vector<std::pair<int, int>>{}, 2, on_vector);
    p.map_async(compile_tokens_square, std::vector<int>{1}, 1,
                asio::bind_cancellation_slot(signal.slot(), on_vector));
}

// use_future: a std::future of the value (void for a void task).
void futures(mp::pool& p, asio::cancellation_signal& signal)
{
    auto f = p.apply_async(compile_tokens_square, 1, asio::use_future);
    static_assert(std::is_same_v<decltype(f), std::future<int>>);
    auto fv = p.apply_async(compile_tokens_log, std::string("x"), asio::use_future);
    static_assert(std::is_same_v<decltype(fv), std::future<void>>);
    auto fm = p.map_async(compile_tokens_square, std::vector<int>{1}, 0, asio::use_future);
    static_assert(std::is_same_v<decltype(fm), std::future<std::vector<int>>>);
    auto fs = p.starmap_async(compile_tokens_add, std::vector<std::tuple<int, int>>{}, 0,
                              asio::use_future);
    static_assert(std::is_same_v<decltype(fs), std::future<std::vector<int>>>);
    auto fc = p.apply_async(compile_tokens_square, 1,
                            asio::bind_cancellation_slot(signal.slot(), asio::use_future));
    static_assert(std::is_same_v<decltype(fc), std::future<int>>);
}

// deferred: an operation that starts when given a token of its own.
void deferred_operations(mp::pool& p)
{
    auto op = p.apply_async(compile_tokens_square, 1, asio::deferred);
    static_assert(asio::is_deferred<decltype(op)>::value);
    auto f = std::move(op)(asio::use_future);
    static_assert(std::is_same_v<decltype(f), std::future<int>>);

    auto opv = p.apply_async(compile_tokens_log, std::string("x"), asio::deferred);
    static_assert(asio::is_deferred<decltype(opv)>::value);
    std::move(opv)([](mp::error_code) {});

    auto opm = p.map_async(compile_tokens_square, std::vector<int>{1}, 0, asio::deferred);
    static_assert(asio::is_deferred<decltype(opm)>::value);
    std::move(opm)([](mp::error_code, std::vector<int>) {});
}

// detached: nothing returned, nothing reported.
void detached_operations(mp::pool& p)
{
    static_assert(
        std::is_void_v<decltype(p.apply_async(compile_tokens_square, 1, asio::detached))>);
    p.apply_async(compile_tokens_square, 1, asio::detached);
    p.apply_async(compile_tokens_log, std::string("x"), asio::detached);
    p.map_async(compile_tokens_square, std::vector<int>{1}, 0, asio::detached);
}

#if defined(__cpp_impl_coroutine) && defined(BOOST_ASIO_HAS_CO_AWAIT)
// use_awaitable: an awaitable of the value; with as_tuple, of (error_code, value).
asio::awaitable<int> awaitables(mp::pool& p)
{
    auto a = p.apply_async(compile_tokens_square, 1, asio::use_awaitable);
    static_assert(std::is_same_v<decltype(a), asio::awaitable<int>>);
    int v = co_await std::move(a);

    auto av = p.apply_async(compile_tokens_log, std::string("x"), asio::use_awaitable);
    static_assert(std::is_same_v<decltype(av), asio::awaitable<void>>);
    co_await std::move(av);

    auto am = p.map_async(compile_tokens_square, std::vector<int>{1}, 0, asio::use_awaitable);
    static_assert(std::is_same_v<decltype(am), asio::awaitable<std::vector<int>>>);
    std::vector<int> m = co_await std::move(am);

    auto as = p.starmap_async(compile_tokens_add, std::vector<std::pair<int, int>>{}, 0,
                              asio::use_awaitable);
    static_assert(std::is_same_v<decltype(as), asio::awaitable<std::vector<int>>>);
    co_await std::move(as);

    auto at = p.apply_async(compile_tokens_square, 1, asio::as_tuple(asio::use_awaitable));
    static_assert(std::is_same_v<decltype(at), asio::awaitable<std::tuple<mp::error_code, int>>>);
    auto [ec, w] = co_await std::move(at);

    mp::error_code redirected;
    auto ar = p.apply_async(compile_tokens_square, 1,
                            asio::redirect_error(asio::use_awaitable, redirected));
    static_assert(std::is_same_v<decltype(ar), asio::awaitable<int>>);
    int x = co_await std::move(ar);

    co_return v + static_cast<int>(m.size()) + (ec ? 0 : w) + x;
}

void spawn_awaitables(mp::pool& p, asio::io_context& io)
{
    asio::co_spawn(io, awaitables(p), asio::detached);
    auto f = asio::co_spawn(io, awaitables(p), asio::use_future);
    static_assert(std::is_same_v<decltype(f), std::future<int>>);
}
#endif

// A pool on the user's executor takes the same tokens.
void user_executor(asio::io_context& io)
{
    mp::pool on_context(io, 2);
    mp::pool on_executor(io.get_executor(), 2);
    static_assert(std::is_same_v<mp::pool::executor_type, asio::any_io_executor>);
    on_context.apply_async(compile_tokens_square, 1, [](mp::error_code, int) {});
    auto f = on_executor.apply_async(compile_tokens_square, 1, asio::use_future);
    static_assert(std::is_same_v<decltype(f), std::future<int>>);
}

} // namespace multiproc_compile_tokens
