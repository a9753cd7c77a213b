// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// libFuzzer target: a pipe's connection reading what another process wrote to it. The
// connection is imported from a token, as a child gets one passed as an argument (the two
// flag characters come from the input), then receives message after message from the stream
// until it ends: as raw bytes, or as a value of one of a few types (a message of another type
// stays to be received; it is then taken as bytes and decoded as that type).
//   input := u8 choice | 2 flag characters | the bytes on the stream

#include "../source/detail/os.hpp"

#include <multiproc/pipe.hpp>

#include <cstdint>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

namespace md = multiproc::detail;
namespace mp = multiproc;

namespace {

void require(bool condition)
{
    if (!condition)
        std::abort();
}

template <class T>
void decode_as(const std::string& payload)
{
    std::tuple<T> value;
    try {
        md::decode_into(payload, value);
    } catch (const std::exception&) {
        // Bad bytes: recv throws this to its caller.
    }
}

// One message as the type `choice` picks; false once the stream can give no more.
bool receive_one(mp::connection& c, unsigned choice)
{
    mp::error_code ec;
    try {
        switch (choice % 4) {
        case 0:
            c.recv_bytes(ec);
            break;
        case 1:
            c.recv<int>(ec);
            break;
        case 2:
            c.recv<std::string>(ec);
            break;
        default:
            c.recv<std::vector<std::string>>(ec);
            break;
        }
    } catch (const std::exception&) {
        return true; // the message was taken, and did not decode as that type
    }
    if (ec != mp::error::signature_mismatch)
        return !ec;
    // Another type's message stays: bytes take any.
    const std::string payload = c.recv_bytes(ec);
    require(!ec);
    if (choice % 3 == 0)
        decode_as<std::string>(payload);
    else if (choice % 3 == 1)
        decode_as<std::vector<double>>(payload);
    else
        decode_as<std::vector<std::string>>(payload);
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 3 || size - 3 >= 64 * 1024) // fits a socket's buffer: written before it is read
        return 0;
    const unsigned choice = data[0];
    const std::string flags(reinterpret_cast<const char*>(data) + 1, 2);
    const std::string_view bytes(reinterpret_cast<const char*>(data) + 3, size - 3);

    md::os::channel ours, theirs;
    mp::error_code ec;
    md::os::channel::make_pair(ours, theirs, ec);
    require(!ec);
    theirs.write_all(bytes.data(), bytes.size(), md::os::clock::time_point::max(), ec);
    require(!ec);
    theirs.close(); // the stream ends after the bytes

    const std::string token = ours.token() + ':' + flags;
    const auto handle = ours.release(); // the connection owns it now, or it is closed below
    mp::connection c;
    try {
        c = mp::connection(md::import_connection(token));
    } catch (const mp::system_error&) {
        require(flags.find(':') != std::string::npos); // the only token of ours it refuses
        md::os::channel(handle).close();
        return 0;
    }
    require(c.readable() == (flags[0] == 'r') && c.writable() == (flags[1] == 'w'));
    for (unsigned i = 0; i < 64; ++i) {
        if (c.readable())
            require(c.poll()); // a message or the end of the stream is there
        if (!receive_one(c, choice + i))
            break;
    }
    return 0;
}
