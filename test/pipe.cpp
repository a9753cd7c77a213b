// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include <multiproc/pipe.hpp>

#include <multiproc/process.hpp>

#include "test_util.hpp"

#include <boost/serialization/map.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <map>
#include <thread>

namespace mp = multiproc;
using test_util::all_methods;
using test_util::with_method;
using namespace std::chrono_literals;

namespace {

struct sample
{
    int id = 0;
    std::string text;
    std::vector<double> values;
    template <class Archive>
    void serialize(Archive& ar, unsigned)
    {
        ar& id& text& values;
    }
    friend bool operator==(const sample& a, const sample& b)
    {
        return a.id == b.id && a.text == b.text && a.values == b.values;
    }
};

// Echoes strings back until it receives "stop".
void echo_strings(mp::connection conn)
{
    for (;;) {
        const std::string message = conn.recv<std::string>();
        if (message == "stop")
            return;
        conn.send(message);
    }
}
MULTIPROC_TASK(echo_strings)

// Echoes raw byte messages back until an empty one.
void echo_bytes(mp::connection conn)
{
    for (;;) {
        std::string message = conn.recv_bytes();
        if (message.empty())
            return;
        conn.send_bytes(message);
    }
}
MULTIPROC_TASK(echo_bytes)

// Blocks in recv for ever (until killed).
void wait_for_ever(mp::connection conn)
{
    conn.recv<int>();
    std::this_thread::sleep_for(60s);
}
MULTIPROC_TASK(wait_for_ever)

} // namespace

BOOST_AUTO_TEST_SUITE(pipe_tests)

BOOST_AUTO_TEST_CASE(values_and_bytes_cross_whole)
{
    auto [a, b] = mp::pipe();
    a.send(42);
    a.send(std::string("hello"));
    a.send(sample{7, "seven", {1.5, -2}});
    a.send(std::map<std::string, int>{{"x", 1}});
    a.send_bytes("raw\0bytes");
    a.send_bytes(std::string("raw\0bytes", 9));
    BOOST_TEST(b.recv<int>() == 42);
    BOOST_TEST(b.recv<std::string>() == "hello");
    BOOST_TEST((b.recv<sample>() == sample{7, "seven", {1.5, -2}}));
    BOOST_TEST((b.recv<std::map<std::string, int>>() == std::map<std::string, int>{{"x", 1}}));
    BOOST_TEST(b.recv_bytes() == "raw");
    BOOST_TEST(b.recv_bytes() == std::string("raw\0bytes", 9));
    // Duplex: the other way too.
    b.send(std::string("back"));
    BOOST_TEST(a.recv<std::string>() == "back");
}

BOOST_AUTO_TEST_CASE(one_way_pipe_refuses_the_other_direction)
{
    auto [reader, writer] = mp::pipe(false);
    BOOST_TEST(reader.readable());
    BOOST_TEST(!reader.writable());
    BOOST_TEST(writer.writable());
    BOOST_TEST(!writer.readable());
    mp::error_code ec;
    reader.send(1, ec);
    BOOST_TEST((ec == mp::error::connection_read_only), ec.message());
    reader.send_bytes("x", ec);
    BOOST_TEST((ec == mp::error::connection_read_only));
    writer.recv<int>(ec);
    BOOST_TEST((ec == mp::error::connection_write_only), ec.message());
    writer.recv_bytes(ec);
    BOOST_TEST((ec == mp::error::connection_write_only));
    writer.poll(0ms, ec);
    BOOST_TEST((ec == mp::error::connection_write_only));
    // The message names the direction refused, as Python's "connection is read-only" does.
    BOOST_TEST(mp::error_code(mp::error::connection_read_only).message().find("read-only") !=
               std::string::npos);
    BOOST_TEST(mp::error_code(mp::error::connection_write_only).message().find("write-only") !=
               std::string::npos);
    writer.send(5);
    BOOST_TEST(reader.recv<int>() == 5);
}

BOOST_AUTO_TEST_CASE(typed_messages_relayed_as_bytes_stay_typed)
{
    // CPython's tests relay a pickled object with send_bytes(recv_bytes()); the far end recv()s it.
    auto [a, b] = mp::pipe();
    auto [c, d] = mp::pipe();
    const sample original{3, "three", {0.5}};
    a.send(original);
    a.send(std::string("text"));
    a.send_bytes(std::string("raw\0", 4));
    for (int i = 0; i < 3; ++i)
        c.send_bytes(b.recv_bytes());
    BOOST_TEST((d.recv<sample>() == original));
    mp::error_code ec;
    d.recv<int>(ec); // the type check still holds for relayed messages
    BOOST_TEST((ec == mp::error::signature_mismatch));
    BOOST_TEST(d.recv<std::string>() == "text");
    d.recv<std::string>(ec); // plain bytes are not a typed message
    BOOST_TEST((ec == mp::error::signature_mismatch));
    BOOST_TEST(d.recv_bytes() == std::string("raw\0", 4)); // exactly the bytes sent
}

BOOST_AUTO_TEST_CASE(poll_waits_at_most_its_timeout)
{
    auto [a, b] = mp::pipe();
    const auto before = std::chrono::steady_clock::now();
    BOOST_TEST(!b.poll(100ms));
    const auto waited = std::chrono::steady_clock::now() - before;
    BOOST_TEST((waited >= 90ms));
    BOOST_TEST((waited < 5s));
    BOOST_TEST(!b.poll());
    a.send(1);
    BOOST_TEST(b.poll(1s));
    BOOST_TEST(b.recv<int>() == 1);
}

