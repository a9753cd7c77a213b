// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// CPython's connection cases that exist on POSIX only: descriptors above 256, a socket in the
// abstract namespace (Linux), an invalid descriptor, signals without SA_RESTART. The rest is in
// ../cpython_connection.cpp; the suites are the same.

#include <multiproc/listener.hpp>

#include <multiproc/pipe.hpp>
#include <multiproc/process.hpp>

#include "../test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <thread>
#include <utility>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

namespace mp = multiproc;
using namespace std::chrono_literals;

// In ../cpython_connection.cpp (a task registered there).
void cpython_connection_writefd(mp::connection conn, std::string data, bool create_dummy_fds);

namespace {

// _TestConnection._send_data_without_fd: a byte with no descriptor riding on it.
void cpython_connection_send_data_without_fd(mp::connection conn)
{
    conn.send_bytes(std::string(1, '\0'));
}
MULTIPROC_TASK(cpython_connection_send_data_without_fd)

// TestIgnoreEINTR: a child with a SIGUSR1 handler installed without SA_RESTART, so a signal
// interrupts its blocking calls with EINTR, which the library must retry.
constexpr std::size_t conn_max_size = std::size_t(16) << 20; // CPython's CONN_MAX_SIZE, about

void cpython_eintr_handler(int) {}

void cpython_install_eintr_handler()
{
    struct sigaction action = {};
    action.sa_handler = cpython_eintr_handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; // no SA_RESTART
    ::sigaction(SIGUSR1, &action, nullptr);
}

void cpython_test_ignore(mp::connection conn)
{
    cpython_install_eintr_handler();
    conn.send(std::string("ready"));
    const int x = conn.recv<int>();
    conn.send(x);
    conn.send_bytes(std::string(conn_max_size, 'x'));
}
MULTIPROC_TASK(cpython_test_ignore)

void cpython_test_ignore_listener(mp::connection conn)
{
    cpython_install_eintr_handler();
    mp::listener l;
    conn.send(l.local_address());
    mp::connection a = l.accept();
    a.send(std::string("welcome"));
}
MULTIPROC_TASK(cpython_test_ignore_listener)

// A started daemon child running `task` on the far end of a new pipe, and this end.
std::pair<mp::process, mp::connection> start_on_pipe(void (*task)(mp::connection))
{
    auto [conn, child_conn] = mp::pipe();
    mp::process_options options;
    options.daemon = true;
    mp::process p(options, task, child_conn);
    p.start();
    child_conn.close();
    return {std::move(p), std::move(conn)};
}

} // namespace

BOOST_AUTO_TEST_SUITE(cpython)

BOOST_AUTO_TEST_SUITE(_TestConnection)

BOOST_AUTO_TEST_CASE(test_large_fd_transfer)
{
    // With fd > 256 (CPython issue #11657).
    test_util::temp_file testfn("cpython_large_fd_transfer");
    auto [conn, child_conn] = mp::pipe(true);
    mp::process p(cpython_connection_writefd, child_conn, std::string("bar"), true);
    p.start();
    const int fd = static_cast<int>(test_util::open_for_writing(testfn.path()));
    int newfd = 256;
    while (::fcntl(newfd, F_GETFD) >= 0)
        ++newfd;
    BOOST_TEST_REQUIRE(::dup2(fd, newfd) == newfd);
    ::close(fd);
    mp::send_handle(conn, newfd, p.pid());
    ::close(newfd);
    BOOST_TEST_REQUIRE(p.join_for(60s));
    BOOST_TEST(p.exit_code().value() == 0);
    BOOST_TEST(testfn.read() == "bar");
}

BOOST_AUTO_TEST_CASE(test_missing_fd_transfer)
{
    // Data that no descriptor rides on is refused by recv_handle.
    auto [conn, child_conn] = mp::pipe(true);
    mp::process p(cpython_connection_send_data_without_fd, child_conn);
    p.start();
    BOOST_CHECK_THROW(mp::recv_handle(conn), mp::system_error);
    BOOST_TEST_REQUIRE(p.join_for(60s));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(_TestListener)

BOOST_AUTO_TEST_CASE(test_abstract_socket)
{
    const std::string name =
        std::string(1, '\0') + "multiproc_something_" + std::to_string(mp::this_process::id());
    mp::listener listener(mp::address::unix_socket(name));
    {
        mp::connection client = mp::client(listener.local_address());
        mp::connection d = listener.accept();
        client.send(1729);
        BOOST_TEST(d.recv<int>() == 1729);
    }
    listener.close();
    BOOST_CHECK_THROW(listener.accept(), mp::system_error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(TestInvalidHandle, *boost::unit_test::label("cpython_connection"))

BOOST_AUTO_TEST_CASE(test_invalid_handles)
{
    // A connection is made only on a handle that is open: no crash later in poll().
    BOOST_CHECK_THROW(mp::detail::import_connection("44977608:rw"), mp::system_error);
    BOOST_CHECK_THROW(mp::detail::import_connection("-1:rw"), mp::system_error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(TestInvalidFamily, *boost::unit_test::label("cpython_connection"))

BOOST_AUTO_TEST_CASE(test_invalid_family)
{
    BOOST_CHECK_THROW(mp::listener(mp::address::named_pipe("\\\\.\\test")), mp::system_error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(TestIgnoreEINTR, *boost::unit_test::label("cpython_connection"))

BOOST_AUTO_TEST_CASE(test_ignore)
{
    auto [p, conn] = start_on_pipe(cpython_test_ignore);
    BOOST_TEST(conn.recv<std::string>() == "ready");
    std::this_thread::sleep_for(100ms);
    ::kill(p.pid(), SIGUSR1);
    std::this_thread::sleep_for(100ms);
    conn.send(1234);
    BOOST_TEST(conn.recv<int>() == 1234);
    std::this_thread::sleep_for(100ms);
    ::kill(p.pid(), SIGUSR1);
    BOOST_TEST((conn.recv_bytes() == std::string(conn_max_size, 'x')));
    std::this_thread::sleep_for(100ms);
    BOOST_TEST_REQUIRE(p.join_for(60s));
    BOOST_TEST(p.exit_code().value_or(-1) == 0);
}

BOOST_AUTO_TEST_CASE(test_ignore_listener)
{
    auto [p, conn] = start_on_pipe(cpython_test_ignore_listener);
    const mp::address address = conn.recv<mp::address>();
    std::this_thread::sleep_for(100ms);
    ::kill(p.pid(), SIGUSR1);
    std::this_thread::sleep_for(100ms);
    mp::connection client = mp::client(address);
    BOOST_TEST(client.recv<std::string>() == "welcome");
    BOOST_TEST_REQUIRE(p.join_for(60s));
    BOOST_TEST(p.exit_code().value_or(-1) == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE_END()
