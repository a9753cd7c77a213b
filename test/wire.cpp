// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// The wire reader and writer (detail/wire.hpp), and the bytes of every framing built on them:
// the golden strings below were written by the encoders as they were before they shared the
// wire layer, so a change of format fails here.

#include <multiproc/detail/wire.hpp>
#include <multiproc/pipe.hpp>
#include <multiproc/task.hpp>

#include "../source/detail/frame.hpp"
#include "../source/detail/queue_slot.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace md = multiproc::detail;
namespace mp = multiproc;

namespace {

std::string from_hex(std::string_view hex)
{
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    return out;
}

// Decodes the bytes `hex` spells with `decode`, which must succeed; checks the frame with
// `check` (its views point into the bytes) and that it encodes back to the same bytes.
template <class Frame, class Check>
void round_trip(std::string_view hex, Frame (*decode)(std::string_view, mp::error_code&),
                Check check)
{
    const std::string bytes = from_hex(hex);
    mp::error_code ec;
    const Frame frame = decode(bytes, ec);
    BOOST_TEST(!ec);
    check(frame);
    BOOST_TEST(md::encode(frame) == bytes);
}

} // namespace

BOOST_AUTO_TEST_SUITE(wire_tests)

BOOST_AUTO_TEST_CASE(writer_writes_little_endian_fields_and_texts)
{
    std::string out = ">";
    md::wire_writer(out).u8(0xab).u32(0x01020304).u64(0x1122334455667788).text("hi").bytes("!");
    BOOST_TEST(out == ">" + from_hex("ab"
                                     "04030201"
                                     "8877665544332211"
                                     "02000000"
                                     "6869"
                                     "21"));
}

BOOST_AUTO_TEST_CASE(reader_reads_back_what_the_writer_wrote)
{
    std::string out;
    md::wire_writer(out).u8(7).u32(0xfffffffe).u64(~std::uint64_t(0) - 1).text("").text("abc");
    out += "tail";
    md::wire_reader in(out);
    BOOST_TEST(in.u8() == 7u);
    BOOST_TEST(in.u32() == 0xfffffffeu);
    BOOST_TEST(in.u64() == ~std::uint64_t(0) - 1);
    BOOST_TEST(in.text().empty());
    BOOST_TEST(in.text() == "abc");
    BOOST_TEST(in.remaining() == 4u);
    mp::error_code ec;
    BOOST_TEST(!in.finish(ec)); // bytes left over
    BOOST_TEST((ec == mp::error::bad_message));
    BOOST_TEST(in.rest() == "tail");
    BOOST_TEST(in.finish(ec));
    BOOST_TEST(!ec);
}

BOOST_AUTO_TEST_CASE(reader_never_reads_past_the_end)
{
    std::string whole;
    md::wire_writer(whole).u64(1).u32(2).text("xyz").u8(3);
    for (std::size_t cut = 0; cut < whole.size(); ++cut) {
        md::wire_reader in(std::string_view(whole).substr(0, cut));
        const std::uint64_t a = in.u64();
        const std::uint32_t b = in.u32();
        const std::string_view c = in.text();
        const std::uint8_t d = in.u8();
        BOOST_TEST(in.failed());
        BOOST_TEST(d == 0u); // the field that failed and every later one read as nothing
        BOOST_TEST((cut >= 8 || a == 0u));
        BOOST_TEST((cut >= 12 || b == 0u));
        BOOST_TEST((cut >= 19 || c.empty()));
        mp::error_code ec;
        BOOST_TEST(!in.finish(ec));
        BOOST_TEST((ec == mp::error::bad_message));
    }
}

BOOST_AUTO_TEST_CASE(a_text_longer_than_its_bytes_fails_and_stays_failed)
{
    const std::string bytes = from_hex("ffffffff"
                                       "616263");
    md::wire_reader in(bytes);
    BOOST_TEST(in.text().empty());
    BOOST_TEST(in.failed());
    BOOST_TEST(in.bytes(1).empty()); // even though a byte is there: failed is failed
    BOOST_TEST(in.remaining() == 3u);
}