BOOST_AUTO_TEST_CASE(reader_of_another_type_gets_an_error_and_loses_nothing)
{
    auto [a, b] = mp::pipe();
    a.send(12345);
    mp::error_code ec;
    b.recv<std::string>(ec);
    BOOST_TEST((ec == mp::error::signature_mismatch));
    BOOST_TEST(b.poll()); // still there
    BOOST_TEST(b.recv<int>() == 12345);
    a.send_bytes("bytes");
    b.recv<int>(ec);
    BOOST_TEST((ec == mp::error::signature_mismatch));
    BOOST_TEST(b.recv_bytes() == "bytes");
}

// Found by fuzz/pipe.cpp: a code left in `ec` by the failed receive read as the next
// receive's failure, though the next one took the message.
BOOST_AUTO_TEST_CASE(an_error_code_reused_after_a_failure_is_cleared_by_success)
{
    auto [a, b] = mp::pipe();
    a.send(7);
    a.send_bytes("");
    mp::error_code ec;
    b.recv<std::string>(ec);
    BOOST_TEST((ec == mp::error::signature_mismatch));
    BOOST_TEST(b.recv<int>(ec) == 7);
    BOOST_TEST(!ec);
    b.recv<int>(ec);
    BOOST_TEST((ec == mp::error::signature_mismatch));
    BOOST_TEST(b.recv_bytes(ec).empty());
    BOOST_TEST(!ec);
    ec = mp::make_error_code(mp::error::peer_closed);
    a.send(8, ec);
    BOOST_TEST(!ec);
    BOOST_TEST(b.recv<int>() == 8);
}

BOOST_AUTO_TEST_CASE(closed_peer_is_end_of_stream)
{
    auto [a, b] = mp::pipe();
    a.send(1);
    a.close();
    BOOST_TEST(a.closed());
    BOOST_TEST(b.recv<int>() == 1); // what was sent before the close still arrives
    mp::error_code ec;
    b.recv<int>(ec);
    BOOST_TEST((ec == mp::error::peer_closed));
    BOOST_CHECK_THROW(b.recv_bytes(), mp::system_error);
    a.send(2, ec);
    BOOST_TEST((ec == mp::error::peer_closed));
    mp::connection none;
    none.send(1, ec);
    BOOST_TEST((ec == mp::error::peer_closed));
}

BOOST_AUTO_TEST_CASE(oversized_message_is_refused_at_the_call_site)
{
    auto [a, b] = mp::pipe();
    const std::string big(mp::max_message_size + 1, 'x');
    mp::error_code ec;
    a.send_bytes(big, ec);
    BOOST_TEST((ec == mp::error::message_too_large));
    a.send(7); // the connection is still usable
    BOOST_TEST(b.recv<int>() == 7);
}

BOOST_AUTO_TEST_CASE(connection_is_passed_only_as_a_process_argument)
{
    auto [a, b] = mp::pipe();
    try {
        mp::detail::encode(a);
        BOOST_FAIL("expected an error");
    } catch (const mp::system_error& e) {
        BOOST_TEST((e.code() == mp::error::not_supported));
    }
}

BOOST_AUTO_TEST_CASE(child_echoes_through_its_end)
{
    for (auto method : all_methods()) {
        auto [parent_end, child_end] = mp::pipe();
        mp::process p(with_method(method), echo_strings, child_end);
        p.start();
        child_end.close(); // the child has its own copy
        for (int i = 0; i < 1000; ++i) {
            parent_end.send("message " + std::to_string(i));
            BOOST_TEST(parent_end.recv<std::string>() == "message " + std::to_string(i));
        }
        parent_end.send(std::string("stop"));
        p.join();
        BOOST_TEST(p.exit_code().value() == 0);
        mp::error_code ec;
        parent_end.recv<std::string>(ec); // the child exited: its end is closed
        BOOST_TEST((ec == mp::error::peer_closed));
    }
}

BOOST_AUTO_TEST_CASE(large_messages_round_trip)
{
    auto [parent_end, child_end] = mp::pipe();
    mp::process p(echo_bytes, child_end);
    p.start();
    child_end.close();
    std::string big(64 << 20, '\0');
    for (std::size_t i = 0; i < big.size(); i += 4096)
        big[i] = static_cast<char>(i / 4096);
    parent_end.send_bytes(big);
    BOOST_TEST((parent_end.recv_bytes() == big));
    parent_end.send_bytes({});
    p.join();
}

BOOST_AUTO_TEST_CASE(killed_peer_ends_the_stream_instead_of_hanging)
{
    for (int round = 0; round < 5; ++round) {
        auto [parent_end, child_end] = mp::pipe();
        mp::process p(wait_for_ever, child_end);
        p.start();
        child_end.close();
        parent_end.send(1);
        BOOST_TEST(!parent_end.poll(20ms)); // the child is in recv, not answering
        p.kill();
        p.join();
        mp::error_code ec;
        parent_end.recv<int>(ec);
        BOOST_TEST((ec == mp::error::peer_closed));
    }
}

BOOST_AUTO_TEST_SUITE_END()
