// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// CPython's Lib/test/_test_multiprocessing.py, the connection cases (_TestConnection,
// _TestListener, _TestListenerClient, _TestPoll, _TestPicklingConnections, OtherTest,
// TestInvalidHandle, TestInvalidFamily), translated: each C++ case keeps the name of the
// CPython method it ports and its assertions. Timeouts are CPython's (TIMEOUT1 = 0.1 s).

#include <multiproc/listener.hpp>

#include <multiproc/pipe.hpp>
#include <multiproc/process.hpp>

#include "test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace mp = multiproc;
using namespace std::chrono_literals;

namespace {

constexpr auto timeout1 = 100ms; // CPython's TIMEOUT1
const std::string sentinel;      // CPython's SENTINEL: latin('')

// CPython's connection.families (Windows: AF_PIPE and AF_INET).
std::vector<mp::address> families()
{
    return test_util::every_family();
}

mp::listener_options with_key(std::string key)
{
    mp::listener_options options;
    options.authkey = std::move(key);
    return options;
}

// _TestConnection._echo: relays every message back as bytes until the sentinel.
void cpython_connection_echo(mp::connection conn)
{
    for (std::string msg = conn.recv_bytes(); msg != sentinel; msg = conn.recv_bytes())
        conn.send_bytes(msg);
    conn.close();
}
MULTIPROC_TASK(cpython_connection_echo)

} // namespace

// _TestConnection._writefd: writes `data` through the descriptor or handle it receives. With
// `create_dummy_fds`, the low descriptors are taken first, so the one received is above 256
// (test_large_fd_transfer, in posix/cpython_connection.cpp: not in the anonymous namespace).
void cpython_connection_writefd(mp::connection conn, std::string data, bool create_dummy_fds)
{
    if (create_dummy_fds)
        test_util::fill_descriptors_below(256);
    const std::intptr_t fd = mp::recv_handle(conn);
    if (create_dummy_fds && fd < 256)
        throw std::runtime_error("the descriptor received is not above 256");
    if (!test_util::write_handle(fd, data))
        throw std::runtime_error("write failed");
    test_util::close_handle(fd);
}
MULTIPROC_TASK(cpython_connection_writefd)

namespace {

// _TestListenerClient._test
void cpython_listener_client_test(mp::address address)
{
    mp::connection conn = mp::client(address);
    conn.send(std::string("hello"));
    conn.close();
}
MULTIPROC_TASK(cpython_listener_client_test)

// _TestPoll._child_strings
void cpython_poll_child_strings(mp::connection conn, std::vector<std::string> strings)
{
    for (const std::string& s : strings) {
        std::this_thread::sleep_for(100ms);
        conn.send_bytes(s);
    }
    conn.close();
}
MULTIPROC_TASK(cpython_poll_child_strings)

// _TestPoll._child_boundaries: polling must not pull in part of a message.
void cpython_poll_child_boundaries(mp::connection r)
{
    r.poll(5s);
}
MULTIPROC_TASK(cpython_poll_child_boundaries)

// _TestPoll._child_dont_merge
void cpython_poll_child_dont_merge(mp::connection b)
{
    b.send_bytes("a");
    b.send_bytes("b");
    b.send_bytes("cd");
}
MULTIPROC_TASK(cpython_poll_child_dont_merge)

// _TestPicklingConnections.child_access, with the two one-way ends given as arguments.
void cpython_pickling_child_access(mp::connection conn, mp::connection w, mp::connection r)
{
    w.send(std::string("all is well"));
    w.close();
    const std::string msg = r.recv<std::string>();
    conn.send(msg + msg);
    conn.close();
}
MULTIPROC_TASK(cpython_pickling_child_access)

} // namespace

BOOST_AUTO_TEST_SUITE(cpython)

BOOST_AUTO_TEST_SUITE(_TestConnection, *boost::unit_test::label("cpython_connection"))

