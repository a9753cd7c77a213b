// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include <multiproc/listener.hpp>

#include <multiproc/process.hpp>

#include "test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace mp = multiproc;
using test_util::all_methods;
using test_util::with_method;
using namespace std::chrono_literals;

namespace {

mp::listener_options with_key(std::string key)
{
    mp::listener_options options;
    options.authkey = std::move(key);
    return options;
}

// Connects to `where` with `key`, sends `text`, and waits for the reply before it exits.
void listener_client_sends(mp::address where, std::string key, std::string text)
{
    mp::connection c = mp::client(where, with_key(key));
    c.send(text);
    c.recv<int>();
}
MULTIPROC_TASK(listener_client_sends)

// Answers on a connection it was given (an accepted one): the text it receives, doubled.
void listener_doubles(mp::connection c)
{
    const std::string text = c.recv<std::string>();
    c.send(text + text);
}
MULTIPROC_TASK(listener_doubles)

// Writes `text` through the descriptor or handle it receives, and closes it.
void listener_writes_received_handle(mp::connection c, std::string text)
{
    const std::intptr_t h = mp::recv_handle(c);
    if (!test_util::write_handle(h, text))
        throw std::runtime_error("write failed");
    test_util::close_handle(h);
    c.send(std::string("written"));
}
MULTIPROC_TASK(listener_writes_received_handle)

} // namespace

BOOST_AUTO_TEST_SUITE(listener_tests)

BOOST_AUTO_TEST_CASE(a_client_and_an_accepted_connection_talk_both_ways)
{
    for (const mp::address& where : test_util::every_family()) {
        mp::listener l(where);
        const mp::address bound = l.local_address();
        BOOST_TEST((bound.family == where.family));
        BOOST_TEST(!bound.name.empty());
        if (bound.family == mp::address_family::tcp) {
            BOOST_TEST(bound.name == "127.0.0.1");
            BOOST_TEST(bound.port != 0); // port 0: the one the system chose
        }
        auto accepted = std::async(std::launch::async, [&] { return l.accept(); });
        mp::connection c = mp::client(bound);
        mp::connection d = accepted.get();
        c.send(std::string("to the server"));
        BOOST_TEST(d.recv<std::string>() == "to the server");
        d.send_bytes("to the client");
        BOOST_TEST(c.poll(10s));
        BOOST_TEST(c.recv_bytes() == "to the client");
        d.close();
        mp::error_code ec;
        c.recv_bytes(ec);
        BOOST_TEST((ec == mp::error::peer_closed));
    }
}

BOOST_AUTO_TEST_CASE(the_same_key_authenticates_both_ways)
{
    for (const mp::address& where : test_util::every_family()) {
        mp::listener l(where, with_key("secret"));
        auto accepted = std::async(std::launch::async, [&] { return l.accept(); });
        mp::connection c = mp::client(l.local_address(), with_key("secret"));
        mp::connection d = accepted.get();
        c.send(1729);
        BOOST_TEST(d.recv<int>() == 1729);
    }
}

BOOST_AUTO_TEST_CASE(a_wrong_key_is_refused_on_both_sides)
{
    for (const mp::address& where : test_util::every_family()) {
        mp::listener l(where, with_key("right key"));
        mp::error_code server_ec;
        auto accepted = std::async(std::launch::async, [&] { return l.accept(server_ec); });
        mp::error_code client_ec;
        mp::connection c = mp::client(l.local_address(), with_key("wrong key"), client_ec);
        mp::connection d = accepted.get();
        BOOST_TEST((server_ec == mp::error::authentication_failed), server_ec.message());
        BOOST_TEST((client_ec == mp::error::authentication_failed), client_ec.message());
        BOOST_TEST(d.closed()); // no connection handed out
        BOOST_TEST(c.closed());
        // The listener goes on: the next client with the right key gets through.
        accepted = std::async(std::launch::async, [&] { return l.accept(); });
        mp::connection good = mp::client(l.local_address(), with_key("right key"));
        good.send(7);
        BOOST_TEST(accepted.get().recv<int>() == 7);
    }
}

BOOST_AUTO_TEST_CASE(a_client_without_the_key_gets_no_message_through)
{
    // It sends its message at once: the server takes it for the answer to its challenge,
    // refuses it, and reads nothing more from that client.
    for (const mp::address& where : test_util::every_family()) {
        mp::listener l(where, with_key("key"));
        mp::error_code server_ec;
        auto accepted = std::async(std::launch::async, [&] { return l.accept(server_ec); });
        mp::connection c = mp::client(l.local_address());
        c.send(std::string("let me in"));
        BOOST_TEST(accepted.get().closed());
        BOOST_TEST((server_ec == mp::error::authentication_failed));
        BOOST_TEST(c.recv_bytes().rfind("#CHALLENGE#", 0) == 0); // what it was sent first
        BOOST_TEST(c.recv_bytes() == "#FAILURE#");
    }
}