BOOST_AUTO_TEST_CASE(store_and_load_are_inverse)
{
    char field[8];
    md::store_le<8>(field, 0x8000000000000001);
    BOOST_TEST(md::load_le<8>(field) == 0x8000000000000001u);
    md::store_le<4>(field, 0xdeadbeef);
    BOOST_TEST(md::load_le<4>(field) == 0xdeadbeefu);
    BOOST_TEST(std::string(field, 4) == from_hex("efbeadde"));
}

// What the child protocol's encoders wrote before the wire layer: decoded, and encoded back
// to the same bytes.
BOOST_AUTO_TEST_CASE(frames_keep_their_bytes)
{
    round_trip("0807060504030201060000006e733a3a666e04000000466976450300000003000000010203",
               md::decode_task, [](const md::task_frame& t) {
                   BOOST_TEST(t.id == 0x0102030405060708u);
                   BOOST_TEST(t.task == "ns::fn");
                   BOOST_TEST(t.signature == "FivE");
                   BOOST_TEST(t.count == 3u);
                   BOOST_TEST(t.arguments == std::string_view("\x01\x02\x03", 3));
               });
    round_trip(
        "2a000000000000000103000000616263", md::decode_result,
        [](const md::result_frame& r) { BOOST_TEST((r.id == 42u && r.ok && r.results == "abc")); });
    round_trip("070000000000000000120000007374643a3a72756e74696d655f6572"
               "726f7204000000626f6f6d",
               md::decode_result, [](const md::result_frame& e) {
                   BOOST_TEST((e.id == 7u && !e.ok && e.exception_type == "std::runtime_error"));
                   BOOST_TEST(e.what == "boom");
               });
    round_trip("0900000000000000020e00000003000000626967", md::decode_result,
               [](const md::result_frame& f) {
                   BOOST_TEST((f.failure == mp::error::message_too_large && f.what == "big"));
               });
    round_trip("0b0000006d756c746970726f632f34050000006368696c6406000000"
               "6e733a3a666e04000000467676450400000061726773",
               md::decode_run, [](const md::run_frame& rf) {
                   BOOST_TEST((rf.process_name == "child" && rf.task == "ns::fn" &&
                               rf.arguments == "args"));
               });
    round_trip("01000000020000006e6f", md::decode_refused, [](const md::refused_frame& rr) {
        BOOST_TEST((rr.reason == mp::error::unregistered_task && rr.message == "no"));
    });
    round_trip("0b0000006d756c746970726f632f3408000000776f726b65722d31"
               "090000006d705f315f61625f32",
               md::decode_worker, [](const md::worker_frame& w) {
                   BOOST_TEST((w.process_name == "worker-1" && w.rings == "mp_1_ab_2"));
               });

    std::string framed;
    md::append_frame(framed, md::frame_kind::wake, "xy");
    mp::error_code ec;
    BOOST_TEST(framed == from_hex("03000000097879"));
    std::size_t body = 0;
    BOOST_TEST((md::parse_frame_header(framed.data(), body, ec) == md::frame_kind::wake));
    BOOST_TEST((!ec && body == 2u));
}

BOOST_AUTO_TEST_CASE(frames_cut_short_or_too_long_are_bad_messages)
{
    const std::string task =
        from_hex("0807060504030201060000006e733a3a666e04000000466976450300000003000000010203");
    for (std::size_t cut = 0; cut <= task.size() + 1; ++cut) {
        mp::error_code ec;
        md::decode_task(cut <= task.size() ? task.substr(0, cut) : task + "!", ec);
        BOOST_TEST((cut == task.size() ? !ec : ec == mp::error::bad_message));
    }
}

