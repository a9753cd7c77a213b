// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// libFuzzer target: a spawned child's handshake with its parent, as the child reads it. The
// token of its channel (argv), then the first frame on the channel, read whole with
// receive_frame (not the worker's buffered reader: frames.cpp has that), then what the child
// makes of it: a worker's setup, or a task to run (registered, with the right signature) whose
// arguments it decodes, or the refusal it sends back, or an error for anything else.
//   input := u8 token length | token | the bytes on the channel

#include "../source/detail/frame.hpp"
#include "../source/detail/runtime.hpp"

#include <multiproc/task.hpp>

#include <cstdint>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

namespace md = multiproc::detail;

namespace {

int handshake_add(int a, int b)
{
    return (a & 0xffff) + (b & 0xffff);
}
MULTIPROC_TASK(handshake_add)

std::size_t handshake_words(const std::vector<std::string>& words)
{
    return words.size();
}
MULTIPROC_TASK(handshake_words)

void require(bool condition)
{
    if (!condition)
        std::abort();
}

// A token the child adopts its channel from. Only the handle it names is kept, and never
// closed here: any other number would be one of the fuzzer's own files.
void adopt_token(const std::string& token)
{
    multiproc::error_code ec;
    md::os::channel c = md::os::channel::adopt(token, ec);
    require(ec || c.is_open());
    c.release();
}

void read_handshake(std::string_view bytes)
{
    md::os::channel ours, theirs;
    multiproc::error_code ec;
    md::os::channel::make_pair(ours, theirs, ec);
    require(!ec);
    // The token of our end, as the child gets it, must give that end back.
    md::os::channel again = md::os::channel::adopt(ours.token(), ec);
    require(!ec && again.native() == ours.native());
    again.release();

    theirs.write_all(bytes.data(), bytes.size(), md::os::clock::time_point::max(), ec);
    theirs.close(); // the stream ends after the bytes
    std::string body;
    const md::frame_kind kind = md::receive_frame(ours, body, ec);
    if (ec)
        return;
    if (kind == md::frame_kind::worker) {
        const md::worker_frame setup = md::decode_worker(body, ec);
        if (!ec)
            require(md::encode(setup) == body);
        return;
    }
    const md::child_start start = md::read_child_start(kind, body, ec);
    if (ec)
        return;
    require(md::encode(start.run) == body);
    if (!start.task) {
        require(!start.refusal.message.empty());
        return;
    }
    try {
        start.task->invoke(start.run.arguments, 1); // as the child runs it
    } catch (const std::exception&) {
        // Bad arguments: the child reports the exception and exits with 1.
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const std::size_t token_size = std::min<std::size_t>(data[0] % 32, size - 1);
    adopt_token(std::string(reinterpret_cast<const char*>(data) + 1, token_size));
    const std::string_view rest(reinterpret_cast<const char*>(data) + 1 + token_size,
                                size - 1 - token_size);
    if (rest.size() < 64 * 1024) // fits a socket's buffer: written before it is read
        read_handshake(rest);
    return 0;
}