BOOST_AUTO_TEST_CASE(a_long_answer_is_refused_unread)
{
    // A client that answers the challenge with a message longer than an answer can be.
    mp::listener l(mp::address{}, with_key("key"));
    mp::error_code server_ec;
    auto accepted = std::async(std::launch::async, [&] { return l.accept(server_ec); });
    mp::connection c = mp::client(l.local_address());
    BOOST_TEST(c.recv_bytes().rfind("#CHALLENGE#", 0) == 0);
    mp::error_code send_ec;
    c.send_bytes(std::string(257, 'x'), send_ec);
    BOOST_TEST(accepted.get().closed());
    BOOST_TEST((server_ec == mp::error::authentication_failed));
}

BOOST_AUTO_TEST_CASE(a_child_process_connects_with_the_key)
{
    for (auto method : all_methods()) {
        for (const mp::address& where : test_util::every_family()) {
            mp::listener l(where, with_key("child key"));
            mp::process p(with_method(method), listener_client_sends, l.local_address(),
                          std::string("child key"), std::string("hello"));
            p.start();
            mp::connection d = l.accept();
            BOOST_TEST(d.recv<std::string>() == "hello");
            d.send(0);
            BOOST_TEST_REQUIRE(p.join_for(60s));
            BOOST_TEST(p.exit_code().value() == 0);
        }
    }
}

BOOST_AUTO_TEST_CASE(an_accepted_connection_is_passed_to_a_process)
{
    for (const mp::address& where : test_util::every_family()) {
        mp::listener l(where);
        auto accepted = std::async(std::launch::async, [&] { return l.accept(); });
        mp::connection c = mp::client(l.local_address());
        mp::connection d = accepted.get();
        mp::process p(listener_doubles, d);
        p.start();
        d.close();
        c.send(std::string("ab"));
        BOOST_TEST(c.recv<std::string>() == "abab");
        BOOST_TEST_REQUIRE(p.join_for(60s));
        BOOST_TEST(p.exit_code().value() == 0);
    }
}

BOOST_AUTO_TEST_CASE(a_second_listener_on_an_address_is_refused)
{
    for (const mp::address& where : test_util::every_family()) {
        mp::listener first(where);
        mp::error_code ec;
        mp::listener second(first.local_address(), {}, ec);
        BOOST_TEST(ec.failed());
        BOOST_TEST(second.closed());
        // The first one still works (its socket file was not removed by the second).
        auto accepted = std::async(std::launch::async, [&] { return first.accept(); });
        mp::client(first.local_address()).send(1);
        BOOST_TEST(accepted.get().recv<int>() == 1);
    }
}

BOOST_AUTO_TEST_CASE(a_closed_listener_refuses_accept_and_clients)
{
    for (const mp::address& where : test_util::every_family()) {
        mp::listener l(where);
        const mp::address bound = l.local_address();
        l.close();
        BOOST_TEST(l.closed());
        mp::error_code ec;
        l.accept(ec);
        BOOST_TEST(ec.failed());
        mp::client(bound, {}, ec);
        BOOST_TEST(ec.failed(), "no hang, an error: " << ec.message());
    }
}

BOOST_AUTO_TEST_CASE(a_family_the_platform_lacks_is_not_supported)
{
    const mp::address foreign = test_util::foreign_family_address();
    mp::error_code ec;
    mp::listener l(foreign, {}, ec);
    BOOST_TEST((ec == mp::error::not_supported));
    mp::client(foreign, {}, ec);
    BOOST_TEST((ec == mp::error::not_supported));
}

BOOST_AUTO_TEST_CASE(a_handle_sent_to_a_child_is_usable_there)
{
    for (auto method : all_methods()) {
        test_util::temp_file file("send_handle");
        auto [here, there] = mp::pipe();
        mp::process p(with_method(method), listener_writes_received_handle, there,
                      std::string("foo"));
        p.start();
        there.close();
        const std::intptr_t h = test_util::open_for_writing(file.path());
        mp::send_handle(here, h, p.pid());
        test_util::close_handle(h); // the child has its own
        BOOST_TEST(here.recv<std::string>() == "written");
        BOOST_TEST_REQUIRE(p.join_for(60s));
        BOOST_TEST(p.exit_code().value() == 0);
        BOOST_TEST(file.read() == "foo");
    }
}

BOOST_AUTO_TEST_CASE(a_handle_over_an_accepted_connection)
{
    test_util::temp_file file("send_handle_listener");
    mp::listener l;
    auto accepted = std::async(std::launch::async, [&] { return l.accept(); });
    mp::connection c = mp::client(l.local_address());
    mp::connection d = accepted.get();
    const std::intptr_t h = test_util::open_for_writing(file.path());
    mp::send_handle(c, h, mp::this_process::id());
    test_util::close_handle(h);
    const std::intptr_t received = mp::recv_handle(d);
    BOOST_TEST(test_util::write_handle(received, "bar"));
    test_util::close_handle(received);
    BOOST_TEST(file.read() == "bar");
}

BOOST_AUTO_TEST_CASE(another_message_is_not_a_handle_and_stays)
{
    auto [a, b] = mp::pipe();
    a.send(5);
    mp::error_code ec;
    mp::recv_handle(b, ec);
    BOOST_TEST((ec == mp::error::signature_mismatch));
    BOOST_TEST(b.recv<int>() == 5);
}

BOOST_AUTO_TEST_SUITE_END()