BOOST_AUTO_TEST_CASE(queue_slots_keep_their_bytes)
{
    mp::error_code ec;
    const std::string inline_slot = from_hex("0068656c6c6f");
    md::slot_message m = md::decode_slot(inline_slot, ec);
    BOOST_TEST((!ec && m.kind == md::slot_kind::inline_value && m.payload == "hello"));
    BOOST_TEST(md::encode_slot(m) == inline_slot);

    const std::string arena = from_hex("0288130000000000000000010000000000");
    m = md::decode_slot(arena, ec);
    BOOST_TEST((!ec && m.kind == md::slot_kind::arena_value));
    BOOST_TEST((m.size == 5000u && m.offset == 0x10000u));
    BOOST_TEST(md::encode_slot(m) == arena);
    md::decode_slot(arena.substr(0, arena.size() - 1), ec);
    BOOST_TEST((ec == mp::error::bad_message));

    // The old encoder wrote the name as it is, after the kind and the size.
    const std::string name = "mp_123_abcdef01_1_456_0badf00d_2";
    const std::string segment = from_hex("01e093040000000000") + name;
    m = md::decode_slot(segment, ec);
    BOOST_TEST((!ec && m.kind == md::slot_kind::segment_value && m.size == 300000u));
    BOOST_TEST(m.payload == name);
    BOOST_TEST(md::encode_slot(m) == segment);
    md::decode_slot(segment.substr(0, 9), ec); // no name
    BOOST_TEST((ec == mp::error::bad_message));
}

BOOST_AUTO_TEST_CASE(raw_values_keep_their_bytes)
{
    const std::string raw = from_hex("feffffff020000000000000068690200000000000000000000000000f8"
                                     "3f00000000000000c001efbe");
    BOOST_TEST(md::encode(int(-2), std::string("hi"), std::vector<double>{1.5, -2.0}, true,
                          std::uint16_t(0xbeef)) == raw);
    std::tuple<int, std::string, std::vector<double>, bool, std::uint16_t> values;
    md::decode_into(raw, values);
    BOOST_TEST(std::get<0>(values) == -2);
    BOOST_TEST(std::get<1>(values) == "hi");
    BOOST_TEST((std::get<2>(values) == std::vector<double>{1.5, -2.0}));
    BOOST_TEST(std::get<3>(values));
    BOOST_TEST(std::get<4>(values) == 0xbeef);
    for (std::size_t cut = 0; cut < raw.size(); ++cut)
        BOOST_CHECK_THROW(md::decode_into(raw.substr(0, cut), values), mp::system_error);

    const std::string archived = from_hex("000000000002000000000000000000000001000000000000006102"
                                          "000000000000006263");
    BOOST_TEST(md::encode(std::vector<std::string>{"a", "bc"}) == archived);
}

// A pipe's messages: u32 length | body, a typed body marked 00 'm' 'p' 'T' | u64 tag.
BOOST_AUTO_TEST_CASE(pipe_messages_keep_their_bytes)
{
    md::os::channel ours, theirs;
    mp::error_code ec;
    md::os::channel::make_pair(ours, theirs, ec);
    BOOST_REQUIRE(!ec);
    mp::connection c(md::import_connection(ours.token() + ":rw"));
    ours.release(); // the connection owns it now

    c.send_bytes("abc");
    c.send<std::int32_t>(-2);
    std::string tag(8, '\0');
    md::store_le<8>(tag.data(), md::type_tag<std::int32_t>());
    const std::string expected = from_hex("03000000616263") + from_hex("10000000") +
                                 std::string("\0mpT", 4) + tag + from_hex("feffffff");
    std::string seen;
    theirs.read_exact(seen, expected.size(), ec);
    BOOST_TEST(!ec);
    BOOST_TEST(seen == expected);

    theirs.write_all(expected.data(), expected.size(), md::os::clock::time_point::max(), ec);
    BOOST_TEST(c.recv_bytes() == "abc");
    BOOST_TEST(c.recv<std::int32_t>() == -2);
}

BOOST_AUTO_TEST_SUITE_END()