BOOST_AUTO_TEST_CASE(test_connection)
{
    auto [conn, child_conn] = mp::pipe();
    mp::process p(cpython_connection_echo, child_conn);
    p.start();

    const std::vector<double> seq{1, 2.25, 0};
    const std::string msg = "hello world";

    conn.send(seq); // the child relays it as bytes: it must come back as the value
    BOOST_TEST((conn.recv<std::vector<double>>() == seq));

    conn.send_bytes(msg);
    BOOST_TEST(conn.recv_bytes() == msg);

    BOOST_TEST(conn.poll() == false);
    BOOST_TEST(conn.poll(-1s) == false);
    BOOST_TEST(conn.poll(timeout1) == false);

    conn.send(0); // CPython's None
    std::this_thread::sleep_for(100ms);
    BOOST_TEST(conn.poll(timeout1) == true);
    BOOST_TEST(conn.recv<int>() == 0);

    const std::string really_big_msg(1024 * 1024 * 16, 'X'); // 16 MB
    conn.send_bytes(really_big_msg);
    BOOST_TEST((conn.recv_bytes() == really_big_msg));

    conn.send_bytes(sentinel); // tell the child to quit
    child_conn.close();

    BOOST_TEST(conn.readable());
    BOOST_TEST(conn.writable());
    mp::error_code ec;
    conn.recv<int>(ec);
    BOOST_TEST((ec == mp::error::peer_closed)); // EOFError
    conn.recv_bytes(ec);
    BOOST_TEST((ec == mp::error::peer_closed));

    BOOST_TEST_REQUIRE(p.join_for(60s));
}

BOOST_AUTO_TEST_CASE(test_duplex_false)
{
    auto [reader, writer] = mp::pipe(false);
    writer.send(1);
    BOOST_TEST(reader.recv<int>() == 1);
    BOOST_TEST(reader.readable() == true);
    BOOST_TEST(reader.writable() == false);
    BOOST_TEST(writer.readable() == false);
    BOOST_TEST(writer.writable() == true);
    BOOST_CHECK_THROW(reader.send(2), mp::system_error);
    BOOST_CHECK_THROW(writer.recv<int>(), mp::system_error);
    BOOST_CHECK_THROW(writer.poll(), mp::system_error);
}

BOOST_AUTO_TEST_CASE(test_spawn_close)
{
    // The parent closes its copy of the child's end at once after start.
    auto [conn, child_conn] = mp::pipe();
    mp::process p(cpython_connection_echo, child_conn);
    p.start();
    child_conn.close();

    const std::string msg = "hello";
    conn.send_bytes(msg);
    BOOST_TEST(conn.recv_bytes() == msg);

    conn.send_bytes(sentinel);
    conn.close();
    BOOST_TEST_REQUIRE(p.join_for(60s));
}

BOOST_AUTO_TEST_CASE(test_sendbytes)
{
    // CPython's offset and size arguments are a std::string_view slice here.
    const std::string msg = "abcdefghijklmnopqrstuvwxyz";
    const std::string_view view = msg;
    auto [a, b] = mp::pipe();

    a.send_bytes(msg);
    BOOST_TEST(b.recv_bytes() == msg);

    a.send_bytes(view.substr(5));
    BOOST_TEST(b.recv_bytes() == msg.substr(5));

    a.send_bytes(view.substr(7, 8));
    BOOST_TEST(b.recv_bytes() == msg.substr(7, 8));

    a.send_bytes(view.substr(26));
    BOOST_TEST(b.recv_bytes() == "");

    a.send_bytes(view.substr(26, 0));
    BOOST_TEST(b.recv_bytes() == "");

    BOOST_CHECK_THROW(a.send_bytes(view.substr(27)), std::out_of_range);
    BOOST_TEST(!b.poll()); // nothing was sent
}

BOOST_AUTO_TEST_CASE(test_fd_transfer)
{
    test_util::temp_file testfn("cpython_fd_transfer");
    auto [conn, child_conn] = mp::pipe(true);
    mp::process p(cpython_connection_writefd, child_conn, std::string("foo"), false);
    p.start();
    const std::intptr_t fd = test_util::open_for_writing(testfn.path());
    mp::send_handle(conn, fd, p.pid());
    test_util::close_handle(fd);
    BOOST_TEST_REQUIRE(p.join_for(60s));
    BOOST_TEST(p.exit_code().value() == 0);
    BOOST_TEST(testfn.read() == "foo");
}

BOOST_AUTO_TEST_CASE(test_context)
{
    auto [a, b] = mp::pipe();
    {
        a.send(1729);
        BOOST_TEST(b.recv<int>() == 1729);
        BOOST_TEST(!a.closed());
        BOOST_TEST(!b.closed());
        a.close(); // the end of CPython's `with a, b:`
        b.close();
    }
    BOOST_TEST(a.closed());
    BOOST_TEST(b.closed());
    BOOST_CHECK_THROW(a.recv<int>(), mp::system_error);
    BOOST_CHECK_THROW(b.recv<int>(), mp::system_error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(_TestListener, *boost::unit_test::label("cpython_connection"))

BOOST_AUTO_TEST_CASE(test_multiple_bind)
{
    for (const mp::address& family : families()) {
        mp::listener l(family);
        BOOST_CHECK_THROW(mp::listener(l.local_address()), mp::system_error);
    }
}

BOOST_AUTO_TEST_CASE(test_context)
{
    mp::listener l;
    {
        mp::connection c = mp::client(l.local_address());
        auto accepted = std::async(std::launch::async, [&] { return l.accept(); });
        mp::connection d = accepted.get();
        c.send(1729);
        BOOST_TEST(d.recv<int>() == 1729);
    }
    l.close();
    BOOST_CHECK_THROW(l.accept(), mp::system_error);
}

BOOST_AUTO_TEST_CASE(test_empty_authkey)
{
    // bpo-43952: an empty authkey is a key.
    const std::string key;
    mp::listener listener(mp::address{}, with_key(key));
    std::thread thread([address = listener.local_address(), key] {
        mp::connection client = mp::client(address, with_key(key));
        client.send(1729);
    });
    {
        mp::connection d = listener.accept();
        BOOST_TEST(d.recv<int>() == 1729);
    }
    thread.join();
    listener.close();
    BOOST_CHECK_THROW(listener.accept(), mp::system_error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(_TestListenerClient, *boost::unit_test::label("cpython_connection"))

BOOST_AUTO_TEST_CASE(test_listener_client)
{
    for (const mp::address& family : families()) {
        mp::listener l(family);
        mp::process p(cpython_listener_client_test, l.local_address());
        p.start();
        mp::connection conn = l.accept();
        BOOST_TEST(conn.recv<std::string>() == "hello");
        BOOST_TEST_REQUIRE(p.join_for(60s));
        l.close();
    }
}

BOOST_AUTO_TEST_CASE(test_issue14725)
{
    // The client has connected, written and closed before accept (Windows: ERROR_NO_DATA).
    mp::listener l;
    mp::process p(cpython_listener_client_test, l.local_address());
    p.start();
    std::this_thread::sleep_for(1s);
    mp::connection conn = l.accept();
    BOOST_TEST(conn.recv<std::string>() == "hello");
    conn.close();
    BOOST_TEST_REQUIRE(p.join_for(60s));
    l.close();
}

BOOST_AUTO_TEST_CASE(test_issue16955)
{
    for (const mp::address& family : families()) {
        mp::listener l(family);
        auto accepted = std::async(std::launch::async, [&] { return l.accept(); });
        mp::connection c = mp::client(l.local_address());
        mp::connection a = accepted.get();
        a.send_bytes("hello");
        BOOST_TEST(c.poll(1s));
        a.close();
        c.close();
        l.close();
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(_TestPoll, *boost::unit_test::label("cpython_connection"))

BOOST_AUTO_TEST_CASE(test_empty_string)
{
    auto [a, b] = mp::pipe();
    BOOST_TEST(a.poll() == false);
    b.send_bytes("");
    BOOST_TEST(a.poll() == true);
    BOOST_TEST(a.poll() == true);
}

BOOST_AUTO_TEST_CASE(test_strings)
{
    const std::vector<std::string> strings{"hello", "", "a", "b", "", "bye", "", "lop"};
    auto [a, b] = mp::pipe();
    mp::process p(cpython_poll_child_strings, b, strings);
    p.start();

    for (const std::string& s : strings) {
        for (int i = 0; i < 200; ++i)
            if (a.poll(10ms))
                break;
        const std::string x = a.recv_bytes();
        BOOST_TEST(s == x);
    }
    BOOST_TEST_REQUIRE(p.join_for(60s));
}

BOOST_AUTO_TEST_CASE(test_boundaries)
{
    auto [r, w] = mp::pipe(false);
    mp::process p(cpython_poll_child_boundaries, r);
    p.start();
    std::this_thread::sleep_for(2s);
    const std::vector<std::string> L{"first", "second"};
    for (const std::string& obj : L)
        w.send_bytes(obj);
    w.close();
    BOOST_TEST_REQUIRE(p.join_for(60s));
    const std::string got = r.recv_bytes();
    BOOST_TEST((got == L[0] || got == L[1]));
}

BOOST_AUTO_TEST_CASE(test_dont_merge)
{
    auto [a, b] = mp::pipe();
    BOOST_TEST(a.poll(0s) == false);
    BOOST_TEST(a.poll(100ms) == false);

    mp::process p(cpython_poll_child_dont_merge, b);
    p.start();

    BOOST_TEST(a.recv_bytes() == "a");
    BOOST_TEST(a.poll(1s) == true);
    BOOST_TEST(a.poll(1s) == true);
    BOOST_TEST(a.recv_bytes() == "b");
    BOOST_TEST(a.poll(1s) == true);
    BOOST_TEST(a.poll(1s) == true);
    BOOST_TEST(a.poll(0s) == true);
    BOOST_TEST(a.recv_bytes() == "cd");

    BOOST_TEST_REQUIRE(p.join_for(60s));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(_TestPicklingConnections, *boost::unit_test::label("cpython_connection"))

BOOST_AUTO_TEST_CASE(test_access)
{
    // A one-way end reaches a child with its direction. CPython sends the ends over `conn`;
    // here they are the child's arguments.
    auto [conn, child_conn] = mp::pipe();
    auto [r1, w1] = mp::pipe(false);
    auto [r2, w2] = mp::pipe(false);
    mp::process p(cpython_pickling_child_access, child_conn, w1, r2);
    p.start();
    child_conn.close();

    w1.close();
    BOOST_TEST(r1.recv<std::string>() == "all is well");
    r1.close();

    r2.close();
    w2.send(std::string("foobar"));
    w2.close();
    BOOST_TEST(conn.recv<std::string>() == "foobarfoobar");

    BOOST_TEST_REQUIRE(p.join_for(60s));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(OtherTest, *boost::unit_test::label("cpython_connection"))

BOOST_AUTO_TEST_CASE(test_deliver_challenge_auth_failure)
{
    // The peer answers the challenge with something bogus.
    mp::listener l(mp::address{}, with_key("abc"));
    mp::error_code ec;
    auto accepted = std::async(std::launch::async, [&] { return l.accept(ec); });
    mp::connection fake = mp::client(l.local_address());
    fake.recv_bytes(); // the challenge
    fake.send_bytes("something bogus");
    BOOST_TEST(accepted.get().closed());
    BOOST_TEST((ec == mp::error::authentication_failed)); // AuthenticationError
}

BOOST_AUTO_TEST_CASE(test_answer_challenge_auth_failure)
{
    // The peer sends a bare challenge mark, then something bogus.
    mp::listener l;
    auto accepted = std::async(std::launch::async, [&] {
        mp::connection fake = l.accept();
        fake.send_bytes("#CHALLENGE#");
        mp::error_code ignored; // the client may have refused the bare mark already
        fake.send_bytes("something bogus", ignored);
        return fake;
    });
    mp::error_code ec;
    mp::connection c = mp::client(l.local_address(), with_key("abc"), ec);
    BOOST_TEST((ec == mp::error::authentication_failed)); // AuthenticationError
    BOOST_TEST(c.closed());
    accepted.get();
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE_END()
